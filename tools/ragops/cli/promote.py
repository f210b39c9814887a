"""``ragops promote APP``: write a verified release into an environment's Kustomize overlay."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ragops.app.promote import promote, promote_between, source_environment
from ragops.cli import options
from ragops.errors import EXIT_OK, UsageError
from ragops.github.step_outputs import append_outputs
from ragops.gitops.overlay_files import Promotion
from ragops.layout import ENVIRONMENTS_FILE


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "promote",
        help="write a verified release into kustomize/overlays/<env>/<app>/",
        description="Promote an evaluation run (--env ENV --run RUN_DIR --index-uri URI --index-digest sha256:…) or "
        "the release another environment deploys (--from staging --to production). Writes app.yaml, release.json, "
        "release.env and the image digest; the same state promoted twice changes no byte. Refuses a run whose gates "
        "fail or that does not match the checkout (commit, config, corpus, test sets). Commit the result: Argo CD "
        "or Flux deploys it; roll back with git revert of that commit.",
    )
    parser.add_argument("app", help="the app (rag-configs/APP.yaml)")
    parser.add_argument("--env", help="the environment to promote the run to (staging, production)")
    parser.add_argument(
        "--run", dest="run_dir", type=Path, metavar="RUN_DIR", help="the evaluation run folder of this checkout"
    )
    parser.add_argument("--index-uri", help="the published index artifact (…/sha256-<hex>.tar in file:// or s3://)")
    parser.add_argument("--index-digest", help="its digest, sha256:<hex>, as 'ragops index --publish' prints")
    parser.add_argument("--image", help="the service image pinned by digest (default: keep the overlay's)")
    parser.add_argument(
        "--from",
        dest="source",
        metavar="ENV",
        help="copy the release this environment deploys… (default with --to: the environment it is promoted "
        f"from in {ENVIRONMENTS_FILE})",
    )
    parser.add_argument("--to", dest="target", metavar="ENV", help="…to this environment, unchanged")
    options.add_root(parser)
    options.add_format(parser)
    options.add_github_output(parser, "overlay, release_id, changed (true/false), source and environment")
    parser.set_defaults(run=run)


def render(result: Promotion, root: Path) -> str:
    release = result.release
    where = (
        result.overlay.relative_to(root.resolve()) if result.overlay.is_relative_to(root.resolve()) else result.overlay
    )
    if not result.changed:
        return f"{where}: already deploys release {release.release_id}; nothing changed"
    before = result.previous.release_id if result.previous is not None else "nothing (placeholder)"
    lines = [
        f"{where}: release {release.release_id} (was {before})",
        f"  commit {release.commit[:12]}  index {release.index.digest[:19]}…  gate {release.evaluation.gate}",
        "  changed: " + ", ".join(path.name for path in result.changed),
        "  next: commit these files; Argo CD or Flux deploys them (roll back with git revert of that commit)",
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    root = options.root_from(args)
    source = None
    if args.source or args.target:
        if not args.target:
            raise UsageError("--from goes with --to: ragops promote APP --from staging --to production")
        if args.env or args.run_dir or args.index_uri or args.index_digest or args.image:
            raise UsageError("--from/--to copy a release unchanged: they take no --env, --run, --index-* or --image")
        source = args.source or source_environment(args.target, root)
        result = promote_between(args.app, source, args.target, root)
    else:
        needed = {"--env": args.env, "--run": args.run_dir, "--index-uri": args.index_uri}
        needed["--index-digest"] = args.index_digest
        missing = [flag for flag, value in needed.items() if not value]
        if missing:
            raise UsageError(f"promoting a run needs {', '.join(missing)} (or --from ENV --to ENV to copy a release)")
        result = promote(
            args.app,
            args.env,
            args.run_dir,
            root,
            index_uri=args.index_uri,
            index_digest=args.index_digest,
            image=args.image,
        )
    github_output = options.github_output_file(args)
    if github_output is not None:
        values = {
            "overlay": str(result.overlay),
            "release_id": result.release.release_id,
            "changed": "true" if result.changed else "false",
            "source": source or "",
            "environment": result.release.environment,
        }
        append_outputs(github_output, values)
    if args.format == "json":
        document = {
            "overlay": str(result.overlay),
            "changed": [str(path) for path in result.changed],
            "previous_release_id": result.previous.release_id if result.previous is not None else None,
            "release": result.release.model_dump(mode="json"),
        }
        print(json.dumps(document, indent=2))
    else:
        print(render(result, root))
    return EXIT_OK
