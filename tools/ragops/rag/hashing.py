"""The content hash of the indexing config, which (with the corpus fingerprint) decides whether an index is reused.

The indexing-config hash covers exactly the settings that change the index (loader, splitter, embedding,
vector store) plus the engine's index format; settings that only change how the index is used (retrieval,
LLM, prompt, evaluation) and settings that cannot change a vector (embedding batch size, the name of the API-key
variable) are left out, so editing them reuses the index and embeds nothing. The pipeline can pass these hashes
as task parameters so its cache keys follow content.
"""

from __future__ import annotations

import hashlib
import json

from ragops.config.models import AppConfig

# Bump when chunking or the on-disk layout changes, so older indexes are rebuilt rather than misread.
INDEX_FORMAT = 1


def indexing_config(config: AppConfig) -> dict[str, object]:
    spec = config.spec
    return {
        "format": INDEX_FORMAT,
        "loader": spec.loader.model_dump(mode="json", exclude={"on_error"}),
        "splitter": spec.splitter.model_dump(mode="json"),
        "embedding": spec.embedding.model_dump(mode="json", exclude={"batch_size", "api_key_env"}),
        "vector_store": spec.vector_store.model_dump(mode="json"),
    }


def indexing_config_hash(config: AppConfig) -> str:
    canonical = json.dumps(indexing_config(config), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
