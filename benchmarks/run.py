"""Run every benchmark in one go (``tox -e bench``); extra arguments go to each script.

Each ``bench_*.py`` prints its own markdown tables; a benchmark whose library is not installed says so and
is skipped (peers such as flytekit are optional).
"""

from __future__ import annotations

import pathlib
import subprocess
import sys


def main() -> int:
    here = pathlib.Path(__file__).parent
    failed = 0
    for script in sorted(here.glob("bench_*.py")):
        print(f"\n## {script.stem}\n", flush=True)
        failed |= subprocess.run([sys.executable, str(script), *sys.argv[1:]]).returncode != 0
    return int(failed)


if __name__ == "__main__":
    sys.exit(main())
