"""Corpora on disk: which files are documents, the stable id each document gets, and where they may live.

A document's id is its path relative to the corpus folder, without the extension, with '/' separators:
``datasets/covid-qa/docs/covidqa-630.txt`` has id ``covidqa-630``. Test sets refer to documents by this id.
(Records of ``.json``/``.jsonl`` files get ``<file id>/<record id>``: see ``rag.documents``.)

Symbolic links: a document may be a link, but what it resolves to must stay inside the repository that holds the
corpus (the nearest folder up with ``.git`` or ``pyproject.toml``; the corpus folder itself when there is none),
so a link to ``/etc/passwd`` is never read, indexed or served. A link outside, a dangling link and a link loop
are ``CorpusLinkError``s naming the file — for ``validate``, ``index``, ``eval`` and ``data fingerprint`` alike.
Links to folders are not followed (their files are not documents), and one leading outside is refused too.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from ragops.errors import ValidationFailed

# Files that are never documents: DVC and git bookkeeping, editor droppings.
_IGNORED_NAMES = {".gitignore", ".gitkeep", ".dvcignore", ".DS_Store"}
_ROOT_MARKERS = (".git", "pyproject.toml")


class CorpusLinkError(ValidationFailed):
    """A corpus file is a symbolic link that is dangling, loops, or leads outside the allowed root."""

    def __init__(self, path: Path, problem: str, fix: str) -> None:
        super().__init__(f"{path}: {problem}; {fix}")
        self.path = path
        self.problem = problem
        self.fix = fix


def allowed_root(corpus_root: Path) -> Path:
    """The folder a corpus's files must resolve into: the repository holding the corpus folder (found from its
    path as written, so a corpus folder that is itself a link outside gains nothing), else the corpus folder."""
    start = corpus_root.absolute()
    for folder in [start, *start.parents]:
        if any((folder / marker).exists() for marker in _ROOT_MARKERS):
            return folder.resolve()
    return start.resolve()


def checked_file(path: Path, root: Path) -> Path:
    """``path`` resolved, once it is known to be a readable place inside ``root`` (resolved); raises
    ``CorpusLinkError`` for a dangling link, a link loop or a file that resolves outside ``root``."""
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError as exc:
        raise CorpusLinkError(
            path, f"dangling symbolic link (to {exc.filename})", "remove the link or restore its target"
        ) from exc
    except (RuntimeError, OSError) as exc:  # RuntimeError: Python 3.11's "Symlink loop"; OSError: ELOOP
        raise CorpusLinkError(path, "symbolic link loop", "remove the link or point it at a file") from exc
    if not resolved.is_relative_to(root):
        raise CorpusLinkError(
            path,
            f"resolves to {resolved}, outside the repository {root}",
            "copy the file into the corpus instead of linking to it",
        )
    return resolved


def doc_id(path: Path, corpus_root: Path) -> str:
    return relpath_doc_id(path.relative_to(corpus_root).as_posix())


def relpath_doc_id(relpath: str) -> str:
    """The id of the document at ``relpath`` (posix, relative to the corpus folder): the path without extension."""
    return PurePosixPath(relpath).with_suffix("").as_posix()


def list_documents(
    corpus_root: Path, include: list[str] | None = None, exclude: list[str] | None = None, *, root: Path | None = None
) -> list[Path]:
    """Document files under ``corpus_root``, sorted, skipping hidden files and folders.

    Every file is checked with ``checked_file`` against ``root`` (default: ``allowed_root(corpus_root)``)."""
    allowed = root.resolve() if root is not None else allowed_root(corpus_root)
    patterns = include or ["**/*"]
    found: set[Path] = set()
    for pattern in patterns:
        # A link is a candidate even when it leads nowhere (is_file is False): it must be reported, not skipped.
        found.update(p for p in corpus_root.glob(pattern) if p.is_file() or p.is_symlink())
    excluded = {p for pattern in exclude or [] for p in corpus_root.glob(pattern)}
    documents = sorted(
        p
        for p in found - excluded
        if p.name not in _IGNORED_NAMES and not any(part.startswith(".") for part in p.relative_to(corpus_root).parts)
    )
    # A link to a folder resolves fine but is no document (folders are not followed).
    return [p for p in documents if checked_file(p, allowed).is_file()]


def document_ids(corpus_root: Path) -> dict[str, Path]:
    """File-level ids (one per file); ``rag.documents.document_ids`` also names the records of JSON files."""
    return {doc_id(p, corpus_root): p for p in list_documents(corpus_root)}
