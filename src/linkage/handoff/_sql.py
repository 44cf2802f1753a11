"""The SQL of the handoff stage, as text: the identities query and the exact A-number join (the
summary and the groups are ``_groups``'s). Table names come in as arguments (the stage passes those
of :mod:`linkage.tables`)."""

from __future__ import annotations

import duckdb

from linkage.schema import SOURCES, STATUSES

NOT_TRANSFERRED, NO_NTA, NTA_NOT_FILED, FAILED_TO_APPEAR, IN_PROCEEDINGS = STATUSES

#: Age bands at apprehension (completed years), as ORR publishes them, plus adults and unknown.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0-12", 0, 12),
    ("13-14", 13, 14),
    ("15-16", 15, 16),
    ("17", 17, 17),
    ("18+", 18, 200),
)
AGE_UNKNOWN = "unknown"
#: First month of the US federal fiscal year (October): FY2020 runs 2019-10-01 .. 2020-09-30.
FISCAL_YEAR_FIRST_MONTH = 10


def sql_str(value: str) -> str:
    """``value`` as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def sql_list(values: tuple[str, ...]) -> str:
    """``values`` as a SQL list for ``IN``: ``('a', 'b')``."""
    return "(" + ", ".join(sql_str(v) for v in values) + ")"


def _age_band_sql(age: str) -> str:
    cases = " ".join(
        f"WHEN {age} BETWEEN {low} AND {high} THEN {sql_str(label)}"
        for label, low, high in AGE_BANDS
    )
    return f"CASE {cases} ELSE {sql_str(AGE_UNKNOWN)} END"


def _modes_sql() -> str:
    """The CTEs ``mode_dob``, ``mode_sex``, ``mode_country`` over ``base``: per identity, the most
    frequent value; ties go to a real (non-placeholder) dob, then the smallest value."""
    modes = []
    for column, tie_break in (
        ("dob", "coalesce(bool_and(dob_is_placeholder), false)"),
        ("sex", "false"),
        ("country", "false"),
    ):
        modes.append(
            f"""mode_{column} AS (
                SELECT identity_id, first({column} ORDER BY n DESC, weak, {column}) AS {column}
                FROM (SELECT identity_id, {column}, count(*) AS n, {tie_break} AS weak
                      FROM base WHERE {column} IS NOT NULL GROUP BY identity_id, {column})
                GROUP BY identity_id)"""
        )
    return ", ".join(modes)


#: Completed years between the identity's ``dob`` (``m.dob``) and ``ref_date``.
_AGE_SQL = (
    "(year(ref_date) - year(m.dob) - CASE WHEN month(ref_date) * 100 + day(ref_date)"
    " < month(m.dob) * 100 + day(m.dob) THEN 1 ELSE 0 END)"
)


def identities_sql(
    records: str,
    clusters: str,
    *,
    review_threshold: float,
    contested: bool = False,
    nta_issued: str = "coalesce(r.nta_issued, false) OR r.nta_issued_date IS NOT NULL",
) -> str:
    """The one query behind :func:`identity_statuses`; ``records``/``clusters`` are FROM items.
    ``contested``: ``clusters`` has a ``contested_link`` column (clusters made by ``link``).
    ``nta_issued``: SQL over ``r``, whether the record gives an NTA date (readable or not: the
    status asks only for a value); ``r.nta_issued_date IS NOT NULL`` for records made without
    the ``nta_issued`` column (see ``_stage._nta_issued_sql``)."""
    age = f"CASE WHEN m.dob IS NULL OR ref_date IS NULL THEN NULL ELSE {_AGE_SQL} END"
    counts = ",\n".join(f"count(*) FILTER (WHERE source = {sql_str(s)}) AS n_{s}" for s in SOURCES)
    return f"""
    WITH base AS (
        SELECT c.identity_id, c.link_probability,
               {"c.contested_link" if contested else "NULL::DOUBLE AS contested_link"},
               r.source, r.a_number, r.dob,
               r.dob_is_placeholder, r.sex, r.country, r.event_date, r.nta_issued_date,
               {nta_issued} AS nta_issued,
               r.release_date, r.hearing_date, r.absentia, r.address, r.zip5
        FROM {clusters} AS c JOIN {records} AS r ON c.unique_id = r.unique_id
    ),
    agg AS (
        SELECT identity_id,
               count(*) AS n_records,
               {counts},
               coalesce(list(DISTINCT a_number ORDER BY a_number)
                        FILTER (WHERE a_number IS NOT NULL), []::VARCHAR[]) AS a_numbers,
               min(event_date) FILTER (WHERE source = 'cbp') AS apprehension_date,
               min(event_date) FILTER (WHERE source = 'ice') AS ice_book_in_date,
               min(nta_issued_date) FILTER (WHERE source = 'ice') AS nta_issued_date,
               coalesce(bool_or(nta_issued) FILTER (WHERE source = 'ice'), false) AS any_nta,
               min(event_date) FILTER (WHERE source = 'hhs') AS orr_referral_date,
               max(release_date) FILTER (WHERE source = 'hhs') AS orr_release_date,
               coalesce(min(hearing_date) FILTER (WHERE source = 'eoir'),
                        min(event_date) FILTER (WHERE source = 'eoir')) AS first_hearing_date,
               min(coalesce(hearing_date, event_date))
                   FILTER (WHERE source = 'eoir' AND absentia) AS absentia_order_date,
               coalesce(bool_or(absentia) FILTER (WHERE source = 'eoir'), false) AS any_absentia,
               arg_max(address, event_date)
                   FILTER (WHERE source = 'hhs' AND address IS NOT NULL) AS sponsor_address,
               arg_max(zip5, event_date)
                   FILTER (WHERE source = 'hhs' AND zip5 IS NOT NULL) AS sponsor_zip5,
               arg_max(address, coalesce(hearing_date, event_date))
                   FILTER (WHERE source = 'eoir' AND address IS NOT NULL) AS court_address,
               arg_max(zip5, coalesce(hearing_date, event_date))
                   FILTER (WHERE source = 'eoir' AND zip5 IS NOT NULL) AS court_zip5,
               min(event_date) AS first_event_date,
               min(link_probability) AS weakest_link,
               max(contested_link) AS contested_link
        FROM base
        GROUP BY identity_id
    ),
    {_modes_sql()},
    joined AS (
        SELECT a.*, m.dob, s.sex, k.country,
               coalesce(a.apprehension_date, a.first_event_date) AS ref_date
        FROM agg AS a
        LEFT JOIN mode_dob AS m USING (identity_id)
        LEFT JOIN mode_sex AS s USING (identity_id)
        LEFT JOIN mode_country AS k USING (identity_id)
    )
    SELECT identity_id,
           CASE WHEN n_hhs = 0 THEN {sql_str(NOT_TRANSFERRED)}
                WHEN n_eoir > 0 AND any_absentia THEN {sql_str(FAILED_TO_APPEAR)}
                WHEN n_eoir > 0 THEN {sql_str(IN_PROCEEDINGS)}
                WHEN any_nta THEN {sql_str(NTA_NOT_FILED)}
                ELSE {sql_str(NO_NTA)} END AS status,
           n_records, {", ".join(f"n_{s}" for s in SOURCES)},
           a_numbers,
           len(a_numbers) > 1 AS multiple_a_numbers,
           apprehension_date, ice_book_in_date, nta_issued_date, orr_referral_date,
           orr_release_date, first_hearing_date, absentia_order_date,
           sponsor_address, sponsor_zip5, court_address, court_zip5,
           coalesce(sponsor_zip5 <> court_zip5, false)
             OR coalesce(sponsor_address <> court_address, false) AS address_disagrees,
           country, sex, dob,
           {age} AS age_at_apprehension,
           {_age_band_sql(age)} AS age_band,
           year(ref_date) + CASE WHEN month(ref_date) >= {FISCAL_YEAR_FIRST_MONTH}
                                 THEN 1 ELSE 0 END AS fiscal_year,
           weakest_link, contested_link,
           coalesce(weakest_link < {float(review_threshold)!r}, false)
             OR contested_link IS NOT NULL AS needs_review
    FROM joined AS m
    ORDER BY identity_id
    """


def exact_join_clusters_sql(records: str) -> str:
    """Records sharing a normalised A-number form one identity; records without one stay alone.

    Each canonical record carries at most one A-number, so "shares an A-number" is already an
    equivalence relation: its connected components are exactly the A-number groups, and no
    iterative propagation is needed.
    """
    return f"""SELECT unique_id, source, record_id,
                      CASE WHEN a_number IS NULL THEN 'record:' || unique_id
                           ELSE 'a_number:' || a_number END AS identity_id,
                      NULL::DOUBLE AS link_probability
               FROM {records}"""


def status_order_sql(column: str) -> str:
    """A sort key putting ``column``'s statuses in the order of :data:`linkage.schema.STATUSES`."""
    return f"list_position({list(STATUSES)!r}, {column})"


def statuses_sql() -> str:
    """Every status as a one-column table ``s(status)``, so counts include the zeros."""
    return f"(VALUES {', '.join(f'({sql_str(s)})' for s in STATUSES)}) AS s(status)"


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str] | None:
    """The columns of ``table``, or None when the connection has no such table."""
    try:
        return list(con.table(table).columns)
    except duckdb.CatalogException:
        return None
