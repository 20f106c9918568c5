"""polars specifics: self-registration, scans with pushdown, streaming sinks, cross-type matrix, S3, parts."""

from __future__ import annotations

import datetime as dt
import logging
import os
import pathlib
import subprocess
import sys
import textwrap
from typing import Annotated, Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import frameport as fp

ROOT = pathlib.Path(__file__).resolve().parents[3]


def test_registers_itself_without_being_imported(tmp_path):
    code = textwrap.dedent(
        """
        import sys
        import polars as pl
        import frameport as fp
        assert "frameport_polars" not in sys.modules
        ref = fp.DataFrame.from_df(pl.DataFrame({"a": [1, 2, 3]})).write_sync()
        lazy = ref.open(pl.LazyFrame, columns=["a"]).all_sync()
        assert isinstance(lazy, pl.LazyFrame) and lazy.collect()["a"].to_list() == [1, 2, 3]
        assert "frameport_polars" in sys.modules  # loaded by frameport through the entry point
        state = [s for s in fp.REGISTRY.plugins() if s.plugin.name == "polars"][0]
        print(state.status, state.source)
        """
    )
    env = {**os.environ, "FRAMEPORT_STORE": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["loaded", "frameport-polars"]


def test_import_frameport_does_not_import_polars():
    code = "import sys, frameport; print('polars' in sys.modules, 'frameport_polars' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def _wide(n: int) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    return pl.DataFrame(
        {
            "id": np.arange(n),
            "salary": np.sort(rng.integers(20_000, 120_000, n)),  # sorted: row-group statistics can prune
            **{f"x{i}": rng.random(n) for i in range(8)},
        }
    )


def test_lazy_input_is_a_scan_with_projection_and_predicate_pushed_down(tmp_path):
    df = _wide(200_000)
    path = tmp_path / "wide.parquet"
    df.write_parquet(path, row_group_size=10_000, statistics=True)
    ref = fp.DataFrame(str(path), "parquet")
    Pay = Annotated[pl.LazyFrame, fp.columns(id=int, salary=int)]
    lf = ref.open(Pay, filters=[("salary", ">", 110_000)]).all_sync()
    assert isinstance(lf, pl.LazyFrame)
    plan = lf.explain()
    scan = plan.splitlines()[-1] if "SCAN" in plan.splitlines()[-1] else plan
    assert "PROJECT 2/10 COLUMNS" in plan, plan
    assert "SELECTION" in plan and "110000" in plan, plan
    assert "Parquet SCAN" in scan or "SCAN" in scan
    # the predicate is in the scan, not a separate FILTER above it
    assert "FILTER" not in plan, plan
    got = lf.collect()
    assert got.columns == ["id", "salary"]
    assert got.height == df.filter(pl.col("salary") > 110_000).height
    # row groups a statistics-aware reader can skip: only those whose max passes the predicate are needed
    md = pq.ParquetFile(path).metadata
    needed = sum(md.row_group(i).column(1).statistics.max > 110_000 for i in range(md.num_row_groups))
    assert needed <= md.num_row_groups // 5, (needed, md.num_row_groups)


def test_lazy_decode_reads_no_data(tmp_path):
    ref = fp.DataFrame.from_df(_wide(1000)).write_sync()
    lf = ref.open(pl.LazyFrame).all_sync()
    for part in (pathlib.Path(ref.uri.removeprefix("file://"))).glob("part-*"):
        part.unlink()  # the data is gone after decoding: only collect() reads it
    with pytest.raises(FileNotFoundError):  # polars' own error, raised by the user's collect()
        lf.collect()


def test_lazy_output_streams_with_a_sink(caplog):
    caplog.set_level(logging.DEBUG, logger="frameport.polars")
    lf = _wide(50_000).lazy().filter(pl.col("salary") > 50_000).with_columns(double=pl.col("x0") * 2)
    ref = fp.DataFrame.from_df(lf).write_sync()
    assert "collecting" not in caplog.text
    expected = lf.collect()
    assert ref.num_rows == expected.height
    assert ref.open(pl.DataFrame).all_sync().equals(expected)


def test_lazy_output_falls_back_to_collect_and_says_so(caplog):
    caplog.set_level(logging.DEBUG, logger="frameport.polars")
    ref = fp.DataFrame.from_df(pl.LazyFrame({"a": [1, 2]}), uri="memory://polars-fallback/x").write_sync()
    assert "collecting the plan" in caplog.text
    assert ref.open(pl.DataFrame).all_sync()["a"].to_list() == [1, 2]


