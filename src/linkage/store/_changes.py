"""The change log of one update (``changes.csv`` and a section of report.html).

One row per change, no names or birth dates (ids, statuses and counts only, so the file can be
shared like the report)::

    change            identity_new, identity_grown, identity_merged, identity_split,
                      status_changed, record_added, record_revised, record_rejected,
                      decision_applied (a reviewer's decision this update applied first)
    identity_id       the identity changed (for a merge: the id merged away; for a split: the id
                      split from)
    related_id        the id merged into, or the new id split off
    source, record_id the record (record_* rows)
    before, after     statuses (status_changed, identity_merged) or the reject reason
    detail            in words: "found again: was counted lost", "now counted lost", ...
    n_records         records concerned
"""

from __future__ import annotations

import duckdb
import pandas as pd

from linkage import tables
from linkage.schema import LOST_STATUSES
from linkage.store._delta import S
from linkage.store._ids import IdAssignment
from linkage.store._schema import T

__all__ = ["CHANGE_COLUMNS", "change_log"]

CHANGE_COLUMNS = [
    "change",
    "identity_id",
    "related_id",
    "source",
    "record_id",
    "before",
    "after",
    "detail",
    "n_records",
]

_EVENT_CHANGES = {
    "new": "identity_new",
    "grown": "identity_grown",
    "merged_into": "identity_merged",
    "split_off": "identity_split",
}


def change_log(con: duckdb.DuckDBPyConnection, ids: IdAssignment) -> pd.DataFrame:
    """The changes of the update being made (read before it is committed: the store still holds
    the statuses before it, ``linkage_identities`` those after)."""
    before = _statuses_before(con)
    after = con.execute(
        f"SELECT identity_id, status FROM {tables.IDENTITIES} WHERE identity_id IN "
        "(SELECT unnest(?))",
        [sorted(set(ids.records["identity_id"]))],
    ).df()
    after_status = dict(zip(after["identity_id"], after["status"], strict=True))
    parts = [_identity_changes(ids, before, after_status), _status_changes(before, after_status)]
    parts.append(_record_changes(con, ids))
    parts.append(_decision_changes(con))
    filled = [p for p in parts if len(p)]
    frame = pd.concat(filled, ignore_index=True) if filled else pd.DataFrame(columns=CHANGE_COLUMNS)
    frame = frame.reindex(columns=CHANGE_COLUMNS)
    frame["n_records"] = frame["n_records"].astype("Int64")
    return frame


def _statuses_before(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute(
        f"""SELECT DISTINCT i.identity_id, i.status FROM {T.identities} i
        JOIN {T.clusters} c USING (identity_id)
        WHERE c.unique_id IN (SELECT unique_id FROM {S.sub_nodes})"""
    ).fetchall()
    return {str(a): str(b) for a, b in rows}


def _identity_changes(
    ids: IdAssignment, before: dict[str, str], after: dict[str, str]
) -> pd.DataFrame:
    events = ids.events[ids.events["event"].isin(list(_EVENT_CHANGES))]
    frame = pd.DataFrame(
        {
            "change": events["event"].map(_EVENT_CHANGES),
            "identity_id": events["identity_id"],
            "related_id": events["related_id"],
            "n_records": events["n_records"],
        }
    )
    merged = frame["change"] == "identity_merged"
    frame.loc[merged, "before"] = frame.loc[merged, "identity_id"].map(before)
    frame.loc[merged, "after"] = frame.loc[merged, "related_id"].map(after)
    frame.loc[merged, "detail"] = [
        _status_detail(b, a)
        for b, a in zip(frame.loc[merged, "before"], frame.loc[merged, "after"], strict=True)
    ]
    return frame


def _status_changes(before: dict[str, str], after: dict[str, str]) -> pd.DataFrame:
    rows = [
        {
            "change": "status_changed",
            "identity_id": identity,
            "before": before[identity],
            "after": status,
            "detail": _status_detail(before[identity], status),
        }
        for identity, status in sorted(after.items())
        if identity in before and before[identity] != status
    ]
    return pd.DataFrame(rows)


def _status_detail(before: object, after: object) -> str:
    if not isinstance(before, str) or not isinstance(after, str) or before == after:
        return ""
    if before in LOST_STATUSES and after not in LOST_STATUSES:
        return "found again: was counted lost"
    if after in LOST_STATUSES and before not in LOST_STATUSES:
        return "now counted lost"
    return ""


def _record_changes(con: duckdb.DuckDBPyConnection, ids: IdAssignment) -> pd.DataFrame:
    con.register("linkage_tmp_change_ids", ids.records)
    try:
        records = con.execute(
            f"""SELECT CASE WHEN d.revised THEN 'record_revised' ELSE 'record_added' END AS change,
                   i.identity_id, d.source, d.record_id, 1 AS n_records
            FROM {S.delta} d JOIN linkage_tmp_change_ids i USING (unique_id)
            ORDER BY change, d.source, d.record_id"""
        ).df()
    finally:
        con.unregister("linkage_tmp_change_ids")
    rejected = con.execute(
        f"""SELECT 'record_rejected' AS change, source, record_id, reason AS after,
               1 AS n_records
        FROM {S.extract_rejects} ORDER BY source, row_number"""
    ).df()
    filled = [f for f in (records, rejected) if len(f)]
    return pd.concat(filled, ignore_index=True) if filled else pd.DataFrame(columns=CHANGE_COLUMNS)


def _decision_changes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The reviewers' decisions this update applies for the first time, with where their two
    records now stand (``related_id`` is the right-hand record's identity)."""
    return con.execute(
        f"""SELECT 'decision_applied' AS change, cl.identity_id, cr.identity_id AS related_id,
               d.source_l AS source, d.record_id_l AS record_id, d.decision AS before,
               CASE WHEN cl.identity_id = cr.identity_id THEN 'together' ELSE 'apart' END
                   AS after,
               'reviewed ' || d.source_r || ':' || d.record_id_r AS detail, 2 AS n_records
        FROM {T.decisions} d
        JOIN {tables.CLUSTERS} cl ON cl.unique_id = d.source_l || ':' || d.record_id_l
        JOIN {tables.CLUSTERS} cr ON cr.unique_id = d.source_r || ':' || d.record_id_r
        WHERE d.applied_in IS NULL AND d.decision <> 'not_sure'"""
    ).df()
