"""``frameport.run(fn)``: run a pipeline, record every boundary, persist the run record.

A run's record is JSON at ``<store>/_runs/<name>/run.json`` - next to the data, on whatever store is
configured - and its report is a self-contained HTML page (``run.url``, a ``file://`` URL): in the same
folder when the store is local, else under ``~/.frameport/reports/``. The report is rendered on first
use of ``run.url`` (or ``frameport runs open NAME``), so a run pays only for writing its JSON.

Choices: the run's name is ``<function>-<UTC time>-<6 hex>``; ``run.outputs`` is what ``fn`` returned
(as its caller receives it); a failing pipeline still persists its record (status ``failed`` and the
error) and then re-raises.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as _dt
import inspect
import json
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import config, storage
from .errors import FrameportError, InvalidReferenceError, StorageError

if TYPE_CHECKING:
    from .reference import DataFrame

__all__ = ["Run", "Boundary", "Call", "run", "current", "list_runs", "load_record", "RECORD_VERSION"]

RECORD_VERSION = 1
RUNS_FOLDER = "_runs"

_current: contextvars.ContextVar[Run | None] = contextvars.ContextVar("frameport_run", default=None)


@dataclass
class Call:
    """One call of a task within a run."""

    task: str
    index: int
    started: float
    seconds: float | None = None
    status: str = "running"
    error: str | None = None


@dataclass(frozen=True)
class Boundary:
    """A dataframe that crossed a task boundary: which task, which argument or output, which reference."""

    task: str
    call: int
    direction: str  # "input" or "output"
    name: str  # the parameter name, or o0, o1, ... for outputs
    ref: DataFrame


@dataclass
class Run:
    name: str
    function: str
    store: str
    started_at: str
    finished_at: str | None = None
    status: str = "running"
    error: str | None = None
    outputs: Any = None
    calls: list[Call] = field(default_factory=list)
    boundaries: list[Boundary] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def record_uri(self) -> str:
        return f"{storage.normalize_uri(self.store)}/{RUNS_FOLDER}/{self.name}/run.json"

    @property
    def url(self) -> str:
        """``file://`` URL of the run's HTML report (rendered now if it is not there yet)."""
        from . import report

        return report.ensure(self.to_record())

    def to_record(self) -> dict[str, Any]:
        with self._lock:
            calls = list(self.calls)
            boundaries = list(self.boundaries)
        return {
            "version": RECORD_VERSION,
            "name": self.name,
            "function": self.function,
            "store": self.store,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "status": self.status,
            "error": self.error,
            "calls": [
                {"task": c.task, "index": c.index, "seconds": c.seconds, "status": c.status, "error": c.error}
                for c in calls
            ],
            "boundaries": [
                {"task": b.task, "call": b.call, "direction": b.direction, "name": b.name, "reference": b.ref.to_dict()}
                for b in boundaries
            ],
        }

    def __repr__(self) -> str:
        return f"Run({self.name!r}, status={self.status!r}, boundaries={len(self.boundaries)})"


# --- recording (called by tasks) -----------------------------------------------------------------


def current() -> Run | None:
    """The run this code executes in, if any."""
    return _current.get()


def begin_call(task: str) -> Call | None:
    r = _current.get()
    if r is None:
        return None
    with r._lock:
        c = Call(task, len(r.calls), time.perf_counter())
        r.calls.append(c)
    return c


def end_call(call: Call | None, error: BaseException | None) -> None:
    if call is None:
        return
    call.seconds = time.perf_counter() - call.started
    call.status = "failed" if error is not None else "succeeded"
    if error is not None:
        call.error = f"{type(error).__name__}: {error}"


def record(call: Call | None, direction: str, name: str, ref: DataFrame) -> None:
    r = _current.get()
    if r is None or call is None:
        return
    with r._lock:
        r.boundaries.append(Boundary(call.task, call.index, direction, name, ref))


# --- running -------------------------------------------------------------------------------------


