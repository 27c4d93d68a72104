# Two commands set everything up: `make lab` opens the course, `make test` runs every test.
# Each creates .venv when it is missing or older than pyproject.toml.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Extra arguments for JupyterLab: `make lab ARGS="--port=8890 --no-browser"`.
ARGS ?=
# JupyterLab refuses to run as root unless told; root is common in containers and cloud machines.
ifeq ($(shell id -u),0)
LAB_ROOT := --allow-root
endif

# CI and local runs read real MNIST from ../shared/data/mnist when it is there.
MNIST_DIR := $(wildcard ../shared/data/mnist)
ifneq ($(MNIST_DIR),)
export BPLIB_DATA_DIR ?= $(abspath $(MNIST_DIR))
endif

.PHONY: lab test test-fast lint chapters book clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[test,instructor,lab,book,nbgrader]'
	touch $(STAMP)

# MathJax, RequireJS and the widget manager that the book serves itself (package-lock.json).
NODE_STAMP := node_modules/.package-lock.json
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund

lab: $(STAMP)
	$(BIN)/jupyter lab chapters/ $(LAB_ROOT) $(ARGS)

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n auto --dist loadscope

# Everything but notebooks, kernels and the browser: the library, the checks, the packaging.
test-fast: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n auto --dist loadscope tests -m "not notebook and not browser"

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

chapters: $(STAMP)
	$(BIN)/python -m bplib.instructor.release

# The course as a website, from chapters/ as they are, without a network:
# build/book/_build/html/index.html.
book: $(STAMP) $(NODE_STAMP)
	$(BIN)/python book/build.py

clean:
	rm -rf $(VENV) build *.egg-info node_modules
