"""Finding personal data in text: where each value is and what kind it is, never the value itself.

``PersonalDataFinder(spec).find(text)`` returns non-overlapping ``Finding`` spans, in text order. A candidate is
found by pattern and kept only when the format's own rule confirms it:

- ``email``: a local part, ``@``, and a domain whose last label is alphabetic (2+ letters).
- ``phone``: Google's libphonenumber (``phonenumbers.PhoneNumberMatcher``) at ``STRICT_GROUPING`` leniency: the
  number must be valid for its region (``phone_regions``, or its ``+country`` code) *and* grouped the way that
  region writes numbers. A sequence of digits of phone-number length that fails either ("(123) 456-7890": no US
  area code starts with 1) is not a phone number.
- ``card``: 13 to 19 digits, optionally grouped by single spaces or dashes, starting with a card network's prefix
  (Visa, Mastercard, American Express, Discover, JCB, Diners, UnionPay, Maestro) and passing the Luhn checksum.
- ``iban``: a country code, two check digits and the account, optionally in groups of four; the country's length
  and the mod-97 checksum must hold (python-stdnum). A match that runs into following capitals is shortened one
  group at a time until it validates.
- ``national_id``: see ``ragops.rag.national_ids``.
- ``ip``: IPv4 dotted quads and IPv6 addresses that ``ipaddress`` parses; a quad of single digits ("2.3.3.1", a
  section number) is not taken for an address, and an IPv6 candidate needs two non-empty groups.

Where two findings overlap, the one of the more specific kind wins (email, iban, card, national id, ip, phone),
then the longer one.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ragops.config.privacy import PersonalDataKind, PrivacyAction, PrivacySpec
from ragops.rag.national_ids import NationalIdFinder, finder

# Which kind wins an overlap: the more specific format first.
_PRECEDENCE: dict[str, int] = {"email": 0, "iban": 1, "card": 2, "national_id": 3, "ip": 4, "phone": 5}

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
# Issuer prefixes (ISO/IEC 7812 IINs of the major networks); a Luhn-valid run of digits without one is not a card.
_CARD_PREFIX = re.compile(
    r"^(?:4|5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720)|3[47]|3(?:0[0-5]|[689])|6(?:011|4[4-9]|5|2)|35(?:2[89]|[3-8]\d)"
    r"|5[06-8]|6\d)"
)
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![a-z0-9])")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)")
# A run of at least five digits with the separators phone numbers are written with: where a number may be.
_PHONE_RUN = re.compile(r"\d(?:[ ()./\-\u00a0\u2010-\u2015]{0,3}\d){4,}")
# Every national id format holds a run of three digits (see ragops.rag.national_ids).
_ID_RUN = re.compile(r"\d{3}")
_CONTEXT = 24
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")


@dataclass(frozen=True)
class Finding:
    kind: PersonalDataKind
    start: int
    end: int
    detail: str = ""  # which format: a national id's country.number, a phone number's region, a card network


@dataclass(frozen=True)
class PrivacyOutcome:
    """What ingest found and did under ``spec.privacy``: recorded in the index manifest, reported by the evaluation.
    Counts and document ids only, never a value."""

    action: PrivacyAction
    found: dict[str, int] = field(default_factory=dict)  # kind → values found, in every document read
    documents_with_findings: int = 0
    redacted: int = 0  # values replaced by a placeholder (action redact)
    rejected: list[str] = field(default_factory=list)  # ids of the documents left out (action reject)

    def summary(self) -> str:
        """One line for people: "3 values in 2 documents (email 2, phone 1), 3 redacted"."""
        total = sum(self.found.values())
        if total == 0:
            return "no personal data found"
        kinds = ", ".join(f"{kind} {count}" for kind, count in self.found.items())
        done = {
            "redact": f"{self.redacted} redacted",
            "reject": f"{len(self.rejected)} document(s) rejected",
            "report": "left in the index (action report)",
        }[self.action]
        return f"{total} value(s) in {self.documents_with_findings} document(s) ({kinds}), {done}"


Detect = Callable[[str], list[Finding]]


def _emails(text: str) -> list[Finding]:
    return [Finding("email", m.start(), m.end()) for m in _EMAIL.finditer(text)]


def _cards(text: str) -> list[Finding]:
    from stdnum import luhn

    found = []
    for match in _CARD.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        if 13 <= len(digits) <= 19 and _CARD_PREFIX.match(digits) and luhn.is_valid(digits):
            found.append(Finding("card", match.start(), match.end()))
    return found


def _ibans(text: str) -> list[Finding]:
    from stdnum import iban

    found = []
    for match in _IBAN.finditer(text):
        candidate = match.group()
        # Shorten a candidate that ran into the next word ("… 3000 IS DUE") one group at a time.
        while len(candidate.replace(" ", "")) >= 15:
            if iban.is_valid(candidate):
                found.append(Finding("iban", match.start(), match.start() + len(candidate), candidate[:2]))
                break
            cut = candidate.rfind(" ")
            if cut <= 0:
                break
            candidate = candidate[:cut]
    return found


def _ips(text: str) -> list[Finding]:
    found = []
    for match in _IPV4.finditer(text):
        value = match.group()
        if all(len(part) == 1 for part in value.split(".")):
            continue  # "2.3.3.1": a section number far more often than an address
        try:
            ipaddress.IPv4Address(value)
        except ValueError:
            continue
        found.append(Finding("ip", match.start(), match.end(), "v4"))
    for match in _IPV6.finditer(text):
        value = match.group()
        if sum(1 for group in value.split(":") if group) < 2:
            continue
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            continue
        found.append(Finding("ip", match.start(), match.end(), "v6"))
    return found


def _windows(text: str, run: re.Pattern[str]) -> list[tuple[int, int]]:
    """Stretches of ``text`` around every match of ``run``, widened by ``_CONTEXT`` characters and then to the
    nearest whitespace either side (so no word is cut), merged where they touch. Number formats are matched in
    these instead of the whole text: several times faster on prose, and the same findings, since a window holds
    every candidate whole with the context a matcher looks at around it."""
    windows: list[tuple[int, int]] = []
    for match in run.finditer(text):
        start = max(0, match.start() - _CONTEXT)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], _word_end(text, match.end() + _CONTEXT))
            continue
        windows.append((_word_start(text, start), _word_end(text, match.end() + _CONTEXT)))
    return windows


def _word_start(text: str, position: int) -> int:
    while position > 0 and not text[position - 1].isspace():
        position -= 1
    return position


def _word_end(text: str, position: int) -> int:
    position = min(position, len(text))
    while position < len(text) and not text[position].isspace():
        position += 1
    return position


def _phones(regions: list[str]) -> Detect:
    import phonenumbers

    leniency = phonenumbers.Leniency.STRICT_GROUPING

    def find(text: str) -> list[Finding]:
        found = []
        for first, last in _windows(text, _PHONE_RUN):
            window = text[first:last]
            for region in regions:
                for match in phonenumbers.PhoneNumberMatcher(window, region, leniency=leniency):
                    where = phonenumbers.region_code_for_number(match.number) or region
                    found.append(Finding("phone", first + match.start, first + match.end, where))
        return found

    return find


def _national_ids(finders: list[NationalIdFinder]) -> Detect:
    def find(text: str) -> list[Finding]:
        found = []
        for first, last in _windows(text, _ID_RUN):
            window = text[first:last]
            for each in finders:
                found += [Finding("national_id", first + s, first + e, each.format) for s, e in each.find(window)]
        return found

    return find


def _without_overlaps(findings: list[Finding]) -> list[Finding]:
    ranked = sorted(findings, key=lambda f: (_PRECEDENCE[f.kind], -(f.end - f.start), f.start))
    kept: list[Finding] = []  # in text order, never overlapping
    starts: list[int] = []
    for finding in ranked:
        at = bisect.bisect_left(starts, finding.start)
        if at > 0 and kept[at - 1].end > finding.start:
            continue
        if at < len(kept) and kept[at].start < finding.end:
            continue
        kept.insert(at, finding)
        starts.insert(at, finding.start)
    return kept


class PersonalDataFinder:
    """Finds the kinds ``spec.detect`` asks for. Safe to share between threads (it holds no state per call)."""

    def __init__(self, spec: PrivacySpec) -> None:
        self.spec = spec
        detectors: dict[PersonalDataKind, Callable[[], Detect]] = {
            "email": lambda: _emails,
            "phone": lambda: _phones(spec.phone_regions),
            "card": lambda: _cards,
            "iban": lambda: _ibans,
            "national_id": lambda: _national_ids([finder(name) for name in spec.national_ids]),
            "ip": lambda: _ips,
        }
        self._detect = [detectors[kind]() for kind in dict.fromkeys(spec.detect)]

    def find(self, text: str) -> list[Finding]:
        return _without_overlaps([finding for detect in self._detect for finding in detect(text)])
