"""Every error a user can cause is a :class:`FrameportError`.

Messages follow one shape: what was asked, what was found, what to do.
"""

from __future__ import annotations

__all__ = [
    "FrameportError",
    "HandlerNotFoundError",
    "DuplicateHandlerError",
    "SchemaMismatchError",
    "AnnotationError",
    "InvalidReferenceError",
    "StorageError",
    "DataError",
    "PluginError",
]


class FrameportError(Exception):
    """Base class of every error frameport raises for something a user did or has."""


class AnnotationError(FrameportError, TypeError):
    """A type annotation (columns, format) could not be understood."""


class HandlerNotFoundError(FrameportError, LookupError):
    """No encoder or decoder is registered for a (python type, protocol, format)."""


class DuplicateHandlerError(FrameportError, ValueError):
    """A handler was registered for a key that already has one, without ``override=True``."""


class SchemaMismatchError(FrameportError, ValueError):
    """Declared columns or format are not compatible with the stored or produced data."""


class InvalidReferenceError(FrameportError, ValueError):
    """A reference (or its JSON form) is malformed, of an unknown version, or not written yet."""


class StorageError(FrameportError, OSError):
    """The store could not be reached, or a location is missing or incomplete."""


class DataError(FrameportError, ValueError):
    """Stored bytes could not be decoded: corrupt, truncated, or in another format than claimed."""


class PluginError(FrameportError, RuntimeError):
    """A plugin could not be loaded or registered."""
