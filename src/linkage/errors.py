"""Every error `linkage` raises on purpose.

The tree::

    LinkageError                      root: catch this to catch everything below
    ├── InputError(ValueError)        the input cannot be used as given
    │   ├── SourceError               an unknown source name, a missing or unreadable file
    │   ├── SchemaError               missing required columns, no usable name columns, bad mapping
    │   ├── RecordError               empty or duplicated ``record_id`` values
    │   └── StrictInputError          warnings about the input, raised because strict=True
    ├── ModelError(ValueError)        a model file or settings that cannot be used
    ├── BlockingError(RuntimeError)   a blocking rule would compare too many pairs
    ├── ResourceError(RuntimeError)   the engine ran out of memory or temporary disk
    ├── StoreError(RuntimeError)      a linkage store that cannot be created, opened or written
    ├── OutputError(OSError)          an output folder that is a file, or cannot be written
    └── EvaluationError(ValueError)   clusters and truth that cannot be scored together

``InputError`` can hold several :class:`Problem` s: validation reports every problem at once,
each naming the source, the column, up to five example record ids or line numbers, and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "BlockingError",
    "EvaluationError",
    "ResourceError",
    "InputError",
    "LinkageError",
    "ModelError",
    "OutputError",
    "Problem",
    "RecordError",
    "SchemaError",
    "SourceError",
    "StoreError",
    "StrictInputError",
]

MAX_EXAMPLES = 5
ProblemKind = Literal["source", "schema", "record"]
#: A warning is an input mistake that can change the results (``strict=True`` raises it); a note
#: is worth knowing but changes nothing (extra columns carried through, a Latin-1 file re-read).
Severity = Literal["warning", "note"]


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One thing wrong with the input, with enough detail to fix it."""

    source: str | None
    column: str | None
    message: str
    fix: str
    examples: tuple[str, ...] = field(default_factory=tuple)
    kind: ProblemKind = "schema"
    count: int | None = None  # how many records or values, when it is about records
    severity: Severity = "warning"  # for warnings: see Severity

    def to_dict(self) -> dict[str, object]:
        """The problem as plain JSON-able values (``summary.json``'s ``warnings``)."""
        return {
            "source": self.source,
            "column": self.column,
            "kind": self.kind,
            "severity": self.severity,
            "count": self.count,
            "examples": list(self.examples[:MAX_EXAMPLES]),
            "message": self.message,
            "fix": self.fix,
        }

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"source {self.source!r}" if self.source else "",
                f"column {self.column!r}" if self.column else "",
            )
            if part
        )
        text = f"[{where}] {self.message}" if where else self.message
        if self.examples:
            text += f" (e.g. {', '.join(self.examples[:MAX_EXAMPLES])})"
        return f"{text}. Fix: {self.fix}"


class LinkageError(Exception):
    """The root of every error raised by `linkage`."""


class InputError(LinkageError, ValueError):
    """The input cannot be used as given; ``problems`` lists every reason found."""

    def __init__(self, problems: Problem | Sequence[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(source=None, column=None, message=problems, fix="see the message")]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(problems)
        if len(self.problems) == 1:
            text = str(self.problems[0])
        else:
            lines = [f"{len(self.problems)} problems with the input:"]
            lines += [f"  {i}. {p}" for i, p in enumerate(self.problems, 1)]
            text = "\n".join(lines)
        super().__init__(text)


class SourceError(InputError):
    """An unknown source, or a file that is missing, empty or unreadable."""


class SchemaError(InputError):
    """Required columns are missing, or no usable name columns, or a mapping names absent columns."""


class RecordError(InputError):
    """``record_id`` values that are empty or not unique within their source."""


class StrictInputError(InputError):
    """The input gave warnings (``Sources.warnings``) and ``strict=True`` / ``--strict`` was asked:
    every warning is one of ``problems``."""


class ModelError(LinkageError, ValueError):
    """A saved model or settings that cannot be used."""


class BlockingError(LinkageError, RuntimeError):
    """A blocking rule would generate more comparisons than the configured limit."""


class ResourceError(LinkageError, RuntimeError):
    """The machine ran out of memory or of temporary disk space during a step."""


class StoreError(LinkageError, RuntimeError):
    """A linkage store that cannot be created, opened or written (in use, another version)."""


class OutputError(LinkageError, OSError):
    """An output folder that is a file, lies under a file, or cannot be written; raised before
    any linking starts."""


class EvaluationError(LinkageError, ValueError):
    """Clusters and truth that cannot be scored against each other."""


def raise_problems(problems: Iterable[Problem]) -> None:
    """Raise the most specific :class:`InputError` for ``problems``; do nothing when empty."""
    found = list(problems)
    if not found:
        return
    kinds = {p.kind for p in found}
    cls: type[InputError] = InputError
    if len(kinds) == 1:
        cls = {"source": SourceError, "schema": SchemaError, "record": RecordError}[kinds.pop()]
    raise cls(found)
