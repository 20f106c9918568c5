"""frameport vs flytekit vs flyte (v2, local mode) vs raw pyarrow, in one run, as ratios to raw.

    python benchmarks/bench_peers.py [--sizes 1e3,1e5,1e6] [--repeats N]

The same two-task pipeline in each system - ``produce() -> pd.DataFrame``, ``consume(df: pd.DataFrame) -> int``
- run locally on the local disk, against raw ``pq.write_table`` + ``pq.read_table().to_pandas()``.
Then the cost of a task call that carries only ints. A peer that is not installed is reported and skipped.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(__file__))

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from _harness import compare, fmt_ms, fresh_path, make_frame, markdown_table

import frameport as fp

FRAME: pd.DataFrame = pd.DataFrame()  # the frame of the current size, read by every system's producer


# --- frameport -----------------------------------------------------------------------------------


@fp.task
def fp_produce() -> pd.DataFrame:
    return FRAME


@fp.task
def fp_consume(df: pd.DataFrame) -> int:
    return len(df)


def fp_pipeline() -> int:
    return fp_consume(fp_produce())


@fp.task
def fp_add(a: int, b: int) -> int:
    return a + b


def fp_ints(n: int) -> None:
    for i in range(n):
        fp_add(i, 1)


# --- peers ---------------------------------------------------------------------------------------


def load_peers() -> dict[str, Any]:
    """The peer modules that import (each defines ``FRAME``, ``pipeline()`` and ``ints(n)``)."""
    import importlib

    peers = {}
    for name in ("flytekit", "flyte"):
        try:
            peers[name] = importlib.import_module(f"_peer_{name}")
        except ImportError as exc:
            print(f"skipping {name}: not installed ({exc})")
    return peers


def main() -> None:
    global FRAME
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1e3,1e5,1e6")
    ap.add_argument("--repeats", type=int, default=0, help="0: 30 / 10 / 5 by size")
    args = ap.parse_args()
    peers = load_peers()
    names = ["frameport", *peers]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FRAMEPORT_STORE"] = os.path.join(tmp, "store")
        for n in [int(float(s)) for s in args.sizes.split(",")]:
            FRAME = make_frame(n)
            for mod in peers.values():
                mod.FRAME = FRAME

            def raw(frame: pd.DataFrame = FRAME) -> object:
                path = fresh_path(tmp)
                pq.write_table(pa.Table.from_pandas(frame), path)
                return pq.read_table(path).to_pandas()

            cases: dict[str, Callable[[], object]] = {"raw": raw, "frameport": lambda: fp.run(fp_pipeline)}
            cases.update({k: mod.pipeline for k, mod in peers.items()})
            repeats = args.repeats or (30 if n <= 1e3 else 10 if n <= 1e5 else 5)
            t = compare(cases, repeats)
            rows.append(
                [f"{n:.0e}", fmt_ms(t["raw"])] + [f"{fmt_ms(t[k])} (**{t[k] / t['raw']:.2f} x**)" for k in names]
            )
            print(rows[-1], flush=True)
    print()
    print(markdown_table(["rows", "raw pyarrow", *names], rows))
    calls = 2000
    per_call = {}
    for k, fn in [("frameport", lambda n: fp.run(fp_ints, n)), *((k, mod.ints) for k, mod in peers.items())]:
        fn(50)  # warm up
        t0 = time.perf_counter()
        fn(calls)
        per_call[k] = (time.perf_counter() - t0) / calls
    print()
    print(
        markdown_table(["task call with ints only", *per_call], [["per call", *(fmt_ms(v) for v in per_call.values())]])
    )


if __name__ == "__main__":
    main()
