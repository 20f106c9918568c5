from frameport.plugins import Plugin

PLUGIN = Plugin(
    name="rowframes",
    register="frameport_rowframes.handlers:register",
    modules=("rowframes",),
    types=("rowframes.RowFrame",),
    formats=("jsonl",),
    description="rowframes.RowFrame <-> JSON lines (test plugin)",
)
