"""A toy dataframe library: a list of row dicts. Stands in for a third party's frame type."""

from __future__ import annotations

from typing import Any


class RowFrame:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = list(rows)

    @property
    def columns(self) -> list[str]:
        return list(self.rows[0]) if self.rows else []

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RowFrame) and self.rows == other.rows

    def __repr__(self) -> str:
        return f"RowFrame({self.rows!r})"
