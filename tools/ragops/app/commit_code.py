"""Evaluating a checkout of another commit with the ragops code committed in it, not with the code running here.

A pull request that changes ``tools/ragops`` changes what an evaluation computes; its base must be evaluated by
the base's code, or the diff would show the head's code on both sides and hide the change. Python imports the
package from the first folder on its path, so ``ragops eval`` runs as a child process with the checkout's
``tools/`` first on ``PYTHONPATH``; the KFP runner's step processes inherit it. The installed packages (torch,
kfp, …) stay those of this environment. The child's output reaches this process's stderr line by line (as JSON
lines when logging is JSON).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ragops import logs
from ragops.app.evaluate import Evaluator
from ragops.errors import (
    EXIT_INFRA,
    EXIT_USAGE,
    InfrastructureError,
    RagopsError,
    UsageError,
    ValidationFailed,
)
from ragops.layout import PACKAGE_DIR


def _failure(code: int, commit: str) -> RagopsError:
    what = f"evaluating the base {commit[:12]} with its own ragops code ({PACKAGE_DIR} at that commit) failed"
    hint = "its messages are above; to compare with a stored run of the base instead, pass --base-run DIR"
    if code == EXIT_INFRA:
        return InfrastructureError(f"{what}: something it needs was unreachable; {hint}")
    if code == EXIT_USAGE:
        return UsageError(f"{what} (exit {code}: that ragops may not know these options); {hint}")
    return ValidationFailed(f"{what} (exit {code}); {hint}")


def evaluator_of_commit(tree: Path, commit: str, state: Path) -> Evaluator:
    """An evaluator that runs ``ragops eval`` with the code of ``tree`` (a checkout of ``commit``)."""

    def run(config: Path, root: Path, out: Path | None, force: bool) -> Path:
        if out is None:
            raise ValueError("the base is evaluated into a known run folder")
        path = [str(tree / Path(PACKAGE_DIR).parent), *filter(None, [os.environ.get("PYTHONPATH")])]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(path), logs.FORMAT_ENV: logs.current_format()}
        command = [sys.executable, "-m", "ragops.cli.main", "eval", str(config), "--root", str(root)]
        command += ["--state-dir", str(state), "--out", str(out), *(["--force"] if force else [])]
        with subprocess.Popen(
            command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as child:
            assert child.stdout is not None
            for line in child.stdout:
                sys.stderr.write(line)
            code = child.wait()
        if code != 0:
            raise _failure(code, commit)
        return out

    return run
