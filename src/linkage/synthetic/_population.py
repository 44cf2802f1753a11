"""The population: families (single children and sibling groups) and the children in them.

:func:`draw_population` draws, per family, the date of apprehension, country, name style, status
(siblings share their journey), ORR stay and sponsor; then, per child, sex, date of birth, names
and A-numbers. Shares follow :mod:`linkage.synthetic._calibration`.

Every step draws from the one ``rng`` it is given, in the order :func:`draw_population` calls
them: the order is part of what a seed means, so a step never draws out of turn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import linkage.synthetic._calibration as cal
from linkage.schema import STATUSES
from linkage.synthetic._arrays import draw_categorical, draw_categorical_rows, expand_counts
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
from linkage.synthetic._places import (
    COUNTRIES,
    COUNTRY_GROUPS,
    GROUP_OF_COUNTRY,
    draw_addresses,
    geography,
)
from linkage.synthetic._rates import Rates
from linkage.synthetic._sponsors import draw_sponsor_names, draw_sponsor_relations
from linkage.synthetic._streams import Streams

#: ORR's age bands.
AGE_BANDS: tuple[str, ...] = ("0-12", "13-14", "15-16", "17+")
#: Countries ORR counts by name (the rest are "other").
_ORR_KEYS = ("GT", "HN", "SV", "MX")
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


@dataclass
class _Families:
    """Arrays per family unit, in order of apprehension: what siblings share."""

    size: np.ndarray
    appr: np.ndarray
    fy: np.ndarray
    country: np.ndarray
    style: np.ndarray
    status: np.ndarray
    referral: np.ndarray
    days_in_care: np.ndarray
    release: np.ndarray
    state: np.ndarray
    sponsor_cat: np.ndarray
    sponsor_rel: np.ndarray
    s1: np.ndarray
    s2: np.ndarray


@dataclass
class _Names:
    """Name codes per child (-1 for none), and who is known by one name only."""

    g1: np.ndarray
    g2: np.ndarray
    s1: np.ndarray
    s2: np.ndarray
    single: np.ndarray


def draw_population(
    n: int, rates: Rates, rng: np.random.Generator, bank: NameBank, streams: Streams
) -> Population:
    """Draw ``n`` children in families, numbered in order of apprehension (from ``rng``, but
    ``Rates.twin_prefix_names``, which draws from its own stream of ``streams``)."""
    fam = _draw_families(n, rates, rng, bank)
    unit, pos = expand_counts(fam.size)
    alone = fam.size[unit] == 1
    appr, fy, style = fam.appr[unit], fam.fy[unit], fam.style[unit]
    sex = _draw_sexes(fy, rng)
    dob = _draw_dates_of_birth(appr, fy, rng)
    dob, birth_rank = _space_siblings(dob, unit, pos, appr, rng)
    dob, sex, twin = _pair_twins(dob, sex, unit, fam.size, birth_rank, rates, rng)
    names = _draw_names(fam, unit, pos, sex, rates, rng, bank)
    names = _prefix_twin_names(
        names,
        twin,
        unit,
        style,
        sex,
        rates.twin_prefix_names,
        streams.rng("twin_prefix_names"),
        bank,
    )
    common = _draw_common_name_children(names.single, alone, style, rates, rng)
    names, dob = _give_common_names(names, common, sex, dob, appr, rng, bank)
    a1, a2, hhs_uses_a2 = _draw_a_numbers(pos, alone, rates, rng)
    sponsor_name = draw_sponsor_names(rng, bank, fam.style, fam.s1, fam.s2, fam.sponsor_rel)
    address = draw_addresses(rng, fam.state)
    not_handed = fam.status[unit] == NT
    return Population(
        n=n,
        unit=unit,
        pos=pos,
        unit_size=fam.size,
        appr=appr,
        fy=fy,
        country=fam.country[unit],
        style=style,
        status=fam.status[unit],
        sex=sex,
        dob=dob,
        g1=names.g1,
        g2=names.g2,
        s1=names.s1,
        s2=names.s2,
        single=names.single,
        common=common,
        twin=twin,
        a1=a1,
        a2=a2,
        hhs_uses_a2=hhs_uses_a2,
        referral=fam.referral[unit],
        release=fam.release[unit],
        days_in_care=fam.days_in_care[unit],
        state=np.where(not_handed, -1, fam.state[unit]),
        sponsor_cat=np.where(not_handed, -1, fam.sponsor_cat[unit]),
        sponsor_rel=np.where(not_handed, -1, fam.sponsor_rel[unit]),
        sponsor_name={key: codes[unit] for key, codes in sponsor_name.items()},
        address={key: codes[unit] for key, codes in address.items()},
    )


# -- families ------------------------------------------------------------------------------------


def _draw_families(n: int, rates: Rates, rng: np.random.Generator, bank: NameBank) -> _Families:
    """Family sizes and dates, countries, name styles, statuses, ORR stays, sponsors, surnames."""
    size, appr, fy = _in_order_of_apprehension(_draw_family_sizes(n, rates, rng), rng)
    fy_idx = fy - cal.FISCAL_YEARS[0]
    handed = rng.random(len(size)) >= rates.not_transferred
    country = _draw_countries(handed, fy_idx, rates, rng)
    style = _name_styles(country, rates, rng)
    status = _draw_statuses(handed, rates, rng)
    group = GROUP_OF_COUNTRY[country]
    referral, days_in_care = _draw_stays_in_care(appr, group, rng)
    state = draw_categorical_rows(rng, geography()["state_probs"], fy_idx)
    sponsor_cat, sponsor_rel = draw_sponsor_relations(group, rng)
    s1, s2 = draw_surnames(rng, bank, style)
    return _Families(
        size=size,
        appr=appr,
        fy=fy,
        country=country,
        style=style,
        status=status,
        referral=referral,
        days_in_care=days_in_care,
        release=referral + days_in_care,
        state=state,
        sponsor_cat=sponsor_cat,
        sponsor_rel=sponsor_rel,
        s1=s1,
        s2=s2,
    )


def _draw_family_sizes(n: int, rates: Rates, rng: np.random.Generator) -> np.ndarray:
    """Sizes of the family units in random order: sibling groups of 2-4, other children alone."""
    mean_size = float(np.dot(_SIBLING_SIZES, _SIBLING_SIZE_P))
    n_groups = int(round(n * rates.sibling / mean_size))
    sizes = np.asarray(_SIBLING_SIZES)[draw_categorical(rng, _SIBLING_SIZE_P, n_groups)]
    sizes = sizes[np.cumsum(sizes) <= n]
    unit_size = np.concatenate([sizes, np.ones(n - int(sizes.sum()), dtype=np.int64)])
    return unit_size[rng.permutation(len(unit_size))]


def _in_order_of_apprehension(
    size: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw each family's day of apprehension: (size, day, fiscal year), sorted by day."""
    first, ndays, month_fy, month_p = entry_months()
    n_units = len(size)
    month = draw_categorical(rng, month_p, n_units)
    appr = first[month] + (rng.random(n_units) * ndays[month]).astype(np.int64)
    order = np.lexsort((rng.random(n_units), appr))  # ties in random order
    return size[order], appr[order], month_fy[month[order]]


