"""Settings named by dotted keys (``retrieval.fusion.k=20``): resolve a key against the config schema, read its
values, and apply a set of them to a config.

Keys are paths under ``spec`` (``spec.`` may be written or left out); a unique tail of a path is enough
(``fusion.k`` is ``retrieval.fusion.k``). Only scalar settings that shape how an app indexes, retrieves and answers
can be set: ``spec.data`` and ``spec.evaluation`` (what the app is measured on, and how) are not settings to tune,
and lists or mappings are not values a grid can step through. Values are YAML scalars (``5``, ``1.5``, ``true``,
``null``, ``hybrid``), checked by the schema once applied.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from ragops.config.models import AppConfig, AppSpec
from ragops.errors import UsageError

Scalar = str | int | float | bool | None
Path_ = tuple[str, ...]

# Sections of spec that are not settings of the app: its data and how it is evaluated.
FIXED_SECTIONS = ("data", "evaluation")


@dataclass(frozen=True)
class Override:
    """One setting: the full path of a scalar (``("spec", "retrieval", "fusion", "k")``) and its value."""

    path: Path_
    value: Scalar

    @property
    def key(self) -> str:
        """The dotted key under spec, as users write it: ``retrieval.fusion.k``."""
        return ".".join(self.path[1:])

    def render(self) -> str:
        return f"{self.key}={format_value(self.value)}"


def format_value(value: Scalar) -> str:
    """A value as it reads in a YAML file and on a command line: ``5``, ``1.5``, ``true``, ``null``, ``hybrid``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _unwrap(annotation: Any) -> list[Any]:
    """The member types of an annotation (``X | None`` → ``[X, NoneType]``; ``Annotated`` stripped)."""
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        return [member for arg in get_args(annotation) for member in _unwrap(arg)]
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    return [annotation]


def _is_model(member: Any) -> bool:
    return isinstance(member, type) and issubclass(member, BaseModel)


def _is_scalar(member: Any) -> bool:
    return member in (str, int, float, bool, type(None)) or get_origin(member) is Literal


def _walk(model: type[BaseModel], prefix: Path_) -> Iterator[tuple[Path_, bool]]:
    """Every field path under ``model`` with whether it is a scalar (a settable leaf)."""
    for name, field in model.model_fields.items():
        path = (*prefix, name)
        members = _unwrap(field.annotation)
        models = [m for m in members if _is_model(m)]
        if models:
            for nested in models:
                yield from _walk(nested, path)
        else:
            yield path, all(_is_scalar(m) for m in members)


def _settable() -> dict[Path_, bool]:
    return {path: scalar for path, scalar in _walk(AppSpec, ("spec",)) if path[1] not in FIXED_SECTIONS}


SETTABLE: dict[Path_, bool] = _settable()
"""Every path under spec outside its data and evaluation, with whether it is a scalar that can be set."""


def resolve_key(key: str) -> Path_:
    """The full path of a dotted key; ``UsageError`` naming the fix for an unknown, ambiguous or fixed key."""
    parts = tuple(p for p in key.strip().split("."))
    if not key.strip() or any(not p for p in parts):
        raise UsageError(f"{key!r} is not a dotted config key (e.g. retrieval.fusion.k)")
    if parts[0] == "spec":
        parts = parts[1:]
    if parts and parts[0] in FIXED_SECTIONS:
        raise UsageError(
            f"{key}: spec.{parts[0]} is what the app is evaluated on and how, not a setting to tune; "
            "a sweep compares settings on the same questions with the same metrics"
        )
    matches = [path for path in SETTABLE if path[-len(parts) :] == parts] if parts else []
    exact = [path for path in matches if path[1:] == parts]
    if exact:
        matches = exact
    if not matches:
        raise UsageError(f"{key} is not a config setting{_suggest('.'.join(parts))}")
    if len(matches) > 1:
        listed = ", ".join(".".join(path[1:]) for path in sorted(matches))
        raise UsageError(f"{key} is ambiguous: it ends {listed}; write more of the path")
    (path,) = matches
    if not SETTABLE[path]:
        raise UsageError(f"{'.'.join(path[1:])} is a list or mapping: only single values (numbers, names) can be set")
    return path


def _suggest(key: str) -> str:
    """``: did you mean …?`` with the closest settable keys (matched whole and by their tails), or nothing."""
    keys = [".".join(path[1:]) for path, scalar in SETTABLE.items() if scalar]
    tails = {".".join(k.split(".")[i:]): k for k in keys for i in range(k.count(".") + 1)}
    close = difflib.get_close_matches(key, list(tails), n=3, cutoff=0.6)
    found = list(dict.fromkeys(tails[c] for c in close))
    return f": did you mean {' or '.join(found)}?" if found else " (keys are paths under spec, e.g. retrieval.top_k)"


def parse_value(text: str) -> Scalar:
    """A value as YAML reads it: ``5`` an int, ``1.5`` a float, ``true`` a bool, ``null`` None, else text."""
    try:
        value = yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        value = text
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return text  # a list or mapping in flow style, or a date: keep the text, the schema says what it must be


def parse_assignment(text: str) -> tuple[Path_, list[Scalar]]:
    """``KEY=V1,V2,…`` → the key's path and its values (duplicates dropped, order kept)."""
    key, sep, raw = text.partition("=")
    if not sep or not raw.strip():
        raise UsageError(f"--set {text!r}: write KEY=VALUE[,VALUE…], e.g. retrieval.fusion.k=5,10,20")
    path = resolve_key(key)
    values: list[Scalar] = []
    seen: set[tuple[str, Scalar]] = set()
    for item in raw.split(","):
        value = parse_value(item.strip())
        if (type(value).__name__, value) not in seen:
            seen.add((type(value).__name__, value))
            values.append(value)
    return path, values


def _set(tree: dict[str, Any], path: Path_, value: Scalar) -> None:
    node = tree
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):  # an optional block that is unset (null): start it empty
            child = {}
            node[part] = child
        node = child
    node[path[-1]] = value


def apply_overrides(config: AppConfig, overrides: Sequence[Override]) -> AppConfig:
    """``config`` with every override set, validated by the schema; ``UsageError`` naming the setting otherwise."""
    tree = config.model_dump(mode="json", by_alias=True, exclude_unset=False)
    for override in overrides:
        _set(tree, override.path, override.value)
    try:
        return AppConfig.model_validate(tree)
    except ValidationError as exc:
        shown = " ".join(o.render() for o in overrides)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'][1:])}: {error['msg']}" for error in exc.errors(include_url=False)
        )
        raise UsageError(f"{shown}: not a valid setting ({problems})") from None
