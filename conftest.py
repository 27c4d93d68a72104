"""Markers from what a test runs. nbval's cells are marked ``notebook``, as the tests that start
a kernel mark themselves, and ``make test-fast`` leaves them out. Such a test whose notebook
(nbval's, or a notebook it takes as a parameter) reads MNIST is marked ``mnist``. Without
``BPLIB_DATA_DIR`` every test marked ``mnist`` is skipped, saying why, so that ``make test`` on
a machine with no copy of the data never starts a download."""

import functools
import os
from pathlib import Path

import nbformat
import pytest


@functools.cache
def uses_mnist(path: Path) -> bool:
    nb = nbformat.read(path, as_version=4)
    return any("load_mnist" in cell.source for cell in nb.cells if cell.cell_type == "code")


def notebooks_of(item: pytest.Item) -> list[Path]:
    """The notebook an nbval item runs, or the notebooks a test takes as parameters."""
    params = getattr(item, "callspec", None)
    candidates = [item.path, *(params.params.values() if params else [])]
    return [p for p in candidates if isinstance(p, Path) and p.suffix == ".ipynb"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebook)
        runs_notebooks = item.get_closest_marker("notebook") is not None
        if runs_notebooks and any(uses_mnist(path) for path in notebooks_of(item)):
            item.add_marker(pytest.mark.mnist)
    if not os.environ.get("BPLIB_DATA_DIR"):
        skip = pytest.mark.skip(
            reason="needs real MNIST: set BPLIB_DATA_DIR to the folder of the four .gz files"
        )
        for item in items:
            if item.get_closest_marker("mnist"):
                item.add_marker(skip)
