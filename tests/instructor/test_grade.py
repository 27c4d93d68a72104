"""bplib.instructor.grade: the autograder on a class of students built from chapter 00: full
marks for the solution, 0 for the untouched chapter, and the right points and status for each
kind of broken work.

The submissions are made at test time from solutions/ and chapters/ (stored copies would
drift), next to a tiny second chapter "99_other" whose check prints nothing.
"""

import csv
import hashlib
import shutil
from pathlib import Path

import nbformat
import pytest

from bplib.instructor import exercise_format, grade, release, sandbox

pytestmark = pytest.mark.notebook  # every test here runs kernels, or reads what they did

ROOT = Path(__file__).resolve().parents[2]
NAME = "00_getting_started"
TIMEOUT = 5  # seconds per cell: every cell of chapter 00 takes well under one
NOTEBOOK_TIMEOUT = 12

# Where bubblewrap does not work, every row that ran says so; the tests read the rest.
NOT_CONTAINED = sandbox.resolve("auto")[1]


def without_containment(status: str) -> str:
    return "; ".join(note for note in status.split("; ") if note != NOT_CONTAINED) or "ok"


STUBBORN_LOOP = """
import time

while True:  # ignores the grader's interrupt
    try:
        time.sleep(0.05)
    except KeyboardInterrupt:
        pass
"""


def other_chapter() -> nbformat.NotebookNode:
    """A second chapter: one exercise worth 2 points, checked by a check of this folder's
    (``course_notebooks.double``, which prints nothing)."""
    imports = nbformat.v4.new_code_cell("import course_notebooks as check")
    exercise = nbformat.v4.new_code_cell(
        "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"
    )
    exercise.metadata["nbgrader"] = {"grade_id": "double", "solution": True, "locked": False}
    test = nbformat.v4.new_code_cell(
        "check.double(double)\n### BEGIN HIDDEN TESTS\ncheck.double(double, x=-3)\n"
        "### END HIDDEN TESTS"
    )
    test.metadata["nbgrader"] = {
        "grade_id": "double_check",
        "grade": True,
        "locked": True,
        "points": 2,
    }
    return nbformat.v4.new_notebook(cells=[imports, exercise, test])


def index_of(nb: nbformat.NotebookNode, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if exercise_format.grade_id(c) == grade_id)


def chapter() -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "chapters" / f"{NAME}.ipynb", as_version=4)


def solved(body: str | None = None) -> nbformat.NotebookNode:
    """The student copy with the exercise done: as in solutions/, or with ``body``."""
    nb = chapter()
    solution = nbformat.read(ROOT / "solutions" / f"{NAME}.ipynb", as_version=4)
    source = solution.cells[index_of(solution, "mean_squared_error")].source
    if body is not None:
        source = source.split("    ### BEGIN SOLUTION")[0] + body
    nb.cells[index_of(nb, "mean_squared_error")].source = source
    return nb


def with_cell(nb: nbformat.NotebookNode, after: str, source: str) -> nbformat.NotebookNode:
    """``nb`` with a code cell ``source`` inserted after the cell with grade_id ``after``."""
    nb.cells.insert(index_of(nb, after) + 1, nbformat.v4.new_code_cell(source))
    return nb


def renamed_exercise() -> nbformat.NotebookNode:
    nb = solved()
    nb.cells[index_of(nb, "mean_squared_error")].metadata["nbgrader"]["grade_id"] = "my_mse"
    return nb


def edited_test() -> nbformat.NotebookNode:
    nb = chapter()
    nb.cells[index_of(nb, "mean_squared_error_check")].source = "pass"
    return nb


def deleted_test() -> nbformat.NotebookNode:
    nb = solved()
    del nb.cells[index_of(nb, "mean_squared_error_check")]
    return nb


