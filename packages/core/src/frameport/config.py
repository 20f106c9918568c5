"""Configuration: where outputs go (the raw-output prefix) and storage options per protocol.

Sources, later ones winning:

1. defaults - the embedded store is the local folder ``~/.frameport/store``;
2. a TOML file named by ``FRAMEPORT_CONFIG``::

       store = "s3://my-bucket/frameport"
       [storage.s3]
       client_kwargs = { endpoint_url = "http://127.0.0.1:9000" }

3. environment: ``FRAMEPORT_STORE`` (the prefix) and ``FRAMEPORT_STORAGE_OPTIONS`` (JSON,
   ``{"s3": {...}}``);
4. :func:`configure` calls in this process.

Options given to a single reference (``DataFrame(..., storage_options=...)``) override all of these
for that reference and are never written into its JSON form.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from .errors import FrameportError

__all__ = ["Config", "current", "configure", "DEFAULT_STORE"]

DEFAULT_STORE = os.path.join(os.path.expanduser("~"), ".frameport", "store")


@dataclass(frozen=True)
class Config:
    store: str = DEFAULT_STORE
    storage_options: dict[str, dict[str, Any]] = field(default_factory=dict)

    def options_for(self, protocol: str) -> dict[str, Any]:
        return dict(self.storage_options.get(protocol, {}))

    def __repr__(self) -> str:  # storage options may hold credentials: show only which protocols have some
        return f"Config(store={self.store!r}, storage_options for {sorted(self.storage_options)})"


_overrides: dict[str, Any] = {}
_cache: tuple[tuple[Any, ...], Config] | None = None


def configure(*, store: str | None = None, storage_options: dict[str, dict[str, Any]] | None = None) -> None:
    """Override the store prefix and/or storage options for this process (``None`` leaves them)."""
    global _cache
    if store is not None:
        _overrides["store"] = store
    if storage_options is not None:
        merged = dict(_overrides.get("storage_options", {}))
        merged.update(storage_options)
        _overrides["storage_options"] = merged
    _cache = None


def reset() -> None:
    """Forget every :func:`configure` override."""
    global _cache
    _overrides.clear()
    _cache = None


def current() -> Config:
    """The configuration in effect now (cached until the environment or an override changes)."""
    global _cache
    env = os.environ
    key = (env.get("FRAMEPORT_CONFIG"), env.get("FRAMEPORT_STORE"), env.get("FRAMEPORT_STORAGE_OPTIONS"))
    if _cache is not None and _cache[0] == key:
        return _cache[1]
    store = DEFAULT_STORE
    options: dict[str, dict[str, Any]] = {}
    path = key[0]
    if path:
        data = _read_toml(path)
        store = str(data.get("store", store))
        for proto, opts in dict(data.get("storage", {})).items():
            options[proto] = dict(opts)
    if key[1]:
        store = key[1]
    if key[2]:
        try:
            env_opts = json.loads(key[2])
            if not isinstance(env_opts, dict) or not all(isinstance(v, dict) for v in env_opts.values()):
                raise ValueError("expected an object of protocol -> options object")
        except ValueError as exc:
            raise FrameportError(
                f"FRAMEPORT_STORAGE_OPTIONS is not valid: {exc}. Set it to JSON such as "
                '{"s3": {"client_kwargs": {"endpoint_url": "http://127.0.0.1:9000"}}}'
            ) from None
        for proto, opts in env_opts.items():
            options.setdefault(proto, {}).update(opts)
    store = _overrides.get("store", store)
    for proto, opts in _overrides.get("storage_options", {}).items():
        options.setdefault(proto, {}).update(opts)
    cfg = Config(store=store, storage_options=options)
    _cache = (key, cfg)
    return cfg


def _read_toml(path: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise FrameportError(
            f"FRAMEPORT_CONFIG names {path!r}, which does not exist; create it or unset FRAMEPORT_CONFIG"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise FrameportError(f"the config file {path!r} is not valid TOML: {exc}; fix or remove it") from None
