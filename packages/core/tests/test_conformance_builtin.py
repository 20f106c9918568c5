"""The built-in pandas and pyarrow handlers pass the conformance kit."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

from frameport.testing.conformance import FrameConformance


class TestPandas(FrameConformance):
    python_type = pd.DataFrame

    def make_frame(self, data: dict[str, list[Any]]) -> pd.DataFrame:
        return pd.DataFrame(data)

    def to_pydict(self, value: pd.DataFrame) -> dict[str, list[Any]]:
        return pa.Table.from_pandas(value, preserve_index=False).to_pydict()


class TestPyArrow(FrameConformance):
    python_type = pa.Table

    def make_frame(self, data: dict[str, list[Any]]) -> pa.Table:
        return pa.table(data)

    def to_pydict(self, value: pa.Table) -> dict[str, list[Any]]:
        return value.to_pydict()
