"""Every comparison level is hit by the case it is meant for; conflict_sql keeps twins apart.

The crafted records go through normalize() and the model input (prepare_input), and Splink itself
assigns each pair its comparison levels (an untrained Linker with the default comparisons), so the
levels tested are the ones the model really scores with.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest
from splink import DuckDBAPI, Linker, SettingsCreator

from linkage import comparisons as cmp
from linkage import normalize
from linkage.clustering import cluster
from linkage.comparisons import COMPARISON_NAMES, default_comparisons
from linkage.conflicts import conflict_rules, conflict_sql, number_support_sql
from linkage.model import prepare_input
from linkage.tables import CLUSTERS
from linkage.thresholds import Thresholds

#: A child's record; each case changes only the fields its comparison reads.
BASE: dict[str, Any] = {
    "source": "cbp",
    "first_name": "Maria",
    "last_name": "Lopez Chub",
    "a_number": "201012345",
    "dob": "2009-04-19",
    "sex": "F",
    "country": "GT",
    "event_date": "2021-03-01",
}
SWAP_L = {"first_name": "Maria", "last_name": "Lopez"}
SWAP_R = {"first_name": "Lopez", "last_name": "Maria"}
#: swapped with a slip ("VAGAS" for "VARGAS", the maternal surname dropped), and swapped with the
#: given names run together into the surname field
SLIP_L = {"first_name": "Carlos", "last_name": "Vargas Avila"}
SLIP_R = {"first_name": "Vagas", "last_name": "Carlos"}
JOINED_L = {"first_name": "Maria Guadalupe", "last_name": "Acosta Martinez"}
JOINED_R = {"first_name": "Acosta Martinez", "last_name": "MariaGuadalupe"}
ELSE = "All other comparisons"

#: (comparison, level label, left record changes, right record changes)
LEVEL_CASES: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    # given names
    ("given_name", "a single name, written in the other field",
     {"first_name": "FNU", "last_name": "Lesly"}, {"first_name": "Lesly", "last_name": "LNU"}),
    ("given_name", "given name missing", {"first_name": "FNU"}, {}),
    ("given_name", "all given names equal", {"first_name": "Maria Jose"}, {"first_name": "MARÍA JOSÉ"}),
    ("given_name", "first given name equal, second missing on one side",
     {"first_name": "Maria Jose"}, {"first_name": "Maria"}),
    ("given_name", "one side's given names all on the other",
     {"first_name": "Jose"}, {"first_name": "Maria Jose"}),
    ("given_name", "same names in other fields (swapped, moved)", SWAP_L, SWAP_R),
    ("given_name", "sound the same (Spanish spelling)", {"first_name": "Yeimi"}, {"first_name": "Jeimy"}),
    ("given_name", "similar spelling (JW >= 0.9)", {"first_name": "Katherine"}, {"first_name": "Katherina"}),
    ("given_name", "one given name shared",
     {"first_name": "Maria Elena"}, {"first_name": "Maria Angelica"}),
    ("given_name", "swapped with surnames, with a slip or run together", SLIP_L, SLIP_R),
    ("given_name", "swapped with surnames, with a slip or run together", JOINED_L, JOINED_R),
    ("given_name", ELSE, {"first_name": "Maria"}, {"first_name": "Pedro"}),
    # surnames
    ("surname", "surname missing", {"last_name": "LNU"}, {}),
    ("surname", "all surnames equal, any order", {"last_name": "Lopez Chub"}, {"last_name": "Chub Lopez"}),
    ("surname", "all surnames equal, any order", {"last_name": "LÓPEZ-CHUB"}, {"last_name": "lopez chub"}),
    ("surname", "run together or hyphenated, equal", {"last_name": "LopezChub"}, {"last_name": "Lopez Chub"}),
    ("surname", "paternal equal, maternal missing on one side",
     {"last_name": "Lopez Chub"}, {"last_name": "Lopez"}),
    ("surname", "one side's surnames all on the other (moved to middle name)",
     {"last_name": "Chub"}, {"last_name": "Lopez Chub"}),
    ("surname", "same names in other fields (swapped, moved)", SWAP_L, SWAP_R),
    ("surname", "sound the same (Spanish spelling)", {"last_name": "Vásquez"}, {"last_name": "Basquez"}),
    ("surname", "one surname shared", {"last_name": "Lopez Chub"}, {"last_name": "Lopez Perez"}),
    ("surname", "similar spelling (JW >= 0.9)", {"last_name": "Castillo"}, {"last_name": "Castilla"}),
    ("surname", "paternal similar (JW >= 0.9), maternal missing on one side",
     {"last_name": "Omero"}, {"last_name": "Romero Herrera"}),
    ("surname", "swapped with given names, with a slip or run together", SLIP_L, SLIP_R),
    ("surname", "swapped with given names, with a slip or run together", JOINED_L, JOINED_R),
    ("surname", ELSE, {"last_name": "Lopez"}, {"last_name": "Perez"}),
    # date of birth
    ("dob", "dob missing", {"dob": ""}, {}),
    ("dob", "exact", {}, {"dob": "04/19/2009"}),
    ("dob", "exact, both 1 January (placeholder)", {"dob": "2008-01-01"}, {"dob": "2008-01-01"}),
    ("dob", "day and month swapped", {"dob": "2009-04-05"}, {"dob": "2009-05-04"}),
    ("dob", "same year, 1 January on one side", {"dob": "2009-01-01"}, {"dob": "2009-04-19"}),
    ("dob", "same year, one part off", {"dob": "2009-04-19"}, {"dob": "2009-04-22"}),
    ("dob", "year off by 1-2 (age determination)", {"dob": "2009-04-19"}, {"dob": "2010-04-19"}),
    ("dob", "within 366 days", {"dob": "2009-04-19"}, {"dob": "2010-03-01"}),
    ("dob", ELSE, {"dob": "2009-04-19"}, {"dob": "2012-08-01"}),
    # A-number
    ("a_number", "A-number missing", {"a_number": None}, {}),
    ("a_number", "exact", {"a_number": "A201-012-345"}, {"a_number": "201012345"}),
    ("a_number", "two adjacent digits transposed", {"a_number": "201012345"}, {"a_number": "201013245"}),
    ("a_number", "numbers issued in sequence (as to siblings)",
     {"a_number": "201012345"}, {"a_number": "201012347"}),
    ("a_number", "one digit off", {"a_number": "201012345"}, {"a_number": "291012345"}),
    ("a_number", ELSE, {"a_number": "201012345"}, {"a_number": "555555555"}),
    # sex and country
    ("sex", "sex missing", {"sex": "U"}, {}),
    ("sex", "equal", {"sex": "Female"}, {"sex": "F"}),
    ("sex", ELSE, {"sex": "M"}, {"sex": "F"}),
    ("country", "country missing", {"country": None}, {}),
    ("country", "equal", {"country": "Guatemala"}, {"country": "GTM"}),
    ("country", ELSE, {"country": "Guatemala"}, {"country": "Honduras"}),
    # sponsor (hhs) and court (eoir) addresses
    ("place", "no address on one side", {}, {"source": "hhs", "zip": "77001", "address": "12 Main St"}),
    ("place", "same address",
     {"source": "hhs", "zip": "77001", "address": "12 Main Street"},
     {"source": "eoir", "zip": "77001-1234", "address": "12 MAIN ST"}),
    ("place", "same ZIP, similar address",
     {"source": "hhs", "zip": "77001", "address": "12 Main St Apt 4"},
     {"source": "eoir", "zip": "77001", "address": "12 Main St Apt 5"}),
    ("place", "same ZIP",
     {"source": "hhs", "zip": "77001", "address": "12 Main St"},
     {"source": "eoir", "zip": "77001", "address": "900 Elm Road"}),
    ("place", ELSE,
     {"source": "hhs", "zip": "77001", "address": "12 Main St"},
     {"source": "eoir", "zip": "33101", "address": "12 Main St"}),
    # the order of events along the journey
    ("timeline", "event date missing", {"event_date": "not a date"}, {}),
    ("timeline", "within 1 day", {"event_date": "2021-03-01"}, {"source": "ice", "event_date": "2021-03-02"}),
    ("timeline", "within 1 day", {"event_date": "2021-03-01"}, {"event_date": "2021-03-01"}),
    ("timeline", "within 7 days", {"event_date": "2021-03-01"}, {"source": "ice", "event_date": "2021-03-05"}),
    ("timeline", "in journey order, within 30 days",
     {"event_date": "2021-03-01"}, {"source": "hhs", "event_date": "2021-03-20"}),
    ("timeline", "in journey order, within 120 days",
     {"event_date": "2021-03-01"}, {"source": "hhs", "event_date": "2021-05-01"}),
    ("timeline", "in journey order, within 1100 days",
     {"event_date": "2021-03-01"}, {"source": "eoir", "event_date": "2022-06-01"}),
    ("timeline", "the same agency again, 31-3650 days apart (another journey)",
     {"event_date": "2021-03-01"}, {"event_date": "2022-08-15"}),
    ("timeline", "another journey (out of order, or over 1100 days), within 3650 days",
     {"event_date": "2021-06-01"}, {"source": "hhs", "event_date": "2021-03-01"}),
    ("timeline", "another journey (out of order, or over 1100 days), within 3650 days",
     {"event_date": "2021-03-01"}, {"source": "eoir", "event_date": "2025-03-01"}),
    ("timeline", ELSE, {"event_date": "2021-03-01"}, {"source": "hhs", "event_date": "2010-01-01"}),
]  # fmt: skip

#: (description, left record changes, right record changes, different children?)
CONFLICT_CASES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    ("twins: María Angélica and María Elena, consecutive A-numbers",
     {"first_name": "María Angélica", "a_number": "201012345"},
     {"first_name": "María Elena", "a_number": "201012346"}, True),
    ("twins without A-numbers",
     {"first_name": "Maria Angelica", "a_number": None},
     {"first_name": "Maria Elena", "a_number": None}, True),
    ("a second given name dropped", {"first_name": "Maria Jose"}, {"first_name": "Maria"}, False),
    ("the first given name dropped", {"first_name": "Maria Jose"}, {"first_name": "Jose"}, False),
    ("given names differ but the A-number is shared",
     {"first_name": "Maria Angelica"}, {"first_name": "Maria Elena"}, False),
    ("a given name misspelt by sound", {"first_name": "Angelica"}, {"first_name": "Anjelica"}, False),
    ("a given name with one letter typed wrong", {"first_name": "Angelica"}, {"first_name": "Angelixa"}, False),
    ("given and family names swapped", SWAP_L, SWAP_R, False),
    ("different A-numbers and unrelated birth dates",
     {"a_number": "201012345"}, {"a_number": "209999999", "dob": "2012-08-01"}, True),
    ("different A-numbers, day and month swapped",
     {"a_number": "201012345", "dob": "2009-04-05"}, {"source": "ice", "event_date": "2021-03-02", "a_number": "209999999", "dob": "2009-05-04"}, False),
    ("different A-numbers, age determination",
     {"a_number": "201012345"}, {"source": "ice", "event_date": "2021-03-02", "a_number": "209999999", "dob": "2010-04-19"}, False),
    # Two A-numbers and birth dates a digit apart: namesakes, far more often than one child with
    # a second A-number and a mistyped birth date.
    ("different A-numbers, birth dates a digit apart",
     {"a_number": "201012345"}, {"source": "ice", "event_date": "2021-03-02", "a_number": "209999999", "dob": "2009-04-18"}, True),
    ("one A-number, a birth-date digit typed wrong",
     {"a_number": None}, {"source": "ice", "event_date": "2021-03-02", "dob": "2009-04-18"}, False),
    # The same child apprehended again, the later records without an A-number, is as common as
    # a namesake: no rule decides it; the comparisons (timeline, names, birth date) weigh it.
    ("two CBP apprehensions a year apart, birth date one digit off, no A-number",
     {"a_number": None}, {"a_number": None, "dob": "2009-04-18", "event_date": "2022-03-01"}, False),
    ("two CBP apprehensions a year apart, same birth date, no A-number",
     {"a_number": None}, {"a_number": None, "event_date": "2022-03-01"}, False),
    ("two CBP apprehensions a year apart, two A-numbers",
     {"a_number": "201012345"}, {"a_number": "209999999", "event_date": "2022-03-01"}, True),
    # Two records one agency wrote the same day with two A-numbers are two children (twins).
    ("twins: one's given names a prefix of the other's, same day, two A-numbers",
     {"first_name": "Jose", "a_number": "201012345"},
     {"first_name": "Jose Torivio", "a_number": "201012346"}, True),
    ("the same record twice, an A-number digit mistyped",
     {"a_number": "201012345"}, {"a_number": "201092345"}, False),
    # The habits of issue 11 do not make a conflict.
    ("a second given name as an initial", {"first_name": "Juan Carlos"}, {"first_name": "Juan C"}, False),
    ("given names cut at a field's length",
     {"first_name": "Estela Janeth"}, {"first_name": "Estela Jan"}, False),
    ("given names run together", {"first_name": "Maria Jose"}, {"first_name": "Mariajose"}, False),
    ("a given name one letter off in sound", {"first_name": "Walter Carlos"}, {"first_name": "Walter Cadlos"}, False),
    ("surnames run together with a typo",
     {"a_number": None, "last_name": "Contreras Vasquez"}, {"a_number": None, "last_name": "Conrteras"}, False),
    ("names swapped and reduced on both sides",
     {"a_number": None, "first_name": "Mejia Mayorga", "last_name": "Jose"},
     {"a_number": None, "first_name": "Jose Antonio", "last_name": "Mejia"}, False),
    ("two CBP apprehensions a year apart, same A-number",
     {"a_number": "201012345"}, {"a_number": "201012345", "event_date": "2022-03-01"}, False),
    ("a court case years after the apprehension",
     {"a_number": None}, {"source": "eoir", "a_number": None, "dob": "2009-04-18", "event_date": "2023-03-01"},
     False),
    ("same given name and birth date, unrelated surnames",
     {"a_number": None, "last_name": "Lopez"}, {"a_number": None, "last_name": "Tzoc"}, True),
    ("the maternal surname dropped", {"a_number": None}, {"a_number": None, "last_name": "Chub"}, False),
    ("a surname misspelt by sound",
     {"a_number": None, "last_name": "Hernandez"}, {"a_number": None, "last_name": "Ernandez"}, False),
]  # fmt: skip

ADDRESS_COLUMNS = {"hhs": ("sponsor_address", "sponsor_zip"), "eoir": ("address", "zip")}


def _frames(records: dict[str, dict[str, Any]]) -> dict[str, pd.DataFrame]:
    """Source frames in the standard layout from ``{record_id: record}``."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for record_id, record in records.items():
        row = {**BASE, **record, "record_id": record_id}
        source = row.pop("source")
        address, zip_code = row.pop("address", None), row.pop("zip", None)
        if source in ADDRESS_COLUMNS:
            address_column, zip_column = ADDRESS_COLUMNS[source]
            row[address_column], row[zip_column] = address, zip_code
        if source == "ice":
            row["full_name"] = f"{row.pop('last_name')}, {row.pop('first_name')}"
        rows.setdefault(source, []).append(row)
    return {source: pd.DataFrame(found, dtype=object) for source, found in rows.items()}


