"""Places: the countries children come from and the US addresses of sponsors and court records.

:data:`COUNTRY_GROUPS` are the country groups of the NYT tables; :func:`country_forms` holds every
way a country is written; :func:`geography` the states (ORR releases by state), their ZIP3 ranges
and cities; :func:`draw_addresses` draws addresses as codes and :func:`format_address` writes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

import linkage.synthetic._calibration as cal
from linkage.schema import EOIR_NATIONALITY_CODES
from linkage.synthetic._arrays import if_else, join_strings, string_array, take_codes
from linkage.synthetic._spelling import without_accents

#: Countries generated (ISO alpha-2): the four ORR names first, then the "other" mix.
COUNTRIES: tuple[str, ...] = ("GT", "HN", "SV", "MX", *cal.OTHER_COUNTRY_MIX)


def _eoir_code(iso2: str) -> str:
    codes = sorted(k for k, v in EOIR_NATIONALITY_CODES.items() if v == iso2)
    if not codes:  # pragma: no cover - guarded by a test over COUNTRIES
        raise KeyError(f"no EOIR nationality code for {iso2}")
    return iso2 if iso2 in codes else codes[0]


@lru_cache(maxsize=1)
def country_forms() -> dict[str, pa.Array]:
    """Every way a country is written, each an Arrow table indexed like :data:`COUNTRIES`."""
    names = [cal.COUNTRY_NAMES[c] for c in COUNTRIES]
    return {
        "iso2": string_array(COUNTRIES),
        "iso3": string_array([n[0] for n in names]),
        "english": string_array([n[1] for n in names]),
        "english_upper": string_array([n[1].upper() for n in names]),
        "english_lower": string_array([n[1].lower() for n in names]),
        "spanish": string_array([n[2] for n in names]),
        "spanish_upper": string_array([without_accents(n[2]).upper() for n in names]),
        "eoir": string_array([_eoir_code(c) for c in COUNTRIES]),
    }


#: Country groups of the NYT custody-duration and sponsor tables.
COUNTRY_GROUPS: tuple[str, ...] = ("Guatemala", "Honduras", "El Salvador", "Mexico", "Other")
#: The country group (index into ``COUNTRY_GROUPS``) of each country (index into ``COUNTRIES``).
GROUP_OF_COUNTRY = np.array(
    [COUNTRY_GROUPS.index(cal.COUNTRY_GROUP.get(c, "Other")) for c in COUNTRIES]
)

#: Sponsor states (USPS codes), in the order of the calibration tables.
STATES: tuple[str, ...] = tuple(cal.ORR_RELEASED_BY_STATE)
_STREETS: tuple[str, ...] = (
    "Main", "Oak", "Maple", "Elm", "Washington", "Park", "Lincoln", "Jefferson", "Cedar", "Pine",
    "Sunset", "Bellaire", "Westheimer", "Broadway", "Church", "Highland", "Lake", "Hill", "Walnut",
    "Chestnut", "Franklin", "Madison", "Jackson", "Spring", "Ridge", "Meadow", "Forest", "River",
    "Central", "Liberty", "University", "Georgia", "Columbia", "Kennedy", "Martin Luther King",
    "Valley", "Cherry", "Willow", "Magnolia", "Mill",
)  # fmt: skip
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("St", "Street"), ("Ave", "Avenue"), ("Rd", "Road"), ("Dr", "Drive"), ("Blvd", "Boulevard"),
    ("Ln", "Lane"), ("Ct", "Court"), ("Way", "Way"), ("Pl", "Place"),
)  # fmt: skip


@lru_cache(maxsize=1)
def geography() -> dict[str, np.ndarray]:
    lo = np.array([cal.STATE_GEOGRAPHY[s][0] for s in STATES])
    hi = np.array([cal.STATE_GEOGRAPHY[s][1] for s in STATES])
    cities = [cal.STATE_GEOGRAPHY[s][2] for s in STATES]
    count = np.array([len(c) for c in cities])
    offset = np.concatenate([[0], np.cumsum(count)[:-1]])
    probs = np.array([cal.ORR_RELEASED_BY_STATE[s] for s in STATES], dtype=np.float64).T
    return {
        "zip_lo": lo,
        "zip_hi": hi,
        "city_offset": offset,
        "city_count": count,
        "city": np.array([c for group in cities for c in group], dtype=object),
        "state_probs": probs,  # (fiscal year, state)
    }


def draw_addresses(rng: np.random.Generator, state: np.ndarray) -> dict[str, np.ndarray]:
    geo = geography()
    n = len(state)
    zip3 = geo["zip_lo"][state] + (
        rng.random(n) * (geo["zip_hi"][state] - geo["zip_lo"][state] + 1)
    ).astype(np.int64)
    return {
        "number": rng.integers(100, 9999, n),
        "street": rng.integers(0, len(_STREETS), n),
        "suffix": rng.integers(0, len(_SUFFIXES), n),
        "apt": np.where(rng.random(n) < 0.35, rng.integers(1, 40, n), 0),
        "city": geo["city_offset"][state]
        + (rng.random(n) * geo["city_count"][state]).astype(np.int64),
        "state": state,
        "zip": zip3 * 100 + rng.integers(0, 100, n),
        "plus4": rng.integers(1000, 10000, n),
    }


def format_address(
    parts: Mapping[str, np.ndarray], *, upper: bool, long_suffix: np.ndarray
) -> pa.Array:
    geo = geography()
    streets = string_array([s.upper() for s in _STREETS] if upper else _STREETS)
    short = string_array([s[0].upper() if upper else s[0] for s in _SUFFIXES])
    long = string_array([s[1].upper() if upper else s[1] for s in _SUFFIXES])
    suffix = if_else(
        long_suffix, take_codes(long, parts["suffix"]), take_codes(short, parts["suffix"])
    )
    apt_word = "APT" if upper else "Apt"
    apt = join_strings(
        [
            pa.array(np.full(len(parts["apt"]), apt_word, dtype=object), type=pa.string()),
            pa.array(parts["apt"]).cast(pa.string()),
        ]
    )
    apt = pc.if_else(pa.array(parts["apt"] == 0), pa.nulls(len(apt), pa.string()), apt)
    street = join_strings(
        [
            pa.array(parts["number"]).cast(pa.string()),
            take_codes(streets, parts["street"]),
            suffix,
            apt,
        ]
    )
    cities = [c.upper() for c in geo["city"]] if upper else list(geo["city"])
    city = take_codes(string_array(cities), parts["city"])
    state = take_codes(string_array(STATES), parts["state"])
    if upper:
        return join_strings([street, city, state])
    return join_strings([street, city, state], ", ")
