"""``ragops query`` input checks that need no index: a question that is not UTF-8 is a usage error."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ragops.cli.main import main
from tests.conftest import REPO_ROOT


def test_a_question_with_invalid_utf8_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    # What Python makes of the argv bytes b"why \xff?" (surrogateescape).
    assert main(["query", str(REPO_ROOT / "rag-configs" / "covid-qa.yaml"), os.fsdecode(b"why \xff?")]) == 2
    err = capsys.readouterr().err
    assert "not valid UTF-8" in err and "Traceback" not in err


def test_invalid_utf8_from_a_real_command_line_exits_2_without_a_traceback() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "tools"), str(REPO_ROOT)])}
    command = [sys.executable.encode(), b"-m", b"ragops.cli.main", b"query", b"rag-configs/covid-qa.yaml", b"\xff\xfe"]
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, timeout=120, check=False)
    assert done.returncode == 2 and b"not valid UTF-8" in done.stderr and b"Traceback" not in done.stderr
