"""The short form of a RAG config (the product brief's YAML) and its normalisation into the full form.

The short form is accepted exactly as the brief writes it, plus a ``data`` block saying what the app answers
from. ``FULL_TO_SHORT`` maps full-form paths back to short-form paths so errors found on the normalised
config still point at the line the user wrote.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from ragops.config.models import (
    API_VERSION,
    DEFAULT_EMBEDDING_MODEL,
    DEFAULT_SYSTEM_PROMPT,
    KIND,
    AppConfig,
    AppName,
    AppSpec,
    DataSpec,
    EmbeddingSpec,
    EvaluationSpec,
    LLMSettings,
    LLMSpec,
    Metadata,
    PromptSpec,
    RetrievalSpec,
    Strict,
    VectorStoreSpec,
)


class ShortRetrieverConfig(Strict):
    index_type: Literal["faiss"] = "faiss"
    embedding_model: str = Field(DEFAULT_EMBEDDING_MODEL, min_length=1)
    top_k: int = Field(5, ge=1, le=1000)
    score_threshold: float | None = None


class ShortRetriever(Strict):
    type: Literal["vector", "text", "hybrid"]
    config: ShortRetrieverConfig = Field(default_factory=ShortRetrieverConfig)


class ShortGenerator(Strict):
    type: Literal["openai", "extractive"]
    config: LLMSettings = Field(default_factory=LLMSettings)


class ShortPrompt(Strict):
    template: str
    system: str = DEFAULT_SYSTEM_PROMPT


class ShortFormConfig(Strict):
    """A RAG app in the short form: retriever, generator and prompt, plus its data."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="RAGAppShortForm")

    name: AppName | None = Field(None, description="Defaults to the file name without .yaml.")
    data: DataSpec
    retriever: ShortRetriever
    generator: ShortGenerator
    prompt: ShortPrompt
    evaluation: EvaluationSpec = Field(default_factory=EvaluationSpec)


# Where each full-form value was written in the short form. Mirrored blocks keep their inner paths; leaves
# map a whole full-form block onto the one short-form key it came from. The longest matching prefix wins.
_MIRRORED: dict[tuple[str | int, ...], tuple[str | int, ...]] = {
    ("spec", "data"): ("data",),
    ("spec", "evaluation"): ("evaluation",),
    ("spec", "prompt"): ("prompt",),
    ("spec", "llm"): ("generator", "config"),
}
_LEAVES: dict[tuple[str | int, ...], tuple[str | int, ...]] = {
    ("metadata", "name"): ("name",),
    ("spec", "llm", "provider"): ("generator", "type"),
    ("spec", "retrieval", "mode"): ("retriever", "type"),
    ("spec", "retrieval", "top_k"): ("retriever", "config", "top_k"),
    ("spec", "retrieval", "score_threshold"): ("retriever", "config", "score_threshold"),
    ("spec", "retrieval"): ("retriever",),
    ("spec", "splitter"): ("retriever",),
    ("spec", "embedding"): ("retriever", "config", "embedding_model"),
    ("spec", "vector_store"): ("retriever", "config", "index_type"),
}


def short_path(full: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """The short-form path where the value at a full-form path was written (``()``: the document)."""
    for size in range(len(full), 0, -1):
        prefix = full[:size]
        if prefix in _LEAVES:
            return _LEAVES[prefix]
        if prefix in _MIRRORED:
            return (*_MIRRORED[prefix], *full[size:])
    return ()


# Full-form scalars the short form writes as one value of its own (the rest of _LEAVES are whole blocks).
_SCALAR_LEAVES: dict[tuple[str | int, ...], tuple[str | int, ...]] = {
    **{full: short for full, short in _LEAVES.items() if len(full) == 3 or full == ("metadata", "name")},
    ("spec", "embedding", "model"): ("retriever", "config", "embedding_model"),
}


def short_leaf(full: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
    """The short-form path that holds exactly the value at the full-form path ``full``, or None when the short form
    has no place for it on its own (fusion, chunking, …: only the full form can say those)."""
    if full in _SCALAR_LEAVES:
        return _SCALAR_LEAVES[full]
    for size in range(len(full), 0, -1):
        if full[:size] in _MIRRORED:
            return (*_MIRRORED[full[:size]], *full[size:])
    return None


def normalise(short: ShortFormConfig, default_name: str) -> AppConfig:
    """The full-form config that means exactly what the short form says."""
    retriever, generator = short.retriever, short.generator
    return AppConfig.model_validate(
        {
            "apiVersion": API_VERSION,
            "kind": KIND,
            "metadata": Metadata(name=short.name or default_name),
            "spec": AppSpec(
                data=short.data,
                embedding=EmbeddingSpec(model=retriever.config.embedding_model),
                vector_store=VectorStoreSpec(type=retriever.config.index_type),
                retrieval=RetrievalSpec(
                    mode=retriever.type,
                    top_k=retriever.config.top_k,
                    score_threshold=retriever.config.score_threshold,
                ),
                llm=LLMSpec(provider=generator.type, **generator.config.model_dump(exclude_unset=True)),
                prompt=PromptSpec(template=short.prompt.template, system=short.prompt.system),
                evaluation=short.evaluation,
            ),
        }
    )
