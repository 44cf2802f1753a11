"""link() end to end on synthetic children with known truth; the model file; explain_pair.

One linked result (3,000 children, trained without labels) is shared by the whole module.
"""

from __future__ import annotations

import dataclasses
import json
import math

import jellyfish
import pandas as pd
import pytest

from linkage import (
    LinkageError,
    ModelError,
    Thresholds,
    _training,
    evaluate,
    handoff_report,
    link,
    normalize,
)
from linkage import model as model_module
from linkage._random_pairs import estimate_u
from linkage.blocking import BlockingRule, add_block_keys, form_candidate_pairs, pairs_touching_sql
from linkage.comparisons import COMPARISON_NAMES
from linkage.model import Model, TrainingConfig, predict_blocked, prepare_input, train
from linkage.synthetic import generate
from linkage.tables import BLOCKED_INPUT, MODEL_INPUT, TRAIN_INPUT

N_CHILDREN = 3_000
#: Cheaper u estimation for the extra trainings of this module (the shared one uses the default).
QUICK = TrainingConfig(u_max_pairs=300_000)


@pytest.fixture(scope="module")
def data():
    return generate(N_CHILDREN, seed=0)


@pytest.fixture(scope="module")
def result(data):
    return link(data.sources, seed=0, quiet=True)


def _by_record(clusters: pd.DataFrame) -> pd.Series:
    return clusters.set_index(["source", "record_id"])["identity_id"].sort_index()


def _a_number_join(result) -> pd.DataFrame:
    """The plain baseline: records sharing a (normalised) A-number are one child."""
    records = result.records()
    identity = records["a_number"].where(records["a_number"].notna(), records["unique_id"])
    return pd.DataFrame(
        {"source": records["source"], "record_id": records["record_id"], "identity_id": identity}
    )


@pytest.mark.slow
def test_every_record_gets_exactly_one_identity(data, result):
    clusters = result.clusters()
    assert len(clusters) == data.n_records
    assert not clusters.duplicated(["source", "record_id"]).any()
    assert clusters["identity_id"].notna().all()
    assert result.rejects().empty


@pytest.mark.slow
def test_known_truth_pairwise_f1_is_high_and_beats_an_a_number_join(data, result):
    linked = evaluate(result.clusters(), data.truth)
    baseline = evaluate(_a_number_join(result), data.truth)
    assert linked.pairwise_f1 >= 0.985, linked
    assert linked.pairwise_precision >= 0.98 and linked.pairwise_recall >= 0.98, linked
    assert linked.pairwise_f1 > baseline.pairwise_f1 + 0.05, (linked, baseline)
    # identities are about as many as children (each child has about 3.8 records)
    assert abs(result.n_identities - N_CHILDREN) / N_CHILDREN < 0.05


@pytest.mark.slow
def test_a_saved_model_loads_and_links_to_identical_clusters(data, result, tmp_path):
    path = result.save_model(tmp_path / "model.json")
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["format"].startswith("linkage-model/")
    loaded = Model.load(path)
    assert loaded.to_dict() == result.model.to_dict()
    again = link(data.sources, model=loaded, quiet=True)
    assert _by_record(again.clusters()).equals(_by_record(result.clusters()))
    # a path works as well as a Model
    from_path = link(data.sources, model=str(path), quiet=True)
    assert _by_record(from_path.clusters()).equals(_by_record(result.clusters()))


@pytest.mark.parametrize(
    "content",
    [
        '{"comparisons": [], "link_type": "dedupe_only"}',  # a bare Splink settings file
        '["not", "a", "model"]',
        '{"format": "linkage-model/1"}',
        "this is not JSON",
    ],
)
def test_loading_something_that_is_not_a_model_raises_model_error(tmp_path, content):
    path = tmp_path / "not_a_model.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ModelError) as caught:
        Model.load(path)
    assert "not_a_model.json" in str(caught.value)
    assert isinstance(caught.value, LinkageError) and isinstance(caught.value, ValueError)


