"""Revisions: a record an agency sends again in a later extract, with one field corrected.

An agency that finds a mistake in a record it has already sent sends the record again, under the
same ``record_id``, in a later month's extract; the later version replaces the earlier one. The
corrections (:data:`REVISION_KINDS`), each drawn only where it changes the record:

- ``a_number``: a blank or wrong A-number replaced by the child's true one (the court's: the
  child's later number when there is one), in the source's usual form;
- ``surname``: a misspelt, shortened or half-written surname replaced by the child's true
  surnames, in the source's case (CBP and the court upper case without accents, HHS with them).
  ICE writes one ``full_name`` and never gets this one;
- ``dob``: a blank or wrong date of birth replaced by the true one, in the source's date format;
- ``hearing_date``: the court's hearing moved 30 to 180 days later (a continuance).

A surname that differs from the truth only in case, accents, spaces or hyphens is not corrected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from linkage.schema import DATE_FORMATS, SOURCE_DATE_FORMAT
from linkage.synthetic._arrays import join_strings, to_objects
from linkage.synthetic._render import A_NUMBER_FORMATS, a_number_forms
from linkage.synthetic._streams import Streams

#: The corrections a revision makes, one per revised record.
REVISION_KINDS: tuple[str, ...] = ("a_number", "surname", "dob", "hearing_date")
#: The column each correction changes.
REVISED_COLUMN: dict[str, str] = {
    "a_number": "a_number",
    "surname": "last_name",
    "dob": "dob",
    "hearing_date": "hearing_date",
}
#: Days a continuance moves a hearing: from, to (inclusive).
HEARING_DELAY_DAYS: tuple[int, int] = (30, 180)


def revise(
    source: str,
    frame: pd.DataFrame,
    child: np.ndarray,
    children: pd.DataFrame,
    *,
    rate: float,
    streams: Streams,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Pick ``round(rate * len(frame))`` records that have something to correct, and correct them.

    Only records with at least one correction that changes them are picked (fewer when there are
    not enough); each gets one correction drawn among those that apply to it.

    Args:
        source: The source ``frame`` is an extract of.
        frame: The extract (every value ``str`` or ``None``).
        child: Per row of ``frame``, its child's row in ``children`` (-1 when unknown).
        children: :attr:`SyntheticData.children`.
        rate: The share of records revised.
        streams: The source's streams.

    Returns:
        The positions of the revised rows in ``frame`` (ascending) and their revised copies, in
        the same order, each differing from its original in exactly one column.

    Example:
        >>> import numpy as np
        >>> from linkage.synthetic import generate
        >>> data = generate(200, seed=3)
        >>> frame = data.sources["cbp"]
        >>> child = np.full(len(frame), -1)  # no truth: nothing can be corrected
        >>> rows, _ = revise("cbp", frame, child, data.children, rate=0.5,
        ...                  streams=Streams(np.random.SeedSequence(0)))
        >>> len(rows)
        0
    """
    fixed = corrections(source, frame, child, children, streams.rng("hearing_delay"))
    kinds = list(fixed)
    applies = np.column_stack([pd.notna(fixed[k]) for k in kinds])
    eligible = np.flatnonzero(applies.any(axis=1))
    n = min(int(round(rate * len(frame))), len(eligible))
    rows = np.sort(streams.rng("revised").permutation(eligible)[:n])
    scores = streams.rng("revision_kind").random((n, len(kinds)))
    pick = np.where(applies[rows], scores, -1.0).argmax(axis=1)
    revised = frame.iloc[rows].copy()
    for i, kind in enumerate(kinds):
        column = REVISED_COLUMN[kind]
        values = revised[column].to_numpy(dtype=object, copy=True)
        values[pick == i] = fixed[kind][rows[pick == i]]
        revised[column] = pd.Series(values, index=revised.index, dtype=object)
    return rows, revised


