"""The linkage store: monthly updates, ids that last, change logs, all-or-nothing writes."""

from __future__ import annotations

import dataclasses
import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import linkage
from linkage import synthetic
from linkage.cli import main
from linkage.model import predict
from linkage.store import Store
from linkage.store._ids import assign_ids, new_id

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data() -> synthetic.SyntheticData:
    return synthetic.generate(500, seed=11)


def split(sources: dict[str, pd.DataFrame], parts: int, seed: int) -> list[dict[str, pd.DataFrame]]:
    """The records dealt at random into ``parts`` extracts (each record in exactly one); the
    first holds about half (a store starts from enough records to train a model on)."""
    rng = np.random.default_rng(seed)
    out: list[dict[str, pd.DataFrame]] = [{} for _ in range(parts)]
    for name, frame in sources.items():
        later = rng.integers(1, parts, len(frame))
        which = np.where(rng.random(len(frame)) < 0.5, 0, later)
        for k in range(parts):
            out[k][name] = frame[which == k].reset_index(drop=True)
    return out


def pairwise_f1(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """Pairwise F1 of clustering ``a`` against ``b`` (both ``source, record_id, identity_id``)."""
    m = a.merge(b, on=["source", "record_id"], suffixes=("_a", "_b"))
    assert len(m) == len(a) == len(b)

    def pairs(column: str) -> set[tuple[int, int]]:
        out: set[tuple[int, int]] = set()
        for rows in m.groupby(column).indices.values():
            rows = sorted(rows)
            out |= {(x, y) for i, x in enumerate(rows) for y in rows[i + 1 :]}
        return out

    pa, pb = pairs("identity_id_a"), pairs("identity_id_b")
    return 1.0 if not pa and not pb else 2 * len(pa & pb) / (len(pa) + len(pb))


# -- the id rules -----------------------------------------------------------------------------


def _assign(rows: list[tuple[str, str, str | None, int]], created: dict[str, int], taken=()):
    frame = pd.DataFrame(rows, columns=["unique_id", "cluster", "old_id", "first_seen"])
    return assign_ids(
        frame,
        created_in=pd.Series(created, dtype="int64"),
        update_id=9,
        is_taken=lambda ids: set(ids) & set(taken),
    )


def test_an_identity_keeps_its_id_as_it_grows() -> None:
    out = _assign([("a", "k", "ID-a", 1), ("b", "k", "ID-a", 2), ("n", "k", None, 9)], {"ID-a": 1})
    assert set(out.records["identity_id"]) == {"ID-a"}
    assert out.events[["identity_id", "event", "n_records"]].values.tolist() == [
        ["ID-a", "grown", 1]
    ]
    assert out.created.empty and out.merged.empty


def test_a_merge_keeps_the_oldest_id_and_records_the_other() -> None:
    out = _assign(
        [("a", "k", "ID-young", 5), ("b", "k", "ID-old", 5), ("n", "k", None, 9)],
        {"ID-young": 5, "ID-old": 2},
    )
    assert set(out.records["identity_id"]) == {"ID-old"}
    assert out.merged.values.tolist() == [["ID-young", "ID-old"]]
    events = set(map(tuple, out.events[["identity_id", "event", "related_id"]].values.tolist()))
    assert {("ID-young", "merged_into", "ID-old"), ("ID-old", "absorbed", "ID-young")} <= events


def test_a_split_leaves_the_id_with_the_part_holding_its_oldest_record() -> None:
    out = _assign(
        [("a", "k1", "ID-a", 1), ("b", "k2", "ID-a", 3), ("c", "k2", "ID-a", 4)], {"ID-a": 1}
    )
    ids = dict(zip(out.records["unique_id"], out.records["identity_id"], strict=True))
    assert ids["a"] == "ID-a"
    assert ids["b"] == ids["c"] != "ID-a"
    assert out.created.values.tolist() == [[ids["b"], "ID-a"]]


def test_an_id_is_never_reused() -> None:
    taken = {new_id("x")}
    out = _assign([("x", "k", None, 9)], {}, taken=taken)
    assert out.records["identity_id"].iloc[0] not in taken
    assert out.records["identity_id"].iloc[0] == new_id("x", 1)


# -- the store end to end ---------------------------------------------------------------------


def test_run_with_a_store_gives_the_run_s_identities(data, tmp_path) -> None:
    plain = linkage.run(data.sources, out_dir=tmp_path / "plain", quiet=True)
    stored = linkage.run(data.sources, out_dir=tmp_path / "out", store=tmp_path / "s.duckdb")
    assert pairwise_f1(plain.clusters(), stored.clusters()) == 1.0
    assert stored.status_counts() == plain.status_counts()
    assert (tmp_path / "out" / "changes.csv").is_file()
    stored.result.con.close()  # the store stays open while the run's report reads it
    with Store.open(tmp_path / "s.duckdb") as store:
        assert len(store.identities()) == len(plain.identities)
        assert set(store.clusters()["identity_id"]) == set(store.identities()["identity_id"])


def test_updates_keep_ids_and_log_every_change(data, tmp_path) -> None:
    first, second = split(data.sources, 2, seed=1)
    with Store.create(tmp_path / "s.duckdb") as store:
        store.update(first)
        before = store.clusters()
        report = store.update(second)
        after = store.clusters()
        changes = report.changes
        assert changes is not None
        # Every record of the second extract is logged as added, with the identity it joined.
        added = changes[changes["change"] == "record_added"]
        assert len(added) == sum(len(f) for f in second.values())
        joined = after.merge(added, on=["source", "record_id"])
        assert (joined["identity_id_x"] == joined["identity_id_y"]).all()
        # Every old id lives on: as itself, or merged into a live id.
        live = set(after["identity_id"])
        for old in set(before["identity_id"]):
            assert store.resolve(old)[0] in live
        merged = changes[changes["change"] == "identity_merged"]
        for row in merged.itertuples():
            assert row.identity_id not in live
            assert store.resolve(row.identity_id)[0] == row.related_id
            assert "merged_into" in set(store.history(row.identity_id)["event"])
        # Status changes name the status before and the one reported now.
        moved = changes[changes["change"] == "status_changed"].set_index("identity_id")
        now = report.identities.set_index("identity_id")["status"]
        assert (moved["after"] == now[moved.index]).all()
        assert (moved["before"] != moved["after"]).all()
        # Records already in the store with the same fields change nothing.
        again = store.update(second)
        assert again.changes is not None
        assert not (again.changes["change"] == "record_added").any()
        assert store.clusters().equals(after)
        assert store.updates()["records_unchanged"].tolist()[-1] == len(added)


def test_a_revised_record_replaces_the_earlier_one_which_is_kept(data, tmp_path) -> None:
    with Store.create(tmp_path / "s.duckdb") as store:
        store.update(data.sources)
        hhs = data.sources["hhs"].head(3).copy()
        hhs["last_name"] = ["ZZTOP", "ZZTOP", "ZZTOP"]
        report = store.update({"hhs": hhs})
        assert report.changes is not None
        revised = report.changes[report.changes["change"] == "record_revised"]
        assert sorted(revised["record_id"]) == sorted(hhs["record_id"])
        history = store.con.execute(
            "SELECT record_id, last_name FROM linkage_store.records_history"
        ).df()
        assert sorted(history["record_id"]) == sorted(hhs["record_id"])
        assert "ZZTOP" not in set(history["last_name"])
        now = store.con.execute(
            "SELECT last_name FROM linkage_store.records WHERE source = 'hhs' AND record_id IN "
            "(SELECT unnest(?))",
            [hhs["record_id"].tolist()],
        ).df()
        assert set(now["last_name"]) == {"ZZTOP"}


@pytest.fixture(scope="module")
def larger() -> synthetic.SyntheticData:
    """Enough children that one identity is far less than 0.1% of the pairs."""
    return synthetic.generate(1_500, seed=12)


@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(parts=st.integers(2, 5), seed=st.integers(0, 10_000))
def test_monthly_updates_give_the_answer_of_one_full_run(
    larger, tmp_path_factory, parts, seed
) -> None:
    path = tmp_path_factory.mktemp("store") / "s.duckdb"
    with Store.create(path) as store:
        for extract in split(larger.sources, parts, seed):
            store.update(extract)
        model = store.model
        incremental = store.clusters()
    full = linkage.link(larger.sources, model=model, quiet=True).clusters()
    assert pairwise_f1(incremental, full[["source", "record_id", "identity_id"]]) >= 0.999


def _together(clusters: pd.DataFrame) -> set[tuple[str, str]]:
    """Every pair of records (``source:record_id``) of one identity."""
    ids = clusters["source"] + ":" + clusters["record_id"]
    out: set[tuple[str, str]] = set()
    for members in ids.groupby(clusters["identity_id"]).agg(sorted):
        out.update((a, b) for i, a in enumerate(members) for b in members[i + 1 :])
    return out


def test_updates_join_the_identities_of_complementary_agencies_a_full_run_joins(tmp_path) -> None:
    """The records that a full run puts in one identity only by joining two identities of
    complementary agencies (clustering.join_complementary) are in one identity after monthly
    updates too: an update clusters again the identities paired with its records below the
    match threshold, not only those linked. (Every habit of the data at three times its rate,
    and a strict match threshold, 0.99, break many journeys in two, for the join to put
    together again.)"""
    defaults = synthetic.Rates()
    habits = {
        f.name: min(1.0, 3 * getattr(defaults, f.name))
        for f in dataclasses.fields(synthetic.Rates)
        if f.metadata.get("kind") in ("habit", "corruption")
    }
    data = synthetic.generate(1_500, seed=12, rates=synthetic.Rates(**habits)).sources
    trained = linkage.link(data, quiet=True).model
    model = dataclasses.replace(
        trained, thresholds=dataclasses.replace(trained.thresholds, match_probability=0.99)
    )
    path = tmp_path / "s.duckdb"
    with Store.create(path, model=model) as store:
        for extract in split(data, 3, seed=5):
            store.update(extract)
        incremental = _together(store.clusters())
    joined = _together(linkage.link(data, model=model, quiet=True).clusters())
    alone = dataclasses.replace(
        model, thresholds=dataclasses.replace(model.thresholds, complementary_probability=0)
    )
    without = _together(linkage.link(data, model=alone, quiet=True).clusters())
    by_the_join = joined - without
    assert len(by_the_join) >= 10
    assert len(by_the_join - incremental) <= len(by_the_join) // 20


def test_updates_with_blocks_bounded_by_size_score_the_full_run_s_pairs(
    larger, tmp_path, caplog
) -> None:
    """With blocks bounded at 4 records, the blocks of a growing store split update after update,
    and revised records leave theirs; every pair that a full scoring of the store's records
    keeps is scored in the store too (stored records that a revision brings together in a
    block are scored again), and the identities are those of a full run."""
    trained = linkage.link(larger.sources, quiet=True).model
    rules = tuple(
        dataclasses.replace(rule, max_block=4) if rule.bounded else rule
        for rule in trained.blocking_rules
    )
    model = dataclasses.replace(trained, blocking_rules=rules)
    # then revisions: every 10th CBP record's surname changed (it leaves its blocks, and its
    # neighbours in a sorted neighbourhood come closer), every 10th HHS record's back again
    extracts = split(larger.sources, 4, seed=3)
    cbp = larger.sources["cbp"].iloc[::10].copy()
    cbp["last_name"] = "QUETZAL"
    hhs = larger.sources["hhs"].iloc[::10].copy()
    hhs["last_name"] = "QUETZAL"
    extracts += [{"cbp": cbp, "hhs": hhs}, {"hhs": larger.sources["hhs"].iloc[::10]}]
    path = tmp_path / "s.duckdb"
    with caplog.at_level(logging.INFO, logger="linkage"), Store.create(path, model=model) as store:
        for extract in extracts:
            store.update(extract)
        incremental = store.clusters()
    # the pairs a full scoring of the same model input keeps (a few records are normalised
    # a little differently in a batch of their own: the same input isolates the blocking)
    con = duckdb.connect()
    con.execute(f"ATTACH '{path}' AS s (READ_ONLY)")
    con.execute("CREATE TABLE input AS SELECT * FROM s.model_input")
    stored = con.execute("SELECT unique_id_l, unique_id_r FROM s.pairs").df()
    predict(model, con, input_table="input")
    scored = con.execute(f"SELECT unique_id_l, unique_id_r FROM {linkage.tables.PAIRS}").df()
    missing = scored.merge(stored, how="left", indicator=True).query("_merge == 'left_only'")
    assert len(scored) > 1_000
    assert len(missing) == 0, f"{len(missing)} of {len(scored)} pairs of a full run not scored"
    assert not stored.duplicated().any()
    final = {**larger.sources, "cbp": pd.concat([larger.sources["cbp"].drop(cbp.index), cbp])}
    full = linkage.link(final, model=model, quiet=True).clusters()
    assert pairwise_f1(incremental, full[["source", "record_id", "identity_id"]]) >= 0.999
    assert "stored records whose blocks the update changed" in caplog.text
    # the pairs of re-blocked records that were candidates before were not scored again
    assert "candidate pairs scored before left out" in caplog.text


# -- safety -----------------------------------------------------------------------------------


def _snapshot(path: Path) -> dict[str, object]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("records", "clusters", "identities", "identity_ids", "updates", "pairs")
        }
    finally:
        con.close()