def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Run:
    """Run ``fn`` (a task or a plain function, sync or async) as a pipeline and return its :class:`Run`.

    Data goes to the configured store (the embedded local folder by default). Works from plain code and
    from inside a running event loop (the pipeline then runs on its own loop in a worker thread).
    """
    if not callable(fn):
        raise FrameportError(f"frameport.run() takes the pipeline function, got {fn!r}")
    fname = re.sub(r"[^A-Za-z0-9_.-]+", "_", getattr(fn, "__name__", None) or type(fn).__name__).strip("_") or "run"
    now = _dt.datetime.now(_dt.timezone.utc)
    name = f"{fname}-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    r = Run(name=name, function=fname, store=config.current().store, started_at=now.isoformat(timespec="seconds"))
    token = _current.set(r)
    try:
        r.outputs = _execute(fn, args, kwargs)
        r.status = "succeeded"
    except BaseException as exc:
        r.status = "failed"
        r.error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        _current.reset(token)
        r.finished_at = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        _save(r)
    return r


def _execute(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    result = fn(*args, **kwargs)
    if not inspect.isawaitable(result):
        return result
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_awaited(result))
    # a loop is running (a notebook, an async caller): run the pipeline on its own loop in a thread
    box: dict[str, Any] = {}
    ctx = contextvars.copy_context()

    def target() -> None:
        try:
            box["value"] = ctx.run(asyncio.run, _awaited(result))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    t = threading.Thread(target=target, name="frameport-run")
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def _save(r: Run) -> None:
    loc = storage.resolve(r.record_uri)
    data = json.dumps(r.to_record(), separators=(",", ":")).encode()  # the C encoder: no indent
    try:
        if loc.is_local:
            os.makedirs(os.path.dirname(loc.path), exist_ok=True)
            with open(loc.path, "wb") as f:
                f.write(data)
            return
        loc.fs.makedirs(loc.fs._parent(loc.path), exist_ok=True)
        loc.fs.pipe_file(loc.path, data)
    except Exception as exc:
        raise StorageError(f"could not save the record of run {r.name} to {r.record_uri}: {exc}") from exc


# --- reading records back (the CLI, reports) -----------------------------------------------------


def runs_uri(store: str | None = None) -> str:
    return f"{storage.normalize_uri(store or config.current().store)}/{RUNS_FOLDER}"


def list_runs(store: str | None = None) -> list[dict[str, Any]]:
    """Every run record under the store, newest first."""
    loc = storage.resolve(runs_uri(store))
    try:
        names = [os.path.basename(p.rstrip("/")) for p in loc.fs.ls(loc.path, detail=False)]
    except FileNotFoundError:
        return []
    records = []
    for name in names:
        try:
            records.append(load_record(name, store))
        except FrameportError:
            continue  # a folder without a readable record: not a run
    return sorted(records, key=lambda rec: str(rec.get("started_at", "")), reverse=True)


def load_record(name: str, store: str | None = None) -> dict[str, Any]:
    """The JSON record of run ``name`` (see :meth:`Run.to_record`)."""
    if not name or "/" in name or name.startswith("."):
        raise InvalidReferenceError(f"{name!r} is not a run name; `frameport runs` lists them")
    uri = f"{runs_uri(store)}/{name}/run.json"
    loc = storage.resolve(uri)
    try:
        data = json.loads(loc.fs.cat_file(loc.path))
    except FileNotFoundError:
        raise InvalidReferenceError(
            f"no run named {name!r} under {runs_uri(store)}; `frameport runs` lists them"
        ) from None
    except ValueError as exc:
        raise InvalidReferenceError(f"the record of run {name!r} ({uri}) is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("version") != RECORD_VERSION:
        raise InvalidReferenceError(
            f"the record of run {name!r} has version {data.get('version') if isinstance(data, dict) else None!r}; "
            f"this frameport reads version {RECORD_VERSION}: upgrade frameport to read it"
        )
    return data
