"""Vectorised helpers over NumPy and Arrow arrays: categorical draws and tables of strings.

A record's fields are codes into small tables (names, countries, date strings): codes are drawn
with :func:`draw_categorical` and written with :func:`take_codes` and :func:`join_strings`, so no
step loops in Python over records.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def draw_categorical(
    rng: np.random.Generator, p: Sequence[float] | np.ndarray, size: int
) -> np.ndarray:
    """``size`` draws of an index with probabilities ``p`` (weights, need not sum to 1)."""
    cum = np.cumsum(np.asarray(p, dtype=np.float64))
    return np.minimum(np.searchsorted(cum / cum[-1], rng.random(size), side="right"), len(cum) - 1)


def draw_categorical_rows(
    rng: np.random.Generator, table: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """One draw per item from the probability row ``table[rows[i]]``."""
    cum = np.cumsum(table, axis=1)
    cum = cum / cum[:, -1:]
    u = rng.random(len(rows))
    out = np.empty(len(rows), dtype=np.int64)
    for r in np.unique(rows):  # one pass per distinct row (fiscal years, categories), not per item
        sel = rows == r
        out[sel] = np.searchsorted(cum[r], u[sel], side="right")
    clipped: np.ndarray = np.minimum(out, table.shape[1] - 1)
    return clipped


def string_array(values: Sequence[str]) -> pa.Array:
    """An Arrow string array: a table that codes are taken from."""
    return pa.array(list(values), type=pa.string())


def take_codes(table: pa.Array, codes: np.ndarray) -> pa.Array:
    """``table[codes]`` with null where the code is negative."""
    idx = pa.array(np.where(codes < 0, 0, codes).astype(np.int32), mask=codes < 0)
    return table.take(idx)


def join_strings(parts: Sequence[pa.Array], sep: str | pa.Array = " ") -> pa.Array:
    """Join string arrays element-wise, skipping nulls; null when every part is null."""
    out = parts[0]
    for part in parts[1:]:
        both = pc.binary_join_element_wise(out, part, sep)
        out = pc.if_else(pc.is_null(out), part, pc.if_else(pc.is_null(part), out, both))
    return out


def if_else(mask: np.ndarray, yes: pa.Array, no: pa.Array) -> pa.Array:
    """``yes`` where the NumPy ``mask`` is true, else ``no``."""
    return pc.if_else(pa.array(mask, type=pa.bool_()), yes, no)


def to_objects(arr: pa.Array) -> np.ndarray:
    """An Arrow string array as a NumPy object array of ``str`` and ``None``."""
    values = arr.to_numpy(zero_copy_only=False)
    objects: np.ndarray = values.astype(object, copy=False)
    return objects


def zero_padded(values: np.ndarray, width: int) -> pa.Array:
    """Integers written with leading zeros to ``width`` digits."""
    return pc.utf8_lpad(pa.array(values, type=pa.int64()).cast(pa.string()), width, "0")


def expand_counts(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Repeat each owner ``counts[i]`` times: (owner index, rank inside the owner) per item."""
    child = np.repeat(np.arange(len(counts)), counts)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return child, np.arange(len(child)) - start[child]
