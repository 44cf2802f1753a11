"""Synthetic four-agency data: layout, truth, calibration, and every habit at about its rate."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rapidfuzz.distance import DamerauLevenshtein

from linkage.errors import InputError, LinkageError, SourceError
from linkage.schema import (
    COMMON_COLUMNS,
    EOIR_NATIONALITY_CODES,
    SOURCE_COLUMNS,
    SOURCES,
    STATUSES,
)
from linkage.synthetic import PHONETIC_RULES, Rates, SyntheticData, generate, read_truth, write
from linkage.synthetic import _calibration as cal

N = 20_000
SEX = {"M": "M", "F": "F", "Male": "M", "Female": "F"}
DATE_FORMAT = {"cbp": "%m/%d/%Y", "ice": "%Y-%m-%d", "hhs": "%m/%d/%Y", "eoir": "%Y%m%d"}
NAME_COLUMNS = {
    "cbp": ("first_name", "middle_name", "last_name"),
    "ice": ("full_name",),
    "hhs": ("first_name", "last_name"),
    "eoir": ("first_name", "last_name"),
}


#: The habits added with ``linkage.synthetic._name_habits`` and their kin, each drawn from a
#: stream of its own: at rate 0 they leave the generator's output as it was before them.
LATER_HABITS = (
    "given_initial",
    "given_reordered",
    "given_reduced_to_second",
    "nickname",
    "maternal_in_given",
    "tokens_joined",
    "tokens_split",
    "transliteration",
    "ocr_name",
    "wrong_field",
    "truncated",
    "a_number_sibling",
    "ocr_a_number",
    "repeat_journey",
    "twin_prefix_names",
)
WITHOUT_LATER_HABITS = {habit: 0.0 for habit in LATER_HABITS}


@pytest.fixture(scope="module")
def data() -> SyntheticData:
    return generate(N, seed=11)


@pytest.fixture(scope="module")
def first_habits() -> SyntheticData:
    """The same children as ``data`` with the later habits off."""
    return generate(N, seed=11, rates=Rates(**WITHOUT_LATER_HABITS))


def fold(value: object) -> object:
    """Upper case without accents (None stays None)."""
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKD", value)
    return "".join(c for c in text if not unicodedata.combining(c)).upper().strip()


def records(data: SyntheticData, source: str) -> pd.DataFrame:
    """A source's records joined to their true child (true columns suffixed ``_true``)."""
    truth = data.truth[data.truth["source"] == source][["record_id", "child_id"]]
    frame = data.sources[source].merge(truth, on="record_id", how="left", validate="1:1")
    return frame.merge(data.children, on="child_id", how="left", suffixes=("", "_true"))


def later_journey(frame: pd.DataFrame, source: str) -> pd.Series:
    """Records (of :func:`records`) of a child's second apprehension (``Rates.repeat_journey``):
    every one is dated on or after it, and the first journey's are all earlier (not the court's,
    which has no records of the second journey)."""
    event = pd.to_datetime(frame["event_date"], format=DATE_FORMAT[source])
    again = frame["second_apprehension_date"]
    return again.notna() & (event >= again) & (source != "eoir")


def first_journey(data: SyntheticData, source: str) -> pd.DataFrame:
    """A source's records of the children's first journey, joined to their true child."""
    frame = records(data, source)
    return frame[~later_journey(frame, source)]


def digits(series: pd.Series) -> pd.Series:
    return series.str.replace(r"\D", "", regex=True).str.zfill(9)


def spanish_two_surnames(frame: pd.DataFrame) -> pd.Series:
    """Children with two one-word surnames in the Spanish order."""
    plain = frame["surname_1"].str.fullmatch(r"[^\s-]+") & frame["surname_2"].str.fullmatch(
        r"[^\s-]+"
    )
    return frame["name_style"].isin(["spanish", "maya"]) & plain.fillna(False).astype(bool)


def near(measured: float, expected: float, tolerance: float) -> bool:
    return abs(measured - expected) <= tolerance


# -- determinism -------------------------------------------------------------------------------


def test_same_seed_gives_identical_frames_and_other_seeds_differ() -> None:
    a, b, c = generate(2_000, seed=5), generate(2_000, seed=5), generate(2_000, seed=6)
    for source in SOURCES:
        pd.testing.assert_frame_equal(a.sources[source], b.sources[source])
    pd.testing.assert_frame_equal(a.truth, b.truth)
    pd.testing.assert_frame_equal(a.children, b.children)
    assert not a.sources["hhs"].equals(c.sources["hhs"])
    assert not a.children["dob"].equals(c.children["dob"])


