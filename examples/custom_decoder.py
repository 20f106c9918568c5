"""A custom decoder: replace the built-in pandas <- csv reader with one that parses only the
declared columns (``pyarrow.csv`` with ``include_columns``), registered with ``override=True``.

Any plugin author's handler is written the same way: subclass ``fp.Decoder`` (or ``fp.Encoder``),
key it by (python type, protocol, format) and ``fp.register`` it.
"""

from __future__ import annotations

import os
import tempfile
from typing import Annotated

import pandas as pd
import pyarrow.csv as pacsv

import frameport as fp


class ColumnsOnlyCsv(fp.Decoder):
    """pandas.DataFrame from csv, on every protocol; reads only ``ctx.columns`` when given."""

    calls = 0

    def __init__(self) -> None:
        super().__init__(pd.DataFrame, protocol=None, format="csv")

    def decode(self, ctx: fp.ReadContext) -> pd.DataFrame:
        type(self).calls += 1
        convert = pacsv.ConvertOptions(include_columns=ctx.columns) if ctx.columns else None
        tables = []
        for path in ctx.paths((".csv",)):
            with ctx.fs.open(path, "rb") as f:
                tables.append(pacsv.read_csv(f, convert_options=convert))
        frames = [t.to_pandas() for t in tables]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ctx.columns or [])


fp.register(ColumnsOnlyCsv(), override=True)


@fp.task
def produce(path: str) -> Annotated[fp.DataFrame, "csv"]:
    df = pd.DataFrame({"city": ["Oslo", "Lima", "Pune"], "temp": [3.5, 19.0, 28.25], "rain": [1, 0, 0]})
    return fp.DataFrame.from_df(df, uri=path, format="csv")


@fp.task
def consume(df: Annotated[pd.DataFrame, fp.columns(city=str, temp=float)]) -> list[str]:
    print(df.to_string(index=False))
    return list(df.columns)


@fp.task
def main(path: str) -> list[str]:
    return consume(produce(path))


if __name__ == "__main__":
    out = os.path.join(tempfile.mkdtemp(prefix="frameport-custom-"), "weather.csv")
    run = fp.run(main, out)
    print(f"columns parsed: {run.outputs}; custom decoder calls: {ColumnsOnlyCsv.calls}")
