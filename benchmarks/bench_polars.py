"""frameport-polars vs raw polars, in one run.

    python benchmarks/bench_polars.py [--sizes 1e3,1e5,1e6] [--repeats N] [--lazy-rows 1e7]

* boundary: ``DataFrame.from_df(df).write_sync()`` then ``ref.open(pl.DataFrame).all_sync()``;
* raw: ``df.write_parquet(path)`` then ``pl.read_parquet(path)`` (polars' defaults);
* peak RSS added by one round trip at the largest size, each in a fresh interpreter (high-water mark
  reset after the frame is built);
* a LazyFrame passed through a task boundary (scan in, ``sink_parquet`` out) vs collecting it and writing
  the result, at ``--lazy-rows`` rows: peak RSS added by each.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))

import polars as pl
from _harness import compare, fmt_ms, fresh_path, make_frame, markdown_table, peak_rss, rss_table

import frameport as fp

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1e3,1e5,1e6")
    ap.add_argument("--repeats", type=int, default=0, help="0: 50 / 15 / 7 by size")
    ap.add_argument("--lazy-rows", default="1e7")
    args = ap.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FRAMEPORT_STORE"] = os.path.join(tmp, "store")
        for n in sizes:
            df = pl.from_pandas(make_frame(n))

            def raw(df: pl.DataFrame = df) -> object:
                path = fresh_path(tmp)
                df.write_parquet(path)
                return pl.read_parquet(path)

            def frameport(df: pl.DataFrame = df) -> object:
                return fp.DataFrame.from_df(df).write_sync().open(pl.DataFrame).all_sync()

            repeats = args.repeats or (50 if n <= 1e3 else 15 if n <= 1e5 else 7)
            t = compare({"raw": raw, "frameport": frameport}, repeats)
            rows.append(
                [f"{n:.0e}", fmt_ms(t["raw"]), fmt_ms(t["frameport"]), f"**{t['frameport'] / t['raw']:.2f} x**"]
            )
            print(rows[-1], flush=True)
    print()
    print(markdown_table(["rows", "raw polars write+read", "frameport boundary", "ratio"], rows))

    n = sizes[-1]
    setup = f"""
import os, sys, tempfile
sys.path.insert(0, {HERE!r})
from _harness import make_frame
import polars as pl, frameport as fp
df = pl.from_pandas(make_frame({n}))
tmp = tempfile.mkdtemp()
os.environ["FRAMEPORT_STORE"] = tmp
fp.DataFrame.from_df(pl.DataFrame({{"warm": [1]}})).write_sync()  # load the plugin before measuring
"""
    _, raw_add = peak_rss(setup, "df.write_parquet(tmp + '/r.parquet'); out = pl.read_parquet(tmp + '/r.parquet')\n")
    _, fp_add = peak_rss(setup, "out = fp.DataFrame.from_df(df).write_sync().open(pl.DataFrame).all_sync()\n")
    print()
    print(rss_table(f"one round trip of {n:.0e} rows", "raw polars", raw_add, fp_add))

    big = int(float(args.lazy_rows))
    lazy_setup = f"""
import os, tempfile
import numpy as np, polars as pl, frameport as fp
tmp = tempfile.mkdtemp()
os.environ["FRAMEPORT_STORE"] = tmp
rng = np.random.default_rng(0)
src = tmp + "/big.parquet"
pl.DataFrame({{"id": np.arange({big}), "x": rng.random({big}), "y": rng.integers(0, 1000, {big}),
              "s": rng.integers(0, 1_000_000, {big})}}).with_columns(pl.col("s").cast(pl.String)).write_parquet(src)
ref = fp.DataFrame(src, "parquet")
fp.DataFrame.from_df(pl.DataFrame({{"warm": [1]}}).lazy()).write_sync()
import gc; gc.collect()
"""
    plan = "lf = ref.open(pl.LazyFrame).all_sync().with_columns(z=pl.col('x') * 2).filter(pl.col('y') < 900)\n"
    _, through = peak_rss(lazy_setup, plan + "out = fp.DataFrame.from_df(lf).write_sync()\n")
    _, collected = peak_rss(lazy_setup, plan + "lf.collect().write_parquet(tmp + '/c.parquet')\n")
    print()
    print(
        markdown_table(
            [f"LazyFrame of {big:.0e} rows through a boundary", "peak RSS added", "ratio"],
            [
                ["collect() then write", f"{collected / 2**20:.0f} MiB", ""],
                [
                    "frameport (scan in, sink_parquet out)",
                    f"{through / 2**20:.0f} MiB",
                    f"**{through / collected:.2f} x**",
                ],
            ],
        )
    )


if __name__ == "__main__":
    main()
