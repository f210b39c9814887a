"""National identity numbers that carry a checksum: where each is found in text and how it is confirmed.

Each format has a pattern for how the number is written (the separators its country uses) and python-stdnum's
validator for its checksum (and, where the number encodes one, its date of birth). Only numbers that pass are
reported, so a run of digits of the right length is not enough: a random 9-digit number passes the Dutch BSN's
11-test about one time in eleven, a formatted number such as a Spanish DNI (8 digits and a check letter) one time
in 23, and the longer formats far more rarely.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from ragops.config.privacy import NationalIdFormat

# Not glued to other digits or letters on either side, nor following a dot or a slash (the tail of a DOI or a
# version, "10.3389/fimmu.2016.00535"): a number inside a longer code is not an id.
_START = r"(?<![0-9A-Za-z./])"
_END = r"(?![0-9A-Za-z])"

_PATTERNS: dict[NationalIdFormat, str] = {
    "br.cpf": r"\d{3}\.\d{3}\.\d{3}-\d{2}",
    "ch.ssn": r"756\.\d{4}\.\d{4}\.\d{2}",
    "cn.ric": r"\d{17}[0-9Xx]",
    "es.dni": r"\d{8}-?[A-Za-z]",
    "es.nie": r"[XYZxyz]-?\d{7}-?[A-Za-z]",
    "fi.hetu": r"\d{6}[-+A-FU-Ya-fu-y]\d{3}[0-9A-Ya-y]",
    "fr.nir": r"[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[ABab]) ?\d{3} ?\d{3} ?\d{2}",
    "gb.nhs": r"\d{3}[ -]?\d{3}[ -]?\d{4}",
    "in.aadhaar": r"[2-9]\d{3} \d{4} \d{4}",
    "it.codicefiscale": r"[A-Za-z]{6}\d{2}[A-Za-z]\d{2}[A-Za-z]\d{3}[A-Za-z]",
    "nl.bsn": r"\d{9}|\d{4}\.\d{2}\.\d{3}",
    "pl.pesel": r"\d{11}",
    "se.personnummer": r"(?:\d{2})?\d{6}[-+]\d{4}",
}


@dataclass(frozen=True)
class NationalIdFinder:
    format: NationalIdFormat
    pattern: re.Pattern[str]
    is_valid: Callable[[str], bool]

    def find(self, text: str) -> list[tuple[int, int]]:
        return [match.span() for match in self.pattern.finditer(text) if self.is_valid(match.group())]


def finder(name: NationalIdFormat) -> NationalIdFinder:
    """The finder of one format; python-stdnum's module for it is imported here, only when a config names it."""
    country, number = name.split(".")
    module = importlib.import_module(f"stdnum.{'in_' if country == 'in' else country}.{number}")
    validate: Callable[[str], bool] = module.is_valid
    return NationalIdFinder(name, re.compile(f"{_START}(?:{_PATTERNS[name]}){_END}"), validate)
