""":class:`Store`: a linkage kept in one DuckDB file and updated with each month's extracts."""

from __future__ import annotations

import json
import logging
import math
import os
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from linkage import _progress as progress
from linkage import engine, tables
from linkage._version import __version__
from linkage.blocking import DEFAULT_MAX_COMPARISONS
from linkage.comparisons import MODEL_INPUT_SQL
from linkage.errors import ModelError, StoreError
from linkage.handoff import HandoffReport, handoff_report, identity_statuses
from linkage.model import Model, TrainingConfig, prior_for, train
from linkage.normalization import normalize
from linkage.review._precision import precision_estimate
from linkage.schema import CANONICAL_COLUMNS
from linkage.sources import OnBadRecord, read_sources
from linkage.sources._rejects import REJECTS_SCHEMA
from linkage.store import _decisions, _delta
from linkage.store._changes import change_log
from linkage.store._commit import commit
from linkage.store._delta import Delta, S
from linkage.store._ids import IdAssignment, assign_ids
from linkage.store._schema import CATALOG, FIXED_TABLES_SQL, SCHEMA_VERSION, T
from linkage.store._statuses import FINAL_CLUSTERS, final_clusters, incremental_identities
from linkage.thresholds import Thresholds

__all__ = ["Store"]

logger = logging.getLogger("linkage")


@dataclass(eq=False)
class _StoreLinked:
    """What the handoff stage reads: the connection holding the stage tables, and the model."""

    con: duckdb.DuckDBPyConnection
    model: Model


