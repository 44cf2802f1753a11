"""How precise the links are, estimated from reviewers' decisions on a random sample of them."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from linkage.review._queue import review_queue
from linkage.store._schema import T

if TYPE_CHECKING:
    from linkage.store import Store

__all__ = ["precision_estimate", "wilson_interval"]

#: The normal quantile of a two-sided 95% interval.
Z_95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, *, z: float = Z_95) -> tuple[float, float]:
    """Wilson's score interval of a proportion (it behaves at 0 and 1, unlike the normal one).

    Example:
        >>> low, high = wilson_interval(190, 200)
        >>> round(low, 3), round(high, 3)
        (0.91, 0.973)
    """
    if trials == 0:
        return (0.0, 1.0)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def precision_estimate(store: Store, *, queue: pd.DataFrame | None = None) -> dict[str, Any]:
    """The precision of the links estimated from the sample mode's decisions.

    Returns ``decided`` (sample decisions, not sure included), ``same``, ``different``,
    ``precision`` (same / (same + different)), ``low`` and ``high`` (Wilson's 95% interval;
    these three are None when nothing was decided same or different) and
    ``unreviewed_uncertain``: the identities whose status rests on an uncertain link no one has
    decided (the queue's items whose decision would change a status). ``queue``: the store's
    :func:`review_queue` when the caller holds it already (the review page does), else it is
    drawn here.
    """
    rows = store.con.execute(
        f"""SELECT decision, count(*) FROM (
            SELECT least(source_l || ':' || record_id_l, source_r || ':' || record_id_r) AS a,
                   greatest(source_l || ':' || record_id_l, source_r || ':' || record_id_r) AS b,
                   arg_max(decision, decided_at) AS decision
            FROM {T.decisions} WHERE mode = 'sample' GROUP BY a, b)
        GROUP BY decision"""
    ).fetchall()
    counts = {str(k): int(v) for k, v in rows}
    same, different = counts.get("same", 0), counts.get("different", 0)
    queue = review_queue(store) if queue is None else queue
    uncertain = queue[queue["changes_status"].astype(bool)]
    identities = set(uncertain["identity_l"]) | set(
        uncertain.loc[uncertain["kind"] == "refused_link", "identity_r"]
    )
    out: dict[str, Any] = {
        "decided": sum(counts.values()),
        "same": same,
        "different": different,
        "precision": None,
        "low": None,
        "high": None,
        "unreviewed_uncertain": len(identities),
    }
    if same + different:
        low, high = wilson_interval(same, same + different)
        out.update(precision=same / (same + different), low=low, high=high)
    return out
