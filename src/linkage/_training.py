"""Training's helpers that need no Splink ``Linker``: the m and u floors applied to a trained
model's settings (a JSON-able dict), and two guards around Splink's training calls (its
"level not observed" warnings summarised; the view its prior estimate leaves removed).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import duckdb

__all__ = [
    "DEFAULT_U_PROBABILITY",
    "MIN_M_PROBABILITY",
    "regularise",
    "splink_view_removed",
    "unobserved_levels_summarised",
]

logger = logging.getLogger("linkage")

#: The Splink logger whose "Level ... not observed in dataset" warnings training summarises.
_EM_LOGGER = "splink.internals.expectation_maximisation"


@contextmanager
def unobserved_levels_summarised() -> Iterator[None]:
    """Splink warns once per comparison level that a training pass did not observe (26 lines on
    a small extract); those are expected (a rare level is absent from a block) and harmless
    (the level keeps its other passes' or the default m value). Here they become one line on the
    ``linkage`` logger, the levels themselves at DEBUG."""
    unobserved: list[str] = []

    def keep(record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "not observed in dataset" not in message:
            return True
        unobserved.append(" ".join(message.split()))
        return False

    em_logger = logging.getLogger(_EM_LOGGER)
    em_logger.addFilter(keep)
    try:
        yield
    finally:
        em_logger.removeFilter(keep)
    if unobserved:
        levels = sorted(set(unobserved))
        logger.info(
            "training: %d comparison level(s) not observed in a training pass kept their m "
            "values from the other passes or the default (the levels at DEBUG)",
            len(levels),
        )
        for line in levels:
            logger.debug("training: %s", line)


@contextmanager
def splink_view_removed(con: duckdb.DuckDBPyConnection, name: str) -> Iterator[None]:
    """Splink's prior estimate registers a view under a plain name (``result_df``) on the
    connection, which would hide a caller's table of that name: unregister it afterwards, unless
    a view of that name was there before (then Splink has already replaced it)."""
    before = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND temporary", [name]
    ).fetchall()[0][0]
    try:
        yield
    finally:
        if not before:
            with suppress(duckdb.Error):
                con.unregister(name)


#: Smallest m probability a level keeps after training: a level EM never saw among matches (a
#: typo in a birth date the training data happened not to contain) must stay weak evidence
#: against, not a veto worth -250 bits. Nor evidence for: the floor is the level's u
#: probability when that is smaller, so a level rare among random pairs that EM saw no matches
#: in weighs nothing (at 0.002 it weighed up to +12 bits; docs/accuracy.md).
MIN_M_PROBABILITY = 0.002
#: u probability given to a level never seen among random pairs.
DEFAULT_U_PROBABILITY = 1e-4


def regularise(settings: dict[str, Any]) -> dict[str, Any]:
    """Fill untrained u and floor the m probabilities of every non-null level (at
    :data:`MIN_M_PROBABILITY`, or at the level's u when smaller), then renormalise."""
    for comparison in settings.get("comparisons", []):
        levels = [
            lv for lv in comparison.get("comparison_levels", []) if not lv.get("is_null_level")
        ]
        if not levels:
            continue
        u = [
            float(lv["u_probability"]) if lv.get("u_probability") else DEFAULT_U_PROBABILITY
            for lv in levels
        ]
        m = [
            max(float(lv.get("m_probability") or 0.0), min(MIN_M_PROBABILITY, u_level))
            for lv, u_level in zip(levels, u, strict=True)
        ]
        m_total, u_total = sum(m), sum(u)
        for lv, m_value, u_value in zip(levels, m, u, strict=True):
            lv["m_probability"] = m_value / m_total
            lv["u_probability"] = u_value / u_total
    return settings
