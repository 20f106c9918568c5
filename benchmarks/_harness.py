"""Shared pieces of the benchmarks: the frame, interleaved timing, peak RSS in a fresh process, tables."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable

import numpy as np
import pandas as pd


def make_frame(n: int, seed: int = 0) -> pd.DataFrame:
    """N rows x 10 columns: 4 int64, 3 float64, a high- and a low-cardinality string, a timestamp."""
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {f"i{k}": rng.integers(0, 1_000_000_000, n) for k in range(4)}
    data.update({f"f{k}": rng.random(n) for k in range(3)})
    data["hi"] = [f"user-{i}-{x}" for i, x in enumerate(rng.integers(0, 1_000_000, n))]
    data["lo"] = rng.choice(["red", "green", "blue", "cyan", "teal", "pink", "gold", "gray", "navy", "plum"], n)
    data["ts"] = pd.date_range("2020-01-01", periods=n, freq="s")
    return pd.DataFrame(data)


def compare(cases: dict[str, Callable[[], object]], repeats: int, warmup: int = 1) -> dict[str, float]:
    """Median seconds per case; cases alternate every round so machine noise hits all of them alike."""
    for _ in range(warmup):
        for fn in cases.values():
            fn()
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(repeats):
        for name, fn in cases.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}


def peak_rss(setup: str, code: str = "") -> tuple[int, int]:
    """Peak resident memory of a fresh interpreter: (after ``setup``, during ``code`` above that).

    Linux: the high-water mark is reset (``/proc/self/clear_refs``) once ``setup`` is done, so the second
    figure is what ``code`` alone added on top of what ``setup`` left resident.
    """
    measure = """
import gc, json, re
gc.collect()
def _hwm():
    return int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) * 1024
def _rss():
    return int(re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) * 1024
_setup_peak = _hwm()
_base = _rss()
open("/proc/self/clear_refs", "w").write("5")
"""
    wrapper = (
        textwrap.dedent(setup)
        + measure
        + textwrap.dedent(code)
        + "\nprint(json.dumps([_setup_peak, max(0, _hwm() - _base)]))\n"
    )
    out = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, check=True).stdout
    setup_peak, added = json.loads(out.strip().splitlines()[-1])
    return int(setup_peak), int(added)


def fresh_path(folder: str, ext: str = "parquet") -> str:
    """A new file name per call: raw writes land in new files, as frameport's (and any pipeline's) do."""
    return os.path.join(folder, f"raw-{uuid.uuid4().hex}.{ext}")


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def rss_table(title: str, raw_label: str, raw: int, ours: int, what: str = "peak RSS added") -> str:
    """Peak memory of a raw round trip against frameport's, as a markdown table with the ratio."""
    return markdown_table(
        [title, what, "ratio"],
        [
            [raw_label, f"{raw / 2**20:.0f} MiB", ""],
            ["frameport", f"{ours / 2**20:.0f} MiB", f"**{ours / max(raw, 1):.2f} x**"],
        ],
    )


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"