@dataclass(eq=False)
class Store:
    """A linkage kept in one DuckDB database file: records, model, pairs, identities, the id
    registry and its history, reviewers' decisions (``docs/store.md``).

    Open one with :meth:`create` or :meth:`open`; add extracts with :meth:`update`. A store is
    written by one process at a time: a second one gets :class:`~linkage.errors.StoreError`.
    Use it as a context manager, or :meth:`close` it, to let others in.

    Example:
        >>> import linkage, tempfile, pathlib  # doctest: +SKIP
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "children.duckdb"  # doctest: +SKIP
        >>> with linkage.Store.create(path) as store:  # doctest: +SKIP
        ...     report = store.update("extracts/2019-10")
        ...     report = store.update("extracts/2019-11")
        ...     store.resolve("ID-6c5a1f5f6b4b")
    """

    path: Path
    con: duckdb.DuckDBPyConnection = field(repr=False)

    # -- opening -------------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        *,
        model: Model | str | os.PathLike[str] | None = None,
        memory_limit: str | int | None = None,
        temp_directory: str | os.PathLike[str] | None = None,
    ) -> Store:
        """Create an empty store at ``path`` (a new file). The first :meth:`update` links its
        data in full: with ``model`` when given, else with a model trained on that data.
        ``memory_limit`` and ``temp_directory``: the memory the store's work may use and where
        DuckDB spills beyond it (as :func:`linkage.read_sources`; default 4GB)."""
        target = Path(path)
        if target.exists():
            raise StoreError(
                f"{target} already exists. Fix: add data to it with Store.open(path).update(...) "
                "(linkage update DATA --store PATH), or give a path that does not exist"
            )
        if not target.parent.is_dir():
            raise StoreError(f"the folder {target.parent} does not exist. Fix: create it first")
        con = _attach(target, memory_limit=memory_limit, temp_directory=temp_directory)
        _create_tables(con)
        if model is not None:
            loaded = model if isinstance(model, Model) else Model.load(model)
            con.execute(f"INSERT INTO {T.model} VALUES (?)", [json.dumps(loaded.to_dict())])
        logger.info("store created: %s", target)
        return cls(path=target, con=con)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        memory_limit: str | int | None = None,
        temp_directory: str | os.PathLike[str] | None = None,
    ) -> Store:
        """Open the store at ``path`` for reading and updating (``memory_limit``,
        ``temp_directory``: as :meth:`create`)."""
        target = Path(path)
        if not target.is_file():
            raise StoreError(
                f"no store at {target}. Fix: create one with linkage run DATA --store "
                f"{target} --out OUT (or linkage.Store.create)"
            )
        con = _attach(target, memory_limit=memory_limit, temp_directory=temp_directory)
        meta = dict(con.execute(f"SELECT key, value FROM {T.meta}").fetchall())
        version = int(meta.get("schema_version", -1))
        if version != SCHEMA_VERSION:
            con.close()
            wrote = meta.get("linkage_version", "?")
            other = (
                f"linkage {wrote}" if wrote != __version__ else "the build of linkage that wrote it"
            )
            raise StoreError(
                f"{target} is a store of schema version {version} (written by linkage "
                f"{wrote}); this linkage {__version__} reads version {SCHEMA_VERSION}. Fix: open "
                f"it with {other}, or build a new store from the extracts (linkage run DATA "
                "--store NEW --out OUT)"
            )
        return cls(path=target, con=con)

    def close(self) -> None:
        """Release the store (other processes can then open it)."""
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -------------------------------------------------------------------------------

    @property
    def model(self) -> Model | None:
        """The model updates score with (None until the first update trained one)."""
        row = self.con.execute(f"SELECT model_json FROM {T.model}").fetchall()
        return Model.from_dict(json.loads(row[0][0]), origin=str(self.path)) if row else None

    def identities(self) -> pd.DataFrame:
        """One row per identity as of the last update (status, custody chain; see
        ``docs/statuses.md``)."""
        if not _has_table(self.con, "identities"):
            return pd.DataFrame(columns=["identity_id", "status"])
        return self.con.execute(f"SELECT * FROM {T.identities} ORDER BY identity_id").df()

    def clusters(self) -> pd.DataFrame:
        """One row per record: ``source, record_id, identity_id``."""
        return self.con.execute(
            f"SELECT source, record_id, identity_id FROM {T.clusters} "
            "ORDER BY identity_id, source, record_id"
        ).df()

    def updates(self) -> pd.DataFrame:
        """One row per run or update: what it added, revised, rejected, and how long it took."""
        return self.con.execute(f"SELECT * FROM {T.updates} ORDER BY update_id").df()

    def history(self, identity_id: str) -> pd.DataFrame:
        """Everything that happened to an id, oldest first: ``update_id, finished_at, event,
        related_id, n_records``."""
        return self.con.execute(
            f"""SELECT e.update_id, u.finished_at, e.event, e.related_id, e.n_records
            FROM {T.identity_events} e JOIN {T.updates} u USING (update_id)
            WHERE e.identity_id = ? ORDER BY e.update_id, e.event, e.related_id""",
            [identity_id],
        ).df()

    def resolve(self, identity_id: str) -> list[str]:
        """The live id(s) an id lives on in: itself while it is live; the id it was merged
        into (followed to the end) once merged; then the ids split off from it, if any.

        Raises:
            KeyError: the id was never given by this store.
        """
        registry = self.con.execute(
            f"SELECT identity_id, state, merged_into, split_from FROM {T.identity_ids}"
        ).df()
        if identity_id not in set(registry["identity_id"]):
            raise KeyError(f"{identity_id!r} was never an identity id of {self.path}")
        merged = dict(zip(registry["identity_id"], registry["merged_into"], strict=True))
        children: dict[str, list[str]] = {}
        for child, parent in zip(registry["identity_id"], registry["split_from"], strict=True):
            if isinstance(parent, str):
                children.setdefault(parent, []).append(child)
        out: list[str] = []
        todo = [identity_id]
        while todo:
            current = todo.pop(0)
            while isinstance(merged.get(current), str):
                current = str(merged[current])
            if current not in out:
                out.append(current)
                todo += sorted(children.get(current, []))
        return out

    # -- reviewers' decisions ------------------------------------------------------------------

    def decide(
        self,
        unique_id_l: str,
        unique_id_r: str,
        decision: str,
        *,
        reviewer: str | None = None,
        note: str | None = None,
        mode: str = "queue",
    ) -> None:
        """Record a reviewer's decision on two records (``source:record_id`` each): ``same``,
        ``different`` or ``not_sure``; ``mode`` is ``queue`` or ``sample`` (the random sample
        that estimates precision). It binds every later update as a must-link or cannot-link
        constraint in clustering (``docs/review.md``)."""
        _decisions.decide(
            self.con, unique_id_l, unique_id_r, decision, reviewer=reviewer, note=note, mode=mode
        )

    def decisions(self) -> pd.DataFrame:
        """Every decision recorded, oldest first."""
        return _decisions.decisions(self.con)

    def export_decisions(self, path: str | os.PathLike[str]) -> Path:
        """Write the decisions as a decisions file (``source_l, record_id_l, source_r,
        record_id_r, decision``)."""
        return _decisions.export_decisions(self.con, path)

    def import_decisions(self, path: str | os.PathLike[str]) -> int:
        """Add the decisions of a decisions file; return the rows read."""
        return _decisions.import_decisions(self.con, path)

    def add_decisions(self, frame: pd.DataFrame, *, origin: str = "a decisions frame") -> int:
        """Add decisions given as a frame of a decisions file's columns; return the rows."""
        return _decisions.add_decisions(self.con, frame, origin=origin)

    def apply_decisions(self) -> HandoffReport:
        """Apply the decisions recorded since the last update now (an update without data)."""
        return self.update(None)

    def labels(self) -> pd.DataFrame:
        """The binding decisions as training labels (``source_l, record_id_l, source_r,
        record_id_r, is_match``; see :func:`linkage.link`'s ``labels``)."""
        frame = _decisions.constraints(self.con)
        left = frame["unique_id_l"].str.split(":", n=1, expand=True)
        right = frame["unique_id_r"].str.split(":", n=1, expand=True)
        return pd.DataFrame(
            {
                "source_l": left[0] if len(frame) else [],
                "record_id_l": left[1] if len(frame) else [],
                "source_r": right[0] if len(frame) else [],
                "record_id_r": right[1] if len(frame) else [],
                "is_match": (frame["decision"] == "same").astype(int),
            }
        )

    # -- writing -------------------------------------------------------------------------------

    def update(
        self,
        data: Any,
        *,
        columns: Any = None,
        on_bad_record: OnBadRecord = "raise",
        retrain: bool = False,
        seed: int = 0,
        thresholds: Thresholds | None = None,
        training: TrainingConfig | None = None,
        max_comparisons: int = DEFAULT_MAX_COMPARISONS,
        strict: bool = False,
    ) -> HandoffReport:
        """Add the records of ``data`` (anything :func:`linkage.read_sources` reads; None for no
        records, to apply reviewers' decisions only): new ones,
        and revised ones (a ``source`` + ``record_id`` already stored, with other fields: the
        later wins, the earlier goes to the history). All or nothing: if anything fails, the
        store is left as it was.

        Only the new and revised records are blocked and scored (with the stored model), and
        only the identities their links touch are clustered again. The first update of a new
        store, or ``retrain=True``, trains a model on all the records and links them in full;
        the ids last either way (``docs/store.md``).

        ``strict``: stop on any warning about the input (:func:`linkage.read_sources`), with a
        :class:`~linkage.errors.StrictInputError`, before the store changes; without it the
        warnings are the report's ``warnings``.

        Returns:
            The :class:`~linkage.handoff.HandoffReport` of the whole store after the update,
            with its ``changes`` (the change log).
        """
        started = time.perf_counter()
        con = self.con
        _clear_working_tables(con)
        update_id = _next_update_id(con)
        warnings: tuple[Any, ...] = ()
        if data is None:
            _empty_extract(con)
        else:
            sources = read_sources(
                data, columns=columns, con=con, on_bad_record=on_bad_record, strict=strict
            )
            warnings = tuple(sources.warnings)
            normalize(sources)
        con.execute(f"ALTER TABLE {tables.REJECTS} RENAME TO {S.extract_rejects}")
        model = self.model
        full = retrain or model is None or _count(con, T.records) == 0
        delta = _delta.classify(con, update_id=update_id, full=full)
        model_json = None
        decided = _decisions.constraints(con)
        if model is None or retrain:
            model = self._train(seed, thresholds, training)
            model_json = json.dumps(model.to_dict())
        delta.prior_weight = _prior_weight(model, _count(con, S.all_input))
        if full:
            _delta.score_full(con, model, delta, max_comparisons=max_comparisons, decisions=decided)
        else:
            _delta.score_incremental(con, model, delta)
            _delta.recluster_touched(con, model, delta, decisions=decided)
        ids = _assign(con, update_id)
        report = self._report(model, ids, full=delta.full)
        changes = change_log(con, ids)
        row = _update_row(update_id, data, delta, started, trained=model_json is not None)
        row["records_rejected"] = _count(con, S.extract_rejects)
        commit(
            con, update_id=update_id, delta=delta, ids=ids, model_json=model_json, update_row=row
        )
        _stage_views(con)
        logger.info(
            "update %d: %s added, %s revised, %s unchanged, %s records clustered again, %.1f s",
            update_id, f"{delta.added:,}", f"{delta.revised:,}", f"{delta.unchanged:,}",
            f"{delta.reclustered:,}", row["seconds"],
        )  # fmt: skip
        return replace(report, changes=changes, review=precision_estimate(self), warnings=warnings)

    def _train(
        self, seed: int, thresholds: Thresholds | None, training: TrainingConfig | None
    ) -> Model:
        self.con.execute(
            f"CREATE OR REPLACE TABLE {tables.MODEL_INPUT} AS SELECT * FROM {S.all_input}"
        )
        if _count(self.con, tables.MODEL_INPUT) < 2:
            raise ModelError("the store holds too few records to train a model on")
        labels = self.labels()
        return train(
            self.con, config=training, thresholds=thresholds, seed=seed,
            labels=labels if len(labels) else None,
        )  # fmt: skip

    def _report(self, model: Model, ids: IdAssignment, *, full: bool) -> HandoffReport:
        """The handoff report of the whole store as it will be after the update (read through
        views over the store and this update's scratch tables)."""
        con = self.con
        threshold = float(model.thresholds.match_probability)
        final_clusters(con, ids.records, threshold=threshold, full=full)
        con.execute(f"DROP TABLE {tables.CLUSTERS}")
        rebuilt = f"(SELECT unique_id FROM {S.sub_nodes})"
        revised = f"(SELECT unique_id FROM {S.delta} WHERE revised)"
        old_pairs = (
            ""
            if full
            else f"""SELECT * EXCLUDE (scored_in) FROM {T.pairs}
                     WHERE unique_id_l NOT IN {revised} AND unique_id_r NOT IN {revised}
                     UNION ALL BY NAME """
        )
        con.execute(
            f"""CREATE OR REPLACE VIEW {tables.CLUSTERS} AS
            SELECT unique_id, source, record_id, identity_id, link_probability, contested_link
            FROM {T.clusters} WHERE unique_id NOT IN {rebuilt}
            UNION ALL SELECT * FROM {FINAL_CLUSTERS}"""
        )
        con.execute(f"DROP TABLE IF EXISTS {tables.RECORDS}")
        con.execute(f"CREATE OR REPLACE VIEW {tables.RECORDS} AS SELECT * FROM {S.all_records}")
        con.execute(f"DROP TABLE IF EXISTS {tables.PAIRS}")
        con.execute(
            f"CREATE OR REPLACE VIEW {tables.PAIRS} AS {old_pairs}SELECT * FROM {S.new_pairs}"
        )
        con.execute(
            f"""CREATE OR REPLACE VIEW {tables.REJECTS} AS
            SELECT * EXCLUDE (update_id) FROM {T.rejects}
            UNION ALL SELECT * FROM {S.extract_rejects}"""
        )
        review = model.thresholds.review_probability
        if not full:
            incremental_identities(con, review_threshold=review)
        return handoff_report(
            _StoreLinked(con=con, model=model), review_threshold=review, identities_ready=not full
        )


