# briefgen: `make brief` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TOOLS  := $(VENV)/.test-deps
BRIEF  ?= $(wildcard briefs/*.yaml)
ARGS   ?=

.PHONY: help brief test bench golden schema clean
.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'
	@echo "  variables: BRIEF=briefs/x.yaml (default: every brief), ARGS='--theme print --paper a4'"

brief: $(STAMP) ## build every brief (or BRIEF=...) into build/<brief>/
	$(BIN)/briefgen build $(BRIEF) $(ARGS)

test: $(STAMP) $(TOOLS) ## run the test suite
	$(BIN)/python -m pytest -q

bench: $(STAMP) ## time cold, warm and batch builds; prints ratios (OLD=rev: also against that revision)
	@# Byte-compiled as on a user's machine, even where PYTHONDONTWRITEBYTECODE is set.
	$(BIN)/python -m compileall -q src
	BENCH_OLD=$(OLD) $(BIN)/python bench/run.py

golden: $(STAMP) $(TOOLS) ## regenerate the golden text files after an intended change; review with git diff
	$(BIN)/python -m tests.golden

schema: $(STAMP) ## regenerate schema/brief.schema.json from the loader's schema
	$(BIN)/briefgen schema > schema/brief.schema.json

clean: ## remove build outputs (keeps .venv)
	rm -rf build

# The venv is made once and refreshed when pyproject.toml changes.
$(STAMP): pyproject.toml scripts/system-deps
	scripts/system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# Programs only the tests use (qpdf, LibreOffice, poppler, fonts): for make test, never make brief.
$(TOOLS): scripts/test-deps $(STAMP)
	scripts/test-deps
	touch $@
