"""@frameport.task: boundaries through the store, declared types, tuples, pass-through values, errors."""

from __future__ import annotations

import asyncio
from typing import Annotated

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import frameport as fp
from frameport import provenance

#: pandas >= 3 (or copy_on_write on): unchanged values are proven unchanged and never written twice
COW = provenance.copy_on_write(pd)
needs_cow = pytest.mark.skipif(not COW, reason="pandas without Copy-on-Write: values are always re-written")


def _frame(n: int = 5) -> pd.DataFrame:
    return pd.DataFrame({"a": np.arange(n), "b": [f"s{i}" for i in range(n)], "c": np.linspace(0, 1, n)})


def test_native_return_is_stored_and_read_back_as_declared():
    @fp.task
    def produce() -> pd.DataFrame:
        return _frame()

    @fp.task
    def consume(t: pa.Table) -> int:
        assert isinstance(t, pa.Table)
        return t.num_rows

    def pipeline() -> int:
        df = produce()
        assert isinstance(df, pd.DataFrame)
        pd.testing.assert_frame_equal(df, _frame())
        return consume(df)

    run = fp.run(pipeline)
    assert run.outputs == 5
    kinds = [(b.task, b.direction, b.name) for b in run.boundaries]
    assert kinds == [
        ("test_native_return_is_stored_and_read_back_as_declared.<locals>.produce", "output", "o0"),
        ("test_native_return_is_stored_and_read_back_as_declared.<locals>.consume", "input", "t"),
    ]
    # the value the caller got was read from the output's reference and passed on without a second write
    assert (run.boundaries[0].ref.uri == run.boundaries[1].ref.uri) is COW


def test_caller_gets_a_copy_not_the_producers_object():
    original = _frame()

    @fp.task
    def produce() -> pd.DataFrame:
        return original

    got = produce()
    assert got is not original
    pd.testing.assert_frame_equal(got, original)


def test_edited_value_is_written_again():
    @fp.task
    def produce() -> pd.DataFrame:
        return _frame()

    @fp.task
    def first(df: pd.DataFrame) -> int:
        return int(df["a"].iloc[0])

    def pipeline() -> int:
        df = produce()
        df.iloc[0, 0] = 100  # an in-place edit after the boundary
        return first(df)

    run = fp.run(pipeline)
    assert run.outputs == 100
    assert run.boundaries[0].ref.uri != run.boundaries[1].ref.uri


def test_reference_parameter_reads_nothing_and_passes_on_unchanged():
    seen = {}

    @fp.task
    def produce() -> fp.DataFrame:
        return fp.DataFrame.from_df(_frame())

    @fp.task
    def relay(ref: fp.DataFrame) -> fp.DataFrame:
        seen["relay"] = ref
        assert not ref.in_memory and ref.uri
        return ref

    @fp.task
    def read(df: Annotated[pd.DataFrame, fp.columns(a=int)]) -> list[str]:
        return list(df.columns)

    def pipeline() -> list[str]:
        ref = produce()
        assert isinstance(ref, fp.DataFrame)
        return read(relay(ref))

    run = fp.run(pipeline)
    assert run.outputs == ["a"]
    uris = {b.ref.uri for b in run.boundaries}
    assert len(uris) == 1  # written once, never re-written


def test_tuple_outputs_to_two_places_in_two_formats(tmp_path):
    csv_uri = str(tmp_path / "out" / "people.csv")

    @fp.task
    def split() -> tuple[Annotated[fp.DataFrame, "csv"], fp.DataFrame, int]:
        return fp.DataFrame.from_df(_frame(), uri=csv_uri, format="csv"), fp.DataFrame.from_df(_frame(3)), 7

    a, b, n = split()
    assert a.format == "csv" and a.uri.endswith("people.csv")
    assert b.format == "parquet" and b.uri.startswith("file://")
    assert n == 7
    assert (tmp_path / "out" / "people.csv").read_text().splitlines()[0] == '"a","b","c"'
    assert b.open(pd.DataFrame).all_sync().shape == (3, 3)


def test_declared_format_on_native_return():
    @fp.task
    def produce() -> Annotated[fp.DataFrame, "arrow"]:
        return fp.DataFrame.from_df(_frame())

    assert produce().format == "arrow"


def test_declared_output_columns_are_checked():
    @fp.task
    def produce() -> Annotated[pd.DataFrame, fp.columns(a=int, missing=str)]:
        return _frame()

    with pytest.raises(fp.SchemaMismatchError, match="missing"):
        produce()


def test_non_dataframe_values_pass_through_unchanged():
    payload = {"k": [1, 2], "s": "x"}

    @fp.task
    def f(n: int, d: dict, s: str = "default") -> dict:
        return {"n": n, "d": d, "s": s}

    out = f(3, payload)
    assert out == {"n": 3, "d": payload, "s": "default"}
    assert out["d"] is payload


