"""Nothing lost: interrupted writes (SIGKILL, a stopped S3 server) leave no reference and no readable
partial data, `frameport gc` removes their leftovers; concurrent writers never collide; credentials
never leak into references, records, logs or errors."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import frameport as fp
from frameport import gc
from frameport.cli import main as cli
from frameport.testing.s3 import running_s3_server

WRITER = textwrap.dedent(
    """
    import sys, numpy as np, pandas as pd, frameport as fp
    n = int(sys.argv[2])
    df = pd.DataFrame({f"c{i}": np.random.default_rng(i).random(n) for i in range(8)})
    fp.DataFrame.from_df(df, uri=sys.argv[1]).write_sync()
    print("FINISHED")
    """
)


def _kill_mid_write(
    uri: str, appears: Callable[[], bool], env: dict[str, str] | None = None, settle: float = 0.2
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, uri, "6000000"],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not appears():
        assert proc.poll() is None, "the writer finished before it could be killed"
        assert time.monotonic() < deadline, "the write never started"
        time.sleep(0.02)
    time.sleep(settle)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL and "FINISHED" not in out


def test_sigkill_mid_write_on_local_disk(tmp_path):
    target = tmp_path / "store" / "big"
    staging = lambda: list((tmp_path / "store").glob(".frameport-staging-*/part-*"))  # noqa: E731
    (tmp_path / "store").mkdir(parents=True, exist_ok=True)
    _kill_mid_write(str(target), staging)
    assert not target.exists()  # nothing published
    with pytest.raises(fp.StorageError, match="no data at"):
        fp.DataFrame(str(target)).open(pd.DataFrame).all_sync()
    assert staging()  # the leftover is there ...
    assert cli(["gc", str(tmp_path / "store"), "--older-than", "0s"]) == 0
    assert not list((tmp_path / "store").glob(".frameport-staging-*"))  # ... and gc removed it


def test_sigkill_mid_write_on_s3(s3_server, s3_store):
    client = s3_server.client()
    key_prefix = s3_store.split("/", 3)[3] + "/big/"

    def started() -> bool:  # the marker is the first object a write puts; the parts follow
        listing = client.list_objects_v2(Bucket=s3_server.bucket, Prefix=key_prefix).get("Contents", [])
        return any(o["Key"].endswith("_frameport_incomplete") for o in listing)

    env = {"FRAMEPORT_STORAGE_OPTIONS": json.dumps({"s3": s3_server.storage_options})}
    _kill_mid_write(f"{s3_store}/big", started, env, settle=0.05)
    with pytest.raises(fp.StorageError, match="incomplete"):
        fp.DataFrame(f"{s3_store}/big", "parquet").open(pd.DataFrame).all_sync()
    removed = gc.collect(s3_store, older_than=0)
    assert removed == [f"{s3_store}/big"]
    assert not client.list_objects_v2(Bucket=s3_server.bucket, Prefix=key_prefix).get("Contents")


def test_gc_leaves_young_leftovers_and_complete_data(tmp_path):
    store = tmp_path / "store"
    ref = fp.DataFrame.from_df(pd.DataFrame({"a": [1]}), uri=str(store / "done")).write_sync()
    (store / ".frameport-staging-abc-x").mkdir(parents=True)
    assert gc.collect(str(store), older_than=3600) == []  # too young
    assert gc.collect(str(store), older_than=0, dry_run=True) == [f"file://{store}/.frameport-staging-abc-x"]
    assert (store / ".frameport-staging-abc-x").exists()
    assert len(gc.collect(str(store), older_than=0)) == 1
    assert ref.open(pd.DataFrame).all_sync()["a"].tolist() == [1]


def test_s3_server_stopped_mid_write(tmp_path):
    df = pd.DataFrame({f"c{i}": np.random.default_rng(i).random(4_000_000) for i in range(6)})
    with running_s3_server("stopped-bucket") as server:
        fp.configure(storage_options={"s3": server.storage_options})
        client = server.client()
        uri = "s3://stopped-bucket/data"
        box: dict[str, object] = {}

        def write() -> None:
            try:
                box["ref"] = fp.DataFrame.from_df(df, uri=uri).write_sync()
            except BaseException as exc:
                box["error"] = exc

        t = threading.Thread(target=write)
        t.start()
        deadline = time.monotonic() + 60
        while True:
            keys = [o["Key"] for o in client.list_objects_v2(Bucket="stopped-bucket").get("Contents", [])]
            if any("part-" in k for k in keys):
                break
            assert t.is_alive(), f"the write ended before the server could be stopped: {box}"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        server_handle = box.setdefault("server", server)
        assert server_handle is server
    # the server is stopped (the context exited) while the write goes on
    t.join(timeout=120)
    assert not t.is_alive()
    assert "ref" not in box, "a reference was handed out for a write that could not finish"
    assert isinstance(box["error"], fp.StorageError), repr(box["error"])
    with running_s3_server("stopped-bucket") as again:  # moto keeps the objects: what a reader now finds
        fp.configure(storage_options={"s3": again.storage_options})
        with pytest.raises(fp.StorageError, match="incomplete"):
            fp.DataFrame(uri, "parquet").open(pd.DataFrame).all_sync()
        assert gc.collect("s3://stopped-bucket", older_than=0) == [uri]


# --- concurrency ---------------------------------------------------------------------------------


def _write_and_read(i: int) -> tuple[int, str, bool]:
    df = pd.DataFrame({"writer": [i] * 50, "x": np.arange(50) * i})
    ref = fp.DataFrame.from_df(df).write_sync()
    back = fp.DataFrame.from_dict(json.loads(json.dumps(ref.to_dict()))).open(pd.DataFrame).all_sync()
    return i, ref.uri or "", back.equals(df)


def test_fifty_threads_and_fifty_processes_write_to_one_prefix():
    with ThreadPoolExecutor(max_workers=50) as pool:
        threads = list(pool.map(_write_and_read, range(50)))
    # spawn, not fork: this process runs server threads, and a fork can copy a lock some thread holds
    with ProcessPoolExecutor(max_workers=4, mp_context=multiprocessing.get_context("spawn")) as pool:
        procs = list(pool.map(_write_and_read, range(50, 100)))
    results = threads + procs
    assert all(ok for _, _, ok in results)
    assert len({uri for _, uri, _ in results}) == 100  # no two writers shared a location


def test_writers_racing_for_one_named_uri_never_read_wrong_data(tmp_path):
    uri = str(tmp_path / "contested")

    def write(i: int) -> fp.DataFrame:
        return fp.DataFrame.from_df(pd.DataFrame({"writer": [i] * 1000}), uri=uri).write_sync()

    with ThreadPoolExecutor(max_workers=20) as pool:
        refs = list(pool.map(write, range(20)))
    winners = 0
    for i, ref in enumerate(refs):
        try:
            got = ref.open(pd.DataFrame).all_sync()
        except fp.DataError as exc:
            assert "changed after the reference was made" in str(exc)
            continue
        assert set(got["writer"]) == {i}  # a reference that reads, reads its own data
        winners += 1
    assert winners == 1
    final = fp.DataFrame(uri).open(pd.DataFrame).all_sync()
    assert final["writer"].nunique() == 1 and len(final) == 1000


# --- credentials ---------------------------------------------------------------------------------


def test_credentials_never_leak(s3_server, s3_store, caplog, capsys):
    secret = s3_server.secret_key
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    ref = fp.DataFrame.from_df(pd.DataFrame({"a": [1, 2]}), uri=f"{s3_store}/creds").write_sync()
    seen += [json.dumps(ref.to_dict()), repr(ref), str(ref), repr(fp.storage.resolve(ref.uri))]
    run = fp.run(lambda: None)
    seen.append(pathlib.Path(run.url.removeprefix("file://")).read_text())

    @fp.task
    def passes(df: pd.DataFrame) -> pd.DataFrame:
        return df

    rec = fp.run(lambda: passes(ref.open(pd.DataFrame).all_sync()))
    seen.append(json.dumps(rec.to_record()))
    for bad in (f"{s3_store}/missing", "s3://no-such-bucket-leak/x"):
        with pytest.raises(fp.FrameportError) as info:
            fp.DataFrame(bad, "parquet").open(pd.DataFrame).all_sync()
        seen.append(str(info.value))
    with pytest.raises(fp.FrameportError) as info:
        fp.DataFrame.from_df(pd.DataFrame({"a": [1]}), uri="s3://no-such-bucket-leak/x").write_sync()
    seen.append(str(info.value))
    assert cli(["inspect", ref.uri]) == 0
    seen += [caplog.text, capsys.readouterr().out]
    for text in seen:
        assert secret not in text
