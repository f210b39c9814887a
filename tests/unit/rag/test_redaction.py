"""Personal data at ingest: redacted before chunking (so a value a chunk boundary would cut is gone whole),
documents rejected, or only counted; the index's identity follows the privacy settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ragops.config.models import AppConfig
from ragops.config.privacy import PrivacySpec
from ragops.rag.documents import Document
from ragops.rag.hashing import indexing_config, indexing_config_hash
from ragops.rag.index import build_index, load_index, read_manifest
from ragops.rag.redaction import TextRedactor, apply_privacy, redact
from tests.support.personal_data import samples

MakeApp = Callable[..., tuple[AppConfig, Path]]
SAMPLES = samples()
EMAIL, PHONE = SAMPLES[0].value, SAMPLES[1].value
# A mail address of many word pieces and no whitespace: the chunker has to cut it where a window ends.
LONG_EMAIL = "firstname.middlename.lastname.department.team@mail.example.org"
FILLER = "The committee reviewed the annual budget and approved the plan for the coming year. "


def _build(config: AppConfig, root: Path):  # type: ignore[no-untyped-def]
    return build_index(config, root / "docs", root / "index", root / "cache", root=root)


def test_redact_replaces_each_value_with_its_kinds_placeholder() -> None:
    text = f"Write to {EMAIL} or call {PHONE}."
    assert TextRedactor(PrivacySpec())(text) == "Write to [EMAIL] or call [PHONE]."
    assert redact("nothing here", []) == "nothing here"


def test_apply_privacy_redacts_rejects_or_reports() -> None:
    documents = [Document("a", f"Mail {EMAIL} and {PHONE}.", "a.txt"), Document("b", "No data here.", "b.txt")]
    kept, outcome = apply_privacy(documents, PrivacySpec(action="redact"))
    assert [d.text for d in kept] == ["Mail [EMAIL] and [PHONE].", "No data here."]
    assert (outcome.found, outcome.redacted, outcome.documents_with_findings) == ({"email": 1, "phone": 1}, 2, 1)
    kept, outcome = apply_privacy(documents, PrivacySpec(action="reject"))
    assert [d.id for d in kept] == ["b"] and outcome.rejected == ["a"] and outcome.redacted == 0
    kept, outcome = apply_privacy(documents, PrivacySpec(action="report"))
    assert kept == documents and outcome.found == {"email": 1, "phone": 1} and outcome.redacted == 0


def test_a_value_a_chunk_boundary_cuts_is_redacted_whole(make_app: MakeApp) -> None:
    docs = {"memo.txt": FILLER * 2 + f"Contact {LONG_EMAIL} for details. " + FILLER * 2}
    small = {"splitter": {"chunk_size": 16, "chunk_overlap": 0}}
    plain, root = make_app(docs=docs, **small)
    _build(plain, root)
    chunks = [c.text for c in load_index(root / "index").chunks]
    # Without redaction the address is indeed split: no chunk holds it whole, and its head and tail are in two.
    assert not any(LONG_EMAIL in text for text in chunks)
    head = next(i for i, text in enumerate(chunks) if "firstname" in text)
    assert any(".org for details" in text for text in chunks[head + 1 :])

    private, root = make_app(docs=docs, privacy={"detect": ["email"]}, **small)
    report = _build(private, root)
    index = load_index(root / "index")
    texts = [c.text for c in index.chunks]
    for piece in ("firstname", "middlename", "department", "mail.example", ".org for"):
        assert not any(piece in text for text in texts), piece
    assert any("[EMAIL]" in text for text in texts)
    assert report.privacy is not None and report.privacy.redacted == 1
    assert index.manifest.privacy == report.privacy


def test_reject_leaves_documents_with_personal_data_out_of_the_index(make_app: MakeApp) -> None:
    docs = {"clean.txt": FILLER * 3, "hr.txt": f"Employee file. Phone {PHONE}. " + FILLER}
    config, root = make_app(docs=docs, privacy={"action": "reject"})
    report = _build(config, root)
    assert report.documents == 1 and report.privacy is not None and report.privacy.rejected == ["hr"]
    assert {c.doc_id for c in load_index(root / "index").chunks} == {"clean"}


def test_report_indexes_as_is_and_counts(make_app: MakeApp) -> None:
    docs = {"hr.txt": f"Employee file. Mail {EMAIL}. " + FILLER}
    config, root = make_app(docs=docs, privacy={"action": "report"})
    report = _build(config, root)
    assert report.privacy is not None and report.privacy.found == {"email": 1}
    assert any(EMAIL in c.text for c in load_index(root / "index").chunks)


def test_privacy_settings_shape_the_index_and_a_change_rebuilds_it(make_app: MakeApp) -> None:
    docs = {"hr.txt": f"Employee file. Mail {EMAIL}. " + FILLER}
    plain, root = make_app(docs=docs)
    assert "privacy" not in indexing_config(plain)  # absent: the hash of every app without it is unchanged
    redacting, _ = make_app(docs=docs, privacy={"action": "redact"})
    reporting, _ = make_app(docs=docs, privacy={"action": "report"})
    hashes = {indexing_config_hash(c) for c in (plain, redacting, reporting)}
    assert len(hashes) == 3
    first = _build(redacting, root)
    again = _build(redacting, root)
    assert not first.reused_index and again.reused_index and again.privacy == first.privacy
    changed = _build(reporting, root)
    assert not changed.reused_index
    manifest = read_manifest(root / "index")
    assert manifest is not None and manifest.privacy is not None and manifest.privacy.action == "report"


def test_an_index_without_privacy_writes_no_privacy_field(make_app: MakeApp) -> None:
    config, root = make_app()
    _build(config, root)
    assert '"privacy"' not in (root / "index" / "manifest.json").read_text(encoding="utf-8")
