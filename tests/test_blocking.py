"""Blocking: the pair count checked before predicting, the limit, and the recall of the rules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import duckdb
import numpy as np
import pandas as pd
import pytest

from linkage import BlockingError, LinkageError, normalize
from linkage.blocking import (
    DEFAULT_BLOCKING_RULES,
    BlockingRule,
    add_block_keys,
    count_comparisons,
)
from linkage.clustering import _components
from linkage.engine import any_row_order
from linkage.model import prepare_input
from linkage.synthetic import generate


@pytest.fixture(scope="module")
def small():
    """The model input of a small synthetic population (about 550 records)."""
    con = normalize(generate(150, seed=1).sources).con
    table = prepare_input(con)
    return con, table


def _equal(values: pd.Series, other: pd.Series) -> np.ndarray:
    """n x n matrix: values[i] == other[j], both present."""
    present_l, present_r = values.notna().to_numpy(), other.notna().to_numpy()
    left = values.astype(object).where(values.notna(), None).to_numpy()
    right = other.astype(object).where(other.notna(), None).to_numpy()
    same = (left[:, None] == right[None, :]).astype(bool)
    return same & present_l[:, None] & present_r[None, :]


def _brute_force(frame: pd.DataFrame, rule: BlockingRule) -> int:
    """Pairs Splink would form for ``rule``: every record against every later one (by unique_id)."""
    right = rule.right_columns or rule.columns
    hit = np.ones((len(frame), len(frame)), dtype=bool)
    for a, b in zip(rule.columns, right, strict=True):
        hit &= _equal(frame[a], frame[b])
    return int(np.triu(hit, k=1).sum())


def test_counts_equal_a_brute_force_count_of_pairs(small):
    con, table = small
    frame = con.execute(f"SELECT * FROM {table} ORDER BY unique_id").df()
    counts = count_comparisons(con, table, DEFAULT_BLOCKING_RULES).set_index("rule")
    assert list(counts.index) == [r.name for r in DEFAULT_BLOCKING_RULES]
    for rule in DEFAULT_BLOCKING_RULES:
        found = int(counts.loc[rule.name, "comparisons"])
        expected = _brute_force(frame, rule)
        if rule.right_columns is None:
            assert found == expected, rule.name
        else:  # a crossed rule is counted in both directions: an upper bound
            assert expected <= found, rule.name
    assert counts["comparisons"].sum() > 0


def test_a_simple_rule_counts_groups_exactly(small):
    con, table = small
    frame = con.execute(f"SELECT * FROM {table} ORDER BY unique_id").df()
    rule = BlockingRule(name="same birth year and sex", columns=("dob_year", "sex"))
    counts = count_comparisons(con, table, [rule])
    sizes = frame.dropna(subset=["dob_year", "sex"]).groupby(["dob_year", "sex"]).size()
    assert int(counts["comparisons"].iloc[0]) == int((sizes * (sizes - 1) // 2).sum())
    assert int(counts["largest_block"].iloc[0]) == int(sizes.max())
    assert _brute_force(frame, rule) == int(counts["comparisons"].iloc[0])


def test_a_rule_over_the_limit_stops_with_its_name(small):
    con, table = small
    loose = BlockingRule(name="same birth year only", columns=("dob_year",))
    total = int(
        count_comparisons(con, table, [*DEFAULT_BLOCKING_RULES, loose])["comparisons"].sum()
    )
    with pytest.raises(BlockingError) as caught:
        count_comparisons(con, table, [*DEFAULT_BLOCKING_RULES, loose], max_comparisons=total - 1)
    message = str(caught.value)
    assert "'same birth year only'" in message
    assert f"{total:,}" in message and f"{total - 1:,}" in message
    assert "max_comparisons" in message
    assert isinstance(caught.value, LinkageError) and isinstance(caught.value, RuntimeError)
    # at the limit it passes
    count_comparisons(con, table, [*DEFAULT_BLOCKING_RULES, loose], max_comparisons=total)


def test_an_unbounded_crossed_rule_counts_beside_bounded_rules_on_a_keyed_view(small):
    """The count of each rule does not depend on the rules listed before it: an unbounded
    crossed rule, then the bounded default rules, read from the view their keys were added to."""
    con, table = small
    crossed = BlockingRule(
        name="given name against surname, same dob (unbounded)",
        columns=("given_phon_1", "dob"),
        right_columns=("surname_phon_1", "dob"),
    )
    keyed = add_block_keys(con, DEFAULT_BLOCKING_RULES, table, "keyed_mixed")
    together = count_comparisons(con, keyed, [crossed, *DEFAULT_BLOCKING_RULES])
    alone = pd.concat(
        [
            count_comparisons(con, keyed, [crossed]),
            count_comparisons(con, keyed, DEFAULT_BLOCKING_RULES),
        ],
        ignore_index=True,
    )
    assert together.equals(alone)


def test_the_default_rules_keep_nearly_every_true_pair():
    """Nearly every pair of one child's records is a candidate, and nearly all of the rest are
    connected through the child's other records (which clustering follows)."""
    data = generate(2000, seed=0)
    con = normalize(data.sources).con
    table = prepare_input(con)
    truth = data.truth.assign(unique_id=data.truth["source"] + ":" + data.truth["record_id"])
    con.register("truth", truth[["unique_id", "child_id"]])
    table = add_block_keys(con, DEFAULT_BLOCKING_RULES, table, "keyed")
    any_rule = " OR ".join(f"({rule.sql()})" for rule in DEFAULT_BLOCKING_RULES)
    # Splink pairs each record with every later one (by unique_id) and applies the rule as written.
    pairs = con.execute(
        f"""WITH m AS (SELECT i.*, t.child_id FROM {table} i JOIN truth t USING (unique_id))
            SELECT l.unique_id AS l, r.unique_id AS r, coalesce({any_rule}, FALSE) AS kept
            FROM m l JOIN m r ON l.child_id = r.child_id AND l.unique_id < r.unique_id"""
    ).df()
    true_pairs, kept = len(pairs), int(pairs["kept"].sum())
    assert true_pairs > 10_000
    assert kept / true_pairs >= 0.99, f"{true_pairs - kept} of {true_pairs} true pairs lost"
    ids = pd.Index(pd.unique(pd.concat([pairs["l"], pairs["r"]])))
    left, right = ids.get_indexer(pairs["l"]), ids.get_indexer(pairs["r"])
    labels = _components(len(ids), left[pairs["kept"]], right[pairs["kept"]])
    connected = (labels[left] == labels[right]).mean()
    assert connected >= 0.998, f"{(1 - connected) * true_pairs:.0f} true pairs not even connected"


