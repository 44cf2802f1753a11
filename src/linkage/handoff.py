"""Identities -> custody chain and handoff status per identity.

The stage reads two DuckDB tables that linking leaves on its connection, ``records`` (canonical
records, :data:`linkage.schema.CANONICAL_COLUMNS`) and ``clusters`` (``unique_id, identity_id,
link_probability``), and computes, in SQL only, one row per identity: its records per source, its
A-numbers, the dates along the custody chain (CBP apprehension, ICE book-in and Notice to Appear,
ORR referral and release, first hearing, in-absentia order), the sponsor and court addresses, the
demographics and the handoff ``status`` of ``docs/statuses.md``:

1. no HHS record                                    -> ``not_transferred``
2. a court (EOIR) record with an in-absentia order  -> ``failed_to_appear``
3. a court record, no in-absentia order             -> ``in_proceedings``
4. an ICE record with an NTA issued date            -> ``nta_not_filed``
5. otherwise                                        -> ``no_nta``

:func:`handoff_report` adds the summaries and the comparison with what a plain A-number join of
the same records would report.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import duckdb
import pandas as pd

from linkage.errors import Problem, SchemaError
from linkage.schema import LOST_STATUSES, SOURCES, STATUSES

if TYPE_CHECKING:
    import os

__all__ = [
    "AGE_BANDS",
    "DEFAULT_REVIEW_THRESHOLD",
    "HandoffReport",
    "IdentityExplanation",
    "LinkedData",
    "STATUS_MEANINGS",
    "handoff_report",
    "identity_statuses",
]

logger = logging.getLogger("linkage")

NOT_TRANSFERRED, NO_NTA, NTA_NOT_FILED, FAILED_TO_APPEAR, IN_PROCEEDINGS = STATUSES

#: What each status means, in a sentence (docs/statuses.md says more).
STATUS_MEANINGS: dict[str, str] = {
    NOT_TRANSFERRED: "no HHS placement record: never handed to HHS as far as the data shows",
    NO_NTA: "handed to HHS; no Notice to Appear in ICE's records and no court case",
    NTA_NOT_FILED: "handed to HHS; ICE issued a Notice to Appear but no court case exists",
    FAILED_TO_APPEAR: "handed to HHS; court case exists and a removal order was issued in absentia",
    IN_PROCEEDINGS: "handed to HHS; court case exists, no in-absentia order",
}

#: Identities whose weakest link is below this match probability are flagged ``needs_review``.
DEFAULT_REVIEW_THRESHOLD = 0.95

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

#: Columns of ``records`` this stage reads.
RECORD_COLUMNS: tuple[str, ...] = (
    "unique_id",
    "source",
    "record_id",
    "a_number",
    "dob",
    "dob_is_placeholder",
    "sex",
    "country",
    "event_date",
    "nta_issued_date",
    "release_date",
    "hearing_date",
    "absentia",
    "address",
    "zip5",
)
CLUSTER_COLUMNS: tuple[str, ...] = ("unique_id", "identity_id", "link_probability")

#: Columns shown by :meth:`HandoffReport.explain` for each record of an identity.
_EXPLAIN_COLUMNS: tuple[str, ...] = (
    "unique_id",
    "source",
    "record_id",
    "first_name",
    "middle_name",
    "last_name",
    "dob",
    "a_number",
    "sex",
    "country",
    "event_date",
    "nta_issued_date",
    "release_date",
    "hearing_date",
    "absentia",
)


@runtime_checkable
class LinkedData(Protocol):
    """What this stage needs from a linkage result: a DuckDB connection holding the tables.

    ``con`` must hold ``records`` and ``clusters``; ``pairs`` and ``rejects`` are used when
    present. :class:`linkage.linking.LinkageResult` fits; so does any object with a ``con``
    attribute (a hand-built stand-in in tests). An ``explain_pair(unique_id_l, unique_id_r)``
    method, when the object has one, is used by :meth:`HandoffReport.explain`.
    """

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection holding ``records``, ``clusters`` (and ``pairs``, ``rejects``)."""
        ...


