"""Compile the evaluation and sweep pipelines to KFP IR YAML, and check the checked-in copies are current.

A compiled file is what a cluster runs, so it is checked in and reviewed like code. The staleness check
ignores the KFP SDK version wherever the compiler writes it (the ``sdkVersion`` line, as kubeflow/pipelines' own
golden-file tests do, and any ``kfp==`` pin), so a patch release of the SDK does not make it stale by itself.
Everything else counts, including the component image tag: it follows ``ragops.__version__``, so a release
recompiles the pipeline to name its own image.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from kfp import compiler

from ragops.errors import UsageError
from ragops.pipelines.pipeline import rag_eval_pipeline
from ragops.pipelines.sweep_pipeline import rag_sweep_pipeline

COMPILED = Path(__file__).parent / "compiled" / "rag-eval.yaml"
COMPILED_SWEEP = Path(__file__).parent / "compiled" / "rag-sweep.yaml"
# Name → (pipeline function, its checked-in compiled file).
PIPELINES: dict[str, tuple[Any, Path]] = {
    "eval": (rag_eval_pipeline, COMPILED),
    "sweep": (rag_sweep_pipeline, COMPILED_SWEEP),
}
# What ``normalised`` replaces: the SDK version the compiler records, and a pinned kfp install should one come back.
_SDK_VERSION = re.compile(r"^(\s*sdkVersion:\s*)\S+$", re.MULTILINE)
_KFP_PIN = re.compile(r"\bkfp==[^\s'\"\\]+")


def _function(name: str) -> Any:
    if name not in PIPELINES:
        raise UsageError(f"unknown pipeline {name!r}: one of {', '.join(PIPELINES)}")
    return PIPELINES[name][0]


def compile_to(path: Path, pipeline: str = "eval") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    compiler.Compiler().compile(pipeline_func=_function(pipeline), package_path=str(path))
    return path


def normalised(text: str) -> str:
    """``text`` with every KFP SDK version replaced by a placeholder; what the staleness check compares."""
    return _KFP_PIN.sub("kfp==<version>", _SDK_VERSION.sub(r"\1kfp-<version>", text))


def is_stale(path: Path = COMPILED, pipeline: str = "eval") -> bool:
    if not path.is_file():
        return True
    with tempfile.TemporaryDirectory() as tmp:
        fresh = compile_to(Path(tmp) / "pipeline.yaml", pipeline).read_text(encoding="utf-8")
    return normalised(fresh) != normalised(path.read_text(encoding="utf-8"))
