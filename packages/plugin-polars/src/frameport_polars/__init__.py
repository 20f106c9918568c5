"""frameport-polars: ``polars.DataFrame`` and ``polars.LazyFrame`` as frameport dataframes.

Nothing needs importing: the ``frameport.plugins`` entry point registers the handlers the first time a
polars value or type reaches frameport. See :mod:`frameport_polars.handlers` for the semantics.
"""

from ._version import __version__

__all__ = ["__version__"]
