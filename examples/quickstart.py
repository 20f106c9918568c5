"""Quickstart: write a pandas frame, hand its reference on as JSON, read two columns back.

Runs on the embedded default store (``~/.frameport/store``, or ``FRAMEPORT_STORE``).
"""

from __future__ import annotations

import json
from typing import Annotated

import numpy as np
import pandas as pd
import pyarrow as pa

import frameport as fp

EMPLOYEES = pd.DataFrame(
    {
        "employee_id": range(1001, 1009),
        "name": ["Alice", "Bob", "Charlie", "Diana", "Ethan", "Fiona", "George", "Hannah"],
        "department": ["HR", "Engineering", "Engineering", "Marketing", "Finance", "Finance", "HR", "Engineering"],
        "salary": [55000, 75000, 72000, 50000, 68000, 70000, np.nan, 80000],
        "projects": [["Recruiting"], ["Platform", "API"], ["API"], ["SEO"], ["Budget"], ["Auditing"], [], ["Security"]],
    }
)


def main() -> None:
    ref = fp.DataFrame.from_df(EMPLOYEES).write_sync()  # written now: uri, schema, num_rows set
    print(f"wrote {ref.num_rows} rows as {ref.format} to {ref.uri}")
    message = json.dumps(ref.to_dict())  # what another process needs

    received = fp.DataFrame.from_dict(json.loads(message))
    Pay = Annotated[pd.DataFrame, fp.columns(employee_id=int, salary=float)]
    pay = received.open(Pay, filters=[("salary", ">", 60000)]).all_sync()  # 2 columns leave storage
    print(pay)
    table = received.open(pa.Table).all_sync()  # the same data as another type
    print(table.schema)


if __name__ == "__main__":
    main()
