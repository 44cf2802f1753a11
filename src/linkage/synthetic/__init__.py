"""Seeded synthetic four-agency data with known truth.

:func:`generate` invents ``n_children`` unaccompanied children, follows each one through a plausible
journey (CBP apprehension, ICE book-in, ORR referral and release to a sponsor, immigration court)
and writes the records each agency would hold, in the standard input layout
(``docs/input-layout.md``) and with each agency's habits and errors. Because every record is
invented, the true child behind it is known: :attr:`SyntheticData.truth` maps every record to its
child and :attr:`SyntheticData.children` holds each child's true attributes and handoff status.

The population is calibrated to ORR's published shares (country, age band, sex, state of release),
the NYT/HHS release file (days in care, sponsor category and relationship) and the DHS OIG (2024)
handoff figures; see :mod:`linkage.synthetic._calibration` and ``docs/synthetic.md``.

Example:
    >>> from linkage.synthetic import generate
    >>> data = generate(200, seed=7)
    >>> sorted(data.sources)
    ['cbp', 'eoir', 'hhs', 'ice']
    >>> int(data.truth.groupby("source").size().sum()) == sum(map(len, data.sources.values()))
    True

Everything is drawn from ``numpy.random.default_rng`` streams spawned from ``seed``: the same seed
gives identical frames on every platform, and no step loops in Python over records.

Inside the package, data flows down this list (each module imports only those above it):
``_calibration`` (published figures), ``_rates`` (:class:`Rates`), ``_streams`` (a random stream
per habit), ``_arrays`` and ``_calendar`` (array and date helpers), ``_spelling``, ``_name_forms``
and ``_name_bank`` (names, their misspellings and other forms), ``_places`` (countries,
addresses), ``_sponsors``, ``_population`` (families and children), ``_journeys`` (the records
each source holds), ``_ocr`` (scanner slips), ``_name_habits``, ``_render_names`` and ``_render``
(the extracts), ``_result`` (:class:`SyntheticData`), ``_truth`` (the truth tables),
``_generate`` (:func:`generate`), ``_io`` (:func:`write`, :func:`write_truth`,
:func:`read_truth`), ``_revisions`` (a record sent again with a field corrected) and ``_months``
(:func:`split_by_month`: an :class:`Extract` per month, with late court records and revisions;
:func:`write_extracts`, :func:`write_by_month`).

The habits added for extracts written by others (initials, nicknames, OCR slips, fields cut
short, second apprehensions, ...) each draw from a stream of their own: at rate 0 they leave the
output exactly as it was without them.
"""

from __future__ import annotations

from linkage.synthetic._generate import generate
from linkage.synthetic._io import TRUTH_CHILDREN_FILE as TRUTH_CHILDREN_FILE
from linkage.synthetic._io import TRUTH_RECORDS_FILE as TRUTH_RECORDS_FILE
from linkage.synthetic._io import OutputFormat as OutputFormat
from linkage.synthetic._io import read_truth, write, write_truth
from linkage.synthetic._months import DELAY_MONTHS as DELAY_MONTHS
from linkage.synthetic._months import Extract, split_by_month, write_by_month, write_extracts
from linkage.synthetic._name_bank import COMMON_NAMES as COMMON_NAMES
from linkage.synthetic._name_bank import STYLES as STYLES
from linkage.synthetic._places import COUNTRIES as COUNTRIES
from linkage.synthetic._population import AGE_BANDS as AGE_BANDS
from linkage.synthetic._rates import LATER_HABITS as LATER_HABITS
from linkage.synthetic._rates import Rates
from linkage.synthetic._render import A_NUMBER_FORMATS as A_NUMBER_FORMATS
from linkage.synthetic._render import COUNTRY_FORMS as COUNTRY_FORMS
from linkage.synthetic._render import LAYOUT as LAYOUT
from linkage.synthetic._render import NAME_COLUMNS_BY_SOURCE as NAME_COLUMNS_BY_SOURCE
from linkage.synthetic._render import RECORD_ID_PREFIX as RECORD_ID_PREFIX
from linkage.synthetic._render import SEX_FORMS as SEX_FORMS
from linkage.synthetic._result import CHILDREN_DTYPES as CHILDREN_DTYPES
from linkage.synthetic._result import TRUTH_DTYPES as TRUTH_DTYPES
from linkage.synthetic._result import SyntheticData
from linkage.synthetic._revisions import REVISION_KINDS as REVISION_KINDS
from linkage.synthetic._spelling import PHONETIC_RULES as PHONETIC_RULES

__all__ = [
    "Extract",
    "Rates",
    "SyntheticData",
    "generate",
    "read_truth",
    "split_by_month",
    "write",
    "write_by_month",
    "write_extracts",
    "write_truth",
]
