"""The reference: in memory until written, JSON round trip, and clear errors for bad JSON."""

from __future__ import annotations

import asyncio
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import frameport as fp

FRAME = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})


def test_from_df_writes_nothing_until_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("FRAMEPORT_STORE", str(tmp_path / "s"))
    ref = fp.DataFrame.from_df(FRAME)
    assert ref.uri is None and ref.in_memory and not (tmp_path / "s").exists()
    assert ref.open(pd.DataFrame).all_sync() is FRAME  # same type, no projection: the value itself
    assert ref.open(pa.Table, columns=["b"]).all_sync().column_names == ["b"]
    assert not (tmp_path / "s").exists()
    written = ref.write_sync()
    assert written.uri and written.num_rows == 3 and written.schema.names == ["a", "b"]
    assert written.metadata["writer"] == "pandas.DataFrame" and written.metadata["bytes"] > 0
    assert written.write_sync() is written


def test_async_write_and_read():
    async def main():
        ref = await fp.DataFrame.from_df(FRAME).write()
        whole = await ref.open(pd.DataFrame).all()
        batches = [b async for b in ref.open(pd.DataFrame).iter(batch_size=1)]
        return whole, batches

    whole, batches = asyncio.run(main())
    pd.testing.assert_frame_equal(whole, FRAME)
    assert [len(b) for b in batches] == [1, 1, 1]


def test_existing_data_schema_is_read_lazily_from_the_footer(tmp_path):
    pq.write_table(pa.Table.from_pandas(FRAME), tmp_path / "d.parquet")
    ref = fp.DataFrame(str(tmp_path / "d.parquet"))
    assert ref.known_schema is None
    assert ref.schema.names[:2] == ["a", "b"]
    assert ref.open(pd.DataFrame).all_sync()["a"].tolist() == [1, 2, 3]


def test_json_round_trip_keeps_schema_and_metadata():
    ref = fp.DataFrame.from_df(FRAME).write_sync()
    d = json.loads(json.dumps(ref.to_dict()))
    assert d["frameport"] == 1 and d["schema"]["columns"][0] == {"name": "a", "type": "int64"}
    again = fp.DataFrame.from_dict(d)
    assert again == ref and again.schema.equals(ref.schema) and again.metadata == ref.metadata


def test_an_unwritten_reference_has_no_json():
    with pytest.raises(fp.InvalidReferenceError, match="write_sync"):
        fp.DataFrame.from_df(FRAME).to_dict()


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ([1, 2], "JSON object"),
        ({"uri": "file:///x"}, "version field"),
        ({"frameport": "1", "uri": "file:///x"}, "version field"),
        ({"frameport": 99, "uri": "file:///x"}, "upgrade frameport"),
        ({"frameport": 0, "uri": "file:///x"}, "not valid"),
        ({"frameport": 1, "uri": 5}, "'uri' must be"),
        ({"frameport": 1, "uri": "file:///x", "format": 3}, "'format' must be"),
        ({"frameport": 1, "uri": "file:///x", "metadata": []}, "'metadata' must be"),
        ({"frameport": 1, "uri": "file:///x", "schema": {"arrow": "%%%"}}, "not valid base64"),
        ({"frameport": 1, "uri": "file:///x", "schema": {"arrow": "aGVsbG8="}}, "schema could not be read"),
        ({"frameport": 1, "uri": "file:///x", "bogus": 1}, "unknown fields"),
        ({"frameport": 1, "uri": "file:///x", "metadata": {"parts": [{"name": "../../etc"}]}}, "outside"),
    ],
)
def test_malformed_json_is_a_clear_error(data, match):
    with pytest.raises(fp.InvalidReferenceError, match=match):
        ref = fp.DataFrame.from_dict(data)
        ref.schema
        ref.open(pd.DataFrame).all_sync()
