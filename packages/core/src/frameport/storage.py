"""Storage: uri -> (fsspec filesystem, path), fresh output locations, and atomic publish.

* Any fsspec protocol works (``file``, ``memory``, ``s3``, ``gs``, ``abfs``, ...); a bare local path
  is ``file``. Storage options come from :mod:`frameport.config` per protocol, overridable per call.
* Each output gets a fresh location ``<store>/<yyyy-mm-dd>/<32 hex>`` unless the user names a uri.
* **Atomic publish**: an encoder writes into a hidden staging location beside the target
  (``.frameport-staging-<hex>``, which dataset readers skip); only after it finished is the staging
  location moved to the target (a directory rename on local disk). A failed write removes the staging
  location and leaves the target untouched, so no reference ever points at partial data.
"""

from __future__ import annotations

import datetime as _dt
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import config
from .errors import StorageError

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

__all__ = ["Location", "resolve", "protocol_of", "fresh_uri", "staged", "data_files", "filesystem"]

_PROTOCOL_ALIASES = {"local": "file", "s3a": "s3", "gcs": "gs", "az": "abfs"}
STAGING_PREFIX = ".frameport-staging-"


@dataclass(frozen=True)
class Location:
    uri: str
    protocol: str
    path: str
    fs: AbstractFileSystem
    storage_options: dict[str, Any]

    @property
    def is_local(self) -> bool:
        return self.protocol == "file"


def protocol_of(uri: str) -> str:
    """The normalised protocol of a uri: ``s3://b/k`` -> ``s3``, ``/tmp/x`` -> ``file``."""
    head, sep, _ = uri.partition("://")
    if not sep:
        return "file"
    head = head.lower().split("::")[-1]
    return _PROTOCOL_ALIASES.get(head, head)


def _split(uri: str) -> tuple[str, str]:
    proto = protocol_of(uri)
    if proto == "file":
        path = uri.split("://", 1)[1] if "://" in uri else uri
        return proto, os.path.abspath(os.path.expanduser(path))
    return proto, uri.split("://", 1)[1].rstrip("/")


def normalize_uri(uri: str) -> str:
    """Bare local paths become absolute ``file://`` uris; other uris are kept (trailing ``/`` dropped)."""
    proto, path = _split(uri)
    if proto == "file":
        return "file://" + path
    return f"{proto}://{path}"


def filesystem(protocol: str, storage_options: dict[str, Any] | None = None) -> AbstractFileSystem:
    """The fsspec filesystem for a protocol with the configured options merged with ``storage_options``."""
    import fsspec

    opts = config.current().options_for(protocol)
    if storage_options:
        opts.update(storage_options)
    try:
        return fsspec.filesystem(protocol, **opts)
    except (ImportError, ValueError) as exc:
        from .plugins import INSTALL_HINTS

        hint = INSTALL_HINTS.get(protocol)
        what = f"pip install {hint}" if hint else "check the uri's protocol or install the fsspec implementation"
        raise StorageError(f"cannot open storage for protocol {protocol!r}: {exc}. To fix: {what}.") from None


def resolve(uri: str, storage_options: dict[str, Any] | None = None) -> Location:
    if not isinstance(uri, str) or not uri:
        raise StorageError(f"expected a uri string such as 's3://bucket/key' or a local path, got {uri!r}")
    proto, path = _split(uri)
    fs = filesystem(proto, storage_options)
    if proto != "file":
        path = fs._strip_protocol(f"{proto}://{path}")
    opts = config.current().options_for(proto)
    opts.update(storage_options or {})
    return Location(normalize_uri(uri), proto, path, fs, opts)


def fresh_uri(prefix: str | None = None) -> str:
    """A new, unused output location under ``prefix`` (default: the configured store)."""
    base = normalize_uri(prefix or config.current().store)
    day = _dt.date.today().isoformat()
    return f"{base}/{day}/{uuid.uuid4().hex}"


@contextmanager
def staged(loc: Location) -> Iterator[str]:
    """Yield a staging path beside ``loc``; on success publish it at ``loc.path``, on failure remove it."""
    parent, _, name = loc.path.rpartition("/")
    staging = f"{parent}/{STAGING_PREFIX}{uuid.uuid4().hex[:12]}-{name}"
    fs = loc.fs
    try:
        if loc.is_local:
            os.makedirs(parent, exist_ok=True)
        yield staging
        _publish(fs, staging, loc)
    except BaseException:
        _remove_quietly(fs, staging)
        raise


def _publish(fs: AbstractFileSystem, staging: str, loc: Location) -> None:
    target = loc.path
    if loc.is_local:
        try:
            os.rename(staging, target)
            return
        except OSError:
            if not os.path.lexists(target):
                raise
        # the user named an existing location: move the old data aside, publish, then drop the old
        old = f"{target}.frameport-old-{uuid.uuid4().hex[:8]}"
        os.rename(target, old)
        os.rename(staging, target)
        _remove_quietly(fs, old)
        return
    if fs.exists(target):
        fs.rm(target, recursive=True)
    fs.mv(staging, target, recursive=True)


def remove(loc: Location) -> None:
    """Remove the data at a location, if any (errors ignored: used for scratch data)."""
    _remove_quietly(loc.fs, loc.path)


def _remove_quietly(fs: AbstractFileSystem, path: str) -> None:
    try:
        if fs.exists(path):
            fs.rm(path, recursive=True)
    except Exception:  # noqa: BLE001 - cleanup must never hide the original error
        pass


def data_files(fs: AbstractFileSystem, path: str, extensions: tuple[str, ...] = (), *, uri: str = "") -> list[str]:
    """The data files at ``path``: the file itself, or a directory's files (recursively, sorted),
    skipping hidden and ``_``-prefixed names (``_SUCCESS``, ``_metadata``, staging folders). Files
    with one of ``extensions`` are preferred when any has one (dask/spark may leave other files)."""
    try:
        info = fs.info(path)
    except FileNotFoundError:
        raise StorageError(
            f"no data at {uri or path}: the location does not exist. Check the uri, or write the data first."
        ) from None
    except Exception as exc:  # noqa: BLE001 - unreachable store, permissions, ...
        raise StorageError(f"cannot reach {uri or path}: {type(exc).__name__}: {exc}") from None
    if info.get("type") != "directory":
        return [path]
    root = fs._strip_protocol(path).rstrip("/")
    files = []
    for f in sorted(fs.find(root)):
        rel = f[len(root) :].lstrip("/") if f.startswith(root) else f.rpartition("/")[2]
        if any(seg.startswith((".", "_")) for seg in rel.split("/")):
            continue
        files.append(f)
    if extensions:
        matching = [f for f in files if f.lower().endswith(extensions)]
        files = matching or files
    if not files:
        raise StorageError(f"no data files in {uri or path}: the directory is empty (or holds only hidden files)")
    return files
