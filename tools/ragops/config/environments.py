"""The deployment environments, declared once: ``kustomize/environments.yaml``.

Each environment has a name (the overlay folder ``kustomize/overlays/<name>/<app>/`` and the namespace
``ragops-<name>``), the Kustomize components its overlays add to the base (``kustomize/components/<name>``), and
optionally the environment whose release it receives (``promoted_from``: ``ragops promote APP --from staging --to
production``). The order is the promotion order. ``ragops promote``, ``ragops release status``, ``ragops new app``
and ``ragops new env`` read this file and nothing else; ``ragops new env`` adds to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from ragops.errors import UsageError, ValidationFailed
from ragops.layout import ENVIRONMENTS_FILE

# A Kubernetes label value and namespace part: lowercase letters, digits and '-'.
NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$"
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]


class Environment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name = Field(description="The overlay folder kustomize/overlays/<name>/ and the namespace ragops-<name>.")
    components: list[Name] = Field(
        default_factory=list, description="Kustomize components (kustomize/components/<name>) its overlays add."
    )
    promoted_from: Name | None = Field(
        None, description="The environment whose release it receives (ragops promote APP --from X --to this)."
    )
    description: str = ""


class Environments(BaseModel):
    """``kustomize/environments.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="Environments")

    environments: list[Environment] = Field(min_length=1, description="In promotion order.")

    @model_validator(mode="after")
    def _consistent(self) -> Environments:
        seen: set[str] = set()
        for environment in self.environments:
            if environment.name in seen:
                raise ValueError(f"environment {environment.name!r} is declared twice")
            if environment.promoted_from is not None and environment.promoted_from not in seen:
                raise ValueError(
                    f"{environment.name!r} is promoted from {environment.promoted_from!r}, which is not declared "
                    "before it"
                )
            seen.add(environment.name)
        return self

    @property
    def names(self) -> list[str]:
        return [environment.name for environment in self.environments]

    def get(self, name: str) -> Environment:
        """The environment ``name``; a UsageError listing the declared ones when there is none."""
        for environment in self.environments:
            if environment.name == name:
                return environment
        raise UsageError(
            f"{name!r} is not a declared environment ({', '.join(self.names)}; see {ENVIRONMENTS_FILE}): add one "
            f"with 'ragops new env {name}'"
        )


def environments_file(root: Path) -> Path:
    return root / ENVIRONMENTS_FILE


def load_environments(root: Path) -> Environments:
    path = environments_file(root)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no environments declared; write it, or run 'ragops new env NAME'") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ValidationFailed(f"{path}: cannot read the environments ({exc})") from None
    try:
        return Environments.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in exc.errors()[:5])
        raise ValidationFailed(f"{path}: {problems}") from None
