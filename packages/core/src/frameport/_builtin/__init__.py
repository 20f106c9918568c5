"""The built-in handlers: pyarrow.Table and pandas.DataFrame <-> parquet, csv, arrow.

They register through the same plugin path as any third-party backend (see ``frameport.registry``).
"""
