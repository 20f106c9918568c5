"""frameport's boundary vs raw pyarrow (the floor), pandas <-> parquet on local disk, in one run.

    python benchmarks/bench_core.py [--sizes 1e3,1e5,1e6] [--repeats N]

* boundary: ``DataFrame.from_df(df).write_sync()`` then ``ref.open(pd.DataFrame).all_sync()``;
* raw: ``pq.write_table(pa.Table.from_pandas(df), path)`` then ``pq.read_table(path).to_pandas()``,
  pyarrow's defaults;
* projection: the same, reading 2 of the 10 columns (``columns=`` on both sides);
* peak RSS of one boundary vs one raw round trip at the largest size, each in a fresh interpreter;
* ``import frameport`` time (``python -X importtime``) and the heavy modules it pulls in (none).
Peers (flytekit, flyte) are measured by ``bench_peers.py`` when they are installed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from _harness import compare, fmt_ms, fresh_path, make_frame, markdown_table, peak_rss, rss_table

import frameport as fp

COLS = ["i0", "f0"]


def boundary_cases(df: pd.DataFrame, tmp: str) -> dict[str, object]:
    refs: list[fp.DataFrame] = []

    def raw() -> object:
        path = fresh_path(tmp)
        pq.write_table(pa.Table.from_pandas(df), path)
        return pq.read_table(path).to_pandas()

    def frameport() -> object:
        ref = fp.DataFrame.from_df(df).write_sync()
        refs.append(ref)
        return ref.open(pd.DataFrame).all_sync()

    return {"raw": raw, "frameport": frameport, "_refs": refs}


def import_time_ms() -> float:
    best = float("inf")
    for _ in range(5):
        err = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import frameport"], capture_output=True, text=True
        ).stderr
        line = [ln for ln in err.splitlines() if re.search(r"\|\s+frameport$", ln)][-1]
        best = min(best, int(line.split("|")[1]) / 1000)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1e3,1e5,1e6")
    ap.add_argument("--repeats", type=int, default=0, help="0: 50 / 15 / 7 by size")
    args = ap.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FRAMEPORT_STORE"] = os.path.join(tmp, "store")
        for n in sizes:
            df = make_frame(n)
            repeats = args.repeats or (50 if n <= 1e3 else 15 if n <= 1e5 else 7)
            raw_path = os.path.join(tmp, f"raw-{n}.parquet")
            pq.write_table(pa.Table.from_pandas(df), raw_path)
            ref = fp.DataFrame.from_df(df).write_sync()
            cases = boundary_cases(df, tmp)
            full = compare({"raw": cases["raw"], "frameport": cases["frameport"]}, repeats)  # type: ignore[dict-item]
            proj = compare(
                {
                    "raw": lambda p=raw_path: pq.read_table(p, columns=COLS).to_pandas(),
                    "frameport": lambda r=ref: r.open(pd.DataFrame, columns=COLS).all_sync(),
                },
                repeats,
            )
            rows.append(
                [
                    f"{n:.0e}",
                    fmt_ms(full["raw"]),
                    fmt_ms(full["frameport"]),
                    f"**{full['frameport'] / full['raw']:.2f} x**",
                    f"{(full['frameport'] - full['raw']) * 1e3:+.2f} ms",
                    fmt_ms(proj["raw"]),
                    fmt_ms(proj["frameport"]),
                    f"**{proj['frameport'] / proj['raw']:.2f} x**",
                ]
            )
            print(rows[-1], flush=True)
    print()
    print(
        markdown_table(
            [
                "rows",
                "raw write+read",
                "frameport boundary",
                "ratio",
                "overhead",
                "raw 2-col read",
                "frameport 2-col read",
                "ratio",
            ],
            rows,
        )
    )
    n = sizes[-1]
    setup = f"""
import os, sys, tempfile
sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r})
from _harness import make_frame
df = make_frame({n})
tmp = tempfile.mkdtemp()
os.environ["FRAMEPORT_STORE"] = tmp
"""
    setup += "import pyarrow as pa, pyarrow.parquet as pq, pandas as pd, frameport as fp\n"
    base, raw_add = peak_rss(
        setup,
        "pq.write_table(pa.Table.from_pandas(df), tmp + '/r.parquet')\n"
        "out = pq.read_table(tmp + '/r.parquet').to_pandas()\n",
    )
    _, fp_add = peak_rss(setup, "out = fp.DataFrame.from_df(df).write_sync().open(pd.DataFrame).all_sync()\n")
    frame_mib = base / 2**20
    print()
    title = f"one round trip of {n:.0e} rows"
    print(rss_table(title, "raw pyarrow", raw_add, fp_add, "peak RSS added above the resident frame"))
    print(f"(the process held {frame_mib:.0f} MiB at its peak while building the frame, before the round trip)")
    heavy = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, frameport; print([m for m in ('pandas','pyarrow','polars','dask') if m in sys.modules])",
        ],
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"\nimport frameport: {import_time_ms():.1f} ms (best of 5, -X importtime); heavy modules imported: {heavy}")


if __name__ == "__main__":
    main()
