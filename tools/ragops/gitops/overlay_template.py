"""A new overlay of an app in an environment, from one template.

``kustomization.yaml`` is rendered from ``templates/kustomization.yaml.j2`` with the environment's name, namespace
(``ragops-<environment>``) and components as ``kustomize/environments.yaml`` declares them; the other three files
are the placeholders promotion replaces (``app.yaml``: a copy of the app's config; ``release.json`` and
``release.env``: an all-zero digest the init container refuses). Every overlay in the repository is this template's
output (a test holds them to it), so a change to the layout is made once, here.
"""

from __future__ import annotations

from ragops.config.environments import Environment
from ragops.gitops.overlay_files import IMAGE_NAME
from ragops.gitops.release import PLACEHOLDER_DIGEST, PLACEHOLDER_URI, placeholder_dumps
from ragops.layout import CONFIG_DIR, KUSTOMIZATION, OVERLAY_CONFIG, OVERLAY_RELEASE, OVERLAY_RELEASE_ENV
from ragops.templates import template

TEMPLATE = "kustomization.yaml.j2"
# Where an app whose LLM endpoint comes from a variable (``llm.base_url_env``) is pointed until an operator sets it.
PLACEHOLDER_LLM_URL = "https://llm.example.invalid/v1"


def namespace(environment: str) -> str:
    return f"ragops-{environment}"


def kustomization_text(environment: Environment, app: str, llm_base_url_env: str | None = None) -> str:
    """The overlay's kustomization; with ``llm_base_url_env`` (the app's ``llm.base_url_env``) it sets that
    variable on the service to a placeholder endpoint the environment's operator replaces."""
    return template("ragops.gitops", TEMPLATE).render(
        environment=environment.name,
        namespace=namespace(environment.name),
        components=environment.components,
        app=app,
        overlay_config=OVERLAY_CONFIG,
        overlay_release=OVERLAY_RELEASE,
        overlay_release_env=OVERLAY_RELEASE_ENV,
        image_name=IMAGE_NAME,
        placeholder_digest=PLACEHOLDER_DIGEST,
        llm_base_url_env=llm_base_url_env,
        placeholder_llm_url=PLACEHOLDER_LLM_URL,
        config_dir=CONFIG_DIR,
    )


def placeholder_release_env() -> str:
    return (
        "# PLACEHOLDER until `ragops promote` writes the released index artifact's URI and digest. The init "
        "container's\n# fetch refuses this all-zero digest, so an unpromoted overlay never serves an unverified "
        f"index.\nINDEX_URI={PLACEHOLDER_URI}\nINDEX_DIGEST={PLACEHOLDER_DIGEST}\n"
    )


def placeholder_config(app: str, config_text: str) -> str:
    header = f"# PLACEHOLDER: a copy of {CONFIG_DIR}/{app}.yaml; `ragops promote` writes the released config here.\n"
    return header + config_text


def overlay_files(
    environment: Environment, app: str, config_text: str, llm_base_url_env: str | None = None
) -> dict[str, str]:
    """File name → text of the overlay of ``app`` in ``environment``, never promoted."""
    return {
        KUSTOMIZATION: kustomization_text(environment, app, llm_base_url_env),
        OVERLAY_CONFIG: placeholder_config(app, config_text),
        OVERLAY_RELEASE: placeholder_dumps(app, environment.name),
        OVERLAY_RELEASE_ENV: placeholder_release_env(),
    }