def _case_records(
    pairs: list[tuple[dict[str, Any], dict[str, Any]]], prefix: str
) -> dict[str, dict[str, Any]]:
    records = {}
    for i, (left, right) in enumerate(pairs):
        records[f"{prefix}{i:02d}l"] = left
        records[f"{prefix}{i:02d}r"] = right
    return records


def _uid(records: dict[str, dict[str, Any]], record_id: str) -> str:
    return f"{records[record_id].get('source', BASE['source'])}:{record_id}"


@pytest.fixture(scope="module")
def model_input():
    """The crafted records of every case, normalised into one model input."""
    records = {
        **_case_records([(c[2], c[3]) for c in LEVEL_CASES], "L"),
        **_case_records([(c[1], c[2]) for c in CONFLICT_CASES], "C"),
    }
    con = normalize(_frames(records)).con
    table = prepare_input(con)
    return con, table, records


def _scored(con: Any, table: str) -> pd.DataFrame:
    """Splink's comparison vector (gamma_*) for every pair of records of ``table`` (an untrained
    Linker with the default comparisons)."""
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=default_comparisons(),
        blocking_rules_to_generate_predictions=["1 = 1"],
        retain_intermediate_calculation_columns=True,
    )
    linker = Linker(DuckDBAPI(connection=con).register(table), settings)
    return linker.inference.predict().as_pandas_dataframe()