# -- layout and truth --------------------------------------------------------------------------


def test_every_source_has_exactly_the_layout_columns_as_text(data: SyntheticData) -> None:
    assert set(data.sources) == set(SOURCES)
    for source, frame in data.sources.items():
        expected = {*COMMON_COLUMNS, *NAME_COLUMNS[source], *SOURCE_COLUMNS[source]}
        assert set(frame.columns) == expected, source
        assert frame.columns[0] == "record_id"
        for column in frame.columns:
            assert frame[column].dtype == object, (source, column)
            kinds = set(frame[column].map(type))
            assert kinds <= {str, type(None)}, (source, column, kinds)
            assert not (frame[column] == "").any(), (source, column)
        for column in ("record_id", "event_date"):
            assert frame[column].notna().all(), (source, column)


def test_truth_maps_every_record_to_exactly_one_child(data: SyntheticData) -> None:
    truth = data.truth
    assert len(truth) == data.n_records
    assert not truth.duplicated(["source", "record_id"]).any()
    assert truth["child_id"].notna().all()
    assert set(truth["child_id"]) <= set(data.children["child_id"])
    for source, frame in data.sources.items():
        assert frame["record_id"].is_unique
        assert set(frame["record_id"]) == set(truth.loc[truth["source"] == source, "record_id"])
        prefix = {"cbp": "CBP", "ice": "ICE", "hhs": "HHS", "eoir": "EOIR"}[source]
        assert frame["record_id"].str.fullmatch(rf"{prefix}-\d{{6}}").all()
    # every child was apprehended by CBP; records per child about 3.5-4
    cbp_children = set(truth.loc[truth["source"] == "cbp", "child_id"])
    assert cbp_children == set(data.children["child_id"])
    assert 3.4 <= data.n_records / len(data.children) <= 4.3
    assert data.children["child_id"].is_unique


def test_status_is_the_rule_applied_to_the_true_records(data: SyntheticData) -> None:
    children = data.children.set_index("child_id")
    has = {s: set(data.truth.loc[data.truth["source"] == s, "child_id"]) for s in SOURCES}
    eoir = records(data, "eoir")
    absentia = set(eoir.loc[eoir["absentia"] == "Y", "child_id"])
    ice = records(data, "ice")
    nta = set(ice.loc[ice["nta_issued_date"].notna(), "child_id"])

    def rule(child: str) -> str:
        if child not in has["hhs"]:
            return "not_transferred"
        if child in has["eoir"]:
            return "failed_to_appear" if child in absentia else "in_proceedings"
        return "nta_not_filed" if child in nta else "no_nta"

    recomputed = pd.Series({c: rule(c) for c in children.index})
    assert (recomputed == children["status"]).all()
    assert set(children["status"]) == set(STATUSES)
    assert (children["handed_to_hhs"] == (children["status"] != "not_transferred")).all()
    # some not-transferred children still have ICE and court records
    nt = set(children.index[children["status"] == "not_transferred"])
    assert nt & has["ice"] and nt & has["eoir"]


# -- calibration -------------------------------------------------------------------------------


def test_status_shares_follow_the_oig_figures(data: SyntheticData) -> None:
    children = data.children
    shares = children["status"].value_counts(normalize=True)
    assert near(shares["not_transferred"], 0.08, 0.01)
    handed = children.loc[children["handed_to_hhs"], "status"].value_counts(normalize=True)
    never = handed["no_nta"] + handed["nta_not_filed"]
    assert near(never, cal.OIG_NEVER_IN_PROCEEDINGS, 0.02)
    assert near(handed["nta_not_filed"], 0.65 * 0.30, 0.02)
    assert near(handed["failed_to_appear"], cal.OIG_FAILED_TO_APPEAR, 0.01)
    assert near(handed["in_proceedings"], 1 - 0.65 - 0.07, 0.02)
    # the not-transferred are mostly Mexican
    nt = children[children["status"] == "not_transferred"]
    assert (nt["country"] == "MX").mean() > 0.7


