"""The shapes of what :func:`~linkage.sources.read_sources` takes and gives, named once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal, Union, get_args

import duckdb
import pandas as pd
import pyarrow as pa

from linkage.schema import Source as Source

if TYPE_CHECKING:
    import polars


#: User column name -> layout column name, e.g. ``{"ALIEN_NBR": "a_number"}``.
ColumnMapping = Mapping[str, str]
#: What to do with empty or repeated ``record_id`` values: fail, or set the rows aside.
OnBadRecord = Literal["raise", "reject"]
#: Why a row is in the rejects table.
RejectReason = Literal["unreadable_row", "empty_record_id", "duplicate_record_id"]
REJECT_REASONS: tuple[RejectReason, ...] = get_args(RejectReason)
#: One source as given: a CSV or Parquet path, or an in-memory table.
SourceInput = Union[
    str,
    "os.PathLike[str]",
    pd.DataFrame,
    "polars.DataFrame",
    pa.Table,
    duckdb.DuckDBPyRelation,
]
#: The column holding each record's 1-based data row in its source.
ROW_NUMBER_COLUMN = "_row_number"
