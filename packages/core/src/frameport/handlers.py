"""The two base classes a backend implements: :class:`Encoder` (value -> bytes in a store) and
:class:`Decoder` (bytes in a store -> value).

A handler is keyed by ``(python_type, protocol, format)``:

* ``python_type`` - the class it writes or produces (subclasses are served through the MRO walk);
* ``protocol`` - an fsspec protocol such as ``"s3"``, or ``None`` for every protocol;
* ``format`` - a byte format such as ``"parquet"``, or ``""`` for a generic handler that has none
  (a database table, say).

Handlers know storage (they get an fsspec filesystem and a path in their context) but never tasks or
the registry. An encoder writes into ``ctx.path`` - a staging location the engine publishes only after
``encode`` returned - and reports what it wrote as :class:`Written`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa
    from fsspec import AbstractFileSystem

    from .schema import TypeSpec

__all__ = ["Encoder", "Decoder", "WriteContext", "ReadContext", "Written", "Part"]

Filters = list[Any]  # pyarrow DNF: [("a", ">", 1)] or [[("a", ">", 1)], [("b", "=", 2)]]


@dataclass(frozen=True)
class Part:
    """One file of a written dataset: its name relative to the dataset location, and its size."""

    name: str
    size: int


@dataclass
class Written:
    """What an encoder reports: the schema and row count of the data, and the files it wrote."""

    schema: pa.Schema
    num_rows: int
    parts: list[Part] = field(default_factory=list)

    @property
    def nbytes(self) -> int:
        return sum(p.size for p in self.parts)


@dataclass
class WriteContext:
    """Where and how an encoder writes.

    ``path`` is a staging location on ``fs``. When ``single_file`` is true the user named a file uri
    (``.../data.csv``): write exactly one file at ``path``. Otherwise ``path`` is a directory (not yet
    created): write part files ``part_name(i)`` inside it.
    """

    fs: AbstractFileSystem
    path: str
    uri: str
    protocol: str
    format: str
    single_file: bool = False
    declared: TypeSpec | None = None
    storage_options: dict[str, Any] = field(default_factory=dict, repr=False)  # may hold credentials
    options: dict[str, Any] = field(default_factory=dict)

    def part_name(self, i: int, ext: str | None = None) -> str:
        return f"part-{i:05d}.{ext or self.format}"

    def part_path(self, i: int, ext: str | None = None) -> str:
        return f"{self.path}/{self.part_name(i, ext)}"


@dataclass
class ReadContext:
    """What a decoder reads: a location, the format, and the projection/filter to push down.

    ``columns`` (None = all) must be pushed into the reader so only those columns leave storage;
    ``filters`` are pyarrow DNF filters to push down where the format allows. ``parts`` lists the
    files of a frameport-written dataset (relative names) so no listing is needed; it is None for
    foreign data, where :meth:`paths` lists the directory (or takes ``path`` as a single file).
    """

    fs: AbstractFileSystem
    path: str
    uri: str
    protocol: str
    format: str
    columns: list[str] | None = None
    filters: Filters | None = None
    schema: pa.Schema | None = None
    parts: list[str] | None = None
    batch_size: int = 65_536
    storage_options: dict[str, Any] = field(default_factory=dict, repr=False)  # may hold credentials

    def paths(self, extensions: tuple[str, ...] = ()) -> list[str]:
        """The data files to read, in order: the known parts, or a listing of the location."""
        from . import storage

        if self.parts is not None:
            return [f"{self.path}/{p}" if p else self.path for p in self.parts]
        return storage.data_files(self.fs, self.path, extensions, uri=self.uri)


class _Handler:
    python_type: type
    protocol: str | None
    format: str

    def __init__(self, python_type: type, protocol: str | None = None, format: str = "") -> None:  # noqa: A002
        if not isinstance(python_type, type):
            raise TypeError(f"python_type must be a class, got {python_type!r}")
        self.python_type = python_type
        self.protocol = protocol.lower() if protocol else None
        self.format = (format or "").lower()

    @property
    def key(self) -> tuple[type, str | None, str]:
        return (self.python_type, self.protocol, self.format)

    def __repr__(self) -> str:
        t = f"{self.python_type.__module__}.{self.python_type.__qualname__}"
        return (
            f"{type(self).__module__}.{type(self).__qualname__}"
            f"({t}, protocol={self.protocol or 'any'}, format={self.format or 'any'})"
        )


class Encoder(_Handler):
    """Writes a ``python_type`` value into a store. Subclass and implement :meth:`encode`."""

    def encode(self, value: Any, ctx: WriteContext) -> Written:
        raise NotImplementedError(f"{type(self).__qualname__} must implement encode()")

    def schema_of(self, value: Any) -> pa.Schema | None:
        """The schema ``value`` will produce, if known without computing it (e.g. a lazy plan's); the engine
        then checks declared output columns before anything runs or is written. None: checked after."""
        return None


class Decoder(_Handler):
    """Reads stored data as a ``python_type`` value. Subclass and implement :meth:`decode`.

    Override :meth:`iter_batches` to stream in bounded memory (the default yields one whole value),
    and :meth:`read_schema` to read the stored schema cheaply (a file footer) for foreign data.
    """

    def decode(self, ctx: ReadContext) -> Any:
        raise NotImplementedError(f"{type(self).__qualname__} must implement decode()")

    def iter_batches(self, ctx: ReadContext) -> Iterator[Any]:
        yield self.decode(ctx)

    def read_schema(self, ctx: ReadContext) -> pa.Schema | None:
        return None
