"""``import frameport`` is cheap: no dataframe library, no heavy stdlib modules."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pandas", "pyarrow", "polars", "dask", "fsspec", "numpy")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"import sys; {code}; print('\\n'.join(sys.modules))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return set(out.split())


def test_import_frameport_imports_no_dataframe_library():
    loaded = _modules_after("import frameport")
    assert not [m for m in HEAVY if m in loaded]


def test_public_names_resolve_without_importing_backends():
    loaded = _modules_after(
        "import frameport as fp; fp.DataFrame; fp.register; fp.Encoder; fp.columns(a=int); fp.Plugin"
    )
    assert not [m for m in HEAVY if m in loaded]


def test_every_public_name_resolves():
    import frameport as fp

    for name in fp.__all__:
        assert getattr(fp, name) is not None