def _expected_by_year(frame: pd.DataFrame, table: dict[int, dict[str, float]], key: str) -> float:
    weights = frame["fiscal_year"].value_counts(normalize=True)
    return sum(w * table[y][key] / sum(table[y].values()) for y, w in weights.items())


def test_country_age_and_sex_follow_orr_within_tolerance(data: SyntheticData) -> None:
    handed = data.children[data.children["handed_to_hhs"]]
    for iso in ("GT", "HN", "SV", "MX"):
        measured = (handed["country"] == iso).mean()
        expected = _expected_by_year(handed, cal.ORR_COUNTRY_SHARE, iso)
        assert near(measured, expected, 0.02), (iso, measured, expected)
    other = (~handed["country"].isin(["GT", "HN", "SV", "MX"])).mean()
    assert near(other, _expected_by_year(handed, cal.ORR_COUNTRY_SHARE, "other"), 0.015)
    for band in ("0-12", "13-14", "15-16", "17+"):
        measured = (data.children["age_band"] == band).mean()
        expected = _expected_by_year(data.children, cal.ORR_AGE_BAND_SHARE, band)
        assert near(measured, expected, 0.03), (band, measured, expected)
    assert data.children["age_at_entry"].between(0, 17).all()
    male = (data.children["sex"] == "M").mean()
    assert near(male, _expected_by_year(data.children, cal.ORR_SEX_SHARE, "M"), 0.015)


def test_fiscal_years_sponsors_days_in_care_and_states(data: SyntheticData) -> None:
    children = data.children
    fy = children["fiscal_year"].value_counts(normalize=True)
    total = sum(cal.ORR_RELEASED_TOTAL.values())
    for year, released in cal.ORR_RELEASED_TOTAL.items():
        assert near(fy[year], released / total, 0.015), year
    appr = children["apprehension_date"]
    assert appr.min() >= pd.Timestamp("2018-10-01") and appr.max() <= pd.Timestamp("2023-09-30")
    handed = children[children["handed_to_hhs"]]
    days = handed["days_in_care"].astype(float)
    assert days.between(1, 364).all()
    # days in care: median and mean of the NYT release file per country group and year of entry
    group = handed["country"].map(cal.COUNTRY_GROUP).fillna("Other")
    year = handed["apprehension_date"].dt.year
    checked = 0
    for (g, y), stay in days.groupby([group, year]):
        if len(stay) >= 800:
            _, median, _, mean = cal.NYT_DAYS_IN_CARE[(g, y)]
            assert abs(stay.median() - median) <= max(2, 0.1 * median), (g, y)
            assert abs(stay.mean() - mean) <= 0.12 * mean, (g, y)
            checked += 1
    assert checked >= 5
    assert (
        days[handed["fiscal_year"] == 2019].mean()
        > 1.5 * days[handed["fiscal_year"] == 2023].mean()
    )
    cat = handed["sponsor_category"].value_counts(normalize=True)
    assert near(cat[1], 0.42, 0.04) and near(cat[2], 0.47, 0.04) and near(cat[3], 0.11, 0.03)
    assert handed["sponsor_relation"].value_counts().index[0] == "Mother"
    top = handed["state"].value_counts().index[:3]
    assert set(top) <= {"TX", "CA", "FL", "NY"}
    assert children.loc[~children["handed_to_hhs"], "state"].isna().all()


def test_journey_dates_are_plausible(data: SyntheticData) -> None:
    def first_event(source: str) -> pd.Series:
        frame = first_journey(data, source)
        dates = pd.to_datetime(frame["event_date"], format=DATE_FORMAT[source])
        return dates.groupby(frame["child_id"]).min()

    appr = data.children.set_index("child_id")["apprehension_date"]
    cbp, ice, hhs, eoir = (first_event(s) for s in SOURCES)
    assert ((cbp - appr[cbp.index]).dt.days == 0).all()
    assert (ice - appr[ice.index]).dt.days.between(0, 3).all()
    assert (hhs - appr[hhs.index]).dt.days.between(1, 3).all()
    assert (eoir - appr[eoir.index]).dt.days.min() >= 30  # the NTA is filed months later
    assert (eoir - appr[eoir.index]).dt.days.median() > 90
    frame = records(data, "hhs")
    release = pd.to_datetime(frame["release_date"], format="%m/%d/%Y")
    event = pd.to_datetime(frame["event_date"], format="%m/%d/%Y")
    assert (release.dropna() > event[release.notna()]).all()
    court = records(data, "eoir")
    hearing = pd.to_datetime(court["hearing_date"], format="%Y%m%d")
    assert (hearing > pd.to_datetime(court["event_date"], format="%Y%m%d")).all()
    ice_frame = records(data, "ice")
    nta = pd.to_datetime(ice_frame["nta_issued_date"], format="%Y-%m-%d")
    assert (nta.dropna() >= ice_frame.loc[nta.notna(), "apprehension_date"]).all()


