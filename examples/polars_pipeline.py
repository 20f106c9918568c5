"""polars through frameport: an eager DataFrame task and a LazyFrame task that reads as a scan.

* ``create`` returns a ``pl.DataFrame`` (stored as parquet);
* ``filter_high_earners`` receives it eagerly and returns an enriched, sorted frame;
* ``aggregate_by_department`` receives the same data as a ``pl.LazyFrame`` declaring only the two
  columns it uses: the scan reads just those, and polars plans the whole query before running it.

Needs frameport-polars (``pip install frameport-polars``): nothing else to import or configure.
"""

from __future__ import annotations

from typing import Annotated

import polars as pl

import frameport as fp

EMPLOYEES = {
    "employee_id": [1001, 1002, 1003, 1004, 1005, 1006],
    "name": ["Alice", "Bob", "Charlie", "Diana", "Ethan", "Fiona"],
    "department": ["Engineering", "Engineering", "Marketing", "Finance", "Finance", "Engineering"],
    "salary": [75000, 72000, 50000, 68000, 70000, 80000],
    "years_experience": [5, 4, 2, 6, 5, 7],
}


@fp.task
async def create() -> pl.DataFrame:
    return pl.DataFrame(EMPLOYEES)


@fp.task
async def filter_high_earners(df: pl.DataFrame) -> pl.DataFrame:
    return (
        df.filter(pl.col("salary") > 60000)
        .with_columns((pl.col("salary") / pl.col("years_experience")).alias("salary_per_year"))
        .sort("salary", descending=True)
    )


Pay = Annotated[pl.LazyFrame, fp.columns(department=str, salary=int)]


@fp.task
async def aggregate_by_department(lf: Pay) -> pl.DataFrame:
    print("plan handed to the task (a scan of 2 columns):")
    print(lf.explain())
    return (
        lf.group_by("department")
        .agg(
            pl.col("salary").mean().alias("avg_salary"),
            pl.col("salary").max().alias("max_salary"),
            pl.len().alias("headcount"),
        )
        .sort("avg_salary", descending=True)
        .collect()
    )


@fp.task
async def main() -> tuple[pl.DataFrame, pl.DataFrame]:
    employees = await create()
    return await filter_high_earners(employees), await aggregate_by_department(employees)


if __name__ == "__main__":
    with pl.Config(tbl_cols=-1, tbl_width_chars=120):
        run = fp.run(main)
        high, by_department = run.outputs
        print(high)
        print(by_department)
    print(f"run {run.name}: {run.status}; report: {run.url}")
