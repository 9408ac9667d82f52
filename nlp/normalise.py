"""Normalised values of the free-text columns: the register's many spellings, one name each."""

from __future__ import annotations

import re

from extract.record import Fields
from nlp.record import Normalised

# Most identifying first: a cell naming two levels ("Pseudonymised or Identifiable")
# is normalised to the more identifying one, the level a reader must assume.
# "De-personalised" and "de-identified" are the older NHS names for pseudonymised data.
_DATA_PROVIDED = (
    ("identifiable", re.compile(r"(?<!non[- ])(?<!not )(?<!un)\bidentifiable\b", re.IGNORECASE)),
    ("pseudonymised", re.compile(r"pseudonymi[sz]ed|de-?personali[sz]ed|de-?identified", re.IGNORECASE)),
    ("aggregated_small_numbers", re.compile(r"aggregated?\b.*small numbers", re.IGNORECASE | re.DOTALL)),
    ("aggregated", re.compile(r"aggregated?\b", re.IGNORECASE)),
    ("anonymised", re.compile(r"anonymi[sz]ed|anonymous", re.IGNORECASE)),
)
_NON_SENSITIVE = re.compile(r"\b(?:non|not)[- ]?sensitive\b", re.IGNORECASE)
_SENSITIVE = re.compile(r"\bsensitive\b", re.IGNORECASE)
_ONGOING = re.compile(
    r"on[- ]?going|system access|frequent|adhoc flow|quarterly|monthly|annual", re.IGNORECASE
)
_ONE_OFF = re.compile(r"one[- ]?off", re.IGNORECASE)


def normalise(fields: Fields) -> Normalised:
    return Normalised(
        data_provided=data_provided(fields.data_provided),  # type: ignore[arg-type]
        sensitivity=sensitivity(fields.sensitivity),  # type: ignore[arg-type]
        frequency=frequency(fields.frequency or fields.access_method),  # type: ignore[arg-type]
    )


def data_provided(text: str | None) -> str | None:
    for name, pattern in _DATA_PROVIDED:
        if text and pattern.search(text):
            return name
    return None


def sensitivity(text: str | None) -> str | None:
    if not text:
        return None
    if _SENSITIVE.search(_NON_SENSITIVE.sub("", text)):
        return "sensitive"
    return "non_sensitive" if _NON_SENSITIVE.search(text) else None


def frequency(text: str | None) -> str | None:
    if not text:
        return None
    if _ONGOING.search(text):
        return "ongoing"
    return "one_off" if _ONE_OFF.search(text) else None
