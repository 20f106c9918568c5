#!/usr/bin/env python3
"""Run frameport's tox environments on a machine that has only python3.

    python3 dev.py demo        # the demo pipeline, on the embedded default store
    python3 dev.py test        # every test environment (what CI runs)
    python3 dev.py tox -e lint # any tox command line

The first call makes ``.dev-venv/`` with tox and tox-uv from PyPI; tox then builds each package's
wheel and installs it with uv into its own environment under ``.tox/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".dev-venv"
REQUIREMENTS = ["tox>=4.20", "tox-uv>=1.11"]
#: the environments `test` runs, in order (each one package's tests, then the cross-package ones)
TEST_ENVS = ["core", "polars", "lint"]


def _python() -> Path:
    return VENV / ("Scripts" if os.name == "nt" else "bin") / "python"


def _bootstrap() -> Path:
    py = _python()
    stamp = VENV / ".requirements"
    if not py.exists() or not stamp.exists() or stamp.read_text() != "\n".join(REQUIREMENTS):
        print(f"dev.py: creating {VENV.name}/ with {', '.join(REQUIREMENTS)}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", *REQUIREMENTS], check=True)
        stamp.write_text("\n".join(REQUIREMENTS))
    return py


def _ensure_chromium() -> None:
    """The report test renders pages in headless Chromium: install Debian's where missing (as root).

    Best effort: without it (not Debian, not root, no network) that one test skips and says why.
    """
    import shutil

    if shutil.which("chromium") or not shutil.which("apt-get") or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return
    print("dev.py: installing Debian's chromium for the report test", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run(["apt-get", "update", "-qq"], env=env, timeout=300, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"],
            env=env,
            timeout=600,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"dev.py: could not install chromium ({exc}); the report test will skip", file=sys.stderr)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    cmd, rest = argv[0], argv[1:]
    if cmd == "demo":
        tox_args = ["run", "--recreate", "-e", "demo", *rest]
    elif cmd == "test":
        _ensure_chromium()
        # --recreate: the packages are installed as built wheels; never test a stale one
        tox_args = ["run", "--recreate", "-e", ",".join(TEST_ENVS), *rest]
    elif cmd == "tox":
        tox_args = rest
    else:
        print(f"dev.py: unknown command {cmd!r}; use demo, test or tox", file=sys.stderr)
        return 2
    py = _bootstrap()
    return subprocess.call([str(py), "-m", "tox", "-c", str(ROOT / "tox.ini"), *tox_args], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