def test_reads_a_directory_of_parts_written_elsewhere(tmp_path):
    table = pa.table({"a": list(range(30)), "b": [str(i) for i in range(30)]})
    d = tmp_path / "dataset"
    d.mkdir()
    for i in range(3):
        pq.write_table(table.slice(i * 10, 10), d / f"part.{i}.parquet")
    (d / "_SUCCESS").write_text("")
    got = fp.DataFrame(str(d)).open(pl.DataFrame).all_sync().sort("a")
    assert got["a"].to_list() == list(range(30))
    lazy = fp.DataFrame(str(d)).open(pl.LazyFrame, columns=["b"]).all_sync()
    assert lazy.collect().height == 30


# --- the cross-type matrix -----------------------------------------------------------------------

N = 4
PANDAS = pd.DataFrame(
    {
        "i": pd.array([1, None, 3, 4], dtype="Int64"),
        "f": [1.5, np.nan, -2.0, 0.0],
        "s": ["a", None, "zoë", "漢字"],
        "cat": pd.Categorical(["x", "y", "x", None]),
        "ts": pd.to_datetime(["2024-01-01", "2024-03-01", None, "2024-12-31"]).tz_localize("Europe/Oslo"),
        "d": [dt.date(2020, 1, 1), dt.date(2021, 2, 3), None, dt.date(1999, 12, 31)],
        "dur": pd.to_timedelta([1, 2, None, 4], unit="s"),
        "l": [[1, 2], [], None, [3]],
        "st": [{"k": 1}, {"k": 2}, None, {"k": 4}],
    }
)
ARROW = pa.Table.from_pandas(PANDAS, preserve_index=False)
EXPECTED = ARROW.replace_schema_metadata(None).to_pylist()


def _writers() -> dict[str, Any]:
    return {
        "pandas": PANDAS,
        "pyarrow": ARROW,
        "polars": pl.from_arrow(ARROW),
        "lazy": pl.from_arrow(ARROW).lazy(),  # type: ignore[union-attr]
    }


READERS: dict[str, Any] = {"pandas": pd.DataFrame, "pyarrow": pa.Table, "polars": pl.DataFrame, "lazy": pl.LazyFrame}


def _as_rows(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, pl.LazyFrame):
        value = value.collect()
    if isinstance(value, pl.DataFrame):
        value = value.to_arrow()
    if isinstance(value, pd.DataFrame):
        value = pa.Table.from_pandas(value, preserve_index=False)
    rows = value.to_pylist()
    for r in rows:  # pandas cannot hold a null int: compare the numbers, not the int/float boxing
        if isinstance(r.get("i"), float) and r["i"] == r["i"]:
            r["i"] = int(r["i"])
        if isinstance(r.get("f"), float) and r["f"] != r["f"]:
            r["f"] = None
    return rows


def _normal(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        r = dict(r)
        if r["i"] is not None and isinstance(r["i"], float) and r["i"] != r["i"]:
            r["i"] = None
        if isinstance(r.get("f"), float) and r["f"] != r["f"]:
            r["f"] = None
        out.append(r)
    return out


@pytest.mark.parametrize("fmt", ["parquet", "arrow"])
@pytest.mark.parametrize("writer", ["pandas", "pyarrow", "polars", "lazy"])
def test_cross_type_matrix(writer, fmt):
    ref = fp.DataFrame.from_df(_writers()[writer], format=fmt).write_sync()
    assert ref.num_rows == N
    for name, tp in READERS.items():
        got = ref.open(tp).all_sync()
        assert _normal(_as_rows(got)) == _normal(EXPECTED), f"{writer} -> {fmt} -> {name}"
        if name == "pandas":
            assert isinstance(got["cat"].dtype, pd.CategoricalDtype), writer
            assert str(got["i"].dtype) == "Int64", writer  # nullable ints stay ints, whoever wrote them
            assert str(got["ts"].dt.tz) == "Europe/Oslo", writer
        if name in ("polars", "lazy"):
            frame = got.collect() if isinstance(got, pl.LazyFrame) else got
            assert frame.schema["cat"] in (pl.Categorical, pl.Enum) or isinstance(frame.schema["cat"], pl.Enum)
            assert frame.schema["ts"] == pl.Datetime(frame.schema["ts"].time_unit, "Europe/Oslo")  # type: ignore[union-attr]
            assert frame.schema["dur"].base_type() == pl.Duration
            assert frame.schema["i"] == pl.Int64


@pytest.mark.parametrize("writer", ["pandas", "polars", "lazy"])
def test_empty_frames_cross(writer):
    empty = {"pandas": PANDAS.iloc[:0], "polars": pl.from_arrow(ARROW.slice(0, 0))}
    empty["lazy"] = empty["polars"].lazy()  # type: ignore[union-attr]
    ref = fp.DataFrame.from_df(empty[writer]).write_sync()
    assert ref.num_rows == 0
    for tp in READERS.values():
        assert _as_rows(ref.open(tp).all_sync()) == []


# --- S3, with polars' native reader --------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["parquet", "arrow", "csv"])
def test_s3_round_trip_with_projection(s3_store, fmt):
    df = pl.DataFrame({"a": [1, 2, 3], "b": ["x", None, "z"], "c": [0.5, 1.5, 2.5]})
    ref = fp.DataFrame.from_df(df, uri=f"{s3_store}/polars-{fmt}", format=fmt).write_sync()
    assert ref.num_rows == 3
    assert ref.open(pl.DataFrame).all_sync().equals(df)
    two = ref.open(Annotated[pl.LazyFrame, fp.columns(a=int, c=float)], filters=[("a", ">=", 2)]).all_sync()
    assert two.collect().to_dict(as_series=False) == {"a": [2, 3], "c": [1.5, 2.5]}
    lazy_ref = fp.DataFrame.from_df(df.lazy(), uri=f"{s3_store}/lazy-{fmt}", format=fmt).write_sync()
    assert lazy_ref.open(pd.DataFrame).all_sync()["a"].tolist() == [1, 2, 3]


def test_storage_options_are_translated_for_polars(s3_server):
    from frameport_polars.handlers import polars_storage_options

    opts = polars_storage_options("s3", s3_server.storage_options)
    assert opts is not None
    assert opts["aws_endpoint_url"].startswith("http://127.0.0.1:") and opts["aws_allow_http"] == "true"
    assert opts["aws_access_key_id"] and opts["aws_secret_access_key"] and opts["aws_region"] == "us-east-1"
    assert polars_storage_options("file", {"x": 1}) is None


def test_bad_filter_is_a_clear_error():
    ref = fp.DataFrame.from_df(pl.DataFrame({"a": [1]})).write_sync()
    with pytest.raises(fp.FrameportError, match="unknown filter operator"):
        ref.open(pl.DataFrame, filters=[("a", "~", 1)]).all_sync()


def test_corrupt_file_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 this is not parquet at all PAR1")
    with pytest.raises(fp.FrameportError, match=r"bad\.parquet"):
        fp.DataFrame(str(path), "parquet").open(pl.DataFrame).all_sync()


def test_example_polars_pipeline_runs(tmp_path):
    env = {**os.environ, "FRAMEPORT_STORE": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "polars_pipeline.py")], capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr
    assert "Engineering" in out.stdout and "avg_salary" in out.stdout and "salary_per_year" in out.stdout


