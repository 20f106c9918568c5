"""frameport plugin for rowframes.RowFrame (kept light: the handlers load on first use)."""
