"""The RAG app config in its full form (``apiVersion: ragops.dev/v1``, ``kind: RAGApp``).

Every component a Kotaemon app exposes has a block here: loader, splitter, embedding, vector store,
retrieval, LLM, prompt and citation; plus what the app is evaluated on (data) and how (evaluation, gate), and
what is done with personal data in its documents (privacy, ``ragops.config.privacy``), and how a release is judged
on live traffic (rollout, ``ragops.config.rollout``).
The short form of the product brief is normalised into this model (see ``shortform``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ragops.config.gate import GatePolicy
from ragops.config.privacy import PrivacySpec
from ragops.config.rollout import RolloutSpec

API_VERSION = "ragops.dev/v1"
KIND = "RAGApp"
DEFAULT_EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"

# Placeholders of a QA template: the first two are required; {lang} is optional, as in Kotaemon's templates.
REQUIRED_PLACEHOLDERS = ("context", "question")
OPTIONAL_PLACEHOLDERS = ("lang",)

DEFAULT_SYSTEM_PROMPT = "This is a question answering system."
DEFAULT_QA_TEMPLATE = (
    "Use the following pieces of context to answer the question at the end. "
    "If you don't know the answer, just say that you don't know, don't try to make up an answer.\n"
    "{context}\n"
    "Question: {question}\n"
    "Helpful Answer:"
)

APP_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
AppName = Annotated[
    str,
    Field(
        pattern=APP_NAME_PATTERN,
        max_length=63,
        description="DNS-1123 label: it names Kubernetes objects and overlay folders.",
    ),
]
EnvVarName = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Name of an environment variable that holds the secret; never the secret itself.",
    ),
]
RepoPath = Annotated[
    str,
    Field(min_length=1, description="Path relative to the repository root; must stay inside the repository."),
]


class Strict(BaseModel):
    """Base of every config block: unknown keys are errors, values are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Metadata(Strict):
    name: AppName
    description: str = ""
    labels: dict[str, str] = Field(default_factory=dict)


class DataSpec(Strict):
    """What the app answers from and is evaluated on."""

    corpus: RepoPath = Field(description="Folder of documents, e.g. datasets/covid-qa/docs.")
    testsets: list[RepoPath] = Field(min_length=1, description="JSONL test sets, e.g. datasets/x/testsets/a.jsonl.")


class LoaderSpec(Strict):
    """How documents are read (Kotaemon: the file index's reader settings)."""

    type: Literal["auto", "text", "markdown", "html", "pdf", "json"] = Field(
        "auto", description="'auto' picks the reader by file extension."
    )
    include: list[str] = Field(default_factory=lambda: ["**/*"], description="Glob patterns, relative to corpus.")
    exclude: list[str] = Field(default_factory=list)
    on_error: Literal["fail", "skip"] = Field(
        "fail", description="A file that cannot be read is always reported; 'skip' goes on without it."
    )


class SplitterSpec(Strict):
    """Token-based chunking (Kotaemon: kotaemon.indices.splitters.TokenSplitter)."""

    type: Literal["token"] = "token"
    chunk_size: int = Field(256, ge=16, le=8192, description="Tokens per chunk, in the embedding tokenizer.")
    chunk_overlap: int = Field(32, ge=0, le=4096, description="Tokens shared by consecutive chunks.")
    separator: str = " "


BASE_URL_ENV_DESCRIPTION = (
    "Environment variable that, when set and not empty, replaces base_url: how CI (a repository variable the "
    "workflows pass on) and each deployment point the app at their own endpoint. Caches and reports keep naming "
    "base_url."
)


class EmbeddingSpec(Strict):
    provider: Literal["sentence-transformers", "openai"] = "sentence-transformers"
    model: str = Field(DEFAULT_EMBEDDING_MODEL, min_length=1)
    normalize: bool = True
    batch_size: int = Field(32, ge=1, le=4096)
    base_url: str | None = Field(None, description="OpenAI-compatible endpoint (provider: openai).")
    base_url_env: EnvVarName | None = Field(None, description=BASE_URL_ENV_DESCRIPTION)
    api_key_env: EnvVarName | None = None


class HnswParams(Strict):
    m: int = Field(32, ge=4, le=256)
    ef_construction: int = Field(200, ge=8, le=4096)
    ef_search: int = Field(64, ge=8, le=4096)


class IvfParams(Strict):
    nlist: int = Field(100, ge=1, le=1_000_000)
    nprobe: int = Field(8, ge=1, le=1_000_000)


