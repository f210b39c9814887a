"""Use case ``ragops sweep``: try settings of an app's config, select one honestly, and propose the change.

1. The settings: the union of the grids (``--set``, ``--or``), each applied to the config and checked. Points equal
   to the current config, duplicates and invalid combinations are left out and listed; when more remain than the
   budget, a seeded random sample of the budget is tried.
2. The split: the app's questions, by question-id hash, into a tuning part and a held-out confirmation part
   (``evaluation.split``), recorded in the result.
3. Tuning: the current config and every setting through the sweep pipeline on the tuning part, in one run that
   shares the index and the embeddings between settings that do not change them.
4. Selection (``evaluation.sweep.selection``): paired statistics against the current config, Holm's correction,
   the gates. It sees the tuning part only.
5. Confirmation: the current config and the selected setting (if any) on the held-out part — the one look at it,
   reported as the expected effect.
6. The patch: the config file with the selected setting, comments and layout kept; ``write`` applies it.

The sweep folder holds ``sweep.json``, ``sweep.md`` and ``sweep.patch`` — byte-identical for the same inputs —
and each evaluation's run folder (``tuning/<id>``, ``confirmation/<id>``). It is assembled beside its final place
and renamed into it when complete.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ragops import logs
from ragops.app.evaluate import new_run_id
from ragops.app.preflight import load_app
from ragops.config.app_data import testset_paths
from ragops.config.checks import check_config
from ragops.config.diagnostics import Severity
from ragops.config.gate import GatePolicy, load_defaults
from ragops.config.grid import DEFAULT_BUDGET, Grid, Point, describe, make_grid, sample, union
from ragops.config.loader import display_path
from ragops.config.models import AppConfig
from ragops.config.overrides import Override, apply_overrides, format_value, parse_assignment
from ragops.config.patch import patch_config
from ragops.config.testset import QuestionRecord, load_testset
from ragops.config.yaml_edit import unified_diff
from ragops.errors import RagopsError, UsageError, ValidationFailed
from ragops.evaluation.metrics import Direction
from ragops.evaluation.run_folder import RunContents, RunFolder
from ragops.evaluation.split import Part, SplitSpec, select
from ragops.evaluation.sweep import sweep_md
from ragops.evaluation.sweep.model import SearchInfo, SettingChange, SettingOutcome, SplitInfo, SweepResult
from ragops.evaluation.sweep.selection import (
    DEFAULT_ALPHA,
    check_objective,
    compare_settings,
    confirm,
    default_objective,
)
from ragops.files import replace_folder, temporary_sibling, write_atomic
from ragops.hashing import canonical_sha256
from ragops.layout import kfp_state_dir, runs_dir
from ragops.pipelines.events import StepCallback
from ragops.progress import StepProgressCallback

CURRENT = "current"  # the id of the current config among the evaluated settings
# Fewer questions than this in a part and no comparison on it can mean anything.
MIN_PART_QUESTIONS = 5
SWEEP_JSON, SWEEP_MD, SWEEP_PATCH = "sweep.json", "sweep.md", "sweep.patch"

# Evaluates settings ((id, config) pairs) on one part of the split and leaves each run folder at <folder>/<id>.
SweepBackend = Callable[[Sequence[tuple[str, AppConfig]], Part, Path], None]


@dataclass(frozen=True)
class SweepRequest:
    """What to try and how to judge it."""

    grids: Sequence[Sequence[str]]  # per grid, its ``KEY=V1,V2,…`` assignments
    budget: int = DEFAULT_BUDGET
    seed: int = 0
    objective: str | None = None  # None: the app's first blocking gate metric
    alpha: float = DEFAULT_ALPHA
    split: SplitSpec = field(default_factory=SplitSpec)


@dataclass
class SweepOutcome:
    result: SweepResult
    out_dir: Path
    written: Path | None = None  # the config file --write changed
    write_refused: str | None = None  # why --write did not change it
    seconds: float = 0.0


@dataclass(frozen=True)
class Plan:
    """The settings to try, each with its changes and config, and what was left out."""

    settings: list[tuple[Point, AppConfig]]
    grids: list[Grid]
    size: int
    sampled: bool
    skipped: list[str]


def _render(point: Point) -> str:
    return " ".join(o.render() for o in point)


def plan_settings(config: AppConfig, request: SweepRequest, config_file: Path) -> Plan:
    """The settings to try. A value invalid on its own is a usage error; a combination the config checks refuse
    (chunk_overlap ≥ chunk_size, say) is skipped and listed, as are points equal to the current config."""
    if not request.grids or not any(request.grids):
        raise UsageError("nothing to try: give at least one --set KEY=V1,V2,…")
    grids = []
    for assignments in request.grids:
        if not assignments:
            raise UsageError("--or starts a grid with no --set after it")
        grid = make_grid([parse_assignment(text) for text in assignments])
        for axis in grid:
            for value in axis.values:
                apply_overrides(config, [Override(axis.path, value)])  # names the bad value, e.g. fusion.k=0
        grids.append(grid)
    valid: list[tuple[Point, AppConfig]] = []
    skipped: list[str] = []
    seen: dict[str, Point] = {}  # config hash → the first point that gave it
    for point in union(grids):
        try:
            candidate = apply_overrides(config, point)
        except UsageError as exc:
            skipped.append(f"{_render(point)}: {exc.message}")
            continue
        errors = [f for f in check_config(candidate, config_file) if f.severity is Severity.ERROR]
        if errors:
            skipped.append(f"{_render(point)}: {errors[0].message}")
        elif candidate == config:
            skipped.append(f"{_render(point)}: the current config")
        elif (digest := canonical_sha256(candidate.model_dump(mode="json", by_alias=True))) in seen:
            skipped.append(f"{_render(point)}: the same config as {_render(seen[digest])}")
        else:
            seen[digest] = point
            valid.append((point, candidate))
    if not valid:
        raise UsageError("nothing to try: every setting is the current config or invalid" + _listed(skipped))
    chosen, sampled = sample([p for p, _c in valid], request.budget, request.seed)
    configs = dict(valid)
    return Plan([(p, configs[p]) for p in chosen], grids, len(valid), sampled, skipped)


def _listed(items: Sequence[str]) -> str:
    return "" if not items else " (" + "; ".join(items[:5]) + ("; …" if len(items) > 5 else "") + ")"


def read_questions(config: AppConfig, root: Path) -> dict[str, list[QuestionRecord]]:
    """The app's test sets by name (file stem), as the pipeline stages them: with ``evaluation.max_questions``
    only the first N questions of each, so the split counts and records exactly the questions the settings see."""
    limit = config.spec.evaluation.max_questions
    out: dict[str, list[QuestionRecord]] = {}
    for name, path in testset_paths(config, root).items():
        shown = display_path(path, root.resolve())
        if not path.is_file():
            raise ValidationFailed(f"test set {shown} is missing; run 'ragops validate'")
        loaded = load_testset(path, shown)
        if loaded.diagnostics:
            raise ValidationFailed(f"test set {shown} is invalid: {loaded.diagnostics[0].render_text()}")
        out[name] = loaded.records if limit is None else loaded.records[:limit]
    return out


def split_info(testsets: dict[str, list[QuestionRecord]], spec: SplitSpec) -> SplitInfo:
    tuning = select(testsets, spec, "tuning")
    held = select(testsets, spec, "confirmation")
    counts = {part: sum(len(r) for r in records.values()) for part, records in (("t", tuning), ("c", held))}
    for part, count in (("tuning", counts["t"]), ("confirmation", counts["c"])):
        if count < MIN_PART_QUESTIONS:
            raise UsageError(
                f"the {part} part holds {count} question(s) (at least {MIN_PART_QUESTIONS} needed): the test sets "
                f"are too small to split at --confirm-fraction {spec.confirmation_fraction}; add questions or "
                "change the fraction"
            )
    return SplitInfo(
        salt=spec.salt,
        confirmation_fraction=spec.confirmation_fraction,
        tuning=counts["t"],
        confirmation=counts["c"],
        confirmation_ids=sorted(f"{name}/{r.id}" for name, records in held.items() for r in records),
    )


def command_line(relative: str, request: SweepRequest, objective: str) -> str:
    """The ``ragops sweep`` command that reproduces this sweep, every choice spelled out."""
    words = ["ragops", "sweep", relative]
    for i, grid in enumerate(request.grids):
        if i:
            words.append("--or")
        for assignment in grid:
            words += ["--set", assignment]
    words += ["--budget", str(request.budget), "--seed", str(request.seed), "--metric", objective]
    words += ["--alpha", format_value(request.alpha)]
    words += ["--confirm-fraction", format_value(request.split.confirmation_fraction)]
    words += ["--split-salt", request.split.salt]
    return shlex.join(words)


def _changes(point: Point) -> list[SettingChange]:
    return [SettingChange(key=o.key, value=format_value(o.value)) for o in point]


def _read_runs(folder: Path, ids: Sequence[str]) -> dict[str, RunContents]:
    return {setting_id: RunFolder(folder / setting_id).read() for setting_id in ids}


def local_backend(
    root: Path,
    state: Path,
    base: AppConfig,
    split: SplitSpec,
    sweep_id: str,
    on_step: StepCallback | None = None,
    on_progress: StepProgressCallback | None = None,
) -> SweepBackend:
    """Evaluate on the KFP local runner, the caches in ``state`` shared with ``ragops eval``."""
    from ragops.pipelines.evaluate import stage_data
    from ragops.pipelines.local_run import run_local
    from ragops.pipelines.sweep_arguments import SettingRun, sweep_arguments
    from ragops.pipelines.sweep_pipeline import rag_sweep_pipeline

    data = stage_data(base, root, state)

    def run(settings: Sequence[tuple[str, AppConfig]], part: Part, folder: Path) -> None:
        runs = [SettingRun(setting_id, config, str(folder / setting_id)) for setting_id, config in settings]
        arguments = sweep_arguments(base, runs, root, state, split=split, part=part, sweep_id=sweep_id, data=data)
        folder.mkdir(parents=True, exist_ok=True)
        run_local(
            arguments,
            state,
            folder.parent / f"{part}-kfp.log",
            on_step or (lambda _event: None),
            on_progress,
            pipeline=rag_sweep_pipeline,
        )

    return run


# Makes the evaluator of one sweep from (repository root, base config, split, sweep id, state folder).
BackendFactory = Callable[[Path, AppConfig, SplitSpec, str, Path], SweepBackend]


def _check_out(out: Path, force: bool) -> None:
    if out.is_file():
        raise UsageError(f"--out {out} is a file: choose a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise UsageError(f"--out {out} is not empty: choose another folder, or --force to replace it")


def _direction(outcomes: Sequence[SettingOutcome], objective: str) -> Direction:
    return next(m.direction for m in outcomes[0].metrics if m.name == objective)


def _refusal(result: SweepResult, edited: str | None, config_path: Path, text: str) -> str | None:
    """Why ``--write`` must not change the config file, or None."""
    if result.selected is None:
        return "no setting is significantly better: the config is left as it is"
    if edited is None:
        return "; ".join(result.notes) or "the selected setting cannot be written into this config"
    if result.confirmation is not None and result.confirmation.contradicted:
        return (
            f"the held-out questions contradict the selected setting ({result.objective} is significantly worse "
            "there): the config is left as it is"
        )
    if config_path.read_text(encoding="utf-8") != text:
        return f"{result.config} changed while the sweep ran: apply {SWEEP_PATCH} by hand (git apply)"
    return None


def sweep(
    config_path: Path,
    root: Path,
    request: SweepRequest,
    *,
    out_dir: Path | None = None,
    state_dir: Path | None = None,
    backend: BackendFactory | None = None,
    write: bool = False,
    force: bool = False,
    on_step: StepCallback | None = None,
    on_progress: StepProgressCallback | None = None,
) -> SweepOutcome:
    """Run the sweep and publish its folder at ``out_dir`` (default ``runs/<app>/sweep-<UTC time>-<hash>``); with
    ``write``, apply the selected setting to the config file.

    ``backend`` makes the evaluator (default: the KFP local runner; a cluster: :func:`cluster_backend`)."""
    started = time.perf_counter()
    root = root.resolve()
    config_path = config_path.resolve()
    if not config_path.is_relative_to(root):
        raise UsageError(f"{config_path} is outside the repository {root}")
    relative = display_path(config_path, root)
    config = load_app(config_path, root)
    text = config_path.read_text(encoding="utf-8")
    logs.bind(app=config.name)
    defaults: GatePolicy | None = load_defaults(root)
    objective = request.objective or default_objective(config, defaults)
    check_objective(config, objective)
    if not 0.0 < request.alpha < 1.0:
        raise UsageError("--alpha must be between 0 and 1")
    plan = plan_settings(config, request, config_path)
    split = split_info(read_questions(config, root), request.split)
    sweep_id = new_run_id(config)
    out = (out_dir or runs_dir(root, config.name) / f"sweep-{sweep_id}").absolute()
    _check_out(out, force)
    state = (state_dir or kfp_state_dir(root)).resolve()
    if backend is None:
        evaluate = local_backend(root, state, config, request.split, sweep_id, on_step, on_progress)
    else:
        evaluate = backend(root, config, request.split, sweep_id, state)

    staging = temporary_sibling(out, "partial")
    staging.mkdir(parents=True)
    edited: str | None = None
    # A failed sweep leaves its staging folder (hidden, beside --out) with the pipeline logs its error names.
    ids = [f"s{i + 1}" for i in range(len(plan.settings))]
    tuning = [(CURRENT, config), *[(sid, c) for sid, (_p, c) in zip(ids, plan.settings, strict=True)]]
    evaluate(tuning, "tuning", staging / "tuning")
    runs = _read_runs(staging / "tuning", [CURRENT, *ids])
    outcomes, selected = compare_settings(
        runs[CURRENT],
        [(_changes(point), runs[sid]) for sid, (point, _c) in zip(ids, plan.settings, strict=True)],
        objective=objective,
        alpha=request.alpha,
        defaults=defaults,
    )
    confirmation = None
    notes: list[str] = []
    if selected is not None:
        point, chosen = plan.settings[ids.index(selected)]
        # The one look at the held-out questions: the selected setting only, after selection is final.
        evaluate([(CURRENT, config), (selected, chosen)], "confirmation", staging / "confirmation")
        held = _read_runs(staging / "confirmation", [CURRENT, selected])
        confirmation = confirm(held[CURRENT], held[selected], objective=objective, defaults=defaults)
        try:
            edited = patch_config(text, point, chosen, config_path.stem)
        except RagopsError as exc:
            notes.append(f"no patch: {exc.message}")
    result = SweepResult(
        app=config.name,
        config=relative,
        command=command_line(relative, request, objective),
        objective=objective,
        direction=_direction(outcomes, objective),
        alpha=request.alpha,
        correction="holm",
        split=split,
        search=SearchInfo(
            grids=[describe(g) for g in plan.grids],
            size=plan.size,
            tried=len(plan.settings),
            sampled=plan.sampled,
            budget=request.budget,
            seed=request.seed,
            skipped=plan.skipped,
        ),
        settings=outcomes,
        selected=selected,
        confirmation=confirmation,
        patch="" if edited is None else unified_diff(text, edited, relative),
        notes=notes,
    )
    write_atomic(staging / SWEEP_JSON, result.model_dump_json(indent=2) + "\n")
    write_atomic(staging / SWEEP_MD, sweep_md.render(result))
    write_atomic(staging / SWEEP_PATCH, result.patch)
    replace_folder(staging, out)
    outcome = SweepOutcome(result, out, seconds=time.perf_counter() - started)
    if write:
        outcome.write_refused = _refusal(result, edited, config_path, text)
        if outcome.write_refused is None and edited is not None:
            outcome.written = write_atomic(config_path, edited)
    return outcome


def cluster_backend(
    *,
    host: str | None,
    namespace: str | None,
    experiment: str,
    timeout_s: int,
    pipeline_root: str | None,
    object_store_secret: str | None = None,
    dvc_remote: str | None = None,
    poll_s: float | None = None,
) -> BackendFactory:
    """Evaluate on a Kubeflow cluster: the compiled sweep pipeline is submitted for each part, its data read by
    content hash (git-held data uploaded once, as ``ragops eval --backend kfp`` does), and every setting's run
    folder fetched back from ``<pipeline root>/ragops-results/<app>/<sweep id>/<part>/<id>`` and checked to be
    the run submitted."""

    def make(root: Path, base: AppConfig, split: SplitSpec, sweep_id: str, state: Path) -> SweepBackend:
        import dataclasses
        import json
        import os

        from ragops.app.evaluate import OBJECT_STORE_SECRET_ENV, PIPELINE_ROOT_ENV
        from ragops.pipelines.cluster import CLUSTER_MACHINE, POLL_S, submit
        from ragops.pipelines.cluster_data import cluster_data, results_uri
        from ragops.pipelines.evaluate import stage_data
        from ragops.pipelines.results import download_run_folder, verify
        from ragops.pipelines.sweep_arguments import SettingRun, sweep_arguments

        prefix = (pipeline_root or os.environ.get(PIPELINE_ROOT_ENV, "")).rstrip("/")
        if not prefix:
            raise UsageError(
                f"--backend kfp needs --pipeline-root URI (or ${PIPELINE_ROOT_ENV}): the object-store prefix "
                "(s3://bucket/prefix) where the runs keep their artifacts, the git-held data and the results"
            )
        local = stage_data(base, root, state)  # the content hashes; the cluster reads the data by them
        remote = cluster_data(base, root, prefix, local.corpus_hash, dvc_remote)
        data = dataclasses.replace(
            local,
            corpus_manifest_json=remote.corpus.model_dump_json(),
            testsets_manifest_json=remote.testsets.model_dump_json(),
        )
        secret = object_store_secret or os.environ.get(OBJECT_STORE_SECRET_ENV)

        def run(settings: Sequence[tuple[str, AppConfig]], part: Part, folder: Path) -> None:
            where = f"{results_uri(prefix, base.name, sweep_id)}/{part}"
            runs = [SettingRun(sid, config, f"{where}/{sid}") for sid, config in settings]
            arguments = sweep_arguments(
                base, runs, root, state, split=split, part=part, sweep_id=sweep_id, data=data, machine=CLUSTER_MACHINE
            )
            arguments |= {"embedding_cache_dir": "", "judge_cache_dir": ""}
            if secret:
                arguments["object_store_secret"] = secret
            submit(
                arguments,
                app=base.name,
                host=host,
                namespace=namespace,
                experiment=experiment,
                timeout_s=timeout_s,
                pipeline_root=prefix,
                poll_s=POLL_S if poll_s is None else poll_s,
                pipeline="sweep",
            )
            submitted = {
                s["results_uri"]: json.loads(s["metadata_json"]) for g in arguments["groups"] for s in g["settings"]
            }
            for sid, _config in settings:
                uri = f"{where}/{sid}"
                verify(download_run_folder(uri, folder / sid), submitted[uri], uri)

        return run

    return make
