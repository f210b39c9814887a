"""Use case: where an app's documents and test sets hold personal data (``ragops scan``), without the values.

The scan looks for what the app's ``spec.privacy`` names (all kinds, with the defaults, when the app has none: to
decide whether it needs one) in every corpus file the loader would read and in every test set, and reports each
value by file, line, column, kind and format; never the value itself. Positions are in the file as a person opens
it (a PDF: in its extracted text). Ingest applies the same finder to the documents as loaded (HTML without markup,
JSON records' text fields), so the counts can differ a little from what ``ragops index`` redacts.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ragops.config.app_data import data_paths, inside
from ragops.config.models import AppConfig
from ragops.config.privacy import PrivacySpec
from ragops.corpus import list_documents
from ragops.errors import ValidationFailed
from ragops.rag.documents import file_text
from ragops.rag.personal_data import PersonalDataFinder


@dataclass(frozen=True)
class Located:
    """One value found: where it is and what kind it is (never the value)."""

    path: str  # relative to the repository root, posix
    line: int
    column: int
    kind: str
    detail: str
    role: str  # "corpus" or "testset"


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True)
class ScanResult:
    app: str
    privacy: PrivacySpec  # what was looked for
    configured: bool  # the app has spec.privacy (else the defaults were used)
    files: int
    findings: list[Located] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(f.kind for f in self.findings).items()))

    def to_dict(self) -> dict[str, object]:
        return {
            "app": self.app,
            "privacy": self.privacy.model_dump(mode="json"),
            "configured": self.configured,
            "files": self.files,
            "counts": self.counts(),
            "findings": [asdict(f) for f in self.findings],
            "skipped": [asdict(s) for s in self.skipped],
        }


def _positions(text: str) -> list[int]:
    """Offsets where each line of ``text`` starts."""
    starts = [0]
    position = text.find("\n")
    while position >= 0:
        starts.append(position + 1)
        position = text.find("\n", position + 1)
    return starts


def _scan_file(path: Path, shown: str, role: str, finder: PersonalDataFinder) -> list[Located]:
    text = file_text(path)
    starts = _positions(text)
    found = []
    for finding in finder.find(text):
        line = bisect.bisect_right(starts, finding.start)
        found.append(Located(shown, line, finding.start - starts[line - 1] + 1, finding.kind, finding.detail, role))
    return found


def _testset_files(paths: list[Path]) -> list[Path]:
    """Each test set named by the config; a folder stands for the ``.jsonl`` files in it."""
    return [file for path in paths for file in (sorted(path.glob("*.jsonl")) if path.is_dir() else [path])]


def scan_app(config: AppConfig, root: Path) -> ScanResult:
    paths = data_paths(config, root)
    corpus, *testsets = inside(paths, config)  # ValidationFailed when one leaves the repository
    if not corpus.is_dir():
        raise ValidationFailed(
            f"the corpus {paths[0].value!r} is not a folder in the repository (spec.data.corpus); "
            "pull DVC-tracked data first (ragops data pull)"
        )
    spec = config.spec.privacy or PrivacySpec()
    finder = PersonalDataFinder(spec)
    loader = config.spec.loader
    files = [(p, "corpus") for p in list_documents(corpus, loader.include, loader.exclude)]
    files += [(p, "testset") for p in _testset_files(testsets)]
    result = ScanResult(config.name, spec, config.spec.privacy is not None, len(files))
    for path, role in files:
        shown = path.resolve().relative_to(root.resolve()).as_posix()
        try:
            result.findings.extend(_scan_file(path, shown, role, finder))
        except ValueError as exc:
            result.skipped.append(Skipped(shown, str(exc)))
        except OSError as exc:
            result.skipped.append(Skipped(shown, exc.strerror or str(exc)))
    return result
