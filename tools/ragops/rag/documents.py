"""Reading a corpus folder into documents: one reader per file type, every unreadable file reported.

Document ids follow ``ragops.corpus.doc_id`` (path relative to the corpus without the extension). A ``.json`` or
``.jsonl`` file holds *records*, each its own document, with id ``<file id>/<record id>``: the record id is the
first of the fields ``id``, ``_id``, ``doc_id`` present, else the record's 0-based position in the file. A
record's text is its ``text`` (or ``content``, ``body``) field, preceded by its ``title`` when there is one.

Character offsets of chunks refer to ``Document.text``: the file's text for .txt/.md, the extracted text for
.html and .pdf, the record's text for JSON records.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from ragops.config.models import LoaderSpec
from ragops.corpus import doc_id, list_documents

_READER_BY_SUFFIX = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".json": "json",
    ".jsonl": "json",
}
_ID_FIELDS = ("id", "_id", "doc_id")
_TEXT_FIELDS = ("text", "content", "body")


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    path: str  # relative to the corpus folder, posix


@dataclass(frozen=True)
class LoadProblem:
    path: str
    reason: str


@dataclass
class LoadedCorpus:
    documents: list[Document] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # every file considered, readable or not


class _Unreadable(Exception):
    """A file (or one record in it) cannot be turned into text; the message is the reason."""


def _read_utf8(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise _Unreadable(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _html_text(path: Path) -> str:
    soup = BeautifulSoup(_read_utf8(path), "html.parser")
    # Scripts and styles are markup, not content a reader would see.
    for hidden in soup(["script", "style", "noscript", "template"]):
        hidden.decompose()
    lines = (line.strip() for line in soup.get_text("\n").splitlines())
    return "\n".join(line for line in lines if line)


def _pdf_text(path: Path) -> str:
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise _Unreadable("the PDF is encrypted")
        return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise _Unreadable(f"not a readable PDF ({exc})") from exc


def _record_text(record: Any, where: str) -> str:
    if not isinstance(record, dict):
        raise _Unreadable(f"{where}: a record must be a JSON object")
    body = next((record[k] for k in _TEXT_FIELDS if isinstance(record.get(k), str)), None)
    if body is None:
        raise _Unreadable(f"{where}: no text field (one of {', '.join(_TEXT_FIELDS)})")
    title = record.get("title")
    return f"{title}\n\n{body}" if isinstance(title, str) and title.strip() else str(body)


def _record_id(record: dict[str, Any], position: int) -> str:
    value = next((record[k] for k in _ID_FIELDS if isinstance(record.get(k), str | int)), position)
    return str(value)


def _json_records(path: Path) -> Iterator[tuple[int, Any, str]]:
    """(position, record, where) for each record; ``where`` names the line or item for error messages."""
    text = _read_utf8(path)
    if path.suffix == ".jsonl":
        lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
        for position, (number, line) in enumerate(lines):
            try:
                yield position, json.loads(line), f"line {number}"
            except json.JSONDecodeError as exc:
                raise _Unreadable(f"line {number}: invalid JSON ({exc.msg})") from exc
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Unreadable(f"invalid JSON ({exc.msg} at line {exc.lineno})") from exc
    records = data if isinstance(data, list) else [data]
    for position, record in enumerate(records):
        yield position, record, f"item {position}"


def _read_records(path: Path, file_id: str, relative: str) -> list[Document]:
    documents = []
    for position, record, where in _json_records(path):
        text = _record_text(record, where)
        documents.append(Document(f"{file_id}/{_record_id(record, position)}", text, relative))
    return documents


_SINGLE_READERS: dict[str, Callable[[Path], str]] = {
    "text": _read_utf8,
    "markdown": _read_utf8,
    "html": _html_text,
    "pdf": _pdf_text,
}


def _read_file(path: Path, reader: str, file_id: str, relative: str) -> list[Document]:
    if reader == "json":
        return _read_records(path, file_id, relative)
    return [Document(file_id, _SINGLE_READERS[reader](path), relative)]


def file_text(path: Path) -> str:
    """What a person reads in one file, lines as in the file: the file itself for every text format (HTML markup
    and JSON syntax included), the extracted text of a PDF. ``ragops scan`` reports positions in it. Raises
    ``ValueError`` saying why the file cannot be read."""
    try:
        return _pdf_text(path) if path.suffix.lower() == ".pdf" else _read_utf8(path)
    except _Unreadable as exc:
        raise ValueError(str(exc)) from exc


def document_ids(corpus_dir: Path, spec: LoaderSpec) -> dict[str, Path]:
    """Every document id ``load_corpus`` would produce (records of JSON files included) → the file holding it,
    without extracting any text: what ``validate`` checks gold ids against. Unreadable files have no ids."""
    ids: dict[str, Path] = {}
    for path in list_documents(corpus_dir, spec.include, spec.exclude):
        reader = _READER_BY_SUFFIX.get(path.suffix.lower()) if spec.type == "auto" else spec.type
        file_id = doc_id(path, corpus_dir)
        if reader != "json":
            ids.setdefault(file_id, path)
            continue
        try:
            for position, record, _ in _json_records(path):
                if isinstance(record, dict):
                    ids.setdefault(f"{file_id}/{_record_id(record, position)}", path)
        except (_Unreadable, OSError):
            continue
    return ids


def load_corpus(corpus_dir: Path, spec: LoaderSpec) -> LoadedCorpus:
    """Every document under ``corpus_dir``; files that cannot be read are listed in ``problems``, not raised.

    A symbolic link that dangles, loops or leads outside the repository raises ``CorpusLinkError`` (see
    ``ragops.corpus``): that is a broken corpus, not an unreadable document."""
    result = LoadedCorpus(files=list_documents(corpus_dir, spec.include, spec.exclude))
    seen: dict[str, str] = {}
    for path in result.files:
        relative = path.relative_to(corpus_dir).as_posix()
        reader = _READER_BY_SUFFIX.get(path.suffix.lower()) if spec.type == "auto" else spec.type
        if reader is None:
            supported = ", ".join(sorted(_READER_BY_SUFFIX))
            result.problems.append(
                LoadProblem(
                    relative,
                    f"no reader for {path.suffix or 'files without a suffix'} "
                    f"(supported: {supported}); exclude it in loader.exclude",
                )
            )
            continue
        try:
            documents = _read_file(path, reader, doc_id(path, corpus_dir), relative)
        except _Unreadable as exc:
            result.problems.append(LoadProblem(relative, str(exc)))
            continue
        except OSError as exc:
            result.problems.append(LoadProblem(relative, exc.strerror or str(exc)))
            continue
        for document in documents:
            if not document.text.strip():
                result.problems.append(LoadProblem(relative, f"document {document.id!r} has no text"))
            elif document.id in seen:
                result.problems.append(
                    LoadProblem(relative, f"document id {document.id!r} is also used by {seen[document.id]}")
                )
            else:
                seen[document.id] = relative
                result.documents.append(document)
    return result