def test_loading_a_missing_model_file_raises_model_error(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        Model.load(tmp_path / "nowhere.json")


@pytest.mark.slow
def test_two_sources_alone_are_linked(data):
    subset = {source: data.sources[source] for source in ("cbp", "hhs")}
    result = link(subset, training=QUICK, quiet=True)
    truth = data.truth[data.truth["source"].isin(subset)]
    clusters = result.clusters()
    assert set(clusters["source"]) == {"cbp", "hhs"}
    assert len(clusters) == len(truth)
    scores = evaluate(clusters, truth)
    assert scores.pairwise_f1 >= 0.97, scores


@pytest.mark.slow
def test_sources_under_other_column_names_link_the_same_through_the_mapping(data, result):
    renamed, columns = {}, {}
    for source, frame in data.sources.items():
        mapping = {c: f"{source.upper()}_{c.upper()}" for c in frame.columns}
        renamed[source] = frame.rename(columns=mapping)
        columns[source] = {theirs: ours for ours, theirs in mapping.items()}
    again = link(renamed, columns=columns, model=result.model, quiet=True)
    assert _by_record(again.clusters()).equals(_by_record(result.clusters()))


def _clerical_labels(data, result, n: int = 200) -> pd.DataFrame:
    """``n`` true pairs and ``n`` false pairs among the scored candidates, as a reviewer would mark."""
    child = data.truth.assign(unique_id=data.truth["source"] + ":" + data.truth["record_id"])
    child = child.set_index("unique_id")["child_id"]
    pairs = result.pairs()[["unique_id_l", "unique_id_r"]]
    is_match = (
        child.loc[pairs["unique_id_l"]].to_numpy() == child.loc[pairs["unique_id_r"]].to_numpy()
    )
    pairs = pairs.assign(is_match=is_match)
    chosen = pd.concat(
        [
            pairs[pairs["is_match"]].sample(n, random_state=0),
            pairs[~pairs["is_match"]].sample(n, random_state=0),
        ]
    )
    left = chosen["unique_id_l"].str.split(":", n=1, expand=True)
    right = chosen["unique_id_r"].str.split(":", n=1, expand=True)
    return pd.DataFrame(
        {
            "source_l": left[0],
            "record_id_l": left[1],
            "source_r": right[0],
            "record_id_r": right[1],
            "is_match": chosen["is_match"].astype(int),
        }
    ).reset_index(drop=True)


@pytest.mark.slow
def test_clerical_labels_are_used_in_training_and_recorded_in_the_model(data, result):
    labels = _clerical_labels(data, result)
    assert labels["is_match"].sum() == 200 and len(labels) == 400
    labelled = link(data.sources, labels=labels, training=QUICK, quiet=True)
    assert labelled.model.trained_on["labels"] == 400
    assert labelled.model.to_dict()["trained_on"]["labels"] == 400
    assert result.model.trained_on["labels"] == 0
    assert evaluate(labelled.clusters(), data.truth).pairwise_f1 >= 0.98
    # the labels moved the m probabilities (u, from random pairs, is the same without them)
    unlabelled = train(labelled.con, config=QUICK).match_weights()
    weights = labelled.model.match_weights()
    assert (weights["u_probability"] - unlabelled["u_probability"]).abs().max() < 1e-12
    assert (weights["m_probability"] - unlabelled["m_probability"]).abs().max() > 0.01


@pytest.mark.slow
@pytest.mark.parametrize("which", ["strongest", "weakest link", "below threshold"])
def test_explain_pair_adds_up_to_the_pairs_match_weight(result, which):
    pairs = result.pairs()
    threshold = result.model.threshold_match_probability
    if which == "strongest":
        pair = pairs.iloc[0]
    elif which == "weakest link":
        pair = pairs[pairs["match_probability"] >= threshold].iloc[-1]
    else:
        pair = pairs[pairs["match_probability"] < threshold].iloc[0]
    explained = result.explain_pair(pair["unique_id_l"], pair["unique_id_r"])
    assert explained["comparison"].tolist() == ["prior", *COMPARISON_NAMES, "final"]
    final = explained.iloc[-1]
    assert final["match_weight"] == pytest.approx(pair["match_weight"], abs=1e-6)
    assert explained["match_weight"].iloc[:-1].sum() == pytest.approx(
        final["match_weight"], abs=1e-9
    )
    assert explained["cumulative_match_weight"].iloc[-2] == pytest.approx(final["match_weight"])
    assert f"{pair['match_probability']:.4f}" in final["level"]
    # each comparison's row names a level of that comparison
    levels = dict(zip(explained["comparison"], explained["level"], strict=True))
    for name, labels in _level_labels(result).items():
        assert levels[name] in labels, name


def _level_labels(result) -> dict[str, list[str]]:
    return {
        c["output_column_name"]: [lv["label_for_charts"] for lv in c["comparison_levels"]]
        for c in result.model.settings["comparisons"]
    }


@pytest.mark.slow
def test_pairs_carry_the_weight_of_each_comparison(result):
    """pairs() holds one mw_<comparison> column per comparison; with the prior they sum to the
    pair's match weight, and explain_pair reports the same weights."""
    import math

    pairs = result.pairs()
    names = [c["output_column_name"] for c in result.model.settings["comparisons"]]
    prior = result.model.settings["probability_two_random_records_match"]
    prior_weight = math.log2(prior / (1 - prior))
    weights = pairs[[f"mw_{n}" for n in names]].sum(axis=1)
    tf = pairs[[c for c in pairs.columns if c.startswith("mw_tf_adj_")]].sum(axis=1)
    assert ((prior_weight + weights + tf - pairs["match_weight"]).abs() < 1e-6).all()
    pair = pairs.iloc[0]
    explained = result.explain_pair(pair["unique_id_l"], pair["unique_id_r"]).set_index(
        "comparison"
    )
    for n in names:
        expected = pair[f"mw_{n}"] + (pair.get(f"mw_tf_adj_{n}", 0.0) or 0.0)
        assert abs(explained.loc[n, "match_weight"] - expected) < 1e-6, n


@pytest.mark.slow
def test_explain_pair_names_a_missing_record(result):
    with pytest.raises(KeyError, match="cbp:NO-SUCH-RECORD"):
        result.explain_pair("cbp:NO-SUCH-RECORD", result.pairs()["unique_id_r"].iloc[0])


@pytest.mark.slow
def test_scoring_in_slices_gives_the_same_pairs_and_identities(data, result, monkeypatch):
    """At scale predict scores the candidate pairs in slices of records to bound memory; the
    slices must add up to exactly the pairs and identities of one pass."""
    monkeypatch.setattr(model_module, "PAIRS_PER_PREDICT_CHUNK", 20_000)  # several slices here
    sliced = link(data.sources, model=result.model, quiet=True)
    columns = ["unique_id_l", "unique_id_r", "match_probability"]
    one_pass = result.pairs()[columns].sort_values(columns[:2], ignore_index=True)
    in_slices = sliced.pairs()[columns].sort_values(columns[:2], ignore_index=True)
    assert len(in_slices) == len(one_pass) > 1000
    pd.testing.assert_frame_equal(in_slices, one_pass, check_exact=False, rtol=1e-9)
    assert _by_record(sliced.clusters()).equals(_by_record(result.clusters()))


def test_predict_scores_the_pairs_splinks_own_blocking_forms_with_splinks_weights(result):
    """predict forms the candidate pairs itself (on integer ids, each pair once) and has Splink
    score them: the pairs kept and their weights must be those of Splink blocking on the
    model's rules and scoring in one (the linker the result carries does that)."""
    columns = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
    splinks = result.linker.inference.predict(
        threshold_match_probability=result.model.thresholds.keep_pair_probability
    )
    own = result.con.execute(f"SELECT {', '.join(columns)} FROM {splinks.physical_name}").df()
    ours = result.pairs()[columns]
    assert len(ours) == len(own) > 1000
    pd.testing.assert_frame_equal(
        ours.sort_values(columns[:2], ignore_index=True),
        own.sort_values(columns[:2], ignore_index=True),
        check_exact=False,
        rtol=1e-9,
    )


def test_candidate_pairs_are_splinks_blocked_pairs_each_once(data, result):
    """The candidate pairs predict forms are exactly the pairs Splink's blocking forms from the
    same rules (none twice, the smaller unique id on the left), scored or not."""
    con = normalize(data.sources).con
    prepare_input(con)
    rules = result.model.blocking_rules
    keyed = add_block_keys(con, rules, MODEL_INPUT, BLOCKED_INPUT)
    con.execute(
        f"""CREATE TABLE ids AS SELECT unique_id,
        CAST(row_number() OVER (ORDER BY unique_id) AS INTEGER) AS uid FROM {keyed}"""
    )
    formed = form_candidate_pairs(con, rules, keyed, ids="ids", out="formed")
    ours = con.execute(
        """SELECT l.unique_id AS uid_l, r.unique_id AS uid_r FROM formed f
        JOIN ids l ON l.uid = f.join_key_l JOIN ids r ON r.uid = f.join_key_r"""
    ).df()
    settings = {
        **result.model.settings,
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule.sql(), "sql_dialect": "duckdb"} for rule in rules
        ],
    }
    linker = model_module._linker(con, keyed, settings, "duckdb", validate=False)
    blocked = linker.inference.compute_blocked_pairs_for_predict().physical_name
    splinks = con.execute(f"SELECT join_key_l AS uid_l, join_key_r AS uid_r FROM {blocked}").df()
    assert formed == len(ours) == len(splinks) > 10_000
    assert not ours.duplicated().any() and (ours["uid_l"] < ours["uid_r"]).all()
    pd.testing.assert_frame_equal(
        ours.sort_values(["uid_l", "uid_r"], ignore_index=True),
        splinks.sort_values(["uid_l", "uid_r"], ignore_index=True),
    )


