"""``spec.privacy``: defaults, what it refuses with a message, and that an app without it is unchanged."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ragops.config.models import AppConfig
from ragops.config.privacy import NATIONAL_ID_FORMATS, PERSONAL_DATA_KINDS, PrivacySpec
from ragops.hashing import canonical_sha256
from ragops.pipelines.evaluate import config_hash


def _app(**spec: object) -> AppConfig:
    return AppConfig.model_validate(
        {
            "apiVersion": "ragops.dev/v1",
            "kind": "RAGApp",
            "metadata": {"name": "hr"},
            "spec": {"data": {"corpus": "docs", "testsets": ["t.jsonl"]}, **spec},
        }
    )


def test_an_empty_privacy_block_detects_everything_and_redacts() -> None:
    spec = _app(privacy={}).spec.privacy
    assert spec is not None
    assert (tuple(spec.detect), spec.action, spec.phone_regions) == (PERSONAL_DATA_KINDS, "redact", ["US"])
    assert tuple(spec.national_ids) == NATIONAL_ID_FORMATS


def test_privacy_is_off_unless_configured() -> None:
    assert _app().spec.privacy is None


@pytest.mark.parametrize(
    ("privacy", "message"),
    [
        ({"detect": ["name"]}, "Input should be 'email', 'phone', 'card', 'iban', 'national_id' or 'ip'"),
        ({"action": "mask"}, "Input should be 'redact', 'reject' or 'report'"),
        ({"phone_regions": ["us", "XX"]}, "unknown phone region(s) us, XX"),
        ({"national_ids": ["us.ssn"]}, "Input should be 'br.cpf'"),
        ({"detect": []}, "at least 1 item"),
        ({"unknown": 1}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_privacy_settings_are_refused_with_the_reason(privacy: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _app(privacy=privacy)


def test_duplicate_regions_are_folded() -> None:
    assert PrivacySpec(phone_regions=["GB", "GB", "US"]).phone_regions == ["GB", "US"]


def test_the_config_hash_of_an_app_without_privacy_has_no_trace_of_it() -> None:
    plain = _app()
    dumped = plain.model_dump(mode="json", by_alias=True)
    del dumped["spec"]["privacy"]  # the config as ragops dumped it before spec.privacy existed
    assert config_hash(plain) == canonical_sha256(dumped)
    assert config_hash(plain) != config_hash(_app(privacy={}))
