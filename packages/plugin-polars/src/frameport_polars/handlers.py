"""polars.DataFrame and polars.LazyFrame <-> parquet, csv, arrow (IPC), on every fsspec protocol.

Choices (where frameport's design is silent):

* **parquet uses polars' own reader and writer** on local disk and on ``s3://`` (polars' native cloud
  I/O, with frameport's s3 storage options translated to polars' ``aws_*`` keys; the standard ``AWS_*``
  environment variables work too); Arrow IPC is written by polars the same way (at the oldest compat
  level, so every Arrow reader takes it). Other protocols (``memory://``, ``gs://`` through fsspec, ...)
  go through fsspec file objects.
* **csv and Arrow IPC are read through Arrow** (:mod:`frameport.formats`, memory-mapped on local disk)
  and handed to polars without a copy: polars' IPC reader rejects the dictionary columns with nulls that
  pyarrow and pandas write; csv read this way keeps the stored types (nulls stay nulls).
* **LazyFrame inputs are scans**: decoding to ``pl.LazyFrame`` reads nothing but a footer; declared or
  requested columns become a ``select`` and ``filters`` a ``filter`` on the scan. For parquet on local disk
  and s3 polars pushes both into its own reader (columns not read, row groups skipped by their
  statistics); elsewhere (csv, arrow, fsspec-only protocols) the scan is a polars IO source over the Arrow
  readers, which reads only the columns polars asks for, in bounded batches, when the frame is collected.
* **LazyFrame outputs stream**: the plan runs with ``sink_parquet`` / ``sink_ipc`` into the output
  location, never ``collect()`` first; if polars cannot sink the plan (or the protocol), it is collected
  and written, and a debug log says so.
* A directory of part files (frameport's, dask's, spark's) is read as one frame.
* Batches (``iter()``) come from Arrow record batches of bounded size, each converted to polars.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import polars as pl
import pyarrow as pa

from frameport import formats
from frameport.errors import DataError, FrameportError
from frameport.handlers import Decoder, Encoder, Part, ReadContext, WriteContext, Written
from frameport.registry import register as _register

log = logging.getLogger("frameport.polars")

FORMATS = ("parquet", "csv", "arrow")
NATIVE_PROTOCOLS = ("file", "s3")  # protocols polars reads and writes itself
_EXT = {"parquet": "parquet", "csv": "csv", "arrow": "arrow"}


# --- locations and options -----------------------------------------------------------------------


def _native(protocol: str) -> bool:
    return protocol in NATIVE_PROTOCOLS


def _target(protocol: str, path: str) -> str:
    return path if protocol == "file" else f"{protocol}://{path}"


def polars_storage_options(protocol: str, options: dict[str, Any]) -> dict[str, str] | None:
    """frameport's (s3fs-style) storage options as polars' object-store options; None: use the environment."""
    if protocol != "s3" or not options:
        return None
    out: dict[str, str] = {}
    client = dict(options.get("client_kwargs") or {})
    pairs = {
        "aws_access_key_id": options.get("key") or options.get("aws_access_key_id"),
        "aws_secret_access_key": options.get("secret") or options.get("aws_secret_access_key"),
        "aws_session_token": options.get("token") or options.get("aws_session_token"),
        "aws_endpoint_url": options.get("endpoint_url") or client.get("endpoint_url"),
        "aws_region": client.get("region_name") or options.get("region_name") or options.get("region"),
    }
    out = {k: str(v) for k, v in pairs.items() if v}
    if out.get("aws_endpoint_url", "").startswith("http://"):
        out["aws_allow_http"] = "true"
    return out or None


def _filter_expr(filters: Any) -> pl.Expr | None:
    """pyarrow's DNF filters (``[("a", ">", 1)]`` or ``[[...], [...]]``) as a polars expression."""
    if not filters:
        return None
    groups = filters if isinstance(filters[0], list) else [filters]
    ors: list[pl.Expr] = []
    for group in groups:
        ands = [_term(t) for t in group]
        expr = ands[0]
        for e in ands[1:]:
            expr = expr & e
        ors.append(expr)
    out = ors[0]
    for e in ors[1:]:
        out = out | e
    return out


def _term(term: Any) -> pl.Expr:
    try:
        name, op, value = term
    except (TypeError, ValueError):
        raise FrameportError(
            f"cannot understand the filter term {term!r}: use (column, op, value), e.g. ('salary', '>', 60000)"
        ) from None
    col = pl.col(name)
    ops = {
        "=": lambda: col == value,
        "==": lambda: col == value,
        "!=": lambda: col != value,
        "<": lambda: col < value,
        "<=": lambda: col <= value,
        ">": lambda: col > value,
        ">=": lambda: col >= value,
        "in": lambda: col.is_in(list(value)),
        "not in": lambda: ~col.is_in(list(value)),
    }
    if op not in ops:
        raise FrameportError(f"unknown filter operator {op!r} in {term!r}; use one of {', '.join(ops)}")
    return ops[op]()