def test_missing_annotations_fail_at_decoration():
    with pytest.raises(fp.AnnotationError, match=r"parameter.*x.*no type annotation"):

        @fp.task
        def f(x) -> int:  # type: ignore[no-untyped-def]
            return 1

    with pytest.raises(fp.AnnotationError, match="return type is not annotated"):

        @fp.task
        def g(x: int):  # type: ignore[no-untyped-def]
            return x


def test_wrong_value_for_a_dataframe_parameter_is_a_clear_error():
    @fp.task
    def f(df: pd.DataFrame) -> int:
        return len(df)

    with pytest.raises(fp.FrameportError, match="int"):
        f(5)


def test_tuple_of_wrong_length_is_a_clear_error():
    @fp.task
    def f() -> tuple[pd.DataFrame, pd.DataFrame]:
        return (_frame(),)  # type: ignore[return-value]

    with pytest.raises(fp.DataError, match="tuple of 2"):
        f()


def test_async_tasks_run_concurrently_under_gather():
    arrived: list[str] = []
    everyone = asyncio.Event()

    @fp.task
    async def worker(df: pd.DataFrame, name: str) -> pd.DataFrame:
        arrived.append(name)
        if len(arrived) == 3:
            everyone.set()
        await asyncio.wait_for(everyone.wait(), timeout=20)  # only returns if all three are in flight
        return df.assign(who=name)

    @fp.task
    async def main() -> list[str]:
        frames = await asyncio.gather(*(worker(_frame(), n) for n in ("x", "y", "z")))
        return [f["who"].iloc[0] for f in frames]

    run = fp.run(main)
    assert run.outputs == ["x", "y", "z"]
    assert sorted(arrived) == ["x", "y", "z"]


def test_sync_twins_work_inside_an_async_task():
    @fp.task
    async def main() -> int:
        ref = fp.DataFrame.from_df(_frame()).write_sync()
        return len(ref.open(pd.DataFrame).all_sync())

    assert fp.run(main).outputs == 5


def test_run_from_inside_a_running_loop():
    @fp.task
    async def produce() -> pd.DataFrame:
        return _frame()

    async def notebook_cell() -> fp.Run:
        return fp.run(produce)

    run = asyncio.run(notebook_cell())
    assert run.status == "succeeded" and len(run.outputs) == 5


def test_forward_references_resolve_on_first_call():
    @fp.task
    def f(df: pd.DataFrame) -> int:
        return len(df)

    assert f(_frame()) == 5


def test_failed_pipeline_persists_a_failed_record():
    from frameport import runs

    def boom() -> None:
        raise ValueError("nope")

    with pytest.raises(ValueError):
        fp.run(boom)
    records = runs.list_runs()
    assert records[0]["status"] == "failed" and "nope" in records[0]["error"]


@needs_cow
def test_provenance_never_outlives_its_value():
    ref = fp.DataFrame.from_df(_frame()).write_sync()
    df = ref.open(pd.DataFrame).all_sync()
    provenance.remember(df, ref)
    assert provenance.recall(df) is ref
    key = id(df)
    del df
    import gc

    gc.collect()
    assert key not in provenance._entries


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.iloc.__setitem__((0, 0), 99),
        lambda d: d.__setitem__("new", 1),
        lambda d: d.loc.__setitem__((1, "b"), "zz"),
        lambda d: setattr(d, "index", pd.RangeIndex(10, 15)),
        lambda d: setattr(d, "columns", ["A", "b", "c"]),
        lambda d: d.__delitem__("c"),
    ],
)
@needs_cow
def test_provenance_notices_every_in_place_edit(edit):
    ref = fp.DataFrame.from_df(_frame()).write_sync()
    df = ref.open(pd.DataFrame).all_sync()
    provenance.remember(df, ref)
    edit(df)
    assert provenance.recall(df) is None


def test_a_reused_input_is_independent_of_the_callers_value():
    @fp.task
    def produce() -> pd.DataFrame:
        return _frame()

    @fp.task
    def scribble(df: pd.DataFrame) -> pd.DataFrame:
        df.iloc[0, 0] = -1  # edits its own input only
        return df

    def pipeline() -> tuple[int, int]:
        mine = produce()
        theirs = scribble(mine)
        return int(mine["a"].iloc[0]), int(theirs["a"].iloc[0])

    run = fp.run(pipeline)
    assert run.outputs == (0, -1)
    produced, received, returned = (b.ref.uri for b in run.boundaries)
    assert (produced == received) is COW and received != returned  # the edited frame was written anew


def test_reused_input_with_projection_is_read_with_projection():
    @fp.task
    def produce() -> pd.DataFrame:
        return _frame()

    @fp.task
    def cols(df: Annotated[pd.DataFrame, fp.columns(b=str)]) -> list[str]:
        return list(df.columns)

    assert fp.run(lambda: cols(produce())).outputs == ["b"]
