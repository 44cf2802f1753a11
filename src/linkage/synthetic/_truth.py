"""The truth tables: which child each record belongs to, and each child's true attributes."""

from __future__ import annotations

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


def children_frame(pop: Population, child_ids: np.ndarray, bank: NameBank) -> pd.DataFrame:
    n = pop.n
    y_a, m_a, d_a = year_month_day(pop.appr)
    y_d, m_d, d_d = year_month_day(pop.dob)
    age = y_a - y_d - ((m_a < m_d) | ((m_a == m_d) & (d_a < d_d)))
    band = np.select([age <= 12, age <= 14, age <= 16], [0, 1, 2], 3)
    grouped = pop.unit_size[pop.unit] > 1
    first_of_group = grouped & (pop.pos == 0)
    group_number = np.cumsum(first_of_group)
    group_ids = _ids(_GROUP_ID_PREFIX, group_number, max(5, len(str(n))))
    handed = pop.status != NT
    vocab = np.asarray(bank.vocab, dtype=object)

    def names(codes: np.ndarray) -> np.ndarray:
        out = vocab[np.where(codes < 0, 0, codes)]
        out[codes < 0] = None
        return out

    def dates(days: np.ndarray, ok: np.ndarray | None = None) -> pd.Series:
        values = pd.Series(days.astype("datetime64[D]").astype("datetime64[ns]"))
        if ok is not None:
            values[~ok] = pd.NaT
        return values

    a2 = to_objects(zero_padded(np.where(pop.a2 < 0, 0, pop.a2), 9))
    a2[pop.a2 < 0] = None
    frame = pd.DataFrame(
        {
            "child_id": pd.Series(child_ids, dtype=object),
            "status": pd.Series(np.asarray(STATUSES, dtype=object)[pop.status], dtype=object),
            "handed_to_hhs": handed,
            "country": pd.Series(np.asarray(COUNTRIES, dtype=object)[pop.country], dtype=object),
            "sex": pd.Series(np.asarray(["M", "F"], dtype=object)[pop.sex], dtype=object),
            "dob": dates(pop.dob),
            "age_at_entry": age.astype(np.int64),
            "age_band": pd.Series(np.asarray(AGE_BANDS, dtype=object)[band], dtype=object),
            "fiscal_year": pop.fy.astype(np.int64),
            "sibling_group": pd.Series(np.where(grouped, group_ids, np.array(None)), dtype=object),
            "is_twin": pop.twin,
            "a_number": pd.Series(to_objects(zero_padded(pop.a1, 9)), dtype=object),
            "a_number_2": pd.Series(a2, dtype=object),
            "given_name_1": pd.Series(names(pop.g1), dtype=object),
            "given_name_2": pd.Series(names(pop.g2), dtype=object),
            "surname_1": pd.Series(names(pop.s1), dtype=object),
            "surname_2": pd.Series(names(pop.s2), dtype=object),
            "name_style": pd.Series(np.asarray(STYLES, dtype=object)[pop.style], dtype=object),
            "single_name": pop.single,
            "common_name": pop.common,
            "apprehension_date": dates(pop.appr),
            "referral_date": dates(pop.referral, handed),
            "release_date": dates(pop.release, handed),
            "days_in_care": pd.array(np.where(handed, pop.days_in_care, 0), dtype="Int64"),
            "state": pd.Series(
                np.where(handed, np.asarray(STATES, dtype=object)[pop.state], None), dtype=object
            ),
            "sponsor_category": pd.array(np.where(handed, pop.sponsor_cat, 0), dtype="Int64"),
            "sponsor_relation": pd.Series(
                np.where(handed, np.asarray(RELATIONS, dtype=object)[pop.sponsor_rel], None),
                dtype=object,
            ),
        }
    )
    frame.loc[~handed, ["days_in_care", "sponsor_category"]] = pd.NA
    return frame.astype(CHILDREN_DTYPES)
