"""A run's report: one self-contained HTML page (no scripts, no external assets) a person can open.

It shows the run (name, status, times), its task calls in order, and for every dataframe that crossed a
boundary: task, argument or output, uri, format, row count, size, schema and the first rows. The first
rows are read when the report is rendered (only the first batch of each reference); a reference whose
data is gone shows why instead.
"""

from __future__ import annotations

import html
import os
from typing import Any

from . import config, storage
from .errors import FrameportError

__all__ = ["ensure", "render", "report_path", "PREVIEW_ROWS"]

PREVIEW_ROWS = 5


def report_path(record: dict[str, Any]) -> str:
    """Local path of the report: beside the record on a local store, else under ``~/.frameport/reports``."""
    store = str(record.get("store") or config.current().store)
    if storage.protocol_of(store) == "file":
        base = storage.resolve(store).path
        return os.path.join(base, "_runs", record["name"], "report.html")
    return os.path.join(os.path.expanduser("~"), ".frameport", "reports", f"{record['name']}.html")


def ensure(record: dict[str, Any], *, refresh: bool = False) -> str:
    """Render the report if needed; return its ``file://`` URL."""
    path = report_path(record)
    if refresh or not os.path.exists(path) or record.get("status") == "running":
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(render(record))
        os.replace(tmp, path)
    return "file://" + os.path.abspath(path)


def render(record: dict[str, Any]) -> str:
    from .reference import DataFrame

    name = str(record.get("name", "?"))
    out = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>frameport run {_e(name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Run {_e(name)}</h1>",
        "<p class='meta'>",
        f"pipeline <b>{_e(record.get('function'))}</b> &middot; status <b class='{_e(record.get('status'))}'>"
        f"{_e(record.get('status'))}</b> &middot; started {_e(record.get('started_at'))} &middot; finished "
        f"{_e(record.get('finished_at'))} &middot; store <code>{_e(record.get('store'))}</code></p>",
    ]
    if record.get("error"):
        out.append(f"<p class='error'>{_e(record['error'])}</p>")
    out.append("<h2>Tasks</h2><table><tr><th>#</th><th>task</th><th>status</th><th>seconds</th></tr>")
    for c in record.get("calls", []):
        secs = c.get("seconds")
        out.append(
            f"<tr><td>{c.get('index')}</td><td>{_e(c.get('task'))}</td><td>{_e(c.get('status'))}"
            f"{' - ' + _e(c.get('error')) if c.get('error') else ''}</td>"
            f"<td>{'' if secs is None else f'{secs:.3f}'}</td></tr>"
        )
    out.append("</table><h2>Dataframes that crossed a boundary</h2>")
    previews: dict[str, str] = {}
    for b in record.get("boundaries", []):
        d = b.get("reference", {})
        uri = str(d.get("uri", ""))
        meta = d.get("metadata", {}) or {}
        try:
            ref = DataFrame.from_dict(d)
            schema = ref.known_schema
        except FrameportError as exc:
            ref, schema = None, None
            previews.setdefault(uri, f"<p class='error'>{_e(exc)}</p>")
        out.append(
            f"<section><h3>{_e(b.get('task'))} #{b.get('call')} &middot; {_e(b.get('direction'))} "
            f"<code>{_e(b.get('name'))}</code></h3><table class='kv'>"
            f"<tr><th>uri</th><td><code>{_e(uri)}</code></td></tr>"
            f"<tr><th>format</th><td>{_e(d.get('format'))}</td></tr>"
            f"<tr><th>rows</th><td>{_e(meta.get('num_rows'))}</td></tr>"
            f"<tr><th>size</th><td>{_e(_size(meta.get('bytes')))}</td></tr>"
            f"<tr><th>written by</th><td>{_e(meta.get('writer'))}</td></tr>"
            f"<tr><th>schema</th><td>{_schema_html(schema)}</td></tr></table>"
        )
        if uri not in previews and ref is not None:
            previews[uri] = _preview_html(ref)
        out.append(f"<h4>first rows</h4>{previews.get(uri, '')}</section>")
    out.append("</body></html>")
    return "\n".join(out)


def _preview_html(ref: Any) -> str:
    import pyarrow as pa

    from . import engine

    try:
        batches = engine.iter_decode(ref, pa.Table, batch_size=PREVIEW_ROWS)
        first = next(iter(batches), None)
        if hasattr(batches, "close"):
            batches.close()
    except FrameportError as exc:
        return f"<p class='error'>not readable now: {_e(exc)}</p>"
    if first is None:
        return "<p>(no rows)</p>"
    table = first.slice(0, PREVIEW_ROWS)
    head = "".join(f"<th>{_e(n)}</th>" for n in table.column_names)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_e(cell(v))}</td>" for v in row.values()) + "</tr>" for row in table.to_pylist()
    )
    return f"<table class='rows'><tr>{head}</tr>{rows}</table>"


def _schema_html(schema: Any) -> str:
    if schema is None:
        return "(unknown)"
    return "<br>".join(f"<code>{_e(f.name)}</code>: {_e(f.type)}" for f in schema)


def cell(v: Any) -> str:
    """A value as a table cell shows it (also used by ``frameport inspect``)."""
    if v is None:
        return "null"
    if isinstance(v, float) and v != v:
        return "NaN"
    return str(v)


def _size(n: Any) -> str:
    if not isinstance(n, int | float):
        return "?"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return "?"


def _e(v: Any) -> str:
    return html.escape("" if v is None else str(v))


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}
section{border-top:2px solid #ddd;margin-top:1.5em}
.error{color:#a00}.failed{color:#a00}.succeeded{color:#070}
code{font-size:.95em}
"""
