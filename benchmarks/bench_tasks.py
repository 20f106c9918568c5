"""A two-task pipeline through ``frameport.run`` vs raw pyarrow write+read of the same frame, in one run.

    python benchmarks/bench_tasks.py [--sizes 1e3,1e5,1e6] [--repeats N]

* pipeline: ``produce() -> pd.DataFrame`` then ``consume(df: pd.DataFrame) -> int``, orchestrated by a
  plain function under ``frameport.run`` (run record written each time; the HTML report is rendered
  on demand, so not here);
* raw: ``pq.write_table(pa.Table.from_pandas(df))`` + ``pq.read_table(...).to_pandas()`` (pyarrow's defaults);
* a task call with only an int, inside a run (the cost of the task machinery alone).
Peers (flytekit, flyte) are in ``bench_peers.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from _harness import compare, fmt_ms, fresh_path, make_frame, markdown_table

import frameport as fp


def pipeline_for(df: pd.DataFrame) -> fp.Task:
    @fp.task
    def produce() -> pd.DataFrame:
        return df

    @fp.task
    def consume(frame: pd.DataFrame) -> int:
        return len(frame)

    def pipeline() -> int:
        return consume(produce())

    return pipeline  # type: ignore[return-value]


def int_call_us(n: int = 20_000) -> float:
    @fp.task
    def add(a: int, b: int) -> int:
        return a + b

    def many() -> float:
        t = time.perf_counter()
        for i in range(n):
            add(i, 1)
        return (time.perf_counter() - t) / n

    per = fp.run(many).outputs
    return float(per) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1e3,1e5,1e6")
    ap.add_argument("--repeats", type=int, default=0, help="0: 50 / 15 / 7 by size")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FRAMEPORT_STORE"] = os.path.join(tmp, "store")
        for n in [int(float(s)) for s in args.sizes.split(",")]:
            df = make_frame(n)
            pipeline = pipeline_for(df)

            def raw(df: pd.DataFrame = df) -> object:
                path = fresh_path(tmp)
                pq.write_table(pa.Table.from_pandas(df), path)
                return pq.read_table(path).to_pandas()

            def frameport(pipeline: object = pipeline) -> object:
                return fp.run(pipeline)  # type: ignore[arg-type]

            repeats = args.repeats or (50 if n <= 1e3 else 15 if n <= 1e5 else 7)
            t = compare({"raw": raw, "frameport": frameport}, repeats)
            rows.append(
                [
                    f"{n:.0e}",
                    fmt_ms(t["raw"]),
                    fmt_ms(t["frameport"]),
                    f"**{t['frameport'] / t['raw']:.2f} x**",
                ]
            )
            print(rows[-1], flush=True)
    print()
    print(markdown_table(["rows", "raw pyarrow write+read", "frameport 2-task run", "ratio"], rows))
    print(f"\ntask call with only ints, inside a run: {int_call_us():.2f} us per call")


if __name__ == "__main__":
    main()
