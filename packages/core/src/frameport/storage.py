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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import config
from .errors import FrameportError, StorageError

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
    fs: AbstractFileSystem = field(repr=False)
    storage_options: dict[str, Any] = field(repr=False)  # may hold credentials: never printed

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


#: bounded waits for S3 (botocore's defaults retry an unreachable endpoint for minutes); options win
S3_CONFIG_DEFAULTS: dict[str, Any] = {"connect_timeout": 5, "read_timeout": 60, "retries": {"max_attempts": 2}}


def filesystem(protocol: str, storage_options: dict[str, Any] | None = None) -> AbstractFileSystem:
    """The fsspec filesystem for a protocol with the configured options merged with ``storage_options``."""
    import fsspec

    opts = config.current().options_for(protocol)
    if storage_options:
        opts.update(storage_options)
    if protocol == "s3":
        opts["config_kwargs"] = {**S3_CONFIG_DEFAULTS, **dict(opts.get("config_kwargs") or {})}
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
        _guard_store(loc, lambda: fs.pipe_file(f"{loc.path}/{MANIFEST}", manifest.encode()))
        _guard_store(loc, lambda: fs.rm_file(marker))
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
    except FrameportError:
        raise
    except Exception as exc:  # noqa: BLE001 - classified into a frameport error below
        raise failure(exc, loc.uri, "write to", loc.storage_options) from None


_CONNECTION_ERRORS = ("ClientConnectorError", "EndpointConnectionError", "ConnectTimeoutError", "ServerTimeoutError")
_CREDENTIAL_ERRORS = ("NoCredentialsError", "PartialCredentialsError", "InvalidAccessKeyId", "SignatureDoesNotMatch")


def endpoint_of(options: dict[str, Any]) -> str | None:
    """The endpoint a store's options (or the standard environment) point at, for error messages."""
    client = options.get("client_kwargs") or {}
    return (
        client.get("endpoint_url")
        or options.get("endpoint_url")
        or os.environ.get("AWS_ENDPOINT_URL_S3")
        or os.environ.get("AWS_ENDPOINT_URL")
    )


_SECRET_WORDS = ("secret", "token", "password", "passwd", "credential", "account_key", "sas", "private")
_SECRET_ENV = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AZURE_STORAGE_KEY", "AZURE_STORAGE_SAS_TOKEN")


def _secrets(options: dict[str, Any] | None) -> set[str]:
    found: set[str] = set()

    def walk(d: Any) -> None:
        if isinstance(d, dict):
            for k, v in d.items():
                if isinstance(v, str) and len(v) >= 4 and any(w in str(k).lower() for w in _SECRET_WORDS):
                    found.add(v)
                else:
                    walk(v)

    walk(options or {})
    walk(config.current().storage_options)
    found.update(v for k in _SECRET_ENV if len(v := os.environ.get(k, "")) >= 4)
    return found


