"""Identity ids that last: which id each re-clustered identity carries, and what happened to the
ids it came from.

The rules (``docs/store.md``):

- an identity keeps its id as it grows;
- every old id follows its *oldest record* (first seen earliest, then the smallest
  ``unique_id``): the identity that now holds that record is the id's heir;
- an identity that is the heir of several ids (a merge) keeps the oldest of them (created
  earliest, then the smallest id); the others are recorded as merged into it;
- an identity that is the heir of none (new records only, or the part of a split that does not
  hold the old id's oldest record) gets a new id, derived from its smallest ``unique_id`` and
  never one that was used before; a split part records the id it split from;
- an id is never reused and never deleted: a merged id stays in the registry, pointing at the id
  that absorbed it.

Everything here is plain pandas over the re-clustered records (a few thousand in an update, every
record in a first run); nothing reads the store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

__all__ = ["IdAssignment", "assign_ids", "new_id", "text_typed"]

EVENT_COLUMNS = ["identity_id", "event", "related_id", "n_records"]


#: Columns of the id frames that are numbers (every other one is text).
NUMBER_COLUMNS = ("n_records", "update_id", "created_in")


def text_typed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text columns typed as text, also when empty (DuckDB reads an empty
    column of Python objects as DOUBLE)."""
    text = {
        c: "string"
        for c in frame.columns
        if frame[c].dtype == object or (frame.empty and c not in NUMBER_COLUMNS)
    }
    return frame.astype(text)


