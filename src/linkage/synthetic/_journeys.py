"""Journeys: the records each source holds about a child, with their event dates.

:func:`draw_journeys` decides how many records each source has for each child (from its status)
and dates them: CBP apprehension, ICE book-in and transfer, ORR referral and release, court filing
and hearing. Rendering (:mod:`linkage.synthetic._render`) writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from linkage.synthetic._arrays import expand_counts
from linkage.synthetic._population import FTA, IN_PROC, NT, NTA_NOT_FILED, Population
from linkage.synthetic._rates import Rates


@dataclass
class Records:
    """One source's records before rendering: child index, event date, extra fields."""

    child: np.ndarray
    seq: np.ndarray
    event: np.ndarray
    extra: dict[str, Any] = field(default_factory=dict)


def draw_journeys(pop: Population, rates: Rates, rng: np.random.Generator) -> dict[str, Records]:
    """The records each source holds about each child: how many, their dates and extra fields."""
    counts, has_nta = _record_counts(pop, rates, rng)
    days = _draw_milestones(pop, rng)
    # each source draws from rng in turn, in this order
    cbp = _cbp_records(pop, counts["cbp"], rng)
    ice = _ice_records(pop, counts["ice"], has_nta, days, rates, rng)
    hhs = _hhs_records(pop, counts["hhs"], rates, rng)
    eoir = _eoir_records(pop, counts["eoir"], days, rates, rng)
    return {"cbp": cbp, "ice": ice, "hhs": hhs, "eoir": eoir}


@dataclass
class _Milestones:
    """Per child, the day of each step of the journey (used where a source records it)."""

    book_in: np.ndarray
    transfer: np.ndarray
    nta: np.ndarray
    filing: np.ndarray
    hearing: np.ndarray


