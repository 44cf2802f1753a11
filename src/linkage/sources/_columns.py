"""Planning the columns: the caller's mapping, layout names matched, missing or misspelled ones."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from linkage import schema
from linkage.errors import Problem
from linkage.sources._load import Loaded
from linkage.sources._problems import unknown_source_problem
from linkage.sources._typing import ROW_NUMBER_COLUMN, ColumnMapping

NAME_OPTIONS: tuple[str, ...] = ("full_name", "last_name", "first_name")


@dataclass(frozen=True, kw_only=True)
class Plan:
    """How the input's columns become the table's: (input column, output name, is layout)."""

    columns: tuple[tuple[str, str, bool], ...]


def resolve_mappings(
    columns: Mapping[str, ColumnMapping] | None,
    inputs: Mapping[str, Any],
    problems: list[Problem],
    warnings: list[Problem],
) -> dict[str, dict[str, str]]:
    if columns is None:
        return {}
    if not isinstance(columns, Mapping):
        problems.append(
            Problem(
                source=None,
                column=None,
                message=f"columns= must be a mapping per source, not a {type(columns).__name__}",
                fix="pass e.g. columns={'cbp': {'ALIEN_NBR': 'a_number'}}",
            )
        )
        return {}
    result: dict[str, dict[str, str]] = {}
    for key, mapping in columns.items():
        name = str(key).strip().lower()
        if name not in schema.SOURCES:
            problem = unknown_source_problem(key)
            if (
                isinstance(key, str)
                and key.strip().lower() in schema.COMMON_COLUMNS + schema.NAME_COLUMNS
            ):
                problem = Problem(
                    source=None,
                    column=str(key),
                    message="columns= is keyed by source first; got a column name as a key",
                    fix="nest the mapping under its source, e.g. columns={'cbp': {'ALIEN_NBR': 'a_number'}}",
                )
            problems.append(problem)
            continue
        if not isinstance(mapping, Mapping):
            problems.append(
                Problem(
                    source=name,
                    column=None,
                    message=f"the column mapping must be a dict, not a {type(mapping).__name__}",
                    fix=f"pass e.g. columns={{'{name}': {{'ALIEN_NBR': 'a_number'}}}}",
                )
            )
            continue
        if name not in inputs:
            warnings.append(
                Problem(
                    source=name,
                    column=None,
                    message="a column mapping was given for a source that was not given; it is unused",
                    fix="remove it, or give the source",
                    kind="source",
                )
            )
        result[name] = {str(k): str(v) for k, v in mapping.items()}
    return result


def plan_columns(
    item: Loaded,
    mapping: Mapping[str, str],
    problems: list[Problem],
    warnings: list[Problem],
) -> Plan | None:
    source = item.source
    layout = _layout(source)
    found = list(item.columns)
    shown = _show(found)
    start = len(problems)
    target_of: dict[str, str] = {}  # input column -> layout column

    for user_name, target in mapping.items():
        column = _match_column(user_name, found)
        if column is None:
            close = _close(user_name, found)
            problems.append(
                Problem(
                    source=source,
                    column=user_name,
                    message=f"the column mapping names {user_name!r}, which is not in {item.label!r}; "
                    f"its columns are {shown}",
                    fix=f"did you mean {close!r}?" if close else "use one of the columns listed",
                    kind="schema",
                )
            )
            continue
        wanted = target.strip()
        if wanted not in layout:
            elsewhere = [s for s in schema.SOURCES if wanted in _layout(s)]
            where = f" (it belongs to {', '.join(elsewhere)})" if elsewhere else ""
            close = _close(wanted, layout)
            problems.append(
                Problem(
                    source=source,
                    column=user_name,
                    message=f"the column mapping maps {user_name!r} onto {target!r}, which is not a "
                    f"column of the {source} layout{where}; its layout columns are {_show(layout)}",
                    fix=(f"did you mean {close!r}? " if close else "")
                    + "unmapped columns are carried through under their own names anyway",
                    kind="schema",
                )
            )
            continue
        target_of[column] = wanted
    for column in found:
        if column not in target_of and _key(column) in layout and column not in mapping:
            target_of[column] = _key(column)

    by_target: dict[str, list[str]] = {}
    for column, target in target_of.items():
        by_target.setdefault(target, []).append(column)
    for target, cols in by_target.items():
        if len(cols) > 1:
            problems.append(
                Problem(
                    source=source,
                    column=target,
                    message=f"{len(cols)} columns would become {target!r}: {_show(cols)}",
                    fix="map only one of them onto it, and drop or rename the others before reading",
                    examples=tuple(cols),
                    kind="schema",
                )
            )
    present = set(by_target)
    unmapped = [c for c in found if c not in target_of]

    for required in schema.REQUIRED_COLUMNS:
        if required not in present:
            close = _close(required, unmapped)
            fix = (
                f"map it: columns={{'{source}': {{'{close}': '{required}'}}}}"
                if close
                else f"add the column, or map the input's column onto it: "
                f"columns={{'{source}': {{'<your column>': '{required}'}}}}"
            )
            problems.append(
                Problem(
                    source=source,
                    column=required,
                    message=f"required column {required!r} is missing from {item.label!r}; "
                    f"its columns are {shown}",
                    fix=fix,
                    kind="schema",
                )
            )
    if not present.intersection(NAME_OPTIONS):
        guesses = {n: c for n in NAME_OPTIONS if (c := _close(n, unmapped))}
        fix = (
            "map them: columns={'"
            + source
            + "': {"
            + ", ".join(f"'{c}': '{n}'" for n, c in guesses.items())
            + "}}"
            if guesses
            else "add full_name, or first_name and last_name, or map the input's name columns "
            "onto them"
        )
        problems.append(
            Problem(
                source=source,
                column=None,
                message=f"no name column in {item.label!r}: needs full_name, or last_name, or "
                f"first_name; its columns are {shown}",
                fix=fix,
                kind="schema",
            )
        )
    if len(problems) > start:
        return None

    extras = [c for c in unmapped if _key(c) != ROW_NUMBER_COLUMN]
    if len(extras) < len(unmapped):
        warnings.append(
            Problem(
                source=source,
                column=ROW_NUMBER_COLUMN,
                message=f"the input's own {ROW_NUMBER_COLUMN!r} column was replaced by the row "
                "number of each record in this input",
                fix=f"rename the column if it is data ({ROW_NUMBER_COLUMN!r} is reserved)",
                kind="schema",
            )
        )
    unknown = extras
    if unknown:
        hints = {c: h for c in unknown if (h := _close(c, sorted(set(layout) - present)))}
        warnings.append(
            Problem(
                source=source,
                column=None,
                message=f"{len(unknown)} column(s) not in the {source} layout are carried through "
                "unchanged and not used for linking",
                fix=(
                    "if one is a layout column under another name, map it: "
                    + ", ".join(f"{c!r} -> {h!r}" for c, h in hints.items())
                )
                if hints
                else "nothing to do if they are only for reference",
                examples=tuple(unknown),
                kind="schema",
            )
        )
    plan = [(c, t, True) for t in layout for c in found if target_of.get(c) == t]
    plan += [(c, c, False) for c in extras]
    return Plan(columns=tuple(plan))


def _layout(source: str) -> tuple[str, ...]:
    return schema.COMMON_COLUMNS + schema.NAME_COLUMNS + schema.SOURCE_COLUMNS[source]


def _key(name: str) -> str:
    """A header as matched against the layout: BOM and surrounding spaces removed, lower case."""
    return name.strip().lstrip("\ufeff").strip().lower()


def _match_column(name: str, found: Sequence[str]) -> str | None:
    if name in found:
        return name
    matches = [c for c in found if _key(c) == _key(name)]
    return matches[0] if len(matches) == 1 else None


def _squash(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", _key(name))


def _close(name: str, candidates: Sequence[str]) -> str | None:
    """The candidate closest to ``name`` (ignoring case and punctuation), if any is close."""
    squashed = {}
    for c in candidates:
        squashed.setdefault(_squash(c), c)
    key = _squash(name)
    if not key:
        return None
    hits = difflib.get_close_matches(key, list(squashed), n=1, cutoff=0.6)
    if hits:
        return squashed[hits[0]]
    contained = [c for k, c in squashed.items() if k and (key in k or k in key) and len(k) > 2]
    return contained[0] if len(contained) == 1 else None


def _show(names: Sequence[str], limit: int = 20) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    if len(names) > limit:
        shown += f", ... ({len(names) - limit} more)"
    return shown or "(none)"
