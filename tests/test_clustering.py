"""Clustering: twins and siblings stay apart, each child's own records join, row order is moot."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from linkage import link, normalize, tables
from linkage.clustering import (
    _components,
    _parts_at_single_links,
    cluster,
    join_complementary,
    split_single_links,
)
from linkage.handoff import identity_statuses
from linkage.model import Model, TrainingConfig, prepare_input, train
from linkage.synthetic import generate
from linkage.thresholds import Thresholds

#: One family apprehended together and released to one sponsor: twins (same birth date,
#: consecutive A-numbers), a brother and a sister a year younger than the twins to the day.
#: child: (given names, sex, dob, A-number)
FAMILY = {
    "A": ("María Angélica", "F", "2009-04-19", "201012345"),
    "B": ("María Elena", "F", "2009-04-19", "201012346"),
    "C": ("José Luis", "M", "2011-06-02", "201012347"),
    "D": ("Ana Lucía", "F", "2010-04-19", "201012348"),
}


def family_frames() -> dict[str, pd.DataFrame]:
    """Each child has a CBP, an ICE and an HHS record, written with each agency's habits."""
    cbp, ice, hhs = [], [], []
    for child, (given, sex, dob, a_number) in FAMILY.items():
        year, month, day = dob.split("-")
        cbp.append(
            {
                "record_id": f"{child}1",
                "first_name": given,
                "last_name": "López Chub",
                "a_number": f"A{a_number[:3]}-{a_number[3:6]}-{a_number[6:]}",
                "dob": f"{month}/{day}/{year}",
                "sex": sex,
                "country": "Guatemala",
                "event_date": "03/01/2021",
            }
        )
        ice.append(
            {
                "record_id": f"{child}2",
                "full_name": f"LOPEZ CHUB, {given.upper()}",
                "a_number": a_number,
                "dob": dob,
                "sex": sex,
                "country": "GT",
                "event_date": "2021-03-02",
                "nta_issued_date": "2021-03-03",
            }
        )
        hhs.append(  # HHS drops the maternal surname and holds no A-number
            {
                "record_id": f"{child}3",
                "first_name": given,
                "last_name": "López",
                "dob": f"{month}/{day}/{year}",
                "sex": sex,
                "event_date": "03/04/2021",
                "release_date": "04/01/2021",
                "sponsor_name": "Rosa Chub",
                "sponsor_address": "12 Main Street, Houston TX",
                "sponsor_zip": "77001",
            }
        )
    return {"cbp": pd.DataFrame(cbp), "ice": pd.DataFrame(ice), "hhs": pd.DataFrame(hhs)}


def _partition(clusters: pd.DataFrame) -> set[frozenset[str]]:
    return {frozenset(group["record_id"]) for _, group in clusters.groupby("identity_id")}


TRUE_PARTITION = {frozenset(f"{child}{i}" for i in (1, 2, 3)) for child in FAMILY}


# --- cluster() on a hand-made pairs table ---------------------------------------------------------


def _own_links(children, probability: float) -> list[tuple[str, str, float]]:
    """Each child's CBP (``<child>1``), ICE (``<child>2``) and HHS (``<child>3``) records linked
    to each other at ``probability``."""
    return [(f"{s}:{c}{i}", f"{t}:{c}{j}", probability) for c in children for (s, i), (t, j) in
            [(("cbp", 1), ("ice", 2)), (("cbp", 1), ("hhs", 3)), (("ice", 2), ("hhs", 3))]]  # fmt: skip


@pytest.fixture
def family_con():
    con = normalize(family_frames()).con
    prepare_input(con)
    own = _own_links(FAMILY, 0.99)
    wrong = [  # confident links between siblings, as a model fooled by a shared family makes
        ("hhs:A3", "hhs:B3", 0.999),  # stronger than any true link
        ("cbp:A1", "ice:B2", 0.95),
        ("ice:B2", "cbp:C1", 0.9),
        ("hhs:C3", "hhs:D3", 0.8),
        ("cbp:D1", "ice:A2", 0.7),
    ]
    pairs = pd.DataFrame(own + wrong, columns=["unique_id_l", "unique_id_r", "match_probability"])
    con.register("_pairs", pairs)
    con.execute(f"CREATE TABLE {tables.PAIRS} AS SELECT * FROM _pairs")
    con.unregister("_pairs")
    return con


def test_conflicting_links_are_refused_and_each_child_keeps_its_own_records(family_con):
    stats = cluster(family_con)
    clusters = family_con.table(tables.CLUSTERS).df()
    assert len(clusters) == 12
    assert _partition(clusters) == TRUE_PARTITION
    assert int(stats["identities"].iloc[0]) == 4
    assert int(stats["refused_links"].iloc[0]) == 5
    # the weakest link kept inside each identity is a true one
    assert clusters["link_probability"].tolist() == pytest.approx([0.99] * 12)


