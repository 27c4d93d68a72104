"""Real nbgrader on the course's notebooks, configured by the repository's nbgrader_config.py:
generate the student copies of two chapters from solutions/, autograde a perfect, a partial and
a blank submission of each, and read the points from nbgrader's gradebook.

Skipped when nbgrader is not installed (it is an optional extra of the course)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from bplib.instructor.exercise_format import grade_id, is_exercise, is_test, nbgrader

pytest.importorskip("nbgrader", reason="nbgrader is not installed (pip install -e '.[nbgrader]')")
from nbgrader.api import Gradebook  # noqa: E402

pytestmark = pytest.mark.notebook

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ["00_getting_started", "01_gradient_descent"]


def nbgrader_run(course: Path, *args: str) -> None:
    # nbgrader runs alembic by name: the environment's bin folder goes on the PATH.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args, "--force"],
        cwd=course,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def points(nb: nbformat.NotebookNode) -> dict[str, int]:
    """{exercise grade_id: points of its test cell}."""
    exercises = [grade_id(c) for c in nb.cells if is_exercise(c)]
    tests = [nbgrader(c)["points"] for c in nb.cells if is_test(c)]
    return dict(zip(exercises, tests, strict=True))


def without_widgets(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` without the cells that show a widget (none is graded). nbclient now and then misses
    the reply to such a cell and waits out the cell's whole limit, 10 minutes here
    (jupyter/nbclient#312)."""
    nb.cells = [c for c in nb.cells if not (c.cell_type == "code" and "interactive(" in c.source)]
    return nb


def submission(released: Path, solution: nbformat.NotebookNode, solved: set[str]):
    """The released notebook with the exercises ``solved`` filled in from the solution."""
    nb = nbformat.read(released, as_version=4)
    answers = {grade_id(c): c.source for c in solution.cells if is_exercise(c)}
    for cell in nb.cells:
        if grade_id(cell) in solved:
            cell.source = answers[grade_id(cell)]
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("nbgrader")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    expected = {}
    for name in CHAPTERS:
        (course / "source" / name).mkdir(parents=True)
        solution = without_widgets(nbformat.read(ROOT / "solutions" / f"{name}.ipynb", 4))
        nbformat.write(solution, course / "source" / name / f"{name}.ipynb")
        nbgrader_run(course, "generate_assignment", name)
        worth = points(solution)
        half = set(list(worth)[: max(1, len(worth) // 2)]) if len(worth) > 1 else set()
        released = course / "release" / name / f"{name}.ipynb"
        for student, solved in {"perfect": set(worth), "partial": half, "blank": set()}.items():
            folder = course / "submitted" / student / name
            folder.mkdir(parents=True)
            nbformat.write(submission(released, solution, solved), folder / f"{name}.ipynb")
            expected[student, name] = sum(worth[e] for e in solved), sum(worth.values())
        nbgrader_run(course, "autograde", name, "--create")
    return course, expected


@pytest.mark.parametrize("student", ["perfect", "partial", "blank"])
@pytest.mark.parametrize("name", CHAPTERS)
def test_nbgrader_gives_the_points_of_the_finished_exercises(course, student, name):
    folder, expected = course
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gradebook:
        graded = gradebook.find_submission(name, student)
        assert (graded.score, graded.max_score) == expected[student, name]


def test_the_released_copies_are_the_courses(course):
    folder, _ = course
    for name in CHAPTERS:
        ours = without_widgets(nbformat.read(ROOT / "chapters" / f"{name}.ipynb", as_version=4))
        theirs = nbformat.read(folder / "release" / name / f"{name}.ipynb", as_version=4)
        assert [c.source for c in theirs.cells] == [c.source for c in ours.cells]
