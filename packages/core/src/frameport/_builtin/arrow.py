"""pyarrow.Table <-> parquet, csv, arrow (IPC file)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from ..handlers import Decoder, Encoder, ReadContext, WriteContext, Written
from ..registry import register as _register
from . import formats


class ArrowEncoder(Encoder):
    def __init__(self, fmt: str) -> None:
        super().__init__(pa.Table, None, fmt)

    def encode(self, value: Any, ctx: WriteContext) -> Written:
        return formats.write(value, ctx)


class ArrowDecoder(Decoder):
    def __init__(self, fmt: str) -> None:
        super().__init__(pa.Table, None, fmt)

    def decode(self, ctx: ReadContext) -> pa.Table:
        return formats.read(ctx)

    def iter_batches(self, ctx: ReadContext) -> Iterator[pa.Table]:
        return formats.iter_batches(ctx)

    def read_schema(self, ctx: ReadContext) -> pa.Schema:
        return formats.read_schema(ctx)


class RecordBatchEncoder(Encoder):
    """A ``pyarrow.RecordBatch`` is written as a one-batch table."""

    def __init__(self, fmt: str) -> None:
        super().__init__(pa.RecordBatch, None, fmt)

    def encode(self, value: Any, ctx: WriteContext) -> Written:
        return formats.write(pa.Table.from_batches([value]), ctx)


def register() -> None:
    for fmt in formats.FORMATS:  # parquet first: the default format
        _register(ArrowEncoder(fmt))
        _register(ArrowDecoder(fmt))
        _register(RecordBatchEncoder(fmt))
