"""One source for each fact (DESIGN.md, "Style"): checks that fail when a second copy of a fact appears in the
package — a list of metric names outside the metric registry, say."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from pathlib import Path

from ragops import layout
from ragops.evaluation import run_folder
from ragops.evaluation.metrics import METRICS, TIMINGS
from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "tools" / "ragops"
_METRIC_NAMES = {entry.name for entry in (*METRICS, *TIMINGS)}


@functools.cache
def _parsed() -> tuple[tuple[Path, ast.Module], ...]:
    return tuple(
        (path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        for path in sorted(PACKAGE.rglob("*.py"))
    )


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    yield from _parsed()


def _is_metric_name(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.sub(r"@\d+$", "", node.value) in _METRIC_NAMES
    )


def metric_name_lists(tree: ast.Module) -> list[int]:
    """Lines of tuple, list and set literals made of two or more metric names."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Tuple | ast.List | ast.Set)
        and len(node.elts) >= 2
        and all(_is_metric_name(element) for element in node.elts)
    ]


def test_metric_names_are_listed_only_in_the_registry() -> None:
    found = [
        f"{path.relative_to(REPO_ROOT)}:{line}"
        for path, tree in _modules()
        if path.name != "metrics.py" or path.parent.name != "evaluation"
        for line in metric_name_lists(tree)
    ]
    assert found == [], "flag the registry entry (headline, role) instead of listing names: " + ", ".join(found)


def test_the_check_sees_a_hard_coded_list() -> None:
    tree = ast.parse('SHOWN = ("hit_rate@5", "f1", "mrr")\nOTHER = ("f1", "not a metric")\n')
    assert metric_name_lists(tree) == [1]


_PROCESS_CALLS = {"run", "Popen", "call", "check_call", "check_output", "system", "getoutput", "getstatusoutput"}


def git_commands(tree: ast.Module) -> list[int]:
    """Lines that start a git process: an argument list beginning with "git", or a shell command "git …"."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.List | ast.Tuple) and node.elts:
            first = node.elts[0]
            if isinstance(first, ast.Constant) and first.value == "git":
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and node.args:
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            command = node.args[0]
            if (
                name in _PROCESS_CALLS
                and isinstance(command, ast.Constant)
                and isinstance(command.value, str)
                and command.value.startswith("git ")
            ):
                lines.append(node.lineno)
    return sorted(lines)


def test_git_runs_only_in_the_git_module() -> None:
    found = [
        f"{path.relative_to(REPO_ROOT)}:{line}"
        for path, tree in _modules()
        if path != PACKAGE / "git.py"
        for line in git_commands(tree)
    ]
    assert found == [], "run git through ragops.git: " + ", ".join(found)


def test_the_check_sees_a_git_process() -> None:
    tree = ast.parse('subprocess.run(["git", "show", ref])\nos.system("git log")\nGIT = "git"\n')
    assert git_commands(tree) == [1, 2]


# Moves that are not writes: rotating a log aside.
_RENAMES_THAT_ARE_NOT_WRITES = {"serve/feedback.py"}
_TEMPORARY_FILE_CALLS = {"mkstemp", "NamedTemporaryFile"}


def atomic_write_copies(tree: ast.Module) -> list[int]:
    """Lines that write a file atomically by hand: a temporary file made for it, or a file renamed over another
    (``os.replace``/``os.rename``, ``Path.replace(target)``)."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute | ast.Name):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
        owner = node.func.value if isinstance(node.func, ast.Attribute) else None
        is_os = isinstance(owner, ast.Name) and owner.id == "os"
        if name in _TEMPORARY_FILE_CALLS or (is_os and name in {"replace", "rename"}):
            lines.append(node.lineno)
        elif name == "replace" and not is_os and len(node.args) == 1 and not node.keywords:
            lines.append(node.lineno)  # Path.replace(target); str.replace takes two arguments
    return sorted(lines)


def test_files_are_written_atomically_only_by_the_files_module() -> None:
    found = [
        f"{path.relative_to(REPO_ROOT)}:{line}"
        for path, tree in _modules()
        if path != PACKAGE / "files.py" and path.relative_to(PACKAGE).as_posix() not in _RENAMES_THAT_ARE_NOT_WRITES
        for line in atomic_write_copies(tree)
    ]
    assert found == [], "write through ragops.files.write_atomic: " + ", ".join(found)


def file_digest_loops(tree: ast.Module) -> list[int]:
    """Lines of loops that hash a file block by block (``while block := f.read(n): digest.update(block)``)."""
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.While)
        and isinstance(node.test, ast.NamedExpr)
        and isinstance(node.test.value, ast.Call)
        and isinstance(node.test.value.func, ast.Attribute)
        and node.test.value.func.attr == "read"
        and any(
            isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "update"
            for statement in node.body
            for call in ast.walk(statement)
        )
    )


