"""pandas.DataFrame <-> parquet, csv, arrow (IPC file), through Arrow tables.

The pandas metadata Arrow keeps (index, extension dtypes, categoricals, time zones) is written with
the data and used on read, so a named index, nullable ints and categoricals come back as they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pyarrow as pa

from ..errors import DataError
from ..handlers import Decoder, Encoder, ReadContext, WriteContext, Written
from ..registry import register as _register
from . import formats


def to_arrow(df: pd.DataFrame) -> pa.Table:
    try:
        return pa.Table.from_pandas(df, preserve_index=None)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise DataError(
            f"cannot convert this pandas.DataFrame to Arrow: {exc}. Make each column hold one kind of value "
            f"(object columns mixing types cannot be stored), or cast it first."
        ) from None


_NULLABLE_INTS = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
}


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """Convert a table this module owns.

    * Data written by pandas carries pandas metadata, which restores its dtypes. Data written without it
      (polars, pyarrow, spark) gets nullable pandas integers for integer columns holding nulls, rather
      than floats, so no integer value is lost.
    * With Copy-on-Write (pandas >= 3, or the option on) the Arrow buffers are released column by column
      as they are converted (``self_destruct``), so a read peaks near one copy of the data instead of two;
      the zero-copy columns this gives are read-only, which Copy-on-Write handles. Without it, a plain
      conversion keeps every column writable, as pandas users expect.
    """
    nullable: dict[int, object] = {}
    if table.schema.pandas_metadata is None:
        for i, col in enumerate(table.columns):
            if pa.types.is_integer(col.type) and col.null_count:
                nullable[i] = col.to_pandas(types_mapper=_NULLABLE_INTS.get).array
    if _cow():
        df = table.to_pandas(split_blocks=True, self_destruct=True)
    else:
        df = table.to_pandas()
    for i, values in nullable.items():
        df.isetitem(i, values)
    return df


def _cow() -> bool:
    from ..provenance import copy_on_write as cow

    return cow(pd)


class PandasEncoder(Encoder):
    def __init__(self, fmt: str) -> None:
        super().__init__(pd.DataFrame, None, fmt)

    def encode(self, value: Any, ctx: WriteContext) -> Written:
        return formats.write(to_arrow(value), ctx)


class PandasDecoder(Decoder):
    def __init__(self, fmt: str) -> None:
        super().__init__(pd.DataFrame, None, fmt)

    def decode(self, ctx: ReadContext) -> pd.DataFrame:
        return to_pandas(formats.read(ctx, pandas_metadata=True))

    def iter_batches(self, ctx: ReadContext) -> Iterator[pd.DataFrame]:
        for t in formats.iter_batches(ctx, pandas_metadata=True):
            yield to_pandas(t)

    def read_schema(self, ctx: ReadContext) -> pa.Schema:
        return formats.read_schema(ctx)


def register() -> None:
    for fmt in formats.FORMATS:  # parquet first: the default format
        _register(PandasEncoder(fmt))
        _register(PandasDecoder(fmt))
