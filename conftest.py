"""Notebooks that read MNIST, and tests whose parameter is such a notebook, get the ``mnist``
marker. Without ``BPLIB_DATA_DIR`` every test
marked ``mnist`` (nbval's cells included) is skipped, saying why, so that ``make test`` on a
machine with no copy of the data never starts a download."""

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
        if any(uses_mnist(path) for path in notebooks_of(item)):
            item.add_marker(pytest.mark.mnist)
    if not os.environ.get("BPLIB_DATA_DIR"):
        skip = pytest.mark.skip(
            reason="needs real MNIST: set BPLIB_DATA_DIR to the folder of the four .gz files"
        )
        for item in items:
            if "mnist" in item.keywords:
                item.add_marker(skip)
