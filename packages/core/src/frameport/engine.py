"""The engine: values in, references out (``encode``), and back (``decode`` / ``iter_decode``).

It chooses handlers through the registry, checks declared columns and formats against what is stored
or produced, pushes declared columns into the reader as a projection, and publishes writes atomically
through :mod:`frameport.storage`. Choices made where the design is silent:

* the format of a write is the reference's own, else the declared type's, else the python type's
  default (``parquet`` for the built-ins); the location is the reference's uri, else the uri passed,
  else a fresh one under the configured store;
* a user-named uri whose last segment ends in ``.<format>`` (or a known extension of it, e.g.
  ``.feather``) is written as that single file; anything else is a directory of part files;
* a reference that is already written passes through ``encode`` unchanged (never re-encoded);
* declared output columns are checked (all must be produced, with compatible types), not projected.
"""

from __future__ import annotations

import datetime as _dt
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from . import progress, storage
from .errors import DataError, FrameportError, InvalidReferenceError, SchemaMismatchError, StorageError
from .handlers import Decoder, ReadContext, WriteContext
from .reference import DataFrame
from .registry import REGISTRY
from .schema import TypeSpec, check_compatible, parse_annotation

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["encode", "decode", "iter_decode", "read_schema", "is_dataframe_type"]

#: known single-file extensions per format (a format's own name always counts)
FILE_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "parquet": (".parquet", ".parq", ".pq"),
    "csv": (".csv",),
    "arrow": (".arrow", ".feather", ".ipc"),
}
_FORMAT_OF_EXTENSION = {ext: fmt for fmt, exts in FILE_EXTENSIONS.items() for ext in exts}


def is_dataframe_type(tp: Any) -> bool:
    """True when ``tp`` (or ``Annotated[tp, ...]``) is ``frameport.DataFrame`` or a type with handlers."""
    try:
        spec = parse_annotation(tp)
    except FrameportError:
        return False
    t = spec.python_type
    return isinstance(t, type) and (issubclass(t, DataFrame) or REGISTRY.handles(t))


# --- encode --------------------------------------------------------------------------------------


def encode(
    value: Any,
    declared: Any = None,
    *,
    uri: str | None = None,
    format: str | None = None,  # noqa: A002
    storage_options: dict[str, Any] | None = None,
    where: str = "",
) -> DataFrame:
    """Write ``value`` (a native frame or a :class:`DataFrame`) and return the written reference."""
    spec = parse_annotation(declared) if declared is not None else None
    what = where or "the value being written"
    if isinstance(value, DataFrame):
        if not value.in_memory:
            if value.uri is None:
                raise InvalidReferenceError("cannot pass on a frameport.DataFrame that has neither a value nor a uri")
            check_compatible(spec, value.known_schema, value.format, where=f"{what} ({value.uri})")
            return value
        uri = value.uri or uri
        format = value.format or format  # noqa: A001
        storage_options = {**(storage_options or {}), **value.storage_options}
        value = value.value
    py_type = type(value)
    fmt = (format or (spec.format if spec else "") or REGISTRY.default_format(py_type)).lower()
    target = uri or storage.fresh_uri()
    loc = storage.resolve(target, storage_options)
    encoder = REGISTRY.find_encoder(py_type, loc.protocol, fmt)
    if spec is not None and spec.columns is not None:
        early = encoder.schema_of(value)
        if early is not None:  # e.g. a lazy plan: refuse before it runs
            check_compatible(spec, early, fmt, where=f"{what} (columns the plan produces)")
    single = uri is not None and _is_file_uri(loc.path, fmt)
    with storage.staged(loc, single) as staging:
        ctx = WriteContext(
            fs=loc.fs,
            path=staging.path,
            uri=loc.uri,
            protocol=loc.protocol,
            format=fmt,
            single_file=single,
            declared=spec,
            storage_options=loc.storage_options,
        )
        try:
            with progress.transfer(f"frameport: writing {fmt} to {loc.uri}"):
                written = encoder.encode(value, ctx)
        except FrameportError:
            raise
        except Exception as exc:
            if storage.is_store_error(exc):
                raise storage.failure(exc, loc.uri, "write to", loc.storage_options) from exc
            raise DataError(f"{encoder!r} failed writing {what} to {loc.uri}: {type(exc).__name__}: {exc}") from exc
        check_compatible(spec, written.schema, fmt, where=f"{what} (columns produced)")
        # versions are taken before publishing (a rename keeps them), so a racing writer cannot swap them
        staging.parts = _stamp_versions(loc, staging.path, [{"name": p.name, "size": p.size} for p in written.parts])
    from . import __version__

    meta = {
        "num_rows": written.num_rows,
        "bytes": written.nbytes,
        "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "writer": _public_name(py_type),
        "frameport_version": __version__,
        "parts": staging.parts,
    }
    ref = DataFrame(loc.uri, fmt, schema=written.schema, metadata=meta, storage_options=storage_options)
    return ref