@dataclass(frozen=True)
class _Connection:
    """Wraps a bare connection so it fits :class:`LinkedData`."""

    con: duckdb.DuckDBPyConnection


# --------------------------------------------------------------------------------------------
# SQL
# --------------------------------------------------------------------------------------------


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(_sql_str(v) for v in values) + ")"


def _age_band_sql(age: str) -> str:
    cases = " ".join(
        f"WHEN {age} BETWEEN {low} AND {high} THEN {_sql_str(label)}"
        for label, low, high in AGE_BANDS
    )
    return f"CASE {cases} ELSE {_sql_str(AGE_UNKNOWN)} END"


def _identities_sql(
    records: str, clusters: str, *, review_threshold: float, contested: bool = False
) -> str:
    """The one query behind :func:`identity_statuses`; ``records``/``clusters`` are FROM items.
    ``contested``: ``clusters`` has a ``contested_link`` column (clusters made by ``link``)."""
    counts = ",\n".join(f"count(*) FILTER (WHERE source = {_sql_str(s)}) AS n_{s}" for s in SOURCES)
    modes = []
    for column, tie_break in (
        ("dob", "coalesce(bool_and(dob_is_placeholder), false)"),
        ("sex", "false"),
        ("country", "false"),
    ):
        # most frequent value; ties go to a real (non-placeholder) dob, then the smallest value
        modes.append(
            f"""mode_{column} AS (
                SELECT identity_id, first({column} ORDER BY n DESC, weak, {column}) AS {column}
                FROM (SELECT identity_id, {column}, count(*) AS n, {tie_break} AS weak
                      FROM base WHERE {column} IS NOT NULL GROUP BY identity_id, {column})
                GROUP BY identity_id)"""
        )
    age = (
        "(year(ref_date) - year(m.dob) - CASE WHEN month(ref_date) * 100 + day(ref_date)"
        " < month(m.dob) * 100 + day(m.dob) THEN 1 ELSE 0 END)"
    )
    return f"""
    WITH base AS (
        SELECT c.identity_id, c.link_probability,
               {"c.contested_link" if contested else "NULL::DOUBLE AS contested_link"},
               r.source, r.a_number, r.dob,
               r.dob_is_placeholder, r.sex, r.country, r.event_date, r.nta_issued_date,
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
    {", ".join(modes)},
    joined AS (
        SELECT a.*, m.dob, s.sex, k.country,
               coalesce(a.apprehension_date, a.first_event_date) AS ref_date
        FROM agg AS a
        LEFT JOIN mode_dob AS m USING (identity_id)
        LEFT JOIN mode_sex AS s USING (identity_id)
        LEFT JOIN mode_country AS k USING (identity_id)
    )
    SELECT identity_id,
           CASE WHEN n_hhs = 0 THEN {_sql_str(NOT_TRANSFERRED)}
                WHEN n_eoir > 0 AND any_absentia THEN {_sql_str(FAILED_TO_APPEAR)}
                WHEN n_eoir > 0 THEN {_sql_str(IN_PROCEEDINGS)}
                WHEN nta_issued_date IS NOT NULL THEN {_sql_str(NTA_NOT_FILED)}
                ELSE {_sql_str(NO_NTA)} END AS status,
           n_records, {", ".join(f"n_{s}" for s in SOURCES)},
           a_numbers,
           len(a_numbers) > 1 AS multiple_a_numbers,
           apprehension_date, ice_book_in_date, nta_issued_date, orr_referral_date,
           orr_release_date, first_hearing_date, absentia_order_date,
           sponsor_address, sponsor_zip5, court_address, court_zip5,
           coalesce(sponsor_zip5 <> court_zip5, false)
             OR coalesce(sponsor_address <> court_address, false) AS address_disagrees,
           country, sex, dob,
           CASE WHEN m.dob IS NULL OR ref_date IS NULL THEN NULL ELSE {age} END
             AS age_at_apprehension,
           {_age_band_sql(f"CASE WHEN m.dob IS NULL OR ref_date IS NULL THEN NULL ELSE {age} END")}
             AS age_band,
           year(ref_date) + CASE WHEN month(ref_date) >= {FISCAL_YEAR_FIRST_MONTH}
                                 THEN 1 ELSE 0 END AS fiscal_year,
           weakest_link, contested_link,
           coalesce(weakest_link < {float(review_threshold)!r}, false)
             OR contested_link IS NOT NULL AS needs_review
    FROM joined AS m
    ORDER BY identity_id
    """


