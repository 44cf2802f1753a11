"""Golden pairs, one per habit of the real world's extracts (issue 11): two records of one child
written the way some agency writes them must end in one identity; twins and siblings must not.

Every case goes through the public API: the records are linked by ``linkage.link``, among the
records of a few hundred synthetic children (so that names have their usual frequencies, as in
any real extract), with a model trained once on synthetic data; the comparisons, the threshold
and the conflict rules all have their say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pytest

from linkage import link
from linkage.model import TrainingConfig
from linkage.synthetic import generate

pytestmark = pytest.mark.slow

#: The child of most cases, as CBP writes it.
CBP = {
    "record_id": "C1",
    "first_name": "Juan Carlos",
    "last_name": "Pérez López",
    "a_number": "A201-555-123",
    "dob": "05/17/2008",
    "sex": "M",
    "country": "Guatemala",
    "event_date": "03/01/2021",
}
#: The same child as HHS writes it: no A-number, the maternal surname dropped.
HHS = {
    "record_id": "H1",
    "first_name": "Juan Carlos",
    "last_name": "Pérez",
    "dob": "05/17/2008",
    "sex": "M",
    "event_date": "03/04/2021",
    "release_date": "04/01/2021",
    "sponsor_name": "Rosa López",
    "sponsor_address": "12 Main Street, Houston TX",
    "sponsor_zip": "77001",
}
#: As ICE writes it.
ICE = {
    "record_id": "I1",
    "full_name": "PEREZ LOPEZ, JUAN CARLOS",
    "a_number": "201555123",
    "dob": "2008-05-17",
    "sex": "M",
    "country": "GT",
    "event_date": "2021-03-02",
    "nta_issued_date": "2021-03-03",
}
BASE = {"cbp": CBP, "hhs": HHS, "ice": ICE}


@dataclass(frozen=True)
class Case:
    """Records (source -> overrides of that source's base record, one or two per source) and
    whether they are one child."""

    name: str
    records: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    same_child: bool = True


def _both_names(first: str, other_first: str, last: str = "Pérez López") -> list:
    return [("cbp", {"first_name": first, "last_name": last}),
            ("hhs", {"first_name": other_first, "last_name": last})]  # fmt: skip


def _surnames(last: str, other_last: str) -> list:
    return [("cbp", {"last_name": last}), ("hhs", {"last_name": other_last})]


CASES = [
    # initials against full names (given and middle)
    Case("second given name as an initial", [("cbp", {}), ("hhs", {"first_name": "Juan C"})]),
    Case("initial with a dot", [("cbp", {}), ("hhs", {"first_name": "JUAN C."})]),
    Case("middle name as an initial",
         [("cbp", {"first_name": "Juan", "middle_name": "Carlos"}),
          ("hhs", {"first_name": "Juan", "middle_name": "C"})]),  # fmt: skip
    # names cut at a field's length
    Case("full name cut at 20 characters", [("cbp", {}), ("ice", {"full_name": "PEREZ LOPEZ, JUAN CA"})]),
    Case("given names cut at 10 characters", _both_names("Estela Janeth", "Estela Jan")),
    Case("surnames cut at 15 characters",
         _surnames("Villanueva Hernández", "VILLANUEVA HERN")),  # fmt: skip
    # tokens run together or split
    Case("given names run together", _both_names("María José", "MARIAJOSE")),
    Case("compound surname split", _surnames("Villalobos Cruz", "Villa Lobos Cruz")),
    Case("particles run together", _surnames("De la Cruz Pérez", "Delacruz Pérez")),
    # transliteration
    Case("ñ written NI", _surnames("Muñoz Chub", "Munioz Chub")),
    Case("ñ written NY", _surnames("Muñoz Chub", "MUNYOZ CHUB")),
    Case("ñ written GN", _surnames("Muñoz Chub", "MUGNOZ CHUB")),
    Case("Mayan x written sh", _surnames("Xocop Tzul", "Shocop Tzul")),
    Case("Mayan tz written ts", _surnames("Xocop Tzul", "Xocop Tsul")),
    Case("k written q or c", _surnames("Kik Cux", "Quic Cux")),
    Case("Indian vowel spellings",
         [("cbp", {"first_name": "Suneel", "last_name": "Kumar", "country": "India"}),
          ("hhs", {"first_name": "Sunil", "last_name": "Kumar"})]),  # fmt: skip
    # OCR-style confusions
    Case("OCR: 0 for O in a name", _both_names("Rosa", "R0SA")),
    Case("OCR: rn for m in a name", _both_names("Carmen", "CARRNEN")),
    Case("OCR: 1 for I in a name", _both_names("María", "MAR1A")),
    Case("OCR: letters in an A-number",
         [("cbp", {"a_number": "A2O1-555-I23"}), ("ice", {})]),  # fmt: skip
    # compound given names reordered or reduced to one
    Case("compound given names reordered", _both_names("María José", "José María")),
    Case("compound given name reduced to the second", _both_names("María José", "José")),
    # a maternal surname appended to the given names; names in the wrong field
    Case("maternal surname appended to the given names",
         [("cbp", {}), ("hhs", {"first_name": "Juan Carlos López", "last_name": "Pérez"})]),  # fmt: skip
    Case("whole name in the first-name field",
         [("cbp", {}), ("hhs", {"first_name": "Juan Carlos Pérez López", "last_name": None})]),  # fmt: skip
    Case("first surname typed as the middle name",
         [("cbp", {}), ("hhs", {"first_name": "Juan Carlos", "middle_name": "Pérez", "last_name": "López"})]),  # fmt: skip
    # nicknames and short forms
    Case("nickname Chepe for José", _both_names("José", "Chepe")),
    Case("nickname Lupe for Guadalupe", _both_names("Guadalupe", "Lupe")),
    Case("nickname Nacho for Ignacio", _both_names("Ignacio", "Nacho")),
    # the same child apprehended again, the later records without an A-number
    Case("apprehended again 17 months later",
         [("cbp", {}), ("cbp", {"record_id": "C2", "a_number": None, "event_date": "08/15/2022"})]),  # fmt: skip
    Case("apprehended again, court record of the first journey",
         [("cbp", {"record_id": "C2", "a_number": None, "event_date": "08/15/2022"}),
          ("eoir", {"record_id": "E1", "first_name": "JUAN CARLOS", "last_name": "PEREZ LOPEZ",
                    "dob": "20080517", "sex": "M", "country": "GT",
                    "a_number": "201555123", "event_date": "20210601", "hearing_date": "20210901",
                    "absentia": "N"})]),  # fmt: skip
    # habits the generator had before
    Case("given and family names swapped",
         [("cbp", {}), ("hhs", {"first_name": "Pérez", "last_name": "Juan Carlos"})]),  # fmt: skip
    Case("day and month swapped", [("cbp", {}), ("hhs", {"dob": "17/05/2008"})]),
    Case("1 January for an unknown day", [("cbp", {}), ("hhs", {"dob": "01/01/2008"})]),
    Case("year moved by an age determination", [("cbp", {}), ("hhs", {"dob": "05/17/2007"})]),
    Case("surnames hyphenated", _surnames("Pérez López", "PEREZ-LOPEZ")),
    # twins and siblings: must stay apart
    Case("twins with different given names and A-numbers",
         [("cbp", {"first_name": "María Angélica", "sex": "F", "a_number": "A201012345"}),
          ("cbp", {"record_id": "C2", "first_name": "María Elena", "sex": "F", "a_number": "A201012346"})],
         same_child=False),  # fmt: skip
    Case("twins whose given names are prefixes of each other",
         [("cbp", {"first_name": "José", "a_number": "A201012345"}),
          ("cbp", {"record_id": "C2", "first_name": "José Torivio", "a_number": "A201012346"})],
         same_child=False),  # fmt: skip
    Case("siblings a year apart, same sponsor",
         [("hhs", {"first_name": "Luis", "dob": "02/03/2009"}),
          ("hhs", {"record_id": "H2", "first_name": "Ana", "sex": "F", "dob": "07/11/2010"})],
         same_child=False),  # fmt: skip
]  # fmt: skip


def _frames(case: Case, background: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The case's records (ids starting with ``G``) among the background extracts."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for source, overrides in case.records:
        record = {**BASE.get(source, {}), **overrides}
        rows.setdefault(source, []).append({**record, "record_id": "G" + record["record_id"]})
    frames = {source: frame.astype(object) for source, frame in background.items()}
    for source, records in rows.items():
        frames[source] = pd.concat([frames[source], pd.DataFrame(records)], ignore_index=True)
    return frames


@pytest.fixture(scope="module")
def background() -> dict[str, pd.DataFrame]:
    return generate(400, seed=22).sources


@pytest.fixture(scope="module")
def model():
    data = generate(2_000, seed=21)
    return link(data.sources, quiet=True, training=TrainingConfig(u_max_pairs=500_000)).model


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_habit_does_not_change_who_is_who(model, background, case):
    result = link(_frames(case, background), model=model, quiet=True)
    clusters = result.clusters()
    ours = clusters[clusters["record_id"].str.startswith("G")]
    assert len(ours) == len(case.records)
    identities = ours["identity_id"].nunique()
    if case.same_child:
        assert identities == 1, f"split:\n{ours}"
    else:
        assert identities == len(case.records), f"merged:\n{ours}"
