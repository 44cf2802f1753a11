"""US states from a sponsor's ZIP or address: the USPS ZIP3 prefixes of every state, district
and territory, declared once, and the SQL that reads a state from ``sponsor_zip5`` or, when the
ZIP says nothing, from the state code that ends ``sponsor_address``."""

from __future__ import annotations

#: The USPS codes of the states, DC and the territories a sponsor can live in.
US_STATES: tuple[str, ...] = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY", "PR", "VI", "GU", "AS", "MP",
)  # fmt: skip

#: USPS ZIP3 prefixes (first, last) per state, as the USPS assigns them. Military prefixes
#: (090-099 AE, 340 AA, 962-966 AP) and unassigned ones name no state.
ZIP3_RANGES: tuple[tuple[int, int, str], ...] = (
    (5, 5, "NY"), (6, 7, "PR"), (8, 8, "VI"), (9, 9, "PR"), (10, 27, "MA"), (28, 29, "RI"),
    (30, 38, "NH"), (39, 49, "ME"), (50, 54, "VT"), (55, 55, "MA"), (56, 59, "VT"),
    (60, 69, "CT"), (70, 89, "NJ"), (100, 149, "NY"), (150, 196, "PA"), (197, 199, "DE"),
    (200, 200, "DC"), (201, 201, "VA"), (202, 205, "DC"), (206, 219, "MD"), (220, 246, "VA"),
    (247, 268, "WV"), (270, 289, "NC"), (290, 299, "SC"), (300, 319, "GA"), (320, 339, "FL"),
    (341, 349, "FL"), (350, 369, "AL"), (370, 385, "TN"), (386, 397, "MS"), (398, 399, "GA"),
    (400, 427, "KY"), (430, 459, "OH"), (460, 479, "IN"), (480, 499, "MI"), (500, 528, "IA"),
    (530, 549, "WI"), (550, 567, "MN"), (569, 569, "DC"), (570, 577, "SD"), (580, 588, "ND"),
    (590, 599, "MT"), (600, 629, "IL"), (630, 658, "MO"), (660, 679, "KS"), (680, 693, "NE"),
    (700, 714, "LA"), (716, 729, "AR"), (730, 731, "OK"), (733, 733, "TX"), (734, 749, "OK"),
    (750, 799, "TX"), (800, 816, "CO"), (820, 831, "WY"), (832, 838, "ID"), (840, 847, "UT"),
    (850, 865, "AZ"), (870, 884, "NM"), (885, 885, "TX"), (889, 898, "NV"), (900, 961, "CA"),
    (967, 968, "HI"), (969, 969, "GU"), (970, 979, "OR"), (980, 994, "WA"), (995, 999, "AK"),
)  # fmt: skip

#: The group of an identity without an HHS record (never handed to HHS: no sponsor).
NO_SPONSOR = "none"


def zip3_values_sql() -> str:
    """Every ZIP3 prefix that names a state, as a table ``z(zip3, state)`` (``'006'``, ...)."""
    rows = ", ".join(
        f"('{prefix:03d}', '{state}')"
        for low, high, state in ZIP3_RANGES
        for prefix in range(low, high + 1)
    )
    return f"(VALUES {rows}) AS z(zip3, state)"


def address_state_sql(address: str) -> str:
    """The USPS state code that ends ``address`` (before an optional ZIP), when the address has
    at least four words (number, street, city, state): a bare street such as ``12 OAK CT`` ends
    in a street word, not a state. NULL otherwise."""
    code = f"regexp_extract({address}, '\\b([A-Z]{{2}})(\\s+\\d{{5}}(-?\\d{{4}})?)?\\s*$', 1)"
    states = "[" + ", ".join(f"'{s}'" for s in US_STATES) + "]"
    return (
        f"CASE WHEN len(string_split(trim({address}), ' ')) >= 4 "
        f"AND list_contains({states}, {code}) THEN {code} END"
    )
