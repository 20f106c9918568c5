"""Arrow-table readers and writers for parquet, csv and Arrow IPC: the building blocks for backends.

A backend whose frames convert to and from ``pyarrow.Table`` cheaply can implement its handlers on
these (the built-in pandas and pyarrow handlers do, and frameport-polars does for csv and batches):

* :func:`write` ``(table, WriteContext) -> Written`` - parallel part files, atomic publish by the engine;
* :func:`read` ``(ReadContext) -> pa.Table`` - projection and filters pushed into the reader;
* :func:`iter_batches` ``(ReadContext) -> Iterator[pa.Table]`` - bounded memory;
* :func:`read_schema` ``(ReadContext) -> pa.Schema`` - from a footer or header.

Every failure is raised as a :class:`frameport.DataError` naming the location and format.
"""

from ._builtin.formats import EXTENSIONS, FORMATS, iter_batches, read, read_schema, write

__all__ = ["EXTENSIONS", "FORMATS", "iter_batches", "read", "read_schema", "write"]
