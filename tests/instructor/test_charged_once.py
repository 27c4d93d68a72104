"""One slip is charged once under the grader too: an exercise built on the student's own
earlier answer is judged with the course's version of that answer in its place, rebound in the
student's kernel (``wire.Remote.rebind``), when the student's own is wrong."""

from pathlib import Path

import nbformat
import pytest

from bplib.instructor import grade

pytestmark = pytest.mark.notebook

ROOT = Path(__file__).resolve().parents[2]
NAME = "04_forward_propagation"
WRONG_LAYER = "    return A @ W + b  # sigma forgotten\n"


def source_of(nb: nbformat.NotebookNode, grade_id: str) -> tuple[int, str]:
    for i, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return i, cell.source
    raise KeyError(grade_id)


def test_a_right_exercise_on_a_wrong_helper_earns_its_points_under_the_grader(tmp_path):
    student = nbformat.read(ROOT / "chapters" / f"{NAME}.ipynb", as_version=4)
    solution = nbformat.read(ROOT / "solutions" / f"{NAME}.ipynb", as_version=4)
    layer, stub = source_of(student, "layer_forward")
    student.cells[layer].source = stub.split("    # YOUR CODE HERE")[0] + WRONG_LAYER
    network, _ = source_of(student, "network_forward")
    student.cells[network].source = source_of(solution, "network_forward")[1]
    path = tmp_path / "alice" / f"{NAME}.ipynb"
    path.parent.mkdir()
    nbformat.write(student, path)

    result = grade.grade_notebook(path, ROOT / "solutions" / f"{NAME}.ipynb", timeout=60)
    scores = {s.exercise: s for s in result.scores}
    assert scores["layer_forward"].points == 0
    assert scores["network_forward"].points == scores["network_forward"].max_points > 0
    assert "your network_forward itself is right" in scores["network_forward"].feedback
    assert "your layer_forward" in scores["network_forward"].feedback
