"""One review item in full: the two records side by side, the comparison waterfall of their
link, and the statuses under each decision."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from linkage.linking import plain_record, waterfall_table
from linkage.model import explainer
from linkage.review._queue import _finish, _statuses
from linkage.store._schema import T
from linkage.tables import scratch

if TYPE_CHECKING:
    from linkage.store import Store

__all__ = ["RECORD_FIELDS", "review_item"]

#: What the page shows of each record, in this order.
RECORD_FIELDS = (
    "unique_id", "source", "record_id", "first_name", "middle_name", "last_name", "dob",
    "a_number", "sex", "country", "event_date", "release_date", "nta_issued_date",
    "hearing_date", "address", "zip5", "identity_id",
)  # fmt: skip

_EXPLAIN_INPUT = scratch("review_input")


def _text(value: Any) -> str | None:
    """A value as the page shows it: ISO dates, None for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return value.isoformat()[:10]
    return str(value)


def review_item(store: Store, unique_id_l: str, unique_id_r: str) -> dict[str, Any]:
    """The item of the pair ``unique_id_l``, ``unique_id_r``: ``records`` (two dicts of
    :data:`RECORD_FIELDS`), ``waterfall`` (one dict per comparison: ``comparison, level,
    match_weight, cumulative_match_weight``), ``match_probability`` and the statuses
    ``status_now``, ``status_if_same``, ``status_if_different``.

    Raises:
        KeyError: a record is not in the store.
    """
    con = store.con
    model = store.model
    if model is None:
        raise KeyError("the store holds no linkage yet")
    fields = ", ".join(f"r.{f}" for f in RECORD_FIELDS if f != "identity_id")
    rows = con.execute(
        f"""SELECT {fields}, c.identity_id FROM {T.records} r JOIN {T.clusters} c USING (unique_id)
        WHERE unique_id IN (?, ?)""",
        [unique_id_l, unique_id_r],
    ).df()
    found = {row["unique_id"]: row for row in rows.to_dict("records")}
    for uid in (unique_id_l, unique_id_r):
        if uid not in found:
            raise KeyError(f"no record {uid!r} in the store (unique_id is 'source:record_id')")
    records = [{f: _text(found[u][f]) for f in RECORD_FIELDS} for u in (unique_id_l, unique_id_r)]
    waterfall = _waterfall(store, unique_id_l, unique_id_r)
    same = records[0]["identity_id"] == records[1]["identity_id"]
    item = pd.DataFrame(
        [
            {
                "kind": "weak_link" if same else "refused_link",
                "unique_id_l": unique_id_l,
                "unique_id_r": unique_id_r,
                "alone": unique_id_r,
                "match_probability": float(waterfall.iloc[-1]["cumulative_match_weight"]),
                "identity_l": records[0]["identity_id"],
                "identity_r": records[1]["identity_id"],
            }
        ]
    )
    statuses = _statuses(con, item, float(model.thresholds.review_probability))
    row = _finish(item, statuses).iloc[0]
    weight = float(waterfall.iloc[-1]["match_weight"])
    return {
        "records": records,
        "waterfall": waterfall.to_dict("records"),
        "match_probability": 2**weight / (1 + 2**weight),
        "status_now": row["status_now"],
        "status_if_same": row["status_if_same"],
        "status_if_different": row["status_if_different"],
    }


def _waterfall(store: Store, unique_id_l: str, unique_id_r: str) -> pd.DataFrame:
    """The comparison waterfall of the pair, scored with the store's model as an update would."""
    con = store.con
    model = store.model
    assert model is not None
    inputs = con.execute(
        f"SELECT * FROM {T.model_input} WHERE unique_id IN (?, ?)", [unique_id_l, unique_id_r]
    ).df()
    by_id = {row["unique_id"]: row for row in inputs.to_dict("records")}
    con.execute(f"CREATE OR REPLACE VIEW {_EXPLAIN_INPUT} AS SELECT * FROM {T.model_input}")
    # Built once per state of the store: an update drops the tables Splink's explainer reads.
    state = con.execute(f"SELECT count(*) FROM {T.updates}").fetchall()[0][0]
    key, cached = getattr(store, "_review_explainer", (None, None))
    if cached is None or key != state:
        cached = explainer(model, con, input_table=_EXPLAIN_INPUT)
        store._review_explainer = (state, cached)  # type: ignore[attr-defined]
    scored = cached.inference.score_pair(
        plain_record(by_id[unique_id_l]), plain_record(by_id[unique_id_r])
    )
    row = scored.as_record_list()[0]
    records = int(con.execute(f"SELECT count(*) FROM {T.model_input}").fetchall()[0][0])
    return waterfall_table(model, row, records=records)
