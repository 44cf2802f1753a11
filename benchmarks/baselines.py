"""Two baselines scored against synthetic truth: what an analyst gets without `linkage`.

a) **A-number join**: strip non-digits, zero-pad to nine, records sharing a number are one
   identity (one number per record, so the groups are already the connected components across
   sources); records without a number stay alone.
b) **Plain Splink 5**, set up as a competent user would in an afternoon: light cleaning in
   DuckDB, ``link_and_dedupe`` over the four sources, the standard comparison library, a few
   obvious blocking rules (counted before predicting), u by random sampling, EM on two
   blocking rules, predict, connected components at match probability 0.9.

Both report a status per identity by the rule of the input layout, read off the raw columns:
no HHS record -> ``not_transferred``; else a court (EOIR) record with ``absentia`` Y ->
``failed_to_appear``, a court record -> ``in_proceedings``; else an ICE ``nta_issued_date``
-> ``nta_not_filed``; else ``no_nta``.

Run::

    .venv/bin/python benchmarks/baselines.py --children 10000 --seed 0

The printed figures are recorded in ``docs/accuracy.md``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable

import duckdb
import pandas as pd

from linkage.evaluation import Evaluation, evaluate
from linkage.schema import ABSENTIA_TRUE, DATE_FORMATS, SOURCE_DATE_FORMAT, SOURCES
from linkage.synthetic import SyntheticData, generate

#: A blocking rule for predict may generate at most this many comparisons per input record.
MAX_COMPARISONS_PER_RECORD = 500
THRESHOLD_MATCH_PROBABILITY = 0.9


# -- shared: raw records and the status rule ----------------------------------------------


def load_raw(con: duckdb.DuckDBPyConnection, data: SyntheticData) -> None:
    """Register each source as ``raw_<source>`` (all text, as delivered)."""
    for source in SOURCES:
        con.register(f"raw_{source}", data.sources[source])


def statuses(con: duckdb.DuckDBPyConnection, clusters: str) -> pd.DataFrame:
    """Status per identity by the layout's rule, from the raw columns of its records.

    Args:
        con: Connection holding ``raw_<source>`` and the table ``clusters``.
        clusters: Table with ``source, record_id, identity_id``.

    Returns:
        ``identity_id, status``, one row per identity.
    """
    absentia_true = ", ".join(f"'{v}'" for v in sorted(ABSENTIA_TRUE))
    return con.execute(
        f"""
        WITH flags AS (
            SELECT c.identity_id,
                   bool_or(c.source = 'hhs') AS has_hhs,
                   bool_or(c.source = 'eoir') AS has_court,
                   bool_or(upper(trim(e.absentia)) IN ({absentia_true})) AS absentia,
                   bool_or(nullif(trim(i.nta_issued_date), '') IS NOT NULL) AS has_nta
            FROM {clusters} c
            LEFT JOIN raw_eoir e ON c.source = 'eoir' AND e.record_id = c.record_id
            LEFT JOIN raw_ice i ON c.source = 'ice' AND i.record_id = c.record_id
            GROUP BY c.identity_id
        )
        SELECT identity_id,
               CASE WHEN NOT has_hhs THEN 'not_transferred'
                    WHEN has_court AND coalesce(absentia, false) THEN 'failed_to_appear'
                    WHEN has_court THEN 'in_proceedings'
                    WHEN coalesce(has_nta, false) THEN 'nta_not_filed'
                    ELSE 'no_nta' END AS status
        FROM flags
        """
    ).df()


def a_number_sql(column: str) -> str:
    """Digits of ``column`` zero-padded to nine; null when there are none or more than nine."""
    digits = f"regexp_replace(coalesce({column}, ''), '[^0-9]', '', 'g')"
    return f"CASE WHEN length({digits}) BETWEEN 1 AND 9 THEN lpad({digits}, 9, '0') END"


# -- a) the A-number join ---------------------------------------------------------------------


def a_number_join(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``clusters_anumber``: records sharing a normalised A-number form one identity."""
    union = " UNION ALL ".join(
        f"SELECT '{s}' AS source, record_id, {a_number_sql('a_number')} AS a9 FROM raw_{s}"
        for s in SOURCES
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE clusters_anumber AS
        SELECT source, record_id, coalesce('A' || a9, source || ':' || record_id) AS identity_id
        FROM ({union})
        """
    )


# -- b) plain Splink 5 ------------------------------------------------------------------------


def clean_sql(source: str) -> str:
    """Light cleaning of one raw source into the columns the Splink model compares."""
    strftime = DATE_FORMATS[SOURCE_DATE_FORMAT[source]]

    def name(expr: str) -> str:
        cleaned = f"trim(regexp_replace(upper(strip_accents({expr})), '[^A-Z]+', ' ', 'g'))"
        return f"nullif({cleaned}, '')"

    if source == "ice":  # "LAST, FIRST MIDDLE"
        first = name("split_part(full_name, ',', 2)")
        last = name("split_part(full_name, ',', 1)")
    else:
        first, last = name("first_name"), name("last_name")
    return f"""
        SELECT '{source}' || ':' || record_id AS unique_id,
               '{source}' AS source,
               record_id,
               {first} AS first_name,
               {last} AS last_name,
               CAST(try_strptime(dob, '{strftime}') AS DATE) AS dob,
               {a_number_sql("a_number")} AS a_number,
               nullif(trim(sex), '') AS sex,
               nullif(trim(country), '') AS country
        FROM raw_{source}
    """


def plain_splink(con: duckdb.DuckDBPyConnection, *, seed: int) -> None:
    """Create ``clusters_splink`` with an off-the-shelf Splink 5 model."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    for source in SOURCES:
        con.execute(f"CREATE OR REPLACE TABLE clean_{source} AS {clean_sql(source)}")
    db_api = DuckDBAPI(connection=con)
    tables = [db_api.register(f"clean_{s}", dataset_display_name=s) for s in SOURCES]
    n_records = sum(
        con.execute(f"SELECT count(*) FROM clean_{s}").fetchall()[0][0] for s in SOURCES
    )

    blocking_rules = [
        block_on("a_number"),
        block_on("first_name", "last_name"),
        block_on("dob", "substr(last_name, 1, 2)"),
        block_on("dob", "substr(first_name, 1, 2)"),
    ]
    counts = count_comparisons_from_blocking_rules(
        tables,
        blocking_rules=blocking_rules,
        link_type="link_and_dedupe",
        record_sample_proportion=1.0,
    )
    for count in counts:
        logging.info(
            "blocking %s: %s comparisons (%s cumulative)",
            count["blocking_rule"],
            f"{count['marginal_comparison_count']:,}",
            f"{count['cumulative_comparison_count']:,}",
        )
        if count["marginal_comparison_count"] > MAX_COMPARISONS_PER_RECORD * n_records:
            raise SystemExit(f"blocking rule {count['blocking_rule']} explodes: {count}")

    settings = SettingsCreator(
        link_type="link_and_dedupe",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("last_name"),
            cl.DateOfBirthComparison("dob", input_is_string=False),
            cl.ExactMatch("a_number"),
            cl.ExactMatch("sex"),
            cl.ExactMatch("country"),
        ],
        blocking_rules_to_generate_predictions=blocking_rules,
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(tables, settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("a_number", "dob")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("a_number"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("dob", "substr(last_name, 1, 2)")
    )
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, THRESHOLD_MATCH_PROBABILITY
    )
    con.execute(
        f"CREATE OR REPLACE TABLE clusters_splink AS "
        f"SELECT source, record_id, CAST(cluster_id AS VARCHAR) AS identity_id "
        f"FROM {clustered.physical_name}"
    )


# -- scoring and the table ---------------------------------------------------------------------


def run_baseline(
    con: duckdb.DuckDBPyConnection,
    data: SyntheticData,
    name: str,
    build: Callable[[], None],
    table: str,
) -> tuple[Evaluation, float]:
    started = time.perf_counter()
    build()
    identities = statuses(con, table)
    seconds = time.perf_counter() - started
    clusters = con.execute(f"SELECT * FROM {table}").df()
    result = evaluate(clusters, data, identities=identities)
    logging.info("%s done in %.1f s", name, seconds)
    return result, seconds


def run_linkage(data: SyntheticData, *, seed: int) -> tuple[Evaluation, float]:
    """linkage itself, scored the same way: link, handoff statuses, evaluate."""
    import linkage

    started = time.perf_counter()
    result = linkage.link(data.sources, seed=seed, quiet=True)
    report = linkage.handoff_report(result)
    seconds = time.perf_counter() - started
    clusters = result.clusters()[["source", "record_id", "identity_id"]]
    scored = evaluate(clusters, data, identities=report.identities[["identity_id", "status"]])
    logging.info("linkage done in %.1f s", seconds)
    return scored, seconds


def table(rows: dict[str, tuple[Evaluation, float]]) -> str:
    header = (
        "| baseline | pairwise P | pairwise R | pairwise F1 | B3 P | B3 R | B3 F1 "
        "| children split | identities merged | status acc. | status acc. (handed to HHS) "
        "| time (s) |"
    )
    lines = [header, "|" + " --- |" * (header.count("|") - 1)]
    for name, (r, seconds) in rows.items():
        assert r.status is not None
        lines.append(
            f"| {name} | {r.pairwise_precision:.4f} | {r.pairwise_recall:.4f} "
            f"| {r.pairwise_f1:.4f} | {r.bcubed_precision:.4f} | {r.bcubed_recall:.4f} "
            f"| {r.bcubed_f1:.4f} | {r.children_split:,} | {r.identities_merged:,} "
            f"| {r.status.accuracy:.4f} | {r.status.accuracy_handed_to_hhs:.4f} | {seconds:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=10_000, help="children to generate")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data")
    parser.add_argument(
        "--linkage", action="store_true", help="also run linkage itself (link + handoff report)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)

    started = time.perf_counter()
    data = generate(args.children, seed=args.seed)
    n_records = sum(len(frame) for frame in data.sources.values())
    print(
        f"synthetic data: {args.children:,} children, seed {args.seed}, {n_records:,} records "
        f"(generated in {time.perf_counter() - started:.1f} s)"
    )
    con = duckdb.connect()
    load_raw(con, data)
    results = {
        "A-number join": run_baseline(
            con, data, "A-number join", lambda: a_number_join(con), "clusters_anumber"
        ),
        "plain Splink 5": run_baseline(
            con, data, "plain Splink", lambda: plain_splink(con, seed=args.seed), "clusters_splink"
        ),
    }
    if args.linkage:
        results["linkage"] = run_linkage(data, seed=args.seed)
    print(table(results))
    for name, (result, _) in results.items():
        assert result.status is not None
        print(f"\n{name}: identities reported per status against true children")
        print(result.status.count_error.to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
