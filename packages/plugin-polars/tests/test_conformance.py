"""The polars handlers pass frameport's conformance kit, eager and lazy."""

from __future__ import annotations

from typing import Any

import polars as pl

from frameport.testing.conformance import FrameConformance


class TestPolarsEager(FrameConformance):
    python_type = pl.DataFrame

    def make_frame(self, data: dict[str, list[Any]]) -> pl.DataFrame:
        return pl.DataFrame(data, schema={"id": pl.Int64, "name": pl.String} if not any(data.values()) else None)

    def to_pydict(self, value: pl.DataFrame) -> dict[str, list[Any]]:
        return value.to_dict(as_series=False)


class TestPolarsLazy(FrameConformance):
    python_type = pl.LazyFrame

    def make_frame(self, data: dict[str, list[Any]]) -> pl.LazyFrame:
        return TestPolarsEager.make_frame(self, data).lazy()  # type: ignore[arg-type]

    def collect(self, value: Any) -> Any:
        assert isinstance(value, pl.LazyFrame), type(value)
        return value.collect()

    def to_pydict(self, value: pl.DataFrame) -> dict[str, list[Any]]:
        return value.to_dict(as_series=False)
