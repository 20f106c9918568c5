"""``frameport gc``: remove what interrupted writes left behind.

A write that did not finish (an exception, a killed process, a lost connection) never yields a
reference and is never read as data, but it can leave files:

* a staging folder or file ``.frameport-staging-*`` beside its target (local disk, memory);
* an object-store location still holding the marker ``_frameport_incomplete`` (and whatever parts
  were uploaded before the failure);
* ``*.frameport-old-*``: the previous data of a user-named location whose replacement was interrupted.

:func:`collect` removes those older than a threshold (default one hour, so writes in progress are
left alone) under the configured store or a given prefix. Complete data and run records are never
touched.
"""

from __future__ import annotations

import datetime as _dt
import time
from typing import Any

from . import config, storage
from .errors import FrameportError, StorageError

__all__ = ["collect", "DEFAULT_AGE"]

DEFAULT_AGE = 3600.0  # seconds


def collect(
    prefix: str | None = None, older_than: _dt.timedelta | float = DEFAULT_AGE, dry_run: bool = False
) -> list[str]:
    """Remove leftovers of interrupted writes under ``prefix`` (default: the store); return their uris."""
    age = older_than.total_seconds() if isinstance(older_than, _dt.timedelta) else float(older_than)
    if not age >= 0:
        raise FrameportError(f"older_than must not be negative (got {older_than!r}); use 0 to remove every leftover")
    root_uri = storage.normalize_uri(prefix or config.current().store)
    loc = storage.resolve(root_uri)
    fs = loc.fs
    try:
        entries = fs.find(loc.path, withdirs=True, detail=True)
    except FileNotFoundError:
        return []
    except Exception as exc:  # noqa: BLE001
        raise storage.failure(exc, root_uri, "list", loc.storage_options) from None
    now = time.time()
    victims: list[str] = []
    for path, info in sorted(entries.items()):
        name = path.rstrip("/").rpartition("/")[2]
        if name.startswith(storage.STAGING_PREFIX) or ".frameport-old-" in name:
            target = path
        elif name == storage.INCOMPLETE_MARKER:
            target = path.rstrip("/").rpartition("/")[0]
        else:
            continue
        if any(target == v or target.startswith(v.rstrip("/") + "/") for v in victims):
            continue
        if now - _mtime(fs, path, info) >= age:
            victims.append(target)
    removed = []
    for v in victims:
        if not dry_run:
            try:
                fs.rm(v, recursive=True)
            except FileNotFoundError:
                continue
            except Exception as exc:  # noqa: BLE001
                raise StorageError(f"could not remove the leftover {v}: {type(exc).__name__}: {exc}") from None
        removed.append(_uri(loc, v))
    return removed


def _mtime(fs: Any, path: str, info: dict[str, Any]) -> float:
    for key in ("mtime", "LastModified", "last_modified", "created", "updated"):
        v = info.get(key)
        if v is None:
            continue
        if isinstance(v, _dt.datetime):
            return v.timestamp()
        if isinstance(v, int | float):
            return float(v)
        try:
            return _dt.datetime.fromisoformat(str(v).replace("Z", "+00:00")).timestamp()
        except ValueError:
            continue
    if info.get("type") == "directory":  # object-store "directories" have no time: use the marker's stamp
        return time.time()
    try:
        return float(fs.modified(path).timestamp())
    except Exception:  # noqa: BLE001 - no time known: treat as new, never remove
        return time.time()


def _uri(loc: storage.Location, path: str) -> str:
    if loc.protocol == "file":
        return "file://" + path
    return f"{loc.protocol}://{path.lstrip('/')}" if loc.protocol != "memory" else f"memory://{path}"
