"""Planning the columns: the caller's mapping, layout names matched, missing or misspelled ones.

:func:`resolve_mappings` checks the ``columns=`` argument of ``read_sources``; :func:`plan_columns`
decides, for one loaded input, which of its columns becomes which layout column and which are
carried through, and reports every column problem of that input at once. Neither touches DuckDB.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from linkage.errors import Problem
from linkage.schema import COMMON_COLUMNS, NAME_COLUMNS, REQUIRED_COLUMNS, SOURCE_COLUMNS, SOURCES
from linkage.sources._load import Loaded
from linkage.sources._problems import unknown_source_problem
from linkage.sources._typing import ROW_NUMBER_COLUMN, ColumnMapping

#: The name columns, one of which every source needs.
NAME_OPTIONS: tuple[str, ...] = ("full_name", "last_name", "first_name")


@dataclass(frozen=True, kw_only=True)
class Plan:
    """How the input's columns become the table's: (input column, output name, is layout)."""

    columns: tuple[tuple[str, str, bool], ...]


# --------------------------------------------------------------------------------------------
# the columns= argument
# --------------------------------------------------------------------------------------------


def resolve_mappings(
    columns: Mapping[str, ColumnMapping] | None,
    inputs: Mapping[str, Any],
    problems: list[Problem],
    warnings: list[Problem],
) -> dict[str, dict[str, str]]:
    """Source -> {input column: layout column}; problems for keys or values that are not so."""
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
        if name not in SOURCES:
            problems.append(_mapping_key_problem(key))
        elif not isinstance(mapping, Mapping):
            problems.append(
                Problem(
                    source=name,
                    column=None,
                    message=f"the column mapping must be a dict, not a {type(mapping).__name__}",
                    fix=f"pass e.g. columns={{'{name}': {{'ALIEN_NBR': 'a_number'}}}}",
                )
            )
        else:
            if name not in inputs:
                warnings.append(_unused_mapping_warning(name))
            result[name] = {str(k): str(v) for k, v in mapping.items()}
    return result


def _mapping_key_problem(key: object) -> Problem:
    """A ``columns=`` key that is not a source: often a column name given without its source."""
    if isinstance(key, str) and key.strip().lower() in COMMON_COLUMNS + NAME_COLUMNS:
        return Problem(
            source=None,
            column=str(key),
            message="columns= is keyed by source first; got a column name as a key",
            fix="nest the mapping under its source, e.g. columns={'cbp': {'ALIEN_NBR': 'a_number'}}",
        )
    return unknown_source_problem(key)


def _unused_mapping_warning(source: str) -> Problem:
    return Problem(
        source=source,
        column=None,
        message="a column mapping was given for a source that was not given; it is unused",
        fix="remove it, or give the source",
        kind="source",
    )


# --------------------------------------------------------------------------------------------
# the plan of one input
# --------------------------------------------------------------------------------------------


def plan_columns(
    item: Loaded,
    mapping: Mapping[str, str],
    problems: list[Problem],
    warnings: list[Problem],
) -> Plan | None:
    """The plan of ``item``'s columns, or None when it has column problems (added to ``problems``).

    Mapped columns first, then headers already named as the layout (any case, stray spaces); every
    layout column at most once; the required columns and a name column present. The columns
    outside the layout are carried through under their own names, with a warning.
    """
    layout = _layout(item.source)
    if _header_is_data(item, mapping, layout):
        problems.append(_header_is_data_problem(item))
        return None
    start = len(problems)
    target_of = _mapped_columns(item, mapping, layout, problems)
    target_of = _matched_by_name(item.columns, mapping, layout, target_of)
    _check_one_column_per_target(item.source, target_of, problems)
    present = set(target_of.values())
    unmapped = [c for c in item.columns if c not in target_of]
    _check_required_columns(item, present, unmapped, problems)
    _check_name_column(item, present, unmapped, problems)
    if len(problems) > start:
        return None

    extras = [c for c in unmapped if _key(c) != ROW_NUMBER_COLUMN]
    if len(extras) < len(unmapped):
        warnings.append(_row_number_replaced_warning(item.source))
    missing = sorted(set(layout) - present)
    hints = {c: h for c in extras if (h := _close(c, missing))}
    warnings += [_misspelled_column_warning(item, c, h) for c, h in hints.items()]
    if extras:
        warnings.append(_extra_columns_note(item.source, extras, hints))
    plan = [(c, t, True) for t in layout for c in item.columns if target_of.get(c) == t]
    plan += [(c, c, False) for c in extras]
    return Plan(columns=tuple(plan))


def _mapped_columns(
    item: Loaded, mapping: Mapping[str, str], layout: Sequence[str], problems: list[Problem]
) -> dict[str, str]:
    """Input column -> layout column, from the caller's mapping; a problem per unusable entry."""
    found = list(item.columns)
    target_of: dict[str, str] = {}
    for user_name, target in mapping.items():
        column = _match_column(user_name, found)
        if column is None:
            problems.append(_absent_column_problem(item, user_name))
        elif target.strip() not in layout:
            problems.append(_outside_layout_problem(item.source, user_name, target, layout))
        else:
            target_of[column] = target.strip()
    return target_of


