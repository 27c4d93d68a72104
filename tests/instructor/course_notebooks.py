"""Small notebooks in the exercise format, built for the instructor tests."""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell


def exercise(source: str, grade_id: str = "f") -> nbformat.NotebookNode:
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {
        "grade": False,
        "grade_id": grade_id,
        "locked": False,
        "schema_version": 3,
        "solution": True,
        "task": False,
    }
    return cell


def check_cell(source: str, grade_id: str = "f_check", **meta) -> nbformat.NotebookNode:
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": grade_id,
        "locked": True,
        "points": 1,
        "schema_version": 3,
        "solution": False,
        "task": False,
        **meta,
    }
    return cell


F = "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"


def write_course(folder: Path, notebooks: dict[str, nbformat.NotebookNode]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, nb in notebooks.items():
        nbformat.write(nb, folder / name)


def double(fn, x: int = 2) -> None:
    """A check for the tests' chapter 99_other: ``fn(x) == 2 x``; prints nothing."""
    assert fn(x) == 2 * x, f"double({x}) should be {2 * x}"
