# RedLens developer interface. `make help` lists the targets.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run serve test test-fast lint format train evaluate bench bench-api bench-pages demo migrate clean i18n

help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install RedLens with its dev tools (pinned by constraints.txt)

run: install ## Set up everything (models, database, demo workspace) and serve http://$(HOST):$(PORT)
	$(BIN)/redlens models ensure
	$(BIN)/redlens db upgrade
	$(BIN)/redlens demo --url http://$(HOST):$(PORT)
	@echo ""
	@echo "RedLens is starting on http://$(HOST):$(PORT)  (API docs: http://$(HOST):$(PORT)/docs)"
	$(BIN)/redlens serve --host $(HOST) --port $(PORT)

test: install ## Run the whole test-suite (store tests on SQLite and PostgreSQL)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test-fast: install ## Tests without the slow and browser ones
	$(BIN)/python -m pytest -n 2 -m "not slow and not e2e"

lint: install ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

LOCALES := service/web/locale
i18n: install ## Re-extract the pages' messages, update the zh_CN and en catalogues and compile them
	$(BIN)/pybabel extract -F service/web/babel.cfg --no-location --omit-header --sort-output -o $(LOCALES)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALES)/messages.pot -d $(LOCALES) --no-fuzzy-matching --width 0
	$(BIN)/pybabel compile -d $(LOCALES) --statistics

format: install ## Apply ruff formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

train: install ## Retrain the default sentiment and intent models from the corpora (reproducible)
	$(BIN)/redlens train --task all --promote

evaluate: install ## Evaluate the current models and print their cards
	$(BIN)/redlens evaluate

bench: install ## Speed and accuracy benchmarks next to their baselines
	$(BIN)/python -m benchmarks.run_all

bench-api: install ## Load-test the API (2 workers, loopback): p50/p99 latency and requests/s
	$(BIN)/python -m benchmarks.bench_api

bench-pages: install ## Page weight (raw and gzipped bytes) and server time of every page on the demo workspace
	$(BIN)/python -m benchmarks.pages

demo: install ## Seed the demo workspace and print its API key
	$(BIN)/redlens demo --url http://$(HOST):$(PORT)

migrate: install ## Apply database migrations
	$(BIN)/redlens db upgrade

clean: ## Remove caches and the local database (keeps .venv and models)
	rm -rf var .pytest_cache .mypy_cache .ruff_cache test-artifacts
