"""Where an app's OpenAI-compatible endpoints are reached — its LLM, its evaluation judge, its embedding service —
and whether CI can reach them at all.

An endpoint is reached in one of three ways, decided here once for ``ragops validate --ci``, for the workflows'
job matrix (``ragops affected``) and for the commands that start servers (``--start-local-models``):

- **override**: the config names a ``base_url_env`` variable and it is set — CI passes a repository variable of
  that name (the workflows pass ``RAGOPS_LLM_BASE_URL``), a deployment sets it in the pod;
- **local**: otherwise, a ``base_url`` on loopback serving a model ragops ships in a package
  (:data:`ragops.app.local_models.PACKAGED_MODELS`), with a ``base_url_env`` to point the app at the server
  ragops starts on a free port;
- **remote**: any other ``base_url`` (or none: the OpenAI API), with its API key in the ``api_key_env`` variable.

Anything else cannot be evaluated in CI — a loopback address nothing will serve there, a remote endpoint whose key
is not passed — and ``ragops validate --ci`` reports it as an error at the config line, naming the fix.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ragops.app.local_models import PACKAGED_MODELS, LocalServer, serving
from ragops.config.diagnostics import Finding
from ragops.config.models import AppConfig
from ragops.rag.openai_client import DEFAULT_KEY_ENV, is_loopback

# What .github/workflows/ pass to every step that evaluates: the repository variable for an endpoint's URL and the
# secret for its key. An app naming other variables adds them to those steps' env.
WORKFLOW_URL_VARIABLE = "RAGOPS_LLM_BASE_URL"
WORKFLOW_FILES = ".github/workflows/pr.yml and release.yml"

Reach = Literal["override", "local", "remote"]


@dataclass(frozen=True)
class Endpoint:
    role: str  # llm, judge, embedding
    path: tuple[str, ...]  # the config block, e.g. ("spec", "llm")
    model: str
    base_url: str | None
    base_url_env: str | None
    api_key_env: str | None


@dataclass(frozen=True)
class Reachability:
    endpoint: Endpoint
    reach: Reach | None  # None: cannot be reached here
    problem: str = ""
    fix: str = ""
    key: str = ""  # the config key the problem is about, under endpoint.path


def endpoints(config: AppConfig) -> list[Endpoint]:
    """The OpenAI-compatible endpoints an evaluation of ``config`` calls."""
    spec = config.spec
    found: list[Endpoint] = []
    llm = spec.llm
    if llm.provider == "openai" and llm.model:
        found.append(Endpoint("llm", ("spec", "llm"), llm.model, llm.base_url, llm.base_url_env, llm.api_key_env))
    judge = spec.evaluation.judge
    if judge is not None:
        where: tuple[str, ...] = ("spec", "evaluation", "judge")
        found.append(Endpoint("judge", where, judge.model, judge.base_url, judge.base_url_env, judge.api_key_env))
    embedding = spec.embedding
    if embedding.provider == "openai" and spec.retrieval.mode != "text":
        found.append(
            Endpoint(
                "embedding",
                ("spec", "embedding"),
                embedding.model,
                embedding.base_url,
                embedding.base_url_env,
                embedding.api_key_env,
            )
        )
    return found


def _set(environ: Mapping[str, str], name: str | None) -> bool:
    return bool(name and environ.get(name, "").strip())


def reachability(endpoint: Endpoint, environ: Mapping[str, str]) -> Reachability:
    """How ``endpoint`` is reached in an environment with ``environ``'s variables (a CI step's, say)."""
    where = ".".join(endpoint.path)
    if _set(environ, endpoint.base_url_env):
        url = environ[endpoint.base_url_env or ""].strip()
        return _remote(endpoint, environ, "override") if not is_loopback(url) else Reachability(endpoint, "override")
    if not is_loopback(endpoint.base_url):
        return _remote(endpoint, environ, "remote")
    packaged = endpoint.model in PACKAGED_MODELS and endpoint.role != "embedding"
    if packaged and endpoint.base_url_env:
        return Reachability(endpoint, "local")
    if packaged:
        return Reachability(
            endpoint,
            None,
            f"{endpoint.base_url} is this machine's loopback: CI serves the packaged {endpoint.model} on a free "
            "loopback port instead, and needs a variable to point the app at it",
            f"add `base_url_env: {WORKFLOW_URL_VARIABLE}` to {where}",
            "base_url",
        )
    variable = endpoint.base_url_env or WORKFLOW_URL_VARIABLE
    add = "" if endpoint.base_url_env else f"add `base_url_env: {variable}` to {where}, "
    return Reachability(
        endpoint,
        None,
        f"nothing serves {endpoint.base_url} in CI: it is the loopback of whatever machine runs the evaluation, and "
        f"{endpoint.model!r} is not a model ragops serves itself ({', '.join(sorted(PACKAGED_MODELS))})",
        f"{add}set a repository variable {variable} to the endpoint's URL (Settings → Secrets and variables → "
        f"Actions → Variables) and pass it to the steps that evaluate in {WORKFLOW_FILES} "
        f"(env: {variable}: ${{{{ vars.{variable} }}}})",
        "base_url",
    )


def _remote(endpoint: Endpoint, environ: Mapping[str, str], reach: Reach) -> Reachability:
    key_env = endpoint.api_key_env or DEFAULT_KEY_ENV
    if _set(environ, key_env):
        return Reachability(endpoint, reach)
    return Reachability(
        endpoint,
        None,
        f"the API key for {endpoint.base_url or 'the OpenAI API'} (model {endpoint.model}) is read from {key_env}, "
        "which is not set here",
        f"add a repository secret {key_env} and pass it to the steps that evaluate in {WORKFLOW_FILES} "
        f"(env: {key_env}: ${{{{ secrets.{key_env} }}}}); pull requests from forks get no secrets and cannot "
        "evaluate this app",
        "api_key_env" if endpoint.api_key_env else "model",
    )


def ci_findings(config: AppConfig, environ: Mapping[str, str]) -> list[Finding]:
    """An error for every endpoint of ``config`` that an evaluation with ``environ`` could not reach."""
    findings: list[Finding] = []
    for found in endpoints(config):
        reach = reachability(found, environ)
        if reach.reach is None:
            message = f"{found.role} endpoint cannot be evaluated in CI: {reach.problem}"
            findings.append(Finding((*found.path, reach.key), "ci-unreachable", message, reach.fix, at_key=True))
    return findings


def local_models(config: AppConfig, environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """``(packaged model, base_url_env variable)`` for every endpoint of ``config`` served locally here."""
    wanted: list[tuple[str, str]] = []
    for found in endpoints(config):
        if reachability(found, environ).reach == "local" and found.base_url_env:
            pair = (found.model, found.base_url_env)
            if pair not in wanted:
                wanted.append(pair)
    return wanted


@contextmanager
def serve_local_models(config: AppConfig, log_dir: Path, enabled: bool = True) -> Iterator[list[LocalServer]]:
    """For the block, serve the packaged models ``config``'s endpoints need here (nothing when ``enabled`` is
    False or none is needed), each on a free loopback port its ``base_url_env`` variable points at."""
    wanted = local_models(config, os.environ) if enabled else []
    with serving(wanted, log_dir) as servers:
        yield servers
