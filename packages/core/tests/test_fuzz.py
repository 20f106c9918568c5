"""Fuzzing: reference parsing and decoding of mutated files raise only frameport errors, never hang.

Marked ``slow`` (CI runs it: the default test command does not deselect it). Deterministic
(``derandomize=True``), so a failure reproduces. Case counts: 3,000 arbitrary JSON values and 3,000
mutated valid references through ``DataFrame.from_dict``, and 1,500 mutated files per format (parquet,
csv, arrow) each decoded as pandas and as pyarrow: 10,500 cases.
"""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import fsspec
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import frameport as fp

pytestmark = pytest.mark.slow

SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)

FRAME = pd.DataFrame(
    {
        "id": range(40),
        "name": [f"n{i}" if i % 7 else None for i in range(40)],
        "score": [i / 3 for i in range(40)],
        "when": pd.date_range("2024-01-01", periods=40, freq="h", tz="UTC"),
    }
)


def _valid_reference() -> dict[str, Any]:
    ref = fp.DataFrame.from_df(FRAME, uri=f"memory://fuzz-refs/{uuid.uuid4().hex}").write_sync()
    return ref.to_dict()


VALID = None


def _only_frameport_errors(fn: Any) -> Any:
    try:
        return fn()
    except fp.FrameportError:
        return None


@settings(max_examples=3000, **SETTINGS)
@given(json_values)
def test_from_dict_on_arbitrary_json(value):
    _only_frameport_errors(lambda: fp.DataFrame.from_dict(value))


@settings(max_examples=3000, **SETTINGS)
@given(st.data())
def test_from_dict_on_mutated_references(data):
    global VALID
    if VALID is None:
        VALID = _valid_reference()
    d = json.loads(json.dumps(VALID))
    key = data.draw(st.sampled_from([*sorted(d), "metadata.parts", "metadata.num_rows", "schema"]))
    new = data.draw(json_values)
    if key.startswith("metadata."):
        d["metadata"][key.split(".", 1)[1]] = new
    elif key == "schema" and data.draw(st.booleans()):
        raw = bytearray(str(d["schema"]).encode())
        if raw:
            i = data.draw(st.integers(0, len(raw) - 1))
            raw[i] = data.draw(st.integers(32, 126))
        d["schema"] = raw.decode(errors="replace")
    else:
        d[key] = new
    ref = _only_frameport_errors(lambda: fp.DataFrame.from_dict(d))
    if ref is not None:  # a parseable reference: reading it must also fail cleanly or succeed
        _only_frameport_errors(lambda: ref.open(pa.Table).all_sync())


def _file_bytes(fmt: str) -> bytes:
    buf = io.BytesIO()
    table = pa.Table.from_pandas(FRAME, preserve_index=False)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, buf, row_group_size=10)
    elif fmt == "csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, buf)
    else:
        with pa.ipc.new_file(buf, table.schema) as w:
            w.write_table(table, max_chunksize=10)
    return buf.getvalue()


ORIGINALS = {fmt: _file_bytes(fmt) for fmt in ("parquet", "csv", "arrow")}


@st.composite
def mutated(draw: Any, fmt: str) -> bytes:
    data = bytearray(ORIGINALS[fmt])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "byte", "truncate", "insert", "delete", "zero"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif kind == "byte":
            data[i] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del data[i:]
        elif kind == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[i : i + draw(st.integers(1, 16))]
        else:
            data[i : i + 8] = bytes(min(8, len(data) - i))
    return bytes(data)


def _decode_all(fmt: str, blob: bytes) -> None:
    uri = f"memory://fuzz-files/{uuid.uuid4().hex}.{fmt}"
    fs = fsspec.filesystem("memory")
    fs.pipe_file(uri, blob)
    try:
        ref = fp.DataFrame(uri, fmt)
        for tp in (pd.DataFrame, pa.Table):
            _only_frameport_errors(lambda tp=tp: ref.open(tp).all_sync())
        _only_frameport_errors(lambda: list(ref.open(pa.Table).iter_sync(batch_size=7)))
    finally:
        fs.rm_file(uri)


@pytest.mark.parametrize("fmt", ["parquet", "csv", "arrow"])
def test_decoding_mutated_files(fmt):
    @settings(max_examples=1500, **SETTINGS)
    @given(mutated(fmt))
    def run(blob: bytes) -> None:
        _decode_all(fmt, blob)

    run()