def test_files_are_hashed_only_by_the_hashing_module() -> None:
    found = [
        f"{path.relative_to(REPO_ROOT)}:{line}"
        for path, tree in _modules()
        if path != PACKAGE / "hashing.py"
        for line in file_digest_loops(tree)
    ]
    assert found == [], "hash files through ragops.hashing.file_hash: " + ", ".join(found)


def test_the_checks_see_hand_written_copies() -> None:
    tree = ast.parse(
        "import os, tempfile\n"
        "fd, name = tempfile.mkstemp()\n"
        "os.replace(name, target)\n"
        "partial.replace(target)\n"
        "text.replace('a', 'b')\n"
        "while block := handle.read(1 << 20):\n"
        "    digest.update(block)\n"
    )
    assert atomic_write_copies(tree) == [2, 3, 4]
    assert file_digest_loops(tree) == [6]


def test_the_sha256_digest_form_is_spelled_once() -> None:
    found = [
        f"{path.relative_to(REPO_ROOT)}:{node.lineno}"
        for path, tree in _modules()
        if path != PACKAGE / "hashing.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search(r"\[0-9a-f\]\{64\}", node.value)
    ]
    assert found == [], "use ragops.hashing.SHA256_HEX / DIGEST_PATTERN: " + ", ".join(found)


def data_path_reads(tree: ast.Module) -> list[int]:
    """Lines that read an app's data paths straight from the model (``….spec.data…``)."""
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "data"
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "spec"
    )


def test_an_apps_data_paths_are_worked_out_only_in_the_config_layer() -> None:
    found = [
        f"{path.relative_to(REPO_ROOT)}:{line}"
        for path, tree in _modules()
        if path.parent != PACKAGE / "config"
        for line in data_path_reads(tree)
    ]
    assert found == [], "use ragops.config.app_data (data_paths, corpus_path, testset_paths): " + ", ".join(found)


def test_the_check_sees_a_data_path_read() -> None:
    assert data_path_reads(ast.parse("x = config.spec.data.corpus\ny = spec.data\n")) == [1]


def _path_literals(tree: ast.Module) -> list[tuple[int, str]]:
    """String constants that look like paths (no blanks), with their lines."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value and " " not in node.value
    ]


def _joined_literals(tree: ast.Module) -> set[tuple[int, str]]:
    """String constants joined into a path: ``root / "x"``, ``Path("x")``."""
    found: set[tuple[int, str]] = set()
    for node in ast.walk(tree):
        parts: list[ast.expr] = []
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            parts = [node.left, node.right]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Path":
            parts = list(node.args)
        found |= {(p.lineno, p.value) for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str)}
    return found


def test_the_repository_layout_is_spelled_only_in_layout() -> None:
    """layout.py: "the one owner of the repository layout"."""
    tops = {layout.CONFIG_DIR, layout.DATASETS_DIR, layout.RUNS_DIR, layout.STATE_DIR, layout.KUSTOMIZE_DIR}
    found = []
    for path, tree in _modules():
        if path == PACKAGE / "layout.py":
            continue
        joined = _joined_literals(tree)
        for line, value in {*_path_literals(tree), *joined}:
            # A path under a top folder (help texts with <placeholders> aside), or a top folder joined into a path.
            under_top = any(value.startswith(top + "/") for top in tops) and "<" not in value
            if under_top or (value in tops and (line, value) in joined):
                found.append(f"{path.relative_to(REPO_ROOT)}:{line} {value!r}")
    assert found == [], "ask ragops.layout for the path: " + ", ".join(found)


def test_a_run_folders_files_are_named_only_by_the_run_folder() -> None:
    """run_folder.py: "the one owner of what an evaluation run writes and how it is read back"."""
    # config.json is every model folder's file too: only the names that are the run folder's own.
    names = (set(run_folder.FILES) | {run_folder.KFP_LOG}) - {run_folder.CONFIG_JSON}
    found = [
        f"{path.relative_to(REPO_ROOT)}:{line} {value!r}"
        for path, tree in _modules()
        if path != PACKAGE / "evaluation" / "run_folder.py"
        for line, value in _path_literals(tree)
        if value in names
    ]
    assert found == [], "go through ragops.evaluation.run_folder.RunFolder: " + ", ".join(found)


def _importers(module: str) -> list[str]:
    found = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            imported = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if module in imported:
                found.append(path.relative_to(PACKAGE).as_posix())
    return sorted(set(found))


def test_generators_are_built_only_by_the_generators_module() -> None:
    """rag/generators.py: "the one module that knows every generator"."""
    for module in ("ragops.rag.openai_chat", "ragops.rag.extractive"):
        assert _importers(module) == ["rag/generators.py"], module


def test_errors_become_exit_codes_only_in_the_cli_entry_point() -> None:
    """cli/main.py: "map errors to exit codes in one place"."""
    found = [
        f"{path.relative_to(REPO_ROOT)}:{node.lineno}"
        for path, tree in _modules()
        if path not in (PACKAGE / "cli" / "main.py", PACKAGE / "errors.py")
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "exit_code"
    ]
    assert found == [], ", ".join(found)
