"""Bad input gets a clear frameport error - what was asked, what was found, what to do - never partial data."""

from __future__ import annotations

import json
import os
import pathlib
import socket
import time

import pandas as pd
import pyarrow as pa
import pytest

import frameport as fp

FRAME = pd.DataFrame({"a": range(1000), "b": [f"s{i}" for i in range(1000)], "c": [0.5] * 1000})


def _file_of(ref: fp.DataFrame) -> pathlib.Path:
    root = pathlib.Path(ref.uri.removeprefix("file://"))
    return root if root.is_file() else sorted(p for p in root.iterdir() if not p.name.startswith(("_", ".")))[0]


def _written(fmt: str, tmp_path: pathlib.Path) -> fp.DataFrame:
    return fp.DataFrame.from_df(FRAME, uri=str(tmp_path / f"data.{fmt}"), format=fmt).write_sync()


def _read_all(ref: fp.DataFrame) -> None:
    for tp in (pd.DataFrame, pa.Table):
        ref.open(tp).all_sync()


@pytest.mark.parametrize("fmt", ["parquet", "csv", "arrow"])
def test_truncated_file_through_its_reference(fmt, tmp_path):
    ref = _written(fmt, tmp_path)
    path = _file_of(ref)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(fp.DataError, match="changed after the reference was made"):
        _read_all(ref)


@pytest.mark.parametrize("fmt", ["parquet", "arrow"])
def test_truncated_file_through_a_bare_uri(fmt, tmp_path):
    ref = _written(fmt, tmp_path)
    path = _file_of(ref)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(fp.DataError, match=rf"cannot .* as {fmt}.*really {fmt}"):
        _read_all(fp.DataFrame(str(path), fmt))


@pytest.mark.parametrize("fmt", ["parquet", "arrow"])
def test_corrupted_bytes_are_caught_by_the_checksum(fmt, tmp_path):
    ref = _written(fmt, tmp_path)
    path = _file_of(ref)
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 16] = bytes(16)  # same size, different bytes
    path.write_bytes(bytes(data))
    with pytest.raises(fp.DataError, match="changed after the reference was made"):
        _read_all(ref)


@pytest.mark.parametrize(
    ("stored", "claimed"), [("parquet", "csv"), ("arrow", "csv"), ("csv", "parquet"), ("parquet", "arrow")]
)
def test_a_file_in_another_format_than_claimed(stored, claimed, tmp_path):
    ref = _written(stored, tmp_path)
    with pytest.raises(fp.DataError, match=rf"{claimed}"):
        _read_all(fp.DataFrame(str(_file_of(ref)), claimed))


def test_unknown_protocol(tmp_path):
    with pytest.raises(fp.StorageError, match="no-such-proto"):
        fp.DataFrame.from_df(FRAME, uri="no-such-proto://bucket/x").write_sync()
    with pytest.raises(fp.StorageError, match="no-such-proto"):
        fp.DataFrame("no-such-proto://bucket/x", "parquet").open(pd.DataFrame).all_sync()


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return int(port)


def test_unreachable_endpoint_fails_fast_and_names_it():
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    fp.configure(storage_options={"s3": {"key": "k", "secret": "s", "client_kwargs": {"endpoint_url": endpoint}}})
    t = time.monotonic()
    with pytest.raises(fp.StorageError, match=endpoint.replace(".", r"\.")):
        fp.DataFrame.from_df(FRAME, uri="s3://bucket/x").write_sync()
    with pytest.raises(fp.StorageError, match=endpoint.replace(".", r"\.")):
        fp.DataFrame("s3://bucket/x", "parquet").open(pd.DataFrame).all_sync()
    assert time.monotonic() - t < 30


def test_missing_credentials(s3_server, monkeypatch):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    fp.configure(
        storage_options={"s3": {"client_kwargs": {"endpoint_url": s3_server.endpoint, "region_name": "us-east-1"}}}
    )
    with pytest.raises(fp.StorageError, match="credentials"):
        fp.DataFrame.from_df(FRAME, uri=f"s3://{s3_server.bucket}/nocreds").write_sync()


