"""normalize(): golden cases of names, A-numbers, dates, sex, countries, places, court fields."""

from __future__ import annotations

import math

import duckdb
import pandas as pd
import pytest

from linkage import normalization, normalize, read_sources, tables

# Each name case is one record; the record_id names the case. One normalize() call holds them all,
# as a real extract would (names are split with statistics over the whole input).
CBP_NAMES = {
    # record_id: (first_name, middle_name, last_name)
    "accents": ("María José", None, "López-Chub"),
    "fnu": ("FNU", None, "Garcia"),
    "lnu": ("Carlos", None, "LNU"),
    "fnu_lnu": ("FNU", None, "LNU"),
    "particles": ("Ana", None, "de la Cruz"),
    "particles_two": ("Pedro", None, "Del Cid Pérez"),
    "run_together": ("Rosa", None, "LopezChub"),
    "hyphenated": ("Rosa", None, "LOPEZ-CHUB"),
    "maternal_in_middle": ("Juan", "Chub", "Pérez"),
    "given_in_middle": ("Luis", "Alberto", "Pérez"),
    "yeimi": ("Yeimi", None, "Vásquez"),
    "maria": ("Maria", None, "Hernández"),
    "mario": ("Mario", None, "Perez"),
    "stray_spaces": ("  maria   josé ", None, " lópez  chub "),
}
ICE_NAMES = {
    # record_id: full_name
    "last_first": "LOPEZ CHUB, MARIA JOSE",
    "first_last": "María José López Chub",
    "jeimy": "BASQUEZ, JEIMY",
    "ernandez": "ERNANDEZ, MARIA",
    "unknown": "UNKNOWN, JOSE",
    "particle_full": "DE LA CRUZ PEREZ, ANA",
}
HHS_NAMES = {
    # record_id: (first_name, last_name)
    "hhs_accents": ("María José", "López Chub"),
    "hhs_unknown": ("Maria", "UNKNOWN"),
}


def _frames() -> dict[str, pd.DataFrame]:
    cbp = pd.DataFrame(
        [(rid, *names) for rid, names in CBP_NAMES.items()],
        columns=["record_id", "first_name", "middle_name", "last_name"],
    ).assign(event_date="03/01/2021")
    ice = pd.DataFrame(list(ICE_NAMES.items()), columns=["record_id", "full_name"]).assign(
        event_date="2021-03-02"
    )
    hhs = pd.DataFrame(
        [(rid, *names) for rid, names in HHS_NAMES.items()],
        columns=["record_id", "first_name", "last_name"],
    ).assign(event_date="03/04/2021")
    return {"cbp": cbp, "ice": ice, "hhs": hhs}


@pytest.fixture(scope="module")
def names() -> pd.DataFrame:
    return normalize(_frames()).to_pandas().set_index("unique_id")


def _list(value: object) -> list[str]:
    return [] if value is None else list(value)  # type: ignore[call-overload]


def _null(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


# --- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "unique_id",
    ["cbp:accents", "cbp:stray_spaces", "ice:last_first", "ice:first_last", "hhs:hhs_accents"],
)
def test_one_name_written_five_ways_gives_the_same_name_parts(names, unique_id):
    row = names.loc[unique_id]
    assert _list(row["given_names"]) == ["MARIA", "JOSE"]
    assert _list(row["surnames"]) == ["LOPEZ", "CHUB"]
    assert (row["given_name_1"], row["given_name_2"]) == ("MARIA", "JOSE")
    assert (row["paternal_surname"], row["maternal_surname"]) == ("LOPEZ", "CHUB")
    assert row["surname_joined"] == "LOPEZCHUB"
    assert _null(row["name_issue"])