@pytest.fixture(scope="module")
def levels(model_input) -> pd.DataFrame:
    """Splink's comparison vector (gamma_*) for every pair of crafted records."""
    con, table, _ = model_input
    return _scored(con, table).set_index(["unique_id_l", "unique_id_r"])


def _labels() -> dict[str, dict[int, str]]:
    """Comparison -> gamma value -> level label, as Splink numbers the levels."""
    out: dict[str, dict[int, str]] = {}
    for comparison in default_comparisons():
        levels = comparison.get_comparison("duckdb").as_dict()["comparison_levels"]
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        labels = {len(non_null) - 1 - i: lv["label_for_charts"] for i, lv in enumerate(non_null)}
        labels[-1] = next(lv["label_for_charts"] for lv in levels if lv.get("is_null_level"))
        out[comparison.get_comparison("duckdb").output_column_name] = labels
    return out


LABELS = _labels()


def test_the_default_comparisons_are_the_ones_named():
    assert tuple(LABELS) == COMPARISON_NAMES


@pytest.mark.parametrize("comparison", COMPARISON_NAMES)
def test_every_level_has_a_golden_case(comparison):
    covered = {label for name, label, _, _ in LEVEL_CASES if name == comparison}
    assert covered == set(LABELS[comparison].values())


def _level_param(index: int, comparison: str, label: str) -> Any:
    return pytest.param(index, comparison, label, id=f"{comparison}: {label}")


