"""Where there is no browser, every student copy in chapters/ runs from top to bottom in
nbclient instead, and must show what ``student_run.problems`` asks. Where Chromium is present,
the browser tests run the same copies with the same expectations, so this is skipped: each
notebook runs at most twice in ``make test`` (nbval on solutions/, and this or the browser).
"""

import json
import os
from pathlib import Path

import nbformat
import pytest
from chromium import chromium_path
from nbclient import NotebookClient
from student_run import problems

from bplib.checks.feedback import GRADING_ENV

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
CELL_TIMEOUT = 900  # seconds: above the longest MNIST training cell
# nbclient now and then misses the reply to a cell that shows a widget and waits forever
# (jupyter/nbclient#312); a short limit for those cells ends the wait.
WIDGET_CELL_TIMEOUT = 60

pytestmark = [
    pytest.mark.notebook,
    pytest.mark.skipif(
        chromium_path() is not None, reason="the browser tests run the student copies"
    ),
]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda path: path.stem)
def test_the_student_notebook_runs_from_top_to_bottom(path):
    # An MNIST chapter is skipped without BPLIB_DATA_DIR (see the root conftest.py).
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout_func=lambda cell: (
            WIDGET_CELL_TIMEOUT if "interact" in cell.source else CELL_TIMEOUT
        ),
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    # As a student runs it: not under the grader, where unfinished exercises raise.
    client.execute(env={k: v for k, v in os.environ.items() if k != GRADING_ENV})
    found = problems(json.loads(nbformat.writes(nb)))
    assert not found, f"{path.name}:\n" + "\n".join(found)
