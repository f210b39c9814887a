"""What shapes an index: the indexing projection of a config, its hash, and the index id.

The indexing-config hash covers exactly the settings that change the index (loader, splitter, embedding,
vector store, and the personal-data settings when there are any) plus the engine's index format; settings that
only change how the index is used (retrieval, LLM, prompt, evaluation) and settings that cannot change a vector
(embedding batch size, the name of the API-key variable, what to do with unreadable files) are left out, so
editing them reuses the index and embeds nothing.
The pipeline can pass these hashes as task parameters so its cache keys follow content.

``indexing_only`` is the same projection as a runnable config (what the pipeline's index step is given), and
``index_id`` composes an index's identity from its corpus fingerprint and indexing-config hash.
"""

from __future__ import annotations

import hashlib
import json

from ragops.config.models import AppConfig

# Bump when chunking or the on-disk layout changes, so older indexes are rebuilt rather than misread.
# 2: the manifest records a sha256 of every index file, checked before any of them is parsed.
INDEX_FORMAT = 2

# The sections of spec that shape an index, and the fields inside them that cannot change one.
INDEX_SECTIONS = ("loader", "splitter", "embedding", "vector_store", "privacy")
_NOT_SHAPING: dict[str, set[str]] = {"loader": {"on_error"}, "embedding": {"batch_size", "api_key_env"}}


def indexing_config(config: AppConfig) -> dict[str, object]:
    spec = config.spec
    shaping: dict[str, object] = {"format": INDEX_FORMAT}
    for section in INDEX_SECTIONS:
        value = getattr(spec, section)
        if value is None:
            continue  # an optional section left out (privacy): the hash stays what it was before the section existed
        shaping[section] = value.model_dump(mode="json", exclude=_NOT_SHAPING.get(section, set()))
    return shaping


def indexing_config_hash(config: AppConfig) -> str:
    canonical = json.dumps(indexing_config(config), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def indexing_only(config: AppConfig) -> AppConfig:
    """The config with every section outside ``INDEX_SECTIONS`` reset to defaults: all an index build reads
    (including the fields that steer the build without shaping its result, like the batch size), so its JSON
    changes only when building could. A fixed name and placeholder data: apps that share a corpus and indexing
    settings share one cached index, and the corpus folder is always passed to ``build_index`` explicitly."""
    spec = config.spec
    return AppConfig.model_validate(
        {
            "apiVersion": config.api_version,
            "kind": config.kind,
            "metadata": {"name": "index"},
            "spec": {
                "data": {"corpus": "corpus", "testsets": ["testsets"]},
                **{section: getattr(spec, section) for section in INDEX_SECTIONS},
            },
        }
    )


def index_id(corpus_fingerprint: str, config_hash: str) -> str:
    """The identity of an index: which corpus, indexed how. Recorded in reports and release manifests."""
    return f"{corpus_fingerprint}:{config_hash[:16]}"
