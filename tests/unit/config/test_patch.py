"""Writing a sweep's setting into a config file: full form by its own paths, short form where it can say it, and
refused when the edited file would not mean the config that was evaluated."""

from __future__ import annotations

import pytest

from ragops.config.loader import load_app_config
from ragops.config.overrides import Override, apply_overrides
from ragops.config.patch import patch_config
from ragops.errors import ValidationFailed
from tests.conftest import FIXTURES, REPO_ROOT

HOTPOT = REPO_ROOT / "rag-configs" / "hotpotqa.yaml"
SHORT = FIXTURES / "configs" / "short-form.yaml"
FUSION = Override(("spec", "retrieval", "fusion", "text_weight"), 0.5)
TOP_K = Override(("spec", "retrieval", "top_k"), 3)


def test_the_sample_config_keeps_its_comments_and_gains_the_setting() -> None:
    text = HOTPOT.read_text(encoding="utf-8")
    config = load_app_config(HOTPOT, REPO_ROOT)
    expected = apply_overrides(config, [FUSION, TOP_K])
    edited = patch_config(text, [FUSION, TOP_K], expected, "hotpotqa")
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert comments and all(line in edited.splitlines() for line in comments)
    assert "    top_k: 3\n    fusion:\n      text_weight: 0.5\n" in edited


def test_a_short_form_config_takes_what_it_can_say() -> None:
    text = SHORT.read_text(encoding="utf-8")
    config = load_app_config(SHORT, REPO_ROOT)
    edited = patch_config(text, [TOP_K], apply_overrides(config, [TOP_K]), "short-form")
    assert "    top_k: 3\n" in edited and edited.count("top_k") == 1
    with pytest.raises(ValidationFailed, match="no place in a short-form config: convert it to the full form"):
        patch_config(text, [FUSION], apply_overrides(config, [FUSION]), "short-form")


def test_an_edit_that_would_mean_another_config_is_refused() -> None:
    text = HOTPOT.read_text(encoding="utf-8")
    config = load_app_config(HOTPOT, REPO_ROOT)
    with pytest.raises(ValidationFailed, match="does not mean the setting that was evaluated"):
        patch_config(text, [TOP_K], apply_overrides(config, [FUSION]), "hotpotqa")