def _candidates_of(sources, left: str, right: str) -> Callable[[Sequence[BlockingRule]], bool]:
    """Whether records ``left`` and ``right`` of ``sources`` are candidates by a list of rules
    (the default rules' blocks cut on all the records, each rule's SQL as Splink reads it)."""
    con = normalize(sources).con
    table = add_block_keys(con, DEFAULT_BLOCKING_RULES, prepare_input(con), "keyed")

    def candidates(rules: Sequence[BlockingRule]) -> bool:
        any_rule = " OR ".join(f"coalesce({rule.sql()}, FALSE)" for rule in rules)
        return con.execute(
            f"SELECT {any_rule} FROM {table} l, {table} r WHERE l.unique_id = ? AND r.unique_id = ?",
            [left, right],
        ).fetchall()[0][0]

    return candidates


def test_a_record_with_every_name_garbled_is_still_a_candidate_by_birth_date_and_journey():
    """One child's HHS record with a typo at the start of every name, the surnames run together
    and no A-number: no name rule finds its CBP record, but the birth date, country, sex and the
    week of the transfer agree, and the rule on those makes the pair a candidate."""
    data = generate(150, seed=1)
    cbp, hhs, truth = data.sources["cbp"], data.sources["hhs"].copy(), data.truth
    both = truth[truth["source"].isin(["cbp", "hhs"])].drop_duplicates(["child_id", "source"])
    child = both.groupby("child_id").filter(lambda g: len(g) == 2)["child_id"].iloc[0]
    ids = both[both["child_id"] == child].set_index("source")["record_id"]
    seen = cbp[cbp["record_id"] == ids["cbp"]].iloc[0]
    row = hhs["record_id"] == ids["hhs"]

    def typed(name: str) -> str:  # the first two letters of each name swapped: LUIS -> ULIS
        return " ".join(t[1] + t[0] + t[2:] if len(t) > 2 else t for t in name.split())

    hhs.loc[row, "first_name"] = typed(seen["first_name"])
    hhs.loc[row, "last_name"] = typed(seen["last_name"]).replace(" ", "")  # run together
    hhs.loc[row, "a_number"] = None
    # the birth date, sex and country agree; handed over on the day of the apprehension
    for column in ("dob", "sex", "country", "event_date"):
        hhs.loc[row, column] = seen[column]
    candidates = _candidates_of(
        {**data.sources, "hhs": hhs}, f"cbp:{ids['cbp']}", f"hhs:{ids['hhs']}"
    )
    assert candidates(DEFAULT_BLOCKING_RULES)
    by_names = [r for r in DEFAULT_BLOCKING_RULES if "country and sex" not in r.name]
    assert not candidates(by_names), "the test needs a pair that only the rule on journeys finds"


