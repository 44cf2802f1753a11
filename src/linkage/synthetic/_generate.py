"""The generator: population, journeys and the four extracts, from one seed."""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd

from linkage.errors import InputError, Problem
from linkage.schema import SOURCES
from linkage.synthetic._calendar import DateFormatter
from linkage.synthetic._journeys import Records, draw_journeys
from linkage.synthetic._name_bank import NameBank, name_bank
from linkage.synthetic._population import Population, draw_population
from linkage.synthetic._rates import Rates
from linkage.synthetic._render import render_source
from linkage.synthetic._result import TRUTH_DTYPES, SyntheticData
from linkage.synthetic._truth import children_frame, number_children, record_truth

logger = logging.getLogger("linkage")

#: One random stream per stage, spawned from the seed in this order.
_STAGES = ("population", "journeys", "cbp", "ice", "hhs", "eoir")


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
    rngs = _stage_rngs(int(seed))
    bank = name_bank()
    pop = draw_population(int(n_children), rates, rngs["population"], bank)
    records = draw_journeys(pop, rates, rngs["journeys"])
    child_ids = number_children(pop.n)
    sources, truth = _render_sources(records, pop, rates, rngs, bank, child_ids)
    children = children_frame(pop, child_ids, bank)
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


def _stage_rngs(seed: int) -> dict[str, np.random.Generator]:
    """One independent random stream per stage, spawned from ``seed``."""
    seeds = np.random.SeedSequence(seed).spawn(len(_STAGES))
    return {stage: np.random.default_rng(s) for stage, s in zip(_STAGES, seeds, strict=True)}


def _render_sources(
    records: dict[str, Records],
    pop: Population,
    rates: Rates,
    rngs: dict[str, np.random.Generator],
    bank: NameBank,
    child_ids: np.ndarray,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Each source's extract (drawn from its own stream) and the record -> child truth."""
    dates = _date_formatter(pop, records)
    sources: dict[str, pd.DataFrame] = {}
    truth_parts = []
    for source in SOURCES:
        frame, child = render_source(source, records[source], pop, rates, rngs[source], bank, dates)
        sources[source] = frame
        truth_parts.append(record_truth(source, frame["record_id"], child_ids[child]))
        logger.debug("synthetic: %s rendered, %d records", source, len(frame))
    truth = pd.concat(truth_parts, ignore_index=True).astype(TRUTH_DTYPES)
    return sources, truth


def _date_formatter(pop: Population, records: dict[str, Records]) -> DateFormatter:
    """A formatter for every day a record can carry.

    It starts three years before the earliest birth or apprehension (a written dob may be two
    years off) and ends past the last event, hearing and release.
    """
    lo = int(min(pop.dob.min(), pop.appr.min()) - 3 * 366)
    hi = int(max(r.event.max() for r in records.values() if len(r.event)) + 3 * 366)
    if len(records["eoir"].event):
        hi = max(hi, int(records["eoir"].extra["hearing"].max()) + 1)
    return DateFormatter(lo, max(hi, int(pop.release.max()) + 1))
