from __future__ import annotations

import json
from typing import Annotated

import pandas as pd
import pyarrow as pa
import pytest

import frameport as fp


@pytest.mark.parametrize("fmt", ["parquet", "csv", "arrow"])
def test_pandas_round_trip_through_json(fmt):
    df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None]})
    ref = fp.DataFrame.from_df(df, format=fmt).write_sync()
    assert ref.num_rows == 3 and ref.format == fmt and ref.uri.startswith("file://")
    back = fp.DataFrame.from_dict(json.loads(json.dumps(ref.to_dict())))
    pd.testing.assert_frame_equal(back.open(pd.DataFrame).all_sync(), df)


def test_declared_columns_project_and_check():
    df = pd.DataFrame({"a": [1, 2], "b": [1.5, 2.5], "c": ["x", "y"]})
    ref = fp.DataFrame.from_df(df).write_sync()
    out = ref.open(Annotated[pa.Table, fp.columns(a=int, c=str)]).all_sync()
    assert out.column_names == ["a", "c"]
    with pytest.raises(fp.SchemaMismatchError, match="missing column 'zz'"):
        ref.open(Annotated[pd.DataFrame, fp.columns(zz=int)]).all_sync()