class VectorStoreSpec(Strict):
    type: Literal["faiss"] = "faiss"
    index: Literal["flat", "hnsw", "ivf"] = Field("flat", description="flat is exact inner product.")
    hnsw: HnswParams = Field(default_factory=HnswParams)
    ivf: IvfParams = Field(default_factory=IvfParams)


class FusionSpec(Strict):
    """Reciprocal-rank fusion of the vector and text rankings (hybrid mode).

    The defaults were chosen on the sample apps (scripts/retrieval_quality.py): with the classic k=60 and equal
    weights, hybrid fell below BM25 alone on COVID-QA (hit@5 0.833 vs 0.858); k=10 with BM25 weighted 1.5 makes
    hybrid at least as good as either mode alone on both samples (0.862 on COVID-QA, recall@10 0.900 on HotpotQA).
    """

    method: Literal["rrf"] = "rrf"
    k: int = Field(10, ge=1, le=10_000, description="RRF constant: smaller trusts the top ranks more.")
    vector_weight: float = Field(1.0, ge=0.0, le=100.0)
    text_weight: float = Field(1.5, ge=0.0, le=100.0)


class RerankerSpec(Strict):
    type: Literal["cross-encoder"] = "cross-encoder"
    model: str = Field(min_length=1)
    candidates: int = Field(20, ge=1, le=1000, description="How many fused hits the reranker re-scores.")


class RetrievalSpec(Strict):
    """Kotaemon: kotaemon.indices.vectorindex.VectorRetrieval and the file index's retrieval settings."""

    mode: Literal["vector", "text", "hybrid"] = "hybrid"
    top_k: int = Field(5, ge=1, le=1000)
    candidates: int = Field(50, ge=1, le=10_000, description="Hits each retriever returns before fusion.")
    fusion: FusionSpec = Field(default_factory=FusionSpec)
    reranker: RerankerSpec | None = None
    score_threshold: float | None = Field(None, description="Drop hits scoring below this (mode-specific scale).")


class ChatEndpoint(Strict):
    """An OpenAI-compatible chat model and how to call it: shared by the app's LLM and the evaluation judge."""

    model: str | None = Field(None, min_length=1, description="Required for provider openai.")
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    base_url: str | None = Field(None, description="Any OpenAI-compatible endpoint: OpenAI, vLLM, Ollama, llama.cpp.")
    base_url_env: EnvVarName | None = Field(None, description=BASE_URL_ENV_DESCRIPTION)
    api_key_env: EnvVarName | None = Field(None, description="Defaults to OPENAI_API_KEY for provider openai.")
    timeout_s: float = Field(60.0, gt=0.0, le=3600.0)
    max_retries: int = Field(3, ge=0, le=20)


class LLMSettings(ChatEndpoint):
    """LLM parameters shared by the full form's ``llm`` and the short form's ``generator.config``."""

    max_tokens: int = Field(512, ge=1, le=1_000_000)
    sentences: int = Field(2, ge=1, le=20, description="provider extractive: sentences in an answer.")


class LLMSpec(LLMSettings):
    provider: Literal["extractive", "openai"] = "extractive"


class PromptSpec(Strict):
    system: str = DEFAULT_SYSTEM_PROMPT
    template: str = Field(
        DEFAULT_QA_TEMPLATE, description="str.format template with {context} and {question}; {lang} optional."
    )
    lang: str = Field("English", min_length=1, description="Fills {lang}, as Kotaemon's reasoning.lang does.")


# The condense prompt: it turns a follow-up question and the conversation so far into one standalone search query.
# {history} and {question} are required, {lang} optional, like the QA template's placeholders.
CONDENSE_REQUIRED_PLACEHOLDERS = ("history", "question")
DEFAULT_CONDENSE_PROMPT = (
    "Below is a conversation so far and a follow-up question from the user. Rewrite the follow-up question as one "
    "standalone question that can be searched for in a knowledge base without the conversation: replace pronouns "
    "and references with the names they stand for, keep every other detail, write it in {lang}, and answer with "
    "the question only. If the follow-up question is already standalone, repeat it unchanged.\n\n"
    "Conversation:\n{history}\n\n"
    "Follow-up question: {question}\n"
    "Standalone question:"
)


