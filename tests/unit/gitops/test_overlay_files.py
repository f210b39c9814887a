"""The overlay's per-release files: only the images: block of kustomization.yaml changes, and a damaged
release.json is named, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ragops.errors import UsageError, ValidationFailed
from ragops.gitops.overlay_files import IMAGE_NAME, pinned_image, with_image
from ragops.gitops.release import read_release
from tests.conftest import REPO_ROOT

STAGING = REPO_ROOT / "kustomize" / "overlays" / "staging" / "covid-qa"
DIGEST = "sha256:" + "d" * 64


def test_another_registry_is_pinned_with_new_name_and_the_rest_is_kept() -> None:
    text = (STAGING / "kustomization.yaml").read_text(encoding="utf-8")
    edited = with_image(text, yaml.safe_load(text), f"registry.example.com/team/ragops@{DIGEST}")
    data = yaml.safe_load(edited)
    assert data["images"] == [{"name": IMAGE_NAME, "newName": "registry.example.com/team/ragops", "digest": DIGEST}]
    assert {k: v for k, v in data.items() if k != "images"} == {
        k: v for k, v in yaml.safe_load(text).items() if k != "images"
    }
    # Back to the default registry: newName goes, and the text is what it was apart from the digest.
    back = with_image(edited, data, f"{IMAGE_NAME}@{'sha256:' + '0' * 64}")
    assert back == text


def test_an_overlay_without_images_gets_a_block() -> None:
    text = "resources:\n  - ../../../base\n"
    edited = with_image(text, yaml.safe_load(text), f"{IMAGE_NAME}@{DIGEST}")
    assert yaml.safe_load(edited) == {
        "resources": ["../../../base"],
        "images": [{"name": IMAGE_NAME, "digest": DIGEST}],
    }


def test_the_placeholder_pins_no_image() -> None:
    assert pinned_image(STAGING) is None


def test_a_damaged_release_manifest_is_named(tmp_path: Path) -> None:
    path = tmp_path / "release.json"
    path.write_text('{"schema_version": 1,', encoding="utf-8")
    with pytest.raises(ValidationFailed, match=r"release\.json:1: not JSON"):
        read_release(path)
    path.write_text('{"schema_version": 1, "app": "x"}', encoding="utf-8")
    with pytest.raises(ValidationFailed, match="not a valid release manifest: environment: Field required"):
        read_release(path)
    with pytest.raises(UsageError, match="no release manifest"):
        read_release(tmp_path / "missing.json")
    assert read_release(STAGING / "release.json") is None  # the placeholder