# -- helpers -----------------------------------------------------------------------------------


def _attach(
    path: Path,
    *,
    memory_limit: str | int | None,
    temp_directory: str | os.PathLike[str] | None,
) -> duckdb.DuckDBPyConnection:
    """A working (in-memory) connection with the store file attached as :data:`CATALOG`, held
    to the memory limit."""
    con = engine.connect(memory_limit=memory_limit, temp_directory=temp_directory)
    progress.configure(con)  # DuckDB's own bar: on a terminal only
    quoted = str(path).replace("'", "''")
    try:
        con.execute(f"ATTACH '{quoted}' AS {CATALOG}")
    except duckdb.Error as exc:
        con.close()
        first = str(exc).splitlines()[0]
        if any(word in first.lower() for word in ("lock", "already attached", "conflict")):
            raise StoreError(
                f"{path} is open for writing elsewhere (another process, or a Store not yet "
                f"closed): {first}. Fix: wait for that update to finish or close that Store, "
                "then try again; a store has one writer at a time"
            ) from exc
        raise StoreError(
            f"{path} cannot be opened as a store: {first}. Fix: give the path of a store made "
            "by linkage run --store (or linkage.Store.create)"
        ) from exc
    if Path(path).stat().st_size > 0 and not _has_table(con, "meta"):
        tables_found = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ?", [CATALOG]
        ).fetchall()[0][0]
        if tables_found:
            con.close()
            raise StoreError(
                f"{path} is a DuckDB database but not a linkage store (no meta table). Fix: "
                "give the path of a store made by linkage run --store"
            )
    return con


