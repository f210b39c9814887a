"""Turn pydantic validation errors into findings a config author can act on: a path, a code, a fix."""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from ragops.config.diagnostics import Finding
from ragops.config.suggest import did_you_mean

Loc = tuple[str | int, ...]

# Keys whose values name a kind of component; a bad value there is an unknown component type.
_COMPONENT_KEYS = {"type", "provider", "mode", "index", "method", "index_type", "on_error"}
_RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "too_short", "too_long"}


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types behind Optional/Union/Annotated/list[...] (list items for integer path steps)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _model_at(root: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    current: Any = root
    for step in loc:
        if isinstance(step, int):
            candidates = [
                typing.get_args(t)[0] for t in _unwrap(current) if typing.get_origin(t) is list and typing.get_args(t)
            ]
        else:
            models = [t for t in _unwrap(current) if isinstance(t, type) and issubclass(t, BaseModel)]
            field = next((m.model_fields.get(step) or _by_alias(m, step) for m in models), None)
            candidates = [field.annotation] if field is not None else []
        if not candidates:
            return None
        current = candidates[0]
    models = [t for t in _unwrap(current) if isinstance(t, type) and issubclass(t, BaseModel)]
    return models[0] if models else None


def _by_alias(model: type[BaseModel], name: str) -> Any:
    return next((f for f in model.model_fields.values() if f.alias == name), None)


def allowed_keys(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def _describe(loc: Loc) -> str:
    return ".".join(str(p) for p in loc) or "the document"


def _translate(error: Any, root: type[BaseModel]) -> Finding:
    loc: Loc = tuple(error["loc"])
    kind: str = error["type"]
    ctx = error.get("ctx") or {}
    where = _describe(loc)
    if kind == "extra_forbidden":
        parent = _model_at(root, loc[:-1])
        choices = allowed_keys(parent) if parent else []
        hint = did_you_mean(str(loc[-1]), choices) if choices else "remove it"
        return Finding(loc, "unknown-key", f"unknown key '{loc[-1]}' in {_describe(loc[:-1])}", hint, at_key=True)
    if kind == "missing":
        return Finding(
            loc,
            "missing-key",
            f"missing required key '{loc[-1]}' in {_describe(loc[:-1])}",
            f"add '{loc[-1]}:' here",
            at_key=True,
        )
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        value = error.get("input")
        code = "unknown-type" if loc and loc[-1] in _COMPONENT_KEYS else "invalid-value"
        noun = "component type" if code == "unknown-type" else "value"
        return Finding(loc, code, f"unknown {noun} {value!r} for {where}", did_you_mean(str(value), choices))
    if kind in _RANGE_ERRORS:
        return Finding(loc, "out-of-range", f"{where}: {error['msg']}", _range_fix(loc, kind, ctx))
    if kind == "string_pattern_mismatch":
        return Finding(
            loc,
            "invalid-value",
            f"{where}: {error.get('input')!r} does not match {ctx.get('pattern')}",
            _pattern_fix(loc),
        )
    if kind == "value_error":
        return Finding(
            loc,
            "invalid-value",
            f"{where}: {ctx.get('error', error['msg'])!s}",
            "correct the values as the message says",
        )
    return Finding(loc, "invalid-type", f"{where}: {error['msg']}", "correct the value's type")


def _range_fix(loc: Loc, kind: str, ctx: dict[str, Any]) -> str:
    name = loc[-1] if loc and isinstance(loc[-1], str) else "the value"
    bounds = {
        "greater_than": f"set {name} above {ctx.get('gt')}",
        "greater_than_equal": f"set {name} to at least {ctx.get('ge')}",
        "less_than": f"set {name} below {ctx.get('lt')}",
        "less_than_equal": f"set {name} to at most {ctx.get('le')}",
        "too_short": f"give {name} at least {ctx.get('min_length')} item(s) or character(s)",
        "too_long": f"shorten {name} to at most {ctx.get('max_length')}",
    }
    return bounds[kind]


def _pattern_fix(loc: Loc) -> str:
    last = loc[-1] if loc else ""
    if last == "name":
        return "use lowercase letters, digits and '-' (a DNS-1123 label, at most 63 characters)"
    if last == "api_key_env":
        return "name an environment variable, e.g. OPENAI_API_KEY"
    if last == "metric":
        return "write a metric name like f1 or hit_rate@5"
    return "correct the value"


def diagnostics_from_validation_error(exc: ValidationError, root: type[BaseModel]) -> list[Finding]:
    found = [_translate(error, root) for error in exc.errors(include_url=False)]
    # A wrong key deep inside a block often also makes pydantic report the block's union alternatives;
    # keep one finding per path so each mistake is reported once.
    unique: dict[Loc, Finding] = {}
    for item in found:
        unique.setdefault(item.path, item)
    return list(unique.values())
