"""The name-split heuristic: which tokens of a name are given names and which are surnames.

Pure Python, run over distinct names only. The evidence is how often each token is written as a
given name or as a surname in the structured name columns of the data being normalised
(:class:`NameCounts`); the priors of ``_name_priors`` tip the balance when the data say little.

- A "First Middle Last" full name (:func:`split_full_name`): the given names are the leading
  tokens that read as given names, always leaving at least one surname.
- A middle name (:func:`split_middle_name`): its tokens that read as surnames are a maternal
  surname pushed into the middle.

Tokens are as the name lookups write them: particles joined to their word by ``_``
(``DE_LA_CRUZ``); a token is judged by its core, the word after the particles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from linkage.normalization._name_priors import COMMON_GIVEN_NAMES, COMMON_SURNAMES

__all__ = [
    "GIVEN_SHARE_THRESHOLD",
    "NameCounts",
    "split_full_name",
    "split_middle_name",
]

#: Given-name share above which an ambiguous token is read as a given name.
GIVEN_SHARE_THRESHOLD = 0.5
#: What a token in the priors (``COMMON_GIVEN_NAMES``, ``COMMON_SURNAMES``) adds to its records.
_PRIOR_RECORDS = 5.0
#: A full name of four tokens or more reads its second token as a given name above this share.
_SECOND_GIVEN_SHARE = 0.3


@dataclass(frozen=True)
class NameCounts:
    """Records that write each token core as a given name (``given``) and as a surname."""

    given: Mapping[str, float]
    surname: Mapping[str, float]

    def given_share(self, token: str) -> float:
        """How much ``token`` reads as a given name: from 0 (a surname) to 1, 0.5 when unknown.

        Examples:
            >>> counts = NameCounts(given={"ANA": 20.0}, surname={"CHUB": 20.0})
            >>> counts.given_share("ANA") > 0.5 > counts.given_share("CHUB")
            True
            >>> counts.given_share("XQZ")
            0.5
        """
        core = token.rsplit("_", 1)[-1]
        g = self.given.get(core, 0.0) + (_PRIOR_RECORDS if core in COMMON_GIVEN_NAMES else 0.0)
        s = self.surname.get(core, 0.0) + (_PRIOR_RECORDS if core in COMMON_SURNAMES else 0.0)
        return (g + 0.5) / (g + s + 1.0)


def split_full_name(tokens: Sequence[str], counts: NameCounts) -> tuple[list[str], list[str]]:
    """The given names and the surnames of a "First Middle Last" full name.

    The first token is a given name; so is each next token that reads as one, always leaving at
    least one surname. A lone token is whichever it reads as.

    Example:
        >>> counts = NameCounts(given={"ANA": 20.0, "LUZ": 20.0}, surname={"CHUB": 20.0})
        >>> split_full_name(["ANA", "LUZ", "CHUB", "TUN"], counts)
        (['ANA', 'LUZ'], ['CHUB', 'TUN'])
        >>> split_full_name(["CHUB"], counts)
        ([], ['CHUB'])
    """
    tokens = list(tokens)
    if len(tokens) == 1:
        if counts.given_share(tokens[0]) > GIVEN_SHARE_THRESHOLD:
            return tokens, []
        return [], tokens
    k = 1
    while k < len(tokens) - 1 and counts.given_share(tokens[k]) > GIVEN_SHARE_THRESHOLD:
        k += 1
    if len(tokens) >= 4 and k == 1 and counts.given_share(tokens[1]) > _SECOND_GIVEN_SHARE:
        k = 2
    return tokens[:k], tokens[k:]


def split_middle_name(tokens: Sequence[str], counts: NameCounts) -> tuple[list[str], list[str]]:
    """The given names and the surnames in a middle name.

    A middle name is a given name unless the data say the token is mostly a surname.

    Example:
        >>> counts = NameCounts(given={"LUZ": 20.0}, surname={"CHUB": 20.0})
        >>> split_middle_name(["LUZ", "CHUB"], counts)
        (['LUZ'], ['CHUB'])
    """
    given = [t for t in tokens if counts.given_share(t) >= GIVEN_SHARE_THRESHOLD]
    surnames = [t for t in tokens if counts.given_share(t) < GIVEN_SHARE_THRESHOLD]
    return given, surnames
