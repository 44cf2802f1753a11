"""Names, dates, A-numbers and countries -> one canonical person record per input record.

:func:`normalize` turns the validated source tables of :func:`linkage.read_sources` into the DuckDB
table ``records`` whose columns are :data:`linkage.schema.CANONICAL_COLUMNS`. The heavy work is SQL
run by DuckDB; the few Python functions (country lookup, Spanish phonetic keys, splitting a
"First Middle Last" full name) run over *distinct* values and are joined back.

Steps, in order:

1. ``_stage``: a view of the sources' columns side by side (absent columns are NULL).
2. names: folded (accents, case, punctuation), placeholders ("FNU", "LNU", ...) removed, particles
   joined to the word they precede ("DE LA CRUZ"), "LAST, FIRST MIDDLE" split at the comma, a
   "First Middle Last" full name split by how often each token is a given name or a surname in the
   data, a middle name that holds a surname moved to the surnames.
3. identifiers, dates, sex, country, places, court fields.
4. the quality flags (``name_issue``, ``a_number_issue``, ``dob_issue``) that the profile counts.

Names, dates, addresses and countries repeat heavily, so each is worked out once per distinct raw
value into a lookup table keyed by that value (a name lookup also holds every list a record needs:
names, cores, phonetic keys). ``records`` is then one query per source, joining to each record
only the lookups of the columns its source has, and sorted by ``unique_id`` so that the table,
and everything trained on it, does not depend on the order of the input rows.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from linkage.normalization._lookups import ADDRESS_WORDS as ADDRESS_WORDS
from linkage.normalization._lookups import country_lookup
from linkage.normalization._macros import define_macros
from linkage.normalization._name_columns import name_shape
from linkage.normalization._names import GIVEN_SHARE_THRESHOLD as GIVEN_SHARE_THRESHOLD
from linkage.normalization._names import NAME_LOOKUPS, build_name_lookups
from linkage.normalization._profile import profile
from linkage.normalization._records import RECORDS_TABLE as RECORDS_TABLE
from linkage.normalization._records import Records, assemble
from linkage.normalization._stage import stage

if TYPE_CHECKING:
    from linkage.sources import Sources

__all__ = ["Records", "normalize", "profile"]

logger = logging.getLogger("linkage")

#: The working tables normalisation creates and drops.
_TEMP_TABLES = (
    *(table for name, (source, *_) in NAME_LOOKUPS.items() for table in (name, source)),
    "_nm_middle0",
    "_nm_full0",
    "_plain_split",
    "_middle_split",
    "_tok_lists",
    "_tok_keys",
    "_tok_forms",
    "_country_codes",
    "_dates",
    "_addresses",
)


def normalize(
    sources: Sources | Mapping[str, Any] | str | Any,
    *,
    columns: Mapping[str, Mapping[str, str]] | None = None,
) -> Records:
    """Normalise the sources into the canonical ``records`` table.

    Args:
        sources: what :func:`linkage.read_sources` returned, or anything it accepts (a folder, a
            mapping of source name to path or frame).
        columns: per-source column mapping, used only when ``sources`` still has to be read.

    Returns:
        :class:`Records`, whose ``con`` holds the DuckDB table ``records`` with the columns of
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
    if not (hasattr(sources, "con") and hasattr(sources, "tables")):
        from linkage.sources import read_sources

        sources = read_sources(sources, columns=columns)
    con = sources.con
    logger.info("normalising %s", ", ".join(f"{s}" for s in sources.tables))
    define_macros(con)
    staged = stage(sources)
    build_name_lookups(
        con, parts=any(name_shape(present) == "mixed" for present, _ in staged.values())
    )
    country_lookup(con)
    assemble(con, staged)
    for temp in _TEMP_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {temp}")
    con.execute("DROP VIEW IF EXISTS _stage")
    records = Records(con=con, sources=sources)
    logger.info("normalised %s records", f"{sum(records.counts().values()):,}")
    return records
