"""The only module that builds a Splink ``Linker``: train, predict, explain, save and load.

A :class:`Model` is the trained Splink settings (a JSON-able dict) plus the few choices `linkage`
adds (its thresholds, the blocking rules). Training needs no labels: the prior comes from
deterministic rules, the u probabilities from random pairs, the m probabilities from
expectation-maximisation over three blocking rules, on a sample of at most
``sample_records`` records so that training time does not grow with the data. Clerical labels,
when given, re-estimate the m probabilities from the pairs they mark.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from splink import Linker, SettingsCreator, block_on

from linkage import _progress as progress
from linkage._random_pairs import PAIR_COLUMN, estimate_u
from linkage._training import regularise, splink_view_removed, unobserved_levels_summarised
from linkage._version import __version__
from linkage.blocking import (
    DEFAULT_BLOCKING_RULES,
    DEFAULT_MAX_COMPARISONS,
    BlockingRule,
    add_block_keys,
    count_comparisons,
    form_candidate_pairs,
    missing_block_keys,
)
from linkage.comparisons import MODEL_INPUT_SQL, default_comparisons
from linkage.engine import Engine, any_row_order, database_api, out_of_resources
from linkage.errors import LinkageError, ModelError
from linkage.tables import (
    BLOCKED_INPUT,
    LABELS,
    MODEL_INPUT,
    PAIRS,
    RECORDS,
    TRAIN_INPUT,
    scratch,
)
from linkage.thresholds import Thresholds

__all__ = [
    "Model",
    "TrainingConfig",
    "check_model_columns",
    "explainer",
    "predict",
    "predict_blocked",
    "prepare_input",
    "prior_for",
    "train",
]

logger = logging.getLogger("linkage")

MODEL_FORMAT = "linkage-model/1"
#: Fewer records than this cannot train a model (EM needs pairs of the same child to learn from).
MIN_TRAINING_RECORDS = 20

#: Distinct candidate pairs scored per slice of ``predict`` (slices of the left-hand records; each
#: slice's kept pairs are written before the next is scored). Under the job's memory limit DuckDB
#: spills what does not fit, and one slice was faster at every size measured and peaked no higher
#: (docs/performance.md), so a slice holds 100 million pairs.
PAIRS_PER_PREDICT_CHUNK = 100_000_000
#: The integer id column the candidate pairs of :func:`predict` are scored on (Splink's
#: ``match_key``, which it requires of registered pairs, is ``'0'`` for all).
_UID = "linkage_uid"


@dataclass(frozen=True, kw_only=True)
class TrainingConfig:
    """How a model is trained (the seed is an argument of :func:`train`, ``link`` and ``run``).

    Attributes:
        u_max_pairs: random pairs drawn to estimate u probabilities.
        sample_records: train on at most this many records (sampled by surname sound, so that a
            child's records stay together); prediction always covers every record.
        term_frequency: weigh agreement on common names ("Hernández") less than on rare ones.
    """

    u_max_pairs: int = 2_000_000
    sample_records: int = 120_000
    term_frequency: bool = True


@dataclass(eq=False)
class Model:
    """A trained linking model: Splink settings plus `linkage`'s thresholds and blocking rules."""

    settings: dict[str, Any]
    thresholds: Thresholds = field(default_factory=Thresholds)
    blocking_rules: tuple[BlockingRule, ...] = DEFAULT_BLOCKING_RULES
    trained_on: dict[str, Any] = field(default_factory=dict)

    @property
    def threshold_match_probability(self) -> float:
        """Pairs scored at or above this probability are links (``thresholds.match_probability``)."""
        return self.thresholds.match_probability

    def to_dict(self) -> dict[str, Any]:
        """The model as plain JSON-able values."""
        return {
            "format": MODEL_FORMAT,
            "linkage_version": __version__,
            "thresholds": self.thresholds.to_dict(),
            "blocking_rules": [
                {
                    "name": r.name,
                    "columns": list(r.columns),
                    "right_columns": list(r.right_columns) if r.right_columns else None,
                    "max_block": r.max_block,
                    "refine": list(r.refine),
                }
                for r in self.blocking_rules
            ],
            "trained_on": self.trained_on,
            "splink_settings": self.settings,
        }

    def save(self, path: str | Path) -> Path:
        """Write the model to a JSON file (never a pickle) and return its path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self.to_dict(), indent=2, default=str), encoding="utf-8")
        return target

    @classmethod
    def load(cls, path: str | Path) -> Model:
        """Read a model written by :meth:`save`.

        Raises:
            ModelError: the file is missing, not JSON, or not a `linkage` model.
        """
        source = Path(path)
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ModelError(
                f"model file {str(source)!r} does not exist. Fix: check the path"
            ) from exc
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(
                f"model file {str(source)!r} is not readable JSON ({exc}). Fix: pass a file written "
                "by Model.save() or `linkage run --save-model`"
            ) from exc
        return cls.from_dict(data, origin=str(source))

    @classmethod
    def from_dict(cls, data: Any, *, origin: str = "model") -> Model:
        """Build a model from :meth:`to_dict` output."""
        if (
            not isinstance(data, dict)
            or data.get("format") != MODEL_FORMAT
            or "splink_settings" not in data
        ):
            raise ModelError(
                f"{origin} is not a linkage model (expected a JSON object with format "
                f"{MODEL_FORMAT!r} and splink_settings). Fix: pass a file written by Model.save()"
            )
        try:
            rules = tuple(
                BlockingRule(
                    name=r["name"],
                    columns=tuple(r["columns"]),
                    right_columns=tuple(r["right_columns"]) if r.get("right_columns") else None,
                    # a model saved before blocks were bounded predicts as it did
                    max_block=int(r["max_block"]) if r.get("max_block") is not None else None,
                    refine=tuple(r.get("refine") or ()),
                )
                for r in data["blocking_rules"]
            )
            thresholds = _thresholds_of(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(
                f"{origin} has malformed blocking rules or thresholds ({exc}). Fix: pass a file "
                "written by Model.save(), or correct the named entry"
            ) from exc
        return cls(
            settings=data["splink_settings"],
            thresholds=thresholds,
            blocking_rules=rules,
            trained_on=data.get("trained_on", {}),
        )

    def match_weights(self) -> pd.DataFrame:
        """The m, u and match weight of every comparison level, as a table."""
        rows = []
        for comparison in self.settings.get("comparisons", []):
            for level in comparison.get("comparison_levels", []):
                if level.get("is_null_level"):
                    continue
                m, u = level.get("m_probability"), level.get("u_probability")
                weight = None
                if m and u:
                    import math

                    weight = math.log2(m / u)
                rows.append(
                    {
                        "comparison": comparison.get("output_column_name"),
                        "level": level.get("label_for_charts"),
                        "m_probability": m,
                        "u_probability": u,
                        "match_weight": weight,
                    }
                )
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        n = len(self.settings.get("comparisons", []))
        return (
            f"Model({n} comparisons, {len(self.blocking_rules)} blocking rules, "
            f"threshold_match_probability={self.threshold_match_probability})"
        )


#: The decision thresholds a model saved before they existed clusters with: none of what they
#: decide (a model saved before single links were cut cuts none; one saved before identities of
#: complementary agencies were joined joins none), so a store's identities stay those of the run
#: that made them.
_BEFORE = {"single_link_probability": 0.0, "complementary_probability": 0.0}


def _thresholds_of(data: dict[str, Any]) -> Thresholds:
    """The thresholds of a saved model; a model saved before thresholds were saved carries only
    its match threshold (the rest are the defaults its comparisons were built with). A decision
    threshold the model lacks clusters as the model did when it was saved (:data:`_BEFORE`)."""
    if "thresholds" in data:
        return Thresholds.from_dict({**_BEFORE, **data["thresholds"]})
    return Thresholds(match_probability=float(data["threshold_match_probability"]), **_BEFORE)


def prepare_input(con: duckdb.DuckDBPyConnection, *, records: str = RECORDS) -> str:
    """Create the model input table (canonical records plus derived columns) and return its name."""
    con.execute(
        f"CREATE OR REPLACE TABLE {MODEL_INPUT} AS " + MODEL_INPUT_SQL.format(records=records)
    )
    return MODEL_INPUT


def _linker(
    con: duckdb.DuckDBPyConnection,
    table: str,
    settings: Any,
    engine: Engine,
    *,
    validate: bool = True,
    db_api: Any = None,
) -> Linker:
    """A Splink linker over ``table``. ``validate=False`` skips Splink's check of the settings
    against the table (it parses every SQL fragment: about 0.4 s), for the settings of a trained
    model scored over the model input it was trained on, which that check passed in training.
    ``db_api``: the Splink database API to register ``table`` with, when the caller registers
    other tables with it too (default: a new one on ``con``)."""
    db_api = db_api or database_api(con, engine=engine)
    sdf = db_api.register(table, dataset_display_name=table)  # type: ignore[attr-defined]
    return Linker(sdf, settings, log_level=None, validate_settings=validate)


def _settings_creator(
    config: TrainingConfig, thresholds: Thresholds, rules: tuple[BlockingRule, ...]
) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",  # one table holding every source: link and dedupe at once
        unique_id_column_name="unique_id",
        comparisons=default_comparisons(thresholds, term_frequency=config.term_frequency),
        blocking_rules_to_generate_predictions=[r.splink() for r in rules],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=[],
    )


def _labels_table(con: duckdb.DuckDBPyConnection, labels: pd.DataFrame) -> str:
    frame = pd.DataFrame(labels)
    if {"unique_id_l", "unique_id_r"} <= set(frame.columns):
        left, right = frame["unique_id_l"].astype(str), frame["unique_id_r"].astype(str)
    elif {"source_l", "record_id_l", "source_r", "record_id_r"} <= set(frame.columns):
        left = frame["source_l"].astype(str) + ":" + frame["record_id_l"].astype(str)
        right = frame["source_r"].astype(str) + ":" + frame["record_id_r"].astype(str)
    else:
        raise ModelError(
            "labels need columns unique_id_l, unique_id_r (or source_l, record_id_l, source_r, "
            f"record_id_r) and is_match; found {list(frame.columns)}. Fix: rename the columns"
        )
    if "is_match" not in frame.columns:
        raise ModelError(
            "labels need an is_match column (1/True for a match, 0/False for a non-match)"
        )
    table = pd.DataFrame(
        {
            "unique_id_l": left,
            "unique_id_r": right,
            "clerical_match_score": frame["is_match"].astype(float),
        }
    )
    frame_name = scratch("labels_frame")
    con.register(frame_name, table)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {LABELS} AS SELECT * FROM {frame_name}")
    finally:
        con.unregister(frame_name)
    return LABELS


def train(
    con: duckdb.DuckDBPyConnection,
    *,
    input_table: str = MODEL_INPUT,
    config: TrainingConfig | None = None,
    thresholds: Thresholds | None = None,
    seed: int = 0,
    labels: pd.DataFrame | None = None,
    blocking_rules: tuple[BlockingRule, ...] = DEFAULT_BLOCKING_RULES,
    engine: Engine = "duckdb",
) -> Model:
    """Train a model without labels (EM), or with clerical labels when given.

    Args:
        con: the connection holding ``input_table`` (see :func:`prepare_input`).
        input_table: the model input.
        config: training options (sample size, u pairs, term frequencies).
        thresholds: the thresholds the model is built with and carries (default:
            :class:`~linkage.thresholds.Thresholds`'s defaults).
        seed: seed of the record sample and of the random pairs that estimate u probabilities
            (training is reproducible for a seed).
        labels: clerical labels (``unique_id_l, unique_id_r, is_match``) that re-estimate m.
        blocking_rules: the rules the model predicts with.
        engine: the SQL engine.
    """
    config = config or TrainingConfig()
    thresholds = thresholds or Thresholds()
    total = con.execute(f"SELECT count(*) FROM {input_table}").fetchall()[0][0]  # type: ignore[index]
    table = input_table
    if total > config.sample_records:
        _sample_by_surname(con, input_table, round(1000 * config.sample_records / total), seed)
        table = TRAIN_INPUT
    n_train = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]  # type: ignore[index]
    logger.info("training on %s of %s records", f"{n_train:,}", f"{total:,}")
    if n_train < MIN_TRAINING_RECORDS:
        raise ModelError(
            f"too little data to train a model: {n_train:,} record(s) (at least "
            f"{MIN_TRAINING_RECORDS:,} are needed). Fix: link more records at once, or pass a model "
            "trained on more data (model='model.json')"
        )
    creator = _settings_creator(config, thresholds, blocking_rules)
    linker = _linker(con, table, creator, engine)
    sample = {"records": int(n_train), "of_records": int(total), "seed": int(seed)}
    try:
        with unobserved_levels_summarised():
            return _train_linker(
                linker, con, table, engine, config, thresholds, labels, blocking_rules, sample
            )
    except LinkageError:
        raise
    except (
        Exception
    ) as exc:  # Splink has no public exception tree; its failures here mean "too little to learn"
        resource = out_of_resources(exc, f"training on {n_train:,} records")
        if resource is not None:
            raise resource from exc
        raise ModelError(
            f"training failed on {n_train:,} records ({type(exc).__name__}: {exc}). This happens "
            "when the data hold too few records of the same child for expectation-maximisation to "
            "learn from. Fix: link more records at once, or pass a model trained on more data"
        ) from exc


def _sample_by_surname(
    con: duckdb.DuckDBPyConnection, input_table: str, per_mille: int, seed: int
) -> None:
    """The training sample: the records whose first surname's sound falls in ``per_mille``
    thousandths (at least one) of an md5 of it with the seed, whole families and namesakes
    kept together. The md5 is taken once per distinct sound, not once per record (its remainder
    is a 128-bit division; docs/performance.md), and the sounds kept are a list the scan filters
    on before it reads the other columns."""
    keys = scratch("sample_keys")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {keys} AS "
        f"SELECT DISTINCT surname_phon_1 AS k FROM {input_table}"
    )
    try:
        kept = [
            row[0]
            for row in con.execute(
                f"SELECT k FROM {keys} WHERE md5_number(coalesce(k, '') || '{int(seed)}') % 1000 "
                f"< {max(1, per_mille)}"
            ).fetchall()
        ]
    finally:
        con.execute(f"DROP TABLE IF EXISTS {keys}")
    unnamed = " OR surname_phon_1 IS NULL" if None in kept else ""
    con.execute(
        f"CREATE OR REPLACE TABLE {TRAIN_INPUT} AS SELECT * FROM {input_table} "
        f"WHERE surname_phon_1 IN (SELECT unnest(?::VARCHAR[])){unnamed}",
        [[k for k in kept if k is not None]],
    )


def _train_linker(
    linker: Linker,
    con: duckdb.DuckDBPyConnection,
    table: str,
    engine: Engine,
    config: TrainingConfig,
    thresholds: Thresholds,
    labels: pd.DataFrame | None,
    blocking_rules: tuple[BlockingRule, ...],
    sample: dict[str, int],
) -> Model:
    training = linker.training
    with splink_view_removed(con, "result_df"):
        training.estimate_probability_two_random_records_match(
            [
                "l.a_number = r.a_number AND l.dob = r.dob",
                "l.given_key = r.given_key AND l.surname_key = r.surname_key AND l.dob = r.dob",
            ],
            recall=0.8,
        )
    # u from random pairs of the training records, every comparison in one pass over them (not
    # Splink's estimate_u_using_random_sampling, which joins the sample again for each comparison
    # and may stop on 1% of the pairs: docs/performance.md); then a linker of the settings with
    # those u, which EM keeps fixed.
    settings = linker.misc.save_model_to_json()
    estimate_u(con, table, settings, max_pairs=config.u_max_pairs, seed=sample["seed"])
    linker = _linker(con, table, settings, engine, validate=False)
    training = linker.training
    for rule in (
        block_on("a_number"),
        block_on("dob", "sex"),
    ):
        training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    if labels is not None and len(labels):
        training.estimate_m_from_pairwise_labels(_labels_table(con, labels))
    settings = regularise(linker.misc.save_model_to_json())
    return Model(
        settings=settings,
        thresholds=thresholds,
        blocking_rules=blocking_rules,
        trained_on={**sample, "labels": int(len(labels)) if labels is not None else 0},
    )


def predict(
    model: Model,
    con: duckdb.DuckDBPyConnection,
    *,
    input_table: str = MODEL_INPUT,
    max_comparisons: int = DEFAULT_MAX_COMPARISONS,
    engine: Engine = "duckdb",
    counts: pd.DataFrame | None = None,
) -> tuple[Linker, pd.DataFrame]:
    """Score candidate pairs into the pairs table; return a linker of the model over
    ``input_table`` (with the model's rules, as Splink blocks on them) and the blocking counts.

    The candidate pairs are the pairs Splink's blocking would form from the model's rules, formed
    by :func:`linkage.blocking.form_candidate_pairs` and scored by Splink as registered pairs.

    ``counts``: the blocking counts of ``input_table`` by the model's rules, when the caller has
    them already (:func:`linkage.blocking.count_comparisons`, which checked them against
    ``max_comparisons``); otherwise they are counted and checked here.

    The pairs table (:data:`linkage.tables.PAIRS`) keeps every scored pair at or above
    ``model.thresholds.keep_pair_probability`` (so that uncertain links can be reviewed), with ``unique_id_l, unique_id_r, match_weight, match_probability`` and
    the match weight (``mw_*``) of each comparison.
    """
    if missing_block_keys(con, input_table, model.blocking_rules):
        # the blocks bounded by their size: key columns decided on the whole input
        input_table = add_block_keys(con, model.blocking_rules, input_table, BLOCKED_INPUT)
    if counts is None or list(counts["rule"]) != [r.name for r in model.blocking_rules]:
        counts = count_comparisons(
            con, input_table, model.blocking_rules, max_comparisons=max_comparisons
        )
    total = int(counts["comparisons"].sum())
    logger.info("blocking: at most %s candidate pairs", f"{total:,}")
    settings = _settings_for(model, con, input_table)
    settings["retain_intermediate_calculation_columns"] = True  # keeps mw_* per comparison
    settings["retain_matching_columns"] = False
    # The linker returned (result.linker): the model's rules, as Splink itself would block on them.
    settings["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": rule.sql(), "sql_dialect": "duckdb"} for rule in model.blocking_rules
    ]
    linker = _linker(con, input_table, settings, engine, validate=False)
    # Scored: the candidate pairs formed once on integer ids (blocking.form_candidate_pairs),
    # registered with a linker that reads the ids as its unique id; the ids back to unique ids
    # as the kept pairs are written. The pairs are scored in slices of the left-hand ids, each
    # slice's kept pairs added to the pairs table as it ends.
    ids, blocked, scored = scratch("pair_ids"), scratch("candidate_pairs"), scratch("scored_input")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {ids} AS SELECT unique_id,
        CAST(row_number() OVER (ORDER BY unique_id) AS INTEGER) AS uid FROM {input_table}"""
    )
    con.execute(
        f"""CREATE OR REPLACE VIEW {scored} AS
        SELECT t.*, i.uid AS {_UID} FROM {input_table} AS t JOIN {ids} AS i USING (unique_id)"""
    )
    try:
        pairs = form_candidate_pairs(con, model.blocking_rules, input_table, ids=ids, out=blocked)
        logger.info("blocking: %s distinct candidate pairs", f"{pairs:,}")
        scoring = {**settings, "unique_id_column_name": _UID}
        db_api = database_api(con, engine=engine)
        scorer = _linker(con, scored, scoring, engine, validate=False, db_api=db_api)
        chunks = max(1, -(-pairs // PAIRS_PER_PREDICT_CHUNK))
        width = -(-int(con.execute(f"SELECT count(*) FROM {ids}").fetchall()[0][0]) // chunks)
        # The pairs come out in any order: every reader of ``pairs`` sorts what it reads.
        with (
            any_row_order(con),
            progress.steps("predict slice", total=chunks, unit="slice") as sliced,
        ):
            for chunk in range(chunks):
                con.execute(
                    f"""CREATE OR REPLACE VIEW {blocked}_slice AS
                    SELECT '0' AS match_key, join_key_l, join_key_r FROM {blocked}
                    WHERE join_key_l > {chunk * width} AND join_key_l <= {(chunk + 1) * width}"""
                )
                registered = scorer.table_management.register_blocked_pairs_for_predict(
                    db_api.register(f"{blocked}_slice")  # type: ignore[attr-defined]
                )
                # scored on Splink's plain path, as its own blocked pairs are (see predict_blocked)
                registered.metadata["registered_for_predict"] = False
                predictions = scorer.inference.predict(
                    threshold_match_probability=model.thresholds.keep_pair_probability
                )
                _write_pairs(con, predictions.physical_name, PAIRS, append=chunk > 0, ids=ids)
                predictions.drop_table_from_database_and_remove_from_cache()
                sliced()
    finally:
        con.execute(f"DROP VIEW IF EXISTS {blocked}_slice")
        con.execute(f"DROP VIEW IF EXISTS {scored}")
        for table in (blocked, ids):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    return linker, counts


def _write_pairs(
    con: duckdb.DuckDBPyConnection,
    predictions: str,
    out: str,
    *,
    append: bool,
    ids: str | None = None,
) -> None:
    """The columns of the pairs table (ids, weight, probability, ``gamma_*`` and ``mw_*``) of
    Splink's ``predictions`` into table ``out``: a new table, or added to it with ``append``.
    ``ids``: the table of :func:`predict`'s integer ids, which the predictions carry instead of
    unique ids."""
    available = [r[0] for r in con.execute(f"DESCRIBE {predictions}").fetchall()]
    scores = ["match_weight", "match_probability"] + [
        c for c in available if c.startswith(("gamma_", "mw_"))
    ]
    if ids is None:
        select = f"SELECT unique_id_l, unique_id_r, {', '.join(scores)} FROM {predictions}"
    else:
        select = (
            f"SELECT l.unique_id AS unique_id_l, r.unique_id AS unique_id_r, "
            f"{', '.join(f'p.{c}' for c in scores)} FROM {predictions} AS p "
            f"JOIN {ids} AS l ON l.uid = p.{_UID}_l JOIN {ids} AS r ON r.uid = p.{_UID}_r"
        )
    if append:
        con.execute(f"INSERT INTO {out} BY NAME {select}")
    else:
        con.execute(f"CREATE OR REPLACE TABLE {out} AS {select}")


def predict_blocked(
    model: Model,
    con: duckdb.DuckDBPyConnection,
    *,
    input_table: str,
    blocked: str,
    out: str,
    engine: Engine = "duckdb",
) -> int:
    """Score the candidate pairs listed in ``blocked`` into table ``out``; return how many were
    kept.

    ``blocked`` holds ``match_key, join_key_l, join_key_r`` (unique ids of ``input_table``, the
    smaller on the left; see :func:`linkage.blocking.pairs_touching_sql`). The pairs are scored
    exactly as :func:`predict` scores them over ``input_table``: the prior scaled to its records,
    the term frequencies counted over all of it. Only the records the pairs name are handed to
    Splink (with the term-frequency tables of the whole input registered), once: the cost
    follows the pairs, not the size of ``input_table``. ``out`` gets the columns of the pairs table;
    pairs below ``model.thresholds.keep_pair_probability`` are dropped.
    """
    settings = _settings_for(model, con, input_table)
    settings["retain_intermediate_calculation_columns"] = True
    settings["retain_matching_columns"] = False
    settings["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": rule.plain_sql(), "sql_dialect": "duckdb"}
        for rule in model.blocking_rules
    ]
    named = scratch("blocked_records")
    con.execute(
        f"""CREATE OR REPLACE TABLE {named} AS SELECT * FROM {_read_columns_only(con, model, input_table)}
        WHERE unique_id IN (SELECT join_key_l FROM {blocked} UNION SELECT join_key_r FROM {blocked})"""
    )
    db_api = database_api(con, engine=engine)
    register = db_api.register  # type: ignore[attr-defined]
    # as in predict: the trained model's settings, checked when it was trained
    linker = _linker(con, named, settings, engine, validate=False, db_api=db_api)
    for column in _term_frequency_columns(settings):
        frequencies = scratch(f"tf_{column}")
        con.execute(
            f"""CREATE OR REPLACE TABLE {frequencies} AS
            SELECT {column}, CAST(count(*) AS DOUBLE)
                   / (SELECT count({column}) FROM {input_table}) AS tf_{column}
            FROM {input_table} WHERE {column} IS NOT NULL GROUP BY {column}"""
        )
        linker.table_management.register_term_frequency_lookup(register(frequencies), column)
    registered = linker.table_management.register_blocked_pairs_for_predict(register(blocked))
    # Splink "prunes" registered pairs' input: it copies the records the pairs name out of the
    # input, once per side. The input here holds only those records already, so the pairs are
    # scored on Splink's plain path, as its own blocked pairs are (1.1 s of the 2.4 s Splink
    # spent on a 250,000-children store's monthly update; the same scores).
    registered.metadata["registered_for_predict"] = False
    with any_row_order(con):
        predictions = linker.inference.predict(
            threshold_match_probability=model.thresholds.keep_pair_probability
        )
        _write_pairs(con, predictions.physical_name, out, append=False)
    predictions.drop_table_from_database_and_remove_from_cache()
    return int(con.execute(f"SELECT count(*) FROM {out}").fetchall()[0][0])


def _read_columns_only(con: duckdb.DuckDBPyConnection, model: Model, table: str) -> str:
    """A view of ``table`` with only ``unique_id`` and the columns ``model`` reads (its rules'
    and its comparisons', bounded rules' key columns included). :func:`predict_blocked` copies
    the records of its pairs through it: Splink carries every column of the table it is given
    into the rows it pairs (935,534 pairs of a store update: 3.8 s -> 3.3 s). A whole predict
    gains nothing from it (Splink reads only the columns it needs from the whole input)."""
    have = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    wanted = set(_columns_used(model)) | {c for r in model.blocking_rules for c in r.key_columns}
    keep = ["unique_id", *(c for c in have if c in wanted and c != "unique_id")]
    view = scratch("predict_input")
    con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT {', '.join(keep)} FROM {table}")
    return view


def _term_frequency_columns(settings: dict[str, Any]) -> list[str]:
    """The columns whose term frequencies the comparisons of ``settings`` adjust by."""
    found = []
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            column = level.get("tf_adjustment_column")
            if column and column not in found:
                found.append(column)
    return found


def _columns_used(model: Model) -> dict[str, list[str]]:
    """Column -> what uses it (blocking rules, comparisons) in ``model``."""
    used: dict[str, list[str]] = {}
    for rule in model.blocking_rules:
        for column in rule.input_columns:
            used.setdefault(column, []).append(f"blocking rule {rule.name!r}")
    for comparison in model.settings.get("comparisons", []):
        name = str(comparison.get("output_column_name", "?"))
        for level in comparison.get("comparison_levels", []):
            found = PAIR_COLUMN.findall(str(level.get("sql_condition", "")))
            if level.get("tf_adjustment_column"):
                found.append(str(level["tf_adjustment_column"]))
            for column in found:
                where = used.setdefault(column, [])
                if f"comparison {name!r}" not in where:
                    where.append(f"comparison {name!r}")
    return used


def check_model_columns(model: Model, columns: Iterable[str]) -> None:
    """Raise a :class:`ModelError` when ``model`` reads columns that are not in ``columns``.

    ``columns`` are the model input's (see :func:`prepare_input`). A model saved by another
    version of `linkage`, or edited by hand, can name columns this version does not make; this
    says which and where, instead of an SQL error in the middle of scoring.
    """
    have = set(columns)
    missing = {c: w for c, w in _columns_used(model).items() if c not in have}
    if not missing:
        return
    shown = "; ".join(f"{c!r} (used by {', '.join(w[:3])})" for c, w in sorted(missing.items()))
    raise ModelError(
        f"the model reads {len(missing)} column(s) that the model input does not have: {shown}. "
        f"Fix: train a new model on this data (omit --model / model=), or use a model saved by "
        f"linkage {__version__}"
    )


def _settings_for(model: Model, con: duckdb.DuckDBPyConnection, table: str) -> dict[str, Any]:
    """A copy of the model's Splink settings, its prior scaled to the records of ``table``
    (see :func:`prior_for`).

    Raises:
        ModelError: the model reads columns that ``table`` does not have.
    """
    check_model_columns(model, [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()])
    settings: dict[str, Any] = json.loads(json.dumps(model.settings))
    records = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
    if settings.get("probability_two_random_records_match"):
        settings["probability_two_random_records_match"] = prior_for(model, records)
    return settings


def prior_for(model: Model, records: int) -> float:
    """The probability that two of ``records`` records drawn at random are of one child.

    The model's prior is estimated on the records training read; each child has a handful of
    records whatever the size of the data, so the prior falls as one over the number of
    records. A model trained on a sample of 120,000 records and scoring a million would
    otherwise take every pair to be about eight times likelier to match than it is, and merge
    namesakes as the data grow.

    Example:
        >>> m = Model(settings={"probability_two_random_records_match": 1e-4},
        ...           trained_on={"records": 1001})
        >>> round(prior_for(m, 10_001) / 1e-5, 3)
        1.0
    """
    prior = float(model.settings.get("probability_two_random_records_match") or 0.0)
    trained = int(model.trained_on.get("records") or 0)
    if not 0 < prior < 1 or trained < 2 or records < 2:
        return prior
    odds = prior / (1 - prior) * (trained - 1) / (records - 1)
    return odds / (1 + odds)


def explainer(
    model: Model,
    con: duckdb.DuckDBPyConnection,
    *,
    input_table: str = MODEL_INPUT,
    engine: Engine = "duckdb",
) -> Linker:
    """A linker for explaining single pairs (keeps the compared values, which Splink's waterfall
    chart needs); prediction at scale uses a leaner one."""
    settings = _settings_for(model, con, input_table)
    settings["retain_intermediate_calculation_columns"] = True
    settings["retain_matching_columns"] = True
    return _linker(con, input_table, settings, engine)
