"""The conflict rules: when two records are two children, whatever their scores say.

Clustering refuses a link that would put two conflicting records in one identity
(:mod:`linkage.clustering`); the review page and :func:`linkage.explain_errors` name the rule that
kept two records apart. Each rule is a short SQL condition over two model-input rows read as
``l.`` and ``r.`` (the columns of :data:`linkage.comparisons.MODEL_INPUT_SQL`, and the
:data:`COMPONENT_COLUMNS` clustering adds over each component), with its thresholds as
parameters (:class:`~linkage.thresholds.Thresholds`).
"""

from __future__ import annotations

from linkage._nicknames import nicknames
from linkage.thresholds import Thresholds

__all__ = [
    "COMPONENT_COLUMNS",
    "GIVEN_NAMES_CARRIED_SQL",
    "conflict_names_prefilter_sql",
    "conflict_parts",
    "conflict_rules",
    "conflict_sql",
    "number_support_sql",
]

#: The default thresholds.
_DEFAULT = Thresholds()


#: The (nickname, name) pairs of :mod:`linkage._nicknames` whose nickname stands for several
#: names ("BETO": Alberto, Roberto), both ways, as ``'BETO=ROBERTO'``; a nickname of one name has
#: that name's phonetic key already (normalisation), which accounts for it.
_NICKNAME_PAIRS = (
    "["
    + ", ".join(
        f"'{a}={b}'"
        for nick, names in sorted(nicknames().items())
        if len(names) > 1
        for name in sorted(names)
        for a, b in ((nick, name), (name, nick))
    )
    + "]"
)


def _accounted_for(
    other: str,
    *,
    containment: bool = False,
    sound_containment: bool = False,
    run_together_of: str | None = None,
) -> str:
    """SQL: token ``z`` (``z.token``, ``z.key``) is accounted for by the other side's names:
    equal, the same sound, one typed letter off, the start of one of them (an initial, "C" for
    "CARLOS", or a name cut at a field's length, "JAN" for "JANETH") and, optionally, one name
    inside the other (run together surnames) by spelling or by sound, or (``run_together_of``:
    the side of ``z``) two given names run together ("MARIAJOSE" against "MARIA JOSE", either
    way)."""
    near = (
        # a typed slip; an initial or a cut form, either way round; the end of names run
        # together (ANGEL / CARLOSANGEL); a nickname
        "damerau_levenshtein(z.token, u) <= 1 OR starts_with(u, z.token) "
        "OR starts_with(z.token, u) OR (length(z.token) >= 3 AND ends_with(u, z.token)) "
        f"OR list_contains({_NICKNAME_PAIRS}, z.token || '=' || u)"
    )
    if containment:
        near += " OR (length(u) >= 3 AND (contains(z.token, u) OR contains(u, z.token)))"
    sql = (
        f"list_contains({other}.all_tokens, z.token) OR list_contains({other}.all_phonetic, z.key) "
        f"OR len(list_filter({other}.all_tokens, lambda u: {near})) > 0"
        # one letter off in sound (CADLOS / KARLOS), an initial of the sound (A / HALBERTO)
        f" OR len(list_filter({other}.all_phonetic, lambda k: (length(k) >= 4 "
        "AND damerau_levenshtein(z.key, k) <= 1) OR (length(z.token) = 1 AND starts_with(k, z.key)))) > 0"
    )
    if containment:  # the start of the other's surnames run together, one letter off or cut:
        # CONRTERAS / CONTRERASVASQUEZ, FERREIRALIM / FERREIRA LIMA
        sql += (
            f" OR (length(z.token) >= 4 AND damerau_levenshtein(z.token, "
            f"substr({other}.surname_joined, 1, length(z.token))) <= 1)"
        )
    if run_together_of:
        own = run_together_of
        sql += (
            f" OR list_contains({other}.given_bigrams, z.token)"
            f" OR len(list_filter({own}.given_bigrams, lambda b: list_contains({other}.all_tokens, b)"
            " AND (starts_with(b, z.token) OR ends_with(b, z.token)))) > 0"
        )
    if sound_containment:
        sql += (
            f" OR len(list_filter({other}.all_phonetic, lambda k: length(k) >= 3 "
            "AND (contains(z.key, k) OR contains(k, z.key)))) > 0"
        )
    return sql