def _draw_countries(
    handed: np.ndarray, fy_idx: np.ndarray, rates: Rates, rng: np.random.Generator
) -> np.ndarray:
    """Country codes: ORR's referral mix of the fiscal year; the not-transferred mostly Mexican."""
    orr = _orr_country_shares()
    not_handed = rates.not_transferred_mexican * np.eye(len(COUNTRIES))[COUNTRIES.index("MX")]
    table = np.vstack([orr, not_handed + (1 - rates.not_transferred_mexican) * orr])
    rows = np.where(handed, fy_idx, fy_idx + len(cal.FISCAL_YEARS))
    return draw_categorical_rows(rng, table, rows)


def _orr_country_shares() -> np.ndarray:
    """ORR's share of referrals per fiscal year (rows) and country (columns as ``COUNTRIES``)."""
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
    return orr


def _name_styles(country: np.ndarray, rates: Rates, rng: np.random.Generator) -> np.ndarray:
    """The name style of each family's country; Mayan for some Guatemalan families."""
    iso = np.asarray(COUNTRIES, dtype=object)[country]
    style = np.full(len(country), SPANISH, dtype=np.int64)
    for code, style_code in _STYLE_OF_COUNTRY.items():
        style[iso == code] = style_code
    indigenous = (iso == "GT") & (rng.random(len(country)) < rates.indigenous_guatemalan)
    style[indigenous] = MAYA
    return style


