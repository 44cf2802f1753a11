"""Country names and codes (English, Spanish, ISO alpha-2/3, EOIR codes) -> ISO alpha-2.

The lookup is built once from pycountry (names in English and, through its translations, in
Spanish) plus the aliases clerks write, and applied to distinct raw values only.
"""

from __future__ import annotations

import functools
import gettext
import re
import unicodedata

import pycountry

from linkage.schema import EOIR_NATIONALITY_CODES

__all__ = ["country_code", "fold"]

_ALIASES: dict[str, str] = {
    "USA": "US", "UNITED STATES OF AMERICA": "US", "ESTADOS UNIDOS": "US", "EEUU": "US",
    "SALVADOR": "SV", "EL SALVADOR": "SV", "SALVADORAN": "SV", "SALVADORENO": "SV",
    "GUATEMALAN": "GT", "GUATEMALTECO": "GT", "GUATEMALTECA": "GT", "GUAT": "GT",
    "HONDURAN": "HN", "HONDURENO": "HN", "HONDURENA": "HN",
    "MEXICAN": "MX", "MEXICANO": "MX", "MEXICANA": "MX", "MEJICO": "MX",
    "BRASIL": "BR", "BRAZILIAN": "BR", "HAITI": "HT", "HAITIAN": "HT",
    "ECUADORIAN": "EC", "ECUATORIANO": "EC", "NICARAGUAN": "NI", "NICARAGUENSE": "NI",
    "VENEZUELA": "VE", "VENEZUELAN": "VE", "COLOMBIAN": "CO", "CUBAN": "CU",
    "DOMINICAN REPUBLIC": "DO", "REPUBLICA DOMINICANA": "DO", "DOM REP": "DO",
    "BOLIVIA": "BO", "PERU": "PE", "PERUVIAN": "PE", "CHINA": "CN", "CHINESE": "CN",
    "INDIA": "IN", "INDIAN": "IN", "RUSSIA": "RU", "VIETNAM": "VN", "VIET NAM": "VN",
    "SOUTH KOREA": "KR", "NORTH KOREA": "KP", "IRAN": "IR", "SYRIA": "SY",
    "VENEZUELA BOLIVARIAN REPUBLIC OF": "VE", "TURKEY": "TR", "TURQUIA": "TR",
    "CONGO": "CG", "DR CONGO": "CD", "DRC": "CD", "LAOS": "LA", "MOLDOVA": "MD",
    "UNITED KINGDOM": "GB", "UK": "GB", "GREAT BRITAIN": "GB", "TANZANIA": "TZ",
}  # fmt: skip

_UNKNOWN = frozenset(
    {"", "UNKNOWN", "UNK", "DESCONOCIDO", "NONE", "NULL", "NA", "N A", "XX", "ZZ", "STATELESS"}
)


def fold(value: str) -> str:
    """Upper case, accents removed, punctuation to spaces, spaces collapsed."""
    text = unicodedata.normalize("NFKD", value)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).upper()
    text = re.sub(r"[^A-Z0-9]+", " ", text)
    return text.strip()


@functools.lru_cache(maxsize=1)
def _lookup() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    names: dict[str, str] = {}
    alpha2: dict[str, str] = {}
    alpha3: dict[str, str] = {}
    try:
        spanish = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"])
        to_spanish = spanish.gettext
    except OSError:  # translations missing from this pycountry build
        to_spanish = None
    for c in pycountry.countries:
        code = c.alpha_2
        alpha2[code] = code
        alpha3[c.alpha_3] = code
        for attr in ("name", "official_name", "common_name"):
            text = getattr(c, attr, None)
            if text:
                names.setdefault(fold(text), code)
                if to_spanish is not None:
                    names.setdefault(fold(to_spanish(text)), code)
                # "Bolivia, Plurinational State of" -> "BOLIVIA"
                head = text.split(",")[0].split("(")[0]
                names.setdefault(fold(head), code)
                if to_spanish is not None:
                    names.setdefault(fold(to_spanish(text).split(",")[0].split("(")[0]), code)
    for alias, code in _ALIASES.items():
        names[fold(alias)] = code
    return names, alpha2, alpha3


def country_code(value: str | None, *, eoir: bool = False) -> str | None:
    """ISO alpha-2 for a country written any way, or ``None`` when unknown.

    Two-letter values are read as EOIR nationality codes first in the ``eoir`` source (where "HO"
    is Honduras and "ES" El Salvador), as ISO alpha-2 elsewhere.

    Examples:
        >>> country_code("Guatemala"), country_code("guatemala"), country_code("GTM")
        ('GT', 'GT', 'GT')
        >>> country_code("Honduras"), country_code("HO", eoir=True), country_code("HN")
        ('HN', 'HN', 'HN')
        >>> country_code("México"), country_code("Brasil"), country_code("Haití")
        ('MX', 'BR', 'HT')
        >>> country_code("ES", eoir=True), country_code("ES") , country_code("Atlantis")
        ('SV', 'ES', None)
    """
    if value is None:
        return None
    key = fold(value)
    if key in _UNKNOWN:
        return None
    names, alpha2, alpha3 = _lookup()
    if len(key) == 2:
        if eoir and key in EOIR_NATIONALITY_CODES:
            return EOIR_NATIONALITY_CODES[key]
        if key in alpha2:
            return key
        return EOIR_NATIONALITY_CODES.get(key)
    if len(key) == 3 and key in alpha3:
        return alpha3[key]
    if key in names:
        return names[key]
    # "REPUBLIC OF GUATEMALA", "GUATEMALA CITY"-style values: a known name as a word inside.
    words = key.split()
    for size in range(len(words), 0, -1):
        for start in range(len(words) - size + 1):
            part = " ".join(words[start : start + size])
            if part in names and len(part) > 3:
                return names[part]
    return None
