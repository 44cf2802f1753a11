"""Named random streams: one per habit, so that each habit draws apart from every other rate.

The first habits of the generator draw, in turn, from one stream per stage (population, journeys,
each source). The habits added later each draw from a stream of their own, named by the habit and
by where it is drawn (``Streams(seed).child("cbp").rng("nickname")``): a habit at rate 0 draws
nothing that others see, so it leaves every other value as it was, and raising one habit's rate
changes only the records that habit touches.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Streams:
    """A tree of random streams under one :class:`numpy.random.SeedSequence`, keyed by name.

    Example:
        >>> import numpy as np
        >>> streams = Streams(np.random.SeedSequence(0))
        >>> a = streams.child("cbp").rng("nickname").random()
        >>> a == Streams(np.random.SeedSequence(0)).child("cbp").rng("nickname").random()
        True
        >>> a == streams.child("cbp").rng("truncated").random()
        False
    """

    seed: np.random.SeedSequence

    def child(self, name: str) -> Streams:
        """The streams under ``name`` (a source, a batch of records)."""
        return Streams(self._key(name))

    def rng(self, name: str) -> np.random.Generator:
        """A fresh generator for ``name``: the same draws every time it is asked for."""
        return np.random.default_rng(self._key(name))

    def _key(self, name: str) -> np.random.SeedSequence:
        # crc32, not hash(): the same on every platform and in every process
        key = zlib.crc32(name.encode("utf-8"))
        return np.random.SeedSequence(self.seed.entropy, spawn_key=(*self.seed.spawn_key, key))
