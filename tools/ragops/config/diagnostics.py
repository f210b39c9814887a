"""Diagnostics: one finding about one place in one file, with a fix, rendered for humans, GitHub or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A finding. ``line`` and ``column`` are 1-based; 0 means the file as a whole."""

    file: str
    line: int
    column: int
    code: str
    message: str
    fix: str = ""
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def render_text(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        text = f"{where}: {self.severity.value}[{self.code}]: {self.message}"
        return f"{text}\n    fix: {self.fix}" if self.fix else text

    def render_github(self) -> str:
        props = [f"file={_escape_property(self.file)}"]
        if self.line:
            props += [f"line={self.line}", f"col={self.column}"]
        props.append(f"title={_escape_property('ragops ' + self.code)}")
        body = f"{self.message} Fix: {self.fix}" if self.fix else self.message
        return f"::{self.severity.value} {','.join(props)}::{_escape_data(body)}"

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


@dataclass(frozen=True)
class Finding:
    """A finding located by its path inside a document (keys and list indexes), not yet by line.

    ``at_key`` points at the key rather than its value (an unknown key); ``needle`` is a piece of the value's
    text to point at (a placeholder inside a multi-line template).
    """

    path: tuple[str | int, ...]
    code: str
    message: str
    fix: str
    severity: Severity = Severity.ERROR
    at_key: bool = False
    needle: str | None = None


def _escape_data(text: str) -> str:
    # Workflow-command escaping as GitHub's own toolkit does it (core/src/command.ts).
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(diagnostics: Iterable[Diagnostic], fmt: str) -> str:
    items = sorted(diagnostics)
    if fmt == "json":
        return json.dumps([d.to_dict() for d in items], indent=2, ensure_ascii=False)
    if fmt == "github":
        return "\n".join(d.render_github() for d in items)
    return "\n".join(d.render_text() for d in items)
