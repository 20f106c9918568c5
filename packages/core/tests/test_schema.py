"""Annotations, the Arrow mapping of column types, and the compatibility rule."""

from __future__ import annotations

import datetime as dt
import decimal
from collections import OrderedDict
from typing import Annotated

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import frameport as fp
from frameport.schema import check_compatible, parse_annotation, to_arrow_type, types_compatible


def test_metadata_in_any_order():
    cols = OrderedDict([("a", int), ("b", str)])
    for tp in (Annotated[pd.DataFrame, cols, "csv"], Annotated[pd.DataFrame, "csv", cols]):
        spec = parse_annotation(tp)
        assert spec.python_type is pd.DataFrame and spec.format == "csv" and spec.column_names == ["a", "b"]
    assert parse_annotation(Annotated[pd.DataFrame, fp.columns(x=float)]).column_names == ["x"]
    schema = pa.schema([("z", pa.int32())])
    assert parse_annotation(Annotated[pa.Table, schema]).arrow_schema() == schema
    assert parse_annotation(pd.DataFrame).columns is None


def test_bad_annotations_are_clear():
    with pytest.raises(fp.AnnotationError, match="two formats"):
        parse_annotation(Annotated[pd.DataFrame, "csv", "parquet"])
    with pytest.raises(fp.AnnotationError, match="cannot understand 42"):
        parse_annotation(Annotated[pd.DataFrame, 42])
    with pytest.raises(fp.AnnotationError, match="unknown column type string"):
        parse_annotation(Annotated[pd.DataFrame, {"a": "integer-ish"}]).arrow_schema()


@pytest.mark.parametrize(
    ("spec", "arrow"),
    [
        (int, pa.int64()),
        (float, pa.float64()),
        (str, pa.string()),
        (bool, pa.bool_()),
        (bytes, pa.binary()),
        (dt.datetime, pa.timestamp("us")),
        (dt.date, pa.date32()),
        (dt.timedelta, pa.duration("us")),
        (decimal.Decimal, pa.decimal128(38, 18)),
        (list[int], pa.list_(pa.int64())),
        (dict[str, int], pa.map_(pa.string(), pa.int64())),
        (np.dtype("int32"), pa.int32()),
        (np.float32, pa.float32()),
        (pa.large_string(), pa.large_string()),
        ("int64", pa.int64()),
        ("timestamp[ns]", pa.timestamp("ns")),
        ("category", pa.dictionary(pa.int32(), pa.string())),
        ("str", pa.string()),
    ],
)
def test_column_types_map_to_arrow(spec, arrow):
    assert to_arrow_type(spec) == arrow


@pytest.mark.parametrize(
    ("declared", "stored", "ok"),
    [
        (pa.int64(), pa.int32(), True),
        (pa.int64(), pa.float64(), False),
        (pa.float64(), pa.float32(), True),
        (pa.string(), pa.large_string(), True),
        (pa.string(), pa.string_view(), True),
        (pa.string(), pa.dictionary(pa.int8(), pa.string()), True),
        (pa.timestamp("us"), pa.timestamp("ns", tz="UTC"), True),
        (pa.timestamp("us", tz="UTC"), pa.timestamp("ns"), False),
        (pa.list_(pa.int64()), pa.large_list(pa.int32()), True),
        (pa.list_(pa.int64()), pa.list_(pa.string()), False),
        (pa.map_(pa.string(), pa.int64()), pa.struct([("x", pa.int64()), ("y", pa.int32())]), True),
        (pa.struct([("x", pa.int64())]), pa.struct([("x", pa.int16()), ("y", pa.string())]), True),
        (pa.decimal128(38, 18), pa.decimal128(10, 2), True),
        (pa.bool_(), pa.null(), True),
        (pa.date32(), pa.timestamp("s"), False),
    ],
)
def test_types_compatible(declared, stored, ok):
    assert types_compatible(declared, stored) is ok


def test_compatibility_rule_subset_or_empty_and_formats():
    stored = pa.schema([("a", pa.int64()), ("b", pa.string())])
    check_compatible(parse_annotation(Annotated[pd.DataFrame, {"a": int}]), stored, "parquet", where="x")
    check_compatible(parse_annotation(Annotated[pd.DataFrame, {}]), stored, "parquet", where="x")
    check_compatible(parse_annotation(Annotated[pd.DataFrame, {"zz": int}]), pa.schema([]), "", where="x")
    check_compatible(parse_annotation(Annotated[pd.DataFrame, "csv"]), stored, "", where="x")
    with pytest.raises(fp.SchemaMismatchError) as err:
        check_compatible(
            parse_annotation(Annotated[pd.DataFrame, {"a": str, "c": int}, "csv"]), stored, "parquet", where="X"
        )
    msg = str(err.value)
    assert "column 'a' declared string but is int64" in msg
    assert "missing column 'c'" in msg
    assert "format 'csv' declared but 'parquet' stored" in msg
    assert "a: int64, b: string" in msg