def _matched_by_name(
    found: Sequence[str],
    mapping: Mapping[str, str],
    layout: Sequence[str],
    target_of: Mapping[str, str],
) -> dict[str, str]:
    """``target_of`` plus the unmapped headers already named as the layout (any case, spaces)."""
    matched = dict(target_of)
    for column in found:
        if column not in matched and _key(column) in layout and column not in mapping:
            matched[column] = _key(column)
    return matched


#: A header cell that is a value, not a name: a date or a number (``04/19/2009``, ``20210301``).
_VALUE_LIKE = re.compile(r"^\s*\d[\d\s/.:-]*\s*$")


def _header_is_data(item: Loaded, mapping: Mapping[str, str], layout: Sequence[str]) -> bool:
    """Whether the input's header is a record: no column is named as the layout or the mapping,
    and some "column names" are dates or numbers (a CSV file written without its header row)."""
    named = any(_key(c) in layout for c in item.columns) or any(
        _match_column(m, item.columns) is not None for m in mapping
    )
    return not named and any(_VALUE_LIKE.match(c) for c in item.columns)


def _header_is_data_problem(item: Loaded) -> Problem:
    """The first line is data: say so without showing it (it holds a child's name and birth)."""
    values = sum(1 for c in item.columns if _VALUE_LIKE.match(c))
    where = "fields of its first line" if item.unit == "line" else "column names"
    return Problem(
        source=item.source,
        column=None,
        message=f"{item.label!r} seems to have no header row: none of the {len(item.columns)} "
        f"{where} is a column name of the layout and {values} are dates or numbers, so the "
        "header is a record (not shown here: it may hold a child's name and birth date)",
        fix="add the header row, e.g. record_id,first_name,last_name,dob,event_date, or map the "
        "input's columns with columns=",
        kind="schema",
    )


def _check_one_column_per_target(
    source: str, target_of: Mapping[str, str], problems: list[Problem]
) -> None:
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


def _check_required_columns(
    item: Loaded, present: set[str], unmapped: Sequence[str], problems: list[Problem]
) -> None:
    """A problem per missing required column, suggesting the closest unmapped column."""
    for required in REQUIRED_COLUMNS:
        if required in present:
            continue
        close = _close(required, unmapped)
        fix = (
            f"map it: columns={{'{item.source}': {{'{close}': '{required}'}}}}"
            if close
            else f"add the column, or map the input's column onto it: "
            f"columns={{'{item.source}': {{'<your column>': '{required}'}}}}"
        )
        problems.append(
            Problem(
                source=item.source,
                column=required,
                message=f"required column {required!r} is missing from {item.label!r}; "
                f"its columns are {_show(item.columns)}",
                fix=fix,
                kind="schema",
            )
        )