def test_a_record_with_its_given_name_and_birth_date_garbled_is_a_candidate_by_its_surname():
    """One child's HHS record with a letter slipped into its given name (MIGUEL -> MIXGUEL), a
    1 January of the year before as its birth date (an age determination) and no A-number: no
    rule on given names or birth dates finds its CBP record, but the surname's first sounds, the
    given initial, the country and the week of the transfer agree, and the rule on those makes
    the pair a candidate."""
    data = generate(150, seed=1)
    cbp, hhs, truth = data.sources["cbp"], data.sources["hhs"].copy(), data.truth
    both = truth[truth["source"].isin(["cbp", "hhs"])].drop_duplicates(["child_id", "source"])
    pairs = both.groupby("child_id").filter(lambda g: len(g) == 2)
    ids = pairs.pivot(index="child_id", columns="source", values="record_id")
    seen = cbp.set_index("record_id").loc[ids["cbp"]]
    usable = seen["first_name"].str.len().ge(4) & seen["dob"].notna() & seen["last_name"].notna()
    cbp_id = seen.index[usable.to_numpy()][0]
    hhs_id = ids.loc[ids["cbp"] == cbp_id, "hhs"].iloc[0]
    seen = seen.loc[cbp_id]
    row = hhs["record_id"] == hhs_id
    first = seen["first_name"].split()[0]
    hhs.loc[row, "first_name"] = first[:2] + "X" + first[2:]  # MIGUEL -> MIXGUEL
    hhs.loc[row, "dob"] = f"{pd.Timestamp(seen['dob']).year - 1}-01-01"
    hhs.loc[row, "a_number"] = None
    for column in ("last_name", "sex", "country", "event_date"):
        hhs.loc[row, column] = seen[column]
    candidates = _candidates_of({**data.sources, "hhs": hhs}, f"cbp:{cbp_id}", f"hhs:{hhs_id}")
    assert candidates(DEFAULT_BLOCKING_RULES)
    others = [r for r in DEFAULT_BLOCKING_RULES if "surname's first sounds" not in r.name]
    assert len(others) == len(DEFAULT_BLOCKING_RULES) - 1
    assert not candidates(others), "the test needs a pair that only the rule on surnames finds"


# -- blocks bounded by their size -------------------------------------------------------------