def test_records_per_child_per_source(data: SyntheticData) -> None:
    first = pd.concat([first_journey(data, s).assign(source=s) for s in SOURCES])
    counts = first.groupby(["source", "child_id"]).size()
    assert near((counts["cbp"] == 2).mean(), 0.02, 0.006)
    assert near((counts["ice"] == 2).mean(), 0.40, 0.02)
    assert near((counts["hhs"] == 2).mean(), 0.30, 0.02)
    assert counts.max() == 2
    handed = set(data.children.loc[data.children["handed_to_hhs"], "child_id"])
    assert set(counts["hhs"].index) == handed
    # a second apprehension adds a CBP record, sometimes ICE and HHS ones
    every = data.truth.groupby(["source", "child_id"]).size()
    again = data.children["second_apprehension_date"].notna()
    assert every.sum() - counts.sum() >= again.sum()
    assert every.max() <= 4


# -- source habits -----------------------------------------------------------------------------


def test_source_formats(data: SyntheticData) -> None:
    cbp, ice, hhs, eoir = (data.sources[s] for s in SOURCES)
    for source, frame in data.sources.items():
        pattern = {"cbp": r"\d\d/\d\d/\d{4}", "ice": r"\d{4}-\d\d-\d\d", "hhs": r"\d\d/\d\d/\d{4}"}
        regex = pattern.get(source, r"\d{8}")
        for column in ("dob", "event_date"):
            assert frame[column].dropna().str.fullmatch(regex).all(), (source, column)
    # names: CBP and court upper case without accents; HHS mixed case with accents
    for frame, columns in ((cbp, NAME_COLUMNS["cbp"]), (eoir, NAME_COLUMNS["eoir"])):
        for column in columns:
            values = frame[column].dropna().str.replace("l", "")  # a scanner's l for I
            assert (values == values.str.upper()).all()
            assert values.map(str.isascii).all()
    assert ice["full_name"].map(str.isascii).all()
    hhs_last = hhs["last_name"].dropna()
    assert hhs_last.str.contains("[a-z]").mean() > 0.95
    assert (~hhs_last.map(str.isascii)).mean() > 0.3
    assert near(ice["full_name"].str.contains(",").mean(), 0.80, 0.02)
    # A-numbers: court zero-padded 9 digits; the ICE formats vary (scanned numbers aside)
    court = eoir["a_number"].dropna()
    scanned = court.str.contains("[OIlSB]")
    assert court[~scanned].str.fullmatch(r"\d{9}").all() and scanned.mean() < 0.02
    assert eoir["a_number"].str.startswith("0").mean() > 0.03
    ice_a = ice["a_number"].dropna()
    for regex in (r"A\d{3}-\d{3}-\d{3}", r"A\d{8,9}", r"\d{1,3}-\d{3}-\d{3}"):
        assert ice_a.str.fullmatch(regex).mean() > 0.1, regex
    assert ice_a.str.fullmatch(r"A\d{8}").any()  # an 8-digit number without its leading zero
    # countries: EOIR nationality codes in court, names and ISO codes elsewhere
    assert eoir["country"].dropna().isin(EOIR_NATIONALITY_CODES).all()
    assert {"HO", "ES", "GT"} <= set(eoir["country"])
    assert {"GUATEMALA", "EL SALVADOR"} <= set(cbp["country"])
    assert {"GTM", "HND"} <= set(ice["country"])
    assert {"México", "Guatemala"} <= set(hhs["country"])
    # sex vocabularies per source
    assert set(cbp["sex"].dropna()) == {"M", "F"}
    assert set(ice["sex"].dropna()) == {"Male", "Female"}
    assert set(hhs["sex"].dropna()) == {"M", "F", "Male", "Female"}
    assert set(eoir["sex"]) == {"M", "F", "U"}
    assert set(eoir["absentia"]) == {"Y", "N"}
    assert hhs["sponsor_zip"].dropna().str.fullmatch(r"\d{5}(-\d{4})?").all()
    assert eoir["zip"].str.fullmatch(r"\d{5}").all()