SUBMISSIONS = {
    "solution": lambda: (ROOT / "solutions" / f"{NAME}.ipynb").read_bytes(),
    "untouched": lambda: chapter(),
    "solved": lambda: with_cell(
        solved(),
        "mean_squared_error",
        'from pathlib import Path\nPath("scratch.txt").write_text("")',
    ),
    "sum_not_mean": lambda: solved("    return 0.5 * float(np.sum((a - y) ** 2))"),
    "invalid_json": lambda: b'{"cells": [',
    "empty": lambda: b"",
    "other_chapter": lambda: release.release(other_chapter(), "99_other.ipynb"),
    "renamed_exercise": renamed_exercise,
    "infinite_loop": lambda: with_cell(solved(), "mean_squared_error", "while True:\n    pass"),
    "stubborn_loop": lambda: with_cell(solved(), "mean_squared_error_check", STUBBORN_LOOP),
    "os_exit": lambda: with_cell(solved(), "mean_squared_error_check", "import os\n\nos._exit(1)"),
    "ten_megabytes": lambda: with_cell(solved(), "mean_squared_error", 'print("x" * 10**7)'),
    "edited_test": edited_test,
    "deleted_test": deleted_test,
    "nothing_handed_in": None,
}


def write(path: Path, submission) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(submission, bytes):
        path.write_bytes(submission)
    else:
        nbformat.write(submission, path)


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> dict[str, Path]:
    """solutions/ (chapter 00 and 99_other), the submissions, and the results of one run."""
    tmp = tmp_path_factory.mktemp("grading")
    solutions = tmp / "solutions"
    solutions.mkdir()
    shutil.copy(ROOT / "solutions" / f"{NAME}.ipynb", solutions)
    nbformat.write(other_chapter(), solutions / "99_other.ipynb")
    submissions = tmp / "submissions"
    for student, make in SUBMISSIONS.items():
        (submissions / student).mkdir(parents=True)
        if make is not None:
            write(submissions / student / f"{NAME}.ipynb", make())
    nb = other_chapter()
    write(submissions / "solution" / "99_other.ipynb", nb)
    before = tree_digest(submissions)
    out = tmp / "results"
    argv = [str(submissions), "--out", str(out), "--solutions", str(solutions), "--jobs", "2"]
    argv += ["--timeout", str(TIMEOUT), "--notebook-timeout", str(NOTEBOOK_TIMEOUT)]
    assert grade.main(argv) == 0
    return {"solutions": solutions, "submissions": submissions, "out": out, "before": before}


@pytest.fixture(scope="module")
def rows(course) -> dict[tuple[str, str], dict[str, str]]:
    with (course["out"] / "grades.csv").open(encoding="utf-8") as f:
        return {(row["student"], row["chapter"]): row for row in csv.DictReader(f)}


def feedback(course, student: str, chapter: str = NAME) -> str:
    return (course["out"] / "feedback" / student / f"{chapter}.md").read_text(encoding="utf-8")


