"""Storage: fresh locations, atomic publish (a filesystem that fails mid-write), foreign directories."""

from __future__ import annotations

import os

import fsspec
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fsspec.implementations.memory import MemoryFile, MemoryFileSystem

import frameport as fp

FRAME = pd.DataFrame({"a": range(1000), "b": [f"s{i}" for i in range(1000)]})


class _FailingFile(MemoryFile):
    def write(self, data):
        if self.tell() + len(data) > FailingFS.fail_after:
            raise OSError("injected failure: the disk went away mid-write")
        return super().write(data)


class FailingFS(MemoryFileSystem):
    """An in-memory filesystem whose files fail after ``fail_after`` bytes: a crash in the middle of a write."""

    protocol = "failmem"
    store: dict = {}
    pseudo_dirs = [""]
    fail_after = 200

    def _open(self, path, mode="rb", **kw):
        if "w" in mode:
            path = self._strip_protocol(path)
            f = _FailingFile(self, path)
            f.commit = lambda: self.store.__setitem__(path, f)
            return f
        return super()._open(path, mode, **kw)


fsspec.register_implementation("failmem", FailingFS, clobber=True)


def test_fresh_locations_are_unique(tmp_path, monkeypatch):
    monkeypatch.setenv("FRAMEPORT_STORE", str(tmp_path))
    uris = {fp.DataFrame.from_df(FRAME.head(3)).write_sync().uri for _ in range(20)}
    assert len(uris) == 20 and all(u.startswith(f"file://{tmp_path}/") for u in uris)


def test_a_write_that_fails_midway_leaves_nothing_and_no_reference():
    fs = FailingFS()
    with pytest.raises(fp.FrameportError, match="injected failure"):
        fp.DataFrame.from_df(FRAME, uri="failmem://bucket/out").write_sync()
    assert not fs.exists("/bucket/out")
    leftovers = [p for p in fs.store if p.startswith("/bucket")]
    assert leftovers == []


def test_a_failed_write_on_local_disk_leaves_no_staging(tmp_path):
    bad = pd.DataFrame({"a": [1, "x", 2.5]})  # mixed object column: Arrow refuses it
    with pytest.raises(fp.DataError, match="cannot convert"):
        fp.DataFrame.from_df(bad, uri=str(tmp_path / "out")).write_sync()
    assert os.listdir(tmp_path) == []


def test_writing_to_an_existing_named_location_replaces_it(tmp_path):
    uri = str(tmp_path / "named")
    fp.DataFrame.from_df(FRAME).write_sync(uri=uri)
    ref = fp.DataFrame.from_df(FRAME.head(5)).write_sync(uri=uri)
    assert ref.open(pd.DataFrame).all_sync().shape == (5, 2)
    assert sorted(os.listdir(tmp_path)) == ["named"]


@pytest.mark.parametrize(("name", "fmt"), [("x.csv", "csv"), ("x.parquet", "parquet"), ("x.feather", "arrow")])
def test_a_file_uri_is_written_as_one_file(tmp_path, name, fmt):
    ref = fp.DataFrame.from_df(FRAME, uri=str(tmp_path / name), format=fmt).write_sync()
    assert os.path.isfile(tmp_path / name)
    back = fp.DataFrame(str(tmp_path / name)).open(pd.DataFrame).all_sync()  # format from the extension
    pd.testing.assert_frame_equal(back, FRAME)
    [part] = ref.metadata["parts"]
    assert part["name"] == "" and part["size"] == os.path.getsize(tmp_path / name)
    assert part["version"].startswith("mtime_ns:")


def test_a_foreign_directory_of_parts_reads_as_one_frame(tmp_path):
    d = tmp_path / "spark_out"
    d.mkdir()
    table = pa.Table.from_pandas(FRAME, preserve_index=False)
    for i in range(3):
        pq.write_table(table.slice(i * 400, 400), d / f"part-{i:05d}-abc.snappy.parquet")
    (d / "_SUCCESS").write_bytes(b"")
    (d / ".part-00000-abc.snappy.parquet.crc").write_bytes(b"junk")
    back = fp.DataFrame(str(d)).open(pd.DataFrame).all_sync()
    pd.testing.assert_frame_equal(back, FRAME)
    assert fp.DataFrame(str(d)).schema.names == ["a", "b"]


def test_a_missing_location_is_a_storage_error(tmp_path):
    with pytest.raises(fp.StorageError, match="does not exist"):
        fp.DataFrame(str(tmp_path / "nope")).open(pd.DataFrame).all_sync()


def test_data_removed_after_the_reference_was_made_is_an_error(tmp_path):
    ref = fp.DataFrame.from_df(FRAME, uri=str(tmp_path / "gone")).write_sync()
    os.remove(tmp_path / "gone" / ref.metadata["parts"][0]["name"])
    with pytest.raises(fp.DataError, match="changed after the reference was made"):
        ref.open(pd.DataFrame).all_sync()


def test_a_file_in_another_format_than_claimed_is_a_data_error(tmp_path):
    ref = fp.DataFrame.from_df(FRAME, uri=str(tmp_path / "x.csv"), format="csv").write_sync()
    with pytest.raises(fp.DataError, match="as parquet"):
        fp.DataFrame(ref.uri, "parquet").open(pd.DataFrame).all_sync()


def test_an_unknown_protocol_is_a_clear_error():
    with pytest.raises(fp.StorageError, match="nosuchproto"):
        fp.DataFrame.from_df(FRAME, uri="nosuchproto://b/x").write_sync()


def test_storage_options_come_from_a_config_file(tmp_path, monkeypatch):
    cfg = tmp_path / "frameport.toml"
    cfg.write_text(f'store = "{tmp_path / "from-config"}"\n[storage.memory]\n')
    monkeypatch.setenv("FRAMEPORT_CONFIG", str(cfg))
    monkeypatch.delenv("FRAMEPORT_STORE")
    ref = fp.DataFrame.from_df(FRAME.head(2)).write_sync()
    assert ref.uri.startswith(f"file://{tmp_path / 'from-config'}/")


def test_a_broken_config_file_is_a_clear_error(tmp_path, monkeypatch):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("store = [unclosed")
    monkeypatch.setenv("FRAMEPORT_CONFIG", str(cfg))
    with pytest.raises(fp.FrameportError, match="not valid TOML"):
        fp.DataFrame.from_df(FRAME.head(2)).write_sync()


def _progress_run(use_tty: bool, tmp_path) -> str:
    import pty
    import subprocess
    import sys

    code = (
        "import pandas as pd, numpy as np, frameport as fp\n"
        "df = pd.DataFrame({'a': np.arange(5_000_000), 'b': np.random.default_rng(0).random(5_000_000)})\n"
        "ref = fp.DataFrame.from_df(df).write_sync()\n"
        "ref.open(pd.DataFrame).all_sync()\n"
    )
    env = {**os.environ, "FRAMEPORT_STORE": str(tmp_path), "FRAMEPORT_PROGRESS_AFTER": "0"}
    if not use_tty:
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stderr
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=slave, stdout=subprocess.DEVNULL)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    assert proc.returncode == 0
    return b"".join(chunks).decode(errors="replace")


def test_progress_shows_on_a_terminal_only(tmp_path):
    shown = _progress_run(True, tmp_path)
    assert "frameport: writing parquet to file://" in shown and "frameport: reading parquet" in shown
    assert _progress_run(False, tmp_path) == ""
