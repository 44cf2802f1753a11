"""The population: families (single children and sibling groups) and the children in them.

:func:`draw_population` draws, per family, the date of apprehension, country, name style, status
(siblings share their journey), ORR stay and sponsor; then, per child, sex, date of birth, names
and A-numbers. Shares follow :mod:`linkage.synthetic._calibration`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import linkage.synthetic._calibration as cal
from linkage.schema import STATUSES
from linkage.synthetic._arrays import draw_categorical, draw_categorical_rows
from linkage.synthetic._calendar import day_number, entry_months, minus_years, year_month_day
from linkage.synthetic._name_bank import (
    CHINESE,
    COMMON_NAMES,
    HAITIAN,
    INDIAN,
    MAYA,
    PORTUGUESE,
    SPANISH,
    NameBank,
    draw_given_names,
    draw_surnames,
)
from linkage.synthetic._places import COUNTRIES, draw_addresses, geography
from linkage.synthetic._rates import Rates

#: ORR's age bands.
AGE_BANDS: tuple[str, ...] = ("0-12", "13-14", "15-16", "17+")
#: Countries ORR counts by name (the rest are "other").
_ORR_KEYS = ("GT", "HN", "SV", "MX")
#: Country groups of the NYT tables.
_GROUPS: tuple[str, ...] = ("Guatemala", "Honduras", "El Salvador", "Mexico", "Other")
#: Name style of children from these countries (Spanish otherwise; Mayan for some Guatemalans).
_STYLE_OF_COUNTRY = {"HT": HAITIAN, "BR": PORTUGUESE, "IN": INDIAN, "CN": CHINESE}
#: Status codes: indexes into ``schema.STATUSES``.
NT, NO_NTA, NTA_NOT_FILED, FTA, IN_PROC = range(len(STATUSES))
_SIBLING_SIZES = (2, 3, 4)
_SIBLING_SIZE_P = (0.60, 0.30, 0.10)
_MIN_SIBLING_GAP_DAYS = 300


@dataclass
class Population:
    """Arrays per child (length n) and per family unit (length U)."""

    n: int
    unit: np.ndarray
    pos: np.ndarray
    unit_size: np.ndarray
    appr: np.ndarray  # per child (shared in a family)
    fy: np.ndarray
    country: np.ndarray
    style: np.ndarray
    status: np.ndarray
    sex: np.ndarray  # 0 male, 1 female
    dob: np.ndarray
    g1: np.ndarray
    g2: np.ndarray
    s1: np.ndarray
    s2: np.ndarray
    single: np.ndarray
    common: np.ndarray
    twin: np.ndarray
    a1: np.ndarray
    a2: np.ndarray  # -1 when none
    hhs_uses_a2: np.ndarray
    referral: np.ndarray
    release: np.ndarray
    days_in_care: np.ndarray
    state: np.ndarray  # per child, -1 when not handed
    sponsor_cat: np.ndarray
    sponsor_rel: np.ndarray
    sponsor_name: dict[str, np.ndarray]  # code arrays per child
    address: dict[str, np.ndarray]  # sponsor address components per child


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


RELATIONS, _RELATION_CAT, _RELATION_SEX, _RELATION_RULE = _relation_rules()
_RELATION_N = np.array([n for _, _, n in cal.NYT_SPONSOR_RELATIONS], dtype=np.float64)


def draw_population(n: int, rates: Rates, rng: np.random.Generator, bank: NameBank) -> Population:
    # -- family units: singles and sibling groups of 2-4 -----------------------------------------
    mean_size = float(np.dot(_SIBLING_SIZES, _SIBLING_SIZE_P))
    n_groups = int(round(n * rates.sibling / mean_size))
    sizes = np.asarray(_SIBLING_SIZES)[draw_categorical(rng, _SIBLING_SIZE_P, n_groups)]
    sizes = sizes[np.cumsum(sizes) <= n]
    unit_size = np.concatenate([sizes, np.ones(n - int(sizes.sum()), dtype=np.int64)])
    unit_size = unit_size[rng.permutation(len(unit_size))]
    n_units = len(unit_size)

    first, ndays, month_fy, month_p = entry_months()
    month = draw_categorical(rng, month_p, n_units)
    appr_u = first[month] + (rng.random(n_units) * ndays[month]).astype(np.int64)
    order = np.lexsort((rng.random(n_units), appr_u))  # families in order of apprehension
    unit_size, appr_u, month = unit_size[order], appr_u[order], month[order]
    fy_u = month_fy[month]
    fy_idx = fy_u - cal.FISCAL_YEARS[0]

    handed_u = rng.random(n_units) >= rates.not_transferred
    # country: ORR's referral mix per fiscal year; the not-transferred are mostly Mexican
    orr = np.zeros((len(cal.FISCAL_YEARS), len(COUNTRIES)))
    for i, year in enumerate(cal.FISCAL_YEARS):
        share = cal.ORR_COUNTRY_SHARE[year]
        total = sum(share.values())
        for j, iso in enumerate(COUNTRIES):
            orr[i, j] = (
                share[iso] / total
                if iso in _ORR_KEYS
                else share["other"] / total * cal.OTHER_COUNTRY_MIX[iso]
            )
    not_handed = rates.not_transferred_mexican * np.eye(len(COUNTRIES))[COUNTRIES.index("MX")]
    table = np.vstack([orr, not_handed + (1 - rates.not_transferred_mexican) * orr])
    country_u = draw_categorical_rows(
        rng, table, np.where(handed_u, fy_idx, fy_idx + len(cal.FISCAL_YEARS))
    )
    iso_u = np.asarray(COUNTRIES, dtype=object)[country_u]
    style_u = np.full(n_units, SPANISH, dtype=np.int64)
    for iso, style_code in _STYLE_OF_COUNTRY.items():
        style_u[iso_u == iso] = style_code
    indigenous = (iso_u == "GT") & (rng.random(n_units) < rates.indigenous_guatemalan)
    style_u[indigenous] = MAYA

    # status per family: siblings share their journey
    u = rng.random(n_units)
    never, fta = rates.never_in_proceedings, rates.failed_to_appear
    status_u = np.select(
        [~handed_u, u < never * (1 - rates.nta_not_filed), u < never, u < never + fta],
        [NT, NO_NTA, NTA_NOT_FILED, FTA],
        IN_PROC,
    )

    # ORR: referral 1-3 days after apprehension; days in care log-normal with the NYT median and
    # mean of the country group and calendar year of entry (stays of a year or more excluded)
    referral_u = appr_u + rng.integers(1, 4, n_units)
    group_u = np.array([_GROUPS.index(cal.COUNTRY_GROUP.get(c, "Other")) for c in COUNTRIES])[
        country_u
    ]
    year_u = year_month_day(appr_u)[0]
    mu = np.zeros((len(_GROUPS), 6))
    sigma = np.zeros((len(_GROUPS), 6))
    for (group, year), (_, median, _, mean) in cal.NYT_DAYS_IN_CARE.items():
        g, y = _GROUPS.index(group), year - 2018
        mu[g, y] = np.log(median)
        sigma[g, y] = np.sqrt(2 * np.log(max(mean, median) / median))
    yi = np.clip(year_u - 2018, 0, 5)
    days_u = np.clip(
        np.rint(np.exp(mu[group_u, yi] + sigma[group_u, yi] * rng.standard_normal(n_units))), 1, 364
    ).astype(np.int64)
    release_u = referral_u + days_u

    geo = geography()
    state_u = draw_categorical_rows(rng, geo["state_probs"], fy_idx)
    cat_table = np.array(
        [[cal.NYT_SPONSOR_CATEGORY_BY_COUNTRY[g].get(c, 0) for c in (0, 1, 2, 3)] for g in _GROUPS],
        dtype=np.float64,
    )
    cat_u = draw_categorical_rows(rng, cat_table, group_u)
    rel_table = np.array([np.where(c == _RELATION_CAT, _RELATION_N, 0.0) for c in (0, 1, 2, 3)])
    rel_u = draw_categorical_rows(rng, rel_table, cat_u)
    s1_u, s2_u = draw_surnames(rng, bank, style_u)

    # -- children ---------------------------------------------------------------------------------
    unit = np.repeat(np.arange(n_units), unit_size)
    start = np.concatenate([[0], np.cumsum(unit_size)[:-1]])
    pos = np.arange(n) - start[unit]
    appr, fy = appr_u[unit], fy_u[unit]
    fyc = fy - cal.FISCAL_YEARS[0]
    male = np.array(
        [cal.ORR_SEX_SHARE[y]["M"] / sum(cal.ORR_SEX_SHARE[y].values()) for y in cal.FISCAL_YEARS]
    )
    sex = (rng.random(n) >= male[fyc]).astype(np.int64)
    band_p = np.array([[cal.ORR_AGE_BAND_SHARE[y][b] for b in AGE_BANDS] for y in cal.FISCAL_YEARS])
    band = draw_categorical_rows(rng, band_p, fyc)
    young = np.asarray(cal.AGE_WEIGHTS_0_12, dtype=np.float64)
    age = np.select(
        [band == 0, band == 1, band == 2],
        [draw_categorical(rng, young, n), 13 + rng.integers(0, 2, n), 15 + rng.integers(0, 2, n)],
        17,
    )
    hi = minus_years(appr, age)  # last dob giving this age
    lo = minus_years(appr, age + 1)  # first dob not giving it
    dob = lo + 1 + (rng.random(n) * (hi - lo)).astype(np.int64)

    # siblings at least ~10 months apart (the younger moves later), then twins share the dob
    groups = unit_size[unit] > 1
    order = np.lexsort((dob, unit))
    sorted_pos = np.empty(n, dtype=np.int64)
    sorted_pos[order] = pos  # rank by dob inside the family (pos is 0..size-1 per unit)
    d_sorted = dob[order]
    for p in range(1, max(_SIBLING_SIZES)):
        at = np.flatnonzero(sorted_pos[order] == p)
        need = d_sorted[at - 1] + _MIN_SIBLING_GAP_DAYS
        late = d_sorted[at] < need
        d_sorted[at[late]] = need[late] + rng.integers(0, 400, int(late.sum()))
    dob[order] = d_sorted
    dob = np.minimum(dob, appr - 30)
    twin = np.zeros(n, dtype=bool)
    group_units = np.flatnonzero(unit_size > 1)
    n_twins = min(int(round(n * rates.twin / 2)), len(group_units))
    if n_twins:
        twin_units = np.sort(rng.choice(group_units, n_twins, replace=False))
        is_twin_unit = np.zeros(n_units, dtype=bool)
        is_twin_unit[twin_units] = True
        older = np.flatnonzero(is_twin_unit[unit] & (sorted_pos == 0))
        younger = np.flatnonzero(is_twin_unit[unit] & (sorted_pos == 1))
        older = older[np.argsort(unit[older], kind="stable")]
        younger = younger[np.argsort(unit[younger], kind="stable")]
        dob[younger] = dob[older]
        same_sex = rng.random(n_twins) < 0.65
        sex[younger[same_sex]] = sex[older[same_sex]]
        twin[older] = twin[younger] = True

    style = style_u[unit]
    g1, g2 = draw_given_names(rng, bank, style, sex)
    s1, s2 = s1_u[unit].copy(), s2_u[unit].copy()
    # siblings never share the whole given name
    dup = groups & (pos > 0)
    redraw_g1, _ = draw_given_names(rng, bank, style[dup], sex[dup])
    clash = np.zeros(n, dtype=bool)
    clash[dup] = (g1[dup] == g1[np.flatnonzero(dup) - 1]) & (g2[dup] == g2[np.flatnonzero(dup) - 1])
    g1[clash] = redraw_g1[clash[dup]]

    singles = ~groups
    single_name = singles & (rng.random(n) < rates.single_name)
    g2[single_name], s1[single_name], s2[single_name] = -1, -1, -1

    # hard negatives: the most common names, with dobs close to others of the same name
    eligible = singles & ~single_name & (style == SPANISH)
    p_common = min(1.0, rates.common_name * n / max(int(eligible.sum()), 1))
    common = eligible & (rng.random(n) < p_common)
    if common.any():
        combos = np.array(
            [
                [bank.code(g1_), bank.code(g2_) if g2_ else -1, bank.code(a), bank.code(b)]
                for _, g1_, g2_, a, b in COMMON_NAMES
            ]
        )
        combo_sex = np.array([0 if s == "M" else 1 for s, *_ in COMMON_NAMES])
        idx = np.flatnonzero(common)
        options = [np.flatnonzero(combo_sex == x) for x in (0, 1)]
        pick = np.where(
            sex[idx] == 0,
            options[0][rng.integers(0, len(options[0]), len(idx))],
            options[1][rng.integers(0, len(options[1]), len(idx))],
        )
        g1[idx], g2[idx], s1[idx], s2[idx] = combos[pick].T
        anchors = day_number("2005-01-01") + rng.integers(0, 5 * 365, (len(COMMON_NAMES), 3))
        near = anchors[pick, rng.integers(0, 3, len(idx))] + rng.integers(-45, 46, len(idx))
        oldest = minus_years(appr[idx], np.full(len(idx), 18)) + 1
        dob[idx] = np.clip(near, oldest, appr[idx] - 30)

    # -- A-numbers: issued in order of apprehension, siblings often consecutive ------------------
    gaps = rng.integers(2, 40, n)
    consecutive = (pos > 0) & (rng.random(n) < 0.8)
    gaps[consecutive] = 1
    a1 = 201_000_000 + np.cumsum(gaps)  # children are already in apprehension order
    old = singles & (rng.random(n) < rates.a_number_8_digit)
    k = int(old.sum())
    a1[old] = (np.sort(rng.integers(10_000_000, 99_000_000 - k, k)) + np.arange(k))[
        rng.permutation(k)
    ]
    second = rng.random(n) < rates.second_a_number
    k = int(second.sum())
    a2 = np.full(n, -1, dtype=np.int64)
    a2[second] = (a1.max() + np.cumsum(rng.integers(1, 40, k)))[rng.permutation(k)]
    hhs_uses_a2 = second & (rng.random(n) < 0.5)

    # -- sponsors (per family) -------------------------------------------------------------------
    sponsor_name = _sponsor_names(rng, bank, style_u, s1_u, s2_u, rel_u)
    address = draw_addresses(rng, state_u)
    for part in (sponsor_name, address):
        for key in part:
            part[key] = part[key][unit]
    not_handed = status_u[unit] == NT
    state = np.where(not_handed, -1, state_u[unit])
    return Population(
        n=n,
        unit=unit,
        pos=pos,
        unit_size=unit_size,
        appr=appr,
        fy=fy,
        country=country_u[unit],
        style=style,
        status=status_u[unit],
        sex=sex,
        dob=dob,
        g1=g1,
        g2=g2,
        s1=s1,
        s2=s2,
        single=single_name,
        common=common,
        twin=twin,
        a1=a1,
        a2=a2,
        hhs_uses_a2=hhs_uses_a2,
        referral=referral_u[unit],
        release=release_u[unit],
        days_in_care=days_u[unit],
        state=state,
        sponsor_cat=np.where(not_handed, -1, cat_u[unit]),
        sponsor_rel=np.where(not_handed, -1, rel_u[unit]),
        sponsor_name=sponsor_name,
        address=address,
    )


def _sponsor_names(
    rng: np.random.Generator,
    bank: NameBank,
    style: np.ndarray,
    s1: np.ndarray,
    s2: np.ndarray,
    rel: np.ndarray,
) -> dict[str, np.ndarray]:
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