def test_scoring_listed_pairs_gives_predict_s_pairs_and_weights(data, result):
    """A store's update scores the candidate pairs it lists itself (``predict_blocked``), with
    the records they name handed to Splink once; listing every candidate pair must give exactly
    the pairs and weights of a full predict."""
    con = normalize(data.sources).con
    prepare_input(con)
    rules = result.model.blocking_rules
    keyed = add_block_keys(con, rules, MODEL_INPUT, BLOCKED_INPUT)
    con.execute("CREATE TABLE listed AS " + pairs_touching_sql(rules, records=keyed, new=keyed))
    kept = predict_blocked(result.model, con, input_table=keyed, blocked="listed", out="scored")
    columns = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
    scored = con.execute(f"SELECT {', '.join(columns)} FROM scored").df()
    full = result.pairs()[columns]
    assert kept == len(scored) == len(full) > 1000
    pd.testing.assert_frame_equal(
        scored.sort_values(columns[:2], ignore_index=True),
        full.sort_values(columns[:2], ignore_index=True),
        check_exact=False,
        rtol=1e-9,
    )


@pytest.mark.slow
def test_the_models_blocking_rules_are_the_ones_scored(data, result):
    """A model whose rules were narrowed scores only the pairs those rules produce."""
    only_a_number = dataclasses.replace(
        result.model, blocking_rules=(BlockingRule(name="same A-number", columns=("a_number",)),)
    )
    narrowed = link(data.sources, model=only_a_number, quiet=True)
    pairs = narrowed.pairs()
    records = narrowed.records().set_index("unique_id")["a_number"]
    assert len(pairs) > 0
    assert (
        records.loc[pairs["unique_id_l"]].to_numpy() == records.loc[pairs["unique_id_r"]].to_numpy()
    ).all()
    assert narrowed.blocking["rule"].tolist() == ["same A-number"]
    assert len(pairs) < len(result.pairs())


