"""Habit ablation: how linking holds up as each habit of the data grows, one at a time.

Synthetic data (``--children``, ``--seed``) is generated with the default rates (the baseline),
once with the habits of extracts written by others (``linkage.synthetic.LATER_HABITS``) at 0 for
reference, then again with one rate of :class:`linkage.synthetic.Rates` raised to three times its default
(capped at 1), one run per rate, then with all of them at three times at once. The rates are every
``habit`` and ``corruption`` rate and the journey rates that make hard cases (``repeat_journey``,
``twin``, ``twin_prefix_names``, ``sibling``, ``common_name``, ``second_a_number``,
``a_number_sibling``). A rate whose default is 0 is listed as skipped.

Each run is the whole job as a new user runs it, default settings, nothing tuned:
``read_sources`` -> ``link`` -> ``handoff_report``, scored with ``linkage.evaluate`` against the
truth: pairwise F1 (precision / recall), status accuracy and the lost count (identities reported
with a status of ``linkage.schema.LOST_STATUSES``, against the children truly lost after the HHS
handoff), each with its change from the baseline; and, on the same data, plain Splink 5 as
``benchmarks/baselines.py`` sets it up (F1 and status accuracy). A run that fails is reported
with its error and the others go on. Raising a population rate (``sibling``, ``twin``,
``common_name``) draws other children, so compare the lost-count error, not the count.

Run::

    .venv/bin/python benchmarks/robustness.py --children 10000 --seed 0
    .venv/bin/python benchmarks/robustness.py --habits nickname,truncated --json out.json
    .venv/bin/python benchmarks/robustness.py --children 3000 --markdown   # for docs/accuracy.md

The figures belong in ``docs/accuracy.md``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import duckdb
from baselines import load_raw, plain_splink, statuses

from linkage import evaluate, handoff_report, link, read_sources
from linkage.evaluation import Evaluation
from linkage.schema import LOST_STATUSES
from linkage.synthetic import LATER_HABITS, Rates, SyntheticData, generate

#: How much each rate is raised, and the journey rates raised with the habits and corruptions.
FACTOR = 3.0
JOURNEY_RATES = (
    "repeat_journey",
    "twin",
    "twin_prefix_names",
    "sibling",
    "common_name",
    "second_a_number",
    "a_number_sibling",
)
BASELINE, ALL_AT_ONCE = "baseline (default rates)", "all at 3x"
#: A reference run: the default rates without the habits of extracts written by others.
WITHOUT_LATER = "default without LATER_HABITS"

logger = logging.getLogger("robustness")


def ablated_rates() -> list[str]:
    """Every rate the benchmark raises, in the order of :class:`Rates`."""
    return [
        f.name
        for f in fields(Rates)
        if f.metadata.get("kind") in ("habit", "corruption") or f.name in JOURNEY_RATES
    ]


def raised(names: list[str]) -> dict[str, float]:
    """Each rate at ``FACTOR`` times its default, capped at 1."""
    defaults = Rates()
    return {name: min(1.0, FACTOR * getattr(defaults, name)) for name in names}


@dataclass
class Outcome:
    """One run: the rates changed, linkage's and plain Splink's scores, or the error."""

    name: str
    changed: dict[str, float] = field(default_factory=dict)
    linkage: dict[str, Any] | None = None
    splink: dict[str, Any] | None = None
    error: str | None = None
    splink_error: str | None = None
    seconds: float = 0.0


def _figures(scores: Evaluation) -> dict[str, Any]:
    """The evaluation's figures, with the lost count against the truth."""
    out: dict[str, Any] = scores.to_dict()
    assert scores.status is not None
    counts = scores.status.count_error.loc[list(LOST_STATUSES)]
    out["lost_reported"] = int(counts["reported_identities"].sum())
    out["lost_true"] = int(counts["true_children"].sum())
    out["lost_error"] = out["lost_reported"] - out["lost_true"]
    return out


def score_linkage(data: SyntheticData, *, seed: int) -> dict[str, Any]:
    """The whole job with default settings, scored against the truth."""
    result = link(read_sources(data.sources), seed=seed, quiet=True)
    report = handoff_report(result)
    clusters = result.clusters()[["source", "record_id", "identity_id"]]
    identities = report.identities[["identity_id", "status"]]
    return _figures(evaluate(clusters, data, identities=identities))


def score_plain_splink(data: SyntheticData, *, seed: int) -> dict[str, Any]:
    """``benchmarks/baselines.py``'s plain Splink 5 on the same data, scored the same way."""
    con = duckdb.connect()
    try:
        load_raw(con, data)
        plain_splink(con, seed=seed)
        identities = statuses(con, "clusters_splink")
        clusters = con.execute("SELECT * FROM clusters_splink").df()
    finally:
        con.close()
    return _figures(evaluate(clusters, data, identities=identities))


