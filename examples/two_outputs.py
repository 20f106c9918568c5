"""Two outputs, two places, two formats: one task returns a csv file at a uri the user names and a
parquet dataset in the default location; the next task reads both as pyarrow tables.

The csv location is a local folder here (``FRAMEPORT_EXAMPLE_OUT`` or a temporary one); any fsspec uri
(``s3://bucket/report.csv``, ``gs://...``) works the same way.
"""

from __future__ import annotations

import os
import tempfile
from typing import Annotated

import pandas as pd
import pyarrow as pa

import frameport as fp

OUT = os.environ.get("FRAMEPORT_EXAMPLE_OUT") or tempfile.mkdtemp(prefix="frameport-two-outputs-")


@fp.task
def split() -> tuple[Annotated[fp.DataFrame, "csv"], fp.DataFrame]:
    people = pd.DataFrame({"id": [1, 2, 3], "name": ["Ada", "Grace", "Linus"]})
    scores = pd.DataFrame({"id": [1, 2, 3], "score": [9.5, 8.0, 7.25]})
    summary = fp.DataFrame.from_df(people, uri=os.path.join(OUT, "people.csv"), format="csv")
    return summary, fp.DataFrame.from_df(scores)  # the second: parquet, default location


@fp.task
def combine(people: pa.Table, scores: pa.Table) -> pa.Table:
    return people.join(scores, "id").sort_by("id")


@fp.task
def main() -> pa.Table:
    people, scores = split()
    print(f"people: {people.format} at {people.uri}")
    print(f"scores: {scores.format} at {scores.uri}")
    return combine(people, scores)


if __name__ == "__main__":
    run = fp.run(main)
    print(run.outputs.to_pandas().to_string(index=False))
    print(f"csv written: {os.path.join(OUT, 'people.csv')}:")
    with open(os.path.join(OUT, "people.csv")) as f:
        print(f.read())
