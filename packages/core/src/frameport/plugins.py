"""Plugins: small objects that say what a backend serves and how to register its handlers.

A backend package declares one in the entry-point group ``frameport.plugins``::

    [project.entry-points."frameport.plugins"]
    polars = "frameport_polars.plugin:PLUGIN"

where ``PLUGIN = frameport.Plugin(name="polars", modules=("polars",), register="frameport_polars.handlers:register")``.
Loading the entry point imports only that small module; ``register`` (which imports the backend
library) runs the first time a value or type from one of ``modules``, or a uri with one of
``protocols``, reaches the registry. The built-in pandas and pyarrow handlers are plugins of the
same kind. Entry points are read once, on the first miss of the built-ins, and cached.

A plugin that fails to import or register is reported with a warning and in ``frameport plugins``;
the others keep working. ``FRAMEPORT_DISABLED_PLUGINS=a,b`` disables plugins by name.
"""

from __future__ import annotations

import importlib
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import PluginError

__all__ = ["Plugin", "PluginState", "ENTRY_POINT_GROUP", "INSTALL_HINTS"]

ENTRY_POINT_GROUP = "frameport.plugins"

#: Backends we know of, by top-level module or uri protocol, and the distribution that adds them.
INSTALL_HINTS: dict[str, str] = {
    "polars": "frameport-polars",
    "dask": "frameport-dask",
    "bq": "frameport-bigquery",
    "bigquery": "frameport-bigquery",
    "s3": "s3fs",
    "gs": "gcsfs",
    "gcs": "gcsfs",
    "abfs": "adlfs",
    "az": "adlfs",
}


@dataclass(frozen=True)
class Plugin:
    """What a backend serves and where its ``register()`` function lives (``"module:function"``)."""

    name: str
    register: str | Callable[[], None]
    modules: tuple[str, ...] = ()
    protocols: tuple[str, ...] = ()
    types: tuple[str, ...] = ()  # for display: "polars.DataFrame", ...
    formats: tuple[str, ...] = ()  # for display
    description: str = ""

    def run_register(self) -> None:
        fn = self.register
        if isinstance(fn, str):
            mod, _, attr = fn.partition(":")
            fn = getattr(importlib.import_module(mod), attr or "register")
        fn()


@dataclass
class PluginState:
    plugin: Plugin
    source: str  # "builtin" or the distribution that published it
    status: str = "available"  # available | loaded | failed | disabled
    error: str = ""
    handlers: list[str] = field(default_factory=list)


def disabled_names() -> set[str]:
    raw = os.environ.get("FRAMEPORT_DISABLED_PLUGINS", "")
    return {n.strip() for n in raw.split(",") if n.strip()}


def discover_entry_points() -> list[PluginState]:
    """Read the ``frameport.plugins`` entry points; a broken one becomes a ``failed`` state, not an error."""
    from importlib.metadata import entry_points

    found: list[PluginState] = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(getattr(ep, "dist", None), "name", None) or ep.value
        try:
            obj = ep.load()
            if callable(obj) and not isinstance(obj, Plugin):
                obj = obj()
            if not isinstance(obj, Plugin):
                raise PluginError(f"entry point {ep.name} = {ep.value} is {obj!r}, not a frameport.Plugin")
            found.append(PluginState(obj, dist))
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break the others
            state = PluginState(Plugin(name=ep.name, register=ep.value), dist, "failed", _why(exc))
            warnings.warn(
                f"frameport plugin {ep.name!r} from {dist} could not be loaded: {state.error}",
                RuntimeWarning,
                stacklevel=2,
            )
            found.append(state)
    return found


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
