"""The generator: population, journeys and the four extracts, from one seed."""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd

from linkage.errors import InputError, Problem
from linkage.schema import SOURCES
from linkage.synthetic._calendar import DateFormatter
from linkage.synthetic._journeys import Records, draw_journeys, draw_repeat_journeys
from linkage.synthetic._name_bank import NameBank, name_bank
from linkage.synthetic._population import Population, draw_population
from linkage.synthetic._rates import Rates
from linkage.synthetic._render import in_event_order, render_source
from linkage.synthetic._result import TRUTH_DTYPES, SyntheticData
from linkage.synthetic._streams import Streams
from linkage.synthetic._truth import children_frame, number_children, record_truth

logger = logging.getLogger("linkage")

#: One random stream per stage, spawned from the seed in this order (new stages go last, so
#: that the others keep their streams): the later habits each draw from a stream of their own
#: under "habits", the second apprehensions (``Rates.repeat_journey``) from "repeat".
_STAGES = ("population", "journeys", "cbp", "ice", "hhs", "eoir", "habits", "repeat")


def _check_generate_args(n_children: object, seed: object) -> None:
    problems = []
    if (
        isinstance(n_children, bool)
        or not isinstance(n_children, (int, np.integer))
        or n_children < 1
    ):
        problems.append(
            Problem(
                source=None,
                column=None,
                message=f"n_children must be a positive integer, got {n_children!r}",
                fix="pass e.g. n_children=10_000",
            )
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        problems.append(
            Problem(
                source=None,
                column=None,
                message=f"seed must be a non-negative integer, got {seed!r}",
                fix="pass e.g. seed=0",
            )
        )
    if problems:
        raise InputError(problems)


def generate(n_children: int, *, seed: int = 0, rates: Rates | None = None) -> SyntheticData:
    """Generate ``n_children`` synthetic children and their records in the four sources.

    Args:
        n_children: Number of children (about 3.5-4 records each).
        seed: Seed of every random draw; the same seed gives identical frames.
        rates: Population, journey and error rates; :class:`Rates` defaults when ``None``.

    Returns:
        The four source tables, the record -> child truth and the children.

    Raises:
        InputError: ``n_children`` is not a positive integer or ``seed`` a non-negative one.

    Example:
        >>> data = generate(100, seed=1)
        >>> len(data.children)
        100
        >>> list(data.sources["cbp"].columns[:4])
        ['record_id', 'first_name', 'middle_name', 'last_name']
    """
    _check_generate_args(n_children, seed)
    rates = Rates() if rates is None else rates
    started = time.perf_counter()
    rngs, streams = _stage_rngs(int(seed))
    bank = name_bank()
    pop = draw_population(int(n_children), rates, rngs["population"], bank, streams)
    records = draw_journeys(pop, rates, rngs["journeys"])
    repeats = draw_repeat_journeys(pop, rates, rngs["repeat"])
    child_ids = number_children(pop.n)
    sources, truth = _render_sources(records, repeats, pop, rates, rngs, streams, bank, child_ids)
    second = np.full(pop.n, -1, dtype=np.int64)
    second[repeats["cbp"].child] = repeats["cbp"].event
    children = children_frame(pop, child_ids, bank, second)
    data = SyntheticData(
        sources=sources, truth=truth, children=children, seed=int(seed), rates=rates
    )
    logger.info(
        "synthetic: %d children, %d records in %.2f s (seed %d)",
        pop.n,
        data.n_records,
        time.perf_counter() - started,
        seed,
    )
    return data


def _stage_rngs(seed: int) -> tuple[dict[str, np.random.Generator], Streams]:
    """One independent random stream per stage, spawned from ``seed``, and the habits' streams."""
    seeds = dict(zip(_STAGES, np.random.SeedSequence(seed).spawn(len(_STAGES)), strict=True))
    rngs = {stage: np.random.default_rng(s) for stage, s in seeds.items() if stage != "habits"}
    return rngs, Streams(seeds["habits"])


def _render_sources(
    records: dict[str, Records],
    repeats: dict[str, Records],
    pop: Population,
    rates: Rates,
    rngs: dict[str, np.random.Generator],
    streams: Streams,
    bank: NameBank,
    child_ids: np.ndarray,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Each source's extract (drawn from its own stream) and the record -> child truth.

    The records of second apprehensions are rendered apart, with streams of their own, and
    carry no A-number; they then join the others in event order.
    """
    dates = _date_formatter(pop, [*records.values(), *repeats.values()])
    sources: dict[str, pd.DataFrame] = {}
    truth_parts = []
    for source in SOURCES:
        main = streams.child("first").child(source)
        parts = [
            render_source(source, records[source], pop, rates, rngs[source], bank, dates, main)
        ]
        if len(repeats[source].child):
            later = streams.child("repeat").child(source)
            frame, recs = render_source(
                source, repeats[source], pop, rates, later.rng("records"), bank, dates, later
            )
            frame["a_number"] = None
            parts.append((frame, recs))
        frame, child = in_event_order(source, parts)
        sources[source] = frame
        truth_parts.append(record_truth(source, frame["record_id"], child_ids[child]))
        logger.debug("synthetic: %s rendered, %d records", source, len(frame))
    truth = pd.concat(truth_parts, ignore_index=True).astype(TRUTH_DTYPES)
    return sources, truth


def _date_formatter(pop: Population, records: list[Records]) -> DateFormatter:
    """A formatter for every day a record can carry.

    It starts three years before the earliest birth or apprehension (a written dob may be two
    years off) and ends past the last event, hearing and release.
    """
    lo = int(min(pop.dob.min(), pop.appr.min()) - 3 * 366)
    hi = int(max(r.event.max() for r in records if len(r.event)) + 3 * 366)
    for r in records:
        for key in ("hearing", "release"):
            if key in r.extra and len(r.extra[key]):
                hi = max(hi, int(r.extra[key].max()) + 1)
    return DateFormatter(lo, max(hi, int(pop.release.max()) + 1))
