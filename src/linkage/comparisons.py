"""The comparisons `linkage` scores a record pair with, as Splink comparison creators.

Every comparison is a plain value (declare first, run late): :func:`default_comparisons` builds
them without a database. They read the columns of the *model input* (see
:data:`MODEL_INPUT_SQL`), a view over the canonical ``records`` that adds the derived columns the
levels need (name token sets, date parts, the order of the source in a child's journey), so that
every level is a short SQL condition a reader can check.

Levels are listed from the strongest agreement to the weakest; the first that holds wins. Each has
a label that names the case it is meant for, shown in waterfall charts.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import splink.comparison_level_library as cll
from splink.comparison_library import CustomComparison

from linkage.thresholds import Thresholds

__all__ = [
    "MODEL_INPUT_SQL",
    "COMPARISON_NAMES",
    "default_comparisons",
]

#: The default thresholds, the one place the comparisons' defaults come from.
_DEFAULT = Thresholds()


def _signature(column: str) -> str:
    """SQL: a 63-bit signature of a list of names, one bit per name (by hash), NULLs left out.

    (63 bits: a signed 64-bit integer, which pandas and Arrow read as they are.)

    Two lists can only share a name if their signatures share a bit, and a list can only be inside
    another if its bits are inside the other's: every set test of the comparisons first makes
    that test on two integers, which rules out most candidate pairs before the names themselves
    (their slot columns, :data:`NAME_SLOTS`) are compared.
    """
    return (
        f"coalesce(list_aggregate(list_transform(list_filter({column}, lambda t: t IS NOT NULL), "
        "lambda t: 1::BIGINT << CAST(hash(t) % 63 AS INTEGER)), 'bit_or'), 0::BIGINT)"
    )


#: How many names of each set the model input holds one by one, as a 63-bit hash per column
#: (``given_set_h1`` ...; 63 bits: a signed integer, which pandas, Arrow and Splink's
#: ``explain_pair`` read as it is). The comparisons test the name sets on these integer columns,
#: not on the lists: scoring a pair copies every column it reads from both records, and a list
#: costs far more to copy than a number (docs/performance.md). A set's names past the fourth are
#: in its signature (:func:`_signature`) only. Two different names share a hash with odds of about
#: 1 in 2 billion over a vocabulary of 100,000 names.
NAME_SLOTS = 4

#: The name sets the comparisons test and their signature columns (see :func:`_signature`);
#: each set also has :data:`NAME_SLOTS` slot columns.
_BITS = {
    "given_set": "given_bits",
    "surname_set": "surname_bits",
    "given_phon_set": "given_phon_bits",
    "surname_phon_set": "surname_phon_bits",
}


def _slot_names(column: str) -> list[str]:
    return [f"{column}_h{i}" for i in range(1, NAME_SLOTS + 1)]


def _slots_sql() -> str:
    """SQL: the slot columns of every set (NULL past the set's last name)."""
    return ", ".join(
        f"CASE WHEN len({column}) >= {i} THEN CAST(hash({column}[{i}]) >> 1 AS BIGINT) END AS {slot}"
        for column in _BITS
        for i, slot in enumerate(_slot_names(column), start=1)
    )


#: The view Splink reads: canonical records plus derived columns. ``{records}`` is the table name.
MODEL_INPUT_SQL = """
SELECT
    unique_id, source, record_id,
    CASE source WHEN 'cbp' THEN 1 WHEN 'ice' THEN 2 WHEN 'hhs' THEN 3 WHEN 'eoir' THEN 4 ELSE 5 END AS source_rank,
    given_set, surname_set,
    nullif(array_to_string(given_set, ' '), '') AS given_key,
    nullif(array_to_string(surname_set, ' '), '') AS surname_key,
    regexp_extract(given_name_1, '([A-Z]+)$', 1) AS given_name_1,
    regexp_extract(given_name_2, '([A-Z]+)$', 1) AS given_name_2,
    regexp_extract(paternal_surname, '([A-Z]+)$', 1) AS paternal_surname,
    regexp_extract(maternal_surname, '([A-Z]+)$', 1) AS maternal_surname,
    surname_joined,
    given_phon_set, surname_phon_set,
    given_phonetic[1] AS given_phon_1,
    surname_phonetic[1] AS surname_phon_1,
    surname_phonetic[2] AS surname_phon_2,
    nullif(array_to_string(surname_phonetic, ''), '') AS surname_joined_phon,
    nullif(left(array_to_string(surname_phonetic, ''), 4), '') AS surname_prefix,
    dob, coalesce(dob_is_placeholder, FALSE) AS dob_is_placeholder,
    year(dob) AS dob_year, month(dob) AS dob_month, day(dob) AS dob_day,
    year(dob) * 10000 + least(month(dob), day(dob)) * 100 + greatest(month(dob), day(dob)) AS dob_swap_key,
    nullif(array_to_string(list_sort(list_distinct(list_concat(given_phonetic, surname_phonetic))), ' '), '') AS name_phon_key,
    substr(given_name_1, 1, 1) AS given_initial,
    CAST(floor(epoch(event_date) / 86400 / 14) AS BIGINT) AS event_fortnight,
    CAST(floor((epoch(event_date) / 86400 + 7) / 14) AS BIGINT) AS event_fortnight_offset,
    list_transform(generate_series(1, len(given_names)), lambda k: struct_pack(
        token := given_clean[k], key := given_phonetic[k])) AS given_token_keys,
    list_concat(given_set, surname_set) AS all_tokens,
    list_transform(generate_series(1, len(given_names) - 1), lambda k:
        given_clean[k] || given_clean[k + 1]) AS given_bigrams,
    list_transform(generate_series(1, len(surnames)), lambda k: struct_pack(
        token := surname_clean[k], key := surname_phonetic[k])) AS surname_token_keys,
    list_concat(given_phonetic, surname_phonetic) AS all_phonetic,
    {given_bits} AS given_bits, {surname_bits} AS surname_bits,
    {given_phon_bits} AS given_phon_bits, {surname_phon_bits} AS surname_phon_bits,
    {slots},
    a_number, sex, country, address, zip5, event_date
FROM (
    SELECT *,
        list_sort(list_distinct(list_filter(given_clean, lambda t: t <> ''))) AS given_set,
        list_sort(list_distinct(list_filter(surname_clean, lambda t: t <> ''))) AS surname_set,
        list_sort(list_distinct(given_phonetic)) AS given_phon_set,
        list_sort(list_distinct(surname_phonetic)) AS surname_phon_set
    FROM (
        -- each name's last word, once: DE LA CRUZ -> CRUZ
        SELECT *,
            list_transform(given_names, lambda t: regexp_extract(t, '([A-Z]+)$', 1)) AS given_clean,
            list_transform(surnames, lambda t: regexp_extract(t, '([A-Z]+)$', 1)) AS surname_clean
        FROM {{records}})
)
""".format(
    given_bits=_signature("given_set"),
    surname_bits=_signature("surname_set"),
    given_phon_bits=_signature("given_phonetic"),
    surname_phon_bits=_signature("surname_phonetic"),
    slots=_slots_sql(),
)


class _Names(NamedTuple):
    """One side's set of names in SQL: its signature and its slot columns."""

    bits: str
    slots: list[str]


def _side(column: str, side: str) -> _Names:
    """A set on one side; ``tokens`` / ``phonetic`` are all the side's names (given, then
    surnames)."""
    if column in ("tokens", "phonetic"):
        given, surname = ("given_set", "surname_set") if column == "tokens" else (
            "given_phon_set", "surname_phon_set")  # fmt: skip
        a, b = _side(given, side), _side(surname, side)
        return _Names(f"({a.bits} | {b.bits})", a.slots + b.slots)
    return _Names(f"{_BITS[column]}_{side}", [f"{s}_{side}" for s in _slot_names(column)])


def _in(slot: str, names: _Names) -> str:
    return f"{slot} IN ({', '.join(names.slots)})"


def _has_all(big: _Names, small: _Names) -> str:
    """Every name of ``small`` is in ``big`` (the signatures tested first; a slot past the last
    name is NULL, and ``coalesce`` makes a test that meets only NULLs false, not NULL)."""
    slots = " AND ".join(f"({s} IS NULL OR {_in(s, big)})" for s in small.slots)
    return f"(({small.bits} & ~{big.bits}) = 0 AND coalesce({slots}, FALSE))"


def _has_any(a: _Names, b: _Names) -> str:
    """``a`` and ``b`` share a name (the signatures tested first)."""
    slots = " OR ".join(_in(s, b) for s in a.slots)
    return f"(({a.bits} & {b.bits}) <> 0 AND coalesce({slots}, FALSE))"


def _same(a: _Names, b: _Names) -> str:
    """``a`` and ``b`` are the same set (the signatures tested first)."""
    slots = " AND ".join(
        f"{x} IS NOT DISTINCT FROM {y}" for x, y in zip(a.slots, b.slots, strict=True)
    )
    return f"({a.bits} = {b.bits} AND {slots})"


def _empty(column: str, side: str) -> str:
    """The side has no name in set ``column``."""
    return f"{_side(column, side).slots[0]} IS NULL"


def _named(column: str, side: str) -> str:
    """The side has a name in set ``column``."""
    return f"{_side(column, side).slots[0]} IS NOT NULL"


def _either_inside(column: str) -> str:
    """One side's list is all in the other side's."""
    left, right = _side(column, "l"), _side(column, "r")
    return f"{_has_all(left, right)} OR {_has_all(right, left)}"


def _shares(*columns: str) -> str:
    """The two sides share a name in one of ``columns``."""
    return " OR ".join(_has_any(_side(c, "l"), _side(c, "r")) for c in columns)


#: Both sides carry given names and surnames (a swap of one into the other can be told).
_BOTH_NAMED = " AND ".join(
    _named(column, side) for column, side in
    (("given_set", "l"), ("surname_set", "r"), ("given_set", "r"), ("surname_set", "l"))
)  # fmt: skip

_SWAPPED = (
    f"{_BOTH_NAMED} "
    f"AND {_has_any(_side('given_set', 'l'), _side('surname_set', 'r'))} "
    f"AND {_has_any(_side('surname_set', 'l'), _side('given_set', 'r'))} "
    f"AND NOT {_shares('given_set')}"
)


def _all_in_other(column: str, phonetic: str) -> str:
    """Every token of ``column`` on each side is somewhere in the other side's names."""

    def found(side: str, other: str) -> str:
        return (
            f"({_has_all(_side('tokens', other), _side(column, side))} "
            f"OR {_has_all(_side('phonetic', other), _side(phonetic, side))})"
        )

    return f"{_named(column, 'l')} AND {_named(column, 'r')} AND {found('l', 'r')} AND {found('r', 'l')}"


def _swapped_loosely(jw: float) -> str:
    """Given and family names written the other way round with a slip besides: each side's first
    given name is spelled like the other's first surname (``VAGAS CARLOS`` for ``CARLOS
    VARGAS``), or its given names run together like the other's surnames run together
    (``ACOSTA MARTINEZ MARIAGUADALUPE`` for ``MARIA GUADALUPE ACOSTA MARTINEZ``), both ways,
    starting with the same letter (a slip in the first letter is not taken); no given name
    shared. The exact swap is :data:`_SWAPPED`."""

    def initial(side: str, other: str) -> str:
        return f"ord(given_name_1_{side}) = ord(paternal_surname_{other})"

    def like(side: str, other: str) -> str:
        given_joined = f"given_name_1_{side} || coalesce(given_name_2_{side}, '')"
        return (
            f"(jaro_winkler_similarity(given_name_1_{side}, paternal_surname_{other}) >= {jw!r} "
            f"OR jaro_winkler_similarity({given_joined}, surname_joined_{other}) >= {jw!r})"
        )

    # The first letters are tested first: most pairs that reach this level are siblings and
    # namesakes with other given names, and Jaro-Winkler on each of them made predict about a
    # third slower at 250,000 children; DuckDB tests each term of an AND only on the rows the
    # terms before it left.
    return (
        f"{initial('l', 'r')} AND {initial('r', 'l')} AND {_BOTH_NAMED} "
        f"AND {like('l', 'r')} AND {like('r', 'l')} AND NOT ({_shares('given_set')})"
    )


#: The same names written in other fields: given and family swapped, a surname pushed into the
#: given names, a second given name pushed into the surnames.
_SAME_NAMES_OTHER_FIELDS = {
    "surname": f"({_SWAPPED}) OR ({_all_in_other('surname_set', 'surname_phon_set')})",
    "given": f"({_SWAPPED}) OR ({_all_in_other('given_set', 'given_phon_set')})",
}


def _level(sql: str, label: str, **configure: Any) -> cll.CustomLevel:
    level = cll.CustomLevel(sql, label_for_charts=label)
    if configure:
        level = level.configure(**configure)
    return level


def surname_comparison(
    *, jaro_winkler_threshold: float = _DEFAULT.name_jaro_winkler, term_frequency: bool = True
) -> CustomComparison:
    """Surnames compared as sets of tokens: order, hyphens, a dropped or moved maternal surname."""
    jw = float(jaro_winkler_threshold)
    tf = (
        {"tf_adjustment_column": "surname_key", "tf_adjustment_weight": 1.0}
        if term_frequency
        else {}
    )
    return CustomComparison(
        output_column_name="surname",
        comparison_description="surnames as a set of tokens",
        comparison_levels=[
            _level(
                f"{_empty('surname_set', 'l')} OR {_empty('surname_set', 'r')}", "surname missing"
            ).configure(is_null_level=True),
            _level("surname_key_l = surname_key_r", "all surnames equal, any order", **tf),
            _level("surname_joined_l = surname_joined_r", "run together or hyphenated, equal"),
            _level(
                "paternal_surname_l = paternal_surname_r AND (maternal_surname_l IS NULL OR maternal_surname_r IS NULL)",
                "paternal equal, maternal missing on one side",
            ),
            _level(
                _either_inside("surname_set"),
                "one side's surnames all on the other (moved to middle name)",
            ),
            _level(
                _same(_side("surname_phon_set", "l"), _side("surname_phon_set", "r")),
                "sound the same (Spanish spelling)",
            ),
            _level(
                _SAME_NAMES_OTHER_FIELDS["surname"], "same names in other fields (swapped, moved)"
            ),
            _level(
                _shares("surname_set", "surname_phon_set"),
                "one surname shared",
            ),
            _level(
                f"jaro_winkler_similarity(surname_joined_l, surname_joined_r) >= {jw!r}",
                f"similar spelling (JW >= {jw:g})",
            ),
            _level(
                "(maternal_surname_l IS NULL OR maternal_surname_r IS NULL) "
                f"AND jaro_winkler_similarity(paternal_surname_l, paternal_surname_r) >= {jw!r}",
                f"paternal similar (JW >= {jw:g}), maternal missing on one side",
            ),
            _level(_swapped_loosely(jw), "swapped with given names, with a slip or run together"),
            cll.ElseLevel(),
        ],
    )


#: A child known by one name, which one agency wrote as the given name and another as the
#: surname ("LESLY" and "FNU LESLY").
_SINGLE_NAME_OTHER_FIELD = " OR ".join(
    f"({_empty('given_set', side)} AND {_empty('surname_set', other)} "
    f"AND {_named('surname_set', side)} "
    f"AND {_same(_side('surname_set', side), _side('given_set', other))})"
    for side, other in (("l", "r"), ("r", "l"))
)


def given_name_comparison(
    *, jaro_winkler_threshold: float = _DEFAULT.name_jaro_winkler, term_frequency: bool = True
) -> CustomComparison:
    """Given names compared as sets: a dropped second name, a swap with the surnames, sound."""
    jw = float(jaro_winkler_threshold)
    tf = (
        {"tf_adjustment_column": "given_key", "tf_adjustment_weight": 1.0} if term_frequency else {}
    )
    return CustomComparison(
        output_column_name="given_name",
        comparison_description="given names as a set of tokens",
        comparison_levels=[
            _level(_SINGLE_NAME_OTHER_FIELD, "a single name, written in the other field"),
            _level(
                f"{_empty('given_set', 'l')} OR {_empty('given_set', 'r')}", "given name missing"
            ).configure(is_null_level=True),
            _level("given_key_l = given_key_r", "all given names equal", **tf),
            _level(
                "given_name_1_l = given_name_1_r AND (given_name_2_l IS NULL OR given_name_2_r IS NULL)",
                "first given name equal, second missing on one side",
            ),
            _level(
                _either_inside("given_set"),
                "one side's given names all on the other",
            ),
            _level(
                _same(_side("given_phon_set", "l"), _side("given_phon_set", "r")),
                "sound the same (Spanish spelling)",
            ),
            _level(
                _SAME_NAMES_OTHER_FIELDS["given"], "same names in other fields (swapped, moved)"
            ),
            _level(
                f"jaro_winkler_similarity(given_name_1_l, given_name_1_r) >= {jw!r} "
                "AND coalesce(given_name_2_l = given_name_2_r "
                f"OR jaro_winkler_similarity(given_name_2_l, given_name_2_r) >= {jw!r}, TRUE)",
                f"similar spelling (JW >= {jw:g})",
            ),
            _level(
                _shares("given_set", "given_phon_set"),
                "one given name shared",
            ),
            _level(_swapped_loosely(jw), "swapped with surnames, with a slip or run together"),
            cll.ElseLevel(),
        ],
    )


def dob_comparison(
    *,
    year_off_years: int = _DEFAULT.dob_year_off_years,
    within_days: int = _DEFAULT.dob_within_days,
) -> CustomComparison:
    """Date of birth: exact, 1-January placeholders as weak evidence, swaps, age determinations."""
    years, days = int(year_off_years), int(within_days)
    same_year = "dob_year_l = dob_year_r"
    return CustomComparison(
        output_column_name="dob",
        comparison_description="date of birth",
        comparison_levels=[
            _level("dob_l IS NULL OR dob_r IS NULL", "dob missing").configure(is_null_level=True),
            _level("dob_l = dob_r AND NOT dob_is_placeholder_l", "exact"),
            _level("dob_l = dob_r", "exact, both 1 January (placeholder)"),
            _level(
                f"{same_year} AND dob_month_l = dob_day_r AND dob_day_l = dob_month_r",
                "day and month swapped",
            ),
            _level(
                f"{same_year} AND (dob_is_placeholder_l OR dob_is_placeholder_r)",
                "same year, 1 January on one side",
            ),
            _level(
                f"{same_year} AND (dob_month_l = dob_month_r OR dob_day_l = dob_day_r)",
                "same year, one part off",
            ),
            _level(
                f"abs(dob_year_l - dob_year_r) <= {years} "
                "AND dob_month_l = dob_month_r AND dob_day_l = dob_day_r",
                f"year off by 1-{years} (age determination)",
            ),
            _level(f"abs(date_diff('day', dob_l, dob_r)) <= {days}", f"within {days} days"),
            cll.ElseLevel(),
        ],
    )


#: Necessary conditions for an edit distance of one between two A-numbers, cheap enough to test on
#: every pair before the edit distance itself (which cost most of predict's time on A-numbers that
#: simply differ): the same length and at most two digits apart (a swap of neighbours differs in
#: two places), or one digit more or less.
_SAME_LENGTH_TWO_APART = (
    "length(a_number_l) = length(a_number_r) AND hamming(a_number_l, a_number_r) = 2"
)
_ONE_EDIT_POSSIBLE = (
    "(length(a_number_l) = length(a_number_r) AND hamming(a_number_l, a_number_r) <= 2 "
    "OR abs(length(a_number_l) - length(a_number_r)) = 1)"
)


def a_number_comparison(*, sequence_gap: int = _DEFAULT.a_number_sequence_gap) -> CustomComparison:
    """A-number: exact; transposed; issued in sequence (siblings); one digit off; different (no veto)."""
    return CustomComparison(
        output_column_name="a_number",
        comparison_description="A-number",
        comparison_levels=[
            _level("a_number_l IS NULL OR a_number_r IS NULL", "A-number missing").configure(
                is_null_level=True
            ),
            _level("a_number_l = a_number_r", "exact"),
            _level(
                f"{_SAME_LENGTH_TWO_APART} AND damerau_levenshtein(a_number_l, a_number_r) = 1 "
                "AND levenshtein(a_number_l, a_number_r) = 2",
                "two adjacent digits transposed",
            ),
            _level(
                "abs(TRY_CAST(a_number_l AS BIGINT) - TRY_CAST(a_number_r AS BIGINT)) "
                f"<= {int(sequence_gap)}",
                "numbers issued in sequence (as to siblings)",
            ),
            _level(
                f"{_ONE_EDIT_POSSIBLE} AND damerau_levenshtein(a_number_l, a_number_r) = 1",
                "one digit off",
            ),
            cll.ElseLevel(),
        ],
    )


def _exact(column: str, description: str) -> CustomComparison:
    return CustomComparison(
        output_column_name=column,
        comparison_description=description,
        comparison_levels=[
            _level(f"{column}_l IS NULL OR {column}_r IS NULL", f"{column} missing").configure(
                is_null_level=True
            ),
            _level(f"{column}_l = {column}_r", "equal"),
            cll.ElseLevel(),
        ],
    )


def place_comparison(
    *, jaro_winkler_threshold: float = _DEFAULT.address_jaro_winkler
) -> CustomComparison:
    """Where the child lives after release: ORR sponsor address against the court's address."""
    jw = float(jaro_winkler_threshold)
    return CustomComparison(
        output_column_name="place",
        comparison_description="sponsor / court address and ZIP",
        comparison_levels=[
            _level("zip5_l IS NULL OR zip5_r IS NULL", "no address on one side").configure(
                is_null_level=True
            ),
            _level("zip5_l = zip5_r AND address_l = address_r", "same address"),
            _level(
                f"zip5_l = zip5_r AND jaro_winkler_similarity(address_l, address_r) >= {jw!r}",
                "same ZIP, similar address",
            ),
            _level("zip5_l = zip5_r", "same ZIP"),
            cll.ElseLevel(),
        ],
    )


def timeline_comparison(
    *,
    within_day_days: int = _DEFAULT.events_within_day_days,
    within_week_days: int = _DEFAULT.events_within_week_days,
    near_days: int = _DEFAULT.journey_near_days,
    far_days: int = _DEFAULT.journey_far_days,
    again_days: int = _DEFAULT.journey_again_days,
    other_journey_days: int = _DEFAULT.other_journey_days,
) -> CustomComparison:
    """The order of events: an HHS referral days after a CBP apprehension is evidence; the same
    agency again months later, or a court record of an earlier journey, is another journey of
    the same child as often as a namesake's (the model learns how often)."""
    day, week = int(within_day_days), int(within_week_days)
    near, far = int(near_days), int(far_days)
    again, other = int(again_days), int(other_journey_days)
    in_order = (
        f"((source_rank_l <= source_rank_r AND event_date_l <= event_date_r + INTERVAL {week} DAY) "
        f"OR (source_rank_r <= source_rank_l AND event_date_r <= event_date_l + INTERVAL {week} DAY))"
    )
    days = "abs(date_diff('day', event_date_l, event_date_r))"
    return CustomComparison(
        output_column_name="timeline",
        comparison_description="event dates in journey order",
        comparison_levels=[
            _level("event_date_l IS NULL OR event_date_r IS NULL", "event date missing").configure(
                is_null_level=True
            ),
            _level(f"{days} <= {day}", f"within {day} day{'' if day == 1 else 's'}"),
            _level(f"{days} <= {week}", f"within {week} days"),
            _level(
                f"source_rank_l = source_rank_r AND {days} > {again} AND {days} <= {other}",
                f"the same agency again, {again + 1}-{other} days apart (another journey)",
            ),
            _level(f"{in_order} AND {days} <= {again}", f"in journey order, within {again} days"),
            _level(f"{in_order} AND {days} <= {near}", f"in journey order, within {near} days"),
            _level(f"{in_order} AND {days} <= {far}", f"in journey order, within {far} days"),
            _level(
                f"{days} <= {other}",
                f"another journey (out of order, or over {far} days), within {other} days",
            ),
            cll.ElseLevel(),
        ],
    )


#: Output column names of the default comparisons, in order.
COMPARISON_NAMES: tuple[str, ...] = (
    "given_name", "surname", "dob", "a_number", "sex", "country", "place", "timeline",
)  # fmt: skip


def default_comparisons(
    thresholds: Thresholds = _DEFAULT, *, term_frequency: bool = True
) -> list[CustomComparison]:
    """The comparisons of the default model, in the order of :data:`COMPARISON_NAMES`, with the
    comparison-level thresholds of ``thresholds``.

    Example:
        >>> from linkage.thresholds import Thresholds
        >>> given = default_comparisons(Thresholds(name_jaro_winkler=0.85))[0]
        >>> [lv["label_for_charts"] for lv in given.get_comparison("duckdb").as_dict()[
        ...     "comparison_levels"] if "JW" in lv.get("label_for_charts", "")]
        ['similar spelling (JW >= 0.85)']
    """
    t = thresholds
    return [
        given_name_comparison(
            jaro_winkler_threshold=t.name_jaro_winkler, term_frequency=term_frequency
        ),
        surname_comparison(
            jaro_winkler_threshold=t.name_jaro_winkler, term_frequency=term_frequency
        ),
        dob_comparison(year_off_years=t.dob_year_off_years, within_days=t.dob_within_days),
        a_number_comparison(sequence_gap=t.a_number_sequence_gap),
        _exact("sex", "sex"),
        _exact("country", "country of birth / citizenship"),
        place_comparison(jaro_winkler_threshold=t.address_jaro_winkler),
        timeline_comparison(
            within_day_days=t.events_within_day_days,
            within_week_days=t.events_within_week_days,
            near_days=t.journey_near_days,
            far_days=t.journey_far_days,
            again_days=t.journey_again_days,
            other_journey_days=t.other_journey_days,
        ),
    ]
