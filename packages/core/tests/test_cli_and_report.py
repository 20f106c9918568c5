"""The `frameport` command and the HTML run report (rendered in headless Chromium)."""

from __future__ import annotations

import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Annotated

import pandas as pd
import pytest

import frameport as fp
from frameport.cli import main as cli


def _pipeline_run() -> fp.Run:
    @fp.task
    def people() -> pd.DataFrame:
        return pd.DataFrame({"employee_id": [1001, 1002], "name": ["Alice", "Bob"], "salary": [55000.0, None]})

    @fp.task
    def names(df: Annotated[pd.DataFrame, fp.columns(name=str)]) -> fp.DataFrame:
        return fp.DataFrame.from_df(df)

    def pipeline() -> fp.DataFrame:
        return names(people())

    return fp.run(pipeline)


def test_plugins_lists_builtins_and_installed(capsys):
    assert cli(["plugins", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert {"pandas", "pyarrow", "rowframes"} <= set(rows)
    assert rows["pandas"]["types"] == ["pandas.DataFrame"]
    assert "parquet" in rows["pandas"]["formats"]
    assert cli(["plugins", "--load"]) == 0
    out = capsys.readouterr().out
    assert "rowframes  [loaded]" in out and "jsonl" in out


def test_plugins_reports_a_broken_plugin(tmp_path):
    # a real installed distribution would need a venv; an entry point on sys.path is the same to importlib
    dist = tmp_path / "broken_fp-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-fp\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[frameport.plugins]\nbroken = no_such_module_xyz:PLUGIN\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-m", "frameport.cli", "plugins"], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert "broken  [failed]" in out and "No module named 'no_such_module_xyz'" in out
    assert "pandas  [available]" in out


def test_inspect_uri_and_reference_json(capsys):
    df = pd.DataFrame({"a": range(30), "b": [f"x{i}" for i in range(30)], "c": [1.5] * 30})
    ref = fp.DataFrame.from_df(df).write_sync()
    assert cli(["inspect", ref.uri, "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert ("format:  parquet" in out and "rows:    30" in out and "b: large_string" in out) or "b: string" in out
    assert "x2" in out and "x3" not in out
    assert cli(["inspect", json.dumps(ref.to_dict()), "--columns", "b", "--limit", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["num_rows"] == 30 and [f["name"] for f in data["schema"]] == ["b"]
    assert data["rows"] == [{"b": "x0"}, {"b": "x1"}]


def test_inspect_foreign_file_counts_rows(tmp_path, capsys):
    path = tmp_path / "foreign.csv"
    path.write_text("x,y\n1,a\n2,b\n3,c\n")
    assert cli(["inspect", str(path), "--json", "--limit", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "csv" and data["num_rows"] == 3 and data["rows"] == [{"x": 1, "y": "a"}]


@pytest.mark.parametrize(
    "args, message",
    [
        (["inspect", "/no/such/place"], "no data at"),
        (["inspect", '{"frameport": 99, "uri": "x"}'], "version"),
        (["inspect", "{not json"], "not valid JSON"),
        (["runs", "show", "no-such-run"], "no run named"),
        (["runs", "open", "../etc"], "not a run name"),
    ],
)
def test_user_errors_are_one_sentence_and_exit_1(args, message):
    proc = subprocess.run([sys.executable, "-m", "frameport.cli", *args], capture_output=True, text=True)
    assert proc.returncode == 1
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_runs_list_show_open(capsys):
    run = _pipeline_run()
    assert cli(["runs"]) == 0
    assert run.name in capsys.readouterr().out
    assert cli(["runs", "show", run.name]) == 0
    out = capsys.readouterr().out
    assert "output" in out and "input" in out and "rows=2" in out
    assert cli(["runs", "open", run.name]) == 0
    path = capsys.readouterr().out.strip()
    assert os.path.isfile(path) and path.endswith("report.html")
    rec = json.loads(open(os.path.join(os.path.dirname(path), "run.json")).read())
    assert rec["status"] == "succeeded" and len(rec["boundaries"]) == 3
    assert all("secret" not in json.dumps(b["reference"]) for b in rec["boundaries"])


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = False

    def handle_starttag(self, tag, attrs):
        self._skip = tag in ("style", "script", "title")

    def handle_endtag(self, tag):
        self._skip = False

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if exe is None:
        pytest.skip("headless Chromium is not installed (`python3 dev.py test` installs Debian's chromium as root)")
    return exe


def test_report_renders_in_headless_chromium():
    exe = _chromium()
    run = _pipeline_run()
    url = run.url
    assert url.startswith("file://")
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            [
                exe,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    parser = _Text()
    parser.feed(dom)
    text = " ".join(" ".join(parser.parts).split())
    assert f"Run {run.name}" in text
    assert "succeeded" in text
    for b in run.boundaries:
        assert b.ref.uri in text
    assert re.search(r"employee_id\s*:\s*int64", text)  # the schema
    assert "Alice" in text and "Bob" in text  # the first rows
    assert "people" in text and "names" in text  # the tasks, in order
    assert text.index("people") < text.index("names")