def _draw_statuses(handed: np.ndarray, rates: Rates, rng: np.random.Generator) -> np.ndarray:
    """Status codes per family: siblings share their journey."""
    u = rng.random(len(handed))
    never, fta = rates.never_in_proceedings, rates.failed_to_appear
    return np.select(
        [~handed, u < never * (1 - rates.nta_not_filed), u < never, u < never + fta],
        [NT, NO_NTA, NTA_NOT_FILED, FTA],
        IN_PROC,
    )


def _draw_stays_in_care(
    appr: np.ndarray, group: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """ORR referral day (1-3 days after apprehension) and days in care per family.

    Days in care are log-normal with the NYT median and mean of the country group and calendar
    year of entry (stays of a year or more excluded), clipped to 1-364.
    """
    n_units = len(appr)
    referral = appr + rng.integers(1, 4, n_units)
    mu, sigma = _log_normal_days_in_care()
    yi = np.clip(year_month_day(appr)[0] - 2018, 0, 5)
    z = rng.standard_normal(n_units)
    days = np.clip(np.rint(np.exp(mu[group, yi] + sigma[group, yi] * z)), 1, 364).astype(np.int64)
    return referral, days


def _log_normal_days_in_care() -> tuple[np.ndarray, np.ndarray]:
    """``mu`` and ``sigma`` per (country group, calendar year - 2018) from the NYT figures."""
    mu = np.zeros((len(COUNTRY_GROUPS), 6))
    sigma = np.zeros((len(COUNTRY_GROUPS), 6))
    for (group, year), (_, median, _, mean) in cal.NYT_DAYS_IN_CARE.items():
        g, y = COUNTRY_GROUPS.index(group), year - 2018
        mu[g, y] = np.log(median)
        sigma[g, y] = np.sqrt(2 * np.log(max(mean, median) / median))
    return mu, sigma


# -- children ------------------------------------------------------------------------------------


def _draw_sexes(fy: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """0 (male) or 1 (female) per child, at ORR's share of the fiscal year."""
    male = np.array(
        [cal.ORR_SEX_SHARE[y]["M"] / sum(cal.ORR_SEX_SHARE[y].values()) for y in cal.FISCAL_YEARS]
    )
    sex: np.ndarray = (rng.random(len(fy)) >= male[fy - cal.FISCAL_YEARS[0]]).astype(np.int64)
    return sex


def _draw_dates_of_birth(appr: np.ndarray, fy: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An age at apprehension in ORR's age bands of the fiscal year, then a dob giving that age."""
    n = len(appr)
    band_p = np.array([[cal.ORR_AGE_BAND_SHARE[y][b] for b in AGE_BANDS] for y in cal.FISCAL_YEARS])
    band = draw_categorical_rows(rng, band_p, fy - cal.FISCAL_YEARS[0])
    young = np.asarray(cal.AGE_WEIGHTS_0_12, dtype=np.float64)
    age = np.select(
        [band == 0, band == 1, band == 2],
        [draw_categorical(rng, young, n), 13 + rng.integers(0, 2, n), 15 + rng.integers(0, 2, n)],
        17,
    )
    hi = minus_years(appr, age)  # last dob giving this age
    lo = minus_years(appr, age + 1)  # first dob not giving it
    dob: np.ndarray = lo + 1 + (rng.random(n) * (hi - lo)).astype(np.int64)
    return dob


def _space_siblings(
    dob: np.ndarray, unit: np.ndarray, pos: np.ndarray, appr: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Siblings at least ~10 months apart (the younger moves later), all born 30 days before entry.

    Returns:
        The dates of birth, and each child's rank by date of birth in the family (0 the eldest).
    """
    order = np.lexsort((dob, unit))
    birth_rank = np.empty(len(dob), dtype=np.int64)
    birth_rank[order] = pos  # pos is 0..size-1 per unit
    d_sorted = dob[order]
    for p in range(1, max(_SIBLING_SIZES)):
        at = np.flatnonzero(birth_rank[order] == p)
        need = d_sorted[at - 1] + _MIN_SIBLING_GAP_DAYS
        late = d_sorted[at] < need
        d_sorted[at[late]] = need[late] + rng.integers(0, 400, int(late.sum()))
    spaced = np.empty_like(dob)
    spaced[order] = d_sorted
    return np.minimum(spaced, appr - 30), birth_rank


def _pair_twins(
    dob: np.ndarray,
    sex: np.ndarray,
    unit: np.ndarray,
    size: np.ndarray,
    birth_rank: np.ndarray,
    rates: Rates,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two eldest of some sibling groups become twins: the same dob, often the same sex.

    Returns:
        Dates of birth and sexes (the younger twin's copied from the older's) and the twins.
    """
    n = len(dob)
    twin = np.zeros(n, dtype=bool)
    group_units = np.flatnonzero(size > 1)
    n_twins = min(int(round(n * rates.twin / 2)), len(group_units))
    if not n_twins:
        return dob, sex, twin
    twin_units = np.sort(rng.choice(group_units, n_twins, replace=False))
    is_twin_unit = np.zeros(len(size), dtype=bool)
    is_twin_unit[twin_units] = True
    older = np.flatnonzero(is_twin_unit[unit] & (birth_rank == 0))
    younger = np.flatnonzero(is_twin_unit[unit] & (birth_rank == 1))
    older = older[np.argsort(unit[older], kind="stable")]
    younger = younger[np.argsort(unit[younger], kind="stable")]
    dob, sex = dob.copy(), sex.copy()
    dob[younger] = dob[older]
    same_sex = rng.random(n_twins) < 0.65
    sex[younger[same_sex]] = sex[older[same_sex]]
    twin[older] = twin[younger] = True
    return dob, sex, twin


def _draw_names(
    fam: _Families,
    unit: np.ndarray,
    pos: np.ndarray,
    sex: np.ndarray,
    rates: Rates,
    rng: np.random.Generator,
    bank: NameBank,
) -> _Names:
    """Given names, the family's surnames; some children alone are known by one name only."""
    style = fam.style[unit]
    alone = fam.size[unit] == 1
    g1, g2 = _given_names_unlike_siblings(rng, bank, style, sex, later=~alone & (pos > 0))
    s1, s2 = fam.s1[unit].copy(), fam.s2[unit].copy()
    single = alone & (rng.random(len(unit)) < rates.single_name)
    g2[single], s1[single], s2[single] = -1, -1, -1
    return _Names(g1=g1, g2=g2, s1=s1, s2=s2, single=single)


def _prefix_twin_names(
    names: _Names,
    twin: np.ndarray,
    unit: np.ndarray,
    style: np.ndarray,
    sex: np.ndarray,
    rate: float,
    rng: np.random.Generator,
    bank: NameBank,
) -> _Names:
    """Of same-sex twin pairs, some whose given names start alike: "José" and "José Tomás".

    One twin (either) keeps only the first given name of the other, who has that name and a
    second one (their own second given name, or a new one).
    """
    twins = np.flatnonzero(twin)
    pairs = twins[np.lexsort((twins, unit[twins]))].reshape(-1, 2)  # the two twins of each unit
    k = len(pairs)
    u, flip = rng.random(k), rng.random(k) < 0.5
    extra, _ = draw_given_names(rng, bank, style[pairs[:, 0]], sex[pairs[:, 0]])
    short = np.where(flip, pairs[:, 1], pairs[:, 0])
    long = np.where(flip, pairs[:, 0], pairs[:, 1])
    first = names.g1[pairs[:, 0]]
    second = np.where(names.g2[pairs[:, 0]] >= 0, names.g2[pairs[:, 0]], extra)
    chosen = (sex[short] == sex[long]) & (second != first) & (u < rate)
    short, long = short[chosen], long[chosen]
    g1, g2 = names.g1.copy(), names.g2.copy()
    g1[short], g2[short] = first[chosen], -1
    g1[long], g2[long] = first[chosen], second[chosen]
    return _Names(g1=g1, g2=g2, s1=names.s1, s2=names.s2, single=names.single)


def _given_names_unlike_siblings(
    rng: np.random.Generator, bank: NameBank, style: np.ndarray, sex: np.ndarray, later: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Given names; a ``later`` sibling with the whole given name of the one before redraws one."""
    g1, g2 = draw_given_names(rng, bank, style, sex)
    redraw_g1, _ = draw_given_names(rng, bank, style[later], sex[later])
    before = np.flatnonzero(later) - 1
    clash = np.zeros(len(style), dtype=bool)
    clash[later] = (g1[later] == g1[before]) & (g2[later] == g2[before])
    g1[clash] = redraw_g1[clash[later]]
    return g1, g2


def _draw_common_name_children(
    single: np.ndarray, alone: np.ndarray, style: np.ndarray, rates: Rates, rng: np.random.Generator
) -> np.ndarray:
    """Who gets one of the most common names (``Rates.common_name`` of all children).

    They are drawn among Spanish-style children travelling alone and known by more than one name.
    """
    n = len(style)
    eligible = alone & ~single & (style == SPANISH)
    p_common = min(1.0, rates.common_name * n / max(int(eligible.sum()), 1))
    common: np.ndarray = eligible & (rng.random(n) < p_common)
    return common


def _give_common_names(
    names: _Names,
    common: np.ndarray,
    sex: np.ndarray,
    dob: np.ndarray,
    appr: np.ndarray,
    rng: np.random.Generator,
    bank: NameBank,
) -> tuple[_Names, np.ndarray]:
    """Hard negatives: the ``common`` children get a common name and a dob close to others'.

    Each takes one of ``COMMON_NAMES`` of their sex and a dob within 45 days of one of three
    anchor days of that name, so that unrelated children look alike.

    Returns:
        The names and dates of birth, with those of the ``common`` children replaced.
    """
    if not common.any():
        return names, dob
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
    g1, g2, s1, s2 = (codes.copy() for codes in (names.g1, names.g2, names.s1, names.s2))
    g1[idx], g2[idx], s1[idx], s2[idx] = combos[pick].T
    anchors = day_number("2005-01-01") + rng.integers(0, 5 * 365, (len(COMMON_NAMES), 3))
    near = anchors[pick, rng.integers(0, 3, len(idx))] + rng.integers(-45, 46, len(idx))
    oldest = minus_years(appr[idx], np.full(len(idx), 18)) + 1
    dob = dob.copy()
    dob[idx] = np.clip(near, oldest, appr[idx] - 30)
    return _Names(g1=g1, g2=g2, s1=s1, s2=s2, single=names.single), dob


def _draw_a_numbers(
    pos: np.ndarray, alone: np.ndarray, rates: Rates, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A-numbers issued in order of apprehension, siblings' often consecutive.

    Some children alone have an older 8-digit number; some are given a second number later (HHS
    records carry it half the time).

    Returns:
        The first A-number, the second (-1 when none) and whether HHS records carry the second.
    """
    n = len(pos)
    gaps = rng.integers(2, 40, n)
    consecutive = (pos > 0) & (rng.random(n) < 0.8)
    gaps[consecutive] = 1
    a1 = 201_000_000 + np.cumsum(gaps)  # children are already in apprehension order
    old = alone & (rng.random(n) < rates.a_number_8_digit)
    k = int(old.sum())
    a1[old] = (np.sort(rng.integers(10_000_000, 99_000_000 - k, k)) + np.arange(k))[
        rng.permutation(k)
    ]
    second = rng.random(n) < rates.second_a_number
    k = int(second.sum())
    a2 = np.full(n, -1, dtype=np.int64)
    a2[second] = (a1.max() + np.cumsum(rng.integers(1, 40, k)))[rng.permutation(k)]
    hhs_uses_a2 = second & (rng.random(n) < 0.5)
    return a1, a2, hhs_uses_a2