def _check_columns(ctx: ReadContext, available: list[str]) -> None:
    wanted = list(ctx.columns or []) + [t[0] for t in _flat(ctx.filters)]
    missing = [c for c in dict.fromkeys(wanted) if c not in available]
    if missing:
        raise DataError(
            f"columns {missing} requested from {ctx.uri} are not in the data; columns there: {', '.join(available)}"
        )


def _flat(filters: Any) -> list[Any]:
    if not filters:
        return []
    groups = filters if isinstance(filters[0], list) else [filters]
    return [t for g in groups for t in g if isinstance(t, tuple | list) and t and isinstance(t[0], str)]


def _shape(lf: pl.LazyFrame, ctx: ReadContext) -> pl.LazyFrame:
    expr = _filter_expr(ctx.filters)
    if expr is not None:
        lf = lf.filter(expr)
    if ctx.columns is not None:
        lf = lf.select(ctx.columns)
    return lf


def _guard(ctx: ReadContext, what: str, fn: Any) -> Any:
    try:
        return fn()
    except FrameportError:
        raise
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException, OSError, pa.ArrowException, ValueError) as exc:
        raise DataError(
            f"polars cannot {what} {ctx.uri} as {ctx.format}: {type(exc).__name__}: {exc}. "
            f"Check that the data is complete and really {ctx.format}."
        ) from None


# --- reading -------------------------------------------------------------------------------------


def _scan(ctx: ReadContext) -> pl.LazyFrame | None:
    """A native polars scan of the data (not yet executed), or None where polars cannot scan it."""
    if ctx.format != "parquet" or not _native(ctx.protocol):
        return None
    paths = [_target(ctx.protocol, p) for p in ctx.paths(formats.EXTENSIONS.get(ctx.format, ()))]
    opts = polars_storage_options(ctx.protocol, ctx.storage_options)
    lf = pl.scan_parquet(paths, storage_options=opts)
    _check_columns(ctx, lf.collect_schema().names())
    return _shape(lf, ctx)


def _read_arrow_then_polars(ctx: ReadContext) -> pl.DataFrame:
    table = formats.read(ctx)
    return _from_arrow(table)


def _from_arrow(table: pa.Table) -> pl.DataFrame:
    out = pl.from_arrow(table, rechunk=False)
    assert isinstance(out, pl.DataFrame)
    return out


class PolarsDecoder(Decoder):
    def __init__(self, fmt: str) -> None:
        super().__init__(pl.DataFrame, None, fmt)

    def decode(self, ctx: ReadContext) -> pl.DataFrame:
        def read() -> pl.DataFrame:
            lf = _scan(ctx)
            return _read_arrow_then_polars(ctx) if lf is None else lf.collect()

        return _guard(ctx, "read", read)

    def iter_batches(self, ctx: ReadContext) -> Iterator[pl.DataFrame]:
        for table in formats.iter_batches(ctx):
            yield _from_arrow(table)

    def read_schema(self, ctx: ReadContext) -> pa.Schema:
        return formats.read_schema(ctx)


class LazyDecoder(Decoder):
    def __init__(self, fmt: str) -> None:
        super().__init__(pl.LazyFrame, None, fmt)

    def decode(self, ctx: ReadContext) -> pl.LazyFrame:
        lf = _guard(ctx, "scan", lambda: _scan(ctx))
        if lf is not None:
            return lf
        if ctx.uri.startswith(SCRATCH):  # the engine's scratch copy of an in-memory value: gone after decode
            return _guard(ctx, "read", lambda: _read_arrow_then_polars(ctx)).lazy()
        return _guard(ctx, "scan", lambda: _lazy_source(ctx))

    def iter_batches(self, ctx: ReadContext) -> Iterator[pl.LazyFrame]:
        for table in formats.iter_batches(ctx):
            yield _from_arrow(table).lazy()

    def read_schema(self, ctx: ReadContext) -> pa.Schema:
        return formats.read_schema(ctx)


SCRATCH = "memory://frameport-scratch/"


