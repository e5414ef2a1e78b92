# Two commands on a fresh machine: `make run` and `make test`. Both create .venv themselves.
# The venv has the Qdrant extra too, so the tests run the Qdrant store (in its local mode).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The CPU build of torch. On a machine without a local CPU wheel, pass PyTorch's CPU-only
# wheel index, e.g. make install TORCH_PIP_ARGS="--index-url <PyTorch CPU wheel index>"
TORCH_SPEC     ?= torch==2.13.0
TORCH_PIP_ARGS ?=
STAMP  := $(VENV)/.installed

.PHONY: install run test lint format bench eval clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet $(TORCH_PIP_ARGS) "$(TORCH_SPEC)"
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev,qdrant]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/citebot start

test: $(STAMP)
	$(BIN)/ruff check --quiet .
	$(BIN)/ruff format --check --quiet .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/citebot bench

eval: $(STAMP)
	$(BIN)/citebot eval ../shared/data/squad-dev-a/squad-dev-a.json

clean:
	rm -rf $(VENV) data/index .pytest_cache
