"""Step outputs: values a command hands to later steps and jobs of a workflow (``$GITHUB_OUTPUT``).

Each value is appended as ``name=value``, or in GitHub's multi-line form (``name<<DELIMITER`` … ``DELIMITER``) when
it holds a line break, with a delimiter that does not occur in it. A shell script can read the same file for the
values of its own step: ``sed -n 's/^NAME=//p' FILE``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from ragops.errors import UsageError

OUTPUT_ENV = "GITHUB_OUTPUT"


def outputs_file(given: Path | None, environ: Mapping[str, str] | None = None) -> Path:
    """``given``, else ``$GITHUB_OUTPUT``; a UsageError when neither names a file."""
    env = os.environ if environ is None else environ
    if given is not None:
        return given
    if env.get(OUTPUT_ENV):
        return Path(env[OUTPUT_ENV])
    raise UsageError(f"no file for the step outputs: run inside GitHub Actions (${OUTPUT_ENV}) or name one")


def _line(name: str, value: str) -> str:
    if "\n" not in value and "\r" not in value:
        return f"{name}={value}\n"
    delimiter = f"ragops_{secrets.token_hex(8)}"
    while delimiter in value:
        delimiter = f"ragops_{secrets.token_hex(8)}"
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def append_outputs(path: Path, values: Mapping[str, str]) -> None:
    """Append ``values`` to the step outputs file at ``path``."""
    text = "".join(_line(name, value) for name, value in values.items())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"{path}: cannot append the step outputs ({exc.strerror or exc})") from None
