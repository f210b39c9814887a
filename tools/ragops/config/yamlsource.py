"""Load YAML keeping where every value came from, and refusing what plain ``yaml.safe_load`` lets slip.

``load_yaml`` returns plain Python data plus a map from each value's path (a tuple of keys and list indexes)
to its position in the file, so errors found later — by pydantic or by semantic checks — can name the line
and column. Duplicate keys (which PyYAML silently overwrites) and recursive aliases are errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path_ = tuple[str | int, ...]

# Deeply nested input is never a real config; bounding it keeps hostile input from exhausting the stack.
_MAX_DEPTH = 64


@dataclass(frozen=True)
class Position:
    """1-based line and column of a node, and the scalar style ('|', '>', '"', "'", or '' for plain)."""

    line: int
    column: int
    style: str = ""


@dataclass
class YamlSource:
    """Parsed YAML data with the positions of every value and of every mapping key."""

    data: Any
    values: dict[Path_, Position] = field(default_factory=dict)
    keys: dict[Path_, Position] = field(default_factory=dict)

    def locate(self, path: Path_, *, key: bool = False) -> Position:
        """Position of ``path``; falls back to the nearest ancestor that has one (a missing key → its parent)."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), Position(1, 1))


class YamlError(Exception):
    """The text is not YAML we accept. ``line``/``column`` are 1-based."""

    def __init__(self, code: str, message: str, line: int, column: int, fix: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.column = column
        self.fix = fix


def _position(node: yaml.Node) -> Position:
    style = getattr(node, "style", None) or ""
    return Position(node.start_mark.line + 1, node.start_mark.column + 1, style if isinstance(style, str) else "")


class _Walker:
    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.source = YamlSource(data=None)
        self.active: set[int] = set()

    def walk(self, node: yaml.Node, path: Path_) -> Any:
        if len(path) > _MAX_DEPTH:
            raise YamlError("yaml-syntax", f"nesting deeper than {_MAX_DEPTH} levels", *_line_col(node))
        if id(node) in self.active:
            raise YamlError(
                "yaml-syntax",
                "recursive alias: the value anchored here contains an alias to itself",
                *_line_col(node),
                fix="remove the alias (*name) that points back to its own anchor",
            )
        self.source.values[path] = _position(node)
        if isinstance(node, yaml.MappingNode):
            self.active.add(id(node))
            try:
                return self._mapping(node, path)
            finally:
                self.active.discard(id(node))
        if isinstance(node, yaml.SequenceNode):
            self.active.add(id(node))
            try:
                return [self.walk(item, (*path, i)) for i, item in enumerate(node.value)]
            finally:
                self.active.discard(id(node))
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError) as exc:  # e.g. a timestamp like 2024-13-45
            raise YamlError(
                "yaml-syntax",
                f"cannot read value {node.value!r}: {exc}",
                *_line_col(node),
                fix="quote the value to keep it as text",
            ) from exc

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        self.loader.flatten_mapping(node)  # resolves YAML merge keys (<<) the way safe_load does
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlError(
                    "yaml-syntax", "mapping keys must be plain names, not lists or mappings", *_line_col(key_node)
                )
            # The key's source text, not its YAML 1.1 interpretation: `on:` stays "on", `1:` stays "1".
            key = str(key_node.value)
            child = (*path, key)
            if key in result:
                first = self.source.keys[child]
                raise YamlError(
                    "duplicate-key",
                    f"duplicate key '{key}' (first defined at line {first.line})",
                    *_line_col(key_node),
                    fix=f"keep one '{key}' entry; YAML would silently use only the last one",
                )
            self.source.keys[child] = _position(key_node)
            result[key] = self.walk(value_node, child)
        return result


def _line_col(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def load_yaml(text: str) -> YamlSource:
    """Parse one YAML document. Raises ``YamlError`` for anything that is not a single, well-formed document."""
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # raised while reading the text, before any parsing
        before = text[: exc.position]
        line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        raise YamlError(
            "yaml-syntax",
            f"character {exc.character!r} is not allowed in YAML",
            line,
            column,
            fix="remove the control character",
        ) from exc
    try:
        node = loader.get_single_node()
        if node is None:
            raise YamlError("empty-file", "the file is empty", 1, 1, fix="write the config, or delete the file")
        walker = _Walker(loader)
        walker.source.data = walker.walk(node, ())
        return walker.source
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlError(
            "yaml-syntax", f"YAML syntax error: {problem}", line, column, fix="correct the YAML syntax at this position"
        ) from exc
    except yaml.YAMLError as exc:
        raise YamlError("yaml-syntax", f"YAML error: {exc}", 1, 1, fix="correct the YAML syntax") from exc
    except RecursionError as exc:
        raise YamlError("yaml-syntax", "the document is nested too deeply", 1, 1) from exc
    finally:
        loader.dispose()