@pytest.mark.parametrize(
    ("unique_id", "given", "surnames"),
    [
        ("cbp:fnu", [], ["GARCIA"]),
        ("cbp:lnu", ["CARLOS"], []),
        ("ice:unknown", ["JOSE"], []),
        ("hhs:hhs_unknown", ["MARIA"], []),
    ],
)
def test_placeholder_names_become_null_and_are_flagged(names, unique_id, given, surnames):
    row = names.loc[unique_id]
    assert _list(row["given_names"]) == given
    assert _list(row["surnames"]) == surnames
    if not given:
        assert _null(row["first_name"]) and _null(row["given_name_1"])
    if not surnames:
        assert _null(row["last_name"]) and _null(row["paternal_surname"])
    for token in ("FNU", "LNU", "UNKNOWN"):
        assert token not in _list(row["name_tokens"])
    assert row["name_issue"] == "placeholder"


def test_a_record_whose_every_name_is_a_placeholder_has_no_name(names):
    row = names.loc["cbp:fnu_lnu"]
    assert _list(row["given_names"]) == [] and _list(row["surnames"]) == []
    assert row["name_issue"] == "no_name"


@pytest.mark.parametrize(
    ("unique_id", "surnames"),
    [
        ("cbp:particles", ["DE LA CRUZ"]),
        ("cbp:particles_two", ["DEL CID", "PEREZ"]),
        ("ice:particle_full", ["DE LA CRUZ", "PEREZ"]),
    ],
)
def test_surname_particles_stay_with_the_surname_they_precede(names, unique_id, surnames):
    row = names.loc[unique_id]
    assert _list(row["surnames"]) == surnames
    assert row["paternal_surname"] == surnames[0]
    assert _list(row["given_names"]) == (["PEDRO"] if "two" in unique_id else ["ANA"])


def test_run_together_and_hyphenated_surnames_join_to_the_same_key(names):
    together, hyphen, spaced = (
        names.loc["cbp:run_together"],
        names.loc["cbp:hyphenated"],
        names.loc["cbp:accents"],
    )
    assert _list(hyphen["surnames"]) == ["LOPEZ", "CHUB"]
    assert _list(together["surnames"]) == ["LOPEZCHUB"]
    assert together["surname_joined"] == hyphen["surname_joined"] == spaced["surname_joined"]


def test_a_surname_in_the_middle_name_moves_to_the_surnames(names):
    row = names.loc["cbp:maternal_in_middle"]
    assert _list(row["given_names"]) == ["JUAN"]
    assert sorted(_list(row["surnames"])) == ["CHUB", "PEREZ"]
    assert row["name_issue"] == "surname_in_middle"


def test_a_maternal_surname_in_the_middle_name_stays_maternal(names):
    row = names.loc["cbp:maternal_in_middle"]
    assert (row["paternal_surname"], row["maternal_surname"]) == ("PEREZ", "CHUB")


def test_a_second_given_name_in_the_middle_name_stays_a_given_name(names):
    row = names.loc["cbp:given_in_middle"]
    assert _list(row["given_names"]) == ["LUIS", "ALBERTO"]
    assert _list(row["surnames"]) == ["PEREZ"]


@pytest.mark.parametrize(
    ("left", "right", "column"),
    [
        ("cbp:yeimi", "ice:jeimy", "given_phonetic"),
        ("cbp:yeimi", "ice:jeimy", "surname_phonetic"),  # Vásquez / Basquez
        ("cbp:maria", "ice:ernandez", "surname_phonetic"),  # Hernández / Ernandez
    ],
)
def test_spanish_spellings_of_one_name_meet_on_the_phonetic_key(names, left, right, column):
    a, b = names.loc[left], names.loc[right]
    assert _list(a[column]) == _list(b[column])
    assert len(_list(a[column])) == 1


def test_phonetic_keys_still_tell_different_names_apart(names):
    assert _list(names.loc["cbp:maria"]["given_phonetic"]) != _list(
        names.loc["cbp:mario"]["given_phonetic"]
    )
    assert _list(names.loc["cbp:maria"]["surname_phonetic"]) != _list(
        names.loc["cbp:mario"]["surname_phonetic"]
    )


# --- identifiers, dates, sex, country, places -------------------------------------------------


