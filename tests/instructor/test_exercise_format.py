"""bplib.instructor.exercise_format: a malformed notebook of solutions/ raises an error naming
the notebook, cell and grade_id."""

import json

import nbformat
import pytest
from course_notebooks import F, check_cell, exercise, write_course
from nbformat.v4 import new_code_cell, new_notebook

from bplib.instructor import exercise_format, release

BAD = [
    ([exercise("def f():\n    ### BEGIN SOLUTION\n    return 1")], 0, "f", "without '### END"),
    ([exercise("def f():\n    ### END SOLUTION")], 0, "f", "without '### BEGIN SOLUTION' before"),
    (
        [
            exercise(
                "def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    ### END SOLUTION"
            )
        ],
        0,
        "f",
        "inside another region",
    ),
    ([exercise("def f():\n    return 1")], 0, "f", "exercise cell without a '### BEGIN SOLUTION'"),
    ([exercise("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")], 0, "f", "inside a function body"),
    ([exercise(F), check_cell("check.f(f)"), exercise(F)], 2, "f", "duplicate grade_id: cell 0"),
    ([exercise(F), check_cell("check.f(f)", locked=False)], 1, "f_check", "test cell not locked"),
    ([exercise(F), check_cell("check.f(f)", points=None)], 1, "f_check", '"points" must be'),
    ([exercise(F), check_cell("check.f(f)", grade_id="f_test")], 1, "f_test", "grade_id 'f_check'"),
    ([check_cell("check.f(f)")], 0, "f_check", "without an exercise cell before it"),
    ([exercise(F)], 0, "f", "exercise without a test cell after it"),
    ([exercise(F), exercise(F, "g")], 0, "f", "exercise without a test cell after it"),
    ([exercise(F.replace("BEGIN SOLUTION", "BEGIN SOLUTIONS"))], 0, "f", "malformed marker"),
    (
        [new_code_cell("x = 1\n### BEGIN SOLUTION\n### END SOLUTION")],
        0,
        None,
        "outside an exercise",
    ),
    (
        [exercise(F + "\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS")],
        0,
        "f",
        "outside a test cell",
    ),
    # The grader runs a test cell's checks in its own process: only check calls may be there.
    ([exercise(F), check_cell("assert f(2) == 4")], 1, "f_check", "holds only calls check.NAME"),
    ([exercise(F), check_cell("check.f(f)\nx = 1")], 1, "f_check", "line 2: a test cell holds"),
    ([exercise(F), check_cell("other.f(f)")], 1, "f_check", "holds only calls check.NAME"),
    ([exercise(F), check_cell("check.f(lambda x: 2 * x)")], 1, "f_check", "by name"),
    ([exercise(F), check_cell("check.f(f, n=len([1]))")], 1, "f_check", "are literals"),
    ([exercise(F), check_cell("check.f(f, **options)")], 1, "f_check", "are literals"),
    ([exercise(F), check_cell("check.f(f")], 1, "f_check", "not valid Python"),
    ([exercise(F), check_cell("# nothing")], 1, "f_check", "calls at least one check"),
]


def test_check_calls_read_names_and_literals():
    calls = exercise_format.check_calls(
        "check.f(f, g)\n### BEGIN HIDDEN TESTS\ncheck.h(f, seed=7, shape=(2, 3), sizes=[(1, 1)])"
        "\n### END HIDDEN TESTS"
    )
    assert calls == [
        exercise_format.CheckCall("f", ("f", "g"), {}),
        exercise_format.CheckCall("h", ("f",), {"seed": 7, "shape": (2, 3), "sizes": [(1, 1)]}),
    ]


def test_the_check_module_is_the_one_imported_as_check():
    imports = new_code_cell(
        "%matplotlib inline\nimport numpy as np\nfrom bplib.checks import ch01 as check"
    )
    nb = new_notebook(cells=[imports, exercise(F), check_cell("check.f(f)")])
    assert exercise_format.check_module(nb) == "bplib.checks.ch01"
    nb.cells[0].source = "import bplib.checks.ch02 as check"
    assert exercise_format.check_module(nb) == "bplib.checks.ch02"
    nb.cells[0].source = "from bplib.checks import ch01"
    assert exercise_format.check_module(nb) is None


@pytest.mark.parametrize("cells, index, grade_id, message", BAD)
def test_a_malformed_notebook_raises_naming_notebook_cell_and_grade_id(
    cells, index, grade_id, message
):
    with pytest.raises(exercise_format.FormatError) as error:
        release.release(new_notebook(cells=cells), "t.ipynb")
    where = f"t.ipynb, cell {index}" + (f" (grade_id {grade_id!r})" if grade_id else "")
    assert str(error.value).startswith(where + ": ")
    assert message in str(error.value)


def test_grade_ids_are_unique_across_the_course(tmp_path):
    one = new_notebook(cells=[exercise(F), check_cell("check.f(f)")])
    write_course(tmp_path, {"01_a.ipynb": one, "02_b.ipynb": one})
    with pytest.raises(
        exercise_format.FormatError, match="02_b.ipynb, cell 0: grade_id 'f' is used by"
    ):
        release.student_copies(tmp_path)


def test_a_cell_without_id_is_an_error_not_a_random_id(tmp_path):
    nb = json.loads(nbformat.writes(new_notebook(cells=[new_code_cell("x = 1")])))
    del nb["cells"][0]["id"]
    (tmp_path / "01_a.ipynb").write_text(json.dumps(nb))
    with pytest.raises(exercise_format.FormatError, match="01_a.ipynb, cell 0: no cell id"):
        release.student_copies(tmp_path)
