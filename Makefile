# Two commands set everything up: `make lab` opens the course, `make test` runs every test.
# Each creates .venv when it is missing or older than pyproject.toml.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# CI and local runs read real MNIST from ../shared/data/mnist when it is there.
MNIST_DIR := $(wildcard ../shared/data/mnist)
ifneq ($(MNIST_DIR),)
export BPLIB_DATA_DIR ?= $(abspath $(MNIST_DIR))
endif

.PHONY: lab test lint chapters clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[test]'
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab chapters/

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

chapters: $(STAMP)
	$(BIN)/python -m bplib.release

clean:
	rm -rf $(VENV) build *.egg-info