def _frame(column: str, values: list[object]) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame(
        {
            "record_id": [f"r{i:02d}" for i in range(n)],
            "first_name": ["Ana"] * n,
            "last_name": ["Perez"] * n,
            "event_date": ["2021-03-01"] * n,
            column: values,
        }
    )


def _normalise(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Normalise; each source's rows come back in input order."""
    records = normalize(frames).to_pandas().sort_values(["source", "record_id"])
    return {s: part.reset_index(drop=True) for s, part in records.groupby("source")}


def _one_source(source: str, column: str, values: list[object]) -> pd.DataFrame:
    """Normalise one column's values in ``source``; rows come back in input order."""
    return _normalise({source: _frame(column, values)})[source]


A_NUMBERS = [
    ("A012-345-678", "012345678", None),
    ("A12345678", "012345678", None),
    ("012345678", "012345678", None),
    ("12-345-678", "012345678", None),
    ("a 201 012 345", "201012345", None),
    ("1234567", None, "too_short"),
    ("1234567890", None, "too_long"),
    ("000000000", None, "all_zero"),
    ("A12B45678", "012845678", "not_numeric"),  # a scanner's B for 8, read as 8 (and flagged)
    ("A2O1-555-I23", "201555123", "not_numeric"),  # O for 0, I for 1
    ("A12X45678", None, "not_numeric"),  # no digit looks like X: seven digits left
    ("", None, "missing"),
    (None, None, "missing"),
]


def test_a_numbers_become_nine_digits_or_null_with_the_reason():
    out = _one_source("cbp", "a_number", [raw for raw, _, _ in A_NUMBERS])
    for (raw, number, issue), (_, row) in zip(A_NUMBERS, out.iterrows(), strict=True):
        found = (
            None if _null(row["a_number"]) else row["a_number"],
            None if _null(row["a_number_issue"]) else row["a_number_issue"],
        )
        assert found == (number, issue), raw


DATE_FORMATS = {
    # source: the ways it writes 19 April 2009 (its own format first, then the others')
    "cbp": ["04/19/2009", "2009-04-19", "20090419"],
    "ice": ["2009-04-19", "04/19/2009", "20090419"],
    "hhs": ["04/19/2009", "2009-04-19", "20090419"],
    "eoir": ["20090419", "04/19/2009", "2009-04-19"],
}


def test_each_source_reads_its_own_date_format_and_the_others():
    out = _normalise({s: _frame("dob", written) for s, written in DATE_FORMATS.items()})
    for source, written in DATE_FORMATS.items():
        rows = out[source]
        assert list(rows["dob"]) == [pd.Timestamp(2009, 4, 19)] * len(written), source
        assert rows["dob_issue"].isna().all(), source
        assert not rows["dob_is_placeholder"].any(), source


DOBS = [
    # written (cbp, US format), parsed, issue, 1-January placeholder
    ("13/05/2009", "2009-05-13", "read_day_first", False),
    ("04/05/2009", "2009-04-05", None, False),  # ambiguous: the source's US format wins
    ("02/30/2010", None, "unparseable", None),
    ("not a date", None, "unparseable", None),
    ("12/31/2099", None, "future", None),  # impossible: flagged, and never used as a value
    ("01/01/2008", "2008-01-01", None, True),
    ("06/01/2021", None, "after_event", None),  # event_date is 2021-03-01: born after it
    ("", None, "missing", None),
]


def test_dates_of_birth_are_parsed_and_every_doubt_is_flagged():
    out = _one_source("cbp", "dob", [d[0] for d in DOBS])
    for (written, parsed, issue, placeholder), (_, row) in zip(DOBS, out.iterrows(), strict=True):
        found_dob = None if pd.isna(row["dob"]) else row["dob"].strftime("%Y-%m-%d")
        found_issue = None if _null(row["dob_issue"]) else row["dob_issue"]
        found_placeholder = (
            None if pd.isna(row["dob_is_placeholder"]) else bool(row["dob_is_placeholder"])
        )
        assert (found_dob, found_issue, found_placeholder) == (parsed, issue, placeholder), written


def test_event_dates_of_each_source_are_parsed():
    out = _normalise(
        {
            "ice": _frame("nta_issued_date", ["2021-03-10", ""]),
            "hhs": _frame("release_date", ["04/01/2021"]),
            "eoir": _frame("hearing_date", ["20210601"]),
        }
    )
    assert out["ice"]["nta_issued_date"].iloc[0] == pd.Timestamp(2021, 3, 10)
    assert pd.isna(out["ice"]["nta_issued_date"].iloc[1])
    assert out["hhs"]["release_date"].iloc[0] == pd.Timestamp(2021, 4, 1)
    assert out["eoir"]["hearing_date"].iloc[0] == pd.Timestamp(2021, 6, 1)
    assert out["eoir"]["event_date"].iloc[0] == pd.Timestamp(2021, 3, 1)


def test_sex_codes_become_m_f_or_null():
    written = ["M", "F", "Male", "Female", "female", " m ", "U", "", None]
    out = _one_source("cbp", "sex", written)
    found = [None if _null(v) else v for v in out["sex"]]
    assert found == ["M", "F", "M", "F", "F", "M", None, None, None]


COUNTRIES = [
    # source, written, ISO alpha-2
    ("cbp", "Guatemala", "GT"),
    ("cbp", "GUATEMALA", "GT"),
    ("cbp", "guatemala ", "GT"),
    ("cbp", "GT", "GT"),
    ("cbp", "GTM", "GT"),
    ("cbp", "HND", "HN"),
    ("cbp", "El Salvador", "SV"),
    ("cbp", "México", "MX"),
    ("cbp", "Brasil", "BR"),
    ("cbp", "República Dominicana", "DO"),
    ("cbp", "Haití", "HT"),
    ("cbp", "ES", "ES"),  # ISO: Spain, outside the court's extract
    ("cbp", "Atlantis", None),
    ("eoir", "HO", "HN"),  # EOIR code for Honduras
    ("eoir", "ES", "SV"),  # EOIR code for El Salvador wins over ISO in the court's extract
    ("eoir", "NU", "NI"),
    ("eoir", "Guatemala", "GT"),
    ("eoir", "GTM", "GT"),
]


def test_countries_written_any_way_become_iso_alpha_2():
    by_source: dict[str, list[tuple[str, str | None]]] = {}
    for source, written, code in COUNTRIES:
        by_source.setdefault(source, []).append((written, code))
    out = _normalise(
        {s: _frame("country", [w for w, _ in cases]) for s, cases in by_source.items()}
    )
    for source, cases in by_source.items():
        for (written, code), (_, row) in zip(cases, out[source].iterrows(), strict=True):
            assert (None if _null(row["country"]) else row["country"]) == code, (source, written)
            assert row["country_raw"] == written.strip()


def test_zip_codes_become_five_digits_with_a_lost_leading_zero_restored():
    out = _normalise(
        {
            "hhs": _frame(
                "sponsor_zip", ["77001", "7001", "33101-1234", "331011234", "", None, "12"]
            ),
            "eoir": _frame("zip", ["2134"]),
        }
    )
    found = [None if _null(v) else v for v in out["hhs"]["zip5"]]
    assert found == ["77001", "07001", "33101", "33101", None, None, None]
    assert out["eoir"]["zip5"].iloc[0] == "02134"


def test_addresses_from_sponsor_and_court_are_written_alike():
    out = _normalise(
        {
            "hhs": _frame("sponsor_address", ["12 Main Street, Houston TX"]),
            "eoir": _frame("address", ["12 MAIN ST HOUSTON TX"]),
        }
    )
    assert (
        out["hhs"]["address"].iloc[0] == out["eoir"]["address"].iloc[0] == "12 MAIN ST HOUSTON TX"
    )


def test_absentia_y_n_becomes_a_boolean():
    out = _one_source("eoir", "absentia", ["Y", "N", "y", " n ", "", None])
    found = [None if pd.isna(v) else bool(v) for v in out["absentia"]]
    assert found == [True, False, True, False, None, None]


# --- the profile ----------------------------------------------------------------------------------


def test_profile_counts_every_known_defect_exactly():
    cbp = pd.DataFrame(
        {
            "record_id": ["ok1", "ok2", "bad1", "bad2", "bad3", "bad4"],
            "first_name": ["Ana", "Luis", "FNU", "FNU", "Rosa", "Jose"],
            "last_name": ["Perez", "Lopez", "Garcia", "LNU", "Cruz", "Mejia"],
            "a_number": ["A012345678", "12345678", None, "", "1234", "A12B45678"],
            "dob": ["04/19/2009", "01/01/2008", "13/05/2009", "", "02/30/2010", "12/31/2099"],
            "sex": ["F", "M", "X", None, "F", "M"],
            "country": ["Guatemala", "HND", "Atlantis", None, "SV", "MX"],
            "event_date": ["03/01/2021", "03/01/2021", "03/01/2021", "03/01/2021", "", "x"],
        }
    )
    ice = pd.DataFrame(
        {
            "record_id": ["i1"],
            "full_name": ["PEREZ, ANA"],
            "a_number": ["012345678"],
            "dob": ["2009-04-19"],
            "sex": ["F"],
            "country": ["GT"],
            "event_date": ["2021-03-02"],
        }
    )
    profile = normalize({"cbp": cbp, "ice": ice}).profile()
    counts = {
        (row.source, row.column): (
            row.records,
            row.missing,
            row.invalid,
            row.placeholder,
            row.day_first,
        )
        for row in profile.itertuples()
    }
    assert counts == {
        # column: records, missing, invalid, placeholder, day_first
        ("cbp", "name"): (6, 1, 0, 1, 0),  # FNU LNU has no name; FNU Garcia a placeholder
        ("cbp", "a_number"): (6, 2, 2, 0, 0),  # too short, not numeric
        ("cbp", "dob"): (6, 1, 2, 1, 1),  # 30 February, 2099; 1 January; 13/05 read day first
        ("cbp", "sex"): (6, 1, 1, 0, 0),
        ("cbp", "country"): (6, 1, 1, 0, 0),
        ("cbp", "event_date"): (6, 1, 1, 0, 0),
        ("ice", "name"): (1, 0, 0, 0, 0),
        ("ice", "a_number"): (1, 0, 0, 0, 0),
        ("ice", "dob"): (1, 0, 0, 0, 0),
        ("ice", "sex"): (1, 0, 0, 0, 0),
        ("ice", "country"): (1, 0, 0, 0, 0),
        ("ice", "event_date"): (1, 0, 0, 0, 0),
    }
    examples = profile.set_index(["source", "column"])["examples"]
    assert list(examples[("cbp", "a_number")]) == ["bad3", "bad4"]
    assert list(examples[("cbp", "dob")]) == ["bad3", "bad4"]
    assert list(examples[("cbp", "sex")]) == ["bad1"]


def test_every_record_comes_out_once_with_its_source_and_id():
    frames = _frames()
    records = normalize(frames).to_pandas()
    expected = {f"{s}:{rid}" for s, f in frames.items() for rid in f["record_id"]}
    assert sorted(records["unique_id"]) == sorted(expected)


def _objects(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        name
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() UNION ALL "
            "SELECT view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    }


def test_normalize_and_profile_leave_only_the_records_table_behind():
    sources = read_sources(_frames())
    before = _objects(sources.con)
    records = normalize(sources)
    records.profile()
    assert records.table == tables.RECORDS
    assert _objects(sources.con) - before == {tables.RECORDS}


def test_a_failing_normalize_leaves_no_scratch_table_behind(monkeypatch):
    sources = read_sources(_frames())
    before = _objects(sources.con)

    def fail(*args: object) -> None:
        raise RuntimeError("assembly failed")

    monkeypatch.setattr(normalization, "assemble", fail)
    with pytest.raises(RuntimeError, match="assembly failed"):
        normalize(sources)
    assert _objects(sources.con) == before