@pytest.mark.parametrize(
    ("index", "comparison", "label"),
    [_level_param(i, case[0], case[1]) for i, case in enumerate(LEVEL_CASES)],
)
def test_each_level_is_hit_by_the_case_it_is_meant_for(
    model_input, levels, index, comparison, label
):
    _, _, records = model_input
    left, right = _uid(records, f"L{index:02d}l"), _uid(records, f"L{index:02d}r")
    key = (left, right) if (left, right) in levels.index else (right, left)
    gamma = int(levels.loc[key, f"gamma_{comparison}"])
    assert LABELS[comparison][gamma] == label


def _pairs_sql(con: Any, table: str) -> str:
    """Every ordered pair of distinct records of ``table``, each column as ``{column}_l/_r``."""
    columns = [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()]
    sides = ", ".join(f'l."{c}" AS "{c}_l", r."{c}" AS "{c}_r"' for c in columns)
    return f"SELECT {sides} FROM {table} l, {table} r WHERE l.unique_id <> r.unique_id"


def test_levels_do_not_depend_on_which_record_is_left(model_input):
    """Every level condition is symmetric: swapping l and r gives the same level."""
    con, table, _ = model_input
    for comparison in default_comparisons():
        levels = comparison.get_comparison("duckdb").as_dict()["comparison_levels"]
        case = " ".join(
            f"WHEN {lv['sql_condition']} THEN {i}"
            for i, lv in enumerate(levels)
            if lv["sql_condition"] != "ELSE"
        )
        asymmetric = con.execute(
            f"""WITH p AS ({_pairs_sql(con, table)}),  -- every pair in both orientations
                g AS (SELECT unique_id_l AS a, unique_id_r AS b, CASE {case} ELSE -2 END AS level
                      FROM p)
                SELECT count(*) FROM g x JOIN g y ON x.a = y.b AND x.b = y.a
                WHERE x.level <> y.level"""
        ).fetchall()[0][0]
        assert asymmetric == 0, comparison.get_comparison("duckdb").output_column_name


