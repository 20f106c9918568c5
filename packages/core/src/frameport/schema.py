"""Column types: annotations in, Arrow schemas out, and the compatibility rule.

A declared type is ``T`` or ``Annotated[T, columns, format]`` with its metadata in any order:

* columns: a ``dict`` / ``OrderedDict`` of name -> type, :func:`columns` (``columns(a=int)``) or a
  ``pyarrow.Schema``. A column type is a python type (``int float str bool bytes datetime date
  timedelta Decimal``, ``list[X]``, ``dict[K, V]``), a numpy dtype, an Arrow type or a type string
  (``"int64"``, ``"string"``, ``"timestamp[ns]"``, ``"category"``).
* format: a string such as ``"parquet"``, ``"csv"`` or ``"arrow"``.

Compatibility (the rule of the seeds): declared columns B fit stored columns A when every column of
B is in A with a compatible type, or either side is empty; formats fit when equal or either is empty.
Types are compared by kind, not by width: any integer fits ``int``, any float fits ``float``,
``string``/``large_string``/dictionary-of-strings (categoricals) are all strings, timestamps fit
whatever their unit (and their time zone when the declaration names none), lists and structs compare
element-wise, a ``dict[str, V]`` declaration fits a struct whose fields all fit ``V``, and an
all-null stored column fits any declaration.

pyarrow is imported only by the functions that need it, never at import time.
"""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
import typing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import AnnotationError, SchemaMismatchError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "Columns",
    "TypeSpec",
    "columns",
    "parse_annotation",
    "to_arrow_schema",
    "to_arrow_type",
    "check_compatible",
    "types_compatible",
    "describe_schema",
]


class Columns(dict[str, Any]):
    """An ordered mapping of column name -> column type, as made by :func:`columns`."""

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={_type_name(v)}" for k, v in self.items())
        return f"columns({inner})"


def columns(**kw: Any) -> Columns:
    """Declare columns for an ``Annotated`` type: ``Annotated[pd.DataFrame, columns(a=int, b=str)]``."""
    return Columns(kw)


@dataclass(frozen=True)
class TypeSpec:
    """A parsed declared type: the python type, its declared columns (or None) and format ("" = any)."""

    python_type: Any
    columns: Any = None  # dict name -> type spec, or a pyarrow.Schema; None when not declared
    format: str = ""

    @property
    def column_names(self) -> list[str] | None:
        if self.columns is None:
            return None
        return list(self.columns.names if _is_arrow_schema(self.columns) else self.columns.keys())

    def arrow_schema(self) -> pa.Schema | None:
        return None if self.columns is None else to_arrow_schema(self.columns)


def _is_arrow_schema(obj: object) -> bool:
    cls = type(obj)
    return cls.__module__.startswith("pyarrow") and cls.__name__ == "Schema"


def parse_annotation(tp: Any) -> TypeSpec:
    """Split ``T`` or ``Annotated[T, columns, format]`` (metadata in any order) into a :class:`TypeSpec`."""
    if isinstance(tp, TypeSpec):
        return tp
    if typing.get_origin(tp) is not typing.Annotated:
        if not isinstance(tp, type):
            raise AnnotationError(
                f"expected a dataframe type such as pandas.DataFrame or Annotated[T, columns, format], "
                f"got {tp!r}; annotate the parameter or return with a dataframe class"
            )
        return TypeSpec(tp)
    base, *meta = typing.get_args(tp)
    if typing.get_origin(base) is typing.Annotated:  # nested Annotated flattens in typing; be safe
        inner = parse_annotation(base)
        base, meta = inner.python_type, [m for m in (inner.columns, inner.format) if m] + meta
    cols: Any = None
    fmt = ""
    for m in meta:
        if isinstance(m, str):
            if fmt:
                raise AnnotationError(f"{tp!r} names two formats ({fmt!r} and {m!r}); keep one")
            fmt = m.strip().lower()
        elif isinstance(m, dict) or _is_arrow_schema(m):
            if cols is not None:
                raise AnnotationError(f"{tp!r} declares columns twice; merge them into one mapping")
            cols = m
        else:
            raise AnnotationError(
                f"cannot understand {m!r} in {tp!r}: Annotated metadata must be a format string, a "
                f"dict of column types, frameport.columns(...) or a pyarrow.Schema"
            )
    return TypeSpec(base, cols, fmt)


_PY_TYPE_NAMES = {
    "int": "int64",
    "float": "float64",
    "str": "string",
    "bool": "bool",
    "bytes": "binary",
    "datetime": "timestamp[us]",
    "date": "date32",
    "timedelta": "duration[us]",
    "decimal": "decimal128(38, 18)",
}