def _has_contested_links(con: duckdb.DuckDBPyConnection, clusters: str) -> bool:
    """Whether ``clusters`` carries ``contested_link`` (clusters made by ``link`` do)."""
    return "contested_link" in (_columns(con, clusters) or [])


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str] | None:
    try:
        return list(con.table(table).columns)
    except duckdb.CatalogException:
        return None


def _check_tables(con: duckdb.DuckDBPyConnection, records: str, clusters: str) -> None:
    problems = []
    for table, needed in ((records, RECORD_COLUMNS), (clusters, CLUSTER_COLUMNS)):
        found = _columns(con, table)
        if found is None:
            problems.append(
                Problem(
                    source=None,
                    column=None,
                    message=f"the connection has no table {table!r}",
                    fix="pass the result of linkage.link(), or create the table first",
                    kind="schema",
                )
            )
            continue
        missing = [c for c in needed if c not in found]
        if missing:
            problems.append(
                Problem(
                    source=None,
                    column=", ".join(missing),
                    message=f"table {table!r} lacks columns {missing}; it has {found}",
                    fix=f"build {table!r} with the columns of linkage.schema.CANONICAL_COLUMNS "
                    "(records) or unique_id, identity_id, link_probability (clusters)",
                    kind="schema",
                )
            )
    if problems:
        raise SchemaError(problems)


def identity_statuses(
    con: duckdb.DuckDBPyConnection,
    *,
    records: str = "records",
    clusters: str = "clusters",
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
) -> duckdb.DuckDBPyRelation:
    """One row per identity: its custody chain and handoff status, as a lazy DuckDB relation.

    Args:
        con: The connection holding both tables.
        records: Table of canonical records (see :data:`linkage.schema.CANONICAL_COLUMNS`).
        clusters: Table with ``unique_id, identity_id, link_probability``, one row per record.
        review_threshold: ``needs_review`` is true when the identity's weakest link (its lowest
            ``link_probability``) is below this match probability, or when one of its records
            has a link above the clustering threshold to a record of another identity (a link
            refused as conflicting: ``contested_link``, when ``clusters`` has that column).

    Returns:
        A relation with the columns ``identity_id, status, n_records, n_cbp, n_ice, n_hhs,
        n_eoir, a_numbers, multiple_a_numbers, apprehension_date, ice_book_in_date,
        nta_issued_date, orr_referral_date, orr_release_date, first_hearing_date,
        absentia_order_date, sponsor_address, sponsor_zip5, court_address, court_zip5,
        address_disagrees, country, sex, dob, age_at_apprehension, age_band, fiscal_year,
        weakest_link, contested_link, needs_review`` (documented in ``docs/statuses.md``).
        Records absent from ``clusters`` are ignored.

    Raises:
        SchemaError: a table is missing or lacks a column this stage reads.

    Example:
        >>> import duckdb
        >>> con = duckdb.connect()
        >>> _ = con.execute('''CREATE TABLE records AS SELECT 'hhs:1' AS unique_id,
        ...   'hhs' AS source, '1' AS record_id, NULL::VARCHAR AS a_number, NULL::DATE AS dob,
        ...   false AS dob_is_placeholder, 'F' AS sex, 'GT' AS country,
        ...   DATE '2021-03-02' AS event_date, NULL::DATE AS nta_issued_date,
        ...   NULL::DATE AS release_date, NULL::DATE AS hearing_date, NULL::BOOLEAN AS absentia,
        ...   NULL::VARCHAR AS address, NULL::VARCHAR AS zip5''')
        >>> _ = con.execute('''CREATE TABLE clusters AS SELECT 'hhs:1' AS unique_id,
        ...   'id-1' AS identity_id, NULL::DOUBLE AS link_probability''')
        >>> identity_statuses(con).fetchall()[0][:2]
        ('id-1', 'no_nta')
    """
    _check_tables(con, records, clusters)
    return con.sql(
        _identities_sql(
            records,
            clusters,
            review_threshold=review_threshold,
            contested=_has_contested_links(con, clusters),
        )
    )


