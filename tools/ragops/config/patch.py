"""Apply settings to a config file's text: the edit a sweep proposes (``ragops sweep --write``).

Each setting is written where the file keeps it — its full-form path, or for a short-form config the short-form
key that holds it — by ``yaml_edit``, which keeps every comment and the layout. The edited text is read back as a
config and must mean exactly the config the sweep evaluated; otherwise the patch is refused (a setting the short
form cannot express, say), never written half right.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ValidationError

from ragops.config.models import AppConfig
from ragops.config.overrides import Override
from ragops.config.shortform import ShortFormConfig, normalise, short_leaf
from ragops.config.yaml_edit import set_values
from ragops.config.yamlsource import YamlError, load_yaml
from ragops.errors import ValidationFailed

_FULL_MARKERS = {"apiVersion", "kind", "metadata", "spec"}


def _read_back(text: str, default_name: str) -> AppConfig:
    data = load_yaml(text).data
    model: type[BaseModel] = AppConfig if isinstance(data, dict) and set(data) & _FULL_MARKERS else ShortFormConfig
    parsed = model.model_validate(data)
    return parsed if isinstance(parsed, AppConfig) else normalise(parsed, default_name)  # type: ignore[arg-type]


def patch_config(text: str, overrides: Sequence[Override], expected: AppConfig, default_name: str) -> str:
    """``text`` with every override written in; ``ValidationFailed`` when the file cannot say them as evaluated.

    ``default_name`` is the file name without its suffix (a short-form config's app name when it has none)."""
    try:
        data = load_yaml(text).data
    except YamlError as exc:
        raise ValidationFailed(f"line {exc.line}: {exc.message}") from None
    short = not (isinstance(data, dict) and set(data) & _FULL_MARKERS)
    edits = []
    for override in overrides:
        path = short_leaf(override.path) if short else override.path
        if path is None:
            raise ValidationFailed(
                f"{override.key} has no place in a short-form config: convert it to the full form "
                "(apiVersion, kind, metadata, spec) to keep this setting"
            )
        edits.append((path, override.value))
    edited = set_values(text, edits)
    try:
        result = _read_back(edited, default_name)
    except (YamlError, ValidationError) as exc:
        raise ValidationFailed(f"the edited config does not validate ({exc}): edit it by hand") from None
    if result != expected:
        raise ValidationFailed("the edited config does not mean the setting that was evaluated: edit it by hand")
    return edited