def test_polars_on_s3_from_the_standard_aws_environment(s3_server, monkeypatch, tmp_path):
    for k, v in s3_server.env.items():
        monkeypatch.setenv(k, v)
    fp.config.reset()
    df = pl.DataFrame({"a": [1, 2, 3]})
    uri = f"s3://{s3_server.bucket}/polars-env/{tmp_path.name}"
    fp.DataFrame.from_df(df, uri=uri).write_sync()
    assert fp.DataFrame(uri).open(pl.LazyFrame).all_sync().collect().equals(df)


def test_declared_output_columns_are_checked_before_a_lazy_plan_runs(tmp_path):
    ran: list[int] = []

    def spy(s: pl.Series) -> pl.Series:
        ran.append(len(s))
        return s

    lf = pl.LazyFrame({"a": [1, 2]}).with_columns(pl.col("a").map_batches(spy, return_dtype=pl.Int64))
    with pytest.raises(fp.SchemaMismatchError, match="missing column 'b'"):
        fp.engine.encode(lf, Annotated[pl.LazyFrame, fp.columns(b=int)], uri=str(tmp_path / "x"))
    assert ran == [] and not (tmp_path / "x").exists()


@pytest.mark.parametrize("fmt", ["parquet", "csv", "arrow"])
def test_batches_are_bounded_in_every_format(fmt):
    ref = fp.DataFrame.from_df(pl.DataFrame({"a": list(range(10))}), format=fmt).write_sync()
    batches = list(ref.open(pl.DataFrame).iter_sync(batch_size=4))
    assert [b.height for b in batches] == [4, 4, 2]


@pytest.mark.parametrize("fmt", ["parquet", "csv", "arrow"])
@pytest.mark.parametrize("where", ["memory", "file"])
def test_lazy_input_is_lazy_everywhere(fmt, where, tmp_path):
    df = _wide(5000)
    uri = f"memory://lazy-{fmt}-{tmp_path.name}/d" if where == "memory" else str(tmp_path / "d")
    ref = fp.DataFrame.from_df(df, uri=uri, format=fmt).write_sync()
    lf = ref.open(
        Annotated[pl.LazyFrame, fp.columns(id=int, salary=int)], filters=[("salary", ">", 100_000)]
    ).all_sync()
    expected = df.filter(pl.col("salary") > 100_000).select("id", "salary")
    assert lf.collect().equals(expected)
    assert lf.head(3).collect().height == 3
    loc = fp.storage.resolve(ref.uri)
    loc.fs.rm(loc.path, recursive=True)  # the data is gone: only a collect would notice
    with pytest.raises(Exception):
        lf.collect()
