"""``ragops new app NAME --corpus PATH`` and ``ragops new env NAME``: add an app or an environment in one step."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ragops.app.new_app import NewApp, new_app
from ragops.app.new_env import DEFAULT_COMPONENTS, NewEnv, new_env
from ragops.cli import options
from ragops.errors import EXIT_OK
from ragops.layout import ENVIRONMENTS_FILE


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "new",
        help="add an app (config, test-set skeleton, overlays) or an environment (declaration, overlays)",
        description="Scaffold what a new app or a new environment needs; nothing that exists is overwritten.",
    )
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    app = kinds.add_parser(
        "app",
        help="rag-configs/NAME.yaml, a test-set skeleton and the app's overlay in every environment",
        description="Write rag-configs/NAME.yaml (validated), a test-set skeleton beside the corpus "
        "(<corpus>/../testsets/NAME.jsonl with placeholder questions and a README.md; an existing one is used as "
        f"it is) and kustomize/overlays/<env>/NAME/ for every environment declared in {ENVIRONMENTS_FILE}.",
    )
    app.add_argument("name", help="the app's name: lowercase letters, digits and '-'")
    app.add_argument("--corpus", required=True, metavar="PATH", help="the folder of documents, in the repository")
    options.add_root(app)
    options.add_format(app)
    app.set_defaults(run=run_app)
    env = kinds.add_parser(
        "env",
        help=f"declare an environment in {ENVIRONMENTS_FILE} and write every app's overlay in it",
        description=f"Append NAME to {ENVIRONMENTS_FILE} and write kustomize/overlays/NAME/<app>/ for every app. "
        "For a declared environment, write only the overlays that are missing.",
    )
    env.add_argument("name", help="the environment's name: lowercase letters, digits and '-'")
    env.add_argument(
        "--components",
        metavar="LIST",
        help=f"comma-separated Kustomize components (kustomize/components/*) its overlays add "
        f"(default: {','.join(DEFAULT_COMPONENTS)})",
    )
    env.add_argument(
        "--promoted-from", metavar="ENV", help="the environment whose release it receives (ragops promote --from)"
    )
    env.add_argument("--description", default="", help="one line saying what the environment is for")
    options.add_root(env)
    options.add_format(env)
    env.set_defaults(run=run_env)


def _relative(paths: list[Path], root: Path) -> list[str]:
    return [path.relative_to(root).as_posix() for path in paths]


def render_app(result: NewApp, root: Path) -> str:
    lines = [f"new app {result.app}:", *(f"  wrote {p}" for p in _relative(result.written, root))]
    if not result.testset_written:
        lines.append(f"  test set: using the existing {_relative([result.testset], root)[0]}")
    lines += [
        "next: replace the skeleton questions (tagged skeleton), then",
        f"  ragops validate && ragops eval {_relative([result.config], root)[0]}",
        "  and commit: the pull request evaluates the new app",
    ]
    return "\n".join(lines)


def render_env(result: NewEnv, root: Path) -> str:
    name = result.environment.name
    what = "declared" if result.declared else "already declared"
    lines = [f"environment {name} ({what}):", *(f"  wrote {p}" for p in _relative(result.written, root))]
    if not result.written:
        lines.append("  every app has its overlay already: nothing to write")
    lines.append(f"next: commit; promote a run with ragops promote APP --env {name} …")
    return "\n".join(lines)


def run_app(args: argparse.Namespace) -> int:
    root = options.root_from(args).resolve()
    result = new_app(root, args.name, args.corpus)
    if args.format == "json":
        document = {
            "app": result.app,
            "config": _relative([result.config], root)[0],
            "testset": _relative([result.testset], root)[0],
            "testset_written": result.testset_written,
            "written": _relative(result.written, root),
        }
        print(json.dumps(document, indent=2))
    else:
        print(render_app(result, root))
    return EXIT_OK


def run_env(args: argparse.Namespace) -> int:
    root = options.root_from(args).resolve()
    components = [c.strip() for c in args.components.split(",") if c.strip()] if args.components is not None else None
    result = new_env(root, args.name, components, args.promoted_from, args.description)
    if args.format == "json":
        document = {
            "environment": result.environment.model_dump(),
            "declared": result.declared,
            "written": _relative(result.written, root),
        }
        print(json.dumps(document, indent=2))
    else:
        print(render_env(result, root))
    return EXIT_OK
