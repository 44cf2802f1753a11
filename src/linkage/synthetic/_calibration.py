"""Calibration figures for :mod:`linkage.synthetic`, as Python constants.

Copied (or re-expressed, never recomputed at run time) from the aggregate tables in the project's
``calibration`` folder, so that the installed package never reads files outside itself:

* ``ORR_*``: ORR "Unaccompanied Children: Facts and Data" tables (share of referrals by country,
  age band and sex per fiscal year; average length of care; children released to sponsors by state),
  as transcribed in ``savannahestridge/unaccompanied_tableau_analysis`` (``UCP_ORR_datasets.xlsx``).
* ``NYT_*``: aggregates of the NYT/HHS child-level release file (553,322 releases, Jan 2015 - May
  2023) computed in ``noahamidon/child_migration_project``: custody-duration quantiles by country
  group and calendar year of entry (stays < 0 or >= 365 days dropped), sponsor category by country,
  sponsor relationships, releases per month.
* ``OIG_*``: the DHS Office of Inspector General report (2024) on children ICE could not account
  for after their transfer to HHS, FY2019 - FY2023.

Only the fiscal years the generator draws from (FY2019 - FY2023) are kept. Everything under
"Assumptions" at the end is a modelling choice of this package, not a published figure.
"""

from __future__ import annotations

#: Fiscal years of apprehension the generator draws from (FY2019 = Oct 2018 - Sep 2019).
FISCAL_YEARS: tuple[int, ...] = (2019, 2020, 2021, 2022, 2023)

# --- ORR Facts and Data -------------------------------------------------------------------------

