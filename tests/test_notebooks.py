"""Every student notebook in chapters/ runs from top to bottom as a student first gets it: no
cell raises except those tagged ``raises-exception`` (which must raise), and the test cell of
each unfinished exercise says "not done yet". One test per chapter.

The completed notebooks in solutions/ are checked by nbval instead (pytest collects them with
``--nbval``, see pyproject.toml): every stored output must come out again.
"""

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from bplib.instructor import exercise_format

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob(exercise_format.PATTERN))
CELL_TIMEOUT = 900  # seconds: above the longest MNIST training cell
# nbclient now and then misses the reply to a cell that shows a widget and waits forever
# (jupyter/nbclient#312); a short limit for those cells ends the wait.
WIDGET_CELL_TIMEOUT = 60


def traceback_tail(error: nbformat.NotebookNode, lines: int = 6) -> str:
    """The end of the traceback, without terminal colours: where the error happened."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error.get("traceback", [])))
    return "\n".join(text.splitlines()[-lines:])


def text_of(cell: nbformat.NotebookNode) -> str:
    return "".join(out.get("text", "") for out in cell.outputs)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda path: path.stem)
def test_the_student_notebook_runs_from_top_to_bottom(path):
    # An MNIST chapter is skipped without BPLIB_DATA_DIR (see conftest.py).
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
    client.execute(env={k: v for k, v in os.environ.items() if k != "BPLIB_GRADING"})
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = f"cell {index} ({cell.source.splitlines()[0] if cell.source else 'empty'!r})"
        errors = [out for out in cell.outputs if out.output_type == "error"]
        expected = "raises-exception" in cell.metadata.get("tags", [])
        if errors and not expected:
            problems.append(f"{where} raised:\n{traceback_tail(errors[0])}")
        if expected and not errors:
            problems.append(f"{where} is tagged raises-exception but raised nothing")
        if exercise_format.is_test(cell) and "not done yet" not in text_of(cell):
            problems.append(f"{where} should say 'not done yet', printed {text_of(cell)!r}")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)
