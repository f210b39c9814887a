"""Use case ``ragops new env NAME``: declare an environment and give every app an overlay in it.

The environment is appended to ``kustomize/environments.yaml`` (the one declaration; comments and order kept) with
its Kustomize components and, optionally, the environment it receives releases from. Then every app
(``rag-configs/*.yaml``) gets ``kustomize/overlays/NAME/<app>/`` from the one overlay template. Run again for a
declared environment, it only writes the overlays that are missing (an app added by hand, say). Nothing is
written when a check fails, and no existing overlay is touched.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ragops.config.environments import NAME_PATTERN, Environment, Environments, environments_file, load_environments
from ragops.config.loader import load_app_config
from ragops.errors import UsageError, ValidationFailed
from ragops.files import create_files, write_atomic
from ragops.gitops.overlay_template import overlay_files
from ragops.layout import COMPONENTS_FOLDER, CONFIG_DIR, KUSTOMIZE_DIR, is_config_file, overlay_dir

DEFAULT_COMPONENTS = ("monitoring",)


@dataclass(frozen=True)
class NewEnv:
    environment: Environment
    declared: bool  # False: it was declared already
    written: list[Path] = field(default_factory=list)


def _declaration(environment: Environment) -> str:
    lines = [f"  - name: {environment.name}"]
    if environment.description:
        lines.append(f"    description: {json.dumps(environment.description, ensure_ascii=False)}")
    lines.append(f"    components: [{', '.join(environment.components)}]")
    if environment.promoted_from:
        lines.append(f"    promoted_from: {environment.promoted_from}")
    return "\n".join(lines) + "\n"


def _declare(root: Path, declared: Environments, environment: Environment) -> str:
    """The environments file with ``environment`` appended, checked to read back as exactly that."""
    path = environments_file(root)
    text = path.read_text(encoding="utf-8")
    updated = text + ("" if text.endswith("\n") else "\n") + _declaration(environment)
    try:
        reread = Environments.model_validate(yaml.safe_load(updated))
    except (yaml.YAMLError, ValueError):
        reread = None
    if reread is None or reread.environments != [*declared.environments, environment]:
        raise ValidationFailed(
            f"{path}: cannot append {environment.name!r} (the list of environments is not the file's last block); "
            f"add it by hand:\n{_declaration(environment)}"
        )
    return updated


def _apps(root: Path) -> dict[str, tuple[str, str | None]]:
    """App name → its config's text and its LLM's endpoint variable, for every app in ``rag-configs/``."""
    apps: dict[str, tuple[str, str | None]] = {}
    for path in sorted((root / CONFIG_DIR).glob("*")):
        if is_config_file(path):
            config = load_app_config(path, root)
            apps[config.name] = (path.read_text(encoding="utf-8"), config.spec.llm.base_url_env)
    return apps


def new_env(
    root: Path, name: str, components: list[str] | None = None, promoted_from: str | None = None, description: str = ""
) -> NewEnv:
    root = root.resolve()
    if not re.fullmatch(NAME_PATTERN, name):
        raise UsageError(
            f"environment {name!r}: use lowercase letters, digits and '-' (at most 42; it names a namespace)"
        )
    declared = load_environments(root)
    if name in declared.names:
        environment = declared.get(name)
        asked = Environment(
            name=name,
            components=components if components is not None else environment.components,
            promoted_from=promoted_from if promoted_from is not None else environment.promoted_from,
            description=description or environment.description,
        )
        if asked != environment:
            raise UsageError(
                f"{name!r} is declared already with other settings; edit {environments_file(root).relative_to(root)}"
            )
        env_file_text = None
    else:
        try:
            environment = Environment(
                name=name,
                components=list(components if components is not None else DEFAULT_COMPONENTS),
                promoted_from=promoted_from,
                description=description,
            )
        except ValueError:
            raise UsageError(f"environment {name!r}: components are names of kustomize/components/* folders") from None
        if promoted_from is not None:
            declared.get(promoted_from)
        env_file_text = _declare(root, declared, environment)
    for component in environment.components:
        if not (root / KUSTOMIZE_DIR / COMPONENTS_FOLDER / component / "kustomization.yaml").is_file():
            raise UsageError(f"component {component!r}: no {KUSTOMIZE_DIR}/{COMPONENTS_FOLDER}/{component}/")
    files: dict[Path, str] = {}
    for app, (text, llm_base_url_env) in _apps(root).items():
        overlay = overlay_dir(root, environment.name, app)
        if not overlay.exists():
            generated = overlay_files(environment, app, text, llm_base_url_env)
            files.update({overlay / file: body for file, body in generated.items()})
    written = create_files(files)
    if env_file_text is not None:
        try:
            write_atomic(environments_file(root), env_file_text)
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
        written.append(environments_file(root))
    return NewEnv(environment, env_file_text is not None, written)
