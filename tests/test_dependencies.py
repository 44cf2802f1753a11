"""Declared dependencies are the ones the library uses (and the other way round)."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = None

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Import names of the distributions whose name differs.
IMPORT_NAMES = {"pyarrow": "pyarrow", "pycountry": "pycountry"}
#: Declared for the user, not imported by the package itself.
FOR_THE_USER = {
    "altair": "LinkageResult.explain returns Splink's Altair charts; the notebook draws"
}


def _imported_by_the_library() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "src" / "linkage").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


@pytest.mark.skipif(tomllib is None, reason="tomllib needs Python 3.11")
def test_every_runtime_dependency_is_imported_by_the_library() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {re.split(r"[<>=\[ ;]", d)[0].lower() for d in project["dependencies"]}
    used = _imported_by_the_library()
    unused = {
        d
        for d in declared - set(FOR_THE_USER)
        if IMPORT_NAMES.get(d, d.replace("-", "_")) not in used
    }
    assert not unused, f"declared but never imported by src/linkage: {sorted(unused)}"
