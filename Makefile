# Two entry points (see README): `make contracts` runs the suite against the bundled LiteLLM and writes
# reports/results.json; `make test` runs every check CI runs. Both set themselves up on a fresh machine.
# `make gateways` installs Portkey (npm), llm-rosetta and codex-relay (pip) from the suite's pinned recipes
# into the user cache; the suite would do it on first use anyway.
# The gateway runs in this Python. CPython 3.10/3.11 can run the garbage collector inside a contextvars
# update and crash with SIGSEGV (python/cpython#148891); LiteLLM's proxy hits it now and then under load.
# From 3.12 the collector runs only between bytecodes (python/cpython#97922), so prefer 3.12 or newer when
# one runs here (on PATH or under pyenv); `make PYTHON=...` overrides.
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell for p in python3.12 python3.13 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[23].*/bin/python3 \
	2>/dev/null); do $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; exit; }; done; \
	echo python3)
endif
VENV ?= .venv
BIN := $(VENV)/bin
REPORT ?= reports
# LiteLLM releases the self-tests compare besides the pinned one (pyproject.toml's `litellm` extra):
# the reported bugs are in OLD and fixed in FIXED; each gets its own virtualenv under .venvs/.
OLD_LITELLM ?= 1.83.14
FIXED_LITELLM ?= 1.106.1
OLD_BIN := .venvs/litellm-$(OLD_LITELLM)/bin/litellm
FIXED_BIN := .venvs/litellm-$(FIXED_LITELLM)/bin/litellm

.PHONY: setup contracts test lint selftest old-litellm gateways clean

$(BIN)/litellm: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[litellm,dev]'
	@$(BIN)/python -c 'import sys; sys.version_info < (3, 12) and print("note: LiteLLM runs on Python %d.%d here," \
		" which can crash it with SIGSEGV (python/cpython#148891); install Python 3.12+ and make clean setup" % sys.version_info[:2])'
	@touch $@

setup: $(BIN)/litellm

.venvs/litellm-%/bin/litellm:
	$(PYTHON) -m venv .venvs/litellm-$*
	.venvs/litellm-$*/bin/pip install --quiet 'litellm[proxy]==$*'
	@touch $@

# The releases the reported-bug self-tests run (1.83.14 has the bugs, 1.106.1 has neither).
old-litellm: $(OLD_BIN) $(FIXED_BIN)

gateways: setup
	$(BIN)/python -m codex_gateway_contracts.gateways

contracts: setup
	$(BIN)/pytest tests/contracts --contracts-report $(REPORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# `tests` is named: with a contract option and no test path, pytest runs only the contract suite.
test: setup old-litellm gateways lint
	CGC_LITELLM_OLD=$(CURDIR)/$(OLD_BIN) CGC_LITELLM_FIXED=$(CURDIR)/$(FIXED_BIN) CGC_REQUIRE_GATEWAYS=1 \
		$(BIN)/pytest tests --contracts-report $(REPORT)

clean:
	rm -rf $(VENV) .venvs $(REPORT)