#: Share of ORR referrals by country of origin per fiscal year ("other" = all other countries).
ORR_COUNTRY_SHARE: dict[int, dict[str, float]] = {
    2019: {"HN": 0.3, "GT": 0.45, "SV": 0.18, "MX": 0.02, "other": 0.05},
    2020: {"HN": 0.25, "GT": 0.48, "SV": 0.14, "MX": 0.06, "other": 0.08},
    2021: {"HN": 0.32, "GT": 0.47, "SV": 0.13, "MX": 0.01, "other": 0.07},
    2022: {"HN": 0.29, "GT": 0.47, "SV": 0.13, "MX": 0.03, "other": 0.08},
    2023: {"HN": 0.28, "GT": 0.42, "SV": 0.09, "MX": 0.08, "other": 0.13},
}
#: Share of ORR referrals by age band per fiscal year ("17+" is 17: older children are adults).
ORR_AGE_BAND_SHARE: dict[int, dict[str, float]] = {
    2019: {"0-12": 0.16, "13-14": 0.12, "15-16": 0.37, "17+": 0.35},
    2020: {"0-12": 0.16, "13-14": 0.12, "15-16": 0.37, "17+": 0.35},
    2021: {"0-12": 0.16, "13-14": 0.13, "15-16": 0.39, "17+": 0.33},
    2022: {"0-12": 0.15, "13-14": 0.13, "15-16": 0.36, "17+": 0.36},
    2023: {"0-12": 0.19, "13-14": 0.12, "15-16": 0.34, "17+": 0.35},
}
#: Share of ORR referrals by sex per fiscal year.
ORR_SEX_SHARE: dict[int, dict[str, float]] = {
    2019: {"M": 0.66, "F": 0.34},
    2020: {"M": 0.68, "F": 0.32},
    2021: {"M": 0.66, "F": 0.34},
    2022: {"M": 0.64, "F": 0.36},
    2023: {"M": 0.61, "F": 0.39},
}
#: ORR average length of care in days per fiscal year (a check on the NYT quantiles below).
ORR_MEAN_DAYS_IN_CARE: dict[int, int] = {2019: 61, 2020: 69, 2021: 33, 2022: 29, 2023: 27}
#: UCs released to sponsors by state (USPS code), FY2019..FY2023 in order.
ORR_RELEASED_BY_STATE: dict[str, tuple[int, ...]] = {
    "AL": (1111, 247, 1944, 2378, 2066),
    "AK": (4, 6, 6, 10, 0),
    "AZ": (493, 162, 631, 782, 861),
    "AR": (359, 87, 789, 926, 910),
    "CA": (8447, 2225, 10770, 13730, 11121),
    "CO": (714, 172, 1088, 1424, 1616),
    "CT": (959, 260, 1448, 1302, 1230),
    "DE": (383, 107, 519, 573, 529),
    "DC": (322, 48, 307, 421, 342),
    "FL": (7408, 1523, 11143, 13195, 10542),
    "GA": (2558, 559, 4354, 5233, 5065),
    "HI": (16, 6, 23, 22, 54),
    "ID": (62, 19, 83, 125, 167),
    "IL": (863, 211, 1712, 2930, 3271),
    "IN": (794, 209, 1593, 1867, 1818),
    "IA": (489, 119, 677, 820, 761),
    "KS": (453, 95, 719, 807, 755),
    "KY": (710, 158, 1042, 1242, 1307),
    "LA": (1966, 355, 2849, 3420, 2569),
    "ME": (26, 11, 64, 96, 124),
    "MD": (4671, 825, 5468, 6062, 4950),
    "MA": (1756, 448, 2549, 2700, 2254),
    "MI": (248, 74, 450, 673, 756),
    "MN": (624, 151, 1000, 1071, 1173),
    "MS": (482, 108, 707, 745, 665),
    "MO": (431, 93, 794, 1008, 1017),
    "MT": (2, 28, 38, 59, 63),
    "NE": (563, 130, 890, 919, 795),
    "NV": (324, 79, 464, 616, 555),
    "NH": (25, 8, 67, 61, 64),
    "NJ": (4236, 921, 5907, 6648, 5363),
    "NM": (89, 34, 116, 141, 187),
    "NY": (6367, 1663, 8532, 8543, 8477),
    "NC": (2522, 610, 4246, 4888, 4766),
    "ND": (10, 1, 14, 19, 22),
    "OH": (1091, 260, 1674, 1993, 1984),
    "OK": (581, 120, 906, 1062, 931),
    "OR": (318, 71, 438, 562, 602),
    "PA": (1229, 271, 2100, 2518, 2290),
    "PR": (4, 6, 0, 0, 0),
    "RI": (453, 92, 519, 609, 559),
    "SC": (1012, 255, 1743, 2251, 2225),
    "SD": (149, 44, 233, 272, 240),
    "TN": (2191, 510, 4265, 4821, 4568),
    "TX": (9900, 2336, 15338, 19071, 16394),
    "UT": (179, 75, 306, 491, 556),
    "VT": (6, 1, 8, 4, 16),
    "VA": (4215, 770, 5400, 6213, 4833),
    "WA": (723, 237, 1112, 1301, 1350),
    "WV": (41, 4, 60, 89, 50),
    "WI": (246, 62, 531, 721, 640),
    "WY": (15, 6, 22, 34, 35),
    "VI": (0, 0, 0, 0, 0),
}
#: UCs released to sponsors per fiscal year, all states: the volume of each fiscal year.
ORR_RELEASED_TOTAL: dict[int, int] = {
    2019: 72837,
    2020: 16837,
    2021: 107646,
    2022: 127447,
    2023: 113495,
}
# --- NYT / HHS release file -------------------------------------------------------------------