# --- thresholds -------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_thresholds_are_saved_with_the_model_and_read_back(result, tmp_path):
    saved = json.loads(result.save_model(tmp_path / "m.json").read_text(encoding="utf-8"))
    assert saved["thresholds"] == Thresholds().to_dict()
    assert Model.load(tmp_path / "m.json").thresholds == Thresholds()
    # the comparisons' SQL carries the comparison thresholds the model was built with
    levels = [
        lv["sql_condition"]
        for c in saved["splink_settings"]["comparisons"]
        if c["output_column_name"] == "given_name"
        for lv in c["comparison_levels"]
    ]
    assert any(
        "jaro_winkler_similarity(given_name_1_l, given_name_1_r) >= 0.9" in s for s in levels
    )


@pytest.mark.slow
def test_a_model_saved_before_thresholds_were_saved_keeps_its_match_threshold(result, tmp_path):
    old = result.model.to_dict()
    del old["thresholds"]
    old["threshold_match_probability"] = 0.7
    model = Model.from_dict(old)
    assert model.thresholds == Thresholds(
        match_probability=0.7, single_link_probability=0.0, complementary_probability=0.0
    )
    assert model.threshold_match_probability == 0.7


@pytest.mark.slow
def test_a_model_saved_before_single_links_were_cut_clusters_as_it_did(result):
    old = result.model.to_dict()
    del old["thresholds"]["single_link_probability"]
    del old["thresholds"]["complementary_probability"]
    model = Model.from_dict(old)
    assert model.thresholds == Thresholds(
        single_link_probability=0.0, complementary_probability=0.0
    )
    again = Model.from_dict(result.model.to_dict()).thresholds
    assert (again.single_link_probability, again.complementary_probability) == (0.99, 0.1)


