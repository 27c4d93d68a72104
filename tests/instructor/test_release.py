"""bplib.instructor.release: chapters/ is the release of solutions/ (the drift test), and what a
release does to each kind of cell, on small notebooks built here."""

import json
from pathlib import Path

import nbformat
import numpy as np
import pytest
from course_notebooks import F, check_cell, exercise, write_course
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from bplib.instructor import exercise_format, release

ROOT = Path(__file__).resolve().parents[2]


def test_chapters_are_the_release_of_solutions():
    problems = release.differences(ROOT / "solutions", ROOT / "chapters")
    assert not problems, "chapters/ is out of date; run `make chapters`:\n" + "\n".join(problems)


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
    cells = released(exercise(source), check_cell("check.f(f)"))
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
    exec(released(exercise(F), check_cell("check.f(f)"))[0].source, namespace)
    with pytest.raises(NotImplementedError):
        namespace["f"](1)


def test_the_released_chapter_00_exercise_raises_not_implemented_error():
    nb = nbformat.read(ROOT / "chapters" / "00_getting_started.ipynb", as_version=4)
    cell = next(c for c in nb.cells if exercise_format.is_exercise(c))
    namespace: dict = {"np": np}
    exec(cell.source, namespace)
    with pytest.raises(NotImplementedError):
        namespace["mean_squared_error"](np.zeros((2, 3)), np.zeros((2, 3)))


def test_hidden_tests_are_removed_wherever_they_are():
    cells = released(
        exercise(F),
        check_cell("check.f(f)\n### BEGIN HIDDEN TESTS\ncheck.f(f, seed=7)\n### END HIDDEN TESTS"),
        exercise(F, "g"),
        check_cell(
            "check.g(g)\n### BEGIN HIDDEN TESTS\ncheck.g(g, seed=2)\n### END HIDDEN TESTS\n"
            "check.g(g, n=1)",
            "g_check",
        ),
    )
    assert cells[1].source == "check.f(f)"
    assert cells[3].source == "check.g(g)\ncheck.g(g, n=1)"


def test_outputs_are_cleared_only_in_exercise_and_test_cells():
    demo = new_code_cell("print(1)", execution_count=3, outputs=[new_output("stream", text="1\n")])
    text = new_markdown_cell("### BEGIN SOLUTION is only text here")
    solved, checked = exercise(F), check_cell("check.f(f)")
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
    cells = released(exercise(F), check_cell("check.f(f)"))
    assert cells[1].metadata["editable"] is False and cells[1].metadata["deletable"] is False
    assert "editable" not in cells[0].metadata


def test_check_lists_what_differs_and_a_release_fixes_it(tmp_path, capsys):
    solutions, chapters = tmp_path / "solutions", tmp_path / "chapters"
    source = new_notebook(cells=[new_markdown_cell("# One"), exercise(F), check_cell("check.f(f)")])
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
    nb = new_notebook(cells=[exercise(F), check_cell("check.f(f)")])
    write_course(tmp_path, {"01_a.ipynb": nb})
    text = release.student_copies(tmp_path)["01_a.ipynb"]
    assert text == release.student_copies(tmp_path)["01_a.ipynb"]
    assert text.startswith('{\n "cells": [\n  {\n') and text.endswith("}\n")
    assert text == nbformat.writes(nbformat.reads(text, as_version=4)) + "\n"


def test_a_malformed_solution_makes_the_command_fail_with_the_message(tmp_path, capsys):
    write_course(tmp_path, {"01_a.ipynb": new_notebook(cells=[exercise("def f():\n    pass")])})
    assert release.main(["--solutions", str(tmp_path), "--chapters", str(tmp_path / "c")]) == 2
    assert "01_a.ipynb, cell 0 (grade_id 'f')" in capsys.readouterr().err


def test_a_missing_solutions_folder_is_an_error_that_names_it(tmp_path, capsys):
    chapters = tmp_path / "chapters"
    write_course(chapters, {"01_a.ipynb": new_notebook()})
    with pytest.raises(SystemExit) as exit_:
        release.main(["--solutions", str(tmp_path / "nowhere"), "--chapters", str(chapters)])
    assert exit_.value.code == 2
    assert f"no folder {tmp_path / 'nowhere'}" in capsys.readouterr().err
    assert (chapters / "01_a.ipynb").exists()  # nothing removed as stray