def _count_tokens(side: str, column: str, condition: str) -> str:
    return f"len(list_filter({side}.{column}, lambda z: {condition}))"


def _unexplained(side: str, other: str) -> str:
    """Given-name tokens of one side that nothing on the other side accounts for."""
    condition = f"NOT ({_accounted_for(other, run_together_of=side)})"
    return _count_tokens(side, "given_token_keys", condition)


def _dob_unexplained(years: int) -> str:
    """Two birth dates that the known ways of writing one date wrongly do not connect: not equal,
    not day and month swapped, not a 1-January placeholder, not an age determination (same day and
    month, year off by up to ``years``; a swap or a placeholder may come with it).

    A date one digit off is not excused here: the rule that reads this also needs two A-numbers,
    and two A-numbers with two birth dates a digit apart are namesakes far more often than one
    child with a second A-number and a mistyped birth date (measured: common_name at three times
    its rate, pairwise F1 0.9949 -> 0.9965; dob_typo at three times, 0.9979 -> 0.9977).
    """
    near = f"abs(l.dob_year - r.dob_year) <= {int(years)}"
    return (
        "l.dob IS NOT NULL AND r.dob IS NOT NULL AND l.dob <> r.dob "
        f"AND NOT ({near} AND l.dob_month = r.dob_day AND l.dob_day = r.dob_month) "
        f"AND NOT ({near} AND (l.dob_is_placeholder OR r.dob_is_placeholder)) "
        f"AND NOT (l.dob_month = r.dob_month AND l.dob_day = r.dob_day AND {near})"
    )


_A_NUMBERS_DIFFER = "l.a_number IS NOT NULL AND r.a_number IS NOT NULL AND l.a_number <> r.a_number"


def _a_numbers_differ(typo_min_gap: int) -> str:
    """Two A-numbers that are two numbers, not one mistyped: they differ, and not as a typing slip
    does - two neighbouring digits swapped, or one digit changed among the first ones (at least
    ``typo_min_gap`` apart). One of the last digits changed is no slip: numbers issued the same
    week differ there, as twins' and siblings' do."""
    return (
        f"{_A_NUMBERS_DIFFER} AND NOT (damerau_levenshtein(l.a_number, r.a_number) <= 1 "
        "AND (levenshtein(l.a_number, r.a_number) = 2 "
        "OR abs(TRY_CAST(l.a_number AS BIGINT) - TRY_CAST(r.a_number AS BIGINT)) "
        f">= {int(typo_min_gap)}))"
    )


#: Given and family names swapped on one side: a given name of each is a surname of the other.
_SWAPPED_SIDES = (
    "list_has_any(l.given_set, r.surname_set) AND list_has_any(l.surname_set, r.given_set)"
)


def _surnames_unrelated() -> str:
    """No surname token of either side is accounted for by the other side's names."""

    def none_explained(side: str, other: str) -> str:
        condition = _accounted_for(other, containment=True, sound_containment=True)
        return _count_tokens(side, "surname_token_keys", condition) + " = 0"

    return (
        "len(l.surname_set) > 0 AND len(r.surname_set) > 0 "
        f"AND {none_explained('l', 'r')} AND {none_explained('r', 'l')} "
        "AND NOT contains(l.surname_joined, r.surname_joined) AND NOT contains(r.surname_joined, l.surname_joined)"
    )


_SAME_A_NUMBER = "coalesce(l.a_number = r.a_number, FALSE)"


def _unexplained_surnames(side: str, other: str) -> str:
    """Surname tokens of one side that nothing on the other side accounts for."""
    condition = f"NOT ({_accounted_for(other, containment=True)})"
    return _count_tokens(side, "surname_token_keys", condition)