#: (country group, calendar year of entry) -> (p25, median, p75, mean) days in ORR care.
NYT_DAYS_IN_CARE: dict[tuple[str, int], tuple[float, float, float, float]] = {
    ("El Salvador", 2018): (36, 57, 85, 66.3),
    ("El Salvador", 2019): (19, 27, 40, 33.8),
    ("El Salvador", 2020): (18, 24, 42, 33.9),
    ("El Salvador", 2021): (15, 21, 33, 27.5),
    ("El Salvador", 2022): (12, 17, 25, 21.4),
    ("El Salvador", 2023): (11, 15, 21, 17.9),
    ("Guatemala", 2018): (40, 60, 92, 74.2),
    ("Guatemala", 2019): (21, 32, 49, 41.6),
    ("Guatemala", 2020): (19, 28, 46, 38.1),
    ("Guatemala", 2021): (16, 25, 42, 34.8),
    ("Guatemala", 2022): (14, 19, 31, 27.4),
    ("Guatemala", 2023): (12, 16, 23, 20.0),
    ("Honduras", 2018): (38, 58, 91, 72.0),
    ("Honduras", 2019): (20, 30, 48, 41.0),
    ("Honduras", 2020): (19, 27, 46, 37.3),
    ("Honduras", 2021): (16, 23, 37, 31.1),
    ("Honduras", 2022): (13, 18, 29, 25.2),
    ("Honduras", 2023): (12, 15, 23, 19.3),
    ("Mexico", 2018): (36, 62, 99, 76.0),
    ("Mexico", 2019): (19, 33, 54, 42.6),
    ("Mexico", 2020): (18, 26, 48, 37.5),
    ("Mexico", 2021): (15, 21, 35, 29.9),
    ("Mexico", 2022): (12, 17, 28, 23.7),
    ("Mexico", 2023): (11, 14, 20, 17.2),
    ("Other", 2018): (44, 72, 109, 85.1),
    ("Other", 2019): (18, 28, 50, 39.8),
    ("Other", 2020): (18, 25, 40, 33.9),
    ("Other", 2021): (13, 19, 32, 26.7),
    ("Other", 2022): (12, 16, 26, 22.9),
    ("Other", 2023): (11, 15, 22, 18.5),
}
#: Sponsor category (1 parent/legal guardian, 2 close relative, 3 distant/unrelated, 0 unknown) counts.
NYT_SPONSOR_CATEGORY_BY_COUNTRY: dict[str, dict[int, int]] = {
    "El Salvador": {1: 49258, 2: 38692, 3: 7945, 0: 100},
    "Guatemala": {1: 83619, 2: 137271, 3: 32984, 0: 397},
    "Honduras": {1: 71818, 2: 65027, 3: 15789, 0: 94},
    "Mexico": {1: 8910, 2: 4954, 3: 1080, 0: 15},
    "Other": {1: 17212, 2: 12221, 3: 5886, 0: 50},
}
#: (sponsor category, relationship to the child, count of releases).
NYT_SPONSOR_RELATIONS: tuple[tuple[int, str, int], ...] = (
    (1, "Mother", 134967),
    (1, "Father", 95692),
    (1, "Legal Guardian", 143),
    (1, "Qualified Step-Parents", 8),
    (1, "Stepfather Legally Adopted", 7),
    (2, "Brother", 57075),
    (2, "Sister", 34946),
    (2, "Uncle", 32626),
    (2, "Uncle (Non-Primary Caregiver)", 29547),
    (2, "Aunt", 25735),
    (2, "Aunt (Non-Primary Caregiver)", 24554),
    (2, "Adult First Cousin (Non-Primary Caregiver)", 16107),
    (2, "Adult First Cousin", 15267),
    (2, "Half-Sibling", 8471),
    (2, "Grandmother", 6321),
    (2, "Grandfather", 2994),
    (2, "Brother-in-law", 953),
    (2, "Brother-in-law (Non-Primary Caregiver)", 528),
    (2, "Sister-in-law", 483),
    (2, "Aunt (Primary Caregiver)", 378),
    (2, "Uncle (Primary Caregiver)", 297),
    (2, "Step Father", 217),
    (2, "Adult First Cousin (Primary Caregiver)", 184),
    (2, "Adult Nephew (Non-Primary Caregiver)", 173),
    (2, "Sister-in-law (Non-Primary Caregiver)", 172),
    (2, "Adult Nephew", 147),
    (2, "Step Mother", 146),
    (2, "Stepfather Non-Lgl Adopt. (Non-Primary Caregiver)", 142),
    (2, "UC's Spouse", 130),
    (2, "Adult Niece (Non-Primary Caregiver)", 123),
    (2, "Adult Niece", 93),
    (2, "Stepfather Non-Lgl Adopted (Primary Caregiver)", 88),
    (2, "Stepbrother", 86),
    (2, "Stepsister", 80),
    (2, "Stepmother Non-Lgl Adopt. (Non-Primary Caregiver)", 41),
    (2, "Brother-in-law (Primary Caregiver)", 22),
    (2, "Stepmother Non-Lgl Adopted (Primary Caregiver)", 15),
    (2, "Sister-in-law (Primary Caregiver)", 12),
    (2, "Half-Sibling (Non-Primary Caregiver)", 7),
    (2, "Adult Niece (Primary Caregiver)", 3),
    (2, "Adult Nephew (Primary Caregiver)", 2),
    (3, "Unrelated Sponsor", 37088),
    (3, "Other Distant Relative", 25670),
    (3, "Godmother", 434),
    (3, "Godfather", 301),
    (3, "Other Cousin", 190),
    (3, "Institutional/Organizational Sponsor", 1),
    (0, "Family Friend", 410),
    (0, "First Cousin", 233),
    (0, "Nephew", 6),
    (0, "Unknown", 5),
    (0, "Niece", 1),
    (0, "Parent's Partner", 1),
)
#: Releases per calendar month (all countries), Nov 2018 - Apr 2023 (the partial May 2023 dropped).
NYT_RELEASES_BY_MONTH: dict[str, int] = {
    "2018-11": 3410, "2018-12": 6030, "2019-01": 5601, "2019-02": 5294,
    "2019-03": 6909, "2019-04": 7769, "2019-05": 8123, "2019-06": 8749,
    "2019-07": 8486, "2019-08": 5664, "2019-09": 3541, "2019-10": 2802,
    "2019-11": 2342, "2019-12": 2483, "2020-01": 2115, "2020-02": 2133,
    "2020-03": 2148, "2020-04": 1304, "2020-05": 522, "2020-06": 241,
    "2020-07": 172, "2020-08": 185, "2020-09": 418, "2020-10": 1062,
    "2020-11": 1226, "2020-12": 2299, "2021-01": 2636, "2021-02": 3403,
    "2021-03": 6565, "2021-04": 10317, "2021-05": 16963, "2021-06": 14905,
    "2021-07": 15957, "2021-08": 17307, "2021-09": 15711, "2021-10": 12064,
    "2021-11": 10015, "2021-12": 13058, "2022-01": 7552, "2022-02": 8523,
    "2022-03": 10566, "2022-04": 11415, "2022-05": 10275, "2022-06": 11629,
    "2022-07": 13221, "2022-08": 10776, "2022-09": 9004, "2022-10": 9821,
    "2022-11": 9921, "2022-12": 12063, "2023-01": 8902, "2023-02": 8484,
    "2023-03": 9539, "2023-04": 8971,
}  # fmt: skip