def test_links_refused_as_conflicting_are_shown_and_put_the_identities_up_for_review(family_con):
    cluster(family_con)
    clusters = family_con.table(tables.CLUSTERS).df().set_index("record_id")
    # each record's strongest refused link; records with none have no contested link
    expected = {"A3": 0.999, "B3": 0.999, "A1": 0.95, "B2": 0.95, "C1": 0.9, "C3": 0.8,
                "D3": 0.8, "D1": 0.7, "A2": 0.7}  # fmt: skip
    contested = clusters["contested_link"].dropna().to_dict()
    assert contested == pytest.approx(expected)
    identities = identity_statuses(family_con).df()
    assert identities["needs_review"].all()  # every child had a sibling link refused
    assert identities.set_index("identity_id")["contested_link"].max() == pytest.approx(0.999)


def test_without_conflict_prevention_nothing_is_contested_nor_up_for_review(family_con):
    cluster(family_con, thresholds=Thresholds(match_probability=0.985), prevent_conflicts=False)
    clusters = family_con.table(tables.CLUSTERS).df()
    assert clusters["contested_link"].isna().all()
    identities = identity_statuses(family_con).df()
    # each child held by its own links at 0.99; the twins' link at 0.999 joins A and B unseen
    assert len(identities) == 3
    assert not identities["needs_review"].any()


def test_without_conflict_prevention_the_siblings_chain_into_one_identity(family_con):
    stats = cluster(family_con, prevent_conflicts=False)
    clusters = family_con.table(tables.CLUSTERS).df()
    assert clusters["identity_id"].nunique() == 1
    assert int(stats["refused_links"].iloc[0]) == 0


def test_links_below_the_threshold_do_not_join_and_lone_records_have_no_link_probability(
    family_con,
):
    cluster(family_con, thresholds=Thresholds(match_probability=0.995), prevent_conflicts=False)
    clusters = family_con.table(tables.CLUSTERS).df().set_index("record_id")
    # only the sibling link at 0.999 is above the threshold; the other records stand alone
    assert clusters.loc["A3", "identity_id"] == clusters.loc["B3", "identity_id"]
    assert clusters["identity_id"].nunique() == 11
    assert clusters.loc["A3", "link_probability"] == pytest.approx(0.999)
    assert clusters.drop(index=["A3", "B3"])["link_probability"].isna().all()


