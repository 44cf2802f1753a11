"""Reviewers' decisions: two records are the same child, or different children.

A decisions file is a CSV with the columns ``source_l, record_id_l, source_r, record_id_r,
decision`` (``same`` / ``different``; ``not_sure`` rows are kept but bind nothing), so that teams
can share decisions and pipelines can apply them (``linkage run DATA --out OUT --decisions F``,
``linkage review --store S --export F / --import F``). Clustering honours them as must-link and
cannot-link constraints (:func:`linkage.clustering.cluster`); a later decision on the same pair
replaces an earlier one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import pandas as pd

from linkage.errors import InputError, Problem

__all__ = ["DECISION_COLUMNS", "DECISIONS", "Decision", "read_decisions", "to_constraints"]

Decision = Literal["same", "different", "not_sure"]
DECISIONS: tuple[Decision, ...] = ("same", "different", "not_sure")
#: The columns of a decisions file, in order.
DECISION_COLUMNS = ["source_l", "record_id_l", "source_r", "record_id_r", "decision"]


def read_decisions(data: str | os.PathLike[str] | pd.DataFrame) -> pd.DataFrame:
    """A decisions file (or frame) checked: its five columns, as text, one row per decision.

    Raises:
        InputError: a missing column, or rows whose decision is not ``same``, ``different`` or
            ``not_sure`` (up to five of them named by their line), or an empty record id.

    Example:
        >>> frame = pd.DataFrame([["cbp", "1", "hhs", "7", "same"]], columns=DECISION_COLUMNS)
        >>> read_decisions(frame)["decision"].tolist()
        ['same']
    """
    where = "the decisions frame"
    if not isinstance(data, pd.DataFrame):
        where = str(data)
        try:
            data = pd.read_csv(data, dtype=str, keep_default_na=False)
        except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise InputError(
                Problem(
                    source=None,
                    column=None,
                    message=f"cannot read the decisions file {where}: {exc}",
                    fix="give a CSV with the columns " + ", ".join(DECISION_COLUMNS),
                    kind="source",
                )
            ) from exc
    missing = [c for c in DECISION_COLUMNS if c not in data.columns]
    if missing:
        raise InputError(
            Problem(
                source=None,
                column=", ".join(missing),
                message=f"{where} lacks the columns {missing}; it has {list(data.columns)}",
                fix="give the columns " + ", ".join(DECISION_COLUMNS),
            )
        )
    frame = data[DECISION_COLUMNS].astype(str).apply(lambda c: c.str.strip())
    frame["decision"] = frame["decision"].str.lower()
    bad = frame[~frame["decision"].isin(DECISIONS) | (frame["record_id_l"] == "")
                | (frame["record_id_r"] == "")]  # fmt: skip
    if len(bad):
        lines = ", ".join(str(i + 2) for i in bad.index[:5])
        raise InputError(
            Problem(
                source=None,
                column="decision",
                message=f"{len(bad)} rows of {where} have a decision other than "
                f"{', '.join(DECISIONS)} or an empty record id (lines {lines})",
                fix="write same, different or not_sure, and both record ids",
                kind="record",
            )
        )
    return frame.reset_index(drop=True)


def to_constraints(decisions: pd.DataFrame) -> pd.DataFrame:
    """The binding decisions as clustering reads them: ``unique_id_l, unique_id_r, decision``,
    the last decision of each pair (either order), ``not_sure`` left out.

    Example:
        >>> frame = pd.DataFrame([["cbp", "1", "hhs", "7", "same"],
        ...                       ["hhs", "7", "cbp", "1", "different"]], columns=DECISION_COLUMNS)
        >>> to_constraints(frame).values.tolist()
        [['cbp:1', 'hhs:7', 'different']]
    """
    if decisions.empty:
        return pd.DataFrame(columns=["unique_id_l", "unique_id_r", "decision"])
    a = decisions["source_l"].astype(str) + ":" + decisions["record_id_l"].astype(str)
    b = decisions["source_r"].astype(str) + ":" + decisions["record_id_r"].astype(str)
    frame = pd.DataFrame(
        {
            "unique_id_l": a.where(a < b, b),
            "unique_id_r": b.where(a < b, a),
            "decision": decisions["decision"].to_numpy(),
        }
    )
    frame = frame.drop_duplicates(["unique_id_l", "unique_id_r"], keep="last")
    return frame[frame["decision"] != "not_sure"].reset_index(drop=True)


def write_decisions(decisions: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``decisions`` as a decisions file (the five columns)."""
    target = Path(path)
    decisions[DECISION_COLUMNS].to_csv(target, index=False)
    return target
