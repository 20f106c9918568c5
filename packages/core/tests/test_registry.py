"""Handler lookup: MRO walk, the four-step key order, duplicates, defaults, and errors that explain."""

from __future__ import annotations

from types import MappingProxyType

import pandas as pd
import pytest

import frameport as fp
from frameport.registry import Registry


class Frame:
    pass


class SubFrame(Frame):
    pass


def enc(t, protocol=None, fmt=""):
    class E(fp.Encoder):
        def encode(self, value, ctx):
            raise AssertionError("not called")

    return E(t, protocol, fmt)


def dec(t, protocol=None, fmt=""):
    class D(fp.Decoder):
        pass

    return D(t, protocol, fmt)


def test_lookup_order_protocol_and_format_first():
    r = Registry()
    generic, any_proto, proto_any, exact = (
        enc(Frame),
        enc(Frame, None, "csv"),
        enc(Frame, "s3", ""),
        enc(Frame, "s3", "csv"),
    )
    for h in (generic, any_proto, proto_any, exact):
        r.register(h)
    assert r.find_encoder(Frame, "s3", "csv") is exact
    assert r.find_encoder(Frame, "s3", "parquet") is proto_any
    assert r.find_encoder(Frame, "gs", "csv") is any_proto
    assert r.find_encoder(Frame, "gs", "parquet") is generic


def test_subclasses_are_served_through_the_mro():
    r = Registry()
    h = enc(Frame, None, "parquet")
    r.register(h)
    assert r.find_encoder(SubFrame, "file", "parquet") is h
    specific = enc(SubFrame, None, "parquet")
    r.register(specific)
    assert r.find_encoder(SubFrame, "file", "parquet") is specific


def test_a_pandas_subclass_uses_the_builtin_handlers():
    class MyFrame(pd.DataFrame):
        pass

    ref = fp.DataFrame.from_df(MyFrame({"a": [1, 2]})).write_sync()
    assert ref.open(pd.DataFrame).all_sync()["a"].tolist() == [1, 2]


def test_duplicates_are_refused_naming_both_and_override_replaces():
    r = Registry()
    first, second = enc(Frame, None, "csv"), enc(Frame, None, "csv")
    r.register(first)
    with pytest.raises(fp.DuplicateHandlerError) as err:
        r.register(second)
    assert repr(first) in str(err.value) and repr(second) in str(err.value) and "override=True" in str(err.value)
    r.register(second, override=True)
    assert r.find_encoder(Frame, "file", "csv") is second


def test_an_encoder_and_a_decoder_for_one_key_do_not_clash():
    r = Registry()
    r.register(enc(Frame, None, "csv"))
    r.register(dec(Frame, None, "csv"))
    assert r.find_decoder(Frame, "file", "csv").python_type is Frame


def test_default_format_is_the_first_registered_unless_claimed():
    r = Registry()
    r.register(enc(Frame, None, "csv"))
    r.register(enc(Frame, None, "arrow"))
    assert r.default_format(Frame) == "csv"
    r.register(enc(Frame, None, "jsonl"), default_format=True)
    assert r.default_format(Frame) == "jsonl"
    r.register(enc(Frame, None, "xml"))
    assert r.default_format(Frame) == "jsonl"
    assert r.default_format(SubFrame) == "jsonl"


def test_a_miss_names_type_protocol_format_and_what_is_registered():
    r = Registry()
    r.register(enc(Frame, None, "csv"))
    with pytest.raises(fp.HandlerNotFoundError) as err:
        r.find_encoder(Frame, "s3", "avro")
    msg = str(err.value)
    assert "test_registry.Frame" in msg and "'s3'" in msg and "'avro'" in msg and "format=csv" in msg


def test_a_miss_for_a_known_backend_says_what_to_install():
    Fake = type("DataFrame", (), {"__module__": "dask.dataframe.core"})  # a backend no test env installs
    with pytest.raises(fp.HandlerNotFoundError, match="pip install frameport-dask"):
        Registry().find_encoder(Fake, "file", "parquet")
    with pytest.raises(fp.HandlerNotFoundError, match="pip install frameport-bigquery"):
        Registry().find_encoder(Frame, "bq", "")


def test_the_registry_is_read_only_from_outside():
    assert isinstance(fp.REGISTRY.encoders, MappingProxyType)
    with pytest.raises(TypeError):
        fp.REGISTRY.encoders[(Frame, None, "x")] = enc(Frame)  # type: ignore[index]


def test_global_registry_override_replaces_a_builtin_decoder(tmp_path):
    calls = []

    class CountingCsvDecoder(fp.Decoder):
        def __init__(self):
            super().__init__(pd.DataFrame, None, "csv")

        def decode(self, ctx):
            calls.append(ctx.columns)
            return pd.read_csv(ctx.paths()[0], usecols=ctx.columns)

    old = fp.REGISTRY.find_decoder(pd.DataFrame, "file", "csv")
    try:
        fp.register(CountingCsvDecoder(), override=True)
        ref = fp.DataFrame.from_df(pd.DataFrame({"a": [1], "b": [2]}), format="csv").write_sync()
        assert ref.open(pd.DataFrame, columns=["b"]).all_sync().columns.tolist() == ["b"]
        assert calls == [["b"]]
    finally:
        fp.register(old, override=True)