def _check_name_column(
    item: Loaded, present: set[str], unmapped: Sequence[str], problems: list[Problem]
) -> None:
    """A problem when no name column is present, suggesting a mapping of the closest ones."""
    if present.intersection(NAME_OPTIONS):
        return
    guesses = {n: c for n in NAME_OPTIONS if (c := _close(n, unmapped))}
    fix = (
        "map them: columns={'"
        + item.source
        + "': {"
        + ", ".join(f"'{c}': '{n}'" for n, c in guesses.items())
        + "}}"
        if guesses
        else "add full_name, or first_name and last_name, or map the input's name columns onto them"
    )
    problems.append(
        Problem(
            source=item.source,
            column=None,
            message=f"no name column in {item.label!r}: needs full_name, or last_name, or "
            f"first_name; its columns are {_show(item.columns)}",
            fix=fix,
            kind="schema",
        )
    )


def _absent_column_problem(item: Loaded, user_name: str) -> Problem:
    close = _close(user_name, item.columns)
    return Problem(
        source=item.source,
        column=user_name,
        message=f"the column mapping names {user_name!r}, which is not in {item.label!r}; "
        f"its columns are {_show(item.columns)}",
        fix=f"did you mean {close!r}?" if close else "use one of the columns listed",
        kind="schema",
    )


def _outside_layout_problem(
    source: str, user_name: str, target: str, layout: Sequence[str]
) -> Problem:
    wanted = target.strip()
    elsewhere = [s for s in SOURCES if wanted in _layout(s)]
    where = f" (it belongs to {', '.join(elsewhere)})" if elsewhere else ""
    close = _close(wanted, layout)
    return Problem(
        source=source,
        column=user_name,
        message=f"the column mapping maps {user_name!r} onto {target!r}, which is not a "
        f"column of the {source} layout{where}; its layout columns are {_show(layout)}",
        fix=(f"did you mean {close!r}? " if close else "")
        + "unmapped columns are carried through under their own names anyway",
        kind="schema",
    )


def _row_number_replaced_warning(source: str) -> Problem:
    return Problem(
        source=source,
        column=ROW_NUMBER_COLUMN,
        message=f"the input's own {ROW_NUMBER_COLUMN!r} column was replaced by the row "
        "number of each record in this input",
        fix=f"rename the column if it is data ({ROW_NUMBER_COLUMN!r} is reserved)",
        kind="schema",
    )


def _misspelled_column_warning(item: Loaded, column: str, meant: str) -> Problem:
    """A column outside the layout whose name is close to a layout column that is missing: most
    likely a typo, which leaves that column empty for every record."""
    return Problem(
        source=item.source,
        column=column,
        message=f"column {column!r} of {item.label!r} is not in the {item.source} layout and "
        f"{meant!r} is missing: did you mean {meant!r}? {column!r} is carried through unused, "
        f"so every record has no {meant}",
        fix=f"rename the column to {meant!r}, or map it: "
        f"columns={{'{item.source}': {{'{column}': '{meant}'}}}}",
        kind="schema",
    )


def _extra_columns_note(source: str, extras: Sequence[str], hints: Mapping[str, str]) -> Problem:
    """The columns outside the layout (those close to a missing one are warned about apart)."""
    return Problem(
        source=source,
        column=None,
        message=f"{len(extras)} column(s) not in the {source} layout are carried through "
        "unchanged and not used for linking",
        fix="see the warnings for the ones that look misspelled"
        if hints
        else "nothing to do if they are only for reference",
        examples=tuple(extras),
        kind="schema",
        severity="note",
    )


# --------------------------------------------------------------------------------------------
# matching names
# --------------------------------------------------------------------------------------------


def _layout(source: str) -> tuple[str, ...]:
    return COMMON_COLUMNS + NAME_COLUMNS + SOURCE_COLUMNS[source]


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
    squashed: dict[str, str] = {}
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