def _record_counts(
    pop: Population, rates: Rates, rng: np.random.Generator
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Records per child in each source (0-2, from the status), and whether ICE issued an NTA."""
    n = pop.n
    status = pop.status
    handed = status != NT
    nt = ~handed
    has_eoir = np.isin(status, (FTA, IN_PROC)) | (nt & (rng.random(n) < rates.not_transferred_eoir))
    has_nta = (status == NTA_NOT_FILED) | has_eoir
    has_ice = np.where(
        status == NTA_NOT_FILED,
        True,
        rng.random(n) < np.where(nt, rates.not_transferred_ice, rates.ice_record),
    )
    n_ice = has_ice * (1 + (rng.random(n) < rates.ice_second_record))
    n_hhs = handed * (1 + (rng.random(n) < rates.hhs_second_record))
    n_eoir = has_eoir * (1 + (rng.random(n) < rates.eoir_second_record))
    n_cbp = 1 + (rng.random(n) < rates.cbp_duplicate)
    return {"cbp": n_cbp, "ice": n_ice, "hhs": n_hhs, "eoir": n_eoir}, has_nta


def _draw_milestones(pop: Population, rng: np.random.Generator) -> _Milestones:
    """ICE book-in and transfer, the NTA, its filing with the court and the latest hearing."""
    n = pop.n
    book_in = pop.appr + rng.integers(0, 4, n)
    transfer = book_in + rng.integers(1, 11, n)
    nta = book_in + rng.integers(0, 31, n)
    filing = nta + 30 + np.rint(rng.gamma(2.0, 45.0, n)).astype(np.int64)
    hearing = filing + 60 + np.rint(rng.gamma(2.0, 150.0, n)).astype(np.int64)
    return _Milestones(book_in=book_in, transfer=transfer, nta=nta, filing=filing, hearing=hearing)


def _cbp_records(pop: Population, counts: np.ndarray, rng: np.random.Generator) -> Records:
    """The apprehension; a duplicate is entered the same day or the next."""
    child, seq = expand_counts(counts)
    return Records(child, seq, pop.appr[child] + seq * rng.integers(0, 2, len(child)))


def _ice_records(
    pop: Population,
    counts: np.ndarray,
    has_nta: np.ndarray,
    days: _Milestones,
    rates: Rates,
    rng: np.random.Generator,
) -> Records:
    """Book-in, then a transfer record.

    The NTA shows on the last record (and on the first too half the time) when ICE issued one,
    always for ``nta_not_filed``.
    """
    status = pop.status
    child, seq = expand_counts(counts)
    last = seq == counts[child] - 1
    shows = np.where(status[child] == NTA_NOT_FILED, 1.0, rates.nta_in_ice)
    shows = np.where(last, shows, shows * 0.5)
    nta_ok = has_nta[child] & (rng.random(len(child)) < shows)
    nta_ok |= (status[child] == NTA_NOT_FILED) & last
    return Records(
        child,
        seq,
        np.where(seq == 0, days.book_in[child], days.transfer[child]),
        {"nta": days.nta[child], "nta_ok": nta_ok},
    )


def _hhs_records(
    pop: Population, counts: np.ndarray, rates: Rates, rng: np.random.Generator
) -> Records:
    """Referral; a shelter transfer part-way through the stay; release to the sponsor."""
    child, seq = expand_counts(counts)
    two = counts[child] == 2
    stay = pop.days_in_care[child]
    into_stay = (rng.uniform(0.2, 0.8, len(child)) * stay).astype(np.int64)
    moved = pop.referral[child] + np.clip(into_stay, 0, stay - 1)  # always before the release
    released = ~two | (seq == 1)
    sponsor_ok = released | (rng.random(len(child)) >= rates.sponsor_missing_on_transfer)
    return Records(
        child,
        seq,
        np.where(seq == 0, pop.referral[child], moved),
        {"release": pop.release[child], "release_ok": released, "sponsor_ok": sponsor_ok},
    )


def _eoir_records(
    pop: Population, counts: np.ndarray, days: _Milestones, rates: Rates, rng: np.random.Generator
) -> Records:
    """The NTA filed months later, the latest hearing later still.

    A change of venue opens a second record after a hearing, with a new address; an in-absentia
    order sits on the last record.
    """
    status = pop.status
    child, seq = expand_counts(counts)
    m = len(child)
    two = counts[child] == 2
    filing, hearing = days.filing[child], days.hearing[child]
    first_hearing = filing + 30 + rng.integers(0, 150, m)
    venue = first_hearing + rng.integers(10, 90, m)
    event = np.where(seq == 0, filing, venue)
    hearing_date = np.where(
        two & (seq == 0), first_hearing, np.where(two, venue + (hearing - filing), hearing)
    )
    last = seq == counts[child] - 1
    p_absentia = rates.failed_to_appear / max(1.0 - rates.never_in_proceedings, 1e-9)
    absentia = last & (
        (status[child] == FTA) | ((status[child] == NT) & (rng.random(m) < p_absentia))
    )
    own_address = (status[child] == NT) | (seq == 1) | (rng.random(m) < rates.eoir_address_moved)
    return Records(
        child,
        seq,
        event,
        {"hearing": hearing_date, "absentia": absentia, "own_address": own_address},
    )


#: Months between a child's first apprehension and the next, for ``Rates.repeat_journey``.
_REPEAT_MONTHS = (2, 30)
#: Share of second apprehensions with an ICE book-in, and (children handed to HHS before) with
#: a new ORR referral.
_REPEAT_ICE = 0.5
_REPEAT_HHS = 0.5
_DAYS_PER_MONTH = 30.44


def draw_repeat_journeys(
    pop: Population, rates: Rates, rng: np.random.Generator
) -> dict[str, Records]:
    """Records of children apprehended a second time, 2-30 months after the first.

    Each has a new CBP record; half an ICE book-in 0-3 days later (with no NTA) and, of the
    children handed to HHS the first time, half a new ORR referral 1-3 days later with its own
    release. A child released by ORR is apprehended again a month after the release at the
    earliest, so every record of the second journey is later than every record of the first
    but the court's. Nothing here changes a child's status. Draws come from ``rng`` alone (not
    the journeys' stream), so that the other records stay as they are.
    """
    n = pop.n
    again = rng.random(n) < rates.repeat_journey
    lo, hi = _REPEAT_MONTHS
    months = rng.uniform(lo, hi, n)
    appr = pop.appr + np.rint(months * _DAYS_PER_MONTH).astype(np.int64)
    appr = np.where(pop.status != NT, np.maximum(appr, pop.release + 30), appr)
    with_ice = again & (rng.random(n) < _REPEAT_ICE)
    with_hhs = again & (pop.status != NT) & (rng.random(n) < _REPEAT_HHS)
    book_in = appr + rng.integers(0, 4, n)
    referral = appr + rng.integers(1, 4, n)
    release = referral + rng.integers(7, 91, n)
    cbp = np.flatnonzero(again)
    ice = np.flatnonzero(with_ice)
    hhs = np.flatnonzero(with_hhs)
    none = np.zeros(len(ice), dtype=bool)
    done = np.ones(len(hhs), dtype=bool)
    return {
        "cbp": Records(cbp, np.zeros(len(cbp), dtype=np.int64), appr[cbp]),
        "ice": Records(
            ice,
            np.zeros(len(ice), dtype=np.int64),
            book_in[ice],
            {"nta": book_in[ice], "nta_ok": none},
        ),
        "hhs": Records(
            hhs,
            np.zeros(len(hhs), dtype=np.int64),
            referral[hhs],
            {"release": release[hhs], "release_ok": done, "sponsor_ok": done},
        ),
        "eoir": Records(
            np.zeros(0, dtype=np.int64),
            np.zeros(0, dtype=np.int64),
            np.zeros(0, dtype=np.int64),
            {
                "hearing": np.zeros(0, dtype=np.int64),
                "absentia": np.zeros(0, dtype=bool),
                "own_address": np.zeros(0, dtype=bool),
            },
        ),
    }
