"""``frameport.DataFrame``: a typed reference to a dataframe in a store, or a wrapped value in memory.

A reference is small: ``uri``, ``format``, the Arrow ``schema`` and ``metadata`` (``num_rows``,
``bytes``, ``created_at``, ``writer``, ``frameport_version``, ``parts``). Its JSON form
(:meth:`DataFrame.to_dict`) is versioned and holds no credentials.

* ``DataFrame.from_df(df)`` wraps a native frame in memory; nothing is written (``uri`` stays None
  unless given) until it crosses a task boundary or :meth:`write` / :meth:`write_sync` is called.
* ``DataFrame(uri=..., format=...)`` refers to existing data; its schema is read from the file footer
  when first asked for.
* ``open(T, columns=None, filters=None)`` returns a :class:`~frameport.reader.Reader`; nothing is read
  before its ``all()`` / ``iter()`` (or their ``_sync`` twins).
"""

from __future__ import annotations

import base64
import copy
from typing import TYPE_CHECKING, Any

from .errors import InvalidReferenceError

if TYPE_CHECKING:
    import pyarrow as pa

    from .reader import Reader
    from .schema import TypeSpec

__all__ = ["DataFrame", "REFERENCE_VERSION"]

#: version of the JSON form written by :meth:`DataFrame.to_dict`
REFERENCE_VERSION = 1
_UNSET: Any = object()