def test_missing_bucket(s3_store):
    with pytest.raises(fp.StorageError, match="no-such-bucket"):
        fp.DataFrame.from_df(FRAME, uri="s3://no-such-bucket-xyz/x").write_sync()
    with pytest.raises(fp.StorageError, match="no-such-bucket"):
        fp.DataFrame("s3://no-such-bucket-xyz/x", "parquet").open(pd.DataFrame).all_sync()


def test_missing_path(tmp_path):
    with pytest.raises(fp.StorageError, match="no data at"):
        fp.DataFrame(str(tmp_path / "nothing"), "parquet").open(pd.DataFrame).all_sync()


@pytest.mark.parametrize(
    "payload, match",
    [
        ("not json at all", "JSON"),
        (json.dumps({"frameport": 99, "uri": "file:///x", "format": "parquet"}), "version"),
        (json.dumps({"frameport": 1}), "uri"),
        (json.dumps([1, 2]), "frameport reference"),
        (json.dumps({"frameport": 1, "uri": 5, "format": "parquet"}), "uri"),
        (json.dumps({"frameport": 1, "uri": "file:///x", "format": "parquet", "schema": "@@@"}), "schema"),
    ],
)
def test_malformed_or_future_reference_json(payload, match):
    with pytest.raises(fp.InvalidReferenceError, match=match):
        try:
            data = json.loads(payload)
        except ValueError:
            data = payload
        fp.DataFrame.from_dict(data)


def test_reference_schema_that_does_not_match_the_data(tmp_path):
    ref = _written("parquet", tmp_path)
    other = fp.DataFrame.from_df(pd.DataFrame({"a": ["x"] * 3, "z": [1, 2, 3]})).write_sync()
    d = ref.to_dict()
    d["schema"] = other.to_dict()["schema"]  # a reference whose schema was made for other data
    d["metadata"].pop("parts", None)
    lying = fp.DataFrame.from_dict(d)
    with pytest.raises(fp.DataError, match="does not match"):
        lying.open(pd.DataFrame).all_sync()


def test_no_partial_data_is_returned_from_a_bad_file(tmp_path):
    ref = _written("parquet", tmp_path)
    path = _file_of(ref)
    path.write_bytes(path.read_bytes()[:-100])
    bare = fp.DataFrame(str(path), "parquet")
    with pytest.raises(fp.DataError):
        list(bare.open(pd.DataFrame).iter_sync(batch_size=10))
    assert os.path.exists(path)


@pytest.mark.parametrize(
    "meta, match",
    [
        ({"num_rows": ""}, "num_rows"),
        ({"num_rows": -1}, "num_rows"),
        ({"bytes": [1]}, "bytes"),
        ({"parts": [{"name": "p", "size": "big"}]}, "parts"),
        ({"parts": "p"}, "parts"),
        ({"parts": [{"name": "p", "size": 1, "version": 5}]}, "parts"),
    ],
)
def test_reference_metadata_with_wrong_types(meta, match, tmp_path):
    d = _written("parquet", tmp_path).to_dict()
    d["metadata"].update(meta)
    with pytest.raises(fp.InvalidReferenceError, match=match):
        fp.DataFrame.from_dict(d)


def test_column_names_that_are_not_utf8(tmp_path):
    path = tmp_path / "bad-names.csv"
    path.write_bytes(b'\x80"a","b"\n1,2\n')
    ref = fp.DataFrame(str(path), "csv")
    with pytest.raises(fp.DataError):
        ref.schema
    for tp in (pd.DataFrame, pa.Table):
        with pytest.raises(fp.DataError):
            fp.DataFrame(str(path), "csv").open(tp).all_sync()


def test_secrets_are_redacted_from_messages(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret-value-123")
    fp.configure(storage_options={"s3": {"secret": "another-secret-456", "client_kwargs": {"region_name": "x"}}})
    text = fp.storage.redact("failed with very-secret-value-123 and another-secret-456 in region x")
    assert text == "failed with *** and *** in region x"
    assert "another-secret-456" not in repr(fp.config.current())


def test_gc_rejects_a_negative_age():
    with pytest.raises(fp.FrameportError, match="must not be negative"):
        fp.gc.collect(older_than=-1)