def test_every_submission_has_a_row_with_the_columns_of_every_exercise(course, rows):
    with (course["out"] / "grades.csv").open(encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert header == ["student", "chapter", "points", "max_points", "status"] + [
        "mean_squared_error_check",
        "double_check",
    ]
    assert sorted(rows) == sorted((s, c) for s in SUBMISSIONS for c in (NAME, "99_other"))
    assert rows["untouched", NAME]["double_check"] == ""  # not an exercise of chapter 00
    assert rows["untouched", "99_other"]["status"] == "missing"
    assert rows["nothing_handed_in", NAME]["status"] == "missing"


@pytest.mark.parametrize(
    "student, points, status",
    [
        ("solution", "1", "ok"),
        ("solved", "1", "ok"),
        ("untouched", "0", "ok"),
        ("sum_not_mean", "0", "ok"),
        ("empty", "0", "empty file"),
        ("other_chapter", "0", "another chapter's notebook (99_other)"),
        ("renamed_exercise", "0", "exercise cell mean_squared_error missing"),
        ("edited_test", "0", "test cell edited (ignored; the original was run)"),
        ("deleted_test", "1", "test cell deleted (the original was run)"),
        ("nothing_handed_in", "0", "missing"),
    ],
)
def test_points_and_status(rows, student, points, status):
    row = rows[student, NAME]
    assert (row["points"], row["max_points"], without_containment(row["status"])) == (
        points,
        "1",
        status,
    )
    assert row["mean_squared_error_check"] == points


def test_the_other_chapter_is_graded_by_its_own_tests(rows, course):
    assert rows["solution", "99_other"]["points"] == "2"
    assert "(no output)" in feedback(course, "solution", "99_other")


def test_invalid_json_says_so(rows):
    assert rows["invalid_json", NAME]["status"].startswith("invalid notebook: not JSON")


def test_feedback_quotes_the_check(course):
    assert "✔ mean_squared_error: passed" in feedback(course, "solution")
    assert "○ mean_squared_error: not done yet" in feedback(course, "untouched")
    assert "○ mean_squared_error: not done yet" in feedback(course, "edited_test")
    wrong = feedback(course, "sum_not_mean")
    assert "✘ mean_squared_error:" in wrong
    assert "Likely cause: the sum over the batch instead of the mean" in wrong
    assert "Traceback" not in wrong and "\x1b[" not in wrong
    assert "exercise cell mean_squared_error missing" in feedback(course, "renamed_exercise")


def test_a_cell_that_loops_is_interrupted_and_grading_goes_on(rows):
    row = rows["infinite_loop", NAME]
    assert row["points"] == "1"
    assert f"(interrupted after {TIMEOUT} s)" in row["status"]
    assert row["status"].startswith("timeout in cell ")


def test_a_loop_that_ignores_interrupts_ends_the_notebook_keeping_earned_points(rows):
    row = rows["stubborn_loop", NAME]
    assert row["points"] == "1"
    assert f"timeout: {NOTEBOOK_TIMEOUT} s for the notebook ran out" in row["status"]


def test_a_dead_kernel_keeps_the_points_earned_before(rows):
    row = rows["os_exit", NAME]
    assert row["points"] == "1"
    assert row["status"].startswith("kernel died in cell ")


def test_megabytes_of_output_are_truncated(rows, course):
    row = rows["ten_megabytes", NAME]
    assert row["points"] == "1"
    assert row["status"].startswith("output truncated (cell ")


def test_submissions_are_never_written(course):
    assert tree_digest(course["submissions"]) == course["before"]


def test_a_second_run_skips_unchanged_submissions_and_regrades_changed_ones(course, tmp_path):
    out = tmp_path / "results"
    shutil.copytree(course["out"], out)
    (out / "grades.csv").unlink()
    first = grade.grade_folder(
        course["submissions"], out, course["solutions"], TIMEOUT, NOTEBOOK_TIMEOUT
    )
    assert all(row.cached for row in first)
    assert (out / "grades.csv").read_text() == (course["out"] / "grades.csv").read_text()

    submissions = tmp_path / "submissions"
    shutil.copytree(course["submissions"], submissions)
    write(submissions / "untouched" / f"{NAME}.ipynb", solved())
    second = grade.grade_folder(submissions, out, course["solutions"], TIMEOUT, NOTEBOOK_TIMEOUT)
    regraded = {(row.student, row.result.chapter) for row in second if not row.cached}
    assert regraded == {("untouched", NAME)}
    assert next(r for r in second if r.student == "untouched" and not r.cached).result.points == 1


def test_grade_notebook_grades_one_file(course):
    result = grade.grade_notebook(
        course["submissions"] / "sum_not_mean" / f"{NAME}.ipynb",
        course["solutions"] / f"{NAME}.ipynb",
        timeout=TIMEOUT,
    )
    assert (result.points, result.max_points, without_containment(result.status)) == (0, 1, "ok")
    assert [s.test for s in result.scores] == ["mean_squared_error_check"]


def test_help_describes_every_option(capsys):
    with pytest.raises(SystemExit) as exit_:
        grade.main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for option in ["SUBMISSIONS", "--out", "--timeout", "--notebook-timeout", "--jobs"]:
        assert option in text
    assert "--solutions" in text and "--chapter" in text and "--force" in text
    assert "--sandbox" in text and "bwrap" in text


def test_checks_that_pass_functions_and_numbers_to_the_students_work_across_the_kernel():
    """Chapter 01's checks hand the student's functions their own J and grad, which run in the
    grader, called back from the kernel."""
    solution = ROOT / "solutions" / "01_gradient_descent.ipynb"
    result = grade.grade_notebook(solution, solution, timeout=30)
    assert without_containment(result.status) == "ok"
    assert result.points == result.max_points > 0
    assert all(s.feedback.startswith("✔") for s in result.scores)