def to_arrow_type(t: Any) -> pa.DataType:
    """Map a column type spec (python type, numpy dtype, Arrow type, type string) to an Arrow type."""
    import pyarrow as pa

    if isinstance(t, pa.DataType):
        return t
    if t is bool:
        return pa.bool_()
    if t is int:
        return pa.int64()
    if t is float:
        return pa.float64()
    if t is str:
        return pa.string()
    if t is bytes:
        return pa.binary()
    if t is _dt.datetime:
        return pa.timestamp("us")
    if t is _dt.date:
        return pa.date32()
    if t is _dt.timedelta:
        return pa.duration("us")
    if t is _dt.time:
        return pa.time64("us")
    if t is _decimal.Decimal:
        return pa.decimal128(38, 18)
    origin = typing.get_origin(t)
    if origin in (list, typing.List):  # noqa: UP006
        (item,) = typing.get_args(t) or (None,)
        if item is None:
            raise AnnotationError(f"list column type {t!r} needs an item type, e.g. list[int]")
        return pa.list_(to_arrow_type(item))
    if origin in (dict, typing.Dict):  # noqa: UP006
        args = typing.get_args(t)
        if len(args) != 2:
            raise AnnotationError(f"dict column type {t!r} needs key and value types, e.g. dict[str, int]")
        return pa.map_(to_arrow_type(args[0]), to_arrow_type(args[1]))
    if isinstance(t, str):
        return _arrow_type_from_string(t)
    if type(t).__module__ == "numpy" or type(t).__module__.startswith("numpy."):
        import numpy as np

        try:
            return pa.from_numpy_dtype(np.dtype(t))
        except (TypeError, pa.ArrowNotImplementedError) as exc:
            raise AnnotationError(f"numpy dtype {t!r} has no Arrow column type: {exc}") from None
    if isinstance(t, type) and t.__module__ == "numpy":
        import numpy as np

        return pa.from_numpy_dtype(np.dtype(t))
    raise AnnotationError(
        f"cannot map column type {t!r} to an Arrow type; use a python type (int, float, str, bool, bytes, "
        f"datetime, date, timedelta, Decimal, list[X], dict[K, V]), a numpy dtype, a pyarrow type or a "
        f"type string such as 'int64'"
    )


def _arrow_type_from_string(s: str) -> pa.DataType:
    import pyarrow as pa

    name = s.strip()
    low = name.lower()
    if low in _PY_TYPE_NAMES:
        name = _PY_TYPE_NAMES[low]
        low = name
    if low in ("category", "categorical"):
        return pa.dictionary(pa.int32(), pa.string())
    if low.startswith("decimal128(") and low.endswith(")"):
        p, sc = (int(x) for x in low[len("decimal128(") : -1].split(","))
        return pa.decimal128(p, sc)
    try:
        return pa.type_for_alias(low)
    except (ValueError, KeyError):
        pass
    try:  # numpy-style names: "int32", "float32", "datetime64[ns]", "object" is not accepted
        import numpy as np

        return pa.from_numpy_dtype(np.dtype(low))
    except Exception:  # noqa: BLE001 - any failure means "not a type name we know"
        raise AnnotationError(
            f"unknown column type string {s!r}; use an Arrow type name such as 'int64', 'float64', "
            f"'string', 'bool', 'timestamp[ns]', 'date32' or 'category'"
        ) from None


def to_arrow_schema(cols: Any) -> pa.Schema:
    """Turn declared columns (mapping or ``pyarrow.Schema``) into a ``pyarrow.Schema``."""
    import pyarrow as pa

    if isinstance(cols, pa.Schema):
        return cols
    if not isinstance(cols, dict):
        raise AnnotationError(f"columns must be a mapping of name -> type or a pyarrow.Schema, got {cols!r}")
    fields = []
    for name, t in cols.items():
        if not isinstance(name, str):
            raise AnnotationError(f"column names must be strings, got {name!r} in {cols!r}")
        fields.append(pa.field(name, to_arrow_type(t)))
    return pa.schema(fields)


# --- compatibility -------------------------------------------------------------------------------