def _exact_join_clusters_sql(records: str) -> str:
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


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, eq=False)
class IdentityExplanation:
    """Why the records of one identity were put together.

    Attributes:
        identity_id: The identity explained.
        records: Its records (source, record id, names, dob, A-number, dates).
        links: The scored record pairs inside the identity (``unique_id_l, unique_id_r,
            match_weight, match_probability``), strongest first; empty without a ``pairs`` table.
        weakest: The match-weight waterfall of the weakest link (from ``explain_pair``), or None.
    """

    identity_id: str
    records: pd.DataFrame
    links: pd.DataFrame
    weakest: pd.DataFrame | None = None

    def __repr__(self) -> str:
        lines = [
            f"Identity {self.identity_id}: {len(self.records)} records, {len(self.links)} links",
            self.records.to_string(index=False),
        ]
        if len(self.links):
            lines += ["links:", self.links.to_string(index=False)]
        if self.weakest is not None:
            lines += ["weakest link:", self.weakest.to_string(index=False)]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        parts = [
            f"<h4>Identity {html.escape(str(self.identity_id))}</h4>",
            self.records.to_html(index=False),
        ]
        if len(self.links):
            parts += ["<h5>Links</h5>", self.links.to_html(index=False)]
        if self.weakest is not None:
            parts += ["<h5>Weakest link</h5>", self.weakest.to_html(index=False)]
        return "\n".join(parts)