def test_an_update_that_fails_half_way_leaves_the_store_as_it_was(
    data, tmp_path, monkeypatch
) -> None:
    first, second = split(data.sources, 2, seed=2)
    path = tmp_path / "s.duckdb"
    with Store.create(path) as store:
        store.update(first)
    before = _snapshot(path)

    import linkage.store._commit as commit

    def crash(con):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(commit, "_registry", lambda con, update_id: crash(con))
    with Store.open(path) as store, pytest.raises(OSError, match="simulated"):
        store.update(second)
    assert _snapshot(path) == before

    broken = {"cbp": second["cbp"].drop(columns=["record_id"])}
    with Store.open(path) as store, pytest.raises(linkage.InputError, match="record_id"):
        store.update(broken)
    assert _snapshot(path) == before


def test_a_second_writer_gets_a_clear_error(data, tmp_path) -> None:
    path = tmp_path / "s.duckdb"
    Store.create(path).close()
    holder = textwrap.dedent(
        f"""
        import sys, time
        from linkage.store import Store
        s = Store.open({str(path)!r})
        print("open", flush=True)
        sys.stdin.readline()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
        with pytest.raises(linkage.StoreError, match="another process|one writer"):
            Store.open(path)
    finally:
        proc.communicate("\n", timeout=60)
    Store.open(path).close()  # free again once the other writer is gone


def test_a_store_of_another_schema_version_is_refused_with_what_to_do(tmp_path) -> None:
    path = tmp_path / "s.duckdb"
    with Store.create(path) as store:
        store.con.execute("UPDATE linkage_store.meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(linkage.StoreError, match="schema version 99.*Fix"):
        Store.open(path)
    with pytest.raises(linkage.StoreError, match="no store"):
        Store.open(tmp_path / "missing.duckdb")


def test_the_command_line_runs_into_a_store_and_updates_it(data, tmp_path, capsys) -> None:
    first, second = split(data.sources, 2, seed=3)
    for name, extract in (("m1", first), ("m2", second)):
        (tmp_path / name).mkdir()
        for source, frame in extract.items():
            frame.to_csv(tmp_path / name / f"{source}.csv", index=False)
    store = str(tmp_path / "s.duckdb")
    assert (
        main(
            [
                "--quiet",
                "run",
                str(tmp_path / "m1"),
                "--store",
                store,
                "--out",
                str(tmp_path / "o1"),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "--quiet",
                "update",
                str(tmp_path / "m2"),
                "--store",
                store,
                "--out",
                str(tmp_path / "o2"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "changes: " in out and "record_added" in out
    changes = pd.read_csv(tmp_path / "o2" / "changes.csv")
    assert (changes["change"] == "record_added").sum() == sum(len(f) for f in second.values())
    page = (tmp_path / "o2" / "report.html").read_text(encoding="utf-8")
    assert "Changes in this update" in page
    clusters = pd.read_csv(tmp_path / "o2" / "clusters.csv")
    assert len(clusters) == sum(len(f) for f in data.sources.values())
    # A store that exists is not overwritten by run.
    assert (
        main(
            [
                "--quiet",
                "run",
                str(tmp_path / "m1"),
                "--store",
                store,
                "--out",
                str(tmp_path / "o3"),
            ]
        )
        == 6
    )


def test_statuses_kept_up_to_date_equal_statuses_computed_afresh(data, tmp_path) -> None:
    """The store recomputes only the identities an update touched; the result must be what a
    computation over every record gives."""
    with Store.create(tmp_path / "s.duckdb") as store:
        for extract in split(data.sources, 3, seed=5):
            report = store.update(extract)
        con = store.con
        afresh = linkage.identity_statuses(
            con, records="linkage_records", clusters="linkage_clusters"
        ).df()
        kept = store.identities()
        columns = list(afresh.columns)
        left = afresh.sort_values("identity_id").reset_index(drop=True)
        right = kept[columns].sort_values("identity_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(left, right, check_dtype=False)
        exact = con.execute(
            "SELECT status, count(*) FROM linkage_store.identities_exact GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        from linkage.handoff._sql import exact_join_clusters_sql, identities_sql

        recomputed = con.execute(
            f"WITH x AS ({exact_join_clusters_sql('linkage_records')}) "
            f"SELECT status, count(*) FROM ({identities_sql('linkage_records', 'x', review_threshold=0.95)}) "
            "GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        assert exact == recomputed
        assert report.versus_exact_join["exact_join"].sum() == sum(n for _, n in exact)


def test_a_court_record_that_arrives_later_finds_a_lost_child_again(data, tmp_path) -> None:
    without_court = {k: v for k, v in data.sources.items() if k != "eoir"}
    with Store.create(tmp_path / "s.duckdb") as store:
        store.update(without_court)
        identities = store.identities()
        lost = identities["status"].isin(linkage.schema.LOST_STATUSES)
        lost_before = set(identities.loc[lost, "identity_id"])
        report = store.update({"eoir": data.sources["eoir"]})
        assert report.changes is not None
        moved = report.changes[report.changes["change"] == "status_changed"]
        found = moved[moved["detail"] == "found again: was counted lost"]
        assert len(found) > 0
        assert set(found["before"]) <= set(linkage.schema.LOST_STATUSES)
        assert not set(found["after"]) & set(linkage.schema.LOST_STATUSES)
        assert set(found["identity_id"]) <= lost_before
        now = store.identities().set_index("identity_id")["status"]
        assert (now[found["identity_id"]].to_numpy() == found["after"].to_numpy()).all()


def test_retraining_links_everything_again_and_keeps_the_ids(data, tmp_path) -> None:
    with Store.create(tmp_path / "s.duckdb") as store:
        store.update(data.sources, seed=0)
        before = store.clusters()
        report = store.update({"cbp": data.sources["cbp"].head(0)}, retrain=True, seed=1)
        after = store.clusters()
        assert store.updates()["kind"].tolist() == ["run", "retrain"]
        assert store.updates()["retrained"].tolist() == [True, True]
        # Identities a retrained model leaves whole keep their ids.
        same = before.merge(after, on=["source", "record_id"])
        kept = (same["identity_id_x"] == same["identity_id_y"]).mean()
        assert kept > 0.95
        assert pairwise_f1(before, after) > 0.98
        assert set(report.identities["identity_id"]) == set(after["identity_id"])
