"""The handoff report as a value: :class:`HandoffReport` (one row per identity with its status,
and what it adds up to), :class:`IdentityExplanation`, and the hook its ``write`` goes through."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import duckdb
import pandas as pd
import pyarrow as pa

from linkage import tables
from linkage._version import __version__
from linkage.errors import Problem
from linkage.handoff._groups import GROUP_DIMENSIONS, GroupDimension
from linkage.handoff._sql import table_columns
from linkage.schema import LOST_MEANING, LOST_STATUSES, SOURCES, STATUSES

if TYPE_CHECKING:
    import os
    from pathlib import Path

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

    ``con`` must hold the stage tables :data:`linkage.tables.RECORDS` and
    :data:`linkage.tables.CLUSTERS`; :data:`~linkage.tables.PAIRS` and
    :data:`~linkage.tables.REJECTS` are used when present. :class:`linkage.linking.LinkageResult`
    fits; so does any object with a ``con`` attribute (a hand-built stand-in in tests). An
    ``explain_pair(unique_id_l, unique_id_r)`` method, when the object has one, is used by
    :meth:`HandoffReport.explain`.
    """

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection holding the stage tables (see :mod:`linkage.tables`)."""
        ...


#: Writes a report's files into a folder and returns file name -> path.
ReportWriter = Callable[["HandoffReport", "str | os.PathLike[str]"], "dict[str, Path]"]

_writer: ReportWriter | None = None


def register_writer(writer: ReportWriter) -> None:
    """Make ``writer`` the function behind :meth:`HandoffReport.write`.

    Writing the files is formatting, the report's job; the report reads :mod:`linkage.handoff`,
    so handoff cannot import the report back. :mod:`linkage.report` registers its
    :func:`~linkage.report.write_report` here when it is imported, and the package's top level
    imports :mod:`linkage.report`: importing any part of ``linkage`` runs the top level first,
    so every :class:`HandoffReport` can write. Register another writer to change how
    :meth:`HandoffReport.write` writes (the last one registered wins).
    """
    global _writer
    _writer = writer


@dataclass(frozen=True, kw_only=True, eq=False)
class IdentityExplanation:
    """Why the records of one identity were put together.

    Attributes:
        identity_id: The identity explained.
        records: Its records (source, record id, names, dob, A-number, dates).
        links: The scored record pairs inside the identity (``unique_id_l, unique_id_r,
            match_weight, match_probability``), strongest first; empty without a pairs table.
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
        identities: One row per identity (see :func:`linkage.handoff.identity_statuses` for
            the columns).
        summary: Long table ``dimension, value, status, identities``; dimensions ``total``
            (value ``all``, every status even at zero), ``fiscal_year``, ``country``,
            ``age_band``, ``sex``, ``sponsor_state`` (valued as in :attr:`groups`).
        versus_exact_join: Per status: ``status, linked, exact_join, difference`` where
            ``exact_join`` counts the identities a plain A-number join of the same records
            reports and ``difference = exact_join - linked``.
        lost_only_by_exact_join: Children (linked identities) whose status is not one of
            :data:`linkage.schema.LOST_STATUSES` but whose HHS record sits, under the exact
            A-number join, in an identity with a lost status: children the exact join would
            wrongly count as lost.
        lost_only_by_linkage: The converse: lost by linkage, not lost by the exact join.
        exact_join_lost_pieces: The exact join's lost count split into ``(children,
            fragments)``: the children (linked identities) it counts lost at least once, and
            the extra pieces of those children it counts again (a child whose records it cannot
            join is counted once per piece). ``children + fragments`` is its lost count.
        groups: The statuses by group, with their uncertainty, for every dimension of
            :data:`linkage.handoff.GROUP_DIMENSIONS` (one row per dimension and group; the
            columns are those of :meth:`by_group`, written as ``groups.csv``).
        records_per_source: Records read per source (rejects not included).
        rejects: Input rows that could not be read (``source, record_id, row_number, reason,
            detail``); empty when none.
        review_threshold: The match probability below which an identity ``needs_review``.
        result: The linkage result the report was computed from (its connection is used by
            :meth:`clusters` and :meth:`explain`).
        changes: The change log of a store update (:meth:`linkage.Store.update`; see
            ``docs/store.md``), written as ``changes.csv``; None for a run without a store.
        review: After a store update, what the reviewers' decisions measure
            (:func:`linkage.review.precision_estimate`: the precision of the links estimated
            from the sample checked, with its interval, and the identities whose status rests
            on an unreviewed uncertain link); None for a run without a store.
        warnings: What reading the input found (:attr:`linkage.Sources.warnings`): listed at
            the top of report.html and in summary.json (``warnings``, and ``notes`` for those of
            severity ``"note"``).
    """

    identities: pd.DataFrame
    summary: pd.DataFrame
    versus_exact_join: pd.DataFrame
    lost_only_by_exact_join: int
    lost_only_by_linkage: int
    exact_join_lost_pieces: tuple[int, int] = (0, 0)
    groups: pd.DataFrame = field(repr=False)
    records_per_source: dict[str, int]
    rejects: pd.DataFrame
    review_threshold: float
    result: LinkedData = field(repr=False)
    changes: pd.DataFrame | None = field(default=None, repr=False)
    review: dict[str, Any] | None = field(default=None, repr=False)
    warnings: tuple[Problem, ...] = field(default=(), repr=False)

    @property
    def input_warnings(self) -> tuple[Problem, ...]:
        """The warnings of severity ``"warning"`` (input mistakes that can change the results)."""
        return tuple(w for w in self.warnings if w.severity == "warning")

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
        """The identities flagged ``needs_review`` (a weakest link below ``review_threshold``, or
        a ``contested_link``), weakest first."""
        flagged = self.identities[self.identities["needs_review"]]
        return flagged.sort_values(["weakest_link", "identity_id"]).reset_index(drop=True)

    def by_group(self, dimension: GroupDimension) -> pd.DataFrame:
        """The statuses of one dimension's groups, with how far each group's lost count rests on
        uncertain links and what the exact A-number join counts for it.

        Args:
            dimension: ``"country"``, ``"age_band"``, ``"sex"``, ``"fiscal_year"`` or
                ``"sponsor_state"`` (the ZIP's state, else the state ending the sponsor's
                address; ``none`` for identities without an HHS record).

        Returns:
            One row per group (largest first; age bands and fiscal years in order; ``unknown``
            last): ``group, identities``, one count per status, ``lost, lost_rate,
            needs_review, needs_review_rate, lost_needs_review`` (lost identities that need
            review), ``exact_join_identities, exact_join_lost, exact_join_lost_rate`` (the exact
            join's identities, each in the group of the linked identity holding most of its
            records) and ``lost_difference = exact_join_lost - lost``. See docs/statuses.md.

        Raises:
            ValueError: ``dimension`` is not one of the five.
        """
        if dimension not in GROUP_DIMENSIONS:
            raise ValueError(
                f"dimension must be one of {', '.join(GROUP_DIMENSIONS)}, got {dimension!r}"
            )
        part = self.groups[self.groups["dimension"] == dimension]
        return part.drop(columns="dimension").reset_index(drop=True)

    def review_list(self) -> pd.DataFrame:
        """The identities flagged ``needs_review``, ordered by what a mistake would change, each
        with why it is flagged.

        Adds two columns to those of :attr:`identities`: ``why`` (``weak link`` when the
        weakest link is below ``review_threshold``, ``strong link refused`` when a
        ``contested_link`` exists, both joined by ``" + "``) and ``stake``: ``lost`` (the
        identity has a lost status: a wrong link changes the lost count), ``could flip`` (not
        lost, but a refused link, or a weak link in an identity holding an HHS record, could
        move it or its fragments between lost and not lost), ``none`` (a weak link among
        records without HHS: splitting it leaves every piece ``not_transferred``). Ordered by
        stake, then by weakest link (weakest first), then strongest refused link.
        """
        flagged = self.identities[self.identities["needs_review"]].copy()
        weak = flagged["weakest_link"].lt(self.review_threshold).fillna(False)
        refused = flagged["contested_link"].notna()
        flagged["why"] = [
            " + ".join(w for w, on in (("weak link", a), ("strong link refused", b)) if on)
            for a, b in zip(weak, refused, strict=True)
        ]
        lost = flagged["status"].isin(LOST_STATUSES)
        flip = ~lost & (refused | (weak & (flagged["n_hhs"] > 0)))
        flagged["stake"] = [
            "lost" if a else "could flip" if b else "none" for a, b in zip(lost, flip, strict=True)
        ]
        flagged["_rank"] = flagged["stake"].map({"lost": 0, "could flip": 1, "none": 2})
        ordered = flagged.sort_values(
            ["_rank", "weakest_link", "contested_link", "identity_id"],
            ascending=[True, True, False, True],
            na_position="last",
        )
        return ordered.drop(columns="_rank").reset_index(drop=True)

    def _review_reasons(self) -> str:
        """Why identities are flagged, with counts: a weak link, a refused strong link."""
        flagged = self.identities[self.identities["needs_review"]]
        weak = int((flagged["weakest_link"] < self.review_threshold).sum())
        refused = int(flagged["contested_link"].notna().sum())
        return (
            f"weakest link below {self.review_threshold:g}: {weak:,}; "
            f"a strong link refused (a conflict or the size cap): {refused:,}"
        )

    def funnel(self) -> pd.DataFrame:
        """Identities with at least one record in each stage: CBP -> ICE -> HHS -> court."""
        rows = [(s, int((self.identities[f"n_{s}"] > 0).sum())) for s in SOURCES]
        return pd.DataFrame(rows, columns=["source", "identities"])

    def clusters(self) -> pd.DataFrame:
        """One row per input record read: ``source, record_id, identity_id, link_probability``."""
        return self.result.con.sql(self._clusters_sql()).df()

    def clusters_arrow(self) -> pa.Table:
        """:meth:`clusters` as an Arrow table, straight from DuckDB (what the files are written
        from: a million rows without a pandas copy)."""
        got = self.result.con.sql(self._clusters_sql()).arrow()
        return got.read_all() if isinstance(got, pa.RecordBatchReader) else got

    @staticmethod
    def _clusters_sql() -> str:
        return (
            f"SELECT source, record_id, identity_id, link_probability FROM {tables.CLUSTERS} "
            "ORDER BY identity_id, source, record_id"
        )

    def to_dict(self) -> dict[str, Any]:
        """The figures a pipeline needs, as plain JSON-able values (written to summary.json)."""
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
            "groups": self._groups_dict(),
            **({"review": dict(self.review)} if self.review is not None else {}),
            "exact_join": {
                "status_counts": {
                    str(r.status): int(r.exact_join) for r in self.versus_exact_join.itertuples()
                },
                "lost": self.n_lost_exact_join,
                "lost_only_by_exact_join": self.lost_only_by_exact_join,
                "lost_only_by_linkage": self.lost_only_by_linkage,
                "lost_children": self.exact_join_lost_pieces[0],
                "lost_fragments": self.exact_join_lost_pieces[1],
            },
            "warnings": [w.to_dict() for w in self.input_warnings],
            "notes": [w.to_dict() for w in self.warnings if w.severity != "warning"],
        }

    def _groups_dict(self) -> dict[str, list[dict[str, Any]]]:
        """Per dimension, each group's headline figures (summary.json ``groups``)."""
        keep = ("group", "identities", "lost", "lost_rate", "needs_review", "lost_needs_review",
                "exact_join_identities", "exact_join_lost")  # fmt: skip
        out: dict[str, list[dict[str, Any]]] = {}
        for dimension in GROUP_DIMENSIONS:
            rows = self.by_group(dimension)[list(keep)]
            out[dimension] = [
                {k: (round(float(v), 6) if k == "lost_rate" else v if k == "group" else int(v))
                 for k, v in zip(keep, row, strict=True)}
                for row in rows.itertuples(index=False)
            ]  # fmt: skip
        return out

    # -- actions -------------------------------------------------------------------------------

    def explain(self, identity_id: str) -> IdentityExplanation:
        """The records of one identity, the scored links between them and the weakest link.

        Raises:
            KeyError: no identity has this id.
        """
        con = self.result.con
        have = set(table_columns(con, tables.RECORDS) or ())
        shown = ", ".join(f"r.{c}" for c in _EXPLAIN_COLUMNS if c in have)
        records = con.execute(
            f"SELECT {shown}, c.link_probability FROM {tables.CLUSTERS} AS c "
            f"JOIN {tables.RECORDS} AS r ON c.unique_id = r.unique_id WHERE c.identity_id = ? "
            "ORDER BY list_position(?, r.source), r.event_date, r.record_id",
            [str(identity_id), list(SOURCES)],
        ).df()
        if records.empty:
            raise KeyError(f"no identity {identity_id!r} in this report")
        links = pd.DataFrame(
            columns=["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
        )
        weakest = None
        if table_columns(con, tables.PAIRS) is not None:
            links = con.execute(
                f"WITH ids AS (SELECT unique_id FROM {tables.CLUSTERS} WHERE identity_id = ?) "
                "SELECT unique_id_l, unique_id_r, match_weight, match_probability "
                f"FROM {tables.PAIRS} WHERE unique_id_l IN (SELECT unique_id FROM ids) "
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
        """Write every output file into ``out_dir`` (see :func:`linkage.report.write_report`).

        Returns:
            File name -> path of every file written.
        """
        if _writer is None:  # only when linkage.report was never imported: see register_writer
            raise RuntimeError("no report writer registered: import linkage.report first")
        return _writer(self, out_dir)

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
            f"  {LOST_MEANING}: {self.n_lost:,} (exact A-number join: {self.n_lost_exact_join:,})",
            f"  children the exact join calls lost and linkage does not: "
            f"{self.lost_only_by_exact_join:,}",
            f"  the exact join's lost are {self.exact_join_lost_pieces[0]:,} children and "
            f"{self.exact_join_lost_pieces[1]:,} more pieces of them (a child it cannot put "
            "together is counted once per piece)",
            f"  needs review: {int(self.identities['needs_review'].sum()):,} "
            f"({self._review_reasons()})",
        ]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(s)}</td><td>{a:,}</td><td>{b:,}</td></tr>"
            for s, a, b in self._status_table()
        )
        return (
            f"<p><b>HandoffReport</b>: {len(self.identities):,} identities, "
            f"{self.n_lost:,} {LOST_MEANING} (exact A-number join: "
            f"{self.n_lost_exact_join:,}); {int(self.identities['needs_review'].sum()):,} "
            "need review.</p>"
            "<table><thead><tr><th>status</th><th>identities</th><th>exact join</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>"
        )
