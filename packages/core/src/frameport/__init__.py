"""frameport: the type Python lacks - a dataframe in the abstract.

``import frameport`` is cheap: it imports no pandas, pyarrow, polars or dask, and loads its own
modules on first use of a name (PEP 562). A backend is imported when its first value, type or uri
reaches the registry.
"""

from __future__ import annotations

from ._version import __version__
from .errors import (
    AnnotationError,
    DataError,
    DuplicateHandlerError,
    FrameportError,
    HandlerNotFoundError,
    InvalidReferenceError,
    PluginError,
    SchemaMismatchError,
    StorageError,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .config import configure
    from .handlers import Decoder, Encoder, Part, ReadContext, WriteContext, Written
    from .plugins import Plugin
    from .reader import Reader
    from .reference import DataFrame
    from .registry import REGISTRY, register
    from .runs import Run, run
    from .schema import columns
    from .tasks import Task, task

_LAZY = {
    "DataFrame": "reference",
    "Reader": "reader",
    "columns": "schema",
    "configure": "config",
    "register": "registry",
    "REGISTRY": "registry",
    "Encoder": "handlers",
    "Decoder": "handlers",
    "Part": "handlers",
    "ReadContext": "handlers",
    "WriteContext": "handlers",
    "Written": "handlers",
    "Plugin": "plugins",
    "task": "tasks",
    "Task": "tasks",
    "run": "runs",
    "Run": "runs",
}

__all__ = [
    "__version__",
    "DataFrame",
    "Reader",
    "columns",
    "configure",
    "register",
    "REGISTRY",
    "Encoder",
    "Decoder",
    "Part",
    "ReadContext",
    "WriteContext",
    "Written",
    "Plugin",
    "task",
    "Task",
    "run",
    "Run",
    "FrameportError",
    "AnnotationError",
    "DataError",
    "DuplicateHandlerError",
    "HandlerNotFoundError",
    "PluginError",
    "InvalidReferenceError",
    "SchemaMismatchError",
    "StorageError",
]


_SUBMODULES = (
    "engine",
    "schema",
    "storage",
    "registry",
    "config",
    "testing",
    "tasks",
    "runs",
    "report",
    "provenance",
    "formats",
    "gc",
)


def __getattr__(name: str) -> object:
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'frameport' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{mod}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
