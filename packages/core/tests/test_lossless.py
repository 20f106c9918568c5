"""pandas round trips losslessly through every built-in format for the types that format can hold."""

from __future__ import annotations

import datetime as dt
import decimal

import numpy as np
import pandas as pd
import pytest

import frameport as fp


def rich_frame() -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "nullable_int": pd.array([1, None, 3], dtype="Int64"),
            "float_nan": [1.5, np.nan, -0.0],
            "flag": [True, False, True],
            "text": ["plain", "zoë ✓ 🚀", "漢字"],
            "category": pd.Categorical(["lo", "hi", "lo"], categories=["lo", "hi"]),
            "ts_tz": pd.to_datetime(["2024-01-01 00:00", "2024-06-01 12:30", "2024-12-31 23:59"]).tz_localize(
                "Europe/Paris"
            ),
            "ts_ns": pd.to_datetime(
                ["2024-01-01 00:00:00.000000001", "2024-01-01 00:00:00", "1970-01-01 00:00:00"], format="ISO8601"
            ).as_unit("ns"),
            "day": [dt.date(2024, 1, 1), dt.date(1999, 12, 31), None],
            "money": [decimal.Decimal("1.10"), decimal.Decimal("-2.25"), None],
            "tags": [["a", "b"], [], None],
            "point": [{"x": 1, "y": "p"}, {"x": 2, "y": "q"}, None],
        },
        index=pd.Index([10, 20, 30], name="row_id"),
    )
    return df


@pytest.mark.parametrize("fmt", ["parquet", "arrow"])
def test_every_type_survives(fmt):
    df = rich_frame()
    back = fp.DataFrame.from_df(df, format=fmt).write_sync().open(pd.DataFrame).all_sync()
    pd.testing.assert_frame_equal(back, df)


def test_csv_keeps_what_text_can_hold():
    df = rich_frame()[["nullable_int", "float_nan", "flag", "text", "category", "ts_tz", "ts_ns", "day"]]
    df = df.assign(empty_vs_null=["", None, "x"])
    back = fp.DataFrame.from_df(df, format="csv").write_sync().open(pd.DataFrame).all_sync()
    pd.testing.assert_frame_equal(back, df)


def test_csv_refuses_nested_values_clearly():
    with pytest.raises(fp.DataError, match="csv cannot hold column 'tags'"):
        fp.DataFrame.from_df(rich_frame(), format="csv").write_sync()


@pytest.mark.parametrize("fmt", ["parquet", "csv", "arrow"])
def test_empty_frame_keeps_columns_and_dtypes(fmt):
    df = pd.DataFrame({"a": pd.Series([], dtype="int64"), "b": pd.Series([], dtype="float64")})
    ref = fp.DataFrame.from_df(df, format=fmt).write_sync()
    assert ref.num_rows == 0
    pd.testing.assert_frame_equal(ref.open(pd.DataFrame).all_sync(), df)


def test_multiindex_is_restored():
    idx = pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)], names=["k", "n"])
    df = pd.DataFrame({"v": [1.0, 2.0, 3.0]}, index=idx)
    back = fp.DataFrame.from_df(df).write_sync().open(pd.DataFrame).all_sync()
    pd.testing.assert_frame_equal(back, df)


def test_projection_keeps_the_named_index():
    df = rich_frame()
    back = fp.DataFrame.from_df(df).write_sync().open(pd.DataFrame, columns=["text"]).all_sync()
    pd.testing.assert_frame_equal(back, df[["text"]])


def test_large_frame_written_as_parallel_parts_reads_back_equal(monkeypatch):
    from frameport._builtin import formats

    monkeypatch.setattr(formats, "PART_ROWS", 1000)
    df = pd.DataFrame({"i": np.arange(10_000), "s": [f"v{i % 7}" for i in range(10_000)]})
    ref = fp.DataFrame.from_df(df).write_sync()
    assert len(ref.metadata["parts"]) >= 2
    pd.testing.assert_frame_equal(ref.open(pd.DataFrame).all_sync(), df)
    assert sum(len(b) for b in ref.open(pd.DataFrame).iter_sync(batch_size=999)) == 10_000
