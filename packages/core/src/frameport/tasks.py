"""``@frameport.task``: every DataFrame that enters or leaves a task crosses a boundary.

Calling a task behaves as if it ran in another process:

* an argument whose parameter is declared as a dataframe type (``pd.DataFrame``, ``pa.Table``,
  ``Annotated[pl.LazyFrame, fp.columns(...)]``, ``fp.DataFrame``, ...) is written to the store (unless
  it is a reference, or a value read from one and not modified since - see :mod:`frameport.provenance`)
  and decoded to the declared type: declared columns are checked and projected, a ``fp.DataFrame``
  parameter receives a reference and reads nothing. A value the caller got from an earlier boundary and
  did not modify is neither written nor read again when the parameter declares exactly its type: the
  task gets an independent copy (pandas Copy-on-Write; Arrow tables are immutable);
* the return value is encoded by the declared return type and stored; the caller receives what that type
  decodes to (a reference for ``-> fp.DataFrame``). ``tuple[...]`` returns are handled per element;
* every other value (ints, strings, dicts of them) passes through unchanged.

Every parameter and the return need an annotation: a missing one is an :class:`AnnotationError` when the
function is decorated. Annotations are resolved (``typing.get_type_hints``) on the first call, so forward
references and ``from __future__ import annotations`` work.

Sync tasks run inline in the caller's thread. Async tasks run their body on the caller's event loop and
their reads and writes in worker threads, so ``asyncio.gather`` of several task calls runs them
concurrently. Inside :func:`frameport.run` each boundary is recorded in the run record; outside a run a
task still sends its data through the store, unrecorded.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from . import engine, provenance, runs
from .errors import AnnotationError, DataError
from .reference import DataFrame
from .schema import TypeSpec, parse_annotation

__all__ = ["task", "Task"]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class _Plan:
    """Which parameters and outputs are dataframes (resolved once, on the first call)."""

    inputs: dict[str, Any]  # parameter name -> declared type
    specs: dict[str, TypeSpec]  # parameter name -> parsed declaration
    output: Any  # declared return type, if it is a dataframe type
    tuple_outputs: tuple[Any, ...] | None  # per-element declared types of a tuple return (None: not one)


class Task(Generic[F]):
    """A function whose dataframe inputs and outputs cross task boundaries (see the module docstring)."""

    def __init__(self, fn: F, name: str | None = None) -> None:
        if not callable(fn):
            raise AnnotationError(f"@frameport.task decorates a function, got {fn!r}")
        self.fn = fn
        self.name: str = name or str(getattr(fn, "__qualname__", repr(fn)))
        self.is_async = inspect.iscoroutinefunction(fn)
        self.signature = inspect.signature(fn)
        missing = [p.name for p in self.signature.parameters.values() if p.annotation is inspect.Parameter.empty]
        if missing:
            raise AnnotationError(
                f"task {self.name}: parameter(s) {', '.join(missing)} have no type annotation; annotate each "
                "parameter (e.g. `df: pd.DataFrame`, `n: int`) so frameport knows which ones are dataframes"
            )
        if self.signature.return_annotation is inspect.Signature.empty:
            raise AnnotationError(
                f"task {self.name}: the return type is not annotated; add one (e.g. `-> pd.DataFrame`, "
                "`-> fp.DataFrame`, or `-> None`)"
            )
        self._plan: _Plan | None = None
        functools.update_wrapper(self, fn)

    # --- calling --------------------------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.is_async:
            return self._call_async(args, kwargs)
        return self._call_sync(args, kwargs)

    def _call_sync(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        plan = self._resolve()
        call = runs.begin_call(self.name)
        try:
            if plan.inputs:
                bound = self._bind(args, kwargs)
                self._inputs(plan, bound, call)
                args, kwargs = bound.args, bound.kwargs
            result = self.fn(*args, **kwargs)
            if plan.output is not None or plan.tuple_outputs is not None:
                result = self._outputs(plan, result, call)
        except BaseException as exc:
            runs.end_call(call, exc)
            raise
        runs.end_call(call, None)
        return result

    async def _call_async(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        plan = self._resolve()
        call = runs.begin_call(self.name)
        try:
            if plan.inputs:
                bound = self._bind(args, kwargs)
                await asyncio.to_thread(self._inputs, plan, bound, call)
                args, kwargs = bound.args, bound.kwargs
            result = await self.fn(*args, **kwargs)
            if plan.output is not None or plan.tuple_outputs is not None:
                result = await asyncio.to_thread(self._outputs, plan, result, call)
        except BaseException as exc:
            runs.end_call(call, exc)
            raise
        runs.end_call(call, None)
        return result

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> inspect.BoundArguments:
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise AnnotationError(
                f"task {self.name} called with arguments that do not fit {self.signature}: {exc}"
            ) from None
        bound.apply_defaults()
        return bound

    # --- boundaries -----------------------------------------------------------------------------

    def _inputs(self, plan: _Plan, bound: inspect.BoundArguments, call: runs.Call | None) -> None:
        for name, declared in plan.inputs.items():
            if name not in bound.arguments:
                continue
            value = bound.arguments[name]
            if value is None:
                continue
            spec = plan.specs[name]
            if spec.columns is None and not isinstance(value, DataFrame):
                reused = provenance.reuse(value, spec.python_type)
                if reused is not None and (not spec.format or spec.format == reused[1].format):
                    runs.record(call, "input", name, reused[1])
                    bound.arguments[name] = reused[0]
                    continue
            where = f"argument {name!r} of task {self.name}"
            ref = _store(value, declared, where, call, name, "input")
            received = engine.decode(ref, declared, where=where)
            provenance.remember(received, ref)
            bound.arguments[name] = received

    def _outputs(self, plan: _Plan, result: Any, call: runs.Call | None) -> Any:
        if plan.tuple_outputs is not None:
            if not isinstance(result, tuple) or len(result) != len(plan.tuple_outputs):
                found = f"a tuple of {len(result)}" if isinstance(result, tuple) else type(result).__name__
                raise DataError(
                    f"task {self.name} is declared to return a tuple of {len(plan.tuple_outputs)} values, "
                    f"but returned {found}; return exactly the declared values"
                )
            return tuple(
                self._output(declared, value, call, f"o{i}") if declared is not None else value
                for i, (declared, value) in enumerate(zip(plan.tuple_outputs, result))
            )
        return self._output(plan.output, result, call, "o0")

    def _output(self, declared: Any, value: Any, call: runs.Call | None, name: str) -> Any:
        if value is None:
            return None
        where = f"output {name} of task {self.name}"
        ref = _store(value, declared, where, call, name, "output")
        received = engine.decode(ref, declared, where=where)
        provenance.remember(received, ref)
        return received

    # --- annotations ----------------------------------------------------------------------------

    def _resolve(self) -> _Plan:
        if self._plan is not None:
            return self._plan
        try:
            hints = typing.get_type_hints(self.fn, include_extras=True)
        except Exception as exc:
            raise AnnotationError(
                f"task {self.name}: its annotations cannot be resolved ({type(exc).__name__}: {exc}); "
                "import every type the signature names at module level"
            ) from exc
        inputs = {p: hints[p] for p in self.signature.parameters if p in hints and engine.is_dataframe_type(hints[p])}
        ret = hints.get("return", type(None))
        output = ret if engine.is_dataframe_type(ret) else None
        tuple_outputs = None
        if output is None and typing.get_origin(ret) is tuple:
            elems = typing.get_args(ret)
            if elems and elems[-1] is not Ellipsis and any(engine.is_dataframe_type(e) for e in elems):
                tuple_outputs = tuple(e if engine.is_dataframe_type(e) else None for e in elems)
        specs = {p: parse_annotation(t) for p, t in inputs.items()}
        self._plan = _Plan(inputs, specs, output, tuple_outputs)
        return self._plan

    def __repr__(self) -> str:
        return f"<frameport task {self.name}>"


def _store(value: Any, declared: Any, where: str, call: runs.Call | None, name: str, direction: str) -> DataFrame:
    """The written reference for a value crossing a boundary (written now unless it already is)."""
    if isinstance(value, DataFrame):
        ref = engine.encode(value, declared, where=where)  # a written reference passes through unchanged
    else:
        known = provenance.recall(value)
        if known is not None and parse_annotation(declared).format in ("", known.format):
            ref = engine.encode(known, declared, where=where)
        else:
            ref = engine.encode(value, declared, where=where)
    runs.record(call, direction, name, ref)
    return ref


@overload
def task(fn: F, /) -> Task[F]: ...
@overload
def task(*, name: str | None = None) -> Callable[[F], Task[F]]: ...


def task(fn: F | None = None, /, *, name: str | None = None) -> Task[F] | Callable[[F], Task[F]]:
    """Make ``fn`` (sync or async) a task: ``@frameport.task`` or ``@frameport.task(name="...")``."""
    if fn is not None:
        return Task(fn, name)
    return lambda f: Task(f, name)