def _lazy_source(ctx: ReadContext) -> pl.LazyFrame:
    """A LazyFrame over data polars cannot scan itself (csv, Arrow IPC, fsspec-only protocols): nothing is
    read until it is collected; then only the columns polars asks for are read, through the Arrow readers
    in bounded batches, its predicate applied batch by batch, stopping after ``n_rows``."""
    import dataclasses

    from polars.io.plugins import register_io_source

    stored = ctx.schema if ctx.schema is not None else formats.read_schema(ctx)
    _check_columns(ctx, stored.names)
    full = _from_arrow(stored.empty_table()).schema

    def source(
        with_columns: list[str] | None, predicate: pl.Expr | None, n_rows: int | None, batch_size: int | None
    ) -> Iterator[pl.DataFrame]:
        read = with_columns
        if read is not None and predicate is not None:
            read = read + [c for c in predicate.meta.root_names() if c not in read]
        rctx = dataclasses.replace(ctx, columns=read, filters=None, batch_size=batch_size or ctx.batch_size)
        left = n_rows
        for table in formats.iter_batches(rctx):
            frame = _from_arrow(table)
            if predicate is not None:
                frame = frame.filter(predicate)
            if with_columns is not None:
                frame = frame.select(with_columns)
            if left is not None:
                frame = frame.head(left)
                left -= frame.height
            yield frame
            if left is not None and left <= 0:
                return

    return _shape(register_io_source(source, schema=full), ctx)


# --- writing -------------------------------------------------------------------------------------


def _arrow_schema(schema: pl.Schema) -> pa.Schema:
    return pl.DataFrame(schema=schema).to_arrow().schema


def _out_path(ctx: WriteContext) -> tuple[str, str]:
    """(path on ctx.fs, part name) of the one file a polars writer writes."""
    if ctx.single_file:
        return ctx.path, ""
    ctx.fs.makedirs(ctx.path, exist_ok=True)
    name = ctx.part_name(0, _EXT[ctx.format])
    return f"{ctx.path}/{name}", name


def _write_eager(df: pl.DataFrame, ctx: WriteContext) -> Written:
    if ctx.format == "csv":  # through Arrow: types and nulls as every other backend writes them
        return formats.write(df.to_arrow(), ctx)
    path, name = _out_path(ctx)
    opts = polars_storage_options(ctx.protocol, ctx.storage_options)
    if _native(ctx.protocol):
        target: Any = _target(ctx.protocol, path)
        _write_native(df, ctx.format, target, opts)
    else:
        with ctx.fs.open(path, "wb") as f:
            _write_native(df, ctx.format, f, None)
    return Written(_arrow_schema(df.schema), df.height, [Part(name, _size(ctx, path))])


def _size(ctx: WriteContext, path: str) -> int:
    ctx.fs.invalidate_cache(path)  # written by polars, not through this filesystem: drop cached listings
    return int(ctx.fs.size(path))


def _write_native(df: pl.DataFrame, fmt: str, target: Any, opts: dict[str, str] | None) -> None:
    if fmt == "parquet":
        df.write_parquet(target, storage_options=opts)
    else:  # oldest compat level: plain (large) strings, which every Arrow reader handles, not string views
        df.write_ipc(target, storage_options=opts, compat_level=pl.CompatLevel.oldest())


class PolarsEncoder(Encoder):
    def __init__(self, fmt: str) -> None:
        super().__init__(pl.DataFrame, None, fmt)

    def encode(self, value: Any, ctx: WriteContext) -> Written:
        return _write_eager(value, ctx)


class LazyEncoder(Encoder):
    """Streams the plan into the output with ``sink_*``; collects only where polars cannot sink."""

    def __init__(self, fmt: str) -> None:
        super().__init__(pl.LazyFrame, None, fmt)

    def schema_of(self, value: Any) -> pa.Schema:
        return _arrow_schema(value.collect_schema())  # resolves the plan's schema, runs nothing

    def encode(self, value: Any, ctx: WriteContext) -> Written:
        lf: pl.LazyFrame = value
        schema = lf.collect_schema()
        if ctx.format == "csv" or not _native(ctx.protocol):
            log.debug("no streaming sink for %s on %s: collecting the plan, then writing", ctx.format, ctx.protocol)
            return _write_eager(lf.collect(), ctx)
        path, name = _out_path(ctx)
        target = _target(ctx.protocol, path)
        opts = polars_storage_options(ctx.protocol, ctx.storage_options)
        try:
            if ctx.format == "parquet":
                lf.sink_parquet(target, storage_options=opts)
            else:
                lf.sink_ipc(target, storage_options=opts, compat_level=pl.CompatLevel.oldest())
        except pl.exceptions.InvalidOperationError as exc:  # a plan the streaming engine cannot run
            log.debug("polars cannot stream this plan (%s): collecting it, then writing", exc)
            _write_native(lf.collect(), ctx.format, target, opts)
        counted = pl.scan_parquet if ctx.format == "parquet" else pl.scan_ipc
        rows = int(counted(target, storage_options=opts).select(pl.len()).collect().item())
        return Written(_arrow_schema(schema), rows, [Part(name, _size(ctx, path))])


def register() -> None:
    for fmt in FORMATS:  # parquet first: the default format of both types
        _register(PolarsEncoder(fmt))
        _register(PolarsDecoder(fmt))
        _register(LazyEncoder(fmt))
        _register(LazyDecoder(fmt))