def types_compatible(declared: pa.DataType, stored: pa.DataType) -> bool:
    """True when a column stored as ``stored`` satisfies a declaration of ``declared`` (see module doc)."""
    import pyarrow as pa
    import pyarrow.types as pt

    if pt.is_dictionary(stored) and not pt.is_dictionary(declared):
        stored = stored.value_type
    if pt.is_dictionary(declared):
        declared = declared.value_type
        if pt.is_dictionary(stored):
            stored = stored.value_type
    if pt.is_null(stored) or declared == stored:
        return True
    if pt.is_integer(declared):
        return pt.is_integer(stored)
    if pt.is_floating(declared):
        return pt.is_floating(stored)
    if _is_string(declared):
        return _is_string(stored)
    if _is_binary(declared):
        return _is_binary(stored)
    if pt.is_timestamp(declared):
        return pt.is_timestamp(stored) and (declared.tz is None or _same_tz(declared.tz, stored.tz))
    if pt.is_date(declared):
        return pt.is_date(stored)
    if pt.is_time(declared):
        return pt.is_time(stored)
    if pt.is_duration(declared):
        return pt.is_duration(stored)
    if pt.is_decimal(declared):
        return pt.is_decimal(stored)
    if _is_list(declared):
        return _is_list(stored) and types_compatible(declared.value_type, stored.value_type)
    if pt.is_struct(declared):
        if not pt.is_struct(stored):
            return False
        have = {stored.field(i).name: stored.field(i).type for i in range(stored.num_fields)}
        return all(
            declared.field(i).name in have and types_compatible(declared.field(i).type, have[declared.field(i).name])
            for i in range(declared.num_fields)
        )
    if pt.is_map(declared):
        if pt.is_map(stored):
            return types_compatible(declared.key_type, stored.key_type) and types_compatible(
                declared.item_type, stored.item_type
            )
        if pt.is_struct(stored) and _is_string(declared.key_type):
            return all(types_compatible(declared.item_type, stored.field(i).type) for i in range(stored.num_fields))
        return False
    return bool(declared.equals(stored)) if isinstance(declared, pa.DataType) else False


def _is_string(t: pa.DataType) -> bool:
    import pyarrow.types as pt

    return bool(pt.is_string(t) or pt.is_large_string(t) or getattr(pt, "is_string_view", lambda _: False)(t))


def _is_binary(t: pa.DataType) -> bool:
    import pyarrow.types as pt

    return bool(
        pt.is_binary(t)
        or pt.is_large_binary(t)
        or pt.is_fixed_size_binary(t)
        or getattr(pt, "is_binary_view", lambda _: False)(t)
    )


def _is_list(t: pa.DataType) -> bool:
    import pyarrow.types as pt

    return bool(
        pt.is_list(t)
        or pt.is_large_list(t)
        or pt.is_fixed_size_list(t)
        or getattr(pt, "is_list_view", lambda _: False)(t)
        or getattr(pt, "is_large_list_view", lambda _: False)(t)
    )


def _same_tz(a: str, b: str | None) -> bool:
    if b is None:
        return False
    norm = {"utc": "utc", "+00:00": "utc", "z": "utc", "etc/utc": "utc"}
    return norm.get(a.lower(), a.lower()) == norm.get(b.lower(), b.lower())


def describe_schema(schema: pa.Schema | None) -> str:
    """``a: int64, b: string`` for messages; ``(unknown)`` when there is no schema."""
    if schema is None:
        return "(unknown)"
    if len(schema) == 0:
        return "(no columns)"
    return ", ".join(f"{f.name}: {f.type}" for f in schema)


def check_compatible(
    declared: TypeSpec | None,
    stored_schema: pa.Schema | None,
    stored_format: str = "",
    *,
    where: str,
) -> None:
    """Raise :class:`SchemaMismatchError` unless ``declared`` fits the stored columns and format.

    ``where`` says what is being checked, e.g. ``"the stored data at file:///x"`` or ``"the output of f"``.
    """
    if declared is None:
        return
    problems: list[str] = []
    if declared.format and stored_format and declared.format != stored_format:
        problems.append(f"format {declared.format!r} declared but {stored_format!r} stored")
    want = declared.arrow_schema()
    if want is not None and len(want) and stored_schema is not None and len(stored_schema):
        have = {f.name: f.type for f in stored_schema}
        for f in want:
            if f.name not in have:
                problems.append(f"missing column {f.name!r} (declared {f.type})")
            elif not types_compatible(f.type, have[f.name]):
                problems.append(f"column {f.name!r} declared {f.type} but is {have[f.name]}")
    if problems:
        raise SchemaMismatchError(
            f"declared type does not fit {where}: {'; '.join(problems)}. Columns there: "
            f"{describe_schema(stored_schema)}. Declare only columns that exist with compatible types "
            f"(or drop the column annotation)."
        )


def _type_name(t: Any) -> str:
    return getattr(t, "__name__", None) or str(t)
