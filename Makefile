# Everyday commands of the course. Run them from the course's top folder.
#   make lab        install if needed, then open JupyterLab on the course
#   make test       install if needed, then lint, run the unit tests, execute every notebook,
#                   and run the layer tests again on the JAX backend
#   make lint       ruff over the package, tests, benchmarks and notebook code cells
#   make layers-jax the layer tests (cell contract, layer unit tests) under KERAS_BACKEND=jax
#   make execute    re-run notebooks in place so their stored outputs are fresh
#                   (all of them, or one: make execute NB=notebooks/00_sequences.ipynb)
#   make unit       unit tests only           make notebooks  notebooks only
#   make site       build the course's website into build/site (offline, from the stored outputs)
#   make site-check build it, then open every page in headless Chromium and check it
#   make benchmarks run the speed comparisons  make checksums  rewrite datasets/SHA256SUMS
#   make clean      remove .venv and build/
SHELL := /bin/bash
# The first Python 3.11-3.13 on PATH (TensorFlow 2.21 has wheels for these); else python3,
# which the preflight check then explains. Override with: make test PYTHON=/path/to/python
PYTHON ?= $(shell for p in python3.11 python3.12 python3.13 python3 python; do \
            $$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' \
              >/dev/null 2>&1 && { echo $$p; exit; }; done; echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS := tf,lab,test
NB ?= notebooks/*.ipynb solutions/*.ipynb
PYTEST_ARGS ?=
LAB_ARGS ?=

.PHONY: help setup lab lint test unit layers-jax notebooks execute site site-check benchmarks checksums clean

help:
	@sed -n '2,14p' Makefile | sed 's/^# \{0,1\}//'

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "No Python found on PATH. Install Python 3.11 or newer, then run make again."; exit 1; }
	@$(PYTHON) course_utils/_preflight.py python
	@mkdir -p build
	@test -x $(BIN)/python || { echo "Creating $(VENV) with $$($(PYTHON) --version)"; $(PYTHON) -m venv $(VENV); }
	@$(BIN)/python course_utils/_preflight.py index
	@echo "Installing the course and its pinned packages into $(VENV) (log: build/install.log) ..."
	@start=$$(date +%s); \
	 { $(BIN)/python -m pip install --upgrade pip && \
	   $(BIN)/python -m pip install -e ".[$(EXTRAS)]"; } > build/install.log 2>&1 \
	   || { $(BIN)/python course_utils/_preflight.py install-failed build/install.log; exit 1; }; \
	 echo "Installed in $$(( $$(date +%s) - start )) s."
	@touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory layers-jax

# The layers use keras.ops only; this proves it on a second backend, in its own process
# (a Keras backend is chosen once per process). Same tests, same tolerances.
layers-jax: $(STAMP)
	@start=$$(date +%s); \
	 KERAS_BACKEND=jax $(BIN)/python -m pytest tests/layers -q $(PYTEST_ARGS) && \
	 echo "JAX layer run: $$(( $$(date +%s) - start )) s"

unit: $(STAMP)
	$(BIN)/python -m pytest tests $(PYTEST_ARGS)

notebooks: $(STAMP)
	$(BIN)/python -m pytest notebooks solutions $(PYTEST_ARGS)

execute: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.kernel_name=python3 \
	  --ExecutePreprocessor.record_timing=False $(NB)

SITE_STAMP := $(VENV)/.installed-site

$(SITE_STAMP): $(STAMP)
	@echo "Installing the site tools (Sphinx, myst-nb, the book theme, offline MathJax, Selenium) ..."
	@$(BIN)/python -m pip install -e ".[$(EXTRAS),site]" > build/install-site.log 2>&1 \
	   || { $(BIN)/python course_utils/_preflight.py install-failed build/install-site.log; exit 1; }
	@touch $(SITE_STAMP)

# The site is built from the notebooks' stored outputs (never re-executed); -W: a warning,
# such as a cross-reference that does not resolve, fails the build.
site: $(SITE_STAMP)
	@start=$$(date +%s); \
	 $(BIN)/python site/build_site.py build/site-src && \
	 $(BIN)/python -m sphinx -W --keep-going -q -b html build/site-src build/site && \
	 echo "Site built in build/site in $$(( $$(date +%s) - start )) s ($$(find build/site -name '*.html' | wc -l) pages)"

site-check: site
	$(BIN)/python site/check_site.py build/site build/site-check

benchmarks: $(STAMP)
	@for script in benchmarks/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

checksums: $(STAMP)
	$(BIN)/python -c "from course_utils.data.files import write_manifest; \
	  [print(d, n) for n, d in write_manifest().items()]"

clean:
	rm -rf $(VENV) build .pytest_cache