def _empty_extract(con: duckdb.DuckDBPyConnection) -> None:
    """An update without data: empty records and rejects tables in the working catalog."""
    columns = ", ".join(f"{name} {kind}" for name, kind in CANONICAL_COLUMNS.items())
    con.execute(f"CREATE OR REPLACE TABLE {tables.RECORDS} ({columns})")
    con.execute(f"CREATE OR REPLACE TABLE {tables.REJECTS} ({REJECTS_SCHEMA})")


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = ?",
            [CATALOG, name],
        ).fetchall()[0][0]
    )


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The store's tables, empty, and its meta rows."""
    columns = ", ".join(f"{name} {kind}" for name, kind in CANONICAL_COLUMNS.items())
    empty = tables.scratch("empty_records")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {empty} ({columns})")
    statements = [
        FIXED_TABLES_SQL,
        f"CREATE TABLE {T.records} ({columns}, fingerprint VARCHAR, first_seen INTEGER, "
        "last_changed INTEGER)",
        f"CREATE TABLE {T.records_history} AS SELECT *, NULL::INTEGER AS replaced_in "
        f"FROM {T.records} LIMIT 0",
        f"CREATE TABLE {T.model_input} AS SELECT * FROM ("
        + MODEL_INPUT_SQL.format(records=empty)
        + ") LIMIT 0",
        f"CREATE TABLE {T.clusters} (unique_id VARCHAR, source VARCHAR, record_id VARCHAR, "
        "identity_id VARCHAR, link_probability DOUBLE, contested_link DOUBLE)",
        f"CREATE TABLE {T.rejects} ({REJECTS_SCHEMA}, update_id INTEGER)",
    ]
    for sql in statements:
        con.execute(sql)
    clusters = tables.scratch("empty_clusters")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {clusters} AS SELECT * FROM {T.clusters} LIMIT 0")
    statuses = identity_statuses(con, records=empty, clusters=clusters)
    con.execute(f"CREATE TABLE {T.identities} AS SELECT * FROM ({statuses.sql_query()}) LIMIT 0")
    con.execute(f"CREATE TABLE {T.identities_exact} AS SELECT * FROM {T.identities} LIMIT 0")
    con.execute(f"DROP TABLE {empty}")
    con.execute(f"DROP TABLE {clusters}")
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    con.executemany(
        f"INSERT INTO {T.meta} VALUES (?, ?)",
        [["schema_version", str(SCHEMA_VERSION)], ["linkage_version", __version__],
         ["created_at", now]],
    )  # fmt: skip


