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
import json
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
INCOMPLETE_MARKER = "_frameport_incomplete"
MANIFEST = "_frameport_manifest.json"
#: protocols where a staged directory is published by renaming it into place
RENAME_PROTOCOLS = ("file", "memory")


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


class Staging:
    """Where an encoder writes (``path``); the engine sets ``parts`` before the context exits."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.parts: list[dict[str, Any]] = []


@contextmanager
def staged(loc: Location, single_file: bool = False) -> Iterator[Staging]:
    """Stage a write to ``loc``; publish it only when the block completes, remove it when it fails.

    * local disk (``file``) and ``memory``: write to a hidden sibling, then rename it into place;
    * object stores, one file: write the object itself (an object appears only once complete);
    * object stores, a directory: write a marker ``_frameport_incomplete`` first, then the parts,
      then the manifest ``_frameport_manifest.json`` (parts and sizes), then remove the marker.
      Readers refuse a location that holds the marker (see :func:`data_files`).
    """
    fs = loc.fs
    if loc.protocol in RENAME_PROTOCOLS:
        parent, _, name = loc.path.rpartition("/")
        st = Staging(f"{parent}/{STAGING_PREFIX}{uuid.uuid4().hex[:12]}-{name}")
        try:
            if loc.is_local:
                os.makedirs(parent, exist_ok=True)
            yield st
            _rename_into_place(fs, st.path, loc)
        except BaseException:
            _remove_quietly(fs, st.path)
            raise
        return
    st = Staging(loc.path)
    if single_file:
        try:
            yield st
        except BaseException:
            _remove_quietly(fs, loc.path)
            raise
        return
    marker = f"{loc.path}/{INCOMPLETE_MARKER}"
    _guard_store(loc, lambda: fs.pipe_file(marker, _stamp().encode()))
    old = [f for f in _guard_store(loc, lambda: fs.find(loc.path)) if not f.endswith(INCOMPLETE_MARKER)]
    if old:  # the user named a location that holds data: it is replaced
        fs.rm(old)
    try:
        yield st
        manifest = json.dumps({"frameport": 1, "parts": st.parts, "written_at": _stamp()})
        fs.pipe_file(f"{loc.path}/{MANIFEST}", manifest.encode())
        fs.rm_file(marker)
    except BaseException:
        try:
            written = [f for f in fs.find(loc.path) if not f.endswith(INCOMPLETE_MARKER)]
            if written:
                fs.rm(written)
            fs.rm_file(marker)
        except Exception:  # noqa: BLE001 - the marker stays, so readers refuse; `frameport gc` cleans up
            pass
        raise


def _stamp() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _guard_store(loc: Location, fn: Any) -> Any:
    try:
        return fn()
    except FileNotFoundError as exc:
        raise StorageError(f"cannot write to {loc.uri}: {exc}. Check that the bucket or folder exists.") from None
    except PermissionError as exc:
        raise StorageError(f"cannot write to {loc.uri}: permission denied ({exc}). Check the credentials.") from None


def _rename_into_place(fs: AbstractFileSystem, staging: str, loc: Location) -> None:
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


def check_parts(loc: Location, parts: list[dict[str, Any]]) -> None:
    """Raise :class:`DataError` when a part a reference lists is gone or changed size since it was written."""
    from .errors import DataError

    for p in parts:
        name, size = p.get("name", ""), p.get("size")
        path = f"{loc.path}/{name}" if name else loc.path
        try:
            now = os.stat(path).st_size if loc.is_local else loc.fs.size(path)
        except FileNotFoundError:
            raise DataError(
                f"the data at {loc.uri} changed after the reference was made: part {name or path!r} is gone. "
                f"Write the data again and use the new reference."
            ) from None
        if size is not None and now != size:
            raise DataError(
                f"the data at {loc.uri} changed after the reference was made: part {name or path!r} is "
                f"{now} bytes, the reference recorded {size}. Write the data again and use the new reference."
            )


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
    found = sorted(fs.find(root))
    if any(f.endswith("/" + INCOMPLETE_MARKER) for f in found):
        raise StorageError(
            f"the data at {uri or path} is incomplete: a frameport write there began but did not finish "
            f"(marker {INCOMPLETE_MARKER}). Write it again, or remove it with `frameport gc`."
        )
    for f in found:
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