class DataFrame:
    """A dataframe in the abstract: a reference to stored data, or a native frame wrapped in memory."""

    def __init__(
        self,
        uri: str | None = None,
        format: str = "",  # noqa: A002 - the natural name, as in the seeds
        *,
        schema: pa.Schema | None = None,
        metadata: dict[str, Any] | None = None,
        storage_options: dict[str, Any] | None = None,
    ) -> None:
        if uri is not None and (not isinstance(uri, str) or not uri):
            raise InvalidReferenceError(f"uri must be a non-empty string such as 's3://bucket/data', got {uri!r}")
        if not isinstance(format, str):
            raise InvalidReferenceError(f"format must be a string such as 'parquet', got {format!r}")
        if uri is not None:
            from .storage import normalize_uri

            uri = normalize_uri(uri)
        self.uri: str | None = uri
        self.format: str = format.lower()
        self._schema = schema
        self._schema_b64: str | None = None
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.storage_options: dict[str, Any] = dict(storage_options or {})
        self._value: Any = _UNSET
        self._declared: TypeSpec | None = None  # columns a task declared for this input: default projection

    # --- construction ---------------------------------------------------------------------------

    @classmethod
    def from_df(
        cls,
        df: Any,
        uri: str | None = None,
        format: str | None = None,  # noqa: A002
        *,
        storage_options: dict[str, Any] | None = None,
    ) -> DataFrame:
        """Wrap a native frame (pandas, pyarrow, polars, ...) in memory; nothing is written yet."""
        if isinstance(df, DataFrame):
            raise InvalidReferenceError(
                "from_df() takes a native dataframe, got a frameport.DataFrame; pass it as it is"
            )
        ref = cls(uri, format or "", storage_options=storage_options)
        ref._value = df
        return ref

    # --- state ----------------------------------------------------------------------------------

    @property
    def in_memory(self) -> bool:
        """True while this reference wraps a value that has not been written."""
        return self._value is not _UNSET

    @property
    def value(self) -> Any:
        """The wrapped native frame of an in-memory reference (see :meth:`from_df`)."""
        if self._value is _UNSET:
            raise InvalidReferenceError(
                f"{self!r} refers to stored data, not a value in memory; read it with ref.open(T).all()"
            )
        return self._value

    @property
    def schema(self) -> pa.Schema | None:
        """The Arrow schema: recorded at write time, or read from the stored data on first access."""
        if self._schema is None and self._schema_b64 is not None:
            self._schema = _schema_from_b64(self._schema_b64)
        if self._schema is None and self.uri is not None and not self.in_memory:
            from . import engine

            self._schema = engine.read_schema(self)
        return self._schema

    @property
    def known_schema(self) -> pa.Schema | None:
        """The schema if it is known without reading anything, else None."""
        if self._schema is None and self._schema_b64 is not None:
            self._schema = _schema_from_b64(self._schema_b64)
        return self._schema

    @property
    def num_rows(self) -> int | None:
        n = self.metadata.get("num_rows")
        return int(n) if n is not None else None

    @property
    def columns(self) -> list[str] | None:
        s = self.known_schema
        return None if s is None else list(s.names)

    # --- reading and writing --------------------------------------------------------------------

    def open(self, python_type: Any, columns: list[str] | None = None, filters: list[Any] | None = None) -> Reader:
        """Prepare to read as ``python_type`` (may be ``Annotated[T, columns]``); nothing is read yet."""
        from .reader import Reader

        return Reader(self, python_type, columns=columns, filters=filters)

    def write_sync(self, uri: str | None = None, format: str | None = None) -> DataFrame:  # noqa: A002
        """Write the wrapped value now; return the written reference (uri, schema, num_rows set).

        A reference that is already written is returned as it is.
        """
        from . import engine

        if not self.in_memory:
            if self.uri is None:
                raise InvalidReferenceError("this reference has neither a value nor a uri; use DataFrame.from_df(df)")
            return self
        return engine.encode(self, uri=uri, format=format)

    async def write(self, uri: str | None = None, format: str | None = None) -> DataFrame:  # noqa: A002
        """Async twin of :meth:`write_sync` (the write runs in a worker thread)."""
        import asyncio

        return await asyncio.to_thread(self.write_sync, uri, format)

    # --- JSON form ------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The reference as JSON-able data (no credentials): what another process needs to read it."""
        if self.in_memory or self.uri is None:
            raise InvalidReferenceError(
                "this reference wraps a value in memory that has not been written; call ref.write_sync() "
                "(or await ref.write()) first and serialise what it returns"
            )
        d: dict[str, Any] = {"frameport": REFERENCE_VERSION, "uri": self.uri, "format": self.format}
        schema = self.known_schema
        if schema is not None:
            d["schema"] = {
                "columns": [{"name": f.name, "type": str(f.type)} for f in schema],
                "arrow": self._schema_b64 or base64.b64encode(schema.serialize().to_pybytes()).decode("ascii"),
            }
        if self.metadata:
            d["metadata"] = copy.deepcopy(self.metadata)
        return d

    @classmethod
    def from_dict(cls, data: Any, *, storage_options: dict[str, Any] | None = None) -> DataFrame:
        """Rebuild a reference from :meth:`to_dict` output; malformed data is a clear error."""
        if not isinstance(data, dict):
            raise InvalidReferenceError(
                f"a frameport reference is a JSON object, got {type(data).__name__}: {data!r:.200}"
            )
        version = data.get("frameport")
        if not isinstance(version, int) or isinstance(version, bool):
            raise InvalidReferenceError(
                f"not a frameport reference: the 'frameport' version field is {version!r:.50}; expected an integer "
                f"(this frameport writes {REFERENCE_VERSION}). Pass what DataFrame.to_dict() returned."
            )
        if version > REFERENCE_VERSION:
            raise InvalidReferenceError(
                f"this reference has version {version}, newer than this frameport understands "
                f"({REFERENCE_VERSION}); upgrade frameport to read it"
            )
        if version < 1:
            raise InvalidReferenceError(f"reference version {version} is not valid; versions start at 1")
        unknown = set(data) - {"frameport", "uri", "format", "schema", "metadata"}
        if unknown:
            raise InvalidReferenceError(
                f"unknown fields in reference: {sorted(unknown)}; expected uri, format, schema, metadata"
            )
        uri, fmt = data.get("uri"), data.get("format", "")
        if not isinstance(uri, str) or not uri:
            raise InvalidReferenceError(f"reference field 'uri' must be a non-empty string, got {uri!r:.100}")
        if not isinstance(fmt, str):
            raise InvalidReferenceError(f"reference field 'format' must be a string, got {fmt!r:.100}")
        meta = data.get("metadata", {})
        if not isinstance(meta, dict):
            raise InvalidReferenceError(f"reference field 'metadata' must be an object, got {meta!r:.100}")
        _check_metadata(meta)
        ref = cls(uri, fmt, metadata=meta, storage_options=storage_options)
        schema = data.get("schema")
        if schema is not None:
            if not isinstance(schema, dict) or not isinstance(schema.get("arrow"), str):
                raise InvalidReferenceError("reference field 'schema' must be an object with a base64 'arrow' string")
            ref._schema_b64 = schema["arrow"]
            try:
                base64.b64decode(ref._schema_b64, validate=True)
            except ValueError:
                raise InvalidReferenceError("reference field 'schema.arrow' is not valid base64") from None
        return ref

    # --- helpers --------------------------------------------------------------------------------

    def _with_declared(self, spec: TypeSpec | None) -> DataFrame:
        """A copy that carries a task's declared columns as the default projection for ``open``."""
        ref = copy.copy(self)
        ref.metadata = dict(self.metadata)
        ref._declared = spec if spec is not None and spec.columns is not None else None
        return ref

    def __repr__(self) -> str:
        if self.in_memory:
            return f"frameport.DataFrame(<in memory: {type(self._value).__module__}.{type(self._value).__qualname__}>)"
        extra = f", num_rows={self.num_rows}" if self.num_rows is not None else ""
        return f"frameport.DataFrame(uri={self.uri!r}, format={self.format!r}{extra})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DataFrame) or self.in_memory or other.in_memory:
            return NotImplemented if not isinstance(other, DataFrame) else self is other
        return (self.uri, self.format) == (other.uri, other.format)

    __hash__ = object.__hash__


def _count(v: Any) -> bool:
    return v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 0)


def _check_metadata(meta: dict[str, Any]) -> None:
    """The fields frameport reads back must have their types; anything else in metadata is kept as is."""
    for key in ("num_rows", "bytes"):
        if not _count(meta.get(key)):
            raise InvalidReferenceError(
                f"reference metadata {key!r} must be a non-negative integer, got {meta.get(key)!r:.50}"
            )
    parts = meta.get("parts")
    if parts is None:
        return
    ok = isinstance(parts, list) and all(
        isinstance(p, dict)
        and isinstance(p.get("name"), str)
        and _count(p.get("size"))
        and isinstance(p.get("version", ""), str | type(None))
        for p in parts
    )
    if not ok:
        raise InvalidReferenceError(
            f"reference metadata 'parts' must be a list of {{name, size, version}} objects, got {parts!r:.100}"
        )


def _schema_from_b64(b64: str) -> pa.Schema:
    import pyarrow as pa

    try:
        return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(b64)))
    except (ValueError, pa.ArrowInvalid, TypeError) as exc:
        raise InvalidReferenceError(f"the reference's schema could not be read: {exc}; the JSON is damaged") from None
