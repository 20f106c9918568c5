"""Round trips through a real S3 server (moto's, on 127.0.0.1) and atomic publish on an object store."""

from __future__ import annotations

import json
from typing import Annotated

import pandas as pd
import pyarrow as pa
import pytest

import frameport as fp
from frameport.testing.s3 import S3Server

FRAME = pd.DataFrame(
    {
        "id": range(6),
        "name": ["a", "b", None, "d", "é", "漢"],
        "score": [1.5, None, 3.0, 4.5, 5.0, 6.5],
        "when": pd.date_range("2024-01-01", periods=6, freq="h", tz="UTC"),
    }
)


@pytest.mark.parametrize("fmt", ["parquet", "csv", "arrow"])
def test_pandas_round_trip_on_s3_with_projection(s3_store, fmt):
    ref = fp.DataFrame.from_df(FRAME, uri=f"{s3_store}/frame", format=fmt).write_sync()
    assert ref.uri == f"{s3_store}/frame" and ref.num_rows == 6
    pd.testing.assert_frame_equal(ref.open(pd.DataFrame).all_sync(), FRAME)
    two = ref.open(Annotated[pd.DataFrame, fp.columns(id=int, score=float)]).all_sync()
    assert list(two.columns) == ["id", "score"]
    table = fp.DataFrame.from_dict(json.loads(json.dumps(ref.to_dict()))).open(pa.Table, columns=["name"]).all_sync()
    assert table.column_names == ["name"] and table.num_rows == 6


def test_fresh_locations_under_an_s3_store(s3_store, monkeypatch):
    monkeypatch.setenv("FRAMEPORT_STORE", s3_store)
    refs = [fp.DataFrame.from_df(FRAME).write_sync() for _ in range(3)]
    assert len({r.uri for r in refs}) == 3
    assert all(r.uri.startswith(s3_store + "/") for r in refs)
    pd.testing.assert_frame_equal(refs[1].open(pd.DataFrame).all_sync(), FRAME)


def test_bare_uri_reads_a_directory_written_by_frameport(s3_store):
    fp.DataFrame.from_df(FRAME, uri=f"{s3_store}/bare").write_sync()
    back = fp.DataFrame(f"{s3_store}/bare").open(pd.DataFrame).all_sync()
    pd.testing.assert_frame_equal(back, FRAME)


def test_object_store_publish_leaves_a_manifest_and_no_marker(s3_store, s3_server: S3Server):
    ref = fp.DataFrame.from_df(FRAME, uri=f"{s3_store}/m").write_sync()
    prefix = ref.uri.split("/", 3)[3]
    keys = [o["Key"] for o in s3_server.client().list_objects_v2(Bucket=s3_server.bucket, Prefix=prefix)["Contents"]]
    names = sorted(k.rsplit("/", 1)[1] for k in keys)
    assert names == ["_frameport_manifest.json", "part-00000.parquet"]


class _Exploding:
    """A frame type whose encoder writes one part and then fails, as a crash mid-write would."""


class _ExplodingEncoder(fp.Encoder):
    def __init__(self) -> None:
        super().__init__(_Exploding, None, "parquet")

    def encode(self, value, ctx):
        ctx.fs.makedirs(ctx.path, exist_ok=True)
        with ctx.fs.open(ctx.part_path(0), "wb") as f:
            f.write(b"PAR1 partial bytes")
        raise OSError("disk on fire")


def test_failed_write_on_s3_leaves_no_data_and_no_reference(s3_store, s3_server: S3Server):
    fp.REGISTRY.register(_ExplodingEncoder())
    with pytest.raises(fp.FrameportError, match="disk on fire"):
        fp.DataFrame.from_df(_Exploding(), uri=f"{s3_store}/boom").write_sync()
    prefix = s3_store.split("/", 3)[3] + "/boom"
    listing = s3_server.client().list_objects_v2(Bucket=s3_server.bucket, Prefix=prefix)
    assert listing.get("KeyCount", 0) == 0


def test_a_location_with_the_incomplete_marker_is_refused(s3_store, s3_server: S3Server):
    ref = fp.DataFrame.from_df(FRAME, uri=f"{s3_store}/half").write_sync()
    key = ref.uri.split("/", 3)[3] + "/_frameport_incomplete"
    s3_server.client().put_object(Bucket=s3_server.bucket, Key=key, Body=b"{}")
    with pytest.raises(fp.StorageError, match="incomplete"):
        fp.DataFrame(ref.uri).open(pd.DataFrame).all_sync()


def test_data_changed_after_the_reference_is_an_error(s3_store):
    ref = fp.DataFrame.from_df(FRAME, uri=f"{s3_store}/changing").write_sync()
    fp.DataFrame.from_df(FRAME.head(2), uri=f"{s3_store}/changing").write_sync()
    with pytest.raises(fp.DataError, match="changed after the reference was made"):
        ref.open(pd.DataFrame).all_sync()


def test_credentials_never_appear_in_the_reference(s3_store, s3_server: S3Server):
    ref = fp.DataFrame.from_df(FRAME, uri=f"{s3_store}/c", storage_options=s3_server.storage_options).write_sync()
    text = json.dumps(ref.to_dict())
    assert s3_server.secret_key not in text and s3_server.access_key not in text


def test_missing_bucket_is_a_clear_error(s3_store):
    with pytest.raises(fp.StorageError, match="no-such-bucket"):
        fp.DataFrame("s3://no-such-bucket/x").open(pd.DataFrame).all_sync()


def test_standard_aws_environment_alone_is_enough(s3_server, monkeypatch, tmp_path):
    """No frameport configuration at all: the standard AWS variables point s3fs (and so frameport) at the store."""
    for k, v in s3_server.env.items():
        monkeypatch.setenv(k, v)
    fp.config.reset()
    monkeypatch.delenv("FRAMEPORT_STORAGE_OPTIONS", raising=False)
    uri = f"s3://{s3_server.bucket}/from-env/{tmp_path.name}"
    ref = fp.DataFrame.from_df(FRAME, uri=uri).write_sync()
    pd.testing.assert_frame_equal(fp.DataFrame(uri).open(pd.DataFrame).all_sync(), FRAME)
    assert ref.num_rows == 6