def redact(text: str, options: dict[str, Any] | None = None) -> str:
    """``text`` with every known secret (from storage options and the standard environment) as ``***``."""
    for secret in sorted(_secrets(options), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def failure(exc: BaseException, uri: str, doing: str, options: dict[str, Any] | None = None) -> FrameportError:
    """A library's storage exception as a frameport error that says what to do (no credentials in it)."""
    err = _classify(exc, uri, doing, options)
    return type(err)(redact(str(err), options))


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and what caused it (at most 8 deep)."""
    chain: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and len(chain) < 8:
        chain.append(e)
        e = e.__cause__ or e.__context__
    return chain


_STORE_LIBRARIES = ("botocore", "aiohttp", "aiobotocore", "google", "azure")


def is_store_error(exc: BaseException) -> bool:
    """An error of the store (unreachable, credentials, missing bucket, permissions), not of the data.

    pyarrow's own errors are about the data even when they are ``OSError``s (a corrupt snappy page)."""
    for e in _chain(exc):
        top = type(e).__module__.partition(".")[0]
        if top == "pyarrow":
            return False
        if isinstance(e, OSError | ConnectionError | TimeoutError) or top in _STORE_LIBRARIES:
            return True
    return False


def _classify(exc: BaseException, uri: str, doing: str, options: dict[str, Any] | None) -> FrameportError:
    chain = _chain(exc)
    names = {type(x).__name__ for x in chain} | {str(getattr(x, "code", "")) for x in chain}
    text = " ".join(str(x) for x in chain)
    endpoint = endpoint_of(options or {})
    where = f" at {endpoint}" if endpoint else ""
    if names & set(_CREDENTIAL_ERRORS) or "Unable to locate credentials" in text:
        return StorageError(
            f"cannot {doing} {uri}: no valid credentials for the store{where} ({type(exc).__name__}). "
            f"Set them in frameport's storage options or the standard environment variables (e.g. AWS_ACCESS_KEY_ID)."
        )
    if "NoSuchBucket" in names or "NoSuchBucket" in text or "bucket does not exist" in text.lower():
        bucket = uri.split("://", 1)[-1].split("/", 1)[0]
        return StorageError(f"cannot {doing} {uri}: the bucket {bucket!r} does not exist{where}. Create it first.")
    if names & set(_CONNECTION_ERRORS) or any(isinstance(x, ConnectionError | TimeoutError) for x in chain):
        return StorageError(
            f"cannot {doing} {uri}: the store{where or ''} cannot be reached ({type(exc).__name__}: {exc}). "
            f"Check the endpoint and the network."
        )
    if any(isinstance(x, PermissionError) for x in chain) or "AccessDenied" in names:
        return StorageError(f"cannot {doing} {uri}: permission denied{where}. Check the credentials and their rights.")
    if any(isinstance(x, FileNotFoundError) for x in chain):
        return StorageError(f"cannot {doing} {uri}: {exc}. Check that the bucket or folder exists.")
    return StorageError(f"cannot {doing} {uri}: {type(exc).__name__}: {exc}")


def _rename_into_place(fs: AbstractFileSystem, staging: str, loc: Location) -> None:
    target = loc.path
    if loc.is_local:
        # A rename onto a missing path (or a file onto a file) is atomic. A directory that exists - the user
        # named a location holding data - is moved aside first, then dropped. Writers racing for one
        # location retry until their rename lands; the last one wins and the others' references then
        # fail their integrity check instead of reading someone else's data.
        for _ in range(1000):
            try:
                os.rename(staging, target)
                return
            except OSError:
                if not os.path.lexists(target):
                    if not os.path.lexists(staging):
                        raise
                    continue
            old = f"{target}.frameport-old-{uuid.uuid4().hex[:8]}"
            try:
                os.rename(target, old)
            except FileNotFoundError:
                continue  # another writer moved it: try again
            _remove_quietly(fs, old)
        raise StorageError(f"could not publish {loc.uri}: other writers kept replacing it; write it again")
    if fs.exists(target):
        fs.rm(target, recursive=True)
    fs.mv(staging, target, recursive=True)


def _version_of(info: dict[str, Any]) -> str | None:
    """What a store says identifies one version of an object: ETag (S3), md5/crc32c (GCS, Azure), else None."""
    for key in ("ETag", "etag", "md5Hash", "crc32c", "content_md5", "version_id", "VersionId"):
        v = info.get(key)
        if v:
            return f"{key}:{str(v).strip(chr(34))}"
    return None


def fingerprints(loc: Location, names: list[str], path: str | None = None) -> dict[str, tuple[int, str | None]]:
    """(size, version) of each part at ``path`` (default: the location's): one ``stat`` per part on local
    disk (the modification time in ns stands for the version: any rewrite changes it, a rename keeps it),
    one listing on object stores (ETags)."""
    root = path or loc.path
    out: dict[str, tuple[int, str | None]] = {}
    if loc.is_local:
        for n in names:
            st = os.stat(f"{root}/{n}" if n else root)
            out[n] = (st.st_size, f"mtime_ns:{st.st_mtime_ns}:ino:{st.st_ino}")
        return out
    fs = loc.fs
    if names == [""]:
        fs.invalidate_cache(root)
        info = fs.info(root)
        return {"": (int(info.get("size") or 0), _version_of(info))}
    fs.invalidate_cache(root)
    listing = {i["name"].rstrip("/").rpartition("/")[2]: i for i in fs.ls(root, detail=True)}
    for n in names:
        info = listing.get(n.rpartition("/")[2]) if "/" not in n else None
        if info is None:
            info = fs.info(f"{root}/{n}")
        out[n] = (int(info.get("size") or 0), _version_of(info))
    return out


def check_parts(loc: Location, parts: list[dict[str, Any]]) -> None:
    """Raise :class:`DataError` when a part a reference lists is gone or changed since it was written
    (its size, or its version: the modification time on local disk, the ETag on object stores)."""
    from .errors import DataError

    def changed(name: str, what: str) -> DataError:
        return DataError(
            f"the data at {loc.uri} changed after the reference was made: part {name!r} {what}. "
            f"Write the data again and use the new reference (or refer to the new data by its uri alone)."
        )

    names = [str(p.get("name", "")) for p in parts]
    try:
        now = fingerprints(loc, names)
    except FileNotFoundError:
        now = {}
    except Exception as exc:  # noqa: BLE001 - unreachable store, credentials, ...
        raise failure(exc, loc.uri, "read", loc.storage_options) from None
    for p, name in zip(parts, names):
        if name not in now:
            try:
                now.update(fingerprints(loc, [name]))
            except FileNotFoundError:
                raise changed(name or loc.path, "is gone") from None
        size, version = now[name]
        if p.get("size") is not None and size != p["size"]:
            raise changed(name or loc.path, f"is {size} bytes, the reference recorded {p['size']}")
        if p.get("version") and version and version != p["version"]:
            raise changed(name or loc.path, f"was rewritten (its {version.split(':')[0]} differs)")


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
        raise failure(exc, uri or path, "read", getattr(fs, "storage_options", None)) from None
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
