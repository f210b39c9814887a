"""Load YAML keeping where every value came from, and refusing what plain ``yaml.safe_load`` lets slip.

``load_yaml`` returns plain Python data plus a map from each value's path (a tuple of keys and list indexes)
to its position in the file, so errors found later — by pydantic or by semantic checks — can name the line
and column. Duplicate keys (which PyYAML silently overwrites) and recursive aliases are errors.

Loading is bounded, because configs arrive in pull requests: a document larger than ``MAX_DOCUMENT_CHARS``, with
more than ``MAX_NODES`` values, or whose aliases reach more than ``MAX_ALIAS_NODES`` values (an alias counts every
value it expands to) is refused at once — a "billion laughs" file would otherwise take minutes and gigabytes — and
so is a merge key (``<<``) that would build a mapping of more than ``MAX_NODES`` entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path_ = tuple[str | int, ...]

# Deeply nested input is never a real config; bounding it keeps hostile input from exhausting the stack.
_MAX_DEPTH = 64
# Far above any real config (the sample apps have ~100 values and no aliases), far below what hurts.
MAX_DOCUMENT_CHARS = 1 << 20
MAX_ALIAS_NODES = 10_000
MAX_NODES = 20_000


@dataclass(frozen=True)
class Position:
    """1-based line and column of a node, and the scalar style ('|', '>', '"', "'", or '' for plain)."""

    line: int
    column: int
    style: str = ""


@dataclass
class YamlSource:
    """Parsed YAML data with the positions of every value and of every mapping key, and the character span
    (start, end offsets into the text) of every value, which is what an in-place edit replaces."""

    data: Any
    values: dict[Path_, Position] = field(default_factory=dict)
    keys: dict[Path_, Position] = field(default_factory=dict)
    spans: dict[Path_, tuple[int, int]] = field(default_factory=dict)

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


def _too_large(what: str, node: yaml.Node | yaml.Event) -> YamlError:
    return YamlError(
        "yaml-too-large",
        f"{what}: refused, as a config never needs that many (an alias bomb?)",
        *_line_col(node),
        fix="write the values out, or use fewer aliases (*name) and merge keys (<<)",
    )


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader whose merge-key flattening cannot grow a mapping without bound (``<<: [*a, *a]`` per level
    doubles it: 30 levels would be a billion entries, built before any value is read)."""

    composed = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        # Counted while parsing, so a long flat document stops early instead of being parsed whole first.
        self.composed += 1
        if self.composed > MAX_NODES:
            raise _too_large(f"more than {MAX_NODES} values", self.peek_event())  # type: ignore[no-untyped-call]
        return super().compose_node(parent, index)

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        super().flatten_mapping(node)  # recurses through this override, so every level is checked
        if len(node.value) > MAX_NODES:
            raise _too_large(f"merge keys expand this mapping to more than {MAX_NODES} entries", node)


class _Walker:
    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.source = YamlSource(data=None)
        self.active: set[int] = set()
        self.seen: set[int] = set()  # nodes walked once; walking one again is an alias expansion
        self.alias_nodes = 0
        self.nodes = 0

    def _count(self, node: yaml.Node) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _too_large(f"more than {MAX_NODES} values once aliases are expanded", node)
        if id(node) in self.seen:
            self.alias_nodes += 1
            if self.alias_nodes > MAX_ALIAS_NODES:
                raise _too_large(f"aliases expand to more than {MAX_ALIAS_NODES} values (this one, repeatedly)", node)
        else:
            self.seen.add(id(node))

    def walk(self, node: yaml.Node, path: Path_) -> Any:
        if len(path) > _MAX_DEPTH:
            raise YamlError("yaml-syntax", f"nesting deeper than {_MAX_DEPTH} levels", *_line_col(node))
        self._count(node)
        if id(node) in self.active:
            raise YamlError(
                "yaml-syntax",
                "recursive alias: the value anchored here contains an alias to itself",
                *_line_col(node),
                fix="remove the alias (*name) that points back to its own anchor",
            )
        self.source.values[path] = _position(node)
        self.source.spans[path] = (node.start_mark.index, node.end_mark.index)
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


def _line_col(node: yaml.Node | yaml.Event) -> tuple[int, int]:
    mark = node.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def load_yaml_data(text: str) -> Any:
    """Plain data of one YAML document within the same bounds (for files that are not configs, e.g. ``.dvc``).

    Raises ``YamlError``; mapping keys are the source text of each key, as in ``load_yaml``."""
    return load_yaml(text).data


def load_yaml(text: str) -> YamlSource:
    """Parse one YAML document. Raises ``YamlError`` for anything that is not a single, well-formed document,
    or one beyond the bounds above."""
    if len(text) > MAX_DOCUMENT_CHARS:
        line = text.count("\n", 0, MAX_DOCUMENT_CHARS) + 1
        raise YamlError(
            "yaml-too-large",
            f"the document is longer than {MAX_DOCUMENT_CHARS} characters",
            line,
            1,
            fix="a config is a few kilobytes: move data out of it",
        )
    try:
        loader = _BoundedLoader(text)
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
