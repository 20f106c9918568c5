"""Which stored reference a value came from, so a value already stored is never written again.

When a task boundary hands a caller a value decoded from a reference, :func:`remember` notes the pair;
when that same value crosses the next boundary unchanged, :func:`recall` returns the reference, so it is
never written again; and when the next task declares exactly the value's type with no column projection,
:func:`reuse` hands it an independent copy of the value instead of reading the same bytes back (at most
one write and one read per boundary).

"Unchanged" must be certain, or a caller's in-place edit would be silently lost. So a value is only
remembered when its type can prove it was not modified since:

* ``pyarrow.Table`` / ``RecordBatch``: immutable;
* ``pandas.DataFrame`` with Copy-on-Write (the default from pandas 3): a shallow copy taken at
  :func:`remember` shares every column buffer; any in-place edit of the value makes pandas copy the
  buffer it touches, and assigning columns or an index replaces them, so comparing buffer identities,
  column names, dtypes and index tells an edit apart in O(columns);
* anything else (polars, plugins' types) is not remembered and is written again when passed on.

Entries die with their value (weak references); nothing here keeps a frame alive.
"""

from __future__ import annotations

import sys
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .reference import DataFrame

__all__ = ["remember", "recall", "reuse", "forget_all"]

_lock = threading.Lock()
#: id(value) -> (weak reference to the value, the reference it was read from, unchanged-check)
_entries: dict[int, tuple[weakref.ref[Any], DataFrame, Callable[[Any], bool]]] = {}


def remember(value: Any, ref: DataFrame) -> None:
    """Note that ``value`` holds exactly the data stored at ``ref`` (if its type can prove edits)."""
    check = _unchanged_check(value)
    if check is None:
        return
    key = id(value)

    def _drop(_: object, key: int = key) -> None:
        with _lock:
            _entries.pop(key, None)

    try:
        wr = weakref.ref(value, _drop)
    except TypeError:  # a type without weak references: never remembered
        return
    with _lock:
        _entries[key] = (wr, ref, check)


def recall(value: Any) -> DataFrame | None:
    """The reference ``value`` was read from, if it is still exactly that data; else None."""
    with _lock:
        entry = _entries.get(id(value))
    if entry is None:
        return None
    wr, ref, check = entry
    if wr() is not value:
        return None
    try:
        same = check(value)
    except Exception:  # noqa: BLE001 - an internal layout we do not know: assume changed, write again
        same = False
    return ref if same else None


def reuse(value: Any, python_type: Any) -> tuple[Any, DataFrame] | None:
    """An independent value holding exactly the stored data, without reading it again, or None.

    Only for a remembered, unchanged value of exactly ``python_type``: a ``pyarrow.Table`` is immutable
    and handed on as it is; a pandas frame is handed on as a Copy-on-Write shallow copy, which behaves as
    an independent frame (an edit on either side copies what it touches) at no cost.
    """
    if type(value) is not python_type:
        return None
    ref = recall(value)
    if ref is None:
        return None
    module = type(value).__module__.partition(".")[0]
    fresh = value.copy(deep=False) if module == "pandas" else value
    remember(fresh, ref)
    return fresh, ref


def forget_all() -> None:
    with _lock:
        _entries.clear()


def _unchanged_check(value: Any) -> Callable[[Any], bool] | None:
    module = type(value).__module__.partition(".")[0]
    if module == "pyarrow":
        import pyarrow as pa

        if isinstance(value, pa.Table | pa.RecordBatch):
            return lambda v: True
        return None
    if module == "pandas" and "pandas" in sys.modules:
        return _pandas_check(value)
    return None


def _pandas_check(df: Any) -> Callable[[Any], bool] | None:
    import pandas as pd

    if not isinstance(df, pd.DataFrame) or not copy_on_write(pd):
        return None
    snapshot = df.copy(deep=False)  # shares the buffers; an edit of df copies the buffer it touches
    before = _buffers(snapshot)
    names = list(snapshot.columns)

    def unchanged(v: Any) -> bool:
        # a dtype cannot change without replacing its buffer, so buffers, names and index say it all
        return _buffers(v) == before and list(v.columns) == names and v.index.equals(snapshot.index)

    return unchanged


def copy_on_write(pd: Any) -> bool:
    """True when pandas works with Copy-on-Write (pandas >= 3, or ``pd.options.mode.copy_on_write``)."""
    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    return bool(getattr(pd.options.mode, "copy_on_write", False) is True)


def _buffers(df: Any) -> list[tuple[Any, ...]]:
    import numpy as np

    keys: list[tuple[Any, ...]] = []
    for block in df._mgr.blocks:
        values = block.values
        if isinstance(values, np.ndarray):
            keys.append(("np", values.__array_interface__["data"][0], values.shape, values.strides))
            continue
        for attr in ("_pa_array", "_ndarray", "_data", "_codes"):
            inner = getattr(values, attr, None)
            if inner is not None:
                if isinstance(inner, np.ndarray):
                    keys.append((attr, inner.__array_interface__["data"][0], inner.shape, inner.strides))
                else:
                    keys.append((attr, id(inner)))
                break
        else:
            keys.append(("id", id(values)))
    return keys