@pytest.mark.parametrize(
    ("index", "different"),
    [(i, case[-1]) for i, case in enumerate(CONFLICT_CASES)],
    ids=[case[0] for case in CONFLICT_CASES],
)
def test_conflict_sql_tells_different_children_apart(model_input, index, different):
    con, table, records = model_input
    left, right = _uid(records, f"C{index:02d}l"), _uid(records, f"C{index:02d}r")
    # Each case's two records are a component of their own (the A-number support counts there).
    cases = number_support_sql(
        f"(SELECT *, left(record_id, length(record_id) - 1) AS case_id FROM {table})", "case_id"
    )
    query = (
        f"SELECT coalesce({conflict_sql()}, FALSE) FROM {cases} l, {cases} r "
        "WHERE l.unique_id = ? AND r.unique_id = ?"
    )
    found = [con.execute(query, pair).fetchall()[0][0] for pair in ([left, right], [right, left])]
    assert found == [different, different]


def test_clustering_parts_exactly_the_cases_conflict_sql_calls_two_children(model_input):
    """Each case's two records, linked at p 0.99, a component of their own: clustering's
    conflict check (the rules that read no names on each pair, names once per pair of name
    contents, pairs of one A-number left out) parts exactly the cases that are two children.
    (The two records of a case come from different agencies, and each is the other's only
    candidate: the check is tested without the joining of complementary identities that would
    follow it.)"""
    con, table, records = model_input
    ends = [
        (_uid(records, f"C{i:02d}l"), _uid(records, f"C{i:02d}r"))
        for i in range(len(CONFLICT_CASES))
    ]
    links = pd.DataFrame(ends, columns=["unique_id_l", "unique_id_r"]).assign(
        match_probability=0.99
    )
    con.register("case_links", links)
    try:
        cluster(
            con,
            pairs="case_links",
            nodes=table,
            thresholds=Thresholds(complementary_probability=0),
        )
        identity = dict(con.execute(f"SELECT unique_id, identity_id FROM {CLUSTERS}").fetchall())
    finally:
        con.unregister("case_links")
    parted = {
        case[0]: identity[left] != identity[right]
        for case, (left, right) in zip(CONFLICT_CASES, ends, strict=True)
    }
    assert parted == {case[0]: case[-1] for case in CONFLICT_CASES}


