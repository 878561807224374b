"""The rule adapters, one module per engine (`adapters.base` says how they fit)."""

from __future__ import annotations

from fangfan.engine.rules.adapters.base import FINDING_COLUMNS, Adapter, placeholder_notes
from fangfan.engine.rules.adapters.duckdb_adapter import DuckDBAdapter
from fangfan.engine.rules.adapters.polars_adapter import PolarsAdapter
from fangfan.engine.rules.adapters.spark_adapter import SparkAdapter
from fangfan.engine.rules.adapters.sql import SqlAdapter

__all__ = [
    "FINDING_COLUMNS",
    "Adapter",
    "DuckDBAdapter",
    "PolarsAdapter",
    "SparkAdapter",
    "SqlAdapter",
    "placeholder_notes",
]
