"""The real-world cases the foundation issue names, end to end through read_sources + normalize,
and the idempotence property: normalised values fed back in come out unchanged."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import linkage


def _norm(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return linkage.normalize(frames).to_pandas().set_index("unique_id")


def _names(row: pd.Series) -> tuple[list[str], list[str]]:
    return list(row["given_names"]), list(row["surnames"])


def test_full_names_written_both_ways_and_hyphenated_give_the_same_person():
    ice = pd.DataFrame(
        {
            "record_id": ["1", "2", "3"],
            "full_name": ["LÓPEZ CHUB, JOSÉ LUIS", "Jose Luis Lopez-Chub", "FNU, GURPREET SINGH"],
            "event_date": ["2021-05-01"] * 3,
        }
    )
    rec = _norm({"ice": ice})
    assert _names(rec.loc["ice:1"]) == (["JOSE", "LUIS"], ["LOPEZ", "CHUB"])
    assert _names(rec.loc["ice:2"]) == (["JOSE", "LUIS"], ["LOPEZ", "CHUB"])
    assert rec.loc["ice:1", "paternal_surname"] == "LOPEZ"
    assert rec.loc["ice:1", "maternal_surname"] == "CHUB"
    # "FNU" as the family name: the placeholder goes, the given names stay.
    gurpreet = rec.loc["ice:3"]
    assert list(gurpreet["surnames"]) == []
    assert list(gurpreet["given_names"]) == ["GURPREET", "SINGH"]
    assert gurpreet["name_issue"] == "placeholder"


def test_full_width_letters_and_ligatures_read_as_plain_letters():
    """Names typed with an East Asian input method (full-width letters) or carrying letters that
    accents cannot be stripped from (æ, ß, ﬁ) keep those letters instead of losing them."""
    cbp = pd.DataFrame(
        {
            "record_id": ["1", "2", "3"],
            "first_name": ["ＭＡＲÍＡ ｊｏｓé", "María José", "ﬁlomena"],
            "last_name": ["ＬÓＰＥＺ", "López", "Strauß Sæther"],
            "event_date": ["2021-05-01"] * 3,
        }
    )
    rec = _norm({"cbp": cbp})
    assert _names(rec.loc["cbp:1"]) == _names(rec.loc["cbp:2"]) == (["MARIA", "JOSE"], ["LOPEZ"])
    assert _names(rec.loc["cbp:3"]) == (["FILOMENA"], ["STRAUSS", "SAETHER"])


def test_particles_stay_with_their_surname_and_run_together_surnames_meet():
    hhs = pd.DataFrame(
        {
            "record_id": ["1", "2", "3"],
            "first_name": ["María José", "Jose", "Jose"],
            "last_name": ["De la Cruz Pérez", "LOPEZCHUB", "López Chub"],
            "event_date": ["05/01/2021"] * 3,
        }
    )
    rec = _norm({"hhs": hhs})
    assert _names(rec.loc["hhs:1"]) == (["MARIA", "JOSE"], ["DE LA CRUZ", "PEREZ"])
    assert rec.loc["hhs:1", "paternal_surname"] == "DE LA CRUZ"
    assert rec.loc["hhs:2", "surname_joined"] == rec.loc["hhs:3", "surname_joined"] == "LOPEZCHUB"


@pytest.mark.parametrize(
    ("raw", "expected", "issue"),
    [
        ("A012-345-678", "012345678", None),
        ("12345678", "012345678", None),
        ("A12345678", "012345678", None),
        ("12-345-678", "012345678", None),
        ("1234567", None, "too_short"),
        (None, None, "missing"),
    ],
)
def test_a_numbers(raw, expected, issue):
    cbp = pd.DataFrame(
        {"record_id": ["1"], "last_name": ["X"], "a_number": [raw], "event_date": ["05/01/2021"]}
    )
    row = _norm({"cbp": cbp}).iloc[0]
    assert (None if pd.isna(row["a_number"]) else row["a_number"]) == expected
    assert (None if pd.isna(row["a_number_issue"]) else row["a_number_issue"]) == issue


def test_one_date_in_each_format_reads_the_same():
    frames = {
        "cbp": pd.DataFrame(
            {
                "record_id": ["1"],
                "last_name": ["X"],
                "dob": ["04/19/2009"],
                "event_date": ["05/01/2021"],
            }
        ),
        "ice": pd.DataFrame(
            {
                "record_id": ["1"],
                "full_name": ["X, Y"],
                "dob": ["2009-04-19"],
                "event_date": ["2021-05-01"],
            }
        ),
        "eoir": pd.DataFrame(
            {
                "record_id": ["1"],
                "last_name": ["X"],
                "dob": ["20090419"],
                "event_date": ["20210501"],
            }
        ),
    }
    rec = _norm(frames)
    assert set(rec["dob"].astype(str)) == {"2009-04-19"}
    assert rec["dob_issue"].isna().all()


def test_compact_dates_read_by_pandas_as_numbers_still_read_as_dates():
    """A YYYYMMDD column with a blank, loaded by pandas, arrives as floats (20090419.0, NaN); one
    without blanks as integers. Both are the dates they spell, and the blank stays missing."""
    frames = {
        "cbp": pd.DataFrame(
            {
                "record_id": ["1", "2"],
                "last_name": ["X", "Y"],
                "dob": [20090419.0, float("nan")],
                "event_date": [20210501, 20210502],
            }
        ),
    }
    rec = _norm(frames)
    assert str(rec.loc["cbp:1", "dob"])[:10] == "2009-04-19"
    assert pd.isna(rec.loc["cbp:2", "dob"])
    assert [str(d)[:10] for d in rec["event_date"]] == ["2021-05-01", "2021-05-02"]
    assert rec["dob_issue"].isna().tolist() == [True, False]  # the blank is "missing", not invalid
    assert rec.loc["cbp:2", "dob_issue"] == "missing"


def test_guatemala_written_every_way():
    values = ["Guatemala", "GTM", "GT", "GUATEMALA", "guatemala ", "Guatemala"]
    cbp = pd.DataFrame(
        {
            "record_id": [str(i) for i in range(5)],
            "last_name": ["X"] * 5,
            "country": values[:5],
            "event_date": ["05/01/2021"] * 5,
        }
    )
    eoir = pd.DataFrame(
        {
            "record_id": ["1", "2"],
            "last_name": ["X", "Y"],
            "country": ["GT", "HO"],
            "event_date": ["20210501"] * 2,
        }
    )
    rec = _norm({"cbp": cbp, "eoir": eoir})
    assert set(rec.loc[rec["source"] == "cbp", "country"]) == {"GT"}
    assert rec.loc["eoir:1", "country"] == "GT"
    assert rec.loc["eoir:2", "country"] == "HN"  # EOIR code HO = Honduras


_name_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40
)


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=_name_text, last=_name_text, a_number=st.text(max_size=14), dob=st.text(max_size=12))
def test_normalising_normalised_values_changes_nothing(first, last, a_number, dob):
    """Idempotence: the canonical values, written back as input, normalise to themselves."""
    cbp = pd.DataFrame(
        {
            "record_id": ["1"],
            "first_name": [first],
            "last_name": [last],
            "a_number": [a_number],
            "dob": [dob],
            "event_date": ["05/01/2021"],
        }
    )
    once = _norm({"cbp": cbp}).iloc[0]
    again_input = pd.DataFrame(
        {
            "record_id": ["1"],
            "first_name": [" ".join(once["given_names"]) or None],
            "last_name": [" ".join(once["surnames"]) or None],
            "a_number": [None if pd.isna(once["a_number"]) else once["a_number"]],
            "dob": [None if pd.isna(once["dob"]) else str(once["dob"])[:10]],
            "event_date": ["05/01/2021"],
        }
    )
    twice = _norm({"cbp": again_input}).iloc[0]
    for column in ("given_names", "surnames", "given_phonetic", "surname_phonetic"):
        assert list(twice[column]) == list(once[column]), column
    for column in ("a_number", "dob"):
        a, b = once[column], twice[column]
        assert (pd.isna(a) and pd.isna(b)) or a == b, column


def test_sex_written_as_unknown_is_a_placeholder_and_anything_else_unreadable_is_invalid():
    frames = {
        "eoir": pd.DataFrame(
            {
                "record_id": ["1", "2", "3", "4", "5"],
                "last_name": ["X", "Y", "Z", "W", "V"],
                "sex": ["U", "Female", "Q", None, "unknown"],
                "event_date": ["20210501"] * 5,
            }
        )
    }
    records = linkage.normalize(frames)
    rec = records.to_pandas().set_index("unique_id")
    assert rec["sex"].isna().tolist() == [True, False, True, True, True]
    assert rec.loc["eoir:2", "sex"] == "F"
    row = records.profile().set_index(["source", "column"]).loc[("eoir", "sex")]
    assert (row["missing"], row["invalid"], row["placeholder"]) == (1, 1, 2)
    assert list(row["examples"]) == ["3"]