def measure(name: str, changed: dict[str, float], args: argparse.Namespace) -> Outcome:
    """Generate, link and score one run; an error is kept, never raised."""
    outcome = Outcome(name=name, changed=changed)
    started = time.perf_counter()
    try:
        data = generate(args.children, seed=args.seed, rates=Rates(**changed))
        outcome.linkage = score_linkage(data, seed=args.seed)
    except Exception as error:  # a failed run is a result too
        outcome.error = f"{type(error).__name__}: {error}"
        logger.exception("%s failed", name)
    else:
        if not args.skip_splink:
            try:
                outcome.splink = score_plain_splink(data, seed=args.seed)
            except (Exception, SystemExit) as error:  # baselines exits on a rule that explodes
                outcome.splink_error = f"{type(error).__name__}: {error}"
    outcome.seconds = time.perf_counter() - started
    logger.info("%s: %.0f s", name, outcome.seconds)
    return outcome


# -- the table -----------------------------------------------------------------------------------

HEADER = (
    "run",
    "rate",
    "F1 (P / R)",
    "ΔF1",
    "status acc.",
    "Δ",
    "lost: reported / true (error)",
    "Δ error",
    "plain Splink F1",
    "plain Splink status acc.",
    "seconds",
)


def _row(outcome: Outcome, base: Outcome | None) -> tuple[str, ...]:
    rate = ", ".join(f"{value:g}" for value in outcome.changed.values())
    rate = {ALL_AT_ONCE: "3x each", WITHOUT_LATER: "0 each"}.get(outcome.name, rate)
    if outcome.linkage is None:
        failed = f"failed: {outcome.error}"
        return (outcome.name, rate, failed, *([""] * (len(HEADER) - 3)))
    x = outcome.linkage
    b = base.linkage if base is not None and base.linkage is not None else None

    def delta(key: str, digits: int = 4) -> str:
        return "" if b is None or outcome is base else f"{x[key] - b[key]:+.{digits}f}"

    def count_delta(key: str) -> str:
        return "" if b is None or outcome is base else f"{x[key] - b[key]:+d}"

    s = outcome.splink
    splink_f1 = f"{s['pairwise_f1']:.4f}" if s else (outcome.splink_error or "")
    splink_status = f"{s['status_accuracy']:.4f}" if s else ""
    return (
        outcome.name,
        rate,
        f"{x['pairwise_f1']:.4f} ({x['pairwise_precision']:.4f} / {x['pairwise_recall']:.4f})",
        delta("pairwise_f1"),
        f"{x['status_accuracy']:.4f}",
        delta("status_accuracy"),
        f"{x['lost_reported']:,} / {x['lost_true']:,} ({x['lost_error']:+d})",
        count_delta("lost_error"),
        splink_f1,
        splink_status,
        f"{outcome.seconds:.0f}",
    )


def table(outcomes: list[Outcome], *, markdown: bool) -> str:
    base = next((o for o in outcomes if o.name == BASELINE), None)
    rows = [HEADER, *(_row(o, base) for o in outcomes)]
    if markdown:
        lines = ["| " + " | ".join(r) + " |" for r in rows]
        lines.insert(1, "|" + " --- |" * len(HEADER))
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


# -- the command ---------------------------------------------------------------------------------


def plan(habits: list[str]) -> list[tuple[str, dict[str, float]]]:
    """The runs: the baseline, the defaults without the later habits, each rate at 3x, all of
    them at 3x."""
    runs: list[tuple[str, dict[str, float]]] = [(BASELINE, {})]
    runs.append((WITHOUT_LATER, dict.fromkeys(LATER_HABITS, 0.0)))
    runs += [(name, raised([name])) for name in habits]
    runs.append((ALL_AT_ONCE, raised(habits)))
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=10_000, help="children to generate")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data and of training")
    parser.add_argument(
        "--habits", help="comma-separated rates to raise (default: every one the benchmark knows)"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="write every figure here")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--skip-splink", action="store_true", help="do not run plain Splink")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("linkage").setLevel(logging.WARNING)

    known = ablated_rates()
    habits = args.habits.split(",") if args.habits else known
    unknown = sorted(set(habits) - set(known))
    if unknown:
        parser.error(f"unknown rates {unknown}; known: {', '.join(known)}")
    zero = [h for h in habits if getattr(Rates(), h) == 0]
    habits = [h for h in habits if h not in zero]

    outcomes = []
    for name, changed in plan(habits):
        outcomes.append(measure(name, changed, args))
        print(table(outcomes[-1:], markdown=False).splitlines()[-1], flush=True)
    print(
        f"\n{args.children:,} children, seed {args.seed}; each rate at {FACTOR:g}x its default "
        f"(capped at 1), one at a time"
    )
    if zero:
        print(f"skipped (default 0, so 3x is the baseline): {', '.join(zero)}")
    print(table(outcomes, markdown=args.markdown))
    if args.json:
        payload = {
            "children": args.children,
            "seed": args.seed,
            "factor": FACTOR,
            "skipped": zero,
            "runs": [vars(o) for o in outcomes],
        }
        args.json.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    return 0 if all(o.error is None for o in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
