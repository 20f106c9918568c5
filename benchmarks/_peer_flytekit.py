"""The benchmark pipeline in flytekit (tasks must live at module level). ``FRAME`` is set by the caller."""

from __future__ import annotations

import pandas as pd
from flytekit import task, workflow

FRAME: pd.DataFrame = pd.DataFrame()


@task
def produce() -> pd.DataFrame:
    return FRAME


@task
def consume(df: pd.DataFrame) -> int:
    return len(df)


@workflow
def pipeline() -> int:
    return consume(df=produce())


@task
def add(a: int, b: int) -> int:
    return a + b


def ints(n: int) -> None:
    for i in range(n):
        add(a=i, b=1)
