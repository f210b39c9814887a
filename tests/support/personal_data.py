"""Synthetic personal data for the privacy tests: generated values that pass their formats' checks, never real ones.

Every value comes from ranges reserved for examples where one exists (``example.org`` mail domains, the US
555-0100…0199 fictional phone numbers, the documentation IP ranges 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24
and 2001:db8::/32) and from a seeded random generator elsewhere, with the check digits computed here, so a test
never holds anyone's data. ``LOOKALIKES`` are strings shaped like personal data that fail validation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def luhn_complete(digits: str) -> str:
    """``digits`` with the Luhn check digit appended."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: every second digit counting from the one left of the check digit
            value = value * 2 - 9 if value * 2 > 9 else value * 2
        total += value
    return digits + str((10 - total % 10) % 10)


def iban_with_check(country: str, bban: str) -> str:
    """An IBAN with correct mod-97 check digits for ``bban``, in groups of four."""
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    compact = f"{country}{check:02d}{bban}"
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def bsn_number(rng: random.Random) -> str:
    """A 9-digit number passing the Dutch BSN 11-test."""
    while True:
        digits = [rng.randint(0, 9) for _ in range(8)]
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        last = total % 11
        if last < 10 and digits[0] != 0:
            return "".join(map(str, digits)) + str(last)


@dataclass(frozen=True)
class Sample:
    kind: str
    value: str
    detail: str = ""


def samples(seed: int = 7) -> list[Sample]:
    """One valid value of every kind (and several national-id formats), freshly generated."""
    rng = random.Random(seed)
    number = rng.randint(10_000_000, 99_999_999)
    return [
        Sample("email", f"user{rng.randint(100, 999)}.test@example.org"),
        Sample("phone", f"(212) 555-01{rng.randint(10, 99)}", "US"),
        Sample("phone", f"+44 20 7946 0{rng.randint(100, 999)}", "GB"),
        Sample("card", luhn_complete("4" + "".join(str(rng.randint(0, 9)) for _ in range(14)))),
        Sample("iban", iban_with_check("DE", "".join(str(rng.randint(0, 9)) for _ in range(18))), "DE"),
        Sample("national_id", f"{number}{_DNI_LETTERS[number % 23]}", "es.dni"),
        Sample("national_id", bsn_number(rng), "nl.bsn"),
        Sample("ip", f"192.0.2.{rng.randint(10, 254)}", "v4"),
        Sample("ip", f"2001:db8::{rng.randint(1, 0xFFFF):x}", "v6"),
    ]


# Shaped like personal data, and not: each fails the check of the kind it resembles.
LOOKALIKES = [
    "(123) 456-7890",  # no US area code starts with 1
    "555-0143",  # a local number without an area code
    "4111 1111 1111 1112",  # a card number whose Luhn digit is wrong
    "DE00 3704 0044 0532 0130 00",  # IBAN check digits that do not hold
    "12345678A",  # a DNI whose letter should be Z
    "2.3.3.1",  # a section number, not an address
    "999.12.1.4",  # not an IPv4 address
    "10.1016/j.cell.2020.02.052",  # a DOI
    "2020-03-15",  # a date
    "ISBN 978-3-16-148410-0",
    "a ratio of 3:1:2",
    "mail@localhost",  # no top-level domain
]