def _crowd(con, name: str = "crowd", *, seed: int = 0) -> str:
    """A table of 1,510 records: 1,500 namesakes born the same day (one block of the rule below,
    split by given initial and country into blocks of about 125, still too big: windowed), and
    10 records of a family of their own (a small block, kept whole)."""
    rng = np.random.default_rng(seed)
    n = 1_500
    frame = pd.DataFrame(
        {
            "unique_id": [f"c:{i:05d}" for i in range(n)] + [f"f:{i:02d}" for i in range(10)],
            "surname": ["LOPEZ"] * n + ["ZZ"] * 10,
            "dob": pd.to_datetime(
                ["2006-01-01"] * n + list(pd.date_range("2005-01-01", periods=10))
            ),
            "given_initial": list(rng.choice(list("ABCJ"), n)) + ["M"] * 10,
            "country": list(rng.choice(["GT", "HN", "SV"], n)) + ["GT"] * 10,
            "name_phon_key": [f"K{i % 97}" for i in range(n)] + ["F"] * 10,
        }
    )
    frame.loc[3, "surname"] = None  # no block at all
    con.register(f"{name}_frame", frame)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_frame")
    return name


_BOUNDED = BlockingRule(
    name="same surname", columns=("surname",), max_block=20, refine=("given_initial", "country")
)


def _candidates(con, table: str, rule: BlockingRule) -> pd.DataFrame:
    """The pairs the rule forms, as Splink forms them (the rule's SQL, smaller id on the left)."""
    return con.execute(
        f"SELECT l.unique_id AS l, r.unique_id AS r FROM {table} l JOIN {table} r "
        f"ON {rule.sql()} WHERE l.unique_id < r.unique_id"
    ).df()


def test_a_bounded_rule_gives_no_record_more_than_max_block_candidates():
    con = duckdb.connect()
    keyed = add_block_keys(con, [_BOUNDED], _crowd(con), "keyed")
    pairs = _candidates(con, keyed, _BOUNDED)
    per_record = pd.concat([pairs["l"], pairs["r"]]).value_counts()
    assert per_record.max() <= _BOUNDED.max_block
    # unbounded, each of the 1,500 namesakes would have 1,499 candidates
    assert len(pairs) < 1_500 * 20
    # the small family is whole: all 45 of its pairs
    family = pairs[pairs["l"].str.startswith("f:") & pairs["r"].str.startswith("f:")]
    assert (
        len(family) == 45
        and not pairs["l"].str.startswith("f:").ne(pairs["r"].str.startswith("f:")).any()
    )
    # the record without a surname is in no pair
    assert "c:00003" not in set(per_record.index)
    # windowed pairs agree on the refine columns: a split block never mixes initials
    frame = con.execute(f"SELECT unique_id, given_initial, country FROM {keyed}").df()
    frame = frame.set_index("unique_id")
    crowd = pairs[pairs["l"].str.startswith("c:")]
    assert (
        frame.loc[crowd["l"], "given_initial"].to_numpy()
        == frame.loc[crowd["r"], "given_initial"].to_numpy()
    ).all()
    # and the count checked before predicting is exactly the pairs formed
    counted = count_comparisons(con, "crowd", [_BOUNDED])
    assert int(counted["comparisons"].iloc[0]) == len(pairs)
    # read from the keys table beside the keyed view, or from a plain copy of the view: the same
    con.execute(f"CREATE TABLE keyed_copy AS SELECT * FROM {keyed}")
    for source in (keyed, "keyed_copy"):
        again = count_comparisons(con, source, [_BOUNDED])
        assert again.equals(counted), source


def test_a_block_within_max_block_is_not_split():
    con = duckdb.connect()
    table = _crowd(con)
    roomy = BlockingRule(
        name="same surname", columns=("surname",), max_block=2_000, refine=("given_initial",)
    )
    keyed = add_block_keys(con, [roomy], table, "keyed")
    plain = BlockingRule(name="same surname", columns=("surname",))
    assert len(_candidates(con, keyed, roomy)) == len(_candidates(con, table, plain))
    assert len(_candidates(con, table, plain)) == 1_499 * 1_498 // 2 + 45


