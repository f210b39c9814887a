"""Checks that a schema cannot express and that need nothing but the config: templates, ranges between fields,
the LLM settings and the app name. Checks of the environment (data present, models offline) are
``ragops.app.preflight``'s."""

from __future__ import annotations

import string
from pathlib import Path

from ragops.config.diagnostics import Finding, Severity
from ragops.config.models import (
    CONDENSE_REQUIRED_PLACEHOLDERS,
    OPTIONAL_PLACEHOLDERS,
    REQUIRED_PLACEHOLDERS,
    AppConfig,
)
from ragops.config.suggest import closest, did_you_mean

_TEMPLATE = ("spec", "prompt", "template")
_CONDENSE_PROMPT = ("spec", "conversation", "condense_prompt")


def check_template(
    template: str,
    where: tuple[str, ...] = _TEMPLATE,
    required: tuple[str, ...] = REQUIRED_PLACEHOLDERS,
    what: str = "prompt template",
) -> list[Finding]:
    """``template``'s placeholders: each of ``required`` present, nothing but those and the optional ones."""
    try:
        fields = [(text, name) for text, name, _spec, _conv in string.Formatter().parse(template)]
    except ValueError as exc:
        return [
            Finding(
                where,
                "template-syntax",
                f"{what} does not parse: {exc}",
                "write literal braces as {{ and }}; placeholders as " + " and ".join(f"{{{n}}}" for n in required),
            )
        ]
    findings: list[Finding] = []
    used: set[str] = set()
    meant: set[str] = set()  # required names an unknown placeholder was probably meant to be
    allowed = (*required, *OPTIONAL_PLACEHOLDERS)
    for _text, name in fields:
        if name is None:
            continue
        used.add(name)
        if name in allowed:
            continue
        shown = "{" + name + "}"
        meant.add(closest(name, allowed) or "")
        findings.append(
            Finding(
                where,
                "template-placeholder",
                f"unknown placeholder {shown} in {what}",
                did_you_mean(name, allowed) + "; write literal braces as {{ and }}",
                needle=shown,
            )
        )
    for name in required:
        if name not in used and name not in meant:
            findings.append(
                Finding(
                    where,
                    "template-placeholder",
                    f"{what} has no {{{name}}} placeholder",
                    f"add {{{name}}} where the {name} should go",
                )
            )
    return findings


def check_ranges(config: AppConfig) -> list[Finding]:
    splitter = config.spec.splitter
    if splitter.chunk_overlap >= splitter.chunk_size:
        return [
            Finding(
                ("spec", "splitter", "chunk_overlap"),
                "out-of-range",
                f"chunk_overlap ({splitter.chunk_overlap}) must be smaller than chunk_size ({splitter.chunk_size})",
                "make chunk_overlap at most a quarter of chunk_size",
            )
        ]
    return []


def check_k_values(config: AppConfig) -> list[Finding]:
    evaluation, top_k = config.spec.evaluation, config.spec.retrieval.top_k
    beyond = [k for k in evaluation.k_values if k > top_k]
    # Only cut-offs the author wrote: the defaults adapt to nobody's top_k, and warning about them is noise.
    if not beyond or "k_values" not in evaluation.model_fields_set:
        return []
    return [
        Finding(
            ("spec", "evaluation", "k_values"),
            "k-beyond-top-k",
            f"k_values {beyond} exceed retrieval.top_k ({top_k}): only {top_k} chunks are retrieved, so metrics "
            f"at those cut-offs repeat @{top_k}",
            f"drop {beyond} from k_values, or raise top_k",
            severity=Severity.WARNING,
        )
    ]


def check_llm(config: AppConfig) -> list[Finding]:
    llm = config.spec.llm
    if llm.provider == "openai" and not llm.model:
        return [
            Finding(
                ("spec", "llm", "model"),
                "missing-key",
                "provider openai needs a model name",
                "add model: (e.g. gpt-4o-mini, or the name your OpenAI-compatible server serves)",
                at_key=True,
            )
        ]
    return []


def check_conversation(config: AppConfig) -> list[Finding]:
    conversation = config.spec.conversation
    if conversation.condense == "llm" and config.spec.llm.provider != "openai":
        return [
            Finding(
                ("spec", "conversation", "condense"),
                "invalid-value",
                f"condense: llm needs an LLM, and this app's llm.provider is {config.spec.llm.provider}",
                "use condense: rule (or auto), or configure llm.provider: openai",
            )
        ]
    if not conversation.uses_llm(config.spec.llm.provider):
        return []  # the rule condenser never reads the prompt
    return check_template(
        conversation.condense_prompt, _CONDENSE_PROMPT, CONDENSE_REQUIRED_PLACEHOLDERS, "condense prompt"
    )


def check_name(config: AppConfig, file: Path) -> list[Finding]:
    if config.name != file.stem:
        return [
            Finding(
                ("metadata", "name"),
                "name-mismatch",
                f"app name {config.name!r} differs from the file name {file.name!r}",
                f"rename the file to {config.name}.yaml or set the name to {file.stem!r}",
                severity=Severity.WARNING,
            )
        ]
    return []


def check_config(config: AppConfig, file: Path) -> list[Finding]:
    """The checks that need nothing but the config; environment checks are ``ragops.app.preflight``'s."""
    return [
        *check_template(config.spec.prompt.template),
        *check_ranges(config),
        *check_k_values(config),
        *check_llm(config),
        *check_conversation(config),
        *check_name(config, file),
    ]
