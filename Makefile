# The two commands: `make demo` and `make test`. Each creates .venv first.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
BACKENDS := tensorflow jax torch
DEMO_BACKEND ?= jax
PYTEST_ARGS ?=
RESULTS := .test-results

# Use the offline TFDS copy beside the repository when there is one.
SHARED_TFDS := $(abspath ../shared/tensorflow_datasets)
ifeq ($(origin TFDS_DATA_DIR), undefined)
ifneq ($(wildcard $(SHARED_TFDS)/mnist),)
export TFDS_DATA_DIR := $(SHARED_TFDS)
endif
endif

.PHONY: test demo venv clean

venv: $(VENV)/.installed

# torch first, pinned: the CPU build. An unpinned torch pulls a CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install torch==2.13.0
	$(BIN)/pip install -e ".[jax,torch,dev]"
	touch $@

# One pytest process per backend: Keras fixes its backend at import.
test: venv
	@rm -rf $(RESULTS); mkdir -p $(RESULTS); status=0; \
	for backend in $(BACKENDS); do \
		echo "=== KERAS_BACKEND=$$backend"; \
		KERAS_BACKEND=$$backend $(BIN)/python -m pytest tests \
			--junitxml=$(RESULTS)/$$backend.xml $(PYTEST_ARGS) || status=1; \
	done; \
	$(BIN)/python tests/summarize_results.py $(RESULTS)/*.xml || status=1; \
	exit $$status

demo: venv
	KERAS_BACKEND=$(DEMO_BACKEND) $(BIN)/python examples/train_mnist_mlp.py \
		--epochs 10 --output-dir saved_models

clean:
	rm -rf $(VENV) $(RESULTS) *.egg-info