def _separate_journeys(thresholds: Thresholds) -> str:
    """CBP/ICE/HHS events too far apart, or a court record dated well before an apprehension."""
    apart = int(thresholds.separate_journeys_days)
    before = int(thresholds.court_before_apprehension_days)
    return (
        f"(l.source_rank <= 3 AND r.source_rank <= 3 "
        f"AND abs(date_diff('day', l.event_date, r.event_date)) > {apart}) "
        f"OR (l.source_rank = 4 AND r.source_rank <= 3 "
        f"AND l.event_date < r.event_date - INTERVAL {before} DAY) "
        f"OR (r.source_rank = 4 AND l.source_rank <= 3 "
        f"AND r.event_date < l.event_date - INTERVAL {before} DAY)"
    )


#: The columns clustering adds to each record over its component (the records the links join):
#: how many records of the component carry the record's A-number under the same first given name
#: (by sound), and which sources wrote them (0 and NULL without a number or a given name).
#: :func:`conflict_rules` reads them as ``l.`` / ``r.`` like the model-input columns;
#: :func:`number_support_sql` computes them. The given name keeps a sibling's number written on
#: a child's record from counting as that child's: it confirms the sibling's number, not the
#: child's, and the record would be cut off from its own child.
COMPONENT_COLUMNS = ("number_support", "number_sources")


def number_support_sql(rows: str, group: str) -> str:
    """SQL (a subquery): ``rows`` (with ``source``, ``a_number`` and ``given_phon_1``) with the
    :data:`COMPONENT_COLUMNS` added over the groups of its column ``group``."""
    # ``rows`` is read twice, not once through a CTE: the count reads four of its columns, and
    # a CTE would copy every column of every row first (1.3 s of 2.5 s at 250,000 children).
    return f"""(WITH support AS NOT MATERIALIZED (
            SELECT {group}, a_number, given_phon_1, count(*) AS number_support,
                   list(DISTINCT source ORDER BY source) AS number_sources
            FROM {rows} WHERE a_number IS NOT NULL AND given_phon_1 IS NOT NULL
            GROUP BY ALL)
        SELECT base.*, coalesce(support.number_support, 0) AS number_support,
               support.number_sources
        FROM {rows} base LEFT JOIN support USING ({group}, a_number, given_phon_1))"""


def conflict_rules(thresholds: Thresholds = _DEFAULT) -> dict[str, str]:
    """The conflict rules by name, each SQL over model-input columns read as ``l.`` and ``r.``:
    when one holds, the two records are different children, whatever their scores say.

    - ``same_day_same_agency``: one agency wrote both on the same day with two A-numbers: two
      children apprehended (or placed, or booked) together, twins whose names alone could be
      one child's ("JOSE" and "JOSE TORIVIO");
    - ``numbers_confirmed_apart``: their A-numbers differ, each is carried by at least two records
      of the component under the record's first given name (confirmed, not one clerk's slip nor
      a sibling's number), and one agency wrote both numbers in the component: twins, siblings
      or namesakes who each have their own records (an agency that met one child under two
      numbers would be a second journey; a child's second number, given at a later stage of one
      journey, is written by other agencies than the first). Read on :data:`COMPONENT_COLUMNS`;
    - ``separate_journeys``: their A-numbers differ and their CBP/ICE/HHS events are more than
      ``thresholds.separate_journeys_days`` apart, or a court record predates the apprehension
      by more than ``thresholds.court_before_apprehension_days`` (two journeys with two
      A-numbers; the same child apprehended again, whose later records carry no A-number, is
      left to the evidence);
    - ``birth_dates_differ``: their A-numbers differ and so do their birth dates, beyond the known
      errors (year off by up to ``thresholds.dob_year_off_years`` in an age determination);
    - ``given_names_differ``: each carries a given name the other does not account for (not
      equal, not the same sound or one letter off in sound, not one typed letter off, not an
      initial or a cut form of it, not run together, not among its surnames), they do not share
      an A-number and neither wrote given and family names the other way round: twins and
      siblings such as "María Angélica" and "María Elena" with the same surnames, birth date and
      sponsor;
    - ``surnames_differ``: their A-numbers differ and each carries a surname the other does not
      account for ("Luis González Mazariegos" and "Luis González Rivera", born a month apart);
    - ``no_surname_in_common``: they do not share an A-number and no surname of either is found
      among the other's names (two children with the same given name and birth date).

    "A-numbers differ" means two numbers, not one mistyped: not two neighbouring digits swapped,
    not one of the first digits changed (at least ``thresholds.a_number_typo_min_gap`` apart).

    Listed cheap tests first: :func:`conflict_sql` joins them with OR, which DuckDB evaluates left
    to right on what is left.
    """
    return {
        name: gate if names is None else f"{gate} AND ({names})"
        for name, (gate, names) in conflict_parts(thresholds).items()
    }