@pytest.mark.slow
def test_unknown_or_out_of_range_thresholds_are_refused(result):
    bad = result.model.to_dict()
    bad["thresholds"] = {**bad["thresholds"], "match_probabilty": 0.6}
    with pytest.raises(ModelError, match="match_probabilty"):
        Model.from_dict(bad)
    with pytest.raises(ValueError, match="match_probability must be within"):
        Thresholds(match_probability=1.5)
    with pytest.raises(ValueError, match="max_identity_records"):
        Thresholds(max_identity_records=1)


@pytest.mark.slow
def test_decision_thresholds_apply_to_a_trained_model_and_flag_more_for_review(data, result):
    strict = dataclasses.replace(
        result.model.thresholds, match_probability=0.99, review_probability=0.9999
    )
    again = link(data.sources, model=result.model, thresholds=strict, quiet=True)
    assert again.model.thresholds == strict
    assert again.n_identities > result.n_identities  # fewer links at 0.99
    weakest = again.clusters()["link_probability"].dropna()
    assert (weakest >= 0.99).all()
    report = handoff_report(again)
    assert report.review_threshold == 0.9999
    assert (
        report.identities["needs_review"].sum()
        > handoff_report(result).identities["needs_review"].sum()
    )


@pytest.mark.slow
def test_comparison_thresholds_cannot_change_on_a_trained_model(data, result):
    other = dataclasses.replace(result.model.thresholds, name_jaro_winkler=0.8)
    with pytest.raises(ModelError, match="name_jaro_winkler"):
        link(data.sources, model=result.model, thresholds=other, quiet=True)


@pytest.mark.slow
def test_training_builds_the_comparison_thresholds_into_the_model():
    loose = Thresholds(name_jaro_winkler=0.85, journey_near_days=90)
    con = normalize(generate(300, seed=2).sources).con
    prepare_input(con)
    model = train(con, thresholds=loose, config=TrainingConfig(u_max_pairs=50_000))
    assert model.thresholds == loose
    labels = {
        lv["comparison"] + ": " + str(lv["level"]) for _, lv in model.match_weights().iterrows()
    }
    assert "given_name: similar spelling (JW >= 0.85)" in labels
    assert "timeline: in journey order, within 90 days" in labels


@pytest.mark.slow
def test_the_prior_falls_with_the_number_of_records_scored(data, result):
    """A pair of records is less likely to be one child among more records: the model's prior,
    estimated on the records training read, is scaled to the records scored."""
    model = result.model
    small = {s: f.head(150) for s, f in data.sources.items()}
    few = link(small, model=model, quiet=True)
    prior = model.settings["probability_two_random_records_match"]
    trained = model.trained_on["records"]
    prior_row = few.explain_pair(*few.pairs().iloc[0][["unique_id_l", "unique_id_r"]])
    scored = len(few.records())
    odds = prior / (1 - prior) * (trained - 1) / (scored - 1)
    assert prior_row.loc[0, "comparison"] == "prior"
    assert prior_row.loc[0, "match_weight"] == pytest.approx(math.log2(odds), abs=1e-6)
    # the same two records score lower among all the records than among a few
    pairs_few = few.pairs().set_index(["unique_id_l", "unique_id_r"])["match_probability"]
    pairs_all = result.pairs().set_index(["unique_id_l", "unique_id_r"])["match_probability"]
    both = pairs_few.index.intersection(pairs_all.index)
    assert len(both) > 100
    uncertain = pairs_few[both][(pairs_few[both] > 0.05) & (pairs_few[both] < 0.95)]
    assert len(uncertain) > 0
    assert (pairs_all[uncertain.index] < uncertain).all()


