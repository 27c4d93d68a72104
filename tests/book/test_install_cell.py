"""The first code cell of every chapter installs bplib from the course's repository where it is
missing (Colab, a JupyterHub without the course) and does nothing where it is installed."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CELL = """\
# Where bplib is missing (on Colab, say), install it from the course's repository first.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("bplib") is None:
    url = "git+https://github.com/OWNER/backprop-course"
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", url])"""


@pytest.fixture
def pip_calls(monkeypatch) -> list:
    """The commands the cell passes to subprocess.check_call, which runs none of them."""
    calls: list = []
    monkeypatch.setattr(subprocess, "check_call", lambda command: calls.append(command))
    return calls


def test_the_cell_does_nothing_where_bplib_is_installed(pip_calls):
    namespace: dict = {}
    exec(CELL, namespace)
    assert pip_calls == []
    assert "url" not in namespace


def test_the_cell_installs_bplib_from_the_books_repository_where_it_is_missing(
    pip_calls, monkeypatch, book_config
):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "bplib" else find_spec(name)
    )
    exec(CELL, {})
    url = f"git+{book_config['repository']['url']}"
    assert pip_calls == [[sys.executable, "-m", "pip", "install", "--quiet", url]]


@pytest.mark.parametrize(
    "notebook",
    sorted((ROOT / "solutions").glob("*.ipynb")) + sorted((ROOT / "chapters").glob("*.ipynb")),
    ids=lambda p: f"{p.parent.name}/{p.stem}",
)
def test_every_chapter_starts_with_the_cell(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    first = next(cell for cell in cells if cell["cell_type"] == "code")
    assert "".join(first["source"]) == CELL
