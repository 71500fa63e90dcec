# Coerced Recruitment Monitor: data -> notebooks -> report.
# Every target below is a file with real prerequisites, so a second `make report` with
# nothing changed does nothing. `make help` lists the targets.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The archive of captured source texts (not redistributed with the project).
COERCION_SOURCES_DIR ?= $(abspath ../shared/sources)
export COERCION_SOURCES_DIR
# Deterministic outputs: matplotlib and the report use this instead of the clock.
export SOURCE_DATE_EPOCH ?= 0
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg

ENV_STAMP := $(VENV)/.installed
PKG := $(shell find src/analysis -type f -not -path '*/__pycache__/*' -not -name '*.pyc')
RAW := $(wildcard data/raw/*.csv data/raw/incidents/*)
REFERENCE := $(wildcard data/reference/*.geojson data/reference/*.csv)
ARCHIVE := $(wildcard $(COERCION_SOURCES_DIR)/*.txt)
DATA := data/processed/MANIFEST
DATA_STAMP := build/.data.stamp
NOTEBOOKS := $(wildcard notebooks/*.ipynb)
NB_STAMP := build/notebooks/.executed
REPORT_SRC := $(wildcard reports/*.qmd reports/_quarto.yml reports/assets/*.* reports/assets/*/*)
REPORT_SOURCES := build/.report-sources.stamp
# `make notebooks EXCLUDE_PARTY_CLAIMS=1`: every notebook without the figures claimed by a
# party to the conflict, into build/notebooks-without-claims/ (both variants coexist).
EXCLUDE_PARTY_CLAIMS ?= 0
WITHOUT_CLAIMS := $(filter 1 true yes,$(EXCLUDE_PARTY_CLAIMS))
NB_STAMP_WITHOUT_CLAIMS := build/notebooks-without-claims/.executed
REPORT_SOURCES_WITHOUT_CLAIMS := build/.report-sources-without-claims.stamp
# Extra arguments for JupyterLab, e.g. `make lab LAB_ARGS="--no-browser --port=8890"`.
LAB_ARGS ?=
REPORT := reports/output/report.html reports/output/report.pdf
# `make report EXCLUDE_PARTY_CLAIMS=1`: the whole report without the figures claimed by a
# party to the conflict, beside the full one.
REPORT_WITHOUT_CLAIMS := reports/output/report-without-claims.html reports/output/report-without-claims.pdf
# The report's stamp names the commit and whether the tracked files differ from it: this
# file changes when that does (and only then), so a commit re-renders the report.
GIT_STATE := build/.git-state

.PHONY: help env data notebooks report release test test-fast lab verify bench lock clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z-]*:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

env: $(ENV_STAMP) ## Create .venv and install the locked packages (done by every target that needs it)

