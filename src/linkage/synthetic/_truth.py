"""The truth tables: which child each record belongs to, and each child's true attributes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from linkage.schema import STATUSES
from linkage.synthetic._arrays import to_objects, zero_padded
from linkage.synthetic._calendar import year_month_day
from linkage.synthetic._name_bank import STYLES, NameBank
from linkage.synthetic._places import COUNTRIES, STATES
from linkage.synthetic._population import AGE_BANDS, NT, Population
from linkage.synthetic._result import CHILDREN_DTYPES
from linkage.synthetic._sponsors import RELATIONS

_CHILD_ID_PREFIX = "C"
_GROUP_ID_PREFIX = "G"


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    return to_objects(pc.binary_join_element_wise(prefix, zero_padded(numbers, width), ""))


def number_children(n: int) -> np.ndarray:
    """``C000001``, ``C000002``, ... one id per child, in order of apprehension."""
    return _ids(_CHILD_ID_PREFIX, np.arange(1, n + 1), max(6, len(str(n))))


def record_truth(source: str, record_ids: pd.Series, child_ids: np.ndarray) -> pd.DataFrame:
    """One row per record of ``source``: ``source``, ``record_id``, ``child_id``."""
    return pd.DataFrame(
        {
            "source": pd.Series(np.full(len(record_ids), source, dtype=object), dtype=object),
            "record_id": record_ids,
            "child_id": pd.Series(child_ids, dtype=object),
        }
    )


def children_frame(
    pop: Population, child_ids: np.ndarray, bank: NameBank, second_apprehension: np.ndarray
) -> pd.DataFrame:
    """One row per child with the true attributes: :attr:`SyntheticData.children`.

    Args:
        second_apprehension: Per child, the day of a second apprehension, -1 when none.
    """
    handed = pop.status != NT
    frame = pd.DataFrame(
        {
            **_identity_columns(pop, child_ids, handed),
            **_true_name_columns(pop, bank),
            **_journey_columns(pop, handed),
            "second_apprehension_date": _timestamps(second_apprehension, second_apprehension >= 0),
        }
    )
    frame.loc[~handed, ["days_in_care", "sponsor_category"]] = pd.NA
    return frame.astype(CHILDREN_DTYPES)


def _identity_columns(pop: Population, child_ids: np.ndarray, handed: np.ndarray) -> dict[str, Any]:
    """``child_id`` to ``a_number_2``: who the child is, their status and family."""
    age, band = _ages(pop)
    return {
        "child_id": pd.Series(child_ids, dtype=object),
        "status": pd.Series(np.asarray(STATUSES, dtype=object)[pop.status], dtype=object),
        "handed_to_hhs": handed,
        "country": pd.Series(np.asarray(COUNTRIES, dtype=object)[pop.country], dtype=object),
        "sex": pd.Series(np.asarray(["M", "F"], dtype=object)[pop.sex], dtype=object),
        "dob": _timestamps(pop.dob),
        "age_at_entry": age.astype(np.int64),
        "age_band": pd.Series(np.asarray(AGE_BANDS, dtype=object)[band], dtype=object),
        "fiscal_year": pop.fy.astype(np.int64),
        "sibling_group": pd.Series(_sibling_groups(pop), dtype=object),
        "is_twin": pop.twin,
        "a_number": pd.Series(to_objects(zero_padded(pop.a1, 9)), dtype=object),
        "a_number_2": pd.Series(_second_a_numbers(pop), dtype=object),
    }


def _true_name_columns(pop: Population, bank: NameBank) -> dict[str, Any]:
    """``given_name_1`` to ``common_name``: the true name, its style and kind."""
    vocab = np.asarray(bank.vocab, dtype=object)
    return {
        "given_name_1": pd.Series(_names(vocab, pop.g1), dtype=object),
        "given_name_2": pd.Series(_names(vocab, pop.g2), dtype=object),
        "surname_1": pd.Series(_names(vocab, pop.s1), dtype=object),
        "surname_2": pd.Series(_names(vocab, pop.s2), dtype=object),
        "name_style": pd.Series(np.asarray(STYLES, dtype=object)[pop.style], dtype=object),
        "single_name": pop.single,
        "common_name": pop.common,
    }


def _journey_columns(pop: Population, handed: np.ndarray) -> dict[str, Any]:
    """``apprehension_date`` to ``sponsor_relation``: the journey and the sponsor.

    ORR's fields (referral, release, stay, state, sponsor) are empty for children never handed.
    """
    states = np.asarray(STATES, dtype=object)[pop.state]
    relations = np.asarray(RELATIONS, dtype=object)[pop.sponsor_rel]
    return {
        "apprehension_date": _timestamps(pop.appr),
        "referral_date": _timestamps(pop.referral, handed),
        "release_date": _timestamps(pop.release, handed),
        "days_in_care": pd.array(np.where(handed, pop.days_in_care, 0), dtype="Int64"),
        "state": pd.Series(np.where(handed, states, None), dtype=object),
        "sponsor_category": pd.array(np.where(handed, pop.sponsor_cat, 0), dtype="Int64"),
        "sponsor_relation": pd.Series(np.where(handed, relations, None), dtype=object),
    }


def _ages(pop: Population) -> tuple[np.ndarray, np.ndarray]:
    """Completed years at apprehension, and ORR's age band (index into ``AGE_BANDS``)."""
    y_a, m_a, d_a = year_month_day(pop.appr)
    y_d, m_d, d_d = year_month_day(pop.dob)
    age = y_a - y_d - ((m_a < m_d) | ((m_a == m_d) & (d_a < d_d)))
    band = np.select([age <= 12, age <= 14, age <= 16], [0, 1, 2], 3)
    return age, band


def _sibling_groups(pop: Population) -> np.ndarray:
    """``G00001``, ... shared by the children of a sibling group; ``None`` for a child alone."""
    grouped = pop.unit_size[pop.unit] > 1
    group_number = np.cumsum(grouped & (pop.pos == 0))
    group_ids = _ids(_GROUP_ID_PREFIX, group_number, max(5, len(str(pop.n))))
    groups: np.ndarray = np.where(grouped, group_ids, np.array(None))
    return groups


def _second_a_numbers(pop: Population) -> np.ndarray:
    """The second A-number (9 digits) or ``None``."""
    a2 = to_objects(zero_padded(np.where(pop.a2 < 0, 0, pop.a2), 9))
    a2[pop.a2 < 0] = None
    return a2


def _names(vocab: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Name codes as names, ``None`` for -1."""
    out: np.ndarray = vocab[np.where(codes < 0, 0, codes)]
    out[codes < 0] = None
    return out


def _timestamps(days: np.ndarray, ok: np.ndarray | None = None) -> pd.Series:
    """Day numbers as ``datetime64[ns]``; ``NaT`` where not ``ok``."""
    values = pd.Series(days.astype("datetime64[D]").astype("datetime64[ns]"))
    if ok is not None:
        values[~ok] = pd.NaT
    return values