def test_block_keys_do_not_depend_on_the_order_of_the_rows():
    """The same records in another order get the same blocks (a store's update and a full run
    cut alike)."""
    con = duckdb.connect()
    table = _crowd(con)
    con.execute("CREATE TABLE shuffled AS SELECT * FROM crowd ORDER BY hash(unique_id || 'x')")
    columns = ", ".join(["unique_id", *_BOUNDED.key_columns])
    one = con.execute(
        f"SELECT {columns} FROM {add_block_keys(con, [_BOUNDED], table, 'k1')} ORDER BY 1"
    ).df()
    two = con.execute(
        f"SELECT {columns} FROM {add_block_keys(con, [_BOUNDED], 'shuffled', 'k2')} ORDER BY 1"
    ).df()
    pd.testing.assert_frame_equal(one, two)


def test_a_bounded_crossed_rule_is_refined_and_counted_from_above():
    con = duckdb.connect()
    table = _crowd(con)
    con.execute("UPDATE crowd SET name_phon_key = 'LOPEZ' WHERE unique_id LIKE 'c:%'")
    crossed = BlockingRule(
        name="surname as name key",
        columns=("surname",),
        right_columns=("name_phon_key",),
        max_block=20,
        refine=("given_initial", "country"),
    )
    keyed = add_block_keys(con, [crossed], table, "keyed")
    pairs = con.execute(
        f"SELECT l.unique_id AS l, r.unique_id AS r FROM {keyed} l JOIN {keyed} r "
        f"ON {crossed.sql()} WHERE l.unique_id <> r.unique_id"
    ).df()
    # every surname LOPEZ against every name key LOPEZ, unbounded; refined by the 4 initials and
    # 3 countries, about a twelfth (a crossed rule is refined, never windowed: docs/linking.md)
    unbounded = 1_499 * 1_500
    assert 0 < len(pairs) < unbounded / 8
    assert int(count_comparisons(con, table, [crossed])["comparisons"].iloc[0]) >= len(pairs)


def test_cutting_again_only_the_blocks_an_update_touches_gives_the_keys_of_a_whole_cut(small):
    """A store's update cuts again only the blocks its added and revised records fall in; every
    record's keys are those a cut of all the records gives (blocks small enough to be split,
    windowed and crossed at this size)."""
    con, table = small
    rules = [
        replace(rule, max_block=3) if rule.bounded else rule for rule in DEFAULT_BLOCKING_RULES
    ]
    frame = con.execute(f"SELECT * FROM {table} ORDER BY unique_id").df()
    rng = np.random.default_rng(3)
    order = rng.permutation(len(frame))
    before, added = frame.iloc[order[:450]], frame.iloc[order[450:]]
    # a revision moves a record into another's blocks: every field but its id from a random one
    revised = before.sample(20, random_state=4)
    moved = frame.sample(20, random_state=5).assign(unique_id=revised["unique_id"].to_numpy())
    after = pd.concat([before[~before["unique_id"].isin(revised["unique_id"])], moved, added])
    changed = pd.concat([added, moved, revised])
    for name, part in (("before_t", before), ("after_t", after), ("changed_t", changed)):
        con.register(f"{name}_frame", part)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_frame")
    add_block_keys(con, rules, "before_t", "k_before")
    add_block_keys(
        con, rules, "after_t", "k_again", since=("k_before_keys", "SELECT * FROM changed_t")
    )
    add_block_keys(con, rules, "after_t", "k_whole")
    again = con.execute("SELECT * FROM k_again_keys ORDER BY unique_id").df()
    whole = con.execute("SELECT * FROM k_whole_keys ORDER BY unique_id").df()
    pd.testing.assert_frame_equal(again, whole)
    assert len(whole) == len(after)
    # the blocks really were split (positions and refinements), and not every record was cut
    positions = [c for c in whole.columns if c.endswith("_pos")]
    assert (whole[positions] > 0).any().any()
    # the records listed as moved are those whose keys differ from before, and the changed ones
    # (what the store compares and writes back): not every record of a block cut again
    keys_before = con.execute("SELECT * FROM k_before_keys ORDER BY unique_id").df()
    joined = whole.merge(keys_before, on="unique_id", how="left", suffixes=("", "_was"))
    key_columns = [c for c in whole.columns if c != "unique_id"]
    differs = pd.Series(False, index=joined.index)
    for column in key_columns:
        now, was = joined[column], joined[f"{column}_was"]
        differs |= ~((now == was) | (now.isna() & was.isna()))
    expected = set(joined.loc[differs, "unique_id"]) | set(changed["unique_id"])
    moved = {r[0] for r in con.execute("SELECT unique_id FROM k_again_moved").fetchall()}
    assert moved == expected
    assert len(changed["unique_id"].unique()) < len(moved) < len(after)


