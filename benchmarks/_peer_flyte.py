"""The benchmark pipeline in flyte (v2), run in local mode. ``FRAME`` is set by the caller."""

from __future__ import annotations

from typing import Any

import flyte
import pandas as pd

FRAME: pd.DataFrame = pd.DataFrame()
env = flyte.TaskEnvironment("frameport-bench")


@env.task
async def produce() -> pd.DataFrame:
    return FRAME


@env.task
async def consume(df: pd.DataFrame) -> int:
    return len(df)


@env.task
async def main() -> int:
    return await consume(await produce())


@env.task
async def add(a: int, b: int) -> int:
    return a + b


@env.task
async def many(n: int) -> None:
    for i in range(n):
        await add(i, 1)


flyte.init()
_local = flyte.with_runcontext(mode="local")


def pipeline() -> Any:
    return _local.run(main)


def ints(n: int) -> None:
    _local.run(many, n)
