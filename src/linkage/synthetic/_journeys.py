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

    book_in = pop.appr + rng.integers(0, 4, n)
    transfer = book_in + rng.integers(1, 11, n)
    nta = book_in + rng.integers(0, 31, n)
    filing = nta + 30 + np.rint(rng.gamma(2.0, 45.0, n)).astype(np.int64)
    hearing = filing + 60 + np.rint(rng.gamma(2.0, 150.0, n)).astype(np.int64)

    out: dict[str, Records] = {}
    # CBP: the apprehension; a duplicate is entered the same day or the next
    child, seq = expand_counts(n_cbp)
    out["cbp"] = Records(child, seq, pop.appr[child] + seq * rng.integers(0, 2, len(child)))

    # ICE: book-in, then a transfer record; the NTA shows on the last record (and on the first too
    # half the time) when ICE issued one, always for nta_not_filed
    child, seq = expand_counts(n_ice)
    last = seq == n_ice[child] - 1
    shows = np.where(status[child] == NTA_NOT_FILED, 1.0, rates.nta_in_ice)
    shows = np.where(last, shows, shows * 0.5)
    nta_ok = has_nta[child] & (rng.random(len(child)) < shows)
    nta_ok |= (status[child] == NTA_NOT_FILED) & last
    out["ice"] = Records(
        child,
        seq,
        np.where(seq == 0, book_in[child], transfer[child]),
        {"nta": nta[child], "nta_ok": nta_ok},
    )

    # HHS: referral; a shelter transfer part-way through the stay; release to the sponsor
    child, seq = expand_counts(n_hhs)
    two = n_hhs[child] == 2
    stay = pop.days_in_care[child]
    into_stay = (rng.uniform(0.2, 0.8, len(child)) * stay).astype(np.int64)
    moved = pop.referral[child] + np.clip(into_stay, 0, stay - 1)  # always before the release
    released = ~two | (seq == 1)
    sponsor_ok = released | (rng.random(len(child)) >= rates.sponsor_missing_on_transfer)
    out["hhs"] = Records(
        child,
        seq,
        np.where(seq == 0, pop.referral[child], moved),
        {"release": pop.release[child], "release_ok": released, "sponsor_ok": sponsor_ok},
    )

    # EOIR: the NTA filed months later, the latest hearing later still; a change of venue opens a
    # second record after a hearing, with a new address
    child, seq = expand_counts(n_eoir)
    m = len(child)
    two = n_eoir[child] == 2
    first_hearing = filing[child] + 30 + rng.integers(0, 150, m)
    venue = first_hearing + rng.integers(10, 90, m)
    event = np.where(seq == 0, filing[child], venue)
    hearing_date = np.where(
        two & (seq == 0),
        first_hearing,
        np.where(two, venue + (hearing[child] - filing[child]), hearing[child]),
    )
    last = seq == n_eoir[child] - 1
    p_absentia = rates.failed_to_appear / max(1.0 - rates.never_in_proceedings, 1e-9)
    absentia = last & (
        (status[child] == FTA) | ((status[child] == NT) & (rng.random(m) < p_absentia))
    )
    own_address = nt[child] | (seq == 1) | (rng.random(m) < rates.eoir_address_moved)
    out["eoir"] = Records(
        child,
        seq,
        event,
        {"hearing": hearing_date, "absentia": absentia, "own_address": own_address},
    )
    return out