def test_clean_rates_write_the_truth_in_each_source_format() -> None:
    data = generate(3_000, seed=2, rates=Rates.clean())
    children = data.children
    assert children["single_name"].any()
    for source in ("cbp", "hhs", "eoir"):
        frame = records(data, source)
        frame = frame[~frame["single_name"]]
        given = frame[["given_name_1", "given_name_2"]].apply(
            lambda row: " ".join(x for x in row if isinstance(x, str)), axis=1
        )
        names = frame[[c for c in NAME_COLUMNS[source] if c != "last_name"]]
        written = names.apply(lambda row: " ".join(x for x in row if isinstance(x, str)), axis=1)
        assert (written.map(fold) == given.map(fold)).all(), source
        dob = pd.to_datetime(frame["dob"], format=DATE_FORMAT[source])
        assert (dob == frame["dob_true"]).all()
        again = later_journey(frame, source)  # a second apprehension carries no A-number
        assert frame["a_number"].notna().eq(~again).all()
        frame = frame[~again]
        assert (
            digits(frame["a_number"])
            == np.where(
                frame["a_number_2"].notna() & (source == "eoir"),
                frame["a_number_2"],
                frame["a_number_true"],
            )
        ).sum() >= 0.97 * len(frame)
        assert (frame["sex"].map(SEX) == frame["sex_true"]).all()
    hhs = records(data, "hhs")
    two = spanish_two_surnames(hhs)
    expected = (hhs["surname_1"] + " " + hhs["surname_2"])[two]
    assert (hhs.loc[two, "last_name"] == expected).all()


# -- errors at about their rates ---------------------------------------------------------------


def test_a_number_missing_per_source(data: SyntheticData) -> None:
    expected = {"cbp": 0.40, "ice": 0.05, "hhs": 0.15, "eoir": 0.0}
    for source, rate in expected.items():
        assert near(data.sources[source]["a_number"].isna().mean(), rate, 0.02), source


def test_a_number_typos_second_numbers_and_duplicates(data: SyntheticData) -> None:
    children = data.children
    assert near(children["a_number_2"].notna().mean(), 0.03, 0.006)
    eoir = records(data, "eoir")
    court = digits(eoir["a_number"])
    second = eoir["a_number_2"].notna()
    assert (court[second] == eoir.loc[second, "a_number_2"]).mean() > 0.9
    assert (court[second] != eoir.loc[second, "a_number_true"]).all() or second.sum() == 0
    first = ~second
    mistyped = (court[first] != eoir.loc[first, "a_number_true"]).mean()
    assert near(mistyped, 0.02 + 0.002, 0.008)
    # a duplicated number: a record carrying another child's A-number
    owners = children.set_index("a_number")["child_id"]
    every = pd.concat([records(data, s)[["a_number", "child_id"]] for s in SOURCES]).dropna()
    number = digits(every["a_number"])
    other = number.map(owners)
    assert (other.notna() & (other != every["child_id"])).sum() >= 5


def test_dob_placeholder_swap_shift_and_missing(data: SyntheticData) -> None:
    frame = pd.concat(
        [
            records(data, s).assign(
                dob_written=lambda f, s=s: pd.to_datetime(f["dob"], format=DATE_FORMAT[s])
            )
            for s in SOURCES
        ]
    )
    assert near(frame["dob_written"].isna().mean(), 0.01, 0.004)
    frame = frame[frame["dob_written"].notna()]
    written, true = frame["dob_written"], frame["dob_true"]
    real = ~((true.dt.month == 1) & (true.dt.day == 1))
    jan1 = (written.dt.month == 1) & (written.dt.day == 1)
    assert near(jan1[real].mean(), 0.04, 0.008)
    eligible = (true.dt.day <= 12) & (true.dt.day != true.dt.month)
    swapped = (written.dt.month == true.dt.day) & (written.dt.day == true.dt.month)
    assert near(swapped[eligible].mean(), 0.03 * 0.96, 0.008)
    same_day = (written.dt.month == true.dt.month) & (written.dt.day == true.dt.day)
    years = (written.dt.year - true.dt.year).abs()
    shifted = same_day & years.between(1, 2)
    assert near(shifted[real].mean(), 0.03 * 0.93, 0.008)
    assert (same_day & (years == 0)).mean() > 0.85


