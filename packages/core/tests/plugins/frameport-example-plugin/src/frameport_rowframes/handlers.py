"""RowFrame <-> JSON lines; a deliberately small encoder/decoder pair built on the public API only."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

import frameport as fp
from rowframes import RowFrame


class RowFrameEncoder(fp.Encoder):
    def __init__(self) -> None:
        super().__init__(RowFrame, None, "jsonl")

    def encode(self, value: Any, ctx: fp.WriteContext) -> fp.Written:
        path = ctx.path if ctx.single_file else ctx.part_path(0)
        if not ctx.single_file:
            ctx.fs.makedirs(ctx.path, exist_ok=True)
        data = "".join(json.dumps(r) + "\n" for r in value.rows).encode()
        with ctx.fs.open(path, "wb") as f:
            f.write(data)
        schema = pa.Table.from_pylist(value.rows).schema if value.rows else pa.schema([])
        name = "" if ctx.single_file else ctx.part_name(0)
        return fp.Written(schema, len(value.rows), [fp.Part(name, len(data))])


class RowFrameDecoder(fp.Decoder):
    def __init__(self) -> None:
        super().__init__(RowFrame, None, "jsonl")

    def decode(self, ctx: fp.ReadContext) -> RowFrame:
        rows = []
        for path in ctx.paths((".jsonl",)):
            with ctx.fs.open(path, "rb") as f:
                rows.extend(json.loads(line) for line in f.read().decode().splitlines() if line.strip())
        if ctx.columns is not None:
            rows = [{c: r.get(c) for c in ctx.columns} for r in rows]
        return RowFrame(rows)


def register() -> None:
    fp.register(RowFrameEncoder())
    fp.register(RowFrameDecoder())