# --- DHS OIG (2024) -----------------------------------------------------------------------------

#: Of the children CBP/ICE transferred to HHS (FY2019 - FY2023), the share ICE never placed into
#: removal proceedings (no NTA served, or an NTA never filed with the court): about 65%.
OIG_NEVER_IN_PROCEEDINGS: float = 0.65
#: ... and the share who did not appear for a court hearing (ordered removed in absentia): about 7%.
OIG_FAILED_TO_APPEAR: float = 0.07

#: Top languages of FY2024 ORR referrals (share of all referrals): the Mayan and Haitian shares
#: below are sized with these in mind.
ORR_LANGUAGE_SHARE_FY2024: dict[str, float] = {
    "Spanish": 0.8795,
    "Haitian Creole": 0.0325,
    "Q'eqchi'": 0.0147,
    "Mam": 0.0096,
    "French": 0.0092,
}

# --- Assumptions (modelling choices, not published figures) -------------------------------------

#: Countries inside ORR's "all other countries", with their share of it (FY2019-FY2023 arrivals
#: were led by Ecuador, Nicaragua, Haiti, Brazil, Colombia, Venezuela, India).
OTHER_COUNTRY_MIX: dict[str, float] = {
    "EC": 0.24, "NI": 0.13, "HT": 0.12, "BR": 0.10, "CO": 0.08, "VE": 0.07,
    "IN": 0.07, "PE": 0.05, "CN": 0.05, "DO": 0.05, "CU": 0.04,
}  # fmt: skip
#: Relative weight of each age 0..12 inside ORR's "0-12" band (young children are rarer).
AGE_WEIGHTS_0_12: tuple[float, ...] = (0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8)
#: Country group of the NYT custody-duration and sponsor tables for each ISO code.
COUNTRY_GROUP: dict[str, str] = {
    "GT": "Guatemala", "HN": "Honduras", "SV": "El Salvador", "MX": "Mexico",
}  # fmt: skip

#: ISO alpha-2 -> (ISO alpha-3, English name, Spanish name) of every country generated.
COUNTRY_NAMES: dict[str, tuple[str, str, str]] = {
    "GT": ("GTM", "Guatemala", "Guatemala"),
    "HN": ("HND", "Honduras", "Honduras"),
    "SV": ("SLV", "El Salvador", "El Salvador"),
    "MX": ("MEX", "Mexico", "México"),
    "EC": ("ECU", "Ecuador", "Ecuador"),
    "NI": ("NIC", "Nicaragua", "Nicaragua"),
    "HT": ("HTI", "Haiti", "Haití"),
    "BR": ("BRA", "Brazil", "Brasil"),
    "CO": ("COL", "Colombia", "Colombia"),
    "VE": ("VEN", "Venezuela", "Venezuela"),
    "IN": ("IND", "India", "India"),
    "PE": ("PER", "Peru", "Perú"),
    "CN": ("CHN", "China", "China"),
    "DO": ("DOM", "Dominican Republic", "República Dominicana"),
    "CU": ("CUB", "Cuba", "Cuba"),
}

