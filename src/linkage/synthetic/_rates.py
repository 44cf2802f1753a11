"""The rates of the generator: one frozen dataclass, every rate a probability with its default.

:class:`Rates` tags each field as a ``journey`` rate (population and journeys), a source ``habit``
or a ``corruption`` (an error a clerk makes); :meth:`Rates.clean` zeroes the corruptions.
:data:`LATER_HABITS` names the habits of extracts written by others, added after the first
version: with all of them at 0 the generator writes what it wrote before them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import linkage.synthetic._calibration as cal
from linkage.errors import InputError, Problem


def _journey(default: float) -> Any:
    return field(default=default, metadata={"kind": "journey"})


def _habit(default: float) -> Any:
    return field(default=default, metadata={"kind": "habit"})


def _error(default: float) -> Any:
    return field(default=default, metadata={"kind": "corruption"})


#: The habits of extracts written by others (initials, nicknames, fields cut short, OCR slips,
#: second apprehensions, ...), each drawn from a random stream of its own: with all of them at 0,
#: ``generate`` writes byte for byte the extracts it wrote before they were added.
LATER_HABITS: tuple[str, ...] = (
    "given_initial",
    "given_reordered",
    "given_reduced_to_second",
    "nickname",
    "maternal_in_given",
    "tokens_joined",
    "tokens_split",
    "transliteration",
    "ocr_name",
    "wrong_field",
    "truncated",
    "a_number_sibling",
    "ocr_a_number",
    "repeat_journey",
    "twin_prefix_names",
    "dob_typo",
)


@dataclass(frozen=True, kw_only=True)
class Rates:
    """Every rate of the generator: population shares, journeys, source habits and errors.

    Each rate is a probability in [0, 1]. "Per child" rates are drawn once per child (siblings
    travel together, so some are drawn per family); "per record" rates are drawn independently
    for every record by the source that writes it. ``Rates.clean()`` returns the same population
    with every error rate set to 0.

    Attributes:
        not_transferred: Share of children never handed to HHS (per family; default 0.08). Most
            are Mexican children returned at the border; they have CBP and sometimes ICE or court
            records, never an HHS one.
        never_in_proceedings: Of the children handed to HHS, the share never placed into removal
            proceedings (no court case; OIG: about 65%; default 0.65).
        nta_not_filed: Of those never placed into proceedings, the share for whom ICE issued a
            Notice to Appear that was never filed with the court (status ``nta_not_filed``; the
            rest are ``no_nta``; default 0.30, a modelling choice).
        failed_to_appear: Of the children handed to HHS, the share ordered removed in absentia
            (OIG: about 7%; default 0.07). The rest of the handed children are ``in_proceedings``.
        not_transferred_mexican: Share of the not-transferred children who are Mexican (0.75).
        not_transferred_ice: Share of the not-transferred children with ICE records (0.50).
        not_transferred_eoir: Share of the not-transferred children with a court case (0.10).
        ice_record: Share of the handed children (other than ``nta_not_filed``, who always have
            one) with ICE records (0.85).
        ice_second_record: Share of children with ICE records who have two (book-in and
            transfer; 0.40).
        nta_in_ice: Share of children with a court case whose NTA date shows in ICE's records
            (0.90).
        hhs_second_record: Share of the handed children with two ORR records (a transfer between
            shelters; 0.30).
        eoir_second_record: Share of the children with a court case who have a second case
            record (change of venue after a move; 0.08).
        cbp_duplicate: Share of children with a duplicated CBP record (0.02).
        sibling: Share of children who travel with 1-3 siblings (0.15).
        twin: Share of children who are twins (0.01); twins are sibling pairs sharing the dob.
        common_name: Share of children given one of the most common full names ("Juan Hernández
            Hernández") with a dob close to other children of that name: hard negatives (0.01).
        indigenous_guatemalan: Share of Guatemalan families with Mayan and saint-name surnames
            (0.35).
        single_name: Share of children known by one name only, written with FNU/LNU (0.005).
        a_number_8_digit: Share of (single) children whose A-number has 8 digits, written with a
            leading zero or without it (0.10).
        second_a_number: Share of children given a second A-number later: their court records
            and half of their HHS records carry it (0.03).
        repeat_journey: Share of children apprehended a second time, 2-30 months after the
            first: a new CBP record, and half the time an ICE book-in (without an NTA) and, for
            children handed to HHS, a new ORR referral; none of these later records carries an
            A-number (per child; 0.006).
        twin_prefix_names: Of the same-sex twin pairs, the share where one twin's given names
            are the start of the other's ("José" / "José Tomás"): the hardest false merges
            (0.10).
        cbp_given_names_in_first: CBP habit: both given names in ``first_name`` and none in
            ``middle_name`` (per record; 0.30).
        ice_first_last_order: ICE habit: ``full_name`` as "First Middle Last" in mixed case
            instead of "LAST, FIRST MIDDLE" (per record; 0.20).
        maternal_dropped: Only the paternal surname is written (per record; 0.12).
        maternal_in_middle: The maternal surname is written as the middle name (CBP and ICE, per
            record; 0.06).
        surname_hyphenated: Two surnames joined by a hyphen, "LOPEZ-CHUB" (per record; 0.05).
        surname_joined: Two surnames run together, "LOPEZCHUB" (per record; 0.02).
        given_dropped: The second given name is dropped (per record; 0.15).
        name_swapped: Given names and surnames swapped (per record; 0.02).
        accents_lost_hhs: HHS writes the names without accents (per record; 0.10). CBP, ICE and
            court records never carry accents.
        phonetic: One name written with a Spanish phonetic misspelling: B/V, S/Z/C, LL/Y, silent
            H, J/G/X, QU/K, Y/I, "Yeimi"/"Jeimy" (per record; 0.05).
        typo: One name with a keyboard typo: adjacent key, deletion or transposition (per record;
            0.03).
        brazilian_order: A Brazilian child's surnames (mother's first) written in the Spanish
            order, father's first (per record of a Brazilian child; 0.50).
        stray_space: A leading, trailing or doubled space in a name field (per record; 0.01).
        given_initial: The second given name kept as its initial, "JUAN C" or, a third of the
            time, "JUAN C." (per record with a second given name; 0.01).
        given_reordered: Two given names written in the other order, "JOSE MARIA" for "MARIA
            JOSE" (per record with two given names; 0.004).
        given_reduced_to_second: Only the second given name written, "JOSE" for "MARIA JOSE"
            (per record with two given names; 0.006).
        nickname: A given name written as its nickname or short form, "CHEPE" for José, "LUPE"
            for Guadalupe; the table is ``linkage/data/nicknames.csv`` (per record with a given
            name that has one; 0.006).
        maternal_in_given: The maternal surname appended to the given names, first name "MARIA
            JOSE CHUB" and last name "LOPEZ" (per record with both surnames written; 0.006).
        tokens_joined: Name words run together: the given names ("MARIAJOSE") and surnames with
            particles ("DELACRUZ", "DASILVA") (per record with such words; 0.006).
        tokens_split: A surname that looks compound written as two words, "VILLA NUEVA",
            "JEAN BAPTISTE" (per record with such a surname; 0.04).
        transliteration: One name transliterated: Ñ as NI, NY or GN ("ZUNIIGA", "ZUNYIGA"); a
            Mayan surname in another orthography, x/sh/j, tz/ts, k/q/c ("XOL"/"SHOL",
            "TZOC"/"TSOC", "CAAL"/"KAAL"); an Indian given name's vowels ee/i, oo/u, a/aa
            ("SANDEEP"/"SANDIP") (per record with such a name; 0.02).
        ocr_name: One character of a name misread by a scanner: O/0, I/1/l, L/1, S/5, B/8, M/RN
            ("R0SA", "MARlA", "CARRNEN") (per record; 0.002).
        wrong_field: A name typed in the wrong field: the whole name in ``first_name`` (last
            name empty) or in ``last_name`` (first name empty), or (CBP) the first surname in
            ``middle_name`` (per CBP, HHS and court record; 0.002).
        truncated: A name field cut at the source's field length (CBP first and middle 15,
            last 20; ICE full name 25; HHS first and last 20; court first 15, last 20) (per
            record whose name is longer; 0.05).
        dob_placeholder: Date of birth written as 1 January of its year (per record; 0.04).
        dob_day_month_swap: Day and month swapped, where that gives another valid date (per
            record whose true day is 1-12 and differs from the month; 0.03).
        dob_year_shift: Age determination moves the year by 1 or 2 either way (per record; 0.03).
        dob_missing: Date of birth blank (per record; 0.01).
        dob_typo: One digit of the date of birth typed as another: the last digit of the day, of
            the month or of the year (per record; 0.01).
        a_number_missing_cbp: CBP record without an A-number (usually assigned later; 0.40).
        a_number_missing_ice: ICE record without an A-number (0.05).
        a_number_missing_hhs: HHS record without an A-number (0.15).
        a_number_missing_eoir: Court record without an A-number (0.0: the court keys on it).
        a_number_typo: A-number mistyped: adjacent digits transposed or one digit changed (per
            record; 0.02).
        a_number_duplicate: A record carries another child's A-number by clerical error (per
            record; 0.002).
        a_number_sibling: A record carries a sibling's A-number (per record of a child with
            siblings; 0.002).
        ocr_a_number: Digits of the A-number misread by a scanner as letters: 0 as O, 1 as I or
            l, 5 as S, 8 as B ("A2O1234S67") (per record with an A-number; 0.002).
        sex_missing: Sex blank (``U`` in court records; per record; 0.01).
        sex_wrong: Sex recorded wrong (per record; 0.005).
        country_missing: Country blank (per record; 0.02).
        sponsor_missing_on_transfer: The first of two ORR records has no sponsor yet (0.50).
        eoir_address_moved: The child's court address is not the sponsor's (moved; 0.20).
    """

    # population and journeys
    not_transferred: float = _journey(0.08)
    never_in_proceedings: float = _journey(cal.OIG_NEVER_IN_PROCEEDINGS)
    nta_not_filed: float = _journey(0.30)
    failed_to_appear: float = _journey(cal.OIG_FAILED_TO_APPEAR)
    not_transferred_mexican: float = _journey(0.75)
    not_transferred_ice: float = _journey(0.50)
    not_transferred_eoir: float = _journey(0.10)
    ice_record: float = _journey(0.85)
    ice_second_record: float = _journey(0.40)
    nta_in_ice: float = _journey(0.90)
    hhs_second_record: float = _journey(0.30)
    eoir_second_record: float = _journey(0.08)
    cbp_duplicate: float = _journey(0.02)
    sibling: float = _journey(0.15)
    twin: float = _journey(0.01)
    common_name: float = _journey(0.01)
    indigenous_guatemalan: float = _journey(0.35)
    single_name: float = _journey(0.005)
    a_number_8_digit: float = _journey(0.10)
    second_a_number: float = _journey(0.03)
    repeat_journey: float = _journey(0.006)
    twin_prefix_names: float = _journey(0.10)
    # source habits
    cbp_given_names_in_first: float = _habit(0.30)
    ice_first_last_order: float = _habit(0.20)
    # names
    maternal_dropped: float = _error(0.12)
    maternal_in_middle: float = _error(0.06)
    surname_hyphenated: float = _error(0.05)
    surname_joined: float = _error(0.02)
    given_dropped: float = _error(0.15)
    name_swapped: float = _error(0.02)
    accents_lost_hhs: float = _error(0.10)
    phonetic: float = _error(0.05)
    typo: float = _error(0.03)
    brazilian_order: float = _error(0.50)
    stray_space: float = _error(0.01)
    given_initial: float = _error(0.01)
    given_reordered: float = _error(0.004)
    given_reduced_to_second: float = _error(0.006)
    nickname: float = _error(0.006)
    maternal_in_given: float = _error(0.006)
    tokens_joined: float = _error(0.006)
    tokens_split: float = _error(0.04)
    transliteration: float = _error(0.02)
    ocr_name: float = _error(0.002)
    wrong_field: float = _error(0.002)
    truncated: float = _error(0.05)
    # dates of birth
    dob_placeholder: float = _error(0.04)
    dob_day_month_swap: float = _error(0.03)
    dob_year_shift: float = _error(0.03)
    dob_missing: float = _error(0.01)
    dob_typo: float = _error(0.01)
    # A-numbers
    a_number_missing_cbp: float = _error(0.40)
    a_number_missing_ice: float = _error(0.05)
    a_number_missing_hhs: float = _error(0.15)
    a_number_missing_eoir: float = _error(0.0)
    a_number_typo: float = _error(0.02)
    a_number_duplicate: float = _error(0.002)
    a_number_sibling: float = _error(0.002)
    ocr_a_number: float = _error(0.002)
    # demographics and addresses
    sex_missing: float = _error(0.01)
    sex_wrong: float = _error(0.005)
    country_missing: float = _error(0.02)
    sponsor_missing_on_transfer: float = _error(0.50)
    eoir_address_moved: float = _error(0.20)

    def __post_init__(self) -> None:
        problems = []
        for f in fields(self):
            value = getattr(self, f.name)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not 0 <= value <= 1
            ):
                problems.append(
                    Problem(
                        source=None,
                        column=None,
                        message=f"Rates.{f.name} must be a probability in [0, 1], got {value!r}",
                        fix=f"pass a number between 0 and 1 for {f.name}",
                    )
                )
        pairs = (
            ("never_in_proceedings", "failed_to_appear"),
            ("maternal_dropped", "maternal_in_middle"),
            ("surname_hyphenated", "surname_joined"),
        )
        for a, b in pairs:
            total = getattr(self, a) + getattr(self, b)
            if not problems and total > 1:
                problems.append(
                    Problem(
                        source=None,
                        column=None,
                        message=f"Rates.{a} + Rates.{b} = {total:g} exceeds 1",
                        fix=f"lower {a} or {b}: they are shares of the same records",
                    )
                )
        if problems:
            raise InputError(problems)

    @classmethod
    def clean(cls, **overrides: float) -> Rates:
        """The default population and journeys with every error rate set to 0.

        Args:
            **overrides: Rates to set on top, e.g. ``Rates.clean(typo=0.5)``.

        Returns:
            Rates whose records differ from the truth only by each source's format habits.
        """
        zeros = {f.name: 0.0 for f in fields(cls) if f.metadata.get("kind") == "corruption"}
        return cls(**{**zeros, **overrides})

    @classmethod
    def without_later_habits(cls, **overrides: float) -> Rates:
        """The default rates with every one of :data:`LATER_HABITS` at 0.

        The extracts are then those the generator wrote before these habits were added (for the
        same seed), which linking was first tuned on.

        Args:
            **overrides: Rates to set on top.
        """
        return cls(**{**dict.fromkeys(LATER_HABITS, 0.0), **overrides})

    def with_(self, **changes: float) -> Rates:
        """A copy with some rates changed (``rates.with_(typo=0.1)``)."""
        return replace(self, **changes)
