"""The ``frameport`` command.

    frameport plugins [--load] [--json]             installed plugins: what they handle, loaded or not, why broken
    frameport inspect URI_OR_REF [--columns a,b] [--limit N] [--format F] [--json]
    frameport runs [--json]                         the runs on the configured store, newest first
    frameport runs show NAME [--json]               a run's boundaries
    frameport runs open NAME                        the path of a run's HTML report (rendered if needed)
    frameport gc [PREFIX] [--older-than 1h] [--dry-run]   remove leftovers of interrupted writes

``URI_OR_REF`` is a uri or path, a reference's JSON (``ref.to_dict()``), or a file holding that JSON.
A user error prints one sentence to stderr and exits with 1; there is no traceback for those.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from .errors import FrameportError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        args.func(args)
    except FrameportError as exc:
        print(f"frameport: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `frameport runs | head`
        return 0
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="frameport", description="Inspect frameport plugins, data and runs.")
    sub = p.add_subparsers(title="commands")

    pl = sub.add_parser("plugins", help="installed plugins and what they handle")
    pl.add_argument("--load", action="store_true", help="activate every plugin (imports its library) to check it")
    pl.add_argument("--json", action="store_true", help="machine-readable output")
    pl.set_defaults(func=_plugins)

    ins = sub.add_parser("inspect", help="format, schema, rows, size and first rows of stored data")
    ins.add_argument("target", metavar="URI_OR_REF", help="a uri/path, a reference's JSON, or a file holding it")
    ins.add_argument("--columns", help="comma-separated columns to show (only these are read)")
    ins.add_argument("--limit", type=int, default=10, help="rows to show (default 10)")
    ins.add_argument("--format", default="", help="the data's format when the uri does not tell (parquet, csv, arrow)")
    ins.add_argument("--json", action="store_true", help="machine-readable output")
    ins.set_defaults(func=_inspect)

    rn = sub.add_parser("runs", help="runs recorded on the configured store")
    rn.add_argument("--json", action="store_true", help="machine-readable output")
    rn.set_defaults(func=_runs_list)
    rsub = rn.add_subparsers(title="runs commands")
    show = rsub.add_parser("show", help="a run's boundaries")
    show.add_argument("name")
    show.add_argument("--json", action="store_true", help="the run record as JSON")
    show.set_defaults(func=_runs_show)
    op = rsub.add_parser("open", help="path of a run's HTML report")
    op.add_argument("name")
    op.add_argument("--refresh", action="store_true", help="render the report again")
    op.set_defaults(func=_runs_open)
    gc = sub.add_parser("gc", help="remove leftovers of interrupted writes (staging files, incomplete uploads)")
    gc.add_argument("prefix", nargs="?", help="where to look (default: the configured store)")
    gc.add_argument("--older-than", default="1h", help="age to remove from: 30s, 10m, 1h, 2d (default 1h)")
    gc.add_argument("--dry-run", action="store_true", help="list what would be removed, remove nothing")
    gc.set_defaults(func=_gc)
    return p


# --- gc ------------------------------------------------------------------------------------------

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _gc(args: argparse.Namespace) -> None:
    from . import gc

    text = str(args.older_than).strip().lower()
    try:
        seconds = float(text[:-1]) * _UNITS[text[-1]] if text and text[-1] in _UNITS else float(text)
    except ValueError:
        raise FrameportError(f"--older-than {args.older_than!r} is not an age; use e.g. 30s, 10m, 1h or 2d") from None
    removed = gc.collect(args.prefix, older_than=seconds, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    for uri in removed:
        print(f"{verb} {uri}")
    print(f"{verb} {len(removed)} leftover(s)")


# --- plugins -------------------------------------------------------------------------------------


def _plugins(args: argparse.Namespace) -> None:
    from .registry import REGISTRY

    states = REGISTRY.plugins(load=args.load)
    rows = [
        {
            "name": s.plugin.name,
            "source": s.source,
            "status": s.status,
            "types": list(s.plugin.types),
            "modules": list(s.plugin.modules),
            "protocols": list(s.plugin.protocols),
            "formats": list(s.plugin.formats),
            "handlers": list(s.handlers),
            "error": s.error,
        }
        for s in states
    ]
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    for r in rows:
        print(f"{r['name']}  [{r['status']}]  from {r['source']}")
        print(f"    types: {', '.join(r['types']) or '-'}")
        if r["protocols"]:
            print(f"    protocols: {', '.join(r['protocols'])}")
        print(f"    formats: {', '.join(r['formats']) or '-'}")
        if r["error"]:
            print(f"    error: {r['error']}")
    if not args.load:
        print("\n(plugins are loaded when their first value, type or uri appears; --load loads them all now)")


# --- inspect -------------------------------------------------------------------------------------


def _reference(target: str, fmt: str) -> Any:
    from .reference import DataFrame

    text = target.strip()
    if not text.startswith("{") and text.endswith(".json") and os.path.isfile(text):
        with open(text, encoding="utf-8") as f:
            text = f.read().strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise FrameportError(
                f"the reference JSON given is not valid JSON ({exc}); pass ref.to_dict() as JSON"
            ) from None
        return DataFrame.from_dict(data)
    return DataFrame(uri=target, format=fmt)


def _inspect(args: argparse.Namespace) -> None:
    import pyarrow as pa

    from . import engine, storage

    ref = _reference(args.target, args.format)
    columns = [c.strip() for c in args.columns.split(",") if c.strip()] if args.columns else None
    schema = ref.schema
    loc = storage.resolve(ref.uri or "", ref.storage_options)
    fmt = ref.format or engine._infer_format(loc)
    limit = max(0, int(args.limit))
    head: pa.Table | None = None
    rows = ref.num_rows
    if limit or rows is None:
        batches = ref.open(pa.Table, columns=columns).iter_sync(batch_size=max(limit, 1))
        first = next(batches, None)
        head = first.slice(0, limit) if first is not None else None
        if rows is None:  # data written elsewhere: count by streaming (one column only)
            count_cols = columns[:1] if columns else (schema.names[:1] if schema is not None else None)
            rows = sum(b.num_rows for b in ref.open(pa.Table, columns=count_cols).iter_sync())
    size = ref.metadata.get("bytes")
    if size is None:
        try:
            size = int(loc.fs.du(loc.path))
        except Exception:  # noqa: BLE001 - size is informative only
            size = None
    shown = schema if columns is None or schema is None else pa.schema([schema.field(c) for c in columns])
    if args.json:
        print(
            json.dumps(
                {
                    "uri": ref.uri,
                    "format": fmt,
                    "num_rows": rows,
                    "bytes": size,
                    "schema": [{"name": f.name, "type": str(f.type)} for f in shown] if shown is not None else None,
                    "rows": head.to_pylist() if head is not None else [],
                },
                indent=1,
                default=str,
            )
        )
        return
    print(f"uri:     {ref.uri}")
    print(f"format:  {fmt}")
    print(f"rows:    {rows}")
    print(f"size:    {size if size is not None else '?'} bytes")
    if shown is not None:
        print("schema:")
        for f in shown:
            print(f"    {f.name}: {f.type}")
    if head is not None and head.num_rows:
        print(f"first {head.num_rows} rows:")
        print(_text_table(head))


def _text_table(table: Any) -> str:
    from .report import cell

    names = table.column_names
    cells = [[cell(v) for v in row.values()] for row in table.to_pylist()]
    widths = [min(40, max([len(n)] + [len(r[i]) for r in cells])) for i, n in enumerate(names)]
    line = "  ".join(n.ljust(w)[:w] for n, w in zip(names, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w)[:w] for c, w in zip(r, widths)) for r in cells]
    return "\n".join(out)


# --- runs ----------------------------------------------------------------------------------------


def _runs_list(args: argparse.Namespace) -> None:
    from . import runs

    records = runs.list_runs()
    if args.json:
        print(json.dumps([_summary(r) for r in records], indent=1))
        return
    if not records:
        print(f"no runs under {runs.runs_uri()}")
        return
    for r in records:
        s = _summary(r)
        print(f"{s['name']}  {s['status']}  {s['started_at']}  tasks={s['tasks']}  dataframes={s['boundaries']}")


def _summary(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": r.get("name"),
        "status": r.get("status"),
        "started_at": r.get("started_at"),
        "tasks": len(r.get("calls", [])),
        "boundaries": len(r.get("boundaries", [])),
    }


def _runs_show(args: argparse.Namespace) -> None:
    from . import runs

    r = runs.load_record(args.name)
    if args.json:
        print(json.dumps(r, indent=1))
        return
    print(f"run {r['name']}: {r.get('status')}, started {r.get('started_at')}, finished {r.get('finished_at')}")
    if r.get("error"):
        print(f"error: {r['error']}")
    for b in r.get("boundaries", []):
        ref = b.get("reference", {})
        meta = ref.get("metadata", {}) or {}
        print(
            f"  {b.get('task')} #{b.get('call')} {b.get('direction'):6} {b.get('name'):10} "
            f"{ref.get('format', ''):8} rows={meta.get('num_rows')} {ref.get('uri')}"
        )


def _runs_open(args: argparse.Namespace) -> None:
    from . import report, runs

    url = report.ensure(runs.load_record(args.name), refresh=args.refresh)
    print(url.removeprefix("file://"))


if __name__ == "__main__":
    sys.exit(main())
