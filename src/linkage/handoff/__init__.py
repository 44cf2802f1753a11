"""Identities -> custody chain and handoff status per identity.

The stage reads two DuckDB tables that linking leaves on its connection (named in
:mod:`linkage.tables`): the records (``tables.RECORDS``, canonical records,
:data:`linkage.schema.CANONICAL_COLUMNS`) and the clusters (``tables.CLUSTERS``: ``unique_id,
identity_id, link_probability``), and computes, in SQL only, one row per identity: its records
per source, its A-numbers, the dates along the custody chain (CBP apprehension, ICE book-in and
Notice to Appear, ORR referral and release, first hearing, in-absentia order), the sponsor and
court addresses, the demographics and the handoff ``status`` of ``docs/statuses.md``:

1. no HHS record                                    -> ``not_transferred``
2. a court (EOIR) record with an in-absentia order  -> ``failed_to_appear``
3. a court record, no in-absentia order             -> ``in_proceedings``
4. an ICE record with an NTA issued date            -> ``nta_not_filed``
5. otherwise                                        -> ``no_nta``

:func:`handoff_report` adds the summaries and the comparison with what a plain A-number join of
the same records would report.

The parts: ``_stage`` runs the stage on a connection, ``_sql`` holds its SQL as text, ``_report``
the :class:`HandoffReport` it returns, ``_groups`` its statuses by group and its long summary over
the same groups (with ``_states``, the sponsor's state from a ZIP or an address). Writing the
files is the report's job (:mod:`linkage.report`), and the report reads this package: nothing
here imports it (see :func:`register_writer`).
"""

from __future__ import annotations

from linkage.handoff._groups import GROUP_COLUMNS, GROUP_DIMENSIONS, GroupDimension
from linkage.handoff._report import (
    HandoffReport,
    IdentityExplanation,
    LinkedData,
    ReportWriter,
    register_writer,
)
from linkage.handoff._sql import AGE_BANDS
from linkage.handoff._stage import DEFAULT_REVIEW_THRESHOLD, handoff_report, identity_statuses

__all__ = [
    "AGE_BANDS",
    "DEFAULT_REVIEW_THRESHOLD",
    "GROUP_COLUMNS",
    "GROUP_DIMENSIONS",
    "GroupDimension",
    "HandoffReport",
    "IdentityExplanation",
    "LinkedData",
    "ReportWriter",
    "handoff_report",
    "identity_statuses",
    "register_writer",
]
