"""The notebooks in notebooks/ run from top to bottom and show what they promise.

Each notebook is executed once with nbclient, in a kernel started from *this* interpreter (a
kernel spec written to a temporary folder), so the test needs no registered Jupyter kernel and
never picks up another Python that happens to be installed. Cells are found by their tags.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbclient
import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient.exceptions import CellExecutionError

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
WALKTHROUGH = "walkthrough.ipynb"
KERNEL_NAME = "python3"
TIMEOUT_SECONDS = 600
#: Vega-Lite data that Jupyter draws itself, in the MIME form nbformat accepts.
VEGA_LITE = re.compile(r"^application/vnd\.vegalite\.v\d+\+json$")


@dataclass
class Executed:
    """A notebook after execution, and the error that stopped it (None when it ran through)."""

    notebook: nbformat.NotebookNode
    error: CellExecutionError | None


def _kernel_manager(spec_dir: Path) -> KernelManager:
    """A kernel manager whose ``python3`` kernel is this interpreter's ipykernel."""
    kernel_dir = spec_dir / "kernels" / KERNEL_NAME
    kernel_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python ({sys.executable})",
        "language": "python",
    }
    (kernel_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    specs = KernelSpecManager(kernel_dirs=[str(spec_dir / "kernels")])
    return KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)


def _execute(path: Path, spec_dir: Path) -> Executed:
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        km=_kernel_manager(spec_dir),
        timeout=TIMEOUT_SECONDS,
        kernel_name=KERNEL_NAME,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as error:
        return Executed(notebook, error)
    return Executed(notebook, None)


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Executed]:
    """Every notebook, executed once for all the tests of this module."""
    return {
        path.name: _execute(path, tmp_path_factory.mktemp(f"kernel-{path.stem}"))
        for path in NOTEBOOKS
    }


def _cell(run: Executed, tag: str) -> nbformat.NotebookNode:
    """The one code cell with ``tag``; fails clearly when the notebook stopped before it."""
    found = [c for c in run.notebook.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(found) == 1, f"expected one cell tagged {tag!r}, found {len(found)}"
    cell = found[0]
    if cell.get("execution_count") is None:
        pytest.fail(f"the notebook stopped before cell {tag!r}: {run.error}")
    return cell


def _text(cell: nbformat.NotebookNode) -> str:
    """Everything a cell printed or displayed as plain text."""
    parts: list[str] = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            parts.append(output["text"])
        elif output["output_type"] in ("execute_result", "display_data"):
            parts.append(output["data"].get("text/plain", ""))
    return "\n".join(parts)


def _displayed(cell: nbformat.NotebookNode) -> list[dict]:
    return [o["data"] for o in cell.get("outputs", []) if "data" in o]


def test_there_are_notebooks() -> None:
    assert any(p.name == WALKTHROUGH for p in NOTEBOOKS), f"no {WALKTHROUGH} in {NOTEBOOKS_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_clean(path: Path) -> None:
    """Stored valid and without outputs or execution counts, so diffs show only what was written."""
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    dirty = [
        i
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} hold outputs; clear them before committing"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_without_errors(path: Path, executed: dict[str, Executed]) -> None:
    run = executed[path.name]
    assert run.error is None, f"{path.name} stopped with an error:\n{run.error}"
    code = [c for c in run.notebook.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "some code cells did not run"
    errors = [o for c in code for o in c.outputs if o["output_type"] == "error"]
    assert not errors, [f"{e['ename']}: {e['evalue']}" for e in errors]


@pytest.mark.slow
def test_walkthrough_scores_against_the_truth(executed: dict[str, Executed]) -> None:
    text = _text(_cell(executed[WALKTHROUGH], "evaluation"))
    found = re.search(r"pairwise F1: (\d\.\d+)", text)
    assert found, f"the evaluation cell printed no pairwise F1:\n{text}"
    assert float(found.group(1)) >= 0.9, text
    assert "B-cubed" in text, f"the Evaluation summary is not displayed:\n{text}"


@pytest.mark.slow
def test_walkthrough_beats_the_exact_join(executed: dict[str, Executed]) -> None:
    """The notebook's point: linkage finds the children that the A-number join splits."""
    text = _text(_cell(executed[WALKTHROUGH], "baseline"))
    found = re.search(r"pairwise F1: linkage (\d\.\d+), exact A-number join (\d\.\d+)", text)
    assert found, f"the baseline cell printed no comparison:\n{text}"
    assert float(found.group(1)) > float(found.group(2)), text


@pytest.mark.slow
@pytest.mark.parametrize("tag", ["waterfall", "status_chart", "funnel"])
def test_walkthrough_charts_render_offline(tag: str, executed: dict[str, Executed]) -> None:
    """Charts are Vega-Lite data that Jupyter draws itself, not HTML that loads a CDN."""
    bundles = _displayed(_cell(executed[WALKTHROUGH], tag))
    mimes = sorted({m for bundle in bundles for m in bundle})
    specs = [b[m] for b in bundles for m in b if VEGA_LITE.match(m)]
    assert specs, f"{tag}: no Vega-Lite output, only {mimes}"
    assert all(isinstance(s, dict) and ("mark" in s or "layer" in s) for s in specs), specs
    html = "".join(str(b.get("text/html", "")) for b in bundles)
    assert "cdn.jsdelivr" not in html


@pytest.mark.slow
@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("profile", "placeholder"),
        ("uncertain", "below 0.95"),
        ("needs_review", "identities need review"),
        ("needs_review", "strong link refused"),  # each flagged identity says why
        ("explain", "Identity ID-"),
        ("explain_pair", "cumulative_match_weight"),
        ("report", "lost after the HHS handoff"),
        ("versus_exact_join", "exact_join"),
        ("model", "records given the same identity when scored again: 100.0%"),
        ("store-update", "records_reclustered"),
        ("store-changes", "record_added"),
    ],
)
def test_walkthrough_shows_each_step(
    tag: str, expected: str, executed: dict[str, Executed]
) -> None:
    text = _text(_cell(executed[WALKTHROUGH], tag))
    assert expected in text, f"cell {tag!r} shows no {expected!r}:\n{text[:2000]}"


@pytest.mark.slow
@pytest.mark.parametrize("tag", ["status_chart", "funnel"])
def test_walkthrough_chart_labels_read_level(tag: str, executed: dict[str, Executed]) -> None:
    """No label written on its side or on top of another (issue 15: the faceted status chart's
    row labels were turned upright over each other, the funnel's stage names on their side)."""
    bundles = _displayed(_cell(executed[WALKTHROUGH], tag))
    specs = [b[m] for b in bundles for m in b if VEGA_LITE.match(m)]
    assert specs, f"{tag}: no chart"
    encoding = specs[0]["encoding"]  # the same spec under each Vega-Lite version's name
    assert "row" not in encoding and "column" not in encoding  # no facet headers turned upright
    x = encoding["x"]
    if x.get("type") == "nominal":
        assert x.get("axis", {}).get("labelAngle") == 0, x