def new_id(first_unique_id: str, attempt: int = 0) -> str:
    """The id of a new identity whose smallest record is ``first_unique_id`` (``attempt`` > 0
    when that id was taken before).

    Example:
        >>> new_id("cbp:1")
        'ID-d22eb9f981ed'
        >>> new_id("cbp:1", 1) != new_id("cbp:1")
        True
    """
    key = first_unique_id if attempt == 0 else f"{first_unique_id}#{attempt}"
    return "ID-" + hashlib.md5(key.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class IdAssignment:
    """The outcome: each record's identity id, the id events, and the registry's changes.

    Attributes:
        records: ``unique_id, identity_id`` for every re-clustered record.
        events: ``identity_id, event, related_id, n_records``; events ``new``, ``grown``,
            ``absorbed`` / ``merged_into`` (a merge, both sides), ``split_off`` /
            ``split_from`` (a split, both sides).
        created: ``identity_id, split_from`` of the ids created.
        merged: ``identity_id, merged_into`` of the ids merged away.
    """

    records: pd.DataFrame
    events: pd.DataFrame
    created: pd.DataFrame
    merged: pd.DataFrame


def assign_ids(
    clustered: pd.DataFrame,
    *,
    created_in: pd.Series,
    update_id: int,
    is_taken: Callable[[Iterable[str]], set[str]],
) -> IdAssignment:
    """Give each cluster of ``clustered`` its lasting id.

    Args:
        clustered: one row per re-clustered record: ``unique_id``, ``cluster`` (any label of its
            new identity), ``old_id`` (its identity before, NULL for a new record) and
            ``first_seen`` (the update that first brought it).
        created_in: the update that created each old id (indexed by id).
        update_id: this update (new ids are created in it).
        is_taken: which of the given ids were ever used (the registry), so none is reused.

    Example:
        >>> frame = pd.DataFrame({"unique_id": ["a", "b", "c"], "cluster": [1, 1, 2],
        ...     "old_id": ["ID-x", "ID-y", None], "first_seen": [1, 1, 2]})
        >>> out = assign_ids(frame, created_in=pd.Series({"ID-x": 1, "ID-y": 1}), update_id=2,
        ...     is_taken=lambda ids: set())
        >>> out.records["identity_id"].tolist()[:2]
        ['ID-x', 'ID-x']
        >>> out.merged.values.tolist()
        [['ID-y', 'ID-x']]
    """
    frame = clustered.sort_values(["first_seen", "unique_id"], kind="stable")
    old = frame.dropna(subset=["old_id"])
    heirs = old.groupby("old_id", sort=False)["cluster"].first()
    claims = pd.DataFrame({"old_id": heirs.index, "cluster": heirs.to_numpy()})
    claims["created_in"] = claims["old_id"].map(created_in).fillna(update_id)
    claims = claims.sort_values(["created_in", "old_id"], kind="stable")
    survivor = claims.groupby("cluster", sort=False)["old_id"].first()
    final = _final_ids(frame, survivor, is_taken)
    records = frame[["unique_id"]].assign(identity_id=frame["cluster"].map(final).to_numpy())
    merged = claims[~claims["old_id"].isin(survivor.to_numpy())].assign(
        merged_into=lambda c: c["cluster"].map(final)
    )[["old_id", "merged_into"]]
    merged.columns = ["identity_id", "merged_into"]
    events, split_from = _events(frame, heirs, survivor, final, merged, update_id)
    fresh = sorted(set(final.to_numpy()) - set(survivor.to_numpy()))
    created = pd.DataFrame({"identity_id": fresh})
    created["split_from"] = created["identity_id"].map(split_from)
    return IdAssignment(
        records=records.sort_values("unique_id").reset_index(drop=True),
        events=events,
        created=created,
        merged=merged.reset_index(drop=True),
    )


def _final_ids(
    frame: pd.DataFrame, survivor: pd.Series, is_taken: Callable[[Iterable[str]], set[str]]
) -> pd.Series:
    """cluster -> id: the surviving old id, or a new id never used before."""
    first = frame.groupby("cluster", sort=False)["unique_id"].min()
    need = first[~first.index.isin(survivor.index)]
    ids = {cluster: new_id(uid) for cluster, uid in need.items()}
    used = set(survivor.to_numpy())
    taken = is_taken(ids.values()) | used
    seen: set[str] = set()
    for cluster, uid in need.items():
        attempt, candidate = 0, ids[cluster]
        while candidate in taken or candidate in seen:
            attempt += 1
            candidate = new_id(uid, attempt)
            taken |= is_taken([candidate])
        ids[cluster] = candidate
        seen.add(candidate)
    return pd.concat([survivor, pd.Series(ids, dtype=object)])


def _events(
    frame: pd.DataFrame,
    heirs: pd.Series,
    survivor: pd.Series,
    final: pd.Series,
    merged: pd.DataFrame,
    update_id: int,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The id events of this assignment, and each new id's ``split_from`` (the old id it holds
    most records of)."""
    rows: list[tuple[str, str, str | None, int]] = []
    sizes = frame.groupby("cluster", sort=False).size()
    new_records = frame[frame["first_seen"] == update_id].groupby("cluster", sort=False).size()
    old_records = frame.dropna(subset=["old_id"])
    brand_new = sizes[~sizes.index.isin(old_records["cluster"])]
    grown = new_records[new_records.index.isin(survivor.index)]
    tables = [
        pd.DataFrame({"identity_id": final[brand_new.index].to_numpy(), "event": "new",
                      "related_id": None, "n_records": brand_new.to_numpy()}),
        pd.DataFrame({"identity_id": final[grown.index].to_numpy(), "event": "grown",
                      "related_id": None, "n_records": grown.to_numpy()}),
    ]  # fmt: skip
    for old_id, into in merged.itertuples(index=False):
        n = int((old_records["old_id"] == old_id).sum())
        rows += [(old_id, "merged_into", into, n), (into, "absorbed", old_id, n)]
    split_from: dict[str, str] = {}
    overlap = old_records.groupby(["old_id", "cluster"], sort=False).size().reset_index(name="n")
    moved = overlap[overlap["cluster"].to_numpy() != overlap["old_id"].map(heirs).to_numpy()]
    for old_id, cluster, n in moved.sort_values("n", ascending=False).itertuples(index=False):
        into = final[cluster]
        rows += [(old_id, "split_off", into, int(n)), (into, "split_from", old_id, int(n))]
        split_from.setdefault(into, old_id)
    tables.append(pd.DataFrame(rows, columns=EVENT_COLUMNS))
    filled = [t for t in tables if len(t)]
    events = pd.concat(filled, ignore_index=True) if filled else pd.DataFrame(columns=EVENT_COLUMNS)
    events["n_records"] = events["n_records"].astype("int64")
    return events, split_from