@pytest.mark.slow
def test_different_a_numbers_weigh_as_often_as_the_data_show_them(data, result):
    """The A-number's m probabilities are those of the children's own records: how often two
    records of one child carry the same number, and numbers more than one digit apart. A training
    session blocked on the names' sounds once learned them from namesakes (in blocks of common
    names, different children look like matches): 'All other' came out at 0.10, three times
    the data's share, so a different A-number weighed far too little against a link."""
    records = result.records()[["source", "record_id", "a_number"]].dropna()
    held = records.merge(data.truth, on=["source", "record_id"])
    pairs = held.merge(held, on="child_id")
    pairs = pairs[
        pairs["source_x"] + pairs["record_id_x"] < pairs["source_y"] + pairs["record_id_y"]
    ]
    assert len(pairs) > 5_000
    equal = (pairs["a_number_x"] == pairs["a_number_y"]).mean()
    apart = pairs.apply(
        lambda p: jellyfish.levenshtein_distance(p["a_number_x"], p["a_number_y"]) > 1, axis=1
    ).mean()
    weights = result.model.match_weights()
    m = weights[weights["comparison"] == "a_number"].set_index("level")["m_probability"]
    assert m["exact"] == pytest.approx(equal, abs=0.04), (m, equal)
    assert 0 < apart < 0.1
    assert m["All other comparisons"] < 2 * apart, (m, apart)


def test_a_level_training_saw_no_matches_in_is_no_evidence_for_a_match():
    """m floored after training: a level EM saw no matches in keeps a little m, so that it is
    not a veto; but where the level is rarer than that among random pairs, the floor would
    make it strong evidence for a match (a surname swapped with a slip at +10 bits at 500,000
    children). Its floor is then its u: it weighs nothing."""
    levels = [
        {"label_for_charts": "equal", "m_probability": 0.95, "u_probability": 0.01},
        {"label_for_charts": "rare, unseen", "m_probability": 1e-9, "u_probability": 1e-6},
        {"label_for_charts": "rare, seen", "m_probability": 5e-4, "u_probability": 1e-6},
        {"label_for_charts": "never sampled", "m_probability": None, "u_probability": None},
        {"label_for_charts": "All other", "m_probability": 0.05, "u_probability": 0.99},
        {"label_for_charts": "common, unseen", "m_probability": 0.0, "u_probability": 0.3},
    ]
    settings = {"comparisons": [{"comparison_levels": [{"is_null_level": True}, *levels]}]}
    regular = _training.regularise(settings)["comparisons"][0]["comparison_levels"][1:]
    bits = {
        lv["label_for_charts"]: math.log2(lv["m_probability"] / lv["u_probability"])
        for lv in regular
    }
    assert abs(bits["rare, unseen"]) < 0.5, bits  # +11.3 with the floor at 0.002
    assert abs(bits["never sampled"]) < 0.5, bits  # u filled, then m floored at it
    assert bits["rare, seen"] > 8, bits  # what EM learned is kept
    assert -9 < bits["common, unseen"] < -6, bits  # weak evidence against, not a veto
    assert sum(lv["m_probability"] for lv in regular) == pytest.approx(1)


@pytest.fixture(scope="module")
def small_input():
    """The model input of 120 children (about 450 records: every pair is about 100,000 pairs)."""
    con = normalize(generate(120, seed=3).sources).con
    prepare_input(con)
    return con


