"""``link``: records of any subset of the four sources -> scored pairs and identities.

One verb over the stages: read (if needed) -> normalise -> model input -> train (or use the given
model) -> count candidate pairs -> predict -> cluster. The result keeps every table in DuckDB
(the records, pairs, clusters and rejects tables named in :mod:`linkage.tables`) and hands out
pandas frames on request.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from linkage import _progress as progress
from linkage.blocking import (
    DEFAULT_BLOCKING_RULES,
    DEFAULT_MAX_COMPARISONS,
    add_block_keys,
    count_comparisons,
)
from linkage.clustering import cluster
from linkage.decisions import read_decisions, to_constraints
from linkage.engine import Engine, out_of_resources
from linkage.errors import LinkageError, ModelError, Problem
from linkage.model import (
    Model,
    TrainingConfig,
    check_model_columns,
    explainer,
    predict,
    prepare_input,
    prior_for,
    train,
)
from linkage.normalization import Records, normalize
from linkage.sources import OnBadRecord
from linkage.tables import BLOCKED_INPUT, CLUSTERS, MODEL_INPUT, PAIRS
from linkage.thresholds import COMPARISON_THRESHOLDS, Thresholds

__all__ = ["LinkageResult", "link", "plain_record", "waterfall_table"]

logger = logging.getLogger("linkage")


@dataclass(eq=False)
class LinkageResult:
    """What :func:`link` found. Tables live in DuckDB on ``con``; methods return pandas frames.

    Tables (named in :mod:`linkage.tables`): the records (canonical records), the pairs (scored
    candidate pairs with match weight and probability), the clusters (one row per record:
    ``unique_id, source, record_id, identity_id, link_probability``), the rejects (rows that could
    not be read, with the reason).
    """

    con: duckdb.DuckDBPyConnection
    model: Model
    records_: Records
    linker: Any = field(repr=False)
    timings: dict[str, float] = field(default_factory=dict)
    blocking: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    clustering: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    _explainer: Any = field(default=None, repr=False)

    @property
    def input_warnings(self) -> tuple[Problem, ...]:
        """What reading the input found (:attr:`linkage.Sources.warnings`)."""
        return self.records_.sources.warnings

    def clusters(self) -> pd.DataFrame:
        """One row per input record: ``source, record_id, identity_id, link_probability``."""
        return self.con.execute(
            "SELECT source, record_id, identity_id, link_probability, unique_id "
            f"FROM {CLUSTERS} ORDER BY identity_id, unique_id"
        ).df()

    def pairs(self, *, min_match_probability: float = 0.0) -> pd.DataFrame:
        """Scored pairs (``unique_id_l, unique_id_r, match_weight, match_probability, mw_*``)."""
        return self.con.execute(
            f"SELECT * FROM {PAIRS} WHERE match_probability >= ? "
            "ORDER BY match_probability DESC, unique_id_l, unique_id_r",
            [min_match_probability],
        ).df()

    def records(self) -> pd.DataFrame:
        """The canonical records."""
        return self.records_.to_pandas()

    def rejects(self) -> pd.DataFrame:
        """Input rows that could not be read, with the reason."""
        return self.records_.rejects()

    def profile(self) -> pd.DataFrame:
        """The data-quality profile of the input."""
        return self.records_.profile()

    @property
    def n_identities(self) -> int:
        return int(
            self.con.execute(f"SELECT count(DISTINCT identity_id) FROM {CLUSTERS}").fetchall()[0][0]
        )  # type: ignore[index]

    def _input_records(self, unique_ids: list[str]) -> list[dict[str, Any]]:
        frame = self.con.execute(
            f"SELECT * FROM {MODEL_INPUT} WHERE unique_id IN (SELECT unnest(?))", [unique_ids]
        ).df()
        found = {row["unique_id"]: row for row in frame.to_dict("records")}
        missing = [u for u in unique_ids if u not in found]
        if missing:
            raise KeyError(
                f"no record with unique_id {missing[0]!r} (unique_id is 'source:record_id')"
            )
        return [found[u] for u in unique_ids]

    def _scored(self, unique_id_l: str, unique_id_r: str) -> dict[str, Any]:
        left, right = self._input_records([unique_id_l, unique_id_r])
        if self._explainer is None:
            self._explainer = explainer(self.model, self.con)
        scored = self._explainer.inference.score_pair(_plain(left), _plain(right))
        return scored.as_record_list()[0]

    def explain_pair(self, unique_id_l: str, unique_id_r: str) -> pd.DataFrame:
        """Why two records match or not: one row per comparison (Splink's waterfall, as a table).

        Columns: ``comparison, level, match_weight, cumulative_match_weight``; the first row is the
        prior and the last the final match weight with its probability.
        """
        row = self._scored(unique_id_l, unique_id_r)
        return waterfall_table(self.model, row, records=_records_count(self.con))

    def waterfall_chart(self, unique_id_l: str, unique_id_r: str) -> Any:
        """Splink's waterfall chart of one pair (an Altair chart for notebooks)."""
        row = self._scored(unique_id_l, unique_id_r)
        if self._explainer is None:
            self._explainer = explainer(self.model, self.con)
        chart = self._explainer.visualisations.waterfall_chart([row], filter_nulls=False)
        return getattr(chart, "altair_chart", chart)

    def save_model(self, path: str | Path) -> Path:
        """Save the trained model as JSON."""
        return self.model.save(path)

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v:,}" for k, v in self.records_.counts().items())
        return f"LinkageResult({counts}; {self.n_identities:,} identities)"

    def _repr_html_(self) -> str:
        return f"<p>{self!r}</p>" + self.clusters().head(20).to_html(index=False)


