"""Use case ``ragops new app NAME --corpus PATH``: everything a new app needs, in one step.

Writes ``rag-configs/NAME.yaml`` (rendered from the config template in the sample apps' vocabulary and validated
before anything is written), a test-set skeleton beside the corpus (``<corpus>/../testsets/NAME.jsonl``: a few
placeholder questions made from the documents' first sentences, tagged ``skeleton``, so the app evaluates at once,
and a ``README.md`` saying how to replace them) and the overlay of the app in every declared environment
(``kustomize/overlays/<env>/NAME/``, from the one overlay template). A test set that already exists there is used
as it is. Nothing is written when any check fails, and nothing that exists is overwritten.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ragops.config.app_data import repo_relative
from ragops.config.environments import load_environments
from ragops.config.loader import config_from_text
from ragops.config.models import APP_NAME_PATTERN, DEFAULT_EMBEDDING_MODEL, LoaderSpec
from ragops.config.testset import GoldSpan, QuestionRecord
from ragops.errors import UsageError, ValidationFailed
from ragops.files import create_files
from ragops.gitops.overlay_template import overlay_files
from ragops.layout import CONFIG_DIR, TESTSET_SUFFIX, TESTSETS_FOLDER, config_file, overlay_dir, resolve_repo_path
from ragops.rag.documents import Document, load_corpus
from ragops.templates import template

# How many documents the skeleton test set asks about.
SKELETON_QUESTIONS = 5
SKELETON_TAG = "skeleton"
_SENTENCE = re.compile(r"\S.{19,299}?[.!?](?=\s|$)", re.DOTALL)


@dataclass(frozen=True)
class NewApp:
    app: str
    config: Path
    testset: Path
    testset_written: bool  # False: an existing test set is used
    written: list[Path] = field(default_factory=list)


def config_text(name: str, corpus: str, testset: str) -> str:
    return template("ragops.config", "app.yaml.j2").render(
        name=name,
        description=json.dumps(f"{name} (written by ragops new app)"),
        corpus=corpus,
        testset=testset,
        embedding_model=DEFAULT_EMBEDDING_MODEL,
    )


def _first_sentence(document: Document) -> GoldSpan | None:
    """The document's first sentence (else its first 200 characters) as a span of its own characters."""
    match = _SENTENCE.search(document.text)
    if match is not None:
        start, end = match.span()
    else:
        stripped = document.text.strip()
        if not stripped:
            return None
        start = document.text.index(stripped[0])
        end = start + min(len(stripped), 200)
    return GoldSpan(doc_id=document.id, start=start, end=end, text=document.text[start:end])


def skeleton_records(documents: list[Document]) -> list[QuestionRecord]:
    """Placeholder questions, one per document (the first few in id order): the answer is the document's first
    sentence, so retrieval and answer metrics mean something until real questions replace them."""
    records: list[QuestionRecord] = []
    for document in sorted(documents, key=lambda d: d.id):
        span = _first_sentence(document)
        if span is None:
            continue
        records.append(
            QuestionRecord(
                id=f"{SKELETON_TAG}-{len(records) + 1}",
                question=f"REPLACE ME: what does {document.id} say first?",
                answers=[" ".join(span.text.split())],
                gold_doc_ids=[document.id],
                gold_spans=[span],
                tags=[SKELETON_TAG],
            )
        )
        if len(records) == SKELETON_QUESTIONS:
            break
    return records


def testset_readme(name: str, testset: str) -> str:
    return template("ragops.config", "testsets-README.md.j2").render(
        name=name, testset_file=PurePosixPath(testset).name, tag=SKELETON_TAG
    )


def new_app(root: Path, name: str, corpus: str) -> NewApp:
    root = root.resolve()
    if not re.fullmatch(APP_NAME_PATTERN, name) or len(name) > 63:
        raise UsageError(f"app name {name!r}: use lowercase letters, digits and '-' (it names Kubernetes objects)")
    source = config_file(root, name)
    if source.exists():
        raise UsageError(f"{source.relative_to(root)} exists already: the app {name!r} is there")
    corpus_relative = repo_relative(corpus)
    corpus_dir = resolve_repo_path(corpus, root)
    if corpus_relative is None or corpus_dir is None:
        raise UsageError(f"--corpus {corpus!r}: give a folder inside the repository, relative to its root")
    if not corpus_dir.is_dir():
        raise UsageError(f"--corpus {corpus_relative}: no such folder of documents")
    loaded = load_corpus(corpus_dir, LoaderSpec())
    if not loaded.documents:
        raise ValidationFailed(f"{corpus_relative}: no documents to read (text, Markdown, HTML, PDF, JSON)")
    testset_relative = str(PurePosixPath(corpus_relative).parent / TESTSETS_FOLDER / f"{name}{TESTSET_SUFFIX}")
    testset = root / testset_relative
    text = config_text(name, corpus_relative, testset_relative)
    relative_config = f"{CONFIG_DIR}/{name}.yaml"
    checked = config_from_text(text, relative_config, root)
    if checked.config is None:  # the template and the inputs are ours: a failure here is a bug, said plainly
        problems = "; ".join(d.message for d in checked.diagnostics if d.is_error)
        raise ValidationFailed(f"the generated config of {name} does not validate: {problems}")
    files: dict[Path, str] = {}
    if not testset.exists():
        records = skeleton_records(loaded.documents)
        files[testset] = "".join(r.model_dump_json(exclude_defaults=True) + "\n" for r in records)
        readme = testset.with_name("README.md")
        if not readme.exists():
            files[readme] = testset_readme(name, testset_relative)
    files[source] = text
    for environment in load_environments(root).environments:
        overlay = overlay_dir(root, environment.name, name)
        if overlay.exists():
            raise UsageError(f"{overlay.relative_to(root)} exists already: remove it or pick another app name")
        files.update(
            {
                overlay / file: body
                for file, body in overlay_files(environment, name, text, checked.config.spec.llm.base_url_env).items()
            }
        )
    written = create_files(files)
    return NewApp(name, source, testset, testset in files, written)