def test_surname_habits(data: SyntheticData) -> None:
    for source in ("hhs", "eoir"):
        frame = records(data, source)
        frame = frame[spanish_two_surnames(frame)]
        last = frame["last_name"].map(fold)
        assert near((last == frame["surname_1"].map(fold)).mean(), 0.12, 0.02), source
    cbp = records(data, "cbp")
    cbp = cbp[spanish_two_surnames(cbp)]
    assert near((cbp["middle_name"] == cbp["surname_2"].map(fold)).mean(), 0.06, 0.01)
    pat, mat = cbp["surname_1"].map(fold), cbp["surname_2"].map(fold)
    both = cbp["last_name"].str.replace(r"[\s-]", "", regex=True) == pat + mat
    kept = cbp[both]
    assert near(kept["last_name"].str.contains("-").mean(), 0.05, 0.01)
    assert near((~kept["last_name"].str.contains(r"[\s-]")).mean(), 0.02, 0.006)
    # Brazilian children: mother's surname first, written in the Spanish order half the time
    hhs = records(data, "hhs")
    br = hhs[(hhs["name_style"] == "portuguese") & hhs["surname_2"].notna()]
    assert len(br) > 50
    forward = br["last_name"] == br["surname_1"] + " " + br["surname_2"]
    flipped = br["last_name"] == br["surname_2"] + " " + br["surname_1"]
    share = flipped.sum() / (forward.sum() + flipped.sum())
    assert near(share, 0.5, 0.1)


def test_given_name_habits(data: SyntheticData) -> None:
    eoir = records(data, "eoir")
    two = eoir["given_name_2"].notna() & ~eoir["given_name_2"].str.contains(" ", na=False)
    frame = eoir[two]
    g1 = frame["given_name_1"].map(fold)
    starts = frame["first_name"].str.split(" ").str[0] == g1
    assert near((frame.loc[starts, "first_name"] == g1[starts]).mean(), 0.15, 0.025)
    # given names and surnames swapped
    frame = eoir[spanish_two_surnames(eoir)]
    surnames = frame["surname_1"].map(fold) + " " + frame["surname_2"].map(fold)
    assert near((frame["first_name"] == surnames).mean(), 0.02 * 0.86, 0.007)
    # CBP: the second given name in middle_name, or both in first_name
    cbp = records(data, "cbp")
    cbp = cbp[cbp["given_name_2"].notna() & ~cbp["single_name"]]
    in_middle = cbp["middle_name"] == cbp["given_name_2"].map(fold)
    in_first = cbp["first_name"].str.contains(" ") & cbp["middle_name"].isna()
    assert in_middle.mean() > 0.4 and in_first.mean() > 0.15


def test_accents_misspellings_placeholders_and_stray_spaces(
    data: SyntheticData, first_habits: SyntheticData
) -> None:
    hhs = records(data, "hhs")
    accented = ~hhs["surname_1"].fillna("").map(str.isascii)
    prefix = [
        isinstance(w, str) and isinstance(t, str) and w.startswith(t)
        for w, t in zip(hhs["last_name"].map(fold), hhs["surname_1"].map(fold), strict=True)
    ]
    starts = pd.Series(prefix, index=hhs.index) & accented
    lost = hhs.loc[starts, "last_name"].map(str.isascii).mean()
    assert near(lost, 0.10, 0.02)
    # misspellings: a written name token that is none of the child's true tokens (without the
    # later habits, which write initials, nicknames, ...)
    eoir = records(first_habits, "eoir")
    eoir = eoir[~eoir["single_name"]]
    true_parts = eoir[["given_name_1", "given_name_2", "surname_1", "surname_2"]].map(fold)
    allowed = true_parts.apply(
        lambda row: (
            {t for x in row if isinstance(x, str) for t in re.split(r"[\s-]", x)}
            | {"".join(x for x in row[2:] if isinstance(x, str)).replace(" ", "")}
        ),
        axis=1,
    )
    written = (eoir["first_name"].fillna("") + " " + eoir["last_name"].fillna("")).str.split(
        r"[\s-]+"
    )
    odd = [bool(set(w) - a - {""}) for w, a in zip(written, allowed, strict=True)]
    assert near(float(np.mean(odd)), 0.05 + 0.03, 0.015)
    # single names: FNU / LNU in every record of the child (unless misread or moved)
    for source in ("cbp", "hhs", "eoir"):
        frame = records(first_habits, source)
        single = frame[frame["single_name"]]
        assert len(single) > 10
        first, last = single["first_name"].str.strip(), single["last_name"].str.strip()
        assert ((first == "FNU") | (last == "LNU")).all()
    ice = records(first_habits, "ice")
    assert ice.loc[ice["single_name"], "full_name"].str.contains("FNU|LNU").all()
    # stray spaces
    last = pd.concat([data.sources[s]["last_name"] for s in ("cbp", "hhs", "eoir")]).dropna()
    stray = (last != last.str.strip()) | last.str.contains("  ")
    assert 0.002 < stray.mean() < 0.015


