"""Sponsors: the adult each family is released to, their relationship and the name it implies.

The category and relationship follow the NYT release file per country group
(:mod:`linkage.synthetic._calibration`); the relationship sets the sponsor's sex and which of the
child's surnames the sponsor carries (a mother the maternal one, a father the paternal one, ...).
"""

from __future__ import annotations

import numpy as np

import linkage.synthetic._calibration as cal
from linkage.synthetic._arrays import draw_categorical_rows
from linkage.synthetic._name_bank import PORTUGUESE, NameBank, draw_given_names, draw_surnames
from linkage.synthetic._places import COUNTRY_GROUPS


def _relation_rules() -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Relations, their category, sponsor sex (0 M, 1 F, 2 either) and surname rule."""
    names, cats, sexes, rules = [], [], [], []
    male = ("Father", "Brother", "Uncle", "Nephew", "Grandfather", "Godfather", "Stepbrother")
    female = ("Mother", "Sister", "Aunt", "Niece", "Grandmother", "Godmother", "Stepsister")
    for cat, rel, _ in cal.NYT_SPONSOR_RELATIONS:
        names.append(rel)
        cats.append(cat)
        head = rel.split(" (")[0]
        sex = 2
        if any(head.endswith(w) or head.startswith(w) for w in female):
            sex = 1
        elif any(head.endswith(w) or head.startswith(w) for w in male):
            sex = 0
        sexes.append(sex)
        if head == "Mother":
            rules.append(1)  # shares the child's maternal surname
        elif head == "Father":
            rules.append(2)  # shares the child's paternal surname
        elif head in ("Brother", "Sister", "Half-Sibling"):
            rules.append(3)  # same surnames as the child
        elif any(
            k in head
            for k in ("Uncle", "Aunt", "Grand", "First Cousin", "Nephew", "Niece", "Other Cousin")
        ):
            rules.append(4)  # one of the child's surnames
        else:
            rules.append(0)  # unrelated surnames
    return names, np.array(cats), np.array(sexes), np.array(rules)


#: Sponsor relationships (codes are indexes), with their category, sex and surname rule.
RELATIONS, _RELATION_CAT, _RELATION_SEX, _RELATION_RULE = _relation_rules()
_RELATION_N = np.array([n for _, _, n in cal.NYT_SPONSOR_RELATIONS], dtype=np.float64)
#: Weights of the sponsor categories 0-3 per country group (rows as ``COUNTRY_GROUPS``).
_CATEGORY_P = np.array(
    [
        [cal.NYT_SPONSOR_CATEGORY_BY_COUNTRY[g].get(c, 0) for c in (0, 1, 2, 3)]
        for g in COUNTRY_GROUPS
    ],
    dtype=np.float64,
)
#: Weights of the relationships per sponsor category 0-3.
_RELATION_P = np.array([np.where(c == _RELATION_CAT, _RELATION_N, 0.0) for c in (0, 1, 2, 3)])


def draw_sponsor_relations(
    group: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A sponsor category per family of country group ``group``, then a relationship in it."""
    category = draw_categorical_rows(rng, _CATEGORY_P, group)
    relation = draw_categorical_rows(rng, _RELATION_P, category)
    return category, relation


def draw_sponsor_names(
    rng: np.random.Generator,
    bank: NameBank,
    style: np.ndarray,
    s1: np.ndarray,
    s2: np.ndarray,
    rel: np.ndarray,
) -> dict[str, np.ndarray]:
    """Each family's sponsor's name codes (``g1``, ``g2``, ``s1``, ``s2``), from the relationship.

    ``style``, ``s1`` and ``s2`` are the family's name style and surnames, ``rel`` the relationship.
    """
    n = len(style)
    sex = np.where(_RELATION_SEX[rel] == 2, rng.integers(0, 2, n), _RELATION_SEX[rel])
    g1, g2 = draw_given_names(rng, bank, style, sex)
    r1, r2 = draw_surnames(rng, bank, style)
    rule = _RELATION_RULE[rel]
    brazil = style == PORTUGUESE
    two = s2 >= 0
    maternal = np.where(brazil, s1, np.where(two, s2, -1))
    paternal = np.where(brazil & two, s2, s1)
    one = np.where(rng.random(n) < 0.5, paternal, np.where(maternal >= 0, maternal, paternal))
    inherited = np.select([rule == 1, rule == 2, rule == 4], [maternal, paternal, one], -1)
    # the inherited surname is the sponsor's own first surname (last for Brazilians)
    has = inherited >= 0
    a = np.where(has & ~brazil, inherited, r1)
    b = np.where(has & brazil & two, inherited, r2)
    b = np.where(two, b, -1)
    same = rule == 3
    a, b = np.where(same, s1, a), np.where(same, s2, b)
    return {"g1": g1, "g2": g2, "s1": a, "s2": b}