class ConversationSpec(Strict):
    """Multi-turn chat (``POST /v1/chat`` and conversational test sets): how a follow-up question is made
    standalone before retrieval. Kotaemon: ``ktem.reasoning.simple.FullQAPipeline``'s ``n_last_interactions``
    and ``trigger_context``, whose ``AddQueryContextPipeline`` rewrites short messages with the LLM."""

    condense: Literal["auto", "llm", "rule"] = Field(
        "auto",
        description="How a follow-up question is made standalone: 'llm' asks the app's LLM with condense_prompt; "
        "'rule' carries the names of the last turns into the question (deterministic, no LLM); 'auto' is 'llm' "
        "for provider openai and 'rule' for the extractive generator.",
    )
    n_last_interactions: int = Field(
        5, ge=1, le=50, description="Previous turns (question and answer) the condense step reads."
    )
    trigger_context: int = Field(
        150,
        ge=1,
        le=100_000,
        description="Questions shorter than this many characters are condensed with the history; longer ones are "
        "used as they are (they are likely standalone already).",
    )
    condense_prompt: str = Field(
        DEFAULT_CONDENSE_PROMPT,
        description="condense llm: str.format template with {history} and {question}; {lang} optional.",
    )
    carry_names: int = Field(
        4, ge=1, le=20, description="condense rule: the most names carried from the history into a question."
    )

    def uses_llm(self, provider: str) -> bool:
        """Whether the condense step calls the LLM, for an app whose LLM provider is ``provider``."""
        return self.condense == "llm" or (self.condense == "auto" and provider == "openai")


class CitationSpec(Strict):
    mode: Literal["inline", "highlight", "off"] = "inline"


# Names of the built-in judge prompts (ragops.evaluation.judge.PROMPTS). A version is never edited once
# released, so a config that names one gets the same judgements for as long as the judge model stays the same.
JudgePromptVersion = Literal["v1"]


class JudgeSpec(ChatEndpoint):
    """The LLM that grades answers (judge_faithfulness, judge_answer_relevance). Its model and prompt version are
    required: judge metrics only compare across runs when both are pinned."""

    model: str = Field(min_length=1, description="The judge model's exact name at base_url; pin a version.")
    prompt_version: JudgePromptVersion = Field(description="Which built-in judge prompts to use, e.g. v1.")
    advisory: bool = Field(
        True, description="Report the judge metrics with role advisory (never fail a pull request); false: gate."
    )
    factscore: bool = Field(
        False,
        description="Also compute the LLM-verified FActScore (factscore_llm*) with this model: prompted atomic "
        "facts and a true/false check of every fact, about 2 calls per fact plus 1 per sentence (cached). "
        "Off: only the offline lexical variant (factscore_lexical*) is computed.",
    )


class EvaluationSpec(Strict):
    k_values: list[Annotated[int, Field(ge=1, le=1000)]] = Field(
        default_factory=lambda: [1, 3, 5, 10], min_length=1, description="Rank cut-offs of the retrieval metrics."
    )
    max_questions: int | None = Field(
        None,
        ge=1,
        description="Evaluate on the first N questions of each test set only (in file order), e.g. to keep the "
        "runs of an app answered by a slow LLM short in CI; reports and pull-request comments say so. Unset: every "
        "question.",
    )
    gate: GatePolicy = Field(default_factory=GatePolicy)
    judge: JudgeSpec | None = Field(
        None, description="LLM-as-judge metrics, computed only when set; judgements are cached by request hash."
    )


class AppSpec(Strict):
    data: DataSpec
    loader: LoaderSpec = Field(default_factory=LoaderSpec)
    splitter: SplitterSpec = Field(default_factory=SplitterSpec)
    embedding: EmbeddingSpec = Field(default_factory=EmbeddingSpec)
    vector_store: VectorStoreSpec = Field(default_factory=VectorStoreSpec)
    retrieval: RetrievalSpec = Field(default_factory=RetrievalSpec)
    llm: LLMSpec = Field(default_factory=LLMSpec)
    prompt: PromptSpec = Field(default_factory=PromptSpec)
    citation: CitationSpec = Field(default_factory=CitationSpec)
    conversation: ConversationSpec = Field(default_factory=ConversationSpec)
    evaluation: EvaluationSpec = Field(default_factory=EvaluationSpec)
    privacy: PrivacySpec | None = Field(
        None, description="Personal data in the documents: what to look for and what ingest does (off when absent)."
    )
    rollout: RolloutSpec = Field(
        default_factory=RolloutSpec, description="How a release is judged while it serves part of the traffic."
    )


class AppConfig(Strict):
    """A RAG app: ``rag-configs/<name>.yaml`` in full form."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, title="RAGApp")

    api_version: Literal["ragops.dev/v1"] = Field(alias="apiVersion")
    kind: Literal["RAGApp"]
    metadata: Metadata
    spec: AppSpec

    @property
    def name(self) -> str:
        return self.metadata.name
