"""What :func:`~linkage.synthetic.generate` returns: :class:`SyntheticData`, and its dtypes."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import pandas as pd

from linkage.schema import SOURCES, STATUSES
from linkage.synthetic._rates import Rates


@dataclass(frozen=True, eq=False)
class SyntheticData:
    """Four synthetic source tables and their truth.

    Attributes:
        sources: ``"cbp"``, ``"ice"``, ``"hhs"``, ``"eoir"`` tables in the standard input layout;
            every column holds Python ``str`` or ``None`` (object dtype), as a CSV would give them,
            dates written in each source's own format.
        truth: One row per record: ``source``, ``record_id``, ``child_id``.
        children: One row per child: ``child_id``, ``status`` (one of ``schema.STATUSES``),
            ``handed_to_hhs``, ``country`` (ISO alpha-2), ``sex``, ``dob`` (true), ``age_at_entry``,
            ``age_band``, ``fiscal_year``, ``sibling_group`` (``None`` when travelling alone),
            ``is_twin``, ``a_number`` (true, 9 digits) and the documented extras (``a_number_2``,
            true name parts, journey dates, sponsor, ...; see ``docs/synthetic.md``).
        seed: The seed that generated it.
        rates: The rates used.
    """

    sources: dict[str, pd.DataFrame]
    truth: pd.DataFrame
    children: pd.DataFrame
    seed: int
    rates: Rates = field(default_factory=Rates)

    @property
    def n_records(self) -> int:
        """Number of records over all sources."""
        return sum(len(frame) for frame in self.sources.values())

    def _summary(self) -> tuple[list[tuple[str, int]], list[tuple[str, float]]]:
        counts: list[tuple[str, int]] = [
            (s, len(self.sources[s])) for s in SOURCES if s in self.sources
        ]
        n = max(len(self.children), 1)
        shares = self.children["status"].value_counts()
        status: list[tuple[str, float]] = [(s, float(shares.get(s, 0)) / n) for s in STATUSES]
        return counts, status

    def __repr__(self) -> str:
        counts, status = self._summary()
        n = len(self.children)
        per_child = self.n_records / n if n else 0.0
        records = " | ".join(f"{s} {c:,}" for s, c in counts)
        statuses = " | ".join(f"{s} {p:.1%}" for s, p in status)
        return (
            f"SyntheticData(seed={self.seed}, children={n:,}, records={self.n_records:,}, "
            f"{per_child:.2f} per child)\n  records: {records}\n  status:  {statuses}"
        )

    def _repr_html_(self) -> str:
        counts, status = self._summary()
        rows = "".join(f"<tr><td>{escape(s)}</td><td>{c:,}</td></tr>" for s, c in counts)
        srows = "".join(f"<tr><td>{escape(s)}</td><td>{p:.1%}</td></tr>" for s, p in status)
        return (
            f"<div><strong>SyntheticData</strong> seed={self.seed}, "
            f"{len(self.children):,} children, {self.n_records:,} records"
            f"<table><tr><th>source</th><th>records</th></tr>{rows}</table>"
            f"<table><tr><th>status</th><th>share of children</th></tr>{srows}</table></div>"
        )


#: dtypes of ``SyntheticData.children`` (read back by :func:`read_truth`).
CHILDREN_DTYPES: dict[str, str] = {
    "child_id": "object",
    "status": "object",
    "handed_to_hhs": "bool",
    "country": "object",
    "sex": "object",
    "dob": "datetime64[ns]",
    "age_at_entry": "int64",
    "age_band": "object",
    "fiscal_year": "int64",
    "sibling_group": "object",
    "is_twin": "bool",
    "a_number": "object",
    "a_number_2": "object",
    "given_name_1": "object",
    "given_name_2": "object",
    "surname_1": "object",
    "surname_2": "object",
    "name_style": "object",
    "single_name": "bool",
    "common_name": "bool",
    "apprehension_date": "datetime64[ns]",
    "referral_date": "datetime64[ns]",
    "release_date": "datetime64[ns]",
    "days_in_care": "Int64",
    "state": "object",
    "sponsor_category": "Int64",
    "sponsor_relation": "object",
    "second_apprehension_date": "datetime64[ns]",
}
TRUTH_DTYPES: dict[str, str] = {"source": "object", "record_id": "object", "child_id": "object"}