def test_no_conflict_rule_holds_between_two_records_of_one_a_number(model_input):
    """Clustering leaves out the pairs of one A-number (conflicts.conflict_parts): every pair of
    crafted records, both given one number, conflicts under no rule."""
    con, table, _ = model_input
    one_number = f"(SELECT * REPLACE ('201012345' AS a_number) FROM {table})"
    cases = number_support_sql(f"(SELECT *, 1 AS component FROM {one_number})", "component")
    rules = conflict_rules()
    holding = con.execute(
        f"SELECT {', '.join(f'count(*) FILTER (WHERE {sql})' for sql in rules.values())} "
        f"FROM {cases} l, {cases} r WHERE l.unique_id <> r.unique_id"
    ).fetchall()[0]
    assert dict(zip(rules, holding, strict=True)) == dict.fromkeys(rules, 0)


def test_the_set_tests_on_slot_columns_agree_with_the_lists(model_input):
    """The levels test name sets on their slot columns (hashes of the first four names), never on
    the lists: on every pair of crafted records, each slot test gives what the list function
    gives, for every set and for all of a side's names (given and surnames together)."""
    con, table, _ = model_input
    tests = {}
    for column in ("given_set", "surname_set", "given_phon_set", "surname_phon_set"):
        left, right = cmp._side(column, "l"), cmp._side(column, "r")
        tests[f"{column} inside"] = (
            cmp._has_all(left, right),
            f"list_has_all({column}_l, {column}_r)",
        )
        tests[f"{column} shared"] = (
            cmp._has_any(left, right),
            f"list_has_any({column}_l, {column}_r)",
        )
        tests[f"{column} same"] = (cmp._same(left, right), f"{column}_l = {column}_r")
    for names, given, surname in (("tokens", "given_set", "surname_set"),
                                  ("phonetic", "given_phon_set", "surname_phon_set")):  # fmt: skip
        everything = f"list_concat({given}_r, {surname}_r)"
        for column in (given, surname):
            tests[f"{column} inside {names}"] = (
                cmp._has_all(cmp._side(names, "r"), cmp._side(column, "l")),
                f"list_has_all({everything}, {column}_l)",
            )
    tests["surname is given names"] = (
        cmp._same(cmp._side("surname_set", "l"), cmp._side("given_set", "r")),
        "surname_set_l = given_set_r",
    )
    counts = ", ".join(
        f"count(*) FILTER (WHERE ({slots}) IS DISTINCT FROM ({lists})), "
        f"count(*) FILTER (WHERE {lists})"
        for slots, lists in tests.values()
    )
    found = con.execute(f"SELECT {counts} FROM ({_pairs_sql(con, table)})").fetchall()[0]
    disagree = dict(zip(tests, found[0::2], strict=True))
    holds = dict(zip(tests, found[1::2], strict=True))
    assert disagree == dict.fromkeys(tests, 0)
    # the crafted records exercise every test both ways
    assert all(holds.values()), holds


