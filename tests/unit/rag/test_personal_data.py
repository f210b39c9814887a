"""Finding personal data: every kind is found at its exact span, look-alikes that fail their checks are not."""

from __future__ import annotations

import itertools

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ragops.config.privacy import PrivacySpec
from ragops.rag.personal_data import PersonalDataFinder, PrivacyOutcome, _phones
from tests.support.personal_data import LOOKALIKES, iban_with_check, luhn_complete, samples

FINDER = PersonalDataFinder(PrivacySpec(phone_regions=["US", "GB"]))


@pytest.mark.parametrize("sample", samples(), ids=lambda s: f"{s.kind}-{s.detail or 'any'}")
def test_each_kind_is_found_at_its_exact_span(sample) -> None:  # type: ignore[no-untyped-def]
    text = f"Before it, {sample.value}, and after it."
    [finding] = FINDER.find(text)
    assert (finding.kind, text[finding.start : finding.end]) == (sample.kind, sample.value)
    assert finding.detail == sample.detail


@pytest.mark.parametrize("text", LOOKALIKES)
def test_lookalikes_that_fail_their_checks_are_not_personal_data(text: str) -> None:
    assert FINDER.find(f"The value {text} was noted.") == []


def test_phone_numbers_that_fail_validation_or_grouping_are_not_phone_numbers() -> None:
    text = "Call (123) 456-7890, 555-0143 or 2125550143x; but (212) 555-0143 works."
    found = [text[f.start : f.end] for f in FINDER.find(text)]
    assert found == ["(212) 555-0143"]


def test_only_the_kinds_asked_for_are_found() -> None:
    text = " ".join(s.value for s in samples())
    only = PersonalDataFinder(PrivacySpec(detect=["email", "ip"]))
    assert {f.kind for f in only.find(text)} == {"email", "ip"}


def test_an_iban_is_one_finding_even_where_its_digits_pass_other_checks() -> None:
    iban = iban_with_check("NL", "ABNA0417164300")
    text = f"Pay to {iban} IS DUE by Friday."
    [finding] = FINDER.find(text)
    assert finding.kind == "iban" and text[finding.start : finding.end] == iban


def test_card_numbers_need_a_network_prefix_and_the_luhn_digit() -> None:
    visa = luhn_complete("411111111111111")
    no_network = luhn_complete("900000000000000")
    text = f"cards {visa} and {no_network} and {visa[:-1]}{(int(visa[-1]) + 1) % 10}"
    assert [text[f.start : f.end] for f in FINDER.find(text)] == [visa]


def test_findings_never_overlap_and_come_in_text_order() -> None:
    text = (" ; ".join(s.value for s in samples()) + " ; ") * 3
    found = FINDER.find(text)
    assert len(found) == 3 * len(samples())
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))


_PIECES = [s.value for s in samples()] + LOOKALIKES + ["call", "tel.", "the year 2020", "\n", "p < 0.05", "(n = 12)"]


@given(st.lists(st.sampled_from(_PIECES), max_size=30), st.sampled_from([" ", "  ", ", ", "\n"]))
def test_phone_matching_in_windows_finds_what_matching_the_whole_text_finds(pieces: list[str], glue: str) -> None:
    text = glue.join(pieces)
    whole = {
        (m.start, m.end)
        for region in ("US", "GB")
        for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.STRICT_GROUPING)
    }
    assert {(f.start, f.end) for f in _phones(["US", "GB"])(text)} == whole


def test_the_outcome_summary_counts_without_values() -> None:
    outcome = PrivacyOutcome("redact", {"email": 2, "phone": 1}, 2, 3, [])
    assert outcome.summary() == "3 value(s) in 2 document(s) (email 2, phone 1), 3 redacted"
    assert PrivacyOutcome("reject", {"ip": 1}, 1, 0, ["a"]).summary().endswith("1 document(s) rejected")
    assert PrivacyOutcome("report").summary() == "no personal data found"
