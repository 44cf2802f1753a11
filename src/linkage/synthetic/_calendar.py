"""Days and dates: day numbers, the calendar of entry months, and dates written per source.

Dates are ``int64`` day numbers since 1970-01-01 throughout the generator; :func:`entry_months`
weighs the months of apprehension and :class:`DateFormatter` writes day numbers as text.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

import linkage.synthetic._calibration as cal

_EPOCH = np.datetime64("1970-01-01", "D")


def day_number(iso: str) -> int:
    """The day number of an ISO date (``"2005-01-01"``)."""
    return int((np.datetime64(iso, "D") - _EPOCH).astype(np.int64))


def year_month_day(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month (1-12) and day (1-31) arrays of day numbers."""
    d = days.astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    years = d.astype("datetime64[Y]")
    y = years.astype(np.int64) + 1970
    m = (months - years.astype("datetime64[M]")).astype(np.int64) + 1
    dd = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return y, m, dd


def from_year_month_day(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970 for valid (year, month, day) arrays; 29 February becomes the 28th."""
    d = np.where((m == 2) & (d == 29) & ~_is_leap(y), 28, d)
    months = (y - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (m - 1)
    days: np.ndarray = (months.astype("datetime64[D]") + (d - 1) - _EPOCH).astype(np.int64)
    return days


def _is_leap(y: np.ndarray) -> np.ndarray:
    leap: np.ndarray = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    return leap


def minus_years(days: np.ndarray, years: np.ndarray) -> np.ndarray:
    """The same day ``years`` earlier (29 February becomes the 28th)."""
    y, m, d = year_month_day(days)
    return from_year_month_day(y - years, m, d)


@lru_cache(maxsize=1)
def entry_months() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Entry months Oct 2018 - Sep 2023: (first day, days in month, fiscal year, probability).

    The shape inside each fiscal year follows NYT releases one month later (missing months of
    FY2023 take that year's mean); each fiscal year's total follows ORR's releases that year.
    """
    starts = np.arange(np.datetime64("2018-10"), np.datetime64("2023-10"))
    first = (starts.astype("datetime64[D]") - _EPOCH).astype(np.int64)
    ndays = ((starts + 1).astype("datetime64[D]") - starts.astype("datetime64[D]")).astype(np.int64)
    years = starts.astype("datetime64[Y]").astype(np.int64) + 1970
    months = (starts - starts.astype("datetime64[Y]").astype("datetime64[M]")).astype(np.int64) + 1
    fy = years + (months >= 10)
    shape = np.array(
        [cal.NYT_RELEASES_BY_MONTH.get(str(m + 1), np.nan) for m in starts], dtype=np.float64
    )
    weight = np.zeros(len(starts))
    for year in cal.FISCAL_YEARS:
        sel = fy == year
        s = shape[sel]
        s = np.where(np.isnan(s), np.nanmean(s), s)
        weight[sel] = s / s.sum() * cal.ORR_RELEASED_TOTAL[year]
    return first, ndays, fy, weight / weight.sum()


class DateFormatter:
    """Format day numbers through a table of the distinct days (no per-record strftime)."""

    def __init__(self, lo: int, hi: int) -> None:
        self.lo = lo
        iso = np.datetime_as_string(np.arange(lo, hi + 1).astype("datetime64[D]"), unit="D")
        self.tables: dict[str, np.ndarray] = {
            "iso": iso.astype(object),
            "us": np.array([f"{s[5:7]}/{s[8:10]}/{s[:4]}" for s in iso], dtype=object),
            "compact": np.array([s.replace("-", "") for s in iso], dtype=object),
        }

    def __call__(self, days: np.ndarray, fmt: str, missing: np.ndarray | None = None) -> np.ndarray:
        out: np.ndarray = self.tables[fmt][days - self.lo]
        if missing is not None and missing.any():
            out = out.copy()
            out[missing] = None
        return out