def _fresh_linker(con):
    """An untrained linker of the default settings over the model input."""
    creator = model_module._settings_creator(
        TrainingConfig(), Thresholds(), model_module.DEFAULT_BLOCKING_RULES
    )
    return model_module._linker(con, "linkage_model_input", creator, "duckdb")


def _fresh_settings(con) -> dict:
    return _fresh_linker(con).misc.save_model_to_json()


def _u_of(settings: dict) -> dict[tuple[str, str], float | None]:
    return {
        (c["output_column_name"], lv.get("label_for_charts")): lv.get("u_probability")
        for c in settings["comparisons"]
        for lv in c["comparison_levels"]
        if not lv.get("is_null_level")
    }


def test_u_probabilities_from_every_pair_equal_splinks_own_estimate(small_input):
    """Training's one-pass u estimate puts each random pair in the level Splink's comparison
    vectors put it in: over every pair of the records, it equals Splink's
    estimate_u_using_random_sampling run over every pair (no early stop)."""
    con = small_input
    n = con.execute("SELECT count(*) FROM linkage_model_input").fetchall()[0][0]
    every_pair = n * (n - 1) / 2
    ours = _fresh_settings(con)
    counts = estimate_u(con, "linkage_model_input", ours, max_pairs=every_pair, seed=0)
    linker = _fresh_linker(con)
    linker.training.estimate_u_using_random_sampling(
        max_pairs=every_pair * 2, seed=0, min_count_per_level=None, num_chunks=1
    )
    splinks = _u_of(linker.misc.save_model_to_json())
    mine = _u_of(ours)
    assert mine.keys() == splinks.keys()
    observed = [k for k, u in splinks.items() if u is not None]
    assert len(observed) > 30  # most levels occur among 100,000 random pairs
    for key in splinks:
        if splinks[key] is None:  # a level no pair falls in: no u, as Splink leaves it
            assert mine[key] is None and counts[f"{key[0]}: {key[1]}"] == 0, key
        else:
            assert mine[key] == pytest.approx(splinks[key], rel=1e-9), key


def test_u_probability_is_the_share_of_random_pairs_that_agree(small_input):
    """u of "sex equal" is the share of pairs of records with a sex that have the same one,
    counted here from the records themselves; a sample smaller than the records is drawn by the
    seed: the same seed gives the same u."""
    con = small_input
    sexes = con.execute("SELECT sex FROM linkage_model_input").df()["sex"]
    known = sexes.dropna()
    per_sex = known.value_counts()
    agree = sum(c * (c - 1) / 2 for c in per_sex)
    both_known = len(known) * (len(known) - 1) / 2
    settings = _fresh_settings(con)
    estimate_u(con, "linkage_model_input", settings, max_pairs=1e9, seed=0)
    assert _u_of(settings)[("sex", "equal")] == pytest.approx(agree / both_known, rel=1e-12)

    def sampled(seed: int) -> dict:
        s = _fresh_settings(con)
        estimate_u(con, "linkage_model_input", s, max_pairs=5_000, seed=seed)
        return _u_of(s)

    assert sampled(1) == sampled(1)
    assert sampled(1) != sampled(2)


def test_training_on_a_sample_takes_every_record_of_the_surname_sounds_drawn(data):
    """A sample keeps whole families and namesakes: exactly the records whose first surname's
    sound falls in the drawn thousandths of an md5 with the seed (the sample's definition,
    computed here over every record)."""
    con = normalize(data.sources).con
    table = prepare_input(con)
    total = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    config = TrainingConfig(sample_records=total // 3, u_max_pairs=50_000)
    model = train(con, config=config, seed=7)
    per_mille = round(1000 * config.sample_records / total)
    drawn = f"md5_number(coalesce(surname_phon_1, '') || '7') % 1000 < {per_mille}"
    expected = {
        row[0] for row in con.execute(f"SELECT unique_id FROM {table} WHERE {drawn}").fetchall()
    }
    sampled = {row[0] for row in con.execute(f"SELECT unique_id FROM {TRAIN_INPUT}").fetchall()}
    assert 0 < len(expected) < total
    assert sampled == expected
    assert model.trained_on["records"] == len(expected)