def _changed_tokens(data: SyntheticData) -> tuple[int, list[tuple[str, str]]]:
    """Court records of clean data with one misspelling: (records, [(true, written) tokens])."""
    frame = records(data, "eoir")
    frame = frame[~frame["single_name"]]
    true = frame[["given_name_1", "given_name_2", "surname_1", "surname_2"]].map(fold)
    pairs = []
    for row, first, last in zip(
        true.itertuples(index=False), frame["first_name"], frame["last_name"], strict=True
    ):
        expected = " ".join(x for x in row if isinstance(x, str)).split()
        written = f"{first} {last}".split()
        if len(expected) == len(written):
            pairs += [(t, w) for t, w in zip(expected, written, strict=True) if t != w]
    return len(frame), pairs


def test_phonetic_misspellings_follow_spanish_confusions() -> None:
    n, pairs = _changed_tokens(generate(2_000, seed=8, rates=Rates.clean(phonetic=1.0)))
    assert len(pairs) >= 0.9 * n
    rules = [(re.compile(p), r) for p, r in PHONETIC_RULES]
    explained = [any(fold(p.sub(r, t.lower(), count=1)) == w for p, r in rules) for t, w in pairs]
    assert np.mean(explained) > 0.8
    confusions = {(t, w) for t, w in pairs if t.replace("V", "B") == w.replace("V", "B")}
    assert confusions  # B/V both ways


def test_typos_are_one_keyboard_slip() -> None:
    n, pairs = _changed_tokens(generate(2_000, seed=8, rates=Rates.clean(typo=1.0)))
    assert len(pairs) >= 0.9 * n
    distance = [DamerauLevenshtein.distance(t, w) for t, w in pairs]
    assert np.mean([d == 1 for d in distance]) > 0.95


def test_sex_and_country_errors(data: SyntheticData) -> None:
    frame = pd.concat([records(data, s) for s in SOURCES])
    sex = frame["sex"].map(SEX)
    assert near(sex.isna().mean(), 0.01, 0.003)
    assert near((sex.notna() & (sex != frame["sex_true"])).mean(), 0.005, 0.002)
    assert near(frame["country"].isna().mean(), 0.02, 0.004)


# -- hard negatives ----------------------------------------------------------------------------


def test_siblings_share_surnames_sponsor_country_and_date(data: SyntheticData) -> None:
    children = data.children
    grouped = children[children["sibling_group"].notna()]
    assert near(len(grouped) / len(children), 0.15, 0.02)
    sizes = grouped.groupby("sibling_group").size()
    assert sizes.between(2, 4).all() and set(sizes) == {2, 3, 4}
    shared = ["surname_1", "surname_2", "country", "apprehension_date", "state", "sponsor_relation"]
    assert (grouped.groupby("sibling_group")[shared].nunique(dropna=False) == 1).all().all()
    hhs = records(data, "hhs")
    hhs = hhs[hhs["sibling_group"].notna()]
    per_group = hhs.groupby("sibling_group").agg(
        address=("sponsor_address", "nunique"),
        zip=("sponsor_zip", lambda z: z.dropna().str[:5].nunique()),
        name=("sponsor_name", lambda n: n.dropna().map(fold).nunique()),
    )
    assert (per_group <= 1).all().all()
    # siblings: different children, often with neighbouring A-numbers
    numbers = grouped.sort_values(["sibling_group", "a_number"])
    gap = numbers.groupby("sibling_group")["a_number"].apply(lambda a: np.diff(a.astype(np.int64)))
    assert np.concatenate(gap.to_numpy()).tolist().count(1) / sum(map(len, gap)) > 0.6
    dob_gap = grouped.sort_values("dob").groupby("sibling_group")["dob"].diff().dt.days.dropna()
    twins = grouped.sort_values("dob").groupby("sibling_group")["is_twin"].transform("any")
    assert (dob_gap[~twins.loc[dob_gap.index]] >= 270).all()


