"""Every threshold of the linking job, named, typed and declared once, with its unit in its name.

A :class:`Thresholds` value is part of a trained :class:`~linkage.model.Model` and saved in its JSON
(``"thresholds"``), the way Splink's ``JaroWinklerAtThresholds(col, [0.9, 0.7])`` says its numbers
where it is declared. There are three kinds:

* **comparison levels** (``name_jaro_winkler``, ``dob_*``, ``a_number_sequence_gap``,
  ``events_*``): they shape the comparisons the model is trained with
  (:func:`linkage.comparisons.default_comparisons`); changing them means training again;
* **conflicts** (``separate_journeys_days``, ``court_before_apprehension_days``,
  ``a_number_typo_min_gap``, and ``dob_year_off_years`` as well): when clustering treats two records as different children;
* **decisions** (``match_probability``, ``keep_pair_probability``, ``review_probability``,
  ``max_identity_records``, ``single_link_probability``, ``complementary_probability``): what
  becomes a link, which pairs are kept for review, which identities are flagged, how large an
  identity may grow, which single link between two groups of records is too weak to join them,
  when two identities of complementary agencies are one child. They can be changed on a trained
  model.

Example:
    >>> from linkage.thresholds import Thresholds
    >>> Thresholds().match_probability
    0.5
    >>> Thresholds(match_probability=0.8).to_dict()["match_probability"]
    0.8
    >>> Thresholds.from_dict({"name_jaro_winkler": 0.92}).name_jaro_winkler
    0.92
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

__all__ = ["COMPARISON_THRESHOLDS", "Thresholds"]

#: The thresholds that shape the comparisons a model is trained with: they cannot change on a
#: trained model (its comparisons hold them in their SQL).
COMPARISON_THRESHOLDS: tuple[str, ...] = (
    "name_jaro_winkler",
    "address_jaro_winkler",
    "dob_year_off_years",
    "dob_within_days",
    "a_number_sequence_gap",
    "events_within_day_days",
    "events_within_week_days",
    "journey_near_days",
    "journey_far_days",
    "journey_again_days",
    "other_journey_days",
)


@dataclass(frozen=True, kw_only=True)
class Thresholds:
    """The thresholds of the linking job (see the module docstring for the three kinds).

    Attributes:
        match_probability: pairs scored at or above this probability are links.
        keep_pair_probability: pairs scored below this are not kept in the pairs table (they are
            neither links nor worth a reviewer's look).
        review_probability: an identity whose weakest link is below this is flagged for review.
        max_identity_records: no identity holds more records than this (a child's records across
            the four agencies are a handful; a larger group is a chain through common names).
        single_link_probability: a link below this probability that is the only link between
            two groups of at least two records each is refused, and the identity split there
            (two children joined by one pair of namesakes); 0 refuses none.
        complementary_probability: two identities whose records come from different agencies
            only (one journey's records broken in two), each the other's strongest candidate,
            are joined when their strongest pair scores at least this, below the match
            threshold or refused by a conflict; 0 joins none.
        name_jaro_winkler: Jaro-Winkler similarity at or above which two spellings of a given name
            or of the surnames are "similar".
        address_jaro_winkler: the same for two addresses in one ZIP code.
        dob_year_off_years: birth dates with the same day and month whose years differ by at most
            this are an age determination, not two children.
        dob_within_days: birth dates at most this many days apart are "within a year".
        a_number_sequence_gap: A-numbers at most this far apart were issued in sequence (as to
            siblings apprehended together).
        events_within_day_days: events at most this many days apart are "the same day or the
            next" (a CBP apprehension, the ICE book-in and a duplicate entry of one child).
        events_within_week_days: events at most this many days apart are "within a week"; also
            the slack allowed to the journey order (an HHS referral logged before the apprehension).
        journey_near_days: events in journey order at most this many days apart are "near".
        journey_far_days: events in journey order at most this many days apart are "far".
        journey_again_days: two events of one agency more than this many days apart are another
            journey (the same child apprehended again, or a namesake); events of two agencies
            in journey order at most this many days apart are "in journey order, within a
            month", the handoff along one journey (a level of its own).
        other_journey_days: events out of journey order, or of one agency, at most this many days
            apart may be another journey of the same child; beyond, they are unrelated.
        separate_journeys_days: records of CBP, ICE or HHS whose events are more than this many days
            apart, with no shared A-number, are two journeys (two children, or one child twice).
        court_before_apprehension_days: a court record dated more than this many days before an
            apprehension belongs to another journey.
        a_number_typo_min_gap: two A-numbers one digit apart are one number mistyped only if at
            least this far apart (a digit among the first ones); closer, they may be two numbers
            issued the same week, as to twins.
    """

    match_probability: float = 0.5
    keep_pair_probability: float = 0.01
    review_probability: float = 0.95
    max_identity_records: int = 100
    single_link_probability: float = 0.99
    complementary_probability: float = 0.1
    name_jaro_winkler: float = 0.9
    address_jaro_winkler: float = 0.9
    dob_year_off_years: int = 2
    dob_within_days: int = 366
    a_number_sequence_gap: int = 20
    events_within_day_days: int = 1
    events_within_week_days: int = 7
    journey_near_days: int = 120
    journey_far_days: int = 1100
    journey_again_days: int = 30
    other_journey_days: int = 3650
    separate_journeys_days: int = 180
    court_before_apprehension_days: int = 30
    a_number_typo_min_gap: int = 1000

    def __post_init__(self) -> None:
        problems = []
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.type == "float":
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    problems.append(f"{field.name} must be a number, got {value!r}")
                elif not 0.0 <= value <= 1.0:
                    problems.append(f"{field.name} must be within [0, 1], got {value!r}")
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                problems.append(f"{field.name} must be a whole number >= 0, got {value!r}")
        if not problems and self.max_identity_records < 2:
            problems.append(
                f"max_identity_records must be at least 2, got {self.max_identity_records}"
            )
        if problems:
            raise ValueError("; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        """The thresholds as plain JSON-able values."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Thresholds:
        """Thresholds from :meth:`to_dict` output; absent names keep their default.

        Raises:
            ValueError: an unknown name, or a value of the wrong type or range.
        """
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown threshold(s) {unknown}; known: {sorted(known)}")
        return cls(**data)
