"""The object ``DataFrame.open(T)`` returns: read all at once, or stream batches of bounded memory.

``all()`` / ``iter()`` are async and run the I/O in a worker thread, so an event loop is never
blocked; ``all_sync()`` / ``iter_sync()`` are plain calls that also work inside a running event loop
(a notebook, an async task): they never start or nest an event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from . import engine

if TYPE_CHECKING:
    from .reference import DataFrame

__all__ = ["Reader"]

_DONE = object()


class Reader:
    def __init__(
        self,
        ref: DataFrame,
        python_type: Any,
        *,
        columns: list[str] | None = None,
        filters: list[Any] | None = None,
    ) -> None:
        self.ref = ref
        self.python_type = python_type
        self.columns = list(columns) if columns is not None else None
        self.filters = filters

    def all_sync(self) -> Any:
        """Read the (projected, filtered) data as one value of the requested type."""
        return engine.decode(self.ref, self.python_type, columns=self.columns, filters=self.filters)

    async def all(self) -> Any:
        return await asyncio.to_thread(self.all_sync)

    def iter_sync(self, batch_size: int | None = None) -> Iterator[Any]:
        """Yield the data in batches (values of the requested type), never all of it at once."""
        return engine.iter_decode(
            self.ref, self.python_type, columns=self.columns, filters=self.filters, batch_size=batch_size
        )

    async def iter(self, batch_size: int | None = None) -> AsyncIterator[Any]:
        it = self.iter_sync(batch_size)
        while True:
            item = await asyncio.to_thread(next, it, _DONE)
            if item is _DONE:
                return
            yield item

    def __repr__(self) -> str:
        return f"Reader({self.ref!r}, {self.python_type!r}, columns={self.columns!r})"