def _public_name(t: type) -> str:
    """``pandas.DataFrame`` rather than ``pandas.core.frame.DataFrame`` where the package exports it."""
    import sys

    top = t.__module__.partition(".")[0]
    if getattr(sys.modules.get(top), t.__qualname__, None) is t:
        return f"{top}.{t.__qualname__}"
    return f"{t.__module__}.{t.__qualname__}"


def _stamp_versions(loc: storage.Location, path: str, parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Record each written part's version (mtime on local disk, ETag on object stores) for integrity."""
    try:
        now = storage.fingerprints(loc, [p["name"] for p in parts], path)
    except Exception:  # noqa: BLE001 - sizes still guard the data; a store without listings is fine
        return parts
    return [{**p, "version": now[p["name"]][1]} if now.get(p["name"], (0, None))[1] else p for p in parts]


def _is_file_uri(path: str, fmt: str) -> bool:
    name = path.rstrip("/").rpartition("/")[2].lower()
    return name.endswith((f".{fmt}", *FILE_EXTENSIONS.get(fmt, ())))


# --- decode --------------------------------------------------------------------------------------


def decode(
    ref: DataFrame,
    declared: Any,
    *,
    columns: list[str] | None = None,
    filters: list[Any] | None = None,
    where: str = "",
) -> Any:
    """Materialise ``ref`` as the declared type, reading only the declared (or given) columns."""
    if not isinstance(ref, DataFrame):
        raise InvalidReferenceError(f"decode() takes a frameport.DataFrame, got {type(ref).__name__}")
    spec = parse_annotation(declared)
    if isinstance(spec.python_type, type) and issubclass(spec.python_type, DataFrame):
        schema = ref.known_schema
        check_compatible(spec, schema, ref.format, where=where or _where(ref))
        return ref._with_declared(spec)
    if ref.in_memory:
        return _convert_in_memory(ref, spec, columns, filters, where)
    decoder, ctx = _prepare(ref, spec, columns, filters, where)
    with progress.transfer(f"frameport: reading {ctx.format} from {ctx.uri}"):
        return _guarded(decoder, ctx, lambda: decoder.decode(ctx))


def iter_decode(
    ref: DataFrame,
    declared: Any,
    *,
    columns: list[str] | None = None,
    filters: list[Any] | None = None,
    batch_size: int | None = None,
) -> Iterator[Any]:
    """Like :func:`decode` but yields batches of at most ``batch_size`` rows (bounded memory)."""
    spec = parse_annotation(declared)
    if ref.in_memory:
        tmp = _to_scratch(ref)
        try:
            yield from iter_decode(tmp, spec, columns=columns, filters=filters, batch_size=batch_size)
        finally:
            _drop_scratch(tmp)
        return
    decoder, ctx = _prepare(ref, spec, columns, filters, "")
    if batch_size:
        ctx.batch_size = int(batch_size)
    it = _guarded(decoder, ctx, lambda: iter(decoder.iter_batches(ctx)))
    while True:
        item = _guarded(decoder, ctx, lambda: next(it, _END))
        if item is _END:
            return
        yield item


_END = object()


def read_schema(ref: DataFrame) -> pa.Schema | None:
    """Read the stored schema of a reference cheaply (a file footer), for data written elsewhere."""
    import pyarrow as pa

    ctx = _context(ref, None, None)
    decoder = REGISTRY.find_decoder(pa.Table, ctx.protocol, ctx.format)
    return _guarded(decoder, ctx, lambda: decoder.read_schema(ctx))


def _prepare(
    ref: DataFrame, spec: TypeSpec, columns: list[str] | None, filters: list[Any] | None, where: str
) -> tuple[Decoder, ReadContext]:
    if spec.columns is None and ref._declared is not None and columns is None:
        spec = TypeSpec(spec.python_type, ref._declared.columns, spec.format)
    ctx = _context(ref, columns if columns is not None else spec.column_names, filters)
    decoder = REGISTRY.find_decoder(spec.python_type, ctx.protocol, ctx.format)
    if spec.columns is not None or spec.format:
        stored = ctx.schema
        if stored is None and spec.columns is not None:
            stored = _guarded(decoder, ctx, lambda: decoder.read_schema(ctx))
            ctx.schema = stored
        check_compatible(spec, stored, ctx.format, where=where or _where(ref))
    elif columns is not None and ctx.schema is not None:
        missing = [c for c in columns if c not in ctx.schema.names]
        if missing:
            raise SchemaMismatchError(
                f"columns {missing} asked of {_where(ref)} are not there; columns there: {', '.join(ctx.schema.names)}"
            )
    return decoder, ctx


def _context(ref: DataFrame, columns: list[str] | None, filters: list[Any] | None) -> ReadContext:
    if ref.uri is None:
        raise InvalidReferenceError("this reference has no uri: write it first (ref.write_sync())")
    loc = storage.resolve(ref.uri, ref.storage_options)
    fmt = ref.format or _infer_format(loc)
    parts = _parts(ref)
    if parts is not None:
        storage.check_parts(loc, ref.metadata["parts"])
    return ReadContext(
        fs=loc.fs,
        path=loc.path,
        uri=loc.uri,
        protocol=loc.protocol,
        format=fmt,
        columns=list(columns) if columns is not None else None,
        filters=filters,
        schema=ref.known_schema,
        parts=parts,
        storage_options=loc.storage_options,
    )


def _parts(ref: DataFrame) -> list[str] | None:
    parts = ref.metadata.get("parts")
    if parts is None:
        return None
    if not isinstance(parts, list) or not all(isinstance(p, dict) and isinstance(p.get("name"), str) for p in parts):
        raise InvalidReferenceError(f"the reference to {ref.uri} has a malformed 'parts' list in its metadata")
    names = [p["name"] for p in parts]
    if any(".." in n.split("/") or n.startswith("/") for n in names):
        raise InvalidReferenceError(f"the reference to {ref.uri} lists parts outside its location: {names}")
    return names


def _infer_format(loc: storage.Location) -> str:
    name = loc.path.rstrip("/").rpartition("/")[2].lower()
    for ext, fmt in _FORMAT_OF_EXTENSION.items():
        if name.endswith(ext):
            return fmt
    try:
        first = storage.data_files(loc.fs, loc.path, uri=loc.uri)[0].lower()
    except FrameportError:
        return "parquet"
    for ext, fmt in _FORMAT_OF_EXTENSION.items():
        if first.endswith(ext):
            return fmt
    return "parquet"


def _where(ref: DataFrame) -> str:
    return f"the stored data at {ref.uri}"


def _guarded(decoder: Decoder, ctx: ReadContext, fn: Any) -> Any:
    try:
        return fn()
    except FrameportError:
        raise
    except FileNotFoundError as exc:
        raise StorageError(f"no data at {ctx.uri}: {exc}. Check the uri, or that the data was not removed.") from exc
    except Exception as exc:
        if storage.is_store_error(exc):
            raise storage.failure(exc, ctx.uri, "read", ctx.storage_options) from exc
        raise DataError(f"{decoder!r} failed reading {ctx.uri} ({ctx.format}): {type(exc).__name__}: {exc}") from exc


# --- in-memory references ------------------------------------------------------------------------


def _convert_in_memory(
    ref: DataFrame, spec: TypeSpec, columns: list[str] | None, filters: list[Any] | None, where: str
) -> Any:
    value = ref.value
    if columns is None and filters is None and spec.columns is None and isinstance(value, spec.python_type):
        return value
    tmp = _to_scratch(ref)
    try:
        return decode(tmp, spec, columns=columns, filters=filters, where=where or "the value in memory")
    finally:
        _drop_scratch(tmp)


def _to_scratch(ref: DataFrame) -> DataFrame:
    """Write an in-memory value to the process-local memory store in the cheapest format (Arrow IPC)."""
    value = ref.value
    fmt = "arrow"
    try:
        REGISTRY.find_encoder(type(value), "memory", fmt)
    except FrameportError:
        fmt = REGISTRY.default_format(type(value))
    return encode(value, uri=f"memory://frameport-scratch/{uuid.uuid4().hex}", format=fmt)


def _drop_scratch(ref: DataFrame) -> None:
    storage.remove(storage.resolve(ref.uri or ""))
