"""``spec.privacy``: which kinds of personal data an app looks for in its documents, and what ingest does with them.

Detection itself is ``ragops.rag.personal_data``; this module only says what may be asked for. Kinds are found by
pattern and confirmed by the format's own rule where one exists: phone numbers by Google's libphonenumber
(``phonenumbers``: a number must be valid for its region and grouped as that region writes it), card numbers by
the Luhn checksum and a card network's prefix, IBANs by their country's length and the mod-97 checksum, national
identity numbers by their checksums (``python-stdnum``), IP addresses by parsing. Personal names are not offered:
every offline name finder needs a statistical model downloaded at run time (Presidio, spaCy), which this project
does not do.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

PersonalDataKind = Literal["email", "phone", "card", "iban", "national_id", "ip"]
PERSONAL_DATA_KINDS: tuple[PersonalDataKind, ...] = get_args(PersonalDataKind)

# National identity numbers that carry a checksum, by python-stdnum's module name (country.number). Numbers
# without one (the US SSN, for instance) cannot be told from any other run of digits and are not offered.
NationalIdFormat = Literal[
    "br.cpf",
    "ch.ssn",
    "cn.ric",
    "es.dni",
    "es.nie",
    "fi.hetu",
    "fr.nir",
    "gb.nhs",
    "in.aadhaar",
    "it.codicefiscale",
    "nl.bsn",
    "pl.pesel",
    "se.personnummer",
]
NATIONAL_ID_FORMATS: tuple[NationalIdFormat, ...] = get_args(NationalIdFormat)

PrivacyAction = Literal["redact", "reject", "report"]


class PrivacySpec(BaseModel):
    """Personal data at ingest (an HR assistant, a support archive): found before chunking, then redacted with a
    typed placeholder such as ``[EMAIL]``, the document rejected, or only reported. Part of what shapes the index:
    changing it re-indexes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    detect: list[PersonalDataKind] = Field(
        default_factory=lambda: list(PERSONAL_DATA_KINDS),
        min_length=1,
        description="Kinds to look for: email, phone, card (Luhn), iban (mod-97), national_id (checksum), ip.",
    )
    action: PrivacyAction = Field(
        "redact",
        description="redact: replace each value with [KIND]; reject: leave out every document holding any; "
        "report: index as is and count what was found.",
    )
    phone_regions: list[str] = Field(
        default_factory=lambda: ["US"],
        min_length=1,
        description="ISO 3166 regions whose national phone formats are recognised (numbers written with a +country "
        "code are recognised whatever the region).",
    )
    national_ids: list[NationalIdFormat] = Field(
        default_factory=lambda: list(NATIONAL_ID_FORMATS),
        min_length=1,
        description="National identity numbers to look for (kind national_id), by country.number, e.g. es.dni.",
    )

    @field_validator("phone_regions")
    @classmethod
    def _known_regions(cls, regions: list[str]) -> list[str]:
        from phonenumbers import SUPPORTED_REGIONS  # only when a config asks for phone regions

        unknown = [region for region in regions if region not in SUPPORTED_REGIONS]
        if unknown:
            raise ValueError(
                f"unknown phone region(s) {', '.join(unknown)}: use ISO 3166 alpha-2 codes in capitals, e.g. US, GB"
            )
        return list(dict.fromkeys(regions))
