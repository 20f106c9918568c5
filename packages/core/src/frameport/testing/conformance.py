"""The conformance kit: one suite every backend (ours and third parties') runs over its handlers.

Subclass :class:`FrameConformance` in a test module, name the class ``Test...`` and fill in::

    class TestPolarsEager(FrameConformance):
        python_type = pl.DataFrame
        formats = ("parquet", "csv", "arrow")

        def make_frame(self, data):          # dict[str, list] -> your frame
            return pl.DataFrame(data)

        def to_pydict(self, value):          # your frame -> dict[str, list] (nulls as None)
            return value.to_dict(as_series=False)

Every test runs on a local-disk store and on ``memory://``. The suite proves that the handlers
round-trip every format they claim, project declared columns (``Annotated[T, columns(...)]`` and
``open(T, columns=...)``), push filters, stream batches, handle an empty frame, honour the
compatibility rule, raise clear errors, work inside a running event loop and interoperate with
``pyarrow.Table``. Override a test to skip what your backend honestly cannot do, and say why.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Annotated, Any, ClassVar

import pytest

import frameport as fp

__all__ = ["FrameConformance", "DATA"]

#: the frame every test writes: ints, floats with a null, strings with a null and unicode, bools
DATA: dict[str, list[Any]] = {
    "id": [1, 2, 3, 4],
    "score": [1.5, None, 3.25, -4.0],
    "name": ["ann", None, "zoë", "漢字"],
    "flag": [True, False, True, False],
}


class FrameConformance:
    python_type: ClassVar[Any]
    formats: ClassVar[tuple[str, ...]] = ("parquet", "csv", "arrow")

    # --- what a backend fills in -----------------------------------------------------------------

    def make_frame(self, data: dict[str, list[Any]]) -> Any:
        raise NotImplementedError

    def to_pydict(self, value: Any) -> dict[str, list[Any]]:
        raise NotImplementedError

    def collect(self, value: Any) -> Any:
        """Turn a decoded value into something :meth:`to_pydict` takes (e.g. collect a lazy frame)."""
        return value

    def concat(self, values: list[Any]) -> dict[str, list[Any]]:
        """Concatenate decoded batches into one dict of columns."""
        out: dict[str, list[Any]] = {}
        for v in values:
            for k, col in self.to_pydict(self.collect(v)).items():
                out.setdefault(k, []).extend(col)
        return out

    # --- fixtures --------------------------------------------------------------------------------

    @pytest.fixture(params=["file", "memory"], autouse=True)
    def store(self, request: Any, tmp_path: Any, monkeypatch: Any) -> Iterator[str]:
        prefix = str(tmp_path / "store") if request.param == "file" else f"memory://conformance-{uuid.uuid4().hex}"
        monkeypatch.setenv("FRAMEPORT_STORE", prefix)
        yield prefix

    def _read(self, ref: fp.DataFrame, tp: Any = None, **kw: Any) -> dict[str, list[Any]]:
        return self.to_pydict(self.collect(ref.open(tp or self.python_type, **kw).all_sync()))

    # --- the suite -------------------------------------------------------------------------------

    def test_round_trip_every_format(self) -> None:
        for fmt in self.formats:
            ref = fp.DataFrame.from_df(self.make_frame(DATA), format=fmt).write_sync()
            assert ref.format == fmt and ref.num_rows == 4, fmt
            assert ref.schema is not None and ref.schema.names[:4] == list(DATA), fmt
            assert self._read(ref) == DATA, fmt

    def test_default_format_is_parquet(self) -> None:
        ref = fp.DataFrame.from_df(self.make_frame(DATA)).write_sync()
        assert ref.format == fp.REGISTRY.default_format(type(self.make_frame(DATA)))

    def test_reference_json_round_trip(self) -> None:
        ref = fp.DataFrame.from_df(self.make_frame(DATA)).write_sync()
        again = fp.DataFrame.from_dict(json.loads(json.dumps(ref.to_dict())))
        assert again.uri == ref.uri and again.schema == ref.schema and again.num_rows == 4
        assert self._read(again) == DATA

    def test_declared_columns_are_projected(self) -> None:
        for fmt in self.formats:
            ref = fp.DataFrame.from_df(self.make_frame(DATA), format=fmt).write_sync()
            got = self._read(ref, Annotated[self.python_type, fp.columns(name=str, id=int)])
            assert set(got) == {"id", "name"}, fmt
            assert got["id"] == DATA["id"] and got["name"] == DATA["name"], fmt

    def test_open_columns_argument_projects(self) -> None:
        ref = fp.DataFrame.from_df(self.make_frame(DATA)).write_sync()
        assert self._read(ref, columns=["score"]) == {"score": DATA["score"]}

    def test_filters_are_applied(self) -> None:
        for fmt in self.formats:
            ref = fp.DataFrame.from_df(self.make_frame(DATA), format=fmt).write_sync()
            got = self._read(ref, filters=[("id", ">", 2)])
            assert got["id"] == [3, 4] and got["name"] == ["zoë", "漢字"], fmt
            only = self._read(ref, columns=["name"], filters=[("id", "<=", 1)])
            assert only == {"name": ["ann"]}, fmt

    def test_iter_yields_bounded_batches(self) -> None:
        n = 2500
        data: dict[str, list[Any]] = {"id": list(range(n)), "name": [f"row-{i}" for i in range(n)]}
        ref = fp.DataFrame.from_df(self.make_frame(data)).write_sync()
        batches = list(ref.open(self.python_type).iter_sync(batch_size=1000))
        assert len(batches) >= 3
        assert self.concat(batches) == data

    def test_async_all_and_iter(self) -> None:
        ref = fp.DataFrame.from_df(self.make_frame(DATA)).write_sync()

        async def main() -> tuple[Any, list[Any]]:
            whole = await ref.open(self.python_type).all()
            parts = [b async for b in ref.open(self.python_type).iter(batch_size=2)]
            return whole, parts

        whole, parts = asyncio.run(main())
        assert self.to_pydict(self.collect(whole)) == DATA
        assert self.concat(parts) == DATA

    def test_sync_twins_work_inside_a_running_loop(self) -> None:
        async def main() -> Any:
            ref = fp.DataFrame.from_df(self.make_frame(DATA)).write_sync()
            return ref.open(self.python_type).all_sync()

        assert self.to_pydict(self.collect(asyncio.run(main()))) == DATA

    def test_empty_frame(self) -> None:
        for fmt in self.formats:
            empty = self.make_frame({"id": [], "name": []})
            ref = fp.DataFrame.from_df(empty, format=fmt).write_sync()
            assert ref.num_rows == 0, fmt
            got = self._read(ref)
            assert all(len(v) == 0 for v in got.values()), fmt

    def test_missing_declared_column_is_a_clear_error(self) -> None:
        ref = fp.DataFrame.from_df(self.make_frame(DATA)).write_sync()
        with pytest.raises(fp.SchemaMismatchError, match="missing column 'salary'"):
            ref.open(Annotated[self.python_type, fp.columns(id=int, salary=float)]).all_sync()

    def test_mistyped_declared_column_is_a_clear_error(self) -> None:
        ref = fp.DataFrame.from_df(self.make_frame(DATA)).write_sync()
        with pytest.raises(fp.SchemaMismatchError, match="column 'name' declared"):
            ref.open(Annotated[self.python_type, fp.columns(name=int)]).all_sync()

    def test_declared_output_columns_are_checked(self) -> None:
        with pytest.raises(fp.SchemaMismatchError, match="missing column 'salary'"):
            fp.engine.encode(self.make_frame(DATA), Annotated[self.python_type, fp.columns(salary=float)])

    def test_format_mismatch_is_a_clear_error(self) -> None:
        ref = fp.DataFrame.from_df(self.make_frame(DATA), format=self.formats[0]).write_sync()
        other = "csv" if self.formats[0] != "csv" else "parquet"
        with pytest.raises(fp.SchemaMismatchError, match="format"):
            ref.open(Annotated[self.python_type, other]).all_sync()

    def test_unknown_format_lists_what_is_registered(self) -> None:
        with pytest.raises(fp.HandlerNotFoundError, match=self.formats[0]):
            fp.DataFrame.from_df(self.make_frame(DATA), format="no-such-format").write_sync()

    def test_in_memory_reference_converts_with_projection(self) -> None:
        ref = fp.DataFrame.from_df(self.make_frame(DATA))
        assert ref.uri is None
        assert self._read(ref, columns=["id"]) == {"id": DATA["id"]}

    def test_reads_what_pyarrow_wrote_and_pyarrow_reads_ours(self) -> None:
        import pyarrow as pa

        ours = fp.DataFrame.from_df(self.make_frame(DATA)).write_sync()
        table = ours.open(pa.Table).all_sync()
        assert {k: v for k, v in table.to_pydict().items() if k in DATA} == DATA
        theirs = fp.DataFrame.from_df(pa.table(DATA)).write_sync()
        assert self._read(theirs) == DATA
