"""The house rules the code keeps: the public surface, the stage tables, imports and sizes.

- ``linkage.__all__`` is pinned: adding or removing a public name is a decision, made here.
- Every table `linkage` makes on a connection is named in :mod:`linkage.tables` and starts with
  ``linkage_``: a caller's own tables with the plain names (``records``, ``clusters``, ...) on the
  same connection are never touched, and no scratch table is left behind.
- No module inside the package imports the package's top level, no import cycle (function-level
  imports included), no source file over 800 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import linkage
from linkage import handoff_report, link, read_sources, tables
from linkage.model import TrainingConfig
from linkage.synthetic import generate

PACKAGE = Path(linkage.__file__).parent

PUBLIC = [
    "BlockingError",
    "Evaluation",
    "ErrorAnalysis",
    "EvaluationError",
    "HandoffReport",
    "InputError",
    "LinkageError",
    "LinkageResult",
    "Model",
    "ModelError",
    "OutputError",
    "Problem",
    "RecordError",
    "Records",
    "ResourceError",
    "SchemaError",
    "SourceError",
    "Sources",
    "StatusScores",
    "Store",
    "StoreError",
    "StrictInputError",
    "Thresholds",
    "TrainingConfig",
    "__version__",
    "evaluate",
    "explain_errors",
    "handoff_report",
    "identity_statuses",
    "link",
    "normalize",
    "profile",
    "read_sources",
    "run",
    "write_report",
]


def test_the_public_surface_is_pinned():
    assert sorted(linkage.__all__) == sorted(PUBLIC)
    assert len(set(linkage.__all__)) == len(linkage.__all__)
    for name in PUBLIC:
        assert getattr(linkage, name) is not None, name


def test_the_version_is_the_packages():
    from importlib.metadata import version

    assert linkage.__version__ == version("linkage")


# --- the stage tables never meet a caller's tables --------------------------------------------

#: Every plain name a stage table, a scratch table or a registered frame had, or might have.
PLAIN_NAMES = (
    "records", "pairs", "clusters", "identities", "rejects", "model_input", "model_train_input",
    "clerical_labels", "clusters_exact_join", "identities_exact_join", "source_cbp", "source_ice",
    "source_hhs", "source_eoir", "labels", "truth", "children", "cells", "stage", "_stage",
    "_conflict_nodes", "_checked", "_to_check", "_pair_rows", "_members", "_scored", "_multi",
    "_cluster_frame", "_labels_frame", "_record_numbers", "_decided", "tmp_stage", "linkage",
    "sources", "summary", "result_df",
)  # fmt: skip


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }


@pytest.mark.slow
def test_the_job_leaves_a_callers_tables_with_plain_names_untouched():
    con = duckdb.connect()
    for name in PLAIN_NAMES:
        con.execute(f"CREATE TABLE \"{name}\" AS SELECT 42 AS mine, '{name}' AS label")
    data = generate(150, seed=4)
    sources = read_sources(data.sources, con=con)
    labels = pd.DataFrame(
        {"unique_id_l": ["cbp:x"], "unique_id_r": ["hhs:y"], "is_match": [0]}
    )  # touches the clerical-labels table
    result = link(sources, quiet=True, labels=labels, training=TrainingConfig(u_max_pairs=50_000))
    report = handoff_report(result)
    assert report.identities.shape[0] > 0

    for name in PLAIN_NAMES:
        assert con.execute(f'SELECT mine, label FROM "{name}"').fetchall() == [(42, name)], name
    made = _tables(con) - set(PLAIN_NAMES)
    ours = {t for t in made if not t.startswith("__splink__")}  # Splink's own prefix
    assert ours, "the job made no table"
    assert all(t.startswith(tables.PREFIX) for t in ours), sorted(ours)
    assert not [t for t in ours if t.startswith(tables.SCRATCH_PREFIX)], "scratch left behind"
    for name in (tables.RECORDS, tables.PAIRS, tables.CLUSTERS, tables.IDENTITIES, tables.REJECTS):
        assert name in ours, name


def test_every_stage_table_name_is_prefixed():
    assert tables.PREFIX == "linkage_"
    for name in (*tables.STAGE_TABLES, tables.source("cbp"), tables.scratch("x")):
        assert name.startswith(tables.PREFIX), name


# --- imports and sizes ------------------------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, int]]:
    """(module imported, line) for every import of a ``linkage`` module in the file, at any
    depth (function-level imports too; not those under ``if TYPE_CHECKING:``, which never run),
    ``from linkage import x`` read as ``linkage.x`` when x is a submodule."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):  # imports for type checkers only never run: not counted
        if isinstance(node, ast.If) and ast.unparse(node.test) in (
            "TYPE_CHECKING",
            "typing.TYPE_CHECKING",
        ):
            node.body = []
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.startswith("linkage")]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            if not base.startswith("linkage"):
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                is_module = (PACKAGE.parent / Path(*sub.split("."))).with_suffix(
                    ".py"
                ).exists() or (PACKAGE.parent / Path(*sub.split(".")) / "__init__.py").exists()
                found.append((sub if is_module else base, node.lineno))
    return found


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_no_module_inside_the_package_imports_its_top_level():
    offenders = [
        f"{p.relative_to(PACKAGE)}:{line}"
        for p in SOURCES
        if p != PACKAGE / "__init__.py"
        for module, line in _imports(p)
        if module == "linkage"
    ]
    assert not offenders, offenders


def test_there_is_no_import_cycle():
    graph: dict[str, set[str]] = {}
    for path in SOURCES:
        if path == PACKAGE / "__init__.py":
            continue  # the top level imports everything; nothing inside imports it (above)
        here = _module_name(path)
        graph[here] = {m for m, _ in _imports(path) if m != here and m != "linkage"}
    # A package's __init__ imports its own modules; a module importing its package's
    # __init__ for a name defined in a sibling is the usual re-export, not a cycle of ideas,
    # so an edge module -> own package is dropped.
    for here, targets in graph.items():
        graph[here] = {t for t in targets if not here.startswith(t + ".")}
    seen: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        seen[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if seen.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in seen:
                visit(nxt)
        stack.pop()
        seen[node] = 2

    for node in sorted(graph):
        if node not in seen:
            visit(node)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_source_file_is_over_800_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 800, f"{path.name}: {lines} lines; split it by idea"