def _union_find_labels(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Each record's component as its smallest index, by a plain union-find (the reference)."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        ra, rb = find(a), find(b)
        parent[max(ra, rb)] = min(ra, rb)
    return np.array([find(x) for x in range(n)])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_components_are_the_connected_records_labelled_by_their_smallest_index(seed):
    """Long chains in shuffled order (the hardest case for label propagation), stars, pairs and
    records alone, against a plain union-find."""
    rng = np.random.default_rng(seed)
    n = 20_000
    order = rng.permutation(n)
    chain = order[:5_000]  # one chain of 5,000 records, linked in a random order
    star = order[5_000:5_500]
    pairs = order[5_500:9_500].reshape(-1, 2)
    edges = [np.column_stack([chain[:-1], chain[1:]]),
             np.column_stack([np.full(len(star) - 1, star[0]), star[1:]]), pairs,
             rng.integers(9_500, n, size=(3_000, 2))]  # fmt: skip
    edges = np.concatenate(edges)[rng.permutation(sum(len(e) for e in edges))]
    flip = rng.random(len(edges)) < 0.5
    edges[flip] = edges[flip][:, ::-1]
    labels = _components(n, edges[:, 0], edges[:, 1])
    np.testing.assert_array_equal(labels, _union_find_labels(n, edges[:, 0], edges[:, 1]))
    assert labels[chain].min() == labels[chain].max() == chain.min()
    assert np.array_equal(
        _components(5, np.empty(0, np.int64), np.empty(0, np.int64)), np.arange(5)
    )


def _bridged_family(extra_links: list[tuple[str, str, float]]):
    """The family plus an HHS record "María López" (no A-number) that conflicts with neither twin,
    scored: each child's own records at 0.99, the bridge to twin A at 0.98 and to twin B at 0.97,
    then ``extra_links``. Returns the connection holding ``model_input`` and ``pairs``."""
    frames = family_frames()
    bridge = {"record_id": "X3", "first_name": "María", "last_name": "López",
              "dob": "04/19/2009", "sex": "F", "event_date": "03/04/2021"}  # fmt: skip
    frames["hhs"] = pd.concat([frames["hhs"], pd.DataFrame([bridge])], ignore_index=True)
    con = normalize(frames).con
    prepare_input(con)
    own = [(f"{s}:{c}{i}", f"{t}:{c}{j}", 0.99) for c in FAMILY for (s, i), (t, j) in
           [(("cbp", 1), ("ice", 2)), (("ice", 2), ("hhs", 3))]]  # fmt: skip
    bridges = [("hhs:X3", "hhs:A3", 0.98), ("hhs:X3", "hhs:B3", 0.97)]
    con.register("_pairs", pd.DataFrame(own + bridges + extra_links,
                                        columns=["unique_id_l", "unique_id_r", "match_probability"]))  # fmt: skip
    con.execute(f"CREATE TABLE {tables.PAIRS} AS SELECT * FROM _pairs")
    return con


@pytest.mark.parametrize(
    ("x_event", "joins"),
    [("03/09/2021", "B"), ("03/05/2021", "A")],
)
def test_a_record_tied_between_twins_joins_the_one_of_the_nearer_event(x_event, joins):
    """An HHS record "María López" (no A-number) scores exactly as well against twin A's HHS
    record (event on 03/04) as against twin B's (event on 03/10); the twins conflict, so it can
    join one only. It joins the twin whose event is nearer its own, whichever record id sorts
    first."""
    frames = family_frames()
    hhs = frames["hhs"]
    hhs.loc[hhs["record_id"] == "B3", "event_date"] = "03/10/2021"
    bridge = {"record_id": "X3", "first_name": "María", "last_name": "López",
              "dob": "04/19/2009", "sex": "F", "event_date": x_event}  # fmt: skip
    frames["hhs"] = pd.concat([hhs, pd.DataFrame([bridge])], ignore_index=True)
    con = normalize(frames).con
    prepare_input(con)
    own = [(f"{s}:{c}{i}", f"{t}:{c}{j}", 0.99) for c in FAMILY for (s, i), (t, j) in
           [(("cbp", 1), ("ice", 2)), (("ice", 2), ("hhs", 3))]]  # fmt: skip
    tied = [("hhs:A3", "hhs:X3", 0.98), ("hhs:B3", "hhs:X3", 0.98)]
    con.register("_pairs", pd.DataFrame(own + tied,
                                        columns=["unique_id_l", "unique_id_r", "match_probability"]))  # fmt: skip
    con.execute(f"CREATE TABLE {tables.PAIRS} AS SELECT * FROM _pairs")
    cluster(con)
    partition = _partition(con.table(tables.CLUSTERS).df())
    assert frozenset({f"{joins}1", f"{joins}2", f"{joins}3", "X3"}) in partition
    other = "B" if joins == "A" else "A"
    assert frozenset({f"{other}1", f"{other}2", f"{other}3"}) in partition


def _one_child_under_two_given_names(bridge_given: str, complementary: float = 0.0):
    """Clustered: a girl written "María" by CBP and "José" by ICE (no A-numbers: a conflict of
    given names alone), linked through two HHS records written ``bridge_given`` (the same content
    twice); and another girl, "María" and "José" Pérez, linked to each other only. Returns the
    partition of record ids. ``complementary``: ``Thresholds.complementary_probability`` (0: the
    conflict check alone, without the joining of identities of complementary agencies)."""

    def row(record_id: str, given: str, surname: str) -> dict[str, str]:
        return {"record_id": record_id, "first_name": given, "last_name": surname,
                "dob": "04/19/2009", "sex": "F", "event_date": "03/01/2021"}  # fmt: skip

    frames = {
        "cbp": pd.DataFrame([row("M1", "María", "López Chub"), row("N1", "María", "Pérez")]),
        "ice": pd.DataFrame([row("M2", "José", "López Chub"), row("N2", "José", "Pérez")]),
        "hhs": pd.DataFrame([row("M3", bridge_given, "López"), row("M4", bridge_given, "López")]),
    }
    con = normalize(frames).con
    prepare_input(con)
    links = [("cbp:M1", "hhs:M3", 0.99), ("ice:M2", "hhs:M3", 0.99), ("ice:M2", "hhs:M4", 0.98),
             ("cbp:M1", "ice:M2", 0.9), ("cbp:N1", "ice:N2", 0.99)]  # fmt: skip
    con.register("_pairs", pd.DataFrame(links, columns=["unique_id_l", "unique_id_r",
                                                        "match_probability"]))  # fmt: skip
    con.execute(f"CREATE TABLE {tables.PAIRS} AS SELECT * FROM _pairs")
    cluster(con, thresholds=Thresholds(complementary_probability=complementary))
    return _partition(con.table(tables.CLUSTERS).df())


def test_a_record_carrying_both_given_names_sets_aside_their_conflict_in_its_component_only():
    """ "María José" on two HHS records shows that "María" and "José" are one girl: her four
    records are one identity. The other girl's "María" and "José" have no such record in their
    component, and stay apart, though the HHS records' names would carry theirs too."""
    assert _one_child_under_two_given_names("María José") == {
        frozenset({"M1", "M2", "M3", "M4"}),
        frozenset({"N1"}),
        frozenset({"N2"}),
    }


def test_without_a_record_carrying_both_given_names_the_conflict_splits_the_child():
    partition = _one_child_under_two_given_names("María")
    assert not any({"M1", "M2"} <= group for group in partition)
    assert {frozenset({"N1"}), frozenset({"N2"})} <= partition


def test_identities_of_complementary_agencies_rejoin_a_child_the_conflict_split():
    """With the default joining of complementary identities, each girl split by the conflict of
    given names has her CBP and her ICE record in one identity again: the parts share no agency
    and are each other's strongest candidate. (The first girl's second HHS record, linked only
    to her ICE record, stays apart: her identity holds an HHS record already.)"""
    partition = _one_child_under_two_given_names("María", Thresholds().complementary_probability)
    assert frozenset({"N1", "N2"}) in partition
    assert any({"M1", "M2", "M3"} <= group for group in partition)
    assert _one_child_under_two_given_names("María") != partition


def test_a_chain_too_large_to_check_whole_is_still_split_at_its_conflicts():
    """Twins A and B joined only through a record that conflicts with neither ("María López",
    no A-number): no scored link conflicts, yet they must not end in one identity. The component
    (10 records) is above the all-pairs size here, so round 0 sees only scored links; the group
    left after the brother is split off (7 records) is checked whole, which finds the twins."""
    con = _bridged_family([("hhs:B3", "cbp:C1", 0.55)])
    stats = cluster(con, thresholds=Thresholds(max_identity_records=7))
    clusters = con.table(tables.CLUSTERS).df()
    assert len(clusters) == 13
    expected = {group | {"X3"} if "A3" in group else group for group in TRUE_PARTITION}
    assert _partition(clusters) == expected
    assert int(stats["refused_links"].iloc[0]) == 2  # X3-B3 (twins) and B3-C1 (siblings)


def test_a_chain_too_large_to_check_whole_with_no_conflicting_link_is_still_split():
    """Twins A and B joined only through a bridge record that conflicts with neither, and no
    scored link conflicts at all: the component (7 records) is above the all-pairs size (5), so
    only the size cap can break it into groups small enough to be checked on every pair. Without
    the cap the twins stayed in one identity."""
    con = _bridged_family([])
    cluster(con, thresholds=Thresholds(max_identity_records=5))
    clusters = con.table(tables.CLUSTERS).df()
    expected = {group | {"X3"} if "A3" in group else group for group in TRUE_PARTITION}
    assert _partition(clusters) == expected
    assert clusters.groupby("identity_id").size().max() <= 5


# --- A-numbers each confirmed by the child's other records ---------------------------------------


def _numbered_con(
    children: dict[str, list[tuple[str, str, str | None]]],
    links: list[tuple[str, str, float]],
    given: dict[str, str] | None = None,
) -> duckdb.DuckDBPyConnection:
    """One child per key, each record ``(source, event date, A-number or None)`` written with the
    same surnames ("Pérez Cáceres"), birth date and sex, and the given name ``given[child]``
    ("José" by default); record ids ``<child><n>``. ``links``: ``(record id, record id,
    probability)``. Returns the connection holding the model input and the pairs."""
    rows: dict[str, list[dict]] = {"cbp": [], "ice": [], "hhs": []}
    for child, records in children.items():
        name = (given or {}).get(child, "José")
        for n, (source, day, a_number) in enumerate(records, 1):
            row = {"record_id": f"{child}{n}", "dob": "2006-03-10", "sex": "M", "event_date": day,
                   "a_number": a_number}  # fmt: skip
            if source == "ice":
                row |= {"full_name": f"PEREZ CACERES, {name.upper()}", "country": "GT"}
            else:
                row |= {"first_name": name, "last_name": "Pérez Cáceres"}
            rows[source].append(row)
    con = normalize({s: pd.DataFrame(v) for s, v in rows.items() if v}).con
    prepare_input(con)
    uid = {r["record_id"]: f"{s}:{r['record_id']}" for s, v in rows.items() for r in v}
    pairs = pd.DataFrame(
        [(uid[a], uid[b], p) for a, b, p in links],
        columns=["unique_id_l", "unique_id_r", "match_probability"],
    )
    con.register("_pairs", pairs)
    con.execute(f"CREATE TABLE {tables.PAIRS} AS SELECT * FROM _pairs")
    con.unregister("_pairs")
    return con


def test_twins_whose_numbers_are_each_confirmed_by_one_agency_stay_apart():
    """Twins written with the same name and birth date (the second given name dropped), apprehended
    two days apart, numbers issued in sequence: CBP and ICE wrote both numbers, each on two records
    or more. No pair alone shows a conflict; the component does (``numbers_confirmed_apart``)."""
    twins = {
        "T": [("cbp", "2023-02-09", "201955258"), ("ice", "2023-02-10", "201955258"),
              ("hhs", "2023-02-12", None)],
        "U": [("cbp", "2023-02-11", "201955259"), ("ice", "2023-02-12", "201955259"),
              ("hhs", "2023-02-13", "201955259")],
    }  # fmt: skip
    own = [("T1", "T2", 0.99), ("T2", "T3", 0.99), ("U1", "U2", 0.99), ("U2", "U3", 0.99)]
    fooled = [("T1", "U1", 0.999), ("T2", "U2", 0.999), ("T1", "U3", 0.998)]
    con = _numbered_con(twins, own + fooled)
    stats = cluster(con)
    clusters = con.table(tables.CLUSTERS).df()
    assert _partition(clusters) == {frozenset({"T1", "T2", "T3"}), frozenset({"U1", "U2", "U3"})}
    assert int(stats["refused_links"].iloc[0]) == 3
    # without the component's view, nothing tells them apart
    cluster(con, prevent_conflicts=False)
    assert con.table(tables.CLUSTERS).df()["identity_id"].nunique() == 1


def test_a_child_given_a_second_number_at_a_later_stage_stays_one_identity():
    """CBP and ICE wrote the first number, HHS (two placements) the second: both numbers are
    confirmed, but no agency wrote both, so they are one child's two numbers, not two children.
    A number one clerk mistyped (ICE's second record) is not confirmed either."""
    child = {
        "C": [("cbp", "2023-02-09", "201955258"), ("ice", "2023-02-10", "201955258"),
              ("hhs", "2023-02-12", "208812345"), ("hhs", "2023-03-20", "208812345"),
              ("ice", "2023-03-01", "201955268")],
    }  # fmt: skip
    links = [("C1", "C2", 0.99), ("C2", "C3", 0.99), ("C3", "C4", 0.99), ("C5", "C1", 0.99)]
    con = _numbered_con(child, links)
    stats = cluster(con)
    assert con.table(tables.CLUSTERS).df()["identity_id"].nunique() == 1
    assert int(stats["refused_links"].iloc[0]) == 0


def test_a_siblings_number_on_a_childs_record_does_not_cut_the_record_from_its_child():
    """ICE wrote Andrés's second booking under his brother Brayan's number. Brayan's number is
    confirmed (by Brayan's records) and so is Andrés's, and ICE wrote both; but the record says
    "Andrés", so it does not confirm Brayan's number for it, and it stays with Andrés."""
    family = {
        "A": [("cbp", "2019-07-19", "201168690"), ("ice", "2019-07-20", "201168690"),
              ("hhs", "2019-07-22", "201168690"), ("ice", "2019-07-30", "201168664")],
        "B": [("cbp", "2019-07-19", "201168664"), ("ice", "2019-07-20", "201168664"),
              ("hhs", "2019-07-22", "201168664")],
    }  # fmt: skip
    own = [("A1", "A2", 0.99), ("A2", "A3", 0.99), ("A3", "A4", 0.99),
           ("B1", "B2", 0.99), ("B2", "B3", 0.99)]  # fmt: skip
    con = _numbered_con(family, own + [("A4", "B2", 0.98)], given={"A": "Andrés", "B": "Brayan"})
    cluster(con)
    clusters = con.table(tables.CLUSTERS).df()
    assert _partition(clusters) == {
        frozenset({"A1", "A2", "A3", "A4"}),
        frozenset({"B1", "B2", "B3"}),
    }


# --- link() end to end, with a model trained on synthetic data -------------------------------


@pytest.fixture(scope="module")
def model() -> Model:
    con = normalize(generate(1000, seed=5).sources).con
    prepare_input(con)
    return train(con, config=TrainingConfig(u_max_pairs=300_000))


@pytest.mark.slow
def test_link_keeps_twins_and_siblings_apart_and_joins_each_childs_records(model):
    result = link(family_frames(), model=model, quiet=True)
    assert _partition(result.clusters()) == TRUE_PARTITION
    assert int(result.clustering["refused_links"].iloc[0]) > 0


@pytest.mark.slow
def test_link_without_conflict_prevention_merges_the_twins(model):
    result = link(family_frames(), model=model, prevent_conflicts=False, quiet=True)
    # the model alone is fooled: the twins' records score as a match
    twins = result.pairs().set_index(["unique_id_l", "unique_id_r"])["match_probability"]
    assert twins.get(("cbp:A1", "cbp:B1"), 0.0) >= model.threshold_match_probability
    clusters = result.clusters().set_index("record_id")["identity_id"]
    assert clusters["A1"] == clusters["B1"]
    assert _partition(result.clusters()) != TRUE_PARTITION


@pytest.mark.slow
def test_identities_do_not_depend_on_the_order_of_input_rows(model):
    data = generate(400, seed=3)
    rng = np.random.default_rng(0)
    shuffled = {
        source: frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
        for source, frame in reversed(list(data.sources.items()))
    }
    first = link(data.sources, model=model, quiet=True).clusters()
    second = link(shuffled, model=model, quiet=True).clusters()
    key = ["source", "record_id"]
    merged = first.merge(second, on=key, suffixes=("_first", "_second"), validate="1:1")
    assert len(merged) == len(first) == data.n_records
    assert (merged["identity_id_first"] == merged["identity_id_second"]).all()
    # a non-trivial clustering: many identities hold several records
    assert first["identity_id"].nunique() < 0.6 * len(first)


# --- one link alone between two groups of records --------------------------------------------------


def namesakes_frames() -> dict[str, pd.DataFrame]:
    """Two boys of one name and birth date, no A-number, apprehended nine days apart: each has a
    CBP, an ICE and an HHS record. No conflict rule holds between them."""
    frames: dict[str, list[dict[str, str]]] = {"cbp": [], "ice": [], "hhs": []}
    for child, day in (("X", 1), ("Y", 10)):
        frames["cbp"].append({"record_id": f"{child}1", "first_name": "José", "last_name": "Pérez",
                              "dob": "01/05/2008", "sex": "M", "country": "Honduras",
                              "event_date": f"03/{day:02d}/2021"})  # fmt: skip
        frames["ice"].append({"record_id": f"{child}2", "full_name": "PEREZ, JOSE",
                              "dob": "2008-01-05", "sex": "M", "country": "HN",
                              "event_date": f"2021-03-{day + 1:02d}"})  # fmt: skip
        frames["hhs"].append({"record_id": f"{child}3", "first_name": "José", "last_name": "Pérez",
                              "dob": "01/05/2008", "sex": "M",
                              "event_date": f"03/{day + 2:02d}/2021"})  # fmt: skip
    return {s: pd.DataFrame(rows) for s, rows in frames.items()}


def namesakes_pairs(link_probability: float) -> pd.DataFrame:
    """Each boy's records linked to each other at 0.999, and one pair of namesakes (X's HHS
    record and Y's CBP record) linked across at ``link_probability``."""
    return pd.DataFrame(
        [*_own_links("XY", 0.999), ("hhs:X3", "cbp:Y1", link_probability)],
        columns=["unique_id_l", "unique_id_r", "match_probability"],
    )


def _namesakes_con(link_probability: float) -> duckdb.DuckDBPyConnection:
    """The namesakes' records and pairs (:func:`namesakes_frames`, :func:`namesakes_pairs`)."""
    con = normalize(namesakes_frames()).con
    prepare_input(con)
    pairs = namesakes_pairs(link_probability)
    con.register("_pairs", pairs)
    con.execute(f"CREATE TABLE {tables.PAIRS} AS SELECT * FROM _pairs")
    con.unregister("_pairs")
    return con


NAMESAKES = {frozenset({"X1", "X2", "X3"}), frozenset({"Y1", "Y2", "Y3"})}


def test_one_link_alone_between_two_childrens_records_is_refused_and_shown_for_review():
    con = _namesakes_con(0.9)
    stats = cluster(con)
    clusters = con.table(tables.CLUSTERS).df()
    assert _partition(clusters) == NAMESAKES
    assert int(stats["refused_links"].iloc[0]) == 1
    contested = clusters.set_index("record_id")["contested_link"].dropna().to_dict()
    assert contested == pytest.approx({"X3": 0.9, "Y1": 0.9})


@pytest.mark.parametrize(
    ("probability", "thresholds"),
    [(0.995, Thresholds()), (0.9, Thresholds(single_link_probability=0.0))],
)
def test_a_single_link_at_or_above_single_link_probability_still_joins(probability, thresholds):
    con = _namesakes_con(probability)
    stats = cluster(con, thresholds=thresholds)
    assert _partition(con.table(tables.CLUSTERS).df()) == {frozenset(set().union(*NAMESAKES))}
    assert int(stats["refused_links"].iloc[0]) == 0


def test_a_second_link_between_the_groups_keeps_them_one_identity():
    con = _namesakes_con(0.9)
    con.execute(f"INSERT INTO {tables.PAIRS} VALUES ('ice:X2', 'ice:Y2', 0.8)")
    cluster(con)
    assert _partition(con.table(tables.CLUSTERS).df()) == {frozenset(set().union(*NAMESAKES))}


def test_a_reviewers_same_on_the_single_link_keeps_it():
    con = _namesakes_con(0.9)
    same = pd.DataFrame(
        {"unique_id_l": ["hhs:X3"], "unique_id_r": ["cbp:Y1"], "decision": ["same"]}
    )
    cluster(con, decisions=same)
    assert _partition(con.table(tables.CLUSTERS).df()) == {frozenset(set().union(*NAMESAKES))}


def test_single_links_are_cut_weakest_first_and_never_leave_a_record_alone():
    # groups {0,1}, {2,3}, {4,5} in a chain by 1-2 (0.9) and 3-4 (0.6); record 6 hangs on 5 by 0.5
    left = np.array([0, 2, 4, 1, 3, 5])
    right = np.array([1, 3, 5, 2, 4, 6])
    prob = np.array([1.0, 1.0, 1.0, 0.9, 0.6, 0.5])
    labels, cut = split_single_links(np.zeros(7, dtype=np.int64), (left, right, prob), 0.99)
    assert labels.tolist() == [0, 0, 2, 2, 4, 4, 4]
    assert cut == 2
    # the same identity with every link at 0.99 or above is left whole
    strong = np.maximum(prob, 0.99)
    whole, none = split_single_links(np.zeros(7, dtype=np.int64), (left, right, strong), 0.99)
    assert whole.tolist() == [0] * 7 and none == 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_single_links_found_quickly_are_those_found_one_by_one(seed):
    """The quick filter (no link of a triangle, no link to a record with no other) leaves every
    single link that trying each weak link one by one finds: random identities of 2-12 records,
    trees and denser graphs, links of random strength."""
    rng = np.random.default_rng(seed)
    left, right, labels, start = [], [], [], 0
    for _ in range(300):
        size = int(rng.integers(2, 13))
        nodes = list(range(start, start + size))
        for i in range(1, size):  # a random tree keeps the identity connected
            left.append(nodes[i])
            right.append(nodes[int(rng.integers(0, i))])
        for _ in range(int(rng.integers(0, size))):  # and a few more links
            a, b = rng.choice(size, 2, replace=False)
            left.append(nodes[int(a)])
            right.append(nodes[int(b)])
        labels += [start] * size
        start += size
    links = (np.array(left), np.array(right), rng.choice([0.6, 0.9, 0.995, 1.0], len(left)))
    got, cut = split_single_links(np.array(labels), links, 0.99)
    expected, expected_cut = np.array(labels), 0
    for identity in np.unique(labels):
        edges = [
            (a, b, p) for a, b, p in zip(*[x.tolist() for x in links], strict=True)
            if labels[a] == identity
        ]  # fmt: skip
        parts, n = _parts_at_single_links(edges, 0.99)
        expected_cut += n
        for part in parts:
            expected[part] = min(part)
    assert cut == expected_cut > 0
    assert got.tolist() == expected.tolist()


def journey_frames() -> dict[str, pd.DataFrame]:
    """One boy's journey: a CBP record "Jose Perez" (no A-number) and the ICE and HHS records
    of "José Pérez López", plus a second CBP record of another "José Pérez"."""

    def row(record_id: str, surname: str, day: int) -> dict[str, str]:
        return {"record_id": record_id, "first_name": "José", "last_name": surname,
                "dob": "01/05/2008", "sex": "M", "event_date": f"03/{day:02d}/2021"}  # fmt: skip

    frames = {
        "cbp": pd.DataFrame([row("J1", "Perez", 1), row("K1", "Pérez", 20)]),
        "ice": pd.DataFrame(
            [
                {
                    "record_id": "J2",
                    "full_name": "PEREZ LOPEZ, JOSE",
                    "dob": "2008-01-05",
                    "sex": "M",
                    "event_date": "2021-03-02",
                }
            ]
        ),  # fmt: skip
        "hhs": pd.DataFrame([row("J3", "Pérez López", 3)]),
    }
    return frames


def _journey_con(pairs: list[tuple[str, str, float]]) -> duckdb.DuckDBPyConnection:
    """:func:`journey_frames` with ``pairs``."""
    con = normalize(journey_frames()).con
    prepare_input(con)
    con.register("_pairs", pd.DataFrame(pairs, columns=["unique_id_l", "unique_id_r",
                                                        "match_probability"]))  # fmt: skip
    con.execute(f"CREATE TABLE {tables.PAIRS} AS SELECT * FROM _pairs")
    con.unregister("_pairs")
    return con


_JOURNEY = [("ice:J2", "hhs:J3", 0.999), ("cbp:J1", "ice:J2", 0.3), ("cbp:J1", "hhs:J3", 0.2)]


def test_a_record_of_the_agency_its_identity_lacks_joins_it_below_the_threshold():
    """The boy's CBP record scores 0.3 against his ICE record: below the match threshold, a record
    alone. His ICE and HHS identity lacks a CBP record, and each is the other's strongest
    candidate: one identity, counted in the statistics; off with 0."""
    con = _journey_con(_JOURNEY)
    stats = cluster(con)
    assert _partition(con.table(tables.CLUSTERS).df()) == {
        frozenset({"J1", "J2", "J3"}),
        frozenset({"K1"}),
    }
    assert int(stats["complementary_joins"].iloc[0]) == 1
    cluster(con, thresholds=Thresholds(complementary_probability=0))
    assert frozenset({"J1"}) in _partition(con.table(tables.CLUSTERS).df())


def test_a_record_of_an_agency_its_candidate_already_holds_stays_apart():
    """The other boy's CBP record scores 0.3 against the first boy's ICE record, and the first
    boy's own CBP record is linked to his identity: the identity holds a CBP record already, so
    the other boy's stays his own (siblings and namesakes each have their apprehension)."""
    con = _journey_con([*_JOURNEY[:1], ("cbp:J1", "ice:J2", 0.9), ("cbp:K1", "ice:J2", 0.3)])
    cluster(con)
    assert _partition(con.table(tables.CLUSTERS).df()) == {
        frozenset({"J1", "J2", "J3"}),
        frozenset({"K1"}),
    }


def test_a_record_whose_candidate_prefers_another_stays_apart():
    """Both CBP records are candidates of the ICE and HHS identity; it prefers J1 (0.3 against
    0.25): K1 is not its best, and stays apart, though K1's best is that identity."""
    con = _journey_con([*_JOURNEY, ("cbp:K1", "hhs:J3", 0.25)])
    cluster(con)
    assert _partition(con.table(tables.CLUSTERS).df()) == {
        frozenset({"J1", "J2", "J3"}),
        frozenset({"K1"}),
    }


def test_joining_complementary_identities_needs_one_best_candidate_and_respects_limits():
    # identities: {0} (agency 0), {1, 2} (agencies 1 and 2), {3} (agency 0)
    labels = np.array([0, 1, 1, 3])
    sources = np.array([0, 1, 2, 0])
    pairs = (np.array([0, 3]), np.array([1, 2]), np.array([0.4, 0.2]))
    joined, count = join_complementary(labels, pairs, sources, 0.1)
    assert joined.tolist() == [0, 0, 0, 3] and count == 1
    # below the lowest probability asked for: nothing
    assert join_complementary(labels, pairs, sources, 0.5)[0].tolist() == labels.tolist()
    # a tie for {1, 2}'s strongest candidate: nothing
    tied = (pairs[0], pairs[1], np.array([0.4, 0.4]))
    assert join_complementary(labels, tied, sources, 0.1)[0].tolist() == labels.tolist()
    # also when {1, 2} meets {0} twice at that probability (both its records) before {3}
    twice = (np.array([0, 0, 3]), np.array([1, 2, 2]), np.array([0.4, 0.4, 0.4]))
    assert join_complementary(labels, twice, sources, 0.1)[0].tolist() == labels.tolist()
    # a reviewer kept records 0 and 2 apart: nothing
    apart = np.array([[0, 2]])
    kept = join_complementary(labels, pairs, sources, 0.1, apart=apart)[0]
    assert kept.tolist() == labels.tolist()
    # over the identity size cap: nothing
    assert join_complementary(labels, pairs, sources, 0.1, max_records=2)[1] == 0
    # off
    assert join_complementary(labels, pairs, sources, 0.0)[1] == 0


def test_records_alone_with_no_link_at_all_are_joined_when_complementary():
    """No pair reaches the match threshold (an update's records paired below it with stored
    ones): the CBP and ICE records, each the other's only candidate, are still one identity."""
    con = _journey_con([("cbp:J1", "ice:J2", 0.3)])
    stats = cluster(con)
    assert frozenset({"J1", "J2"}) in _partition(con.table(tables.CLUSTERS).df())
    assert int(stats["links"].iloc[0]) == 0
