"""bplib.release: chapters/ is the release of solutions/ (the drift test), and what a release
does to each kind of cell, on small notebooks built here."""

import json
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from bplib.instructor import release

ROOT = Path(__file__).resolve().parents[2]


def test_chapters_are_the_release_of_solutions():
    problems = release.differences(ROOT / "solutions", ROOT / "chapters")
    assert not problems, "chapters/ is out of date; run `make chapters`:\n" + "\n".join(problems)


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


def released(*cells: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return release.release(new_notebook(cells=list(cells)), "t.ipynb").cells


def test_a_solution_region_becomes_the_placeholder_at_the_indentation_of_its_begin_line():
    source = (
        "def f(x):\n"
        "    y = 1\n"
        "    ### BEGIN SOLUTION\n"
        "    return x + y\n"
        "    ### END SOLUTION\n"
        "\n"
        "\n"
        "class C:\n"
        "    def g(self):\n"
        "        ### BEGIN SOLUTION\n"
        "        if True:\n"
        "            return 2\n"
        "        ### END SOLUTION"
    )
    cells = released(exercise(source), check_cell("check(f)"))
    assert cells[0].source == (
        "def f(x):\n"
        "    y = 1\n"
        "    # YOUR CODE HERE\n"
        "    raise NotImplementedError()\n"
        "\n"
        "\n"
        "class C:\n"
        "    def g(self):\n"
        "        # YOUR CODE HERE\n"
        "        raise NotImplementedError()"
    )


def test_the_released_exercise_raises_not_implemented_error():
    namespace: dict = {}
    exec(released(exercise(F), check_cell("check(f)"))[0].source, namespace)
    with pytest.raises(NotImplementedError):
        namespace["f"](1)


def test_the_released_chapter_00_exercise_raises_not_implemented_error():
    nb = nbformat.read(ROOT / "chapters" / "00_getting_started.ipynb", as_version=4)
    cell = next(c for c in nb.cells if release.is_exercise(c))
    namespace: dict = {"np": np}
    exec(cell.source, namespace)
    with pytest.raises(NotImplementedError):
        namespace["mean_squared_error"](np.zeros((2, 3)), np.zeros((2, 3)))


def test_hidden_tests_are_removed_wherever_they_are():
    cells = released(
        exercise(F),
        check_cell("check(f)\n### BEGIN HIDDEN TESTS\ncheck(f, seed=7)\n### END HIDDEN TESTS"),
        exercise(F, "g"),
        check_cell(
            "a = 1\n### BEGIN HIDDEN TESTS\nassert f(a) == 2\n### END HIDDEN TESTS\ncheck(f, a)",
            "g_check",
        ),
    )
    assert cells[1].source == "check(f)"
    assert cells[3].source == "a = 1\ncheck(f, a)"


def test_outputs_are_cleared_only_in_exercise_and_test_cells():
    demo = new_code_cell("print(1)", execution_count=3, outputs=[new_output("stream", text="1\n")])
    text = new_markdown_cell("### BEGIN SOLUTION is only text here")
    solved, checked = exercise(F), check_cell("check(f)")
    for i, cell in enumerate([solved, checked]):
        cell.execution_count = 4 + i
        cell.outputs = [new_output("stream", text="✔ f: passed\n")]
        cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    nb = new_notebook(cells=[text, demo, solved, checked])
    before = json.dumps(nb, sort_keys=True)
    cells = release.release(nb, "t.ipynb").cells
    assert json.dumps(nb, sort_keys=True) == before  # the source is not modified
    assert cells[0] == text and cells[1] == demo
    for cell in cells[2:]:
        assert (cell.outputs, cell.execution_count) == ([], None)
        assert "execution" not in cell.metadata


def test_test_cells_are_read_only_in_jupyterlab():
    cells = released(exercise(F), check_cell("check(f)"))
    assert cells[1].metadata["editable"] is False and cells[1].metadata["deletable"] is False
    assert "editable" not in cells[0].metadata


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
    ([exercise(F), check_cell("check(f)"), exercise(F)], 2, "f", "duplicate grade_id: cell 0"),
    ([exercise(F), check_cell("check(f)", locked=False)], 1, "f_check", "test cell not locked"),
    ([exercise(F), check_cell("check(f)", points=None)], 1, "f_check", '"points" must be'),
    ([exercise(F), check_cell("check(f)", grade_id="f_test")], 1, "f_test", "grade_id 'f_check'"),
    ([check_cell("check(f)")], 0, "f_check", "without an exercise cell before it"),
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
]


