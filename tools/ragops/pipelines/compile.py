"""Compile the evaluation and sweep pipelines to KFP IR YAML, and check the checked-in copies are current.

A compiled file is what a cluster runs, so it is checked in and reviewed like code. The staleness check
ignores the KFP SDK version wherever the compiler writes it (the ``sdkVersion`` line, as kubeflow/pipelines' own
golden-file tests do, and any ``kfp==`` pin), so a patch release of the SDK does not make it stale by itself.
Everything else counts, including the component image tag: it follows ``ragops.__version__``, so a release
recompiles the pipeline to name its own image.

KFP (2.17) names the components of loops inside sub-pipelines (the sweep pipeline's) in the iteration order of a
protobuf map, which changes from process to process: the same pipeline compiles to differently named — equally
valid — files. ``compile_to`` renames those loop components in the order a walk of the pipeline meets them, so the
checked-in file is a function of the pipeline alone.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import yaml
from kfp import compiler

from ragops.errors import UsageError
from ragops.files import write_atomic
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


_LOOP_COMPONENT = re.compile(r"comp-for-loop-\d+(?:-\d+)*")


def canonical_loop_names(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` (a compiled pipeline spec) with its loop components named comp-for-loop-1, -2, … in the order a
    depth-first walk from the root meets them (tasks by name), every reference renamed alike."""
    components: dict[str, Any] = spec["components"]
    met: list[str] = []

    def walk(dag: dict[str, Any]) -> None:
        for name in sorted(dag.get("tasks", {})):
            ref = dag["tasks"][name]["componentRef"]["name"]
            if ref not in met:
                met.append(ref)
                walk(components[ref].get("dag", {}))

    walk(spec["root"]["dag"])
    loops = [name for name in met if _LOOP_COMPONENT.fullmatch(name)]
    renamed = {old: f"comp-for-loop-{i}" for i, old in enumerate(loops, start=1)}
    spec["components"] = {renamed.get(name, name): component for name, component in components.items()}
    for dag in [spec["root"]["dag"], *(c["dag"] for c in spec["components"].values() if "dag" in c)]:
        for task in dag.get("tasks", {}).values():
            task["componentRef"]["name"] = renamed.get(task["componentRef"]["name"], task["componentRef"]["name"])
    return spec


def compile_to(path: Path, pipeline: str = "eval") -> Path:
    function = _function(pipeline)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "pipeline.yaml"
        compiler.Compiler().compile(pipeline_func=function, package_path=str(fresh))
        text = fresh.read_text(encoding="utf-8")
    # The compiler writes a comment header, then the documents with yaml.dump_all(sort_keys=True): so do we.
    header_end = 0
    for line in text.splitlines(keepends=True):
        if not line.startswith("#"):
            break
        header_end += len(line)
    documents = list(yaml.safe_load_all(text[header_end:]))
    documents[0] = canonical_loop_names(documents[0])
    return write_atomic(path, text[:header_end] + yaml.dump_all(documents, sort_keys=True))


def normalised(text: str) -> str:
    """``text`` with every KFP SDK version replaced by a placeholder; what the staleness check compares."""
    return _KFP_PIN.sub("kfp==<version>", _SDK_VERSION.sub(r"\1kfp-<version>", text))


def is_stale(path: Path = COMPILED, pipeline: str = "eval") -> bool:
    if not path.is_file():
        return True
    with tempfile.TemporaryDirectory() as tmp:
        fresh = compile_to(Path(tmp) / "pipeline.yaml", pipeline).read_text(encoding="utf-8")
    return normalised(fresh) != normalised(path.read_text(encoding="utf-8"))
