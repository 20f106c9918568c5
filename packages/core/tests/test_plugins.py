"""Plugins: a third-party wheel works with no import; a broken one is reported; plugins can be disabled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap


def _run(code: str, tmp_path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "FRAMEPORT_STORE": str(tmp_path / "store"), **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=full_env, timeout=120
    )


def test_an_installed_third_party_plugin_works_without_being_imported(tmp_path):
    out = _run(
        """
        import json, sys
        import frameport as fp
        from rowframes import RowFrame   # the user's library, not the plugin
        assert "frameport_rowframes.handlers" not in sys.modules
        ref = fp.DataFrame.from_df(RowFrame([{"a": 1, "b": "x"}, {"a": 2, "b": "y"}])).write_sync()
        back = ref.open(RowFrame, columns=["a"]).all_sync()
        print(json.dumps({"format": ref.format, "rows": back.rows,
                          "loaded": "frameport_rowframes.handlers" in sys.modules}))
        """,
        tmp_path,
    )
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got == {"format": "jsonl", "rows": [{"a": 1}, {"a": 2}], "loaded": True}


def test_backends_are_not_imported_before_their_values_appear(tmp_path):
    out = _run(
        """
        import sys
        import frameport as fp
        fp.REGISTRY.plugins()            # reads entry points: must import no backend
        assert "rowframes" not in sys.modules and "pandas" not in sys.modules, sorted(sys.modules)
        import pandas as pd
        fp.DataFrame.from_df(pd.DataFrame({"a": [1]})).write_sync()
        assert "frameport_rowframes.handlers" not in sys.modules
        print("ok")
        """,
        tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def _broken_plugin(tmp_path):
    site = tmp_path / "site"
    (site / "broken_fp_plugin").mkdir(parents=True)
    (site / "broken_fp_plugin" / "__init__.py").write_text("raise ImportError('this plugin is broken on purpose')\n")
    dist = site / "broken_fp_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-fp-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[frameport.plugins]\nbroken = broken_fp_plugin:PLUGIN\n")
    return str(site)


def test_a_broken_plugin_is_reported_and_the_others_keep_working(tmp_path):
    out = _run(
        """
        import json, warnings
        import frameport as fp
        import pandas as pd
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            states = {s.plugin.name: (s.status, s.error) for s in fp.REGISTRY.plugins()}
        ref = fp.DataFrame.from_df(pd.DataFrame({"a": [1, 2]})).write_sync()
        print(json.dumps({"states": states, "warned": [str(w.message) for w in caught],
                          "rows": ref.open(pd.DataFrame).all_sync()["a"].tolist()}))
        """,
        tmp_path,
        {"PYTHONPATH": _broken_plugin(tmp_path)},
    )
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    status, why = got["states"]["broken"]
    assert status == "failed" and "broken on purpose" in why
    assert any("broken" in w and "broken on purpose" in w for w in got["warned"])
    assert got["rows"] == [1, 2]
    assert got["states"]["rowframes"][0] in ("available", "loaded")


def test_a_disabled_plugin_is_not_used_and_the_error_says_why(tmp_path):
    out = _run(
        """
        import frameport as fp
        from rowframes import RowFrame
        try:
            fp.DataFrame.from_df(RowFrame([{"a": 1}])).write_sync()
        except fp.HandlerNotFoundError as e:
            print(e)
        """,
        tmp_path,
        {"FRAMEPORT_DISABLED_PLUGINS": "rowframes, other"},
    )
    assert out.returncode == 0, out.stderr
    assert "rowframes.RowFrame" in out.stdout and "disabled" in out.stdout
