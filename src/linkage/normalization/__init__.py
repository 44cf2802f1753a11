"""Names, dates, A-numbers and countries -> one canonical person record per input record.

:func:`normalize` turns the validated source tables of :func:`linkage.read_sources` into the DuckDB
table ``records`` (:data:`linkage.tables.RECORDS`) whose columns are
:data:`linkage.schema.CANONICAL_COLUMNS`. The heavy work is SQL run by DuckDB; the few Python
functions (country lookup, Spanish phonetic keys, splitting a "First Middle Last" full name) run
over *distinct* values and are joined back.

Steps, in order, each in its own module:

1. ``_macros``: the SQL macros the other steps call (folding a name, reading a date).
2. ``_stage``: a view of the sources' columns side by side (absent columns are NULL).
3. ``_names``: names folded (accents, case, punctuation), placeholders ("FNU", "LNU", ...)
   removed, particles joined to the word they precede ("DE LA CRUZ"), "LAST, FIRST MIDDLE" split
   at the comma, a "First Middle Last" full name split by how often each token is a given name or
   a surname in the data (``_split``), a middle name that holds a surname moved to the surnames;
   phonetic keys (``_phonetic``).
4. ``_lookups``: dates, addresses, countries (``_countries``).
5. ``_records``: identifiers, dates, sex, country, places, court fields and the quality flags
   (``name_issue``, ``a_number_issue``, ``dob_issue``) that the profile (``_profile``) counts.

Names, dates, addresses and countries repeat heavily, so each is worked out once per distinct raw
value into a lookup table keyed by that value (a name lookup also holds every list a record needs:
names, cores, phonetic keys). ``records`` is then one query per source, joining to each record
only the lookups of the columns its source has, and sorted by ``unique_id`` so that the table,
and everything trained on it, does not depend on the order of the input rows. The lookups and
the other scratch tables (:func:`linkage.tables.scratch`) are dropped before :func:`normalize`
returns.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from typing import Any

import duckdb

from linkage.normalization._lookups import SCRATCH as _LOOKUP_TABLES
from linkage.normalization._lookups import build_value_lookups
from linkage.normalization._macros import define_macros
from linkage.normalization._name_columns import name_shape
from linkage.normalization._names import SCRATCH as _NAME_TABLES
from linkage.normalization._names import build_name_lookups
from linkage.normalization._profile import profile
from linkage.normalization._records import Records, assemble
from linkage.normalization._stage import STAGE, stage
from linkage.sources import OnBadRecord, Sources, read_sources

__all__ = ["Records", "normalize", "profile"]

logger = logging.getLogger("linkage")


def normalize(
    sources: Sources | Mapping[str, Any] | str | Any,
    *,
    columns: Mapping[str, Mapping[str, str]] | None = None,
    on_bad_record: OnBadRecord = "raise",
    strict: bool = False,
    memory_limit: str | int | None = None,
    temp_directory: str | os.PathLike[str] | None = None,
) -> Records:
    """Normalise the sources into the canonical records table (:data:`linkage.tables.RECORDS`).

    Args:
        sources: what :func:`linkage.read_sources` returned, or anything it accepts (a folder, a
            mapping of source name to path or frame), read by it.
        columns: per-source column mapping, handed to :func:`linkage.read_sources`; only for
            sources still to be read (it refuses a mapping for sources already read).
        on_bad_record: what :func:`linkage.read_sources` does with empty or repeated
            ``record_id`` values of sources still to be read (``"raise"`` or ``"reject"``).
        strict: raise the input's warnings as a :class:`~linkage.errors.StrictInputError`
            (see :func:`linkage.read_sources`).
        memory_limit, temp_directory: the memory the job may use, and where DuckDB spills beyond
            it, for sources still to be read (see :func:`linkage.read_sources`; default 4GB).

    Returns:
        :class:`Records`, whose ``con`` holds the records table with the columns of
        :data:`linkage.schema.CANONICAL_COLUMNS`, one row per record read.

    Example:
        >>> import pandas as pd, linkage
        >>> cbp = pd.DataFrame({"record_id": ["1"], "first_name": ["María José"],
        ...     "last_name": ["López-Chub"], "dob": ["04/19/2009"], "event_date": ["05/01/2021"],
        ...     "a_number": ["A12-345-678"]})
        >>> rec = linkage.normalize({"cbp": cbp}).to_pandas()
        >>> rec.loc[0, ["given_name_1", "paternal_surname", "maternal_surname", "a_number"]].tolist()
        ['MARIA', 'LOPEZ', 'CHUB', '012345678']
    """
    sources = read_sources(
        sources,
        columns=columns,
        on_bad_record=on_bad_record,
        strict=strict,
        memory_limit=memory_limit,
        temp_directory=temp_directory,
    )
    con = sources.con
    logger.info("normalising %s", ", ".join(f"{s}" for s in sources.tables))
    try:
        define_macros(con)
        staged = stage(sources)
        mixed = any(name_shape(present) == "mixed" for present, _ in staged.values())
        build_name_lookups(con, parts=mixed)
        build_value_lookups(con)
        assemble(con, staged)
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # the error raised says more than this one
            _drop_scratch(con)
        raise
    _drop_scratch(con)
    records = Records(con=con, sources=sources)
    logger.info("normalised %s records", f"{sum(records.counts().values()):,}")
    return records


def _drop_scratch(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the scratch tables and the view that :func:`normalize` makes, as far as they exist."""
    for table in (*_NAME_TABLES, *_LOOKUP_TABLES):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(f"DROP VIEW IF EXISTS {STAGE}")
