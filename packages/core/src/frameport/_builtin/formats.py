"""Arrow tables <-> bytes in the three built-in formats: ``parquet``, ``csv``, ``arrow`` (IPC file).

Every built-in handler (pyarrow, pandas) goes through these functions, so projection, filters,
streaming and the parallel writer live in one place.

* A dataset is a directory of part files ``part-00000.<ext>``; a user-named file uri
  (``.../x.csv``) is written as that one file. Readers take a single file or a directory (what
  dask or spark write: hidden and ``_`` files skipped).
* Large tables are cut into row slices written concurrently as separate parts (pyarrow releases the
  GIL), and parts are read concurrently; small tables are one part.
* Projection (``columns``) and pyarrow DNF ``filters`` are pushed into the parquet reader (row
  groups skipped by statistics); csv and arrow read the declared columns and filter after.
* csv holds no types: when the stored Arrow schema is known, csv columns are read back as those
  types (and the pandas metadata restored), so csv is as lossless as its text allows.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..errors import DataError, FrameportError
from ..handlers import Part, ReadContext, WriteContext, Written

FORMATS = ("parquet", "csv", "arrow")
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "parquet": (".parquet", ".parq", ".pq"),
    "csv": (".csv", ".csv.gz", ".txt"),
    "arrow": (".arrow", ".feather", ".ipc"),
}
#: rows per part above which a table is cut into parallel parts
PART_ROWS = int(os.environ.get("FRAMEPORT_PART_ROWS", "250000"))
#: rows sampled per column to decide on dictionary encoding
DICTIONARY_SAMPLE = 10_000
_WORKERS = max(2, min(8, os.cpu_count() or 2))
_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(_WORKERS, thread_name_prefix="frameport-io")
    return _POOL


def _map(fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    if len(items) == 1:
        return [fn(items[0])]
    return list(_pool().map(fn, items))


# --- writing -------------------------------------------------------------------------------------


def write(table: pa.Table, ctx: WriteContext) -> Written:
    """Write ``table`` at ``ctx.path`` in ``ctx.format``; return what was written."""
    fmt = ctx.format
    if fmt not in FORMATS:
        raise FrameportError(f"format {fmt!r} is not built in; the built-in formats are {', '.join(FORMATS)}")
    writer = _WRITERS[fmt]
    if ctx.single_file:
        size = writer(table, ctx, ctx.path)
        return Written(table.schema, table.num_rows, [Part("", size)])
    n = 1 if table.num_rows < 2 * PART_ROWS else min(_WORKERS, -(-table.num_rows // PART_ROWS))
    step = -(-table.num_rows // n) if n > 1 else table.num_rows
    slices = [table.slice(i * step, step) for i in range(n)]
    names = [ctx.part_name(i, _ext(fmt)) for i in range(n)]
    if ctx.protocol == "file":
        os.mkdir(ctx.path)
    else:
        ctx.fs.makedirs(ctx.path, exist_ok=True)
    sizes = _map(lambda i: writer(slices[i], ctx, f"{ctx.path}/{names[i]}"), list(range(n)))
    return Written(table.schema, table.num_rows, [Part(nm, sz) for nm, sz in zip(names, sizes)])


def _ext(fmt: str) -> str:
    return EXTENSIONS[fmt][0].lstrip(".")


def _sink(ctx: WriteContext, path: str) -> Any:
    if ctx.protocol == "file":
        return pa.OSFile(path, "wb")
    return ctx.fs.open(path, "wb")


def parquet_options(table: pa.Table) -> dict[str, Any]:
    """Writer settings picked by measurement (benchmarks/FINDINGS.md).

    Dictionary encoding pays for columns with few distinct values and costs ~20-50 % of the write
    time of columns where it falls back (random ints, unique strings). For large tables, dictionary
    encoding is kept only for columns whose first rows repeat (fewer than half distinct) and for
    categoricals; small tables keep pyarrow's defaults.
    """
    if table.num_rows < DICTIONARY_SAMPLE * 5:
        return {}
    keep = []
    for field, col in zip(table.schema, table.columns):
        if pa.types.is_dictionary(field.type):
            keep.append(field.name)
        elif not pa.types.is_nested(field.type):
            sample = col.slice(0, DICTIONARY_SAMPLE)
            if pc.count_distinct(sample).as_py() < len(sample) // 2:
                keep.append(field.name)
    return {"use_dictionary": keep}


def _write_parquet(table: pa.Table, ctx: WriteContext, path: str) -> int:
    opts = ctx.options.get("parquet") or parquet_options(table)
    with _sink(ctx, path) as f:
        pq.write_table(table, f, **opts)
        return int(f.tell())


def _write_csv(table: pa.Table, ctx: WriteContext, path: str) -> int:
    for field in table.schema:
        if pa.types.is_nested(field.type):
            raise DataError(
                f"csv cannot hold column {field.name!r} of type {field.type} (nested values); "
                f"write it as parquet or arrow, or drop the column"
            )
    with _sink(ctx, path) as f:
        pacsv.write_csv(table, f)
        return int(f.tell())


def _write_arrow(table: pa.Table, ctx: WriteContext, path: str) -> int:
    with _sink(ctx, path) as f:
        with pa.ipc.new_file(f, table.schema) as w:
            w.write_table(table)
        return int(f.tell())


_WRITERS = {"parquet": _write_parquet, "csv": _write_csv, "arrow": _write_arrow}


# --- reading -------------------------------------------------------------------------------------


def _source(ctx: ReadContext, path: str) -> Any:
    return path if ctx.protocol == "file" else ctx.fs.open(path, "rb")


def _expr(filters: Any) -> pc.Expression | None:
    if not filters:
        return None
    try:
        return pq.filters_to_expression(filters)
    except (TypeError, ValueError) as exc:
        raise FrameportError(
            f"cannot understand filters {filters!r}: {exc}. Use pyarrow's DNF form, e.g. [('salary', '>', 60000)]"
        ) from None


def _needed(ctx: ReadContext) -> list[str] | None:
    """Columns to read: the projection plus any column a filter needs (dropped after filtering)."""
    if ctx.columns is None:
        return None
    extra = [c for c in _filter_columns(ctx.filters) if c not in ctx.columns]
    return list(ctx.columns) + extra


def _filter_columns(filters: Any) -> list[str]:
    out: list[str] = []
    for item in filters or []:
        for term in item if isinstance(item, list) else [item]:
            if isinstance(term, tuple) and term and isinstance(term[0], str) and term[0] not in out:
                out.append(term[0])
    return out


def _finish(table: pa.Table, ctx: ReadContext, expr: pc.Expression | None) -> pa.Table:
    """Apply a filter that could not be pushed down, then drop the columns only the filter needed."""
    if expr is not None:
        table = table.filter(expr)
    if ctx.columns is not None:
        drop = [c for c in _filter_columns(ctx.filters) if c not in ctx.columns and c in table.column_names]
        if drop:
            table = table.drop_columns(drop)
    return table


def _index_columns(schema: pa.Schema, cols: list[str]) -> list[str]:
    """Stored pandas index columns not already in ``cols`` (so a projected pandas read keeps its index)."""
    meta = schema.pandas_metadata or {}
    return [c for c in meta.get("index_columns", []) if isinstance(c, str) and c not in cols and c in schema.names]


def _missing_columns(ctx: ReadContext, have: list[str]) -> None:
    missing = [c for c in (_needed(ctx) or []) if c not in have]
    if missing:
        raise DataError(
            f"columns {missing} requested from {ctx.uri} are not in the data; columns there: {', '.join(have)}"
        )


@contextmanager
def _guard(ctx: ReadContext, what: str) -> Iterator[None]:
    """Turn pyarrow/OS errors while reading into frameport errors that name the location and format."""
    try:
        yield
    except FrameportError:
        raise
    except (pa.ArrowException, OSError, ValueError) as exc:
        kind = "read" if isinstance(exc, OSError) and not isinstance(exc, pa.ArrowException) else "decode"
        raise DataError(
            f"cannot {kind} {ctx.uri} as {ctx.format} ({what}): {type(exc).__name__}: {exc}. "
            f"Check that the data is complete and really {ctx.format} (the reference's format)."
        ) from None


def read(ctx: ReadContext, *, pandas_metadata: bool = False) -> pa.Table:
    """Read the whole dataset (projected, filtered) as one table."""
    paths = ctx.paths(EXTENSIONS.get(ctx.format, ()))
    with _guard(ctx, "reading"):
        tables = _map(lambda p: _READERS[ctx.format](ctx, p, pandas_metadata), paths)
        table = tables[0] if len(tables) == 1 else pa.concat_tables(tables, promote_options="default")
        _ = table.column_names  # names that are not UTF-8 fail here, as a DataError
        _agrees(table.schema, ctx)
        return _finish(table, ctx, None)


def _agrees(found: pa.Schema, ctx: ReadContext) -> None:
    """The data must be what its reference says: every column it records, with a compatible type."""
    if ctx.schema is None or ctx.format == "csv":  # csv is conformed to the recorded schema on read
        return
    from ..schema import types_compatible

    wanted = ctx.columns if ctx.columns is not None else ctx.schema.names
    problems = []
    for name in wanted:
        if name not in ctx.schema.names:
            continue
        recorded = ctx.schema.field(name).type
        if name not in found.names:
            problems.append(f"column {name!r} ({recorded}) is missing")
            continue
        actual = found.field(name).type
        if not (types_compatible(recorded, actual) or types_compatible(actual, recorded)):
            problems.append(f"column {name!r} is {actual}, the reference says {recorded}")
    if problems:
        raise DataError(
            f"the data at {ctx.uri} does not match its reference's schema: {'; '.join(problems)}. "
            "The data was replaced or the reference belongs to other data: refer to the data by its uri alone "
            "(its schema is then read from the data) or write it again."
        )


def _read_parquet(ctx: ReadContext, path: str, pandas_metadata: bool) -> pa.Table:
    cols = _needed(ctx)
    src = _source(ctx, path)
    expr = _expr(ctx.filters)
    if expr is None:
        pf = pq.ParquetFile(src)
        if cols is not None:
            _missing_columns(ctx, pf.schema_arrow.names)
        return pf.read(columns=cols, use_pandas_metadata=pandas_metadata)
    if cols is not None:
        _missing_columns(
            ctx, pq.read_schema(src).names if isinstance(src, str) else pq.ParquetFile(src).schema_arrow.names
        )
    t = pq.read_table(
        src,
        columns=cols,
        filters=expr,
        use_pandas_metadata=pandas_metadata,
        filesystem=None if ctx.protocol == "file" else ctx.fs,
    )
    return _finish(t, ctx, None)


def _csv_columns(ctx: ReadContext, pandas_metadata: bool) -> list[str] | None:
    cols = _needed(ctx)
    if cols is not None and pandas_metadata and ctx.schema is not None:
        cols = cols + _index_columns(ctx.schema, cols)
    return cols


def _read_csv(ctx: ReadContext, path: str, pandas_metadata: bool) -> pa.Table:
    cols = _csv_columns(ctx, pandas_metadata)
    types = {f.name: f.type for f in ctx.schema if not pa.types.is_dictionary(f.type)} if ctx.schema else None
    src = _source(ctx, path)
    if cols is not None:
        with pacsv.open_csv(src) as r:
            _missing_columns(ctx, r.schema.names)
        src = _source(ctx, path)
    t = pacsv.read_csv(src, convert_options=_csv_convert(cols, types))
    t = _conform(t, ctx.schema)
    return _finish(t, ctx, _expr(ctx.filters))


def _csv_convert(cols: list[str] | None, types: dict[str, pa.DataType] | None) -> pacsv.ConvertOptions:
    # pyarrow writes a null as an empty field and an empty string as "": read them back the same way
    return pacsv.ConvertOptions(
        include_columns=cols, column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=False
    )


def _conform(t: pa.Table, schema: pa.Schema | None) -> pa.Table:
    """Cast text-read columns back to the stored types where possible, and restore the schema metadata."""
    if schema is None:
        return t
    stored = {f.name: f for f in schema}
    fields = []
    arrays = []
    for name, col in zip(t.column_names, t.columns):
        f = stored.get(name)
        if f is not None and col.type != f.type:
            try:
                col = col.cast(f.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                f = pa.field(name, col.type)
        fields.append(f if f is not None else pa.field(name, col.type))
        arrays.append(col)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=schema.metadata))


def _read_arrow(ctx: ReadContext, path: str, pandas_metadata: bool) -> pa.Table:
    cols = _needed(ctx)
    if ctx.protocol == "file":
        with pa.memory_map(path, "r") as src:
            t = pa.ipc.open_file(src).read_all()
    else:
        with ctx.fs.open(path, "rb") as f:
            t = pa.ipc.open_file(f).read_all()
    t.validate(full=True)  # IPC buffers are taken as they are: a corrupt offset must fail here, not crash later
    if cols is not None:
        _missing_columns(ctx, t.column_names)
        t = t.select(cols + (_index_columns(t.schema, cols) if pandas_metadata else []))
    return _finish(t, ctx, _expr(ctx.filters))


_READERS: dict[str, Callable[[ReadContext, str, bool], pa.Table]] = {
    "parquet": _read_parquet,
    "csv": _read_csv,
    "arrow": _read_arrow,
}


def iter_batches(ctx: ReadContext, *, pandas_metadata: bool = False) -> Iterator[pa.Table]:
    """Yield the dataset as tables of at most ``ctx.batch_size`` rows (before filtering), never all at once."""
    expr = _expr(ctx.filters)
    cols = _needed(ctx)
    for path in ctx.paths(EXTENSIONS.get(ctx.format, ())):
        with _guard(ctx, "streaming"):
            batches = _batch_source(ctx, path, cols, pandas_metadata)
            checked = False
            for b in batches:
                t = pa.Table.from_batches([b])
                if not checked:
                    _agrees(t.schema, ctx)
                    checked = True
                if ctx.schema is not None and ctx.format == "csv":
                    t = _conform(t, ctx.schema)
                elif ctx.schema is not None and t.schema.metadata is None and ctx.schema.metadata:
                    t = t.replace_schema_metadata(ctx.schema.metadata)
                yield _finish(t, ctx, expr)


def _batch_source(
    ctx: ReadContext, path: str, cols: list[str] | None, pandas_metadata: bool
) -> Iterator[pa.RecordBatch]:
    if ctx.format == "parquet":
        pf = pq.ParquetFile(_source(ctx, path))
        if cols is not None:
            _missing_columns(ctx, pf.schema_arrow.names)
            if pandas_metadata:
                cols = cols + _index_columns(pf.schema_arrow, cols)
        yield from pf.iter_batches(batch_size=ctx.batch_size, columns=cols)
    elif ctx.format == "csv":
        cols = _csv_columns(ctx, pandas_metadata)
        types = {f.name: f.type for f in ctx.schema if not pa.types.is_dictionary(f.type)} if ctx.schema else None
        r = pacsv.open_csv(
            _source(ctx, path),
            read_options=pacsv.ReadOptions(block_size=1 << 22),
            convert_options=_csv_convert(cols, types),
        )
        if cols is not None:
            _missing_columns(ctx, r.schema.names)
        for b in r:  # csv blocks are sized in bytes: cut them to the requested rows
            for off in range(0, max(b.num_rows, 1), ctx.batch_size):
                yield b.slice(off, ctx.batch_size)
    else:
        src = pa.memory_map(path, "r") if ctx.protocol == "file" else ctx.fs.open(path, "rb")
        with src:
            r = pa.ipc.open_file(src)
            if cols is not None:
                _missing_columns(ctx, r.schema.names)
            keep = None if cols is None else cols + (_index_columns(r.schema, cols) if pandas_metadata else [])
            for i in range(r.num_record_batches):
                b = r.get_batch(i)
                b.validate(full=True)
                for off in range(0, max(b.num_rows, 1), ctx.batch_size):
                    part = b.slice(off, ctx.batch_size)
                    yield part.select(keep) if keep is not None else part


def read_schema(ctx: ReadContext) -> pa.Schema:
    """The stored schema, from the first part's footer (parquet, arrow) or header and a sample (csv)."""
    path = ctx.paths(EXTENSIONS.get(ctx.format, ()))[0]
    with _guard(ctx, "reading the schema"):
        if ctx.format == "parquet":
            schema = pq.ParquetFile(_source(ctx, path)).schema_arrow
        elif ctx.format == "arrow":
            src = pa.memory_map(path, "r") if ctx.protocol == "file" else ctx.fs.open(path, "rb")
            with src:
                schema = pa.ipc.open_file(src).schema
        else:
            with pacsv.open_csv(_source(ctx, path)) as r:
                schema = r.schema
        _ = schema.names  # names that are not UTF-8 fail here, as a DataError, not later in the caller
        return schema