@pytest.mark.parametrize("cells, index, grade_id, message", BAD)
def test_a_malformed_notebook_raises_naming_notebook_cell_and_grade_id(
    cells, index, grade_id, message
):
    with pytest.raises(release.ReleaseError) as error:
        release.release(new_notebook(cells=cells), "t.ipynb")
    where = f"t.ipynb, cell {index}" + (f" (grade_id {grade_id!r})" if grade_id else "")
    assert str(error.value).startswith(where + ": ")
    assert message in str(error.value)


def write_course(folder: Path, notebooks: dict[str, nbformat.NotebookNode]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, nb in notebooks.items():
        nbformat.write(nb, folder / name)


def test_grade_ids_are_unique_across_the_course(tmp_path):
    one = new_notebook(cells=[exercise(F), check_cell("check(f)")])
    write_course(tmp_path, {"01_a.ipynb": one, "02_b.ipynb": one})
    with pytest.raises(release.ReleaseError, match="02_b.ipynb, cell 0: grade_id 'f' is used by"):
        release.build(tmp_path)


def test_a_cell_without_id_is_an_error_not_a_random_id(tmp_path):
    nb = json.loads(nbformat.writes(new_notebook(cells=[new_code_cell("x = 1")])))
    del nb["cells"][0]["id"]
    (tmp_path / "01_a.ipynb").write_text(json.dumps(nb))
    with pytest.raises(release.ReleaseError, match="01_a.ipynb, cell 0: no cell id"):
        release.build(tmp_path)


def test_check_lists_what_differs_and_a_release_fixes_it(tmp_path, capsys):
    solutions, chapters = tmp_path / "solutions", tmp_path / "chapters"
    source = new_notebook(cells=[new_markdown_cell("# One"), exercise(F), check_cell("check(f)")])
    write_course(solutions, {"01_one.ipynb": source})
    write_course(chapters, {"02_gone.ipynb": new_notebook()})
    dirs = ["--solutions", str(solutions), "--chapters", str(chapters)]

    assert release.main(["--check", *dirs]) == 1
    out = capsys.readouterr().out
    assert "01_one.ipynb: missing" in out and "02_gone.ipynb: stray" in out
    assert release.main(dirs) == 0
    assert sorted(p.name for p in chapters.iterdir()) == ["01_one.ipynb"]
    first = (chapters / "01_one.ipynb").read_bytes()
    assert release.main(["--check", *dirs]) == 0

    source.cells[0].source = "# One, edited"
    write_course(solutions, {"01_one.ipynb": source})
    capsys.readouterr()
    assert release.main(["--check", *dirs]) == 1
    assert "01_one.ipynb: differs" in capsys.readouterr().out
    assert (chapters / "01_one.ipynb").read_bytes() == first  # --check writes nothing


def test_the_release_is_deterministic_and_saved_as_jupyter_does(tmp_path):
    nb = new_notebook(cells=[exercise(F), check_cell("check(f)")])
    write_course(tmp_path, {"01_a.ipynb": nb})
    text = release.build(tmp_path)["01_a.ipynb"]
    assert text == release.build(tmp_path)["01_a.ipynb"]
    assert text.startswith('{\n "cells": [\n  {\n') and text.endswith("}\n")
    assert text == nbformat.writes(nbformat.reads(text, as_version=4)) + "\n"


def test_a_malformed_solution_makes_the_command_fail_with_the_message(tmp_path, capsys):
    write_course(tmp_path, {"01_a.ipynb": new_notebook(cells=[exercise("def f():\n    pass")])})
    assert release.main(["--solutions", str(tmp_path), "--chapters", str(tmp_path / "c")]) == 2
    assert "01_a.ipynb, cell 0 (grade_id 'f')" in capsys.readouterr().err