$(ENV_STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

data: $(DATA) ## Clean and validate data/raw into data/processed (CSV, Parquet, datapackage.json)

# The build rewrites data/processed only when its contents change, so touching a raw
# file re-checks the data without re-executing notebooks whose inputs are identical.
$(DATA_STAMP): $(ENV_STAMP) $(RAW) $(REFERENCE) $(ARCHIVE) $(PKG)
	$(PY) -m analysis.build
	@mkdir -p $(@D) && touch $@

$(DATA): $(DATA_STAMP) ;

notebooks: $(if $(WITHOUT_CLAIMS),$(NB_STAMP_WITHOUT_CLAIMS) $(REPORT_SOURCES_WITHOUT_CLAIMS),$(NB_STAMP) $(REPORT_SOURCES)) ## Execute the notebooks with papermill into build/notebooks (EXCLUDE_PARTY_CLAIMS=1: build/notebooks-without-claims) and write the report's data-driven sources (then `quarto render reports/` works)

$(NB_STAMP): $(DATA) $(NOTEBOOKS) $(PKG)
	$(PY) -m analysis.notebooks --include-party-claims
	@touch $@

$(NB_STAMP_WITHOUT_CLAIMS): $(DATA) $(NOTEBOOKS) $(PKG)
	$(PY) -m analysis.notebooks --exclude-party-claims
	@touch $@

# reports/_variables.yml and reports/_generated/: what the report's sources take from the
# data and the executed notebooks (`make report` rewrites them too, when they change). The
# edition without claims is a staged copy of reports/ in build/report-without-claims/project/
# (see src/analysis/report/editions.py), with sources of its own.
$(REPORT_SOURCES): $(NB_STAMP) $(DATA) $(REPORT_SRC) $(PKG)
	$(PY) -m analysis.report --sources-only --include-party-claims
	@touch $@

$(REPORT_SOURCES_WITHOUT_CLAIMS): $(NB_STAMP_WITHOUT_CLAIMS) $(DATA) $(REPORT_SRC) $(PKG)
	$(PY) -m analysis.report --sources-only --exclude-party-claims
	@touch $@

report: $(if $(WITHOUT_CLAIMS),$(REPORT_WITHOUT_CLAIMS),$(REPORT)) ## Build everything and render reports/output/report.html and report.pdf (EXCLUDE_PARTY_CLAIMS=1: report-without-claims.html and .pdf)
	@echo "report: $(if $(WITHOUT_CLAIMS),$(REPORT_WITHOUT_CLAIMS),$(REPORT)) up to date"

# The recipes name the edition: EXCLUDE_PARTY_CLAIMS from make's command line is also in
# their environment, where the commands would read it.
$(REPORT) &: $(NB_STAMP) $(DATA) $(REPORT_SRC) $(PKG) $(GIT_STATE)
	$(PY) -m analysis.report --include-party-claims

$(REPORT_WITHOUT_CLAIMS) &: $(NB_STAMP_WITHOUT_CLAIMS) $(DATA) $(REPORT_SRC) $(PKG) $(GIT_STATE)
	$(PY) -m analysis.report --exclude-party-claims

$(GIT_STATE): FORCE
	@mkdir -p $(@D); state="$$(git rev-parse HEAD 2>/dev/null) $$(git status --porcelain --untracked-files=no 2>/dev/null | sha256sum)"; \
	  [ "$$(cat $@ 2>/dev/null)" = "$$state" ] || echo "$$state" > $@

FORCE:

# A release is cut from a clean commit, in order: refusals that need no build (version,
# working tree), the data and notebooks, the version step against the data's changes, the
# report rendered with the version in its environment (for its title page and stamp), then
# releases/$(VERSION)/ written in one step. `python -m analysis.release --help` has the rest.
RELEASE_REPORT = $(abspath build/release/$(VERSION))

release: $(ENV_STAMP) ## Cut releases/VERSION/ from a clean commit: make release VERSION=X.Y.Z
	@$(PY) -m analysis.release check "$(VERSION)"
	@$(MAKE) --no-print-directory notebooks
	@$(PY) -m analysis.release check "$(VERSION)" --changes
	rm -rf "$(RELEASE_REPORT)"
	COERCION_RELEASE_VERSION="$(VERSION)" COERCION_REPORT_DIR="$(RELEASE_REPORT)" $(PY) -m analysis.report
	$(PY) -m analysis.release publish "$(VERSION)" --report-dir "$(RELEASE_REPORT)"

test: $(REPORT) $(REPORT_WITHOUT_CLAIMS) ## Run the whole test suite (builds both editions of the report first: the tests check them)
	$(PY) -m pytest -n 2 --dist loadgroup

test-fast: $(ENV_STAMP) ## Unit and pipeline tests but the fuzzers and sweeps (no build needed, under a minute): the coder's loop
	$(PY) -m pytest -n 2 --dist loadgroup -m "not fuzz and not sweep" tests/unit tests/pipeline

lab: $(ENV_STAMP) $(DATA) ## Open JupyterLab on the notebooks with the project's kernel (also as root)
	$(PY) -m analysis.notebooks --lab -- $(LAB_ARGS)

verify: $(REPORT) ## Rebuild from a clean copy in a temporary folder and compare checksums with this build
	$(PY) -m analysis.verify

bench: $(ENV_STAMP) ## Run the benchmarks (synthetic data; minutes) and update benchmarks/RESULTS.md
	$(PY) benchmarks/run.py

lock: $(ENV_STAMP) ## Re-pin requirements.lock and environment.yml from the current environment
	$(PY) tools/lock.py

clean: ## Remove everything make builds (keeps .venv)
	rm -rf build data/processed/*.csv data/processed/*.parquet data/processed/datapackage.json data/processed/MANIFEST \
	  reports/output reports/_generated reports/_variables.yml reports/.quarto