#: USPS state code -> (first ZIP3, last ZIP3, cities) used to write sponsor and court addresses.
STATE_GEOGRAPHY: dict[str, tuple[int, int, tuple[str, ...]]] = {
    "AL": (350, 369, ("Birmingham", "Albertville", "Huntsville")),
    "AK": (995, 999, ("Anchorage",)),
    "AZ": (850, 865, ("Phoenix", "Tucson")),
    "AR": (716, 729, ("Springdale", "Little Rock", "Rogers")),
    "CA": (900, 961, ("Los Angeles", "Oakland", "San Francisco", "San Diego", "Fresno")),
    "CO": (800, 816, ("Denver", "Aurora")),
    "CT": (60, 69, ("Stamford", "New Haven", "Bridgeport")),
    "DE": (197, 199, ("Georgetown", "Wilmington")),
    "DC": (200, 205, ("Washington",)),
    "FL": (320, 349, ("Miami", "Homestead", "Orlando", "Tampa", "Jupiter")),
    "GA": (300, 319, ("Atlanta", "Gainesville", "Dalton")),
    "HI": (967, 968, ("Honolulu",)),
    "ID": (832, 838, ("Boise",)),
    "IL": (600, 629, ("Chicago", "Waukegan")),
    "IN": (460, 479, ("Indianapolis", "Goshen")),
    "IA": (500, 528, ("Des Moines", "Postville")),
    "KS": (660, 679, ("Kansas City", "Garden City")),
    "KY": (400, 427, ("Louisville", "Lexington")),
    "LA": (700, 714, ("New Orleans", "Kenner", "Metairie")),
    "ME": (39, 49, ("Portland",)),
    "MD": (206, 219, ("Silver Spring", "Hyattsville", "Gaithersburg", "Baltimore")),
    "MA": (10, 27, ("Boston", "Chelsea", "East Boston")),
    "MI": (480, 499, ("Detroit", "Grand Rapids")),
    "MN": (550, 567, ("Minneapolis", "Worthington")),
    "MS": (386, 397, ("Forest", "Jackson")),
    "MO": (630, 658, ("Kansas City", "St. Louis")),
    "MT": (590, 599, ("Billings",)),
    "NE": (680, 693, ("Omaha", "Grand Island", "Lexington")),
    "NV": (889, 898, ("Las Vegas", "Reno")),
    "NH": (30, 38, ("Manchester", "Nashua")),
    "NJ": (70, 89, ("Newark", "Elizabeth", "Plainfield", "New Brunswick")),
    "NM": (870, 884, ("Albuquerque",)),
    "NY": (100, 149, ("Bronx", "Brooklyn", "Queens", "Hempstead", "Brentwood")),
    "NC": (270, 289, ("Charlotte", "Raleigh", "Durham")),
    "ND": (580, 588, ("Fargo",)),
    "OH": (430, 459, ("Columbus", "Cincinnati", "Painesville")),
    "OK": (730, 749, ("Oklahoma City", "Tulsa")),
    "OR": (970, 979, ("Portland", "Salem")),
    "PA": (150, 196, ("Philadelphia", "Pittsburgh")),
    "PR": (6, 9, ("San Juan",)),
    "RI": (28, 29, ("Providence",)),
    "SC": (290, 299, ("Columbia", "Greenville")),
    "SD": (570, 577, ("Sioux Falls",)),
    "TN": (370, 385, ("Nashville", "Memphis")),
    "TX": (750, 799, ("Houston", "Dallas", "San Antonio", "Austin", "Fort Worth")),
    "UT": (840, 847, ("Salt Lake City",)),
    "VT": (50, 59, ("Burlington",)),
    "VA": (220, 246, ("Alexandria", "Falls Church", "Manassas", "Richmond")),
    "WA": (980, 994, ("Seattle", "Federal Way")),
    "WV": (247, 268, ("Charleston",)),
    "WI": (530, 549, ("Milwaukee", "Madison")),
    "WY": (820, 831, ("Cheyenne",)),
    "VI": (8, 8, ("Charlotte Amalie",)),
}
