"""Monthly extracts: the synthetic sources delivered month by month, with revisions and late records.

Agencies send an extract every month. :func:`split_by_month` cuts :class:`SyntheticData` into
those extracts: each record is delivered in the month of its ``event_date`` (CBP apprehension, ICE
book-in, HHS referral, court NTA filing: when the agency made the record), a court record is late
with probability ``late_court_rate`` (delivered 1 to 6 months after its month), and a share
``revision_rate`` of the records is sent again 1 to 6 months after their first delivery, under
the same ``record_id`` with one field corrected (:mod:`linkage.synthetic._revisions`): the later
version is the one that holds. :func:`write_extracts` writes one folder per month,
:func:`write_by_month` does both and writes the truth beside them.

Months run from the first event month to the last delivery: late records and revisions may go
past the last event month. Only months with at least one delivery are listed.

Example:
    >>> from linkage.synthetic import generate
    >>> data = generate(300, seed=2)
    >>> extracts = split_by_month(data, seed=2)
    >>> extracts[0].month <= extracts[-1].month
    True
    >>> sum(e.n_records for e in extracts) == data.n_records + sum(e.revisions for e in extracts)
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from linkage.errors import InputError, Problem
from linkage.schema import DATE_FORMATS, SOURCE_DATE_FORMAT, SOURCES
from linkage.synthetic._io import OutputFormat, check_format, write_table, write_truth
from linkage.synthetic._result import SyntheticData
from linkage.synthetic._revisions import revise
from linkage.synthetic._streams import Streams

#: Months a late court record or a revision comes after: from, to (inclusive).
DELAY_MONTHS: tuple[int, int] = (1, 6)


@dataclass(frozen=True, eq=False)
class Extract:
    """One month's extracts.

    Attributes:
        month: ``"2019-10"``.
        sources: The sources that sent records that month, with the columns and dtypes of
            :attr:`SyntheticData.sources`: first the records delivered for the first time, then
            the revised ones (a ``record_id`` sent before, with a field corrected).
        revisions: How many of the rows are revisions.
        late_court: How many court records are delivered after the month of their event.
    """

    month: str
    sources: dict[str, pd.DataFrame]
    revisions: int = 0
    late_court: int = 0

    @property
    def n_records(self) -> int:
        """Rows over all sources, revisions included."""
        return sum(len(frame) for frame in self.sources.values())

    def __repr__(self) -> str:
        counts = " | ".join(f"{s} {len(f):,}" for s, f in self.sources.items())
        return (
            f"Extract(month={self.month!r}, records={self.n_records:,}: {counts}; "
            f"revisions={self.revisions:,}, late_court={self.late_court:,})"
        )


def split_by_month(
    data: SyntheticData,
    *,
    seed: int = 0,
    revision_rate: float = 0.02,
    late_court_rate: float = 0.15,
) -> list[Extract]:
    """The sources of ``data`` as the monthly extracts the agencies would send.

    Args:
        data: What :func:`~linkage.synthetic.generate` returned.
        seed: Seeds the delays and revisions (the same seed gives the same extracts).
        revision_rate: Share of each source's records sent again later with one field corrected;
            only records with something to correct are revised, so fewer when too few have.
        late_court_rate: Share of court records delivered 1 to 6 months after their month.

    Returns:
        One :class:`Extract` per month with deliveries, in order. Every record of ``data`` is
        delivered once as it is; a revision has the ``record_id`` of a record delivered in an
        earlier month.

    Raises:
        InputError: A rate outside [0, 1], or records of which no ``event_date`` can be read.
    """
    _check_rates(revision_rate=revision_rate, late_court_rate=late_court_rate)
    streams = Streams(np.random.SeedSequence(seed)).child("months")
    child = {s: _children_of(data, s) for s in data.sources}
    event = _event_months(data, child)
    lo, hi = DELAY_MONTHS
    parts: dict[str, tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]] = {}
    for source, frame in data.sources.items():
        m, rng = len(frame), streams.child(source)
        late = np.zeros(m, dtype=bool)
        if source == "eoir":
            late = rng.rng("late").random(m) < late_court_rate
        month = event[source] + np.where(late, rng.rng("late_delay").integers(lo, hi + 1, m), 0)
        rows, revised = revise(
            source, frame, child[source], data.children, rate=revision_rate, streams=rng
        )
        again = month[rows] + rng.rng("revision_delay").integers(lo, hi + 1, len(rows))
        parts[source] = (
            pd.concat([frame, revised], ignore_index=True),
            np.concatenate([month, again]),
            np.concatenate([np.zeros(m, dtype=bool), np.ones(len(rows), dtype=bool)]),
            np.concatenate([late, np.zeros(len(rows), dtype=bool)]),
        )
    return _extracts(parts)


def _check_rates(**rates: float) -> None:
    bad = {name: rate for name, rate in rates.items() if not 0.0 <= rate <= 1.0}
    if bad:
        raise InputError(
            *(
                Problem(
                    source=None,
                    column=None,
                    message=f"{name}={rate!r} is not a share",
                    fix=f"give {name} between 0 and 1",
                )
                for name, rate in bad.items()
            )
        )


def _children_of(data: SyntheticData, source: str) -> np.ndarray:
    """Per record of ``source``, its child's row in ``data.children`` (-1 when not in the truth)."""
    truth = data.truth[data.truth["source"] == source]
    at = pd.Index(truth["record_id"]).get_indexer(data.sources[source]["record_id"])
    child_ids = truth["child_id"].to_numpy(dtype=object)[np.where(at < 0, 0, at)]
    child = pd.Index(data.children["child_id"]).get_indexer(child_ids)
    return np.where(at < 0, -1, child).astype(np.int64)


