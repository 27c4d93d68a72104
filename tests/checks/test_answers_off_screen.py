"""An exercise's answer is not on the screen: no non-trivial line of a solution region appears
in the stub the student gets, nor in any cell above the exercise in the student copy (code or
markdown), whitespace aside. A line is non-trivial when, without its whitespace, it has at
least ``MIN_CHARS`` characters and is not a comment, an import, ``pass``, a docstring quote or
``return`` of bare names; for ``return EXPR`` the expression alone is looked for too."""

import re
from pathlib import Path

import nbformat
import pytest

from bplib.instructor.exercise_format import BEGIN_SOLUTION, END_SOLUTION, grade_id, regions

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
MIN_CHARS = 10
TRIVIAL = re.compile(r"(#|import|from\w+import|pass$|\"\"\"|'''|raise NotImplementedError)")
BARE_RETURN = re.compile(r"return[\w,()]*")


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def answer_lines(source: str) -> list[str]:
    """The non-trivial lines of the solution regions of an exercise cell, squeezed, with the
    expression of each ``return EXPR`` as a line of its own."""
    lines = source.splitlines()
    found = []
    for first, last in regions(source, BEGIN_SOLUTION, END_SOLUTION):
        for line in lines[first + 1 : last]:
            code = line.strip()
            s = squeezed(code)
            if len(s) < MIN_CHARS or TRIVIAL.match(code) or BARE_RETURN.fullmatch(s):
                continue
            found.append(s)
            if s.startswith("return") and len(s) - len("return") >= MIN_CHARS:
                found.append(s[len("return") :])
    return found


def leaks(solution: Path) -> list[str]:
    """Every answer line of ``solution`` that its student copy shows above or in the stub."""
    student = nbformat.read(ROOT / "chapters" / solution.name, as_version=4)
    by_id = {grade_id(cell): i for i, cell in enumerate(student.cells) if grade_id(cell)}
    found = []
    for cell in nbformat.read(solution, as_version=4).cells:
        if not cell.metadata.get("nbgrader", {}).get("solution") or cell.cell_type != "code":
            continue
        index = by_id[grade_id(cell)]
        screen = {j: squeezed(student.cells[j].source) for j in range(index + 1)}
        for line in answer_lines(cell.source):
            shown = [j for j, text in screen.items() if line in text]
            if shown:
                where = "its stub" if shown == [index] else f"cell {shown[0]}"
                found.append(f"{grade_id(cell)}: {line!r} is shown in {where}")
    return found


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_no_answer_is_on_the_screen_before_its_exercise(solution):
    found = leaks(solution)
    assert not found, "\n".join(found)


def test_the_rule_finds_a_leak_and_passes_a_clean_exercise(tmp_path):
    lines = answer_lines(
        '    """The derivative, elementwise."""\n    ### BEGIN SOLUTION\n'
        "    s = 1 / (1 + np.exp(-z))\n    return s * (1 - s) + 0.0 * z\n"
        "    return s\n    ### END SOLUTION\n"
    )
    assert lines == ["s=1/(1+np.exp(-z))", "returns*(1-s)+0.0*z", "s*(1-s)+0.0*z"]
