"""What a FActScore measures, pinned: the versions and parameters of each part, and the text that records them
in a report (metric descriptions and ``metadata.models["factscore"]``). Imports nothing heavy, so provenance can
name the method without loading an index or an HTTP client.

A change to the rules, prompts or parameters of a part is a new version here; reports then say the method
changed, and values of two versions are not compared unknowingly.
"""

from __future__ import annotations

from ragops.config.models import AppConfig, JudgeSpec

RULES_VERSION = "rules-v1"  # rule_facts: the offline atomic-fact splitter
LEXICAL_VERSION = "lexical-v1"  # lexical_verifier: the offline entailment rule
LEXICAL_THRESHOLD = 0.6  # its weighted-coverage threshold, fixed before the calibration labels were written
LLM_FACTS_VERSION = "llm-facts-v1"  # llm_facts: the decomposition prompt
LLM_VERIFY_VERSION = "llm-verify-v1"  # llm_verifier: the true/false prompt
TOP_K = 5  # evidence passages per fact, as in the reference
GAMMA = 10  # the length penalty's fact count, as in the reference

NOT_APPLICABLE = (
    "not applicable: the extractive generator answers with sentences copied from the retrieved passages, so every "
    "atomic fact would be supported (a FActScore of 1.0 by construction)"
)


def applies(config: AppConfig) -> bool:
    """FActScore means something only for answers an LLM wrote."""
    return config.spec.llm.provider != "extractive"


def llm_judge(config: AppConfig) -> JudgeSpec | None:
    """The judge that computes the LLM-verified family, when the config asks for it (``judge.factscore``)."""
    judge = config.spec.evaluation.judge
    return judge if judge is not None and judge.factscore else None


def lexical_method() -> str:
    return (
        f"{RULES_VERSION} facts, BM25 top-{TOP_K} corpus passages, "
        f"{LEXICAL_VERSION} verifier (coverage >= {LEXICAL_THRESHOLD}), gamma {GAMMA}"
    )


def llm_method(spec: JudgeSpec) -> str:
    return (
        f"{LLM_FACTS_VERSION} facts and {LLM_VERIFY_VERSION} verifier by openai:{spec.model}@"
        f"{spec.base_url or 'default'}, BM25 top-{TOP_K} corpus passages, gamma {GAMMA}"
    )


def method(config: AppConfig) -> str:
    """What the run's FActScore measures, for the report's ``metadata.models``."""
    if not applies(config):
        return NOT_APPLICABLE
    judge = llm_judge(config)
    return f"lexical: {lexical_method()}" + (f"; llm: {llm_method(judge)}" if judge is not None else "")
