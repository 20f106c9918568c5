"""The entry point object: cheap to import (no polars); ``register`` runs on first use of a polars type."""

from frameport.plugins import Plugin

PLUGIN = Plugin(
    name="polars",
    register="frameport_polars.handlers:register",
    modules=("polars",),
    types=("polars.DataFrame", "polars.LazyFrame"),
    formats=("parquet", "csv", "arrow"),
    description="polars DataFrame (eager) and LazyFrame (scans in, streaming sinks out)",
)