def _event_months(data: SyntheticData, child: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per source, each record's event month as ``12 * year + month - 1``.

    A record whose ``event_date`` cannot be read takes the earliest month of its child's other
    records, else the first month of all.
    """
    months = {}
    for source, frame in data.sources.items():
        fmt = DATE_FORMATS[SOURCE_DATE_FORMAT[source]]
        day = pd.to_datetime(frame["event_date"], format=fmt, errors="coerce")
        months[source] = (day.dt.year * 12 + day.dt.month - 1).to_numpy(
            dtype=float, na_value=np.nan
        )
    if not data.sources:
        return months
    every = pd.DataFrame(
        {
            "child": np.concatenate([child[s] for s in months]),
            "month": np.concatenate([months[s] for s in months]),
        }
    )
    known = every["month"].dropna()
    if len(every) and not len(known):
        raise InputError(
            Problem(
                source=None,
                column="event_date",
                message="no record has an event_date that can be read",
                fix="give each source's event_date in its usual format (docs/input-layout.md)",
            )
        )
    earliest = every[every["child"] >= 0].groupby("child")["month"].min()
    first = known.min() if len(known) else 0.0
    out = {}
    for source, month in months.items():
        theirs = pd.Series(child[source]).map(earliest).to_numpy(dtype=float, na_value=np.nan)
        filled = np.where(np.isnan(month), theirs, month)
        out[source] = np.where(np.isnan(filled), first, filled).astype(np.int64)
    return out


def _extracts(
    parts: dict[str, tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]],
) -> list[Extract]:
    """Each month's rows per source, in order: originals first (in record order), then revisions."""
    every = [month for _, month, _, _ in parts.values()]
    months = np.unique(np.concatenate(every)) if every else np.array([], dtype=np.int64)
    groups = {}
    for source, (_, month, _, _) in parts.items():
        order = np.argsort(month, kind="stable")
        starts = np.searchsorted(month[order], months, side="left")
        ends = np.searchsorted(month[order], months, side="right")
        groups[source] = (order, starts, ends)
    out = []
    for i, month in enumerate(months):
        sources: dict[str, pd.DataFrame] = {}
        revisions = late = 0
        for source in parts:  # in the order of data.sources
            frame, _, revision, is_late = parts[source]
            order, starts, ends = groups[source]
            rows = order[starts[i] : ends[i]]
            if len(rows):
                sources[source] = frame.iloc[rows].reset_index(drop=True)
                revisions += int(revision[rows].sum())
                late += int(is_late[rows].sum())
        out.append(Extract(_label(int(month)), sources, revisions=revisions, late_court=late))
    return out


def _label(month: int) -> str:
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def write_extracts(
    extracts: list[Extract], out_dir: str | Path, *, format: OutputFormat = "csv"
) -> list[Path]:
    """Write each extract to ``out_dir/<YYYY-MM>/``: one file per source that sent records.

    Files are written as :func:`~linkage.synthetic.write` writes them, so each month folder is
    read by :func:`linkage.read_sources`. Source files already in a month folder written to are
    replaced, so that the folder holds exactly that month's extract.

    Args:
        extracts: What :func:`split_by_month` returned.
        out_dir: The folder to write into (created).
        format: ``"csv"`` or ``"parquet"``.

    Returns:
        The month folders, in order.

    Raises:
        InputError: An unknown ``format``.
    """
    check_format(format)
    folders = []
    for extract in extracts:
        folder = Path(out_dir) / extract.month
        folder.mkdir(parents=True, exist_ok=True)
        for stale in SOURCES:
            for ext in ("csv", "parquet"):
                (folder / f"{stale}.{ext}").unlink(missing_ok=True)
        for source, frame in extract.sources.items():
            write_table(frame, folder / source, format=format)
        folders.append(folder)
    return folders


def write_by_month(
    data: SyntheticData,
    out_dir: str | Path,
    *,
    format: OutputFormat = "csv",
    seed: int = 0,
    revision_rate: float = 0.02,
    late_court_rate: float = 0.15,
) -> list[Path]:
    """Split ``data`` by month and write it: a folder per month, the truth once at the top.

    ``out_dir/2019-10/cbp.csv``, ... (:func:`write_extracts`) and ``out_dir/truth_records.csv``,
    ``out_dir/truth_children.csv`` (:func:`~linkage.synthetic.write_truth`). The arguments after
    ``out_dir`` are those of :func:`write_extracts` and :func:`split_by_month`.

    Returns:
        The month folders, in order.

    Raises:
        InputError: An unknown ``format`` or a rate outside [0, 1].

    Example:
        >>> import tempfile
        >>> from linkage import read_sources
        >>> from linkage.synthetic import generate
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     folders = write_by_month(generate(200, seed=4), tmp)
        ...     counts = read_sources(folders[0]).counts()
        >>> folders[0].name, sorted(counts)
        ('2018-10', ['cbp', 'ice'])
    """
    check_format(format)
    extracts = split_by_month(
        data, seed=seed, revision_rate=revision_rate, late_court_rate=late_court_rate
    )
    folders = write_extracts(extracts, out_dir, format=format)
    write_truth(data, out_dir, format=format)
    return folders
