"""The employee pipeline: four tasks, two dataframe types, one reference passed on unread.

* ``create_raw`` returns a plain pandas frame (stored as parquet in the default location);
* ``create_ref`` returns a ``frameport.DataFrame`` made with ``from_df`` and declared as parquet;
* ``join`` declares both inputs as pandas: each arrives read from the store as a pandas frame;
* ``download`` receives the joined reference and reads it only when it asks to.

Run it with ``python examples/employee_pipeline.py`` (data goes to the embedded store,
``~/.frameport/store`` unless ``FRAMEPORT_STORE`` says otherwise); it prints the run's report path.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import pandas as pd

import frameport as fp

EMPLOYEES = {
    "employee_id": range(1001, 1009),
    "name": ["Alice", "Bob", "Charlie", "Diana", "Ethan", "Fiona", "George", "Hannah"],
    "department": ["HR", "Engineering", "Engineering", "Marketing", "Finance", "Finance", "HR", "Engineering"],
    "hire_date": pd.to_datetime(
        ["2018-01-15", "2019-03-22", "2020-07-10", "2017-11-01", "2021-06-05", "2018-09-13", "2022-01-07", "2020-12-30"]
    ),
}
PAY = {
    "employee_id": range(1001, 1009),
    "salary": [55000, 75000, 72000, 50000, 68000, 70000, np.nan, 80000],
    "bonus_pct": [0.05, 0.10, 0.07, 0.04, np.nan, 0.08, 0.03, 0.09],
    "full_time": [True, True, True, False, True, True, False, True],
    "projects": [
        ["Recruiting", "Onboarding"],
        ["Platform", "API"],
        ["API", "Data Pipeline"],
        ["SEO", "Ads"],
        ["Budget", "Forecasting"],
        ["Auditing"],
        [],
        ["Platform", "Security", "Data Pipeline"],
    ],
}


@fp.task
async def create_raw() -> pd.DataFrame:
    return pd.DataFrame(EMPLOYEES)


@fp.task
async def create_ref() -> Annotated[fp.DataFrame, "parquet"]:
    return fp.DataFrame.from_df(pd.DataFrame(PAY))


@fp.task
async def join(raw: pd.DataFrame, pay: pd.DataFrame) -> fp.DataFrame:
    return fp.DataFrame.from_df(raw.merge(pay, on="employee_id", how="inner"))


@fp.task
async def download(joined: fp.DataFrame) -> int:
    print(f"received a reference: {joined.uri} ({joined.num_rows} rows, columns {joined.columns})")
    df = await joined.open(pd.DataFrame).all()  # the data is read here, not before
    print(df.to_string())
    return len(df)


@fp.task
async def main() -> int:
    raw, pay = await create_raw(), await create_ref()
    joined = await join(raw, pay)
    return await download(joined)


if __name__ == "__main__":
    run = fp.run(main)
    print(f"\nrun {run.name}: {run.status}, {run.outputs} rows joined, {len(run.boundaries)} boundaries")
    print(f"report: {run.url}")
