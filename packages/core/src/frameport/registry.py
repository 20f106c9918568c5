"""The handler registry: ``register()`` and lookup by (python type, protocol, format).

Lookup walks the python type's MRO and, for each class, tries ``(protocol, format)``,
``(protocol, any format)``, ``(any protocol, format)``, ``(any protocol, any format)``; the first
handler found wins. Before a lookup, plugins that serve the type's module (or the uri's protocol) are
activated, so backends load lazily. The registry knows no storage and no tasks.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from .errors import DuplicateHandlerError, HandlerNotFoundError
from .handlers import Decoder, Encoder, _Handler
from .plugins import INSTALL_HINTS, Plugin, PluginState, _why, disabled_names, discover_entry_points

__all__ = ["Registry", "REGISTRY", "register"]

Key = tuple[type, "str | None", str]
H = TypeVar("H", bound=_Handler)


def _type_name(t: type) -> str:
    return f"{t.__module__}.{t.__qualname__}"


class Registry:
    def __init__(self, builtins: tuple[Plugin, ...] = ()) -> None:
        self._encoders: dict[Key, Encoder] = {}
        self._decoders: dict[Key, Decoder] = {}
        self._default_formats: dict[type, str] = {}
        self._lock = threading.RLock()
        self._plugins: dict[str, PluginState] = {}
        for p in builtins:
            self._plugins[p.name] = PluginState(p, "builtin")
        self._scanned = False
        self._ready_types: set[type] = set()
        self._ready_protocols: set[str] = set()
        self._loading: str | None = None

    # --- read-only views ------------------------------------------------------------------------

    @property
    def encoders(self) -> Mapping[Key, Encoder]:
        return MappingProxyType(self._encoders)

    @property
    def decoders(self) -> Mapping[Key, Decoder]:
        return MappingProxyType(self._decoders)

    @property
    def default_formats(self) -> Mapping[type, str]:
        return MappingProxyType(self._default_formats)

    def plugins(self, *, load: bool = False) -> list[PluginState]:
        """Every known plugin (built-in and installed); ``load=True`` activates them all first."""
        self._scan()
        if load:
            for name in list(self._plugins):
                self._activate(name)
        return list(self._plugins.values())

    # --- registration ---------------------------------------------------------------------------

    def register(self, handler: _Handler, *, override: bool = False, default_format: bool = False) -> None:
        """Register an :class:`Encoder` and/or :class:`Decoder`.

        A key registered twice is an error unless ``override=True``. The first format registered for
        a python type is its default format unless a later handler says ``default_format=True``.
        """
        if not isinstance(handler, (Encoder, Decoder)):
            raise TypeError(f"register() takes an Encoder or a Decoder, got {handler!r}")
        if self._loading is None:
            # a user's handler: make sure the backend's own handlers are in first, so override works
            self.ensure_type(handler.python_type)
        with self._lock:
            tables: list[dict[Key, Any]] = []
            if isinstance(handler, Encoder):
                tables.append(self._encoders)
            if isinstance(handler, Decoder):
                tables.append(self._decoders)
            for table in tables:
                old = table.get(handler.key)
                if old is not None and old is not handler and not override:
                    raise DuplicateHandlerError(
                        f"a handler for ({_type_name(handler.python_type)}, protocol="
                        f"{handler.protocol or 'any'}, format={handler.format or 'any'}) is already "
                        f"registered: {old!r}; refusing to replace it with {handler!r}. "
                        f"Pass override=True to replace it."
                    )
            for table in tables:
                table[handler.key] = handler
            t = handler.python_type
            if handler.format and (default_format or t not in self._default_formats):
                self._default_formats[t] = handler.format
            if self._loading is not None and self._loading in self._plugins:
                self._plugins[self._loading].handlers.append(repr(handler))

    # --- lookup ---------------------------------------------------------------------------------

    def find_encoder(self, python_type: type, protocol: str, format: str) -> Encoder:  # noqa: A002
        return self._find(self._encoders, "encoder", python_type, protocol, format)

    def find_decoder(self, python_type: type, protocol: str, format: str) -> Decoder:  # noqa: A002
        return self._find(self._decoders, "decoder", python_type, protocol, format)

    def default_format(self, python_type: type) -> str:
        """The default byte format of a python type (walking its MRO); ``"parquet"`` when none is known."""
        self.ensure_type(python_type)
        for cls in python_type.__mro__:
            fmt = self._default_formats.get(cls)
            if fmt is not None:
                return fmt
        return "parquet"

    def handles(self, python_type: type) -> bool:
        """True when some encoder or decoder serves this type (or one of its bases)."""
        self.ensure_type(python_type)
        mro = python_type.__mro__
        return any(k[0] in mro for k in (*self._encoders, *self._decoders))

    def _find(self, table: Mapping[Key, H], kind: str, python_type: type, protocol: str, fmt: str) -> H:
        self.ensure_type(python_type)
        self.ensure_protocol(protocol)
        for cls in python_type.__mro__:
            for key in ((cls, protocol, fmt), (cls, protocol, ""), (cls, None, fmt), (cls, None, "")):
                h = table.get(key)
                if h is not None:
                    return h
        raise HandlerNotFoundError(self._miss_message(table, kind, python_type, protocol, fmt))

    def _miss_message(self, table: Mapping[Key, Any], kind: str, t: type, protocol: str, fmt: str) -> str:
        mro = t.__mro__
        have = [f"({_type_name(k[0])}, protocol={k[1] or 'any'}, format={k[2] or 'any'})" for k in table if k[0] in mro]
        msg = f"no {kind} for {_type_name(t)} with protocol {protocol!r} and format {fmt!r}. "
        msg += f"Registered {kind}s for this type: {', '.join(have)}." if have else f"No {kind}s are registered for it."
        hints = {INSTALL_HINTS[m] for m in (_root(c) for c in mro) if m in INSTALL_HINTS}
        if protocol in INSTALL_HINTS:
            hints.add(INSTALL_HINTS[protocol])
        failed = [s for s in self._plugins.values() if s.status in ("failed", "disabled") and _serves(s, t, protocol)]
        for s in failed:
            msg += f" Plugin {s.plugin.name!r} that would serve it is {s.status}" + (
                f" ({s.error})." if s.error else "."
            )
        if hints and not failed:
            msg += f" To add one: pip install {' '.join(sorted(hints))}."
        elif have:
            msg += f" Use one of those formats, or register an {kind.capitalize()} for this key."
        return msg

    # --- lazy plugin activation -----------------------------------------------------------------

    def ensure_type(self, python_type: type) -> None:
        if python_type in self._ready_types:
            return
        for cls in python_type.__mro__:
            self._ensure_module(_root(cls))
        self._ready_types.add(python_type)

    def ensure_protocol(self, protocol: str) -> None:
        if protocol in self._ready_protocols:
            return
        names = [n for n, s in self._plugins.items() if protocol in s.plugin.protocols]
        if not names:
            self._scan()
            names = [n for n, s in self._plugins.items() if protocol in s.plugin.protocols]
        for n in names:
            self._activate(n)
        self._ready_protocols.add(protocol)

    def _ensure_module(self, module: str) -> None:
        if module in ("builtins", "frameport"):
            return
        names = [n for n, s in self._plugins.items() if module in s.plugin.modules]
        if not names:
            self._scan()
            names = [n for n, s in self._plugins.items() if module in s.plugin.modules]
        for n in names:
            self._activate(n)

    def ensure_value(self, value: object) -> None:
        self.ensure_type(type(value))

    def _scan(self) -> None:
        if self._scanned:
            return
        with self._lock:
            if self._scanned:
                return
            self._scanned = True
            for state in discover_entry_points():
                name = state.plugin.name
                if name in self._plugins and self._plugins[name].source != state.source:
                    warnings.warn(
                        f"frameport plugin name {name!r} from {state.source} is already taken by "
                        f"{self._plugins[name].source}; ignoring the second one",
                        RuntimeWarning,
                        stacklevel=3,
                    )
                    continue
                self._plugins.setdefault(name, state)
            disabled = disabled_names()
            for name, st in self._plugins.items():
                if name in disabled and st.status == "available":
                    st.status = "disabled"
                    st.error = "disabled by FRAMEPORT_DISABLED_PLUGINS"

    def _activate(self, name: str) -> None:
        state = self._plugins[name]
        if state.status != "available":
            return
        if name in disabled_names():
            state.status, state.error = "disabled", "disabled by FRAMEPORT_DISABLED_PLUGINS"
            return
        with self._lock:
            if state.status != "available":
                return
            prev, self._loading = self._loading, name
            prev_target = getattr(_activating, "registry", None)
            _activating.registry = self  # the module-level register() a plugin calls goes to this registry
            state.status = "loading"
            try:
                state.plugin.run_register()
                state.status = "loaded"
            except Exception as exc:  # noqa: BLE001 - a broken plugin must not break the others
                state.status, state.error = "failed", _why(exc)
                warnings.warn(
                    f"frameport plugin {name!r} ({state.source}) failed to register: {state.error}",
                    RuntimeWarning,
                    stacklevel=4,
                )
            finally:
                self._loading = prev
                _activating.registry = prev_target


def _root(cls: type) -> str:
    return cls.__module__.partition(".")[0]


def _serves(state: PluginState, t: type, protocol: str) -> bool:
    mods = {_root(c) for c in t.__mro__}
    return bool(mods & set(state.plugin.modules)) or protocol in state.plugin.protocols


def _builtin_plugins() -> tuple[Plugin, ...]:
    return (
        Plugin(
            name="pyarrow",
            register="frameport._builtin.arrow:register",
            modules=("pyarrow",),
            types=("pyarrow.Table",),
            formats=("parquet", "csv", "arrow"),
            description="pyarrow.Table <-> parquet, csv, Arrow IPC (built in)",
        ),
        Plugin(
            name="pandas",
            register="frameport._builtin.pandas:register",
            modules=("pandas",),
            types=("pandas.DataFrame",),
            formats=("parquet", "csv", "arrow"),
            description="pandas.DataFrame <-> parquet, csv, Arrow IPC (built in)",
        ),
    )


REGISTRY = Registry(_builtin_plugins())


#: the registry whose plugin is registering on this thread (a plugin's register() calls the function below)
_activating = threading.local()


def register(handler: _Handler, override: bool = False, default_format: bool = False) -> None:
    """Register an encoder or decoder with the global registry (see :meth:`Registry.register`); while a
    registry activates a plugin, that plugin's handlers go to the registry activating it."""
    target = getattr(_activating, "registry", None) or REGISTRY
    target.register(handler, override=override, default_format=default_format)