def waterfall_table(model: Model, row: dict[str, Any], *, records: int) -> pd.DataFrame:
    """A scored pair (Splink's ``score_pair`` row) as a table, one row per comparison: the prior
    first (scaled to ``records``, as predict scores), the final weight and probability last."""
    labels = _level_labels(model)
    chance = prior_for(model, records)
    prior = math.log2(chance / (1 - chance))
    rows = [{"comparison": "prior", "level": "two random records", "match_weight": prior}]
    for name in [c["output_column_name"] for c in model.settings["comparisons"]]:
        gamma = row.get(f"gamma_{name}")
        weight = row.get(f"mw_{name}")
        if weight is None:
            bf = row.get(f"bf_{name}")
            weight = math.log2(bf) if bf else 0.0
        tf_weight = row.get(f"mw_tf_adj_{name}")
        if tf_weight is None and row.get(f"bf_tf_adj_{name}"):
            tf_weight = math.log2(row[f"bf_tf_adj_{name}"])
        rows.append(
            {
                "comparison": name,
                "level": labels.get((name, gamma), str(gamma)),
                "match_weight": float(weight or 0.0) + float(tf_weight or 0.0),
            }
        )
    frame = pd.DataFrame(rows)
    frame["cumulative_match_weight"] = frame["match_weight"].cumsum()
    total = float(frame["match_weight"].sum())
    final = pd.DataFrame(
        [
            {
                "comparison": "final",
                "level": f"match probability {2**total / (1 + 2**total):.4f}",
                "match_weight": total,
                "cumulative_match_weight": total,
            }
        ]
    )
    return pd.concat([frame, final], ignore_index=True)


def plain_record(record: dict[str, Any]) -> dict[str, Any]:
    """A record as Splink's ``score_pair`` takes it (plain Python values, None for missing)."""
    return _plain(record)


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in record.items():
        if hasattr(value, "tolist"):
            value = value.tolist()
        if isinstance(value, float) and math.isnan(value):
            value = None
        if value is pd.NaT:
            value = None
        out[key] = value
    return out


def _level_labels(model: Model) -> dict[tuple[str, int], str]:
    labels: dict[tuple[str, int], str] = {}
    for comparison in model.settings["comparisons"]:
        levels = comparison["comparison_levels"]
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        for lv in levels:
            if lv.get("is_null_level"):
                labels[(comparison["output_column_name"], -1)] = lv.get(
                    "label_for_charts", "missing"
                )
        for i, lv in enumerate(non_null):
            labels[(comparison["output_column_name"], len(non_null) - 1 - i)] = lv.get(
                "label_for_charts", ""
            )
    return labels