def _clear_working_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what an earlier update left in the working catalog (stage, scratch and Splink
    tables): each update starts clean."""
    rows = con.execute(
        "SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE database_name IN ('memory', 'temp') "
        "UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() "
        "WHERE database_name IN ('memory', 'temp') AND NOT internal"
    ).fetchall()
    views = [name for name, kind in rows if kind == "VIEW"]
    for name in views:
        con.execute(f'DROP VIEW IF EXISTS "{name}"')
    for name, kind in rows:
        if kind == "TABLE":
            con.execute(f'DROP TABLE IF EXISTS "{name}"')


def _next_update_id(con: duckdb.DuckDBPyConnection) -> int:
    return int(
        con.execute(f"SELECT coalesce(max(update_id), 0) + 1 FROM {T.updates}").fetchall()[0][0]
    )


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def _assign(con: duckdb.DuckDBPyConnection, update_id: int) -> IdAssignment:
    """Lasting ids for the re-clustered records (:mod:`linkage.store._ids`)."""
    clustered = con.execute(
        f"""SELECT c.unique_id, c.identity_id AS cluster, o.identity_id AS old_id,
               coalesce(d.first_seen, r.first_seen, {update_id}) AS first_seen
        FROM {tables.CLUSTERS} c
        LEFT JOIN {T.clusters} o USING (unique_id)
        LEFT JOIN {S.delta} d USING (unique_id)
        LEFT JOIN {T.records} r USING (unique_id)"""
    ).df()
    old_ids = sorted(set(clustered["old_id"].dropna()))
    created = con.execute(
        f"SELECT identity_id, created_in FROM {T.identity_ids} "
        "WHERE identity_id IN (SELECT unnest(?))",
        [old_ids],
    ).df()

    def is_taken(ids: Any) -> set[str]:
        found = con.execute(
            f"SELECT identity_id FROM {T.identity_ids} WHERE identity_id IN (SELECT unnest(?))",
            [list(ids)],
        ).fetchall()
        return {str(r[0]) for r in found}

    return assign_ids(
        clustered,
        created_in=pd.Series(created["created_in"].to_numpy(), index=created["identity_id"]),
        update_id=update_id,
        is_taken=is_taken,
    )


def _update_row(
    update_id: int, data: Any, delta: Delta, started: float, *, trained: bool
) -> dict[str, Any]:
    described = str(data) if isinstance(data, (str, os.PathLike)) else type(data).__name__
    return {
        "update_id": update_id,
        "kind": "run" if update_id == 1 else "retrain" if delta.full else "update",
        "finished_at": datetime.now(timezone.utc).replace(tzinfo=None),
        "data": described,
        "records_added": delta.added,
        "records_revised": delta.revised,
        "records_unchanged": delta.unchanged,
        "records_rejected": 0,
        "pairs_scored": delta.pairs_scored,
        "records_reclustered": delta.reclustered,
        "retrained": trained,
        "prior_weight": delta.prior_weight,
        "seconds": time.perf_counter() - started,
    }


def _prior_weight(model: Model, records: int) -> float | None:
    """The match weight of the prior the model scores ``records`` records with."""
    prior = prior_for(model, records)
    return math.log2(prior / (1 - prior)) if 0 < prior < 1 else None


def _stage_views(con: duckdb.DuckDBPyConnection) -> None:
    """After the commit: the stage tables the report reads become views over the store."""
    _clear_working_tables(con)
    record_columns = ", ".join(CANONICAL_COLUMNS)
    con.execute(f"CREATE VIEW {tables.RECORDS} AS SELECT {record_columns} FROM {T.records}")
    con.execute(
        f"CREATE VIEW {tables.CLUSTERS} AS SELECT unique_id, source, record_id, identity_id, "
        f"link_probability, contested_link FROM {T.clusters}"
    )
    con.execute(f"CREATE VIEW {tables.PAIRS} AS SELECT * EXCLUDE (scored_in) FROM {T.pairs}")
    con.execute(f"CREATE VIEW {tables.REJECTS} AS SELECT * EXCLUDE (update_id) FROM {T.rejects}")
    con.execute(f"CREATE VIEW {tables.IDENTITIES} AS SELECT * FROM {T.identities}")
