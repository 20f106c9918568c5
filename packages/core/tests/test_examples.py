"""Every example in examples/ runs as `python examples/NAME.py` and prints what it promises."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "examples"

EXPECT = {
    "quickstart.py": ["wrote 8 rows as parquet"],
    "employee_pipeline.py": ["received a reference", "Hannah", "8 rows joined", "report: file://"],
    "columns_and_formats.py": ["received columns ['employee_id', 'salary']", "refused as expected", "'bonus'"],
    "two_outputs.py": ["people: csv at", "scores: parquet at", "Linus", '"id","name"'],
    "custom_decoder.py": ["columns parsed: ['city', 'temp']; custom decoder calls: 1"],
}


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_example_runs(name, tmp_path):
    path = EXAMPLES / name
    if not path.exists():
        pytest.fail(f"{path} is missing")
    env = {**os.environ, "FRAMEPORT_STORE": str(tmp_path / "store"), "FRAMEPORT_EXAMPLE_OUT": str(tmp_path)}
    proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for needle in EXPECT[name]:
        assert needle in proc.stdout, f"{needle!r} not in the output of {name}:\n{proc.stdout}"


def test_readme_example_runs(tmp_path, monkeypatch):
    readme = (EXAMPLES.parent / "README.md").read_text()
    code = readme.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(code, "README.md", "exec"), namespace)
    run = namespace["run"]
    assert run.outputs == 1 and run.status == "succeeded"  # type: ignore[attr-defined]