@dataclass(frozen=True, kw_only=True, eq=False)
class HandoffReport:
    """The handoff report: one row per identity with its status, and what it adds up to.

    Attributes:
        identities: One row per identity (see :func:`identity_statuses` for the columns).
        summary: Long table ``dimension, value, status, identities``; dimensions ``total``
            (value ``all``, every status even at zero), ``fiscal_year``, ``country``, ``age_band``.
        versus_exact_join: Per status: ``status, linked, exact_join, difference`` where
            ``exact_join`` counts the identities a plain A-number join of the same records
            reports and ``difference = exact_join - linked``.
        lost_only_by_exact_join: Children (linked identities) whose status is not one of
            :data:`linkage.schema.LOST_STATUSES` but whose HHS record sits, under the exact
            A-number join, in an identity with a lost status: children the exact join would
            wrongly count as lost.
        lost_only_by_linkage: The converse: lost by linkage, not lost by the exact join.
        records_per_source: Records read per source (rejects not included).
        rejects: Input rows that could not be read (``source, record_id, row_number, reason,
            detail``); empty when none.
        review_threshold: The match probability below which an identity ``needs_review``.
        result: The linkage result the report was computed from (its connection is used by
            :meth:`clusters` and :meth:`explain`).
    """

    identities: pd.DataFrame
    summary: pd.DataFrame
    versus_exact_join: pd.DataFrame
    lost_only_by_exact_join: int
    lost_only_by_linkage: int
    records_per_source: dict[str, int]
    rejects: pd.DataFrame
    review_threshold: float
    result: LinkedData = field(repr=False)

    # -- views ---------------------------------------------------------------------------------

    def status_counts(self) -> dict[str, int]:
        """Identities per status, every status present (zero when none)."""
        total = self.summary[self.summary["dimension"] == "total"]
        counts = dict(zip(total["status"], total["identities"].astype(int), strict=True))
        return {s: int(counts.get(s, 0)) for s in STATUSES}

    @property
    def n_lost(self) -> int:
        """Identities with a status in :data:`linkage.schema.LOST_STATUSES`."""
        counts = self.status_counts()
        return sum(counts[s] for s in LOST_STATUSES)

    @property
    def n_lost_exact_join(self) -> int:
        """What the plain A-number join would count as lost."""
        table = self.versus_exact_join.set_index("status")["exact_join"]
        return int(sum(int(table.get(s, 0)) for s in LOST_STATUSES))

    def needs_review(self) -> pd.DataFrame:
        """The identities whose weakest link is below ``review_threshold``, weakest first."""
        flagged = self.identities[self.identities["needs_review"]]
        return flagged.sort_values(["weakest_link", "identity_id"]).reset_index(drop=True)

    def funnel(self) -> pd.DataFrame:
        """Identities with at least one record in each stage: CBP -> ICE -> HHS -> court."""
        rows = [(s, int((self.identities[f"n_{s}"] > 0).sum())) for s in SOURCES]
        return pd.DataFrame(rows, columns=["source", "identities"])

    def clusters(self) -> pd.DataFrame:
        """One row per input record read: ``source, record_id, identity_id, link_probability``."""
        return self.result.con.sql(
            "SELECT source, record_id, identity_id, link_probability FROM clusters "
            "ORDER BY identity_id, source, record_id"
        ).df()

    def to_dict(self) -> dict[str, Any]:
        """The figures a pipeline needs, as plain JSON-able values (written to summary.json)."""
        from linkage._version import __version__

        return {
            "version": __version__,
            "identities": len(self.identities),
            "records_per_source": dict(self.records_per_source),
            "records": int(sum(self.records_per_source.values())),
            "rejects": len(self.rejects),
            "status_counts": self.status_counts(),
            "lost": self.n_lost,
            "lost_statuses": list(LOST_STATUSES),
            "needs_review": int(self.identities["needs_review"].sum()),
            "review_threshold": self.review_threshold,
            "exact_join": {
                "status_counts": {
                    str(r.status): int(r.exact_join) for r in self.versus_exact_join.itertuples()
                },
                "lost": self.n_lost_exact_join,
                "lost_only_by_exact_join": self.lost_only_by_exact_join,
                "lost_only_by_linkage": self.lost_only_by_linkage,
            },
        }

    # -- actions -------------------------------------------------------------------------------

    def explain(self, identity_id: str) -> IdentityExplanation:
        """The records of one identity, the scored links between them and the weakest link.

        Raises:
            KeyError: no identity has this id.
        """
        con = self.result.con
        have = set(_columns(con, "records") or ())
        shown = ", ".join(f"r.{c}" for c in _EXPLAIN_COLUMNS if c in have)
        records = con.execute(
            f"SELECT {shown}, c.link_probability FROM clusters AS c "
            "JOIN records AS r ON c.unique_id = r.unique_id WHERE c.identity_id = ? "
            "ORDER BY list_position(?, r.source), r.event_date, r.record_id",
            [str(identity_id), list(SOURCES)],
        ).df()
        if records.empty:
            raise KeyError(f"no identity {identity_id!r} in this report")
        links = pd.DataFrame(
            columns=["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
        )
        weakest = None
        if _columns(con, "pairs") is not None:
            links = con.execute(
                "WITH ids AS (SELECT unique_id FROM clusters WHERE identity_id = ?) "
                "SELECT unique_id_l, unique_id_r, match_weight, match_probability FROM pairs "
                "WHERE unique_id_l IN (SELECT unique_id FROM ids) "
                "AND unique_id_r IN (SELECT unique_id FROM ids) "
                "ORDER BY match_probability DESC, unique_id_l, unique_id_r",
                [str(identity_id)],
            ).df()
        explain_pair = getattr(self.result, "explain_pair", None)
        if len(links) and callable(explain_pair):
            floor = records["link_probability"].min()
            target = links["match_probability"].min() if pd.isna(floor) else floor
            closest = (links["match_probability"] - target).abs().idxmin()
            pair = links.loc[closest]
            weakest = explain_pair(pair["unique_id_l"], pair["unique_id_r"])
        return IdentityExplanation(
            identity_id=str(identity_id), records=records, links=links, weakest=weakest
        )

    def write(self, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
        """Write every output file into ``out_dir`` (see :func:`linkage.report.write_report`)."""
        from linkage.report import write_report

        return write_report(self, out_dir)

    # -- display -------------------------------------------------------------------------------

    def _status_table(self) -> list[tuple[str, int, int]]:
        table = self.versus_exact_join.set_index("status")
        return [(s, int(table.loc[s, "linked"]), int(table.loc[s, "exact_join"])) for s in STATUSES]

    def __repr__(self) -> str:
        n_records = sum(self.records_per_source.values())
        per_source = ", ".join(f"{s} {n:,}" for s, n in self.records_per_source.items())
        lines = [
            f"HandoffReport: {len(self.identities):,} identities from {n_records:,} records "
            f"({per_source}); {len(self.rejects):,} rejected rows",
            f"  {'status':<18}{'identities':>12}{'exact join':>12}",
        ]
        lines += [f"  {s:<18}{a:>12,}{b:>12,}" for s, a, b in self._status_table()]
        lines += [
            f"  lost after the HHS handoff: {self.n_lost:,} "
            f"(exact A-number join: {self.n_lost_exact_join:,})",
            f"  children the exact join calls lost and linkage does not: "
            f"{self.lost_only_by_exact_join:,}",
            f"  needs review (weakest link < {self.review_threshold:g}): "
            f"{int(self.identities['needs_review'].sum()):,}",
        ]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(s)}</td><td>{a:,}</td><td>{b:,}</td></tr>"
            for s, a, b in self._status_table()
        )
        return (
            f"<p><b>HandoffReport</b>: {len(self.identities):,} identities, "
            f"{self.n_lost:,} lost after the HHS handoff (exact A-number join: "
            f"{self.n_lost_exact_join:,}); {int(self.identities['needs_review'].sum()):,} "
            "need review.</p>"
            "<table><thead><tr><th>status</th><th>identities</th><th>exact join</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>"
        )