def _records_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many records the model input holds."""
    return int(con.execute(f"SELECT count(*) FROM {MODEL_INPUT}").fetchall()[0][0])


@contextmanager
def _resources(doing: str) -> Iterator[None]:
    """Turn the engine running out of memory or disk into :class:`~linkage.errors.ResourceError`."""
    try:
        yield
    except LinkageError:
        raise
    except Exception as exc:
        resource = out_of_resources(exc, doing)
        if resource is not None:
            raise resource from exc
        raise


def link(
    data: Any,
    *,
    model: Model | str | Path | None = None,
    columns: Mapping[str, Mapping[str, str]] | None = None,
    labels: pd.DataFrame | None = None,
    seed: int = 0,
    thresholds: Thresholds | None = None,
    prevent_conflicts: bool = True,
    max_comparisons: int = DEFAULT_MAX_COMPARISONS,
    training: TrainingConfig | None = None,
    engine: Engine = "duckdb",
    quiet: bool = False,
    on_bad_record: OnBadRecord = "raise",
    decisions: pd.DataFrame | str | Path | None = None,
    strict: bool = False,
    memory_limit: str | int | None = None,
    temp_directory: str | Path | None = None,
) -> LinkageResult:
    """Link records of the same child across (and within) CBP, ICE, HHS and court extracts.

    Args:
        data: a folder, a mapping ``{source: path or frame}``, :class:`~linkage.sources.Sources`
            or :class:`~linkage.normalization.Records`.
        model: a trained :class:`~linkage.model.Model` or the path of one saved as JSON; when
            omitted a model is trained on ``data`` without labels.
        columns: per-source column mapping onto the standard layout.
        labels: optional clerical labels (``unique_id_l, unique_id_r, is_match``) used in training.
        seed: seed for training (results are reproducible for a seed).
        thresholds: the job's :class:`~linkage.thresholds.Thresholds`. When a model is trained
            they are built into it; with a trained model they replace its decision and conflict
            thresholds (the comparison thresholds must be the model's: changing those needs
            training again). Default: the model's, or the defaults when training.
        prevent_conflicts: keep apart records the conflict rules call different children.
        max_comparisons: stop before predicting if blocking would compare more pairs than this.
        training: training options (sample size, u pairs, term frequencies).
        engine: the SQL engine (only ``"duckdb"`` today).
        quiet: no progress logging.
        on_bad_record: for data still to be read: ``"raise"`` (default) stops on empty or
            duplicated ``record_id`` values; ``"reject"`` puts those rows in the rejects table.
        decisions: reviewers' decisions (a decisions file or frame: ``source_l, record_id_l,
            source_r, record_id_r, decision``, see :mod:`linkage.decisions`), honoured in
            clustering: ``same`` keeps two records together, ``different`` apart.
        strict: stop on any warning about the input (a misspelled column, unreadable or
            impossible dates, ...) with a :class:`~linkage.errors.StrictInputError`, before any
            linking; the warnings are ``result.input_warnings`` otherwise.
        memory_limit: for data still to be read, the memory the job may use (``"4GB"`` by
            default, or ``LINKAGE_MEMORY_LIMIT``; ``"none"`` for DuckDB's own 80% of the
            machine): DuckDB is held to 3/4 of it (at most the limit less 600 MB) and spills to
            ``temp_directory`` beyond it
            (see :func:`linkage.read_sources`). Running out of disk there raises
            :class:`~linkage.errors.ResourceError`.
        temp_directory: where DuckDB spills (default: a folder in the system's temporary
            directory, or ``LINKAGE_TEMP_DIR``).

    Returns:
        :class:`LinkageResult`; its ``model`` carries the thresholds that were used.

    Raises:
        StrictInputError: with ``strict=True``, the input gave warnings.
        ModelError: the model cannot be used (or ``thresholds`` change its comparisons).
        BlockingError: blocking would compare more than ``max_comparisons`` pairs.
    """
    with (
        _quiet_logs(quiet),
        progress.quiet(quiet),
        progress.stages(_STAGES, desc="linking") as stage,
    ):
        timings: dict[str, float] = {}
        stage("normalise")
        with _timed(timings, "normalise"), _resources("normalising the records"):
            records = (
                data
                if isinstance(data, Records)
                else normalize(
                    data,
                    columns=columns,
                    on_bad_record=on_bad_record,
                    strict=strict,
                    memory_limit=memory_limit,
                    temp_directory=temp_directory,
                )
            )
        con = records.con
        progress.configure(con)
        stage("train")
        with _timed(timings, "train"):
            prepare_input(con)
            model, model_input, counted = _model_for(
                con, model, thresholds, max_comparisons, training, seed, labels, engine
            )
        stage("predict")
        with (
            _timed(timings, "predict"),
            _resources(f"scoring the candidate pairs of {_records_count(con):,} records"),
        ):
            linker, blocking = predict(
                model,
                con,
                input_table=model_input,
                max_comparisons=max_comparisons,
                engine=engine,
                counts=counted,
            )
        stage("cluster")
        with _timed(timings, "cluster"), _resources("clustering the scored pairs"):
            stats = cluster(
                con,
                thresholds=model.thresholds,
                prevent_conflicts=prevent_conflicts,
                decisions=None if decisions is None else to_constraints(read_decisions(decisions)),
            )
        result = LinkageResult(
            con=con,
            model=model,
            records_=records,
            linker=linker,
            timings=timings,
            blocking=blocking,
            clustering=stats,
        )
        logger.info("linked into %s identities", f"{result.n_identities:,}")
        return result


def _model_for(
    con: duckdb.DuckDBPyConnection,
    model: Model | str | Path | None,
    thresholds: Thresholds | None,
    max_comparisons: int,
    training: TrainingConfig | None,
    seed: int,
    labels: pd.DataFrame | None,
    engine: Engine,
) -> tuple[Model, str, pd.DataFrame | None]:
    """The model to score with: the given one (with ``thresholds`` applied) or one trained here,
    after the candidate pairs were counted (a rule that would explode stops before training); the
    model input with the key columns of its bounded blocking rules, worked out once for the
    count and for predicting (:func:`~linkage.blocking.add_block_keys`); and the counts, which
    predict reuses when they are of the model's rules (None otherwise)."""
    if isinstance(model, (str, Path)):
        model = Model.load(model)
    if model is not None:  # before blocking runs its SQL: name the columns, not an SQL error
        check_model_columns(
            model, [r[0] for r in con.execute(f"DESCRIBE {MODEL_INPUT}").fetchall()]
        )
    rules = model.blocking_rules if model else DEFAULT_BLOCKING_RULES
    model_input = add_block_keys(con, rules, MODEL_INPUT, BLOCKED_INPUT)
    counts = count_comparisons(con, model_input, rules, max_comparisons=max_comparisons)
    if model is None:
        trained = train(
            con, config=training, thresholds=thresholds, seed=seed, labels=labels, engine=engine
        )
        same = tuple(trained.blocking_rules) == tuple(rules)
        return trained, model_input, counts if same else None
    if thresholds is None or thresholds == model.thresholds:
        return model, model_input, counts
    changed = [
        name
        for name in COMPARISON_THRESHOLDS
        if getattr(thresholds, name) != getattr(model.thresholds, name)
    ]
    if changed:
        raise ModelError(
            f"thresholds {changed} differ from the model's, and they shape its comparisons. Fix: "
            "keep the model's values for these (dataclasses.replace(model.thresholds, ...)), or "
            "train a new model with them (link without model=)"
        )
    return dataclasses.replace(model, thresholds=thresholds), model_input, counts


#: The stages of :func:`link` its progress bar counts.
_STAGES = ("normalise", "train", "predict", "cluster")


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    """Add the wall time of the block to ``timings[stage]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


@contextmanager
def _quiet_logs(quiet: bool) -> Iterator[None]:
    """Splink's INFO lines off (too chatty for users), and `linkage`'s too when ``quiet``."""
    level = logger.level
    splink_logger = logging.getLogger("splink")
    splink_level = splink_logger.level
    splink_logger.setLevel(logging.WARNING)
    if quiet:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)
        splink_logger.setLevel(splink_level)
