"""Clerical review: what to look at first, each item in full, and what the decisions measure.

:func:`review_queue` lists the uncertain links of a store, most consequential first (a child's
lost count first); :func:`review_item` shows one in full (records side by side, the waterfall,
the statuses under each decision); :func:`sample_links` draws links at random, and
:func:`precision_estimate` turns reviewers' decisions on them into an estimated precision with
its interval. Decisions are kept in the store (:meth:`linkage.Store.decide`) and bind every
later update as must-link and cannot-link constraints (``docs/review.md``).

Inside the package: ``_queue`` (the queue, the sample, statuses under each decision),
``_item`` (one item), ``_precision`` (the estimate).
"""

from __future__ import annotations

from linkage.review._item import RECORD_FIELDS, review_item
from linkage.review._precision import precision_estimate, wilson_interval
from linkage.review._queue import QUEUE_COLUMNS, review_queue, sample_links

__all__ = [
    "QUEUE_COLUMNS",
    "RECORD_FIELDS",
    "precision_estimate",
    "review_item",
    "review_queue",
    "sample_links",
    "wilson_interval",
]