def _status_order_sql(column: str) -> str:
    return f"list_position({list(STATUSES)!r}, {column})"


def _statuses_sql() -> str:
    """Every status as a one-column table ``s(status)``, so counts include the zeros."""
    return f"(VALUES {', '.join(f'({_sql_str(s)})' for s in STATUSES)}) AS s(status)"


def _summary(con: duckdb.DuckDBPyConnection, identities: str) -> pd.DataFrame:
    dims = " UNION ALL ".join(
        f"SELECT {_sql_str(name)} AS dimension, coalesce(CAST({expr} AS VARCHAR), 'unknown') "
        f"AS value, status, count(*) AS identities FROM {identities} GROUP BY ALL"
        for name, expr in (
            ("fiscal_year", "fiscal_year"),
            ("country", "country"),
            ("age_band", "age_band"),
        )
    )
    age_order = [label for label, _, _ in AGE_BANDS] + [AGE_UNKNOWN]
    return con.sql(
        f"""
        WITH total AS (
            SELECT 'total' AS dimension, 'all' AS value, s.status,
                   count(i.status) AS identities
            FROM {_statuses_sql()}
            LEFT JOIN {identities} AS i ON i.status = s.status
            GROUP BY ALL
        )
        SELECT dimension, value, status, identities FROM (
            SELECT *, sum(identities) OVER (PARTITION BY dimension, value) AS value_total
            FROM (SELECT * FROM total UNION ALL {dims})
        )
        ORDER BY list_position(['total', 'fiscal_year', 'country', 'age_band'], dimension),
                 CASE WHEN dimension = 'country' THEN -value_total ELSE 0 END,
                 CASE WHEN dimension = 'age_band' THEN list_position({age_order!r}, value)
                      ELSE 0 END,
                 value, {_status_order_sql("status")}
        """
    ).df()


