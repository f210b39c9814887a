"""Change values in a YAML file by editing its text, so everything else — comments, blank lines, key order, quoting,
block scalars — stays byte for byte as its author wrote it.

A value that is written in the file is replaced where it stands (the span ``yamlsource`` records for it). A value
that is not written (the config relies on the default) is added as new lines at the end of the nearest mapping
that is written, indented like that mapping's own keys, with any missing intermediate mappings. After every edit
the text is parsed again and must hold exactly the intended data — the edited value changed, nothing else — or
the edit is refused (an alias, a flow-style mapping, a value whose text cannot be replaced in place): a wrong
edit is never returned.

A full pyYAML round trip would drop the comments; ``ruamel.yaml`` keeps most of them but reflows quoting and
indentation, and would be a new dependency for what a targeted edit does exactly.
"""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Sequence
from typing import Any

import yaml

from ragops.config.yamlsource import Path_, YamlError, YamlSource, load_yaml
from ragops.errors import ValidationFailed

Scalar = str | int | float | bool | None
_STEP = 2  # indentation of new nested mappings when the file shows none to copy


def render_scalar(value: Scalar, style: str = "") -> str:
    """``value`` as a YAML scalar on one line: plain where YAML reads it back as the same value, else quoted."""
    if isinstance(value, str):
        if style == "'" and "\n" not in value:
            return "'" + value.replace("'", "''") + "'"
        if style == '"' or "\n" in value:
            return json.dumps(value, ensure_ascii=False)
    dumped = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1 << 30)
    return dumped.removesuffix("\n").removesuffix("\n...").strip()


def _get(data: Any, path: Path_) -> Any:
    for part in path:
        data = data[part]
    return data


def _has(data: Any, path: Path_) -> bool:
    for part in path:
        in_list = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if not (in_list or (isinstance(data, dict) and part in data)):
            return False
        data = data[part]
    return True


def _with(data: Any, path: Path_, value: Scalar) -> Any:
    expected = copy.deepcopy(data)
    node = expected
    for part in path[:-1]:
        node = node.setdefault(part, {}) if isinstance(node, dict) else node[part]
    node[path[-1]] = value
    return expected


def _line_end(text: str, offset: int) -> int:
    """The offset just past the newline that ends the line holding ``offset`` (or the end of the text)."""
    newline = text.find("\n", offset)
    return len(text) if newline < 0 else newline + 1


def _subtree_end(source: YamlSource, text: str, path: Path_) -> int:
    """Where the lines of the value at ``path`` end: after its last descendant's line."""
    value = _get(source.data, path)
    if isinstance(value, dict) and value:
        return _subtree_end(source, text, (*path, list(value)[-1]))
    if isinstance(value, list) and value:
        return _subtree_end(source, text, (*path, len(value) - 1))
    start, end = source.spans[path]
    # A block scalar's span already ends at the start of the next line; any other ends inside its line.
    return end if end > start and text[end - 1] == "\n" else _line_end(text, end)


def _describe(path: Path_) -> str:
    return ".".join(str(p) for p in path)


def _replace(text: str, source: YamlSource, path: Path_, value: Scalar) -> str:
    current = _get(source.data, path)
    if isinstance(current, dict | list):
        raise ValidationFailed(f"{_describe(path)} holds a mapping or list in the file, not a single value")
    start, end = source.spans[path]
    if text[start] in "&*":
        raise ValidationFailed(f"{_describe(path)} is an anchor or alias (&name, *name) in the file: edit it by hand")
    style = source.values[path].style
    rendered = render_scalar(value, style if style in ("'", '"') else "")
    if style in ("|", ">") and text[start:end].endswith("\n"):
        rendered += "\n"
    return text[:start] + rendered + text[end:]


def _insert(text: str, source: YamlSource, path: Path_, value: Scalar) -> str:
    depth = len(path) - 1
    while depth > 0 and not _has(source.data, path[:depth]):
        depth -= 1
    parent = path[:depth]
    node = _get(source.data, parent)
    if not isinstance(node, dict):
        raise ValidationFailed(
            f"{_describe(parent) or 'the document'} is not a mapping in the file: {_describe(path)} cannot be added"
        )
    if parent and node:
        first_key = source.keys[(*parent, next(iter(node)))]
        indent = first_key.column - 1
        step = indent - (source.keys[parent].column - 1) if parent in source.keys else _STEP
    elif not parent:
        indent, step = 0, _STEP
    else:
        raise ValidationFailed(f"{_describe(parent)} is an empty mapping ({{}}): write {_describe(path)} by hand")
    if parent and text[source.spans[parent][0]] in "{[":
        raise ValidationFailed(f"{_describe(parent)} is written in flow style ({{…}}): edit {_describe(path)} by hand")
    missing = path[depth:]
    lines = [f"{' ' * (indent + i * step)}{part}:" for i, part in enumerate(missing)]
    lines[-1] += " " + render_scalar(value)
    at = _subtree_end(source, text, (*parent, list(node)[-1])) if node else len(text)
    block = "".join(line + "\n" for line in lines)
    if at > 0 and not text[:at].endswith("\n"):
        block = "\n" + block
    return text[:at] + block + text[at:]


def set_value(text: str, path: Path_, value: Scalar) -> str:
    """``text`` with the scalar at ``path`` (a document path: keys and list indexes) set to ``value``."""
    try:
        source = load_yaml(text)
    except YamlError as exc:
        raise ValidationFailed(f"line {exc.line}: {exc.message}") from None
    change = _replace if _has(source.data, path) else _insert
    edited = change(text, source, path, value)
    try:
        result = load_yaml(edited).data
    except YamlError as exc:
        raise ValidationFailed(f"setting {_describe(path)} in place broke the YAML ({exc.message})") from None
    if result != _with(source.data, path, value):
        raise ValidationFailed(
            f"{_describe(path)} cannot be changed in place without changing something else (an alias or anchor?): "
            "edit it by hand"
        )
    return edited


def set_values(text: str, edits: Sequence[tuple[Path_, Scalar]]) -> str:
    for path, value in edits:
        text = set_value(text, path, value)
    return text


def unified_diff(old: str, new: str, path: str) -> str:
    """A patch ``git apply`` takes: ``a/PATH`` → ``b/PATH``, three lines of context; empty when nothing changed."""
    lines = list(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), fromfile=f"a/{path}", tofile=f"b/{path}"
        )
    )
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)
