# The two commands: `make demo` and `make test`. Each creates .venv first.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
BACKENDS := tensorflow jax torch
DEMO_BACKEND ?= jax
DEMO_EPOCHS ?= 20
PYTEST_ARGS ?=
RESULTS := .test-results

# `make demo` reads the offline TFDS copy beside the repository when there is
# one (else TFDS_DATA_DIR, else TFDS downloads MNIST). The tests find it
# themselves (tests/helpers.py) and never download.
SHARED_TFDS := $(abspath ../shared/tensorflow_datasets)
ifeq ($(origin TFDS_DATA_DIR), undefined)
ifneq ($(wildcard $(SHARED_TFDS)/mnist),)
DEMO_TFDS_DATA_DIR := $(SHARED_TFDS)
endif
endif
# The backend of `make test-hidden-data`.
HIDDEN_DATA_BACKEND ?= torch

.PHONY: test test-hidden-data demo docs venv browser clean

venv: $(VENV)/.installed

# torch first, pinned: the CPU build. An unpinned torch pulls a CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install torch==2.13.0
	$(BIN)/pip install -e ".[jax,torch,dev,docs]"
	touch $@

# The explorer's browser tests drive Debian's chromium (headless, through
# playwright). Installed here when missing and apt-get can run as root, as in
# CI; otherwise those tests fail and say what to install.
browser:
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "no chromium on PATH: the browser tests will fail (install Debian's chromium)"; \
	fi

# One pytest process per backend (Keras fixes its backend at import), the
# three at once: the machine's cores are otherwise half idle. Each backend's
# output is shown when it ends. KERAS_VAE_TEST_CACHE: files the three runs
# share (the cross-backend models), written once per `make test`. Each
# process computes on one thread (tests/conftest.py): three on two cores.
test: venv browser
	@rm -rf $(RESULTS); mkdir -p $(RESULTS); status=0; start=$$(date +%s); \
	for backend in $(BACKENDS); do \
		KERAS_BACKEND=$$backend KERAS_VAE_TEST_CACHE=$(CURDIR)/$(RESULTS) \
			$(BIN)/python -m pytest tests \
			--junitxml=$(RESULTS)/$$backend.xml $(PYTEST_ARGS) \
			> $(RESULTS)/$$backend.log 2>&1 & \
		eval "pid_$$backend=$$!"; \
	done; \
	echo "running pytest under $(BACKENDS), one process each..."; \
	for backend in $(BACKENDS); do \
		eval "wait \$$pid_$$backend" || status=1; \
		echo "=== KERAS_BACKEND=$$backend"; cat $(RESULTS)/$$backend.log; \
	done; \
	echo "make test: $$(( $$(date +%s) - start )) s for the three backends"; \
	$(BIN)/python tests/summarize_results.py $(RESULTS)/*.xml || status=1; \
	exit $$status

# The tests that read datasets (marker `reads_datasets`) as on a machine
# without the offline TFDS copy: CI runs this after `make test`, so that a
# test that needs the copy without skipping fails there.
test-hidden-data: venv
	@rm -rf $(RESULTS)/hidden; mkdir -p $(RESULTS)/hidden; \
	KERAS_BACKEND=$(HIDDEN_DATA_BACKEND) $(BIN)/python -m pytest tests \
		-m reads_datasets --hide-offline-data -q \
		--junitxml=$(RESULTS)/hidden/$(HIDDEN_DATA_BACKEND).xml \
		$(PYTEST_ARGS); status=$$?; \
	$(BIN)/python tests/summarize_results.py \
		$(RESULTS)/hidden/$(HIDDEN_DATA_BACKEND).xml || status=1; \
	exit $$status

# Two MNIST models on the fastest backend: a 2-D latent space to draw (manifold,
# scatter) and a 16-D one for sharper samples and reconstructions.
demo: venv
	@start=$$(date +%s); \
	for latent_dim in 2 16; do \
		$(if $(DEMO_TFDS_DATA_DIR),TFDS_DATA_DIR=$(DEMO_TFDS_DATA_DIR)) \
		KERAS_BACKEND=$(DEMO_BACKEND) $(BIN)/keras-vae train --dataset mnist \
			--architecture mlp --latent-dim $$latent_dim --epochs $(DEMO_EPOCHS) \
			--verbose 2 --output-dir saved_models/mnist_latent$$latent_dim \
			|| exit 1; \
	done; \
	echo "make demo: $$(( $$(date +%s) - start )) s; models and plots in saved_models/"

clean:
	rm -rf $(VENV) $(RESULTS) *.egg-info

# The documentation site, into site/ (git ignores it). --strict: a broken
# link, a missing page or a docstring mkdocstrings cannot read fails it.
# The site must work offline: no script, stylesheet or font from the web.
docs: venv
	$(BIN)/mkdocs build --strict
	@if grep -rlE '<(script|link)[^>]+(src|href)="(https?:)?//' site; then \
		echo "the site above loads files from the internet"; exit 1; fi
