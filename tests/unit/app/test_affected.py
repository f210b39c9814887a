"""ragops affected on a real git repository: config, data (git and .dvc), shared files, new and deleted apps."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ragops.app.affected import affected
from ragops.cli.main import main


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _config(name: str, corpus: str, testset: str) -> str:
    return (
        "apiVersion: ragops.dev/v1\nkind: RAGApp\n"
        f"metadata:\n  name: {name}\n"
        f"spec:\n  data:\n    corpus: {corpus}\n    testsets:\n      - {testset}\n"
    )


def _write(root: Path, path: str, text: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def _commit(root: Path, message: str) -> str:
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", message)
    return _git(root, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.email", "t@example.com")
    _git(root, "config", "user.name", "t")
    _write(root, "rag-configs/one.yaml", _config("one", "datasets/a/docs", "datasets/a/testsets/a.jsonl"))
    _write(root, "rag-configs/two.yaml", _config("two", "datasets/b/docs", "datasets/b/testsets/b.jsonl"))
    _write(root, "rag-configs/old.yaml", _config("old", "datasets/a/docs", "datasets/a/testsets/a.jsonl"))
    _write(root, "datasets/a/docs/x.txt", "x")
    _write(root, "datasets/a/testsets/a.jsonl", "{}\n")
    _write(root, "datasets/b/docs.dvc", "outs:\n- md5: 1.dir\n  path: docs\n")
    _write(root, "datasets/b/testsets/b.jsonl", "{}\n")
    _write(root, "tools/ragops/x.py", "")
    _write(root, "README.md", "hi")
    _commit(root, "base")
    _git(root, "checkout", "-qb", "pr")
    return root


def _apps(root: Path) -> dict[str, list[str]]:
    result = affected(root, "main", "HEAD")
    return {
        "include": [a.app for a in result.include],
        "unaffected": [a.app for a in result.unaffected],
        "deleted": [a.app for a in result.deleted],
    }


def test_a_docs_only_change_affects_nothing(repo: Path) -> None:
    _write(repo, "README.md", "changed")
    _commit(repo, "docs")
    assert _apps(repo) == {"include": [], "unaffected": ["old", "one", "two"], "deleted": []}


def test_config_and_data_changes_affect_their_apps(repo: Path) -> None:
    _write(repo, "rag-configs/two.yaml", _config("two", "datasets/b/docs", "datasets/b/testsets/b.jsonl") + "# c\n")
    _commit(repo, "config")
    assert _apps(repo)["include"] == ["two"]
    _write(repo, "datasets/a/docs/y.txt", "y")
    _commit(repo, "doc")
    assert _apps(repo)["include"] == ["old", "one", "two"]


def test_a_dvc_file_change_affects_the_app_using_that_data(repo: Path) -> None:
    _write(repo, "datasets/b/docs.dvc", "outs:\n- md5: 2.dir\n  path: docs\n")
    _commit(repo, "dvc")
    result = affected(repo, "main", "HEAD")
    assert [a.app for a in result.include] == ["two"]
    assert "datasets/b/docs" in result.include[0].reason


def test_shared_files_affect_every_app_and_deleted_apps_are_reported(repo: Path) -> None:
    _write(repo, "tools/ragops/x.py", "# changed\n")
    (repo / "rag-configs" / "old.yaml").unlink()
    _write(repo, "rag-configs/new.yaml", _config("new", "datasets/a/docs", "datasets/a/testsets/a.jsonl"))
    _commit(repo, "shared")
    result = affected(repo, "main", "HEAD")
    assert [a.app for a in result.include] == ["new", "one", "two"]
    assert [a.app for a in result.deleted] == ["old"]
    assert "new app" in result.include[0].reason and "tools/ragops/x.py" in result.include[1].reason


def test_json_is_a_job_matrix(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(repo, "datasets/a/testsets/a.jsonl", "{}\n{}\n")
    _commit(repo, "testset")
    assert main(["affected", "main", "HEAD", "--format", "json", "--root", str(repo)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["apps"] == ["old", "one"]
    assert document["include"][1] == {
        "app": "one",
        "config": "rag-configs/one.yaml",
        "reason": document["include"][1]["reason"],
        "local_models": [],
    }
    assert [a["app"] for a in document["unaffected"]] == ["two"]


def test_an_unknown_ref_is_a_usage_error(repo: Path) -> None:
    assert main(["affected", "nope", "--root", str(repo)]) == 2


def test_configs_are_read_by_the_config_loader(repo: Path) -> None:
    # A short-form config, data paths written loosely: the loader's reading (name from the file, paths normalised).
    short = (
        "retriever:\n  type: vector\n  config:\n    top_k: 3\n"
        "generator:\n  type: extractive\n"
        "prompt:\n  template: '{context} {question}'\n"
        "data:\n  corpus: ./datasets/c//docs/\n  testsets: [datasets/c/testsets/c.jsonl]\n"
    )
    _write(repo, "rag-configs/short.yaml", short)
    _commit(repo, "a short-form app")
    _git(repo, "checkout", "-q", "main")
    _git(repo, "merge", "-q", "--ff-only", "pr")
    _git(repo, "checkout", "-q", "pr")
    _write(repo, "datasets/c/docs/new.txt", "new")
    # An invalid config is always evaluated, so it fails loudly instead of being skipped.
    _write(repo, "rag-configs/broken.yaml", "apiVersion: ragops.dev/v1\nkind: RAGApp\nmetadata: {name: broken}\n")
    _commit(repo, "change c, add a broken app")
    result = affected(repo, "main", "HEAD")
    reasons = {a.app: a.reason for a in result.include}
    assert reasons["short"] == "data changed: datasets/c/docs"
    assert reasons["broken"].startswith("the config does not validate")
    deep = "a:\n" + "".join("  " * i + "- \n" for i in range(1, 400))
    _write(repo, "rag-configs/deep.yaml", deep)  # deeply nested YAML: a diagnostic, never a RecursionError
    _commit(repo, "deep")
    assert "the config does not validate" in {a.app: a.reason for a in affected(repo, "main", "HEAD").include}["deep"]


def test_an_app_served_by_a_packaged_model_says_so_unless_a_variable_points_elsewhere(repo: Path) -> None:
    llm = (
        "  llm:\n    provider: openai\n    model: SmolLM2-135M-Instruct\n"
        "    base_url: http://127.0.0.1:8080/v1\n    base_url_env: RAGOPS_LLM_BASE_URL\n"
    )
    _write(repo, "rag-configs/two.yaml", _config("two", "datasets/b/docs", "datasets/b/testsets/b.jsonl") + llm)
    _commit(repo, "llm app")
    (two,) = affected(repo, "main", "HEAD", environ={}).include
    assert two.local_models == ["SmolLM2-135M-Instruct"]
    environ = {"RAGOPS_LLM_BASE_URL": "https://llm.example.com/v1", "OPENAI_API_KEY": "k"}
    assert affected(repo, "main", "HEAD", environ=environ).include[0].local_models == []


def test_self_check_follows_changes_to_ragops_itself(repo: Path) -> None:
    _write(repo, "README.md", "docs")
    _commit(repo, "docs")
    assert not affected(repo, "main", "HEAD").self_check
    _write(repo, "tests/unit/test_x.py", "")
    _commit(repo, "a test")
    result = affected(repo, "main", "HEAD")
    assert result.self_check and result.include == []  # tests change no app's score


def test_github_format_writes_the_step_outputs_and_the_summary(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(repo, "datasets/a/testsets/a.jsonl", "{}\n{}\n")
    _commit(repo, "testset")
    outputs, summary = tmp_path / "output", tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["affected", "main", "HEAD", "--format", "github", "--root", str(repo)]) == 0
    assert capsys.readouterr().out == "affected: old one\n"
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert values["apps"] == "old one" and values["any"] == "true" and values["self_check"] == "false"
    matrix = json.loads(values["include"])
    assert matrix[1] == {
        "app": "one",
        "config": "rag-configs/one.yaml",
        "reason": matrix[1]["reason"],
        "local_models": "",
    }
    text = summary.read_text()
    assert text.startswith("### Affected apps") and "| one | `rag-configs/one.yaml` |" in text


def test_github_format_outside_actions_is_a_usage_error(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    assert main(["affected", "main", "--format", "github", "--root", str(repo)]) == 2
