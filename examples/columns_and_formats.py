"""Columns and formats: a consumer declares 2 of 10 columns and only those leave storage.

* ``produce`` returns 10 columns;
* ``pay_only`` declares ``employee_id`` and ``salary``: the reader is given that projection, so the
  other 8 columns are never read (the frame it receives has exactly those 2);
* ``wants_missing`` declares a column that does not exist: frameport refuses before the task runs,
  naming the missing column and listing what is there. The example prints that error and goes on.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import pandas as pd

import frameport as fp

N = 1000


@fp.task
def produce() -> Annotated[fp.DataFrame, "parquet"]:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "employee_id": np.arange(N),
            "salary": rng.normal(60000, 10000, N).round(2),
            **{f"extra_{i}": rng.random(N) for i in range(7)},
            "notes": [f"note {i}" for i in range(N)],
        }
    )
    return fp.DataFrame.from_df(df)


Pay = Annotated[pd.DataFrame, fp.columns(employee_id=int, salary=float)]


@fp.task
def pay_only(df: Pay) -> float:
    print(f"pay_only received columns {list(df.columns)} ({df.shape[0]} rows)")
    return float(df["salary"].mean())


@fp.task
def wants_missing(df: Annotated[pd.DataFrame, fp.columns(employee_id=int, bonus=float)]) -> int:
    return len(df)


@fp.task
def main() -> float:
    ref = produce()
    print(f"stored {len(ref.columns)} columns at {ref.uri}: {ref.columns}")
    mean = pay_only(ref)
    print(f"mean salary: {mean:.2f}")
    reader = ref.open(Pay)
    print(f"the same projection outside a task: {reader!r}")
    try:
        wants_missing(ref)
    except fp.SchemaMismatchError as exc:
        print(f"refused as expected: {exc}")
    return mean


if __name__ == "__main__":
    run = fp.run(main)
    print(f"run {run.name}: {run.status}")