def test_twins_share_the_dob(data: SyntheticData) -> None:
    twins = data.children[data.children["is_twin"]]
    assert near(len(twins) / len(data.children), 0.01, 0.003)
    assert twins["sibling_group"].notna().all()
    assert (twins.groupby("sibling_group")["dob"].nunique() == 1).all()
    assert (twins.groupby("sibling_group").size() == 2).all()


def test_common_names_collide_with_close_dobs(data: SyntheticData) -> None:
    children = data.children
    common = children[children["common_name"]]
    assert near(len(common) / len(children), 0.01, 0.003)
    key = (
        common[["given_name_1", "given_name_2", "surname_1", "surname_2"]]
        .fillna("")
        .agg(" ".join, axis=1)
    )
    assert (key.value_counts() >= 10).all()
    close = 0
    for _, group in common.groupby(key):
        dobs = np.sort(group["dob"].to_numpy())
        close += int((np.diff(dobs) <= np.timedelta64(90, "D")).sum())
    assert close >= len(common) // 2
    assert (children["surname_1"] == children["surname_2"]).sum() > 50  # "Hernández Hernández"


# -- options, files, repr ----------------------------------------------------------------------


def test_rates_are_validated_and_wired() -> None:
    with pytest.raises(InputError, match="typo"):
        Rates(typo=1.5)
    with pytest.raises(ValueError, match="exceeds 1"):
        Rates(never_in_proceedings=0.9, failed_to_appear=0.2)
    with pytest.raises(LinkageError):
        generate(0)
    with pytest.raises(InputError, match="seed"):
        generate(10, seed=-1)
    rates = Rates(a_number_missing_cbp=0.0, not_transferred=0.0, repeat_journey=0.0)
    data = generate(2_000, seed=3, rates=rates)
    assert data.sources["cbp"]["a_number"].notna().all()
    assert "not_transferred" not in set(data.children["status"])
    assert Rates().with_(typo=0.2).typo == 0.2
    assert Rates.clean().maternal_dropped == 0 and Rates.clean().sibling == Rates().sibling


def test_write_and_read_truth_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = generate(1_500, seed=4)
    for fmt in ("csv", "parquet"):
        folder = write(data, tmp_path / fmt, format=fmt)  # type: ignore[arg-type]
        names = {p.name for p in folder.iterdir()}
        expected = {f"{s}.{fmt}" for s in SOURCES} | {
            f"truth_records.{fmt}",
            f"truth_children.{fmt}",
        }
        assert names == expected
        records_back, children_back = read_truth(folder)
        pd.testing.assert_frame_equal(records_back, data.truth)
        pd.testing.assert_frame_equal(children_back, data.children)
    cbp = pd.read_csv(tmp_path / "csv" / "cbp.csv", dtype=str, keep_default_na=False)
    cbp = cbp.astype(object).where(cbp != "", None)
    pd.testing.assert_frame_equal(cbp, data.sources["cbp"])
    with pytest.raises(SourceError, match="truth_records"):
        read_truth(tmp_path)
    with pytest.raises(InputError, match="format"):
        write(data, tmp_path / "x", format="xlsx")  # type: ignore[arg-type]


def test_repr_shows_counts_and_statuses(data: SyntheticData) -> None:
    text = repr(data)
    assert f"children={N:,}" in text and "seed=11" in text
    for source in SOURCES:
        assert f"{source} {len(data.sources[source]):,}" in text
    assert "failed_to_appear" in text
    assert "<table>" in data._repr_html_()


def test_docs_list_every_rate_with_its_default() -> None:
    text = (Path(__file__).parents[1] / "docs" / "synthetic.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| `(\w+)` \| ([0-9.]+) \|", text, flags=re.MULTILINE))
    defaults = {f.name: getattr(Rates(), f.name) for f in fields(Rates)}
    assert set(listed) == set(defaults)
    assert all(float(listed[name]) == value for name, value in defaults.items())
