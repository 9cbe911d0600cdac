# Two entry points (see README): `make contracts` runs the suite against the bundled LiteLLM and writes
# reports/results.json; `make test` runs every check CI runs. Both set themselves up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
REPORT ?= reports
# LiteLLM releases the self-tests compare (the reported bugs are in the first, fixed in the second).
OLD_LITELLM ?= 1.83.14
OLD_VENV := .venvs/litellm-$(OLD_LITELLM)

.PHONY: setup contracts test lint selftest old-litellm clean

$(BIN)/litellm: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[litellm,dev]'
	@touch $@

setup: $(BIN)/litellm

$(OLD_VENV)/bin/litellm:
	$(PYTHON) -m venv $(OLD_VENV)
	$(OLD_VENV)/bin/pip install --quiet 'litellm[proxy]==$(OLD_LITELLM)'
	@touch $@

old-litellm: $(OLD_VENV)/bin/litellm

contracts: setup
	$(BIN)/pytest tests/contracts --contracts-report $(REPORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: setup old-litellm lint
	CGC_LITELLM_OLD=$(CURDIR)/$(OLD_VENV)/bin/litellm CGC_REQUIRE_GATEWAYS=1 \
		$(BIN)/pytest --contracts-report $(REPORT)

clean:
	rm -rf $(VENV) .venvs $(REPORT)