def test_the_comparisons_read_no_list_column(model_input):
    """Scoring copies every column the levels read into each pair; a list costs several times
    more to copy than a number, so no level reads one (the name sets are read on their slots)."""
    con, table, _ = model_input
    types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {table})").fetchall())
    read = set()
    for comparison in default_comparisons():
        for level in comparison.get_comparison("duckdb").as_dict()["comparison_levels"]:
            read |= set(re.findall(r"\b(\w+)_[lr]\b", level["sql_condition"]))
    read &= set(types)
    assert read >= {"given_set_h1", "surname_phon_set_h4", "given_key"}
    assert {c: types[c] for c in read if types[c].endswith("[]")} == {}


FIVE_NAMES = {"a_number": None, "first_name": "Maria Jose Ana Luisa Sofia"}


@pytest.mark.parametrize(
    ("right", "label"),
    [
        ({**FIVE_NAMES}, "all given names equal"),
        (
            {**FIVE_NAMES, "first_name": "Maria Jose Ana Luisa"},
            "one side's given names all on the other",
        ),
        ({**FIVE_NAMES, "first_name": "Maria Jose Ana Luisa Sara"}, "similar spelling (JW >= 0.9)"),
    ],
    ids=["the same five", "the fifth (alphabetically) dropped", "the fifth differs"],
)
def test_a_set_of_five_names_is_compared_on_its_first_four_and_its_signature(right, label):
    """A set's names past the fourth (in alphabetical order) are in its signature only: five
    equal names are equal; four of five, the last dropped, are inside; a different fifth name
    (SARA for SOFIA) leaves the sets unequal, as the lists are."""
    records = {"Fl": FIVE_NAMES, "Fr": right}
    con = normalize(_frames(records)).con
    gamma = int(_scored(con, prepare_input(con))["gamma_given_name"].iloc[0])
    assert LABELS["given_name"][gamma] == label