def handoff_report(
    result: LinkedData | duckdb.DuckDBPyConnection,
    *,
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
) -> HandoffReport:
    """Compute the handoff report of a linkage result.

    Leaves three tables on the result's connection: ``identities`` (linked), and
    ``clusters_exact_join`` and ``identities_exact_join`` (the same records joined on A-number
    alone).

    Args:
        result: A :class:`linkage.linking.LinkageResult`, or anything with a ``con`` holding
            ``records`` and ``clusters`` tables (or such a connection itself).
        review_threshold: Identities whose weakest link is below this match probability are
            flagged ``needs_review``.

    Returns:
        The :class:`HandoffReport`.

    Raises:
        SchemaError: ``records`` or ``clusters`` is missing or lacks a column.
        ValueError: ``review_threshold`` is not within [0, 1].
    """
    if not 0.0 <= review_threshold <= 1.0:
        raise ValueError(f"review_threshold must be within [0, 1], got {review_threshold!r}")
    linked: LinkedData = (
        _Connection(result) if isinstance(result, duckdb.DuckDBPyConnection) else result
    )
    con = linked.con
    _check_tables(con, "records", "clusters")
    logger.info("handoff: computing statuses per identity")
    con.execute(
        "CREATE OR REPLACE TABLE identities AS "
        + _identities_sql(
            "records",
            "clusters",
            review_threshold=review_threshold,
            contested=_has_contested_links(con, "clusters"),
        )
    )
    con.execute(
        "CREATE OR REPLACE TABLE clusters_exact_join AS " + _exact_join_clusters_sql("records")
    )
    con.execute(
        "CREATE OR REPLACE TABLE identities_exact_join AS "
        + _identities_sql("records", "clusters_exact_join", review_threshold=review_threshold)
    )
    lost = _sql_list(LOST_STATUSES)
    versus = con.sql(
        f"""
        SELECT s.status,
               (SELECT count(*) FROM identities AS i WHERE i.status = s.status) AS linked,
               (SELECT count(*) FROM identities_exact_join AS e WHERE e.status = s.status)
                   AS exact_join
        FROM {_statuses_sql()}
        ORDER BY {_status_order_sql("s.status")}
        """
    ).df()
    versus["difference"] = versus["exact_join"] - versus["linked"]
    only_exact, only_linked = con.execute(
        f"""
        WITH paired AS (
            SELECT c.identity_id AS linked_id, i.status IN {lost} AS linked_lost,
                   e.status IN {lost} AS exact_lost
            FROM clusters AS c
            JOIN clusters_exact_join AS x ON x.unique_id = c.unique_id AND x.source = 'hhs'
            JOIN identities AS i ON i.identity_id = c.identity_id
            JOIN identities_exact_join AS e ON e.identity_id = x.identity_id
        )
        SELECT count(DISTINCT linked_id) FILTER (WHERE exact_lost AND NOT linked_lost),
               count(DISTINCT linked_id) FILTER (WHERE linked_lost AND NOT exact_lost)
        FROM paired
        """
    ).fetchall()[0]
    records_per_source = dict(
        con.sql(
            f"SELECT source, count(*) FROM records GROUP BY source "
            f"ORDER BY list_position({list(SOURCES)!r}, source), source"
        ).fetchall()
    )
    if _columns(con, "rejects") is not None:
        rejects = con.sql(
            "SELECT * FROM rejects ORDER BY source, row_number NULLS LAST, record_id"
        ).df()
    else:
        rejects = pd.DataFrame(
            {c: pd.Series(dtype="object") for c in ("source", "record_id", "reason", "detail")}
            | {"row_number": pd.Series(dtype="Int64")}
        )[["source", "record_id", "row_number", "reason", "detail"]]
    report = HandoffReport(
        identities=con.table("identities").df(),
        summary=_summary(con, "identities"),
        versus_exact_join=versus,
        lost_only_by_exact_join=int(only_exact),
        lost_only_by_linkage=int(only_linked),
        records_per_source={str(k): int(v) for k, v in records_per_source.items()},
        rejects=rejects,
        review_threshold=float(review_threshold),
        result=linked,
    )
    logger.info(
        "handoff: %d identities, %d lost after the HHS handoff (exact A-number join: %d)",
        len(report.identities),
        report.n_lost,
        report.n_lost_exact_join,
    )
    return report