def conflict_parts(thresholds: Thresholds = _DEFAULT) -> dict[str, tuple[str, str | None]]:
    """Each of :func:`conflict_rules` as two tests that must both hold: one of the records'
    A-numbers, dates and sources, and one of their names alone (None: the rule reads no names).
    Clustering tests names once per pair of name contents, not once per pair of records.

    No rule holds between two records of one A-number (each needs the numbers to differ, or at
    least not to be one number; ``tests/test_comparisons.py`` checks it): clustering does not
    test such pairs, most of the pairs inside its components."""
    differ = _a_numbers_differ(thresholds.a_number_typo_min_gap)
    not_same = f"NOT {_SAME_A_NUMBER}"
    return {
        "same_day_same_agency": (
            f"l.source = r.source AND l.event_date = r.event_date AND {differ}",
            None,
        ),
        "numbers_confirmed_apart": (
            f"{differ} AND l.number_support >= 2 AND r.number_support >= 2 "
            "AND len(list_intersect(l.number_sources, r.number_sources)) > 0",
            None,
        ),
        "separate_journeys": (f"{differ} AND ({_separate_journeys(thresholds)})", None),
        "birth_dates_differ": (
            f"{differ} AND {_dob_unexplained(thresholds.dob_year_off_years)}",
            None,
        ),
        "given_names_differ": (
            not_same,
            "len(l.given_token_keys) > 0 AND len(r.given_token_keys) > 0 "
            f"AND NOT ({_SWAPPED_SIDES}) AND {_unexplained('l', 'r')} > 0 AND {_unexplained('r', 'l')} > 0",
        ),
        "surnames_differ": (
            differ,
            f"{_unexplained_surnames('l', 'r')} > 0 AND {_unexplained_surnames('r', 'l')} > 0",
        ),
        "no_surname_in_common": (not_same, _surnames_unrelated()),
    }


#: SQL over two model-input rows ``s`` and ``c``: ``c`` has two given names or more and carries
#: every given name of ``s``. Two records of one child may each keep a different one of its given
#: names ("MARIA" and "PEPE"); a third record that carries both ("MARIA JOSE") shows they are one
#: child, and clustering then sets aside a ``given_names_differ`` conflict between them.
GIVEN_NAMES_CARRIED_SQL = f"len(c.given_token_keys) > 1 AND {_unexplained('s', 'c')} = 0"


def conflict_sql(thresholds: Thresholds = _DEFAULT) -> str:
    """SQL: the two records (``l.``, ``r.``) are different children by one of
    :func:`conflict_rules`."""
    return " OR ".join(f"({sql})" for sql in conflict_rules(thresholds).values())


def _all_found(column: str, phonetic: str, side: str, other: str) -> str:
    return (
        f"(list_has_all({other}.all_tokens, {side}.{column}) "
        f"OR list_has_all({other}.all_phonetic, {side}.{phonetic}))"
    )


def conflict_names_prefilter_sql() -> str:
    """A cheap necessary condition (no lambdas) for the test of names of every rule of
    :func:`conflict_parts`: names that fail it cannot make a conflict, so clustering runs the
    costly tests only on the pairs of name contents that pass it. Each side has a given name, or
    each a surname, that the other side's names hold neither in spelling nor in sound."""
    return (
        f"(NOT {_all_found('given_set', 'given_phon_set', 'l', 'r')} "
        f"AND NOT {_all_found('given_set', 'given_phon_set', 'r', 'l')}) "
        f"OR (NOT {_all_found('surname_set', 'surname_phon_set', 'l', 'r')} "
        f"AND NOT {_all_found('surname_set', 'surname_phon_set', 'r', 'l')})"
    )