def test_a_model_saved_before_blocks_were_bounded_predicts_unbounded():
    from linkage.model import Model

    model = Model(settings={"comparisons": []})
    saved = model.to_dict()
    assert any(r["max_block"] for r in saved["blocking_rules"])
    again = Model.from_dict(saved)
    assert again.blocking_rules == model.blocking_rules
    for rule in saved["blocking_rules"]:
        del rule["max_block"], rule["refine"]
    old = Model.from_dict(saved)
    assert not any(rule.bounded for rule in old.blocking_rules)
    assert [r.columns for r in old.blocking_rules] == [r.columns for r in model.blocking_rules]


def test_block_keys_belong_to_their_records_on_a_table_read_in_parallel():
    """330,000 records (read in parallel, in any order the connection allows): every key still
    sits on a record with the rule's values (the per-rule parts are put side by side by
    position, so a part out of order would mix records' keys)."""
    con = duckdb.connect()
    con.execute(
        """CREATE TABLE big AS SELECT 'r' || i AS unique_id,
               ['LOPEZ', 'PEREZ', 'DIAZ', 'CRUZ'][1 + i % 4] || (i % 3000 // 4) AS surname,
               DATE '2000-01-01' + (i % 97)::INTEGER AS dob,
               chr((65 + i % 7)::INTEGER) AS given_initial, ['GT', 'HN', 'SV'][1 + i % 3] AS country,
               'K' || (i % 11) AS name_phon_key
           FROM range(300000) t(i)"""
    )
    # and 30,000 in 100 blocks of 300 that no refine column splits: sorted neighbourhoods
    con.execute(
        """INSERT INTO big SELECT 's' || i, 'SAME' || (i % 100), DATE '2001-01-01' + (i % 5)::INTEGER,
               'A', 'GT', 'K' || (i % 13) FROM range(30000) t(i)"""
    )
    with any_row_order(con):
        keyed = add_block_keys(con, [_BOUNDED], "big", "keyed")
        mixed = con.execute(
            f"""SELECT count(*) FROM (SELECT {_BOUNDED.key} FROM {keyed}
                GROUP BY 1 HAVING count(DISTINCT (surname, given_initial)) > 1)"""
        ).fetchall()[0][0]
        bad_positions = con.execute(
            f"""SELECT count(*) FROM (SELECT {_BOUNDED.key}, count(*) AS n,
                    count(DISTINCT {_BOUNDED.key}_pos) AS positions, max({_BOUNDED.key}_pos) AS top
                FROM {keyed} GROUP BY 1) WHERE top > 0 AND (positions <> n OR top <> n)"""
        ).fetchall()[0][0]
        # blocks of 100 records (surname) cut by initial (about 14): whole, positions 0
        whole = con.execute(
            f"SELECT count(*) FILTER (WHERE {_BOUNDED.key}_pos = 0) FROM {keyed}"
        ).fetchall()[0][0]
    assert mixed == 0 and bad_positions == 0
    assert whole == 300_000  # the 30,000 others are windowed
