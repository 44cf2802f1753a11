"""normalize(): a record's names do not depend on which other name columns its source has.

A source with only a full name, one with first/middle/last names, and one with both kinds are
normalised by different queries; a name column that is empty in every record must change nothing.
"""

from __future__ import annotations

import pandas as pd
import pytest

from linkage import normalize
from linkage.synthetic import generate

NAME_OUTPUTS = [
    "unique_id",
    "first_name",
    "middle_name",
    "last_name",
    "given_names",
    "surnames",
    "given_name_1",
    "given_name_2",
    "paternal_surname",
    "maternal_surname",
    "surname_joined",
    "name_tokens",
    "given_phonetic",
    "surname_phonetic",
    "name_issue",
]
NAME_COLUMNS = ["first_name", "middle_name", "last_name", "full_name"]


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    sources = generate(300, seed=3).sources
    # Placeholders, particles, a comma and a blank among the real names.
    extra = pd.DataFrame(
        {
            "record_id": ["x1", "x2", "x3", "x4"],
            "first_name": ["FNU", "  ", "Ana", None],
            "middle_name": [None, "de la Cruz", "Chub", None],
            "last_name": ["López-Chub", "Del Cid Pérez", "LNU", None],
            "event_date": ["03/01/2021"] * 4,
        }
    )
    sources["cbp"] = pd.concat([sources["cbp"], extra], ignore_index=True)
    return sources


def _names(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    records = normalize({name: frame.copy() for name, frame in frames.items()}).to_pandas()
    return records[NAME_OUTPUTS].set_index("unique_id").sort_index().astype(str)


def test_empty_name_columns_change_no_name(frames):
    padded = {
        name: frame.assign(**{c: None for c in NAME_COLUMNS if c not in frame.columns})
        for name, frame in frames.items()
    }
    assert set(padded["ice"].columns) >= set(NAME_COLUMNS)  # ice now has both kinds

    pd.testing.assert_frame_equal(_names(padded), _names(frames))


def test_a_source_with_both_kinds_of_name_reads_each_record_alike(frames):
    # The same records twice: hhs names copied once into ice (which then has both a full name
    # and first/last names) and once into eoir (first/last names only). The data as a whole, and
    # so the name statistics, are the same; so must every record's names be.
    copies = frames["hhs"][["record_id", "first_name", "last_name", "event_date"]].assign(
        record_id=lambda f: "copy-" + f["record_id"]
    )
    mixed = {**frames, "ice": pd.concat([frames["ice"], copies], ignore_index=True)}
    apart = {**frames, "eoir": pd.concat([frames["eoir"], copies], ignore_index=True)}

    ours, theirs = _names(mixed), _names(apart)

    assert ours.index.str.startswith("ice:copy-").sum() == len(copies)
    ice = ~ours.index.str.startswith("ice:copy-") & ours.index.str.startswith("ice:")
    pd.testing.assert_frame_equal(ours[ice], theirs.loc[ours.index[ice]])
    pd.testing.assert_frame_equal(
        ours[ours.index.str.startswith("ice:copy-")].rename(index=lambda i: i[4:]),
        theirs[theirs.index.str.startswith("eoir:copy-")].rename(index=lambda i: i[5:]),
    )