def corrections(
    source: str,
    frame: pd.DataFrame,
    child: np.ndarray,
    children: pd.DataFrame,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Per correction that ``source`` can get, the corrected value of every row of ``frame``.

    ``None`` where the correction would change nothing (or the truth is unknown).
    """
    out = {
        "a_number": _a_numbers(source, frame["a_number"], child, children),
        "dob": _dobs(source, frame["dob"], child, children),
    }
    if "last_name" in frame.columns:
        out["surname"] = _surnames(source, frame["last_name"], child, children)
    if "hearing_date" in frame.columns:
        out["hearing_date"] = _later_hearings(frame["hearing_date"], rng)
    return {k: out[k] for k in REVISION_KINDS if k in out}


def _per_record(values: pd.Series, child: np.ndarray) -> pa.Array:
    """A column of ``children`` per record, as Arrow strings, null where the child is unknown."""
    table = pa.array(values.astype(object).where(values.notna(), None), type=pa.string())
    idx = pa.array(np.where(child < 0, 0, child).astype(np.int64), mask=child < 0)
    return table.take(idx)


def _unless_same(current: pd.Series, corrected: pa.Array, same: pa.Array) -> np.ndarray:
    """``corrected`` where it is known and differs (``same`` false or null), else ``None``."""
    keep = pc.and_(pc.invert(pc.fill_null(same, False)), pc.is_valid(corrected))
    return to_objects(pc.if_else(keep, corrected, pa.nulls(len(current), pa.string())))


def _strings(series: pd.Series) -> pa.Array:
    return pa.array(series.to_numpy(dtype=object), type=pa.string())


def _a_numbers(
    source: str, current: pd.Series, child: np.ndarray, children: pd.DataFrame
) -> np.ndarray:
    """The true A-number in the source's usual form, where the record's is blank or another."""
    first, later = (_per_record(children[c], child) for c in ("a_number", "a_number_2"))
    digits = pc.utf8_lpad(pc.replace_substring_regex(_strings(current), r"[^0-9]", ""), 9, "0")
    same = pc.or_kleene(pc.equal(digits, first), pc.equal(digits, later))
    true = pc.coalesce(later, first) if source == "eoir" else first
    form = next(iter(A_NUMBER_FORMATS[source]))
    value = pc.fill_null(pc.cast(true, pa.int64()), 0).to_numpy(zero_copy_only=False)
    written = pc.if_else(pc.is_valid(true), a_number_forms(value)[form], pa.nulls(len(true)))
    return _unless_same(current, written.cast(pa.string()), same)


def _dobs(source: str, current: pd.Series, child: np.ndarray, children: pd.DataFrame) -> np.ndarray:
    """The true date of birth in the source's date format, where the record's is blank or wrong."""
    fmt = DATE_FORMATS[SOURCE_DATE_FORMAT[source]]
    true = _per_record(children["dob"].dt.strftime(fmt), child)
    return _unless_same(current, true, pc.equal(_strings(current), true))


def _surnames(
    source: str, current: pd.Series, child: np.ndarray, children: pd.DataFrame
) -> np.ndarray:
    """The true surnames in the source's case, where the record's differ in more than the writing
    (case, accents, spaces, hyphens)."""
    display = join_strings([_strings(children[c]) for c in ("surname_1", "surname_2")])
    if source != "hhs":
        display = pc.utf8_upper(_without_accents(display))
    true = _per_record(pd.Series(to_objects(display), dtype=object), child)
    same = pc.equal(_folded(_strings(current)), _folded(true))
    return _unless_same(current, true, same)


def _without_accents(names: pa.Array) -> pa.Array:
    """``López`` -> ``Lopez``: decomposed, the combining marks dropped."""
    return pc.replace_substring_regex(pc.utf8_normalize(names, form="NFKD"), r"\p{Mn}", "")


def _folded(names: pa.Array) -> pa.Array:
    """Upper case, without accents, letters and digits only: ``López-Chub`` -> ``LOPEZCHUB``."""
    return pc.replace_substring_regex(pc.utf8_upper(_without_accents(names)), r"[^\p{L}\p{N}]", "")


def _later_hearings(current: pd.Series, rng: np.random.Generator) -> np.ndarray:
    """Each court hearing moved ``HEARING_DELAY_DAYS`` later, in the court's date format."""
    fmt = DATE_FORMATS[SOURCE_DATE_FORMAT["eoir"]]
    day = pd.to_datetime(current, format=fmt, errors="coerce")
    lo, hi = HEARING_DELAY_DAYS
    delay = pd.to_timedelta(rng.integers(lo, hi + 1, len(current)), unit="D")
    later = (day + delay).dt.strftime(fmt)
    out: np.ndarray = later.astype(object).where(day.notna(), None).to_numpy(dtype=object)
    return out
