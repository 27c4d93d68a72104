"""What a chapter asks, and the notebook the grader runs for a student's submission.

The notebook to run is the student's cells, except that every test cell (matched by grade_id)
is the original from ``solutions/``, hidden tests included, so editing a test cell gains
nothing; a deleted test cell runs anyway, right after its exercise. The grader judges the test
cells in its own process (``bplib.instructor.judge``) with the check module the solution
imports, never running them in the student's kernel.
"""

import dataclasses
import json
from pathlib import Path
from typing import NamedTuple

import nbformat
from nbformat import NotebookNode

from bplib.instructor.exercise_format import (
    PATTERN,
    CheckCall,
    FormatError,
    check_calls,
    check_module,
    grade_id,
    nbgrader,
    read,
    strip_hidden_tests,
    validate,
)

EDITED = "test cell edited (ignored; the original was run)"
DELETED = "test cell deleted (the original was run)"


@dataclasses.dataclass(frozen=True)
class Exercise:
    """An exercise cell and the test cell after it, as in solutions/."""

    name: str  # grade_id of the exercise cell
    test: str  # grade_id of the test cell: a column of the gradebook
    points: int
    source: str  # the test cell with its hidden tests: what the grader runs
    public: str  # the test cell as the students have it
    calls: tuple[CheckCall, ...]  # the checks ``source`` calls


@dataclasses.dataclass(frozen=True)
class Chapter:
    name: str
    exercises: tuple[Exercise, ...]
    checks: str  # the module the solution imports as ``check``

    @property
    def grade_ids(self) -> set[str]:
        return {ex.name for ex in self.exercises} | {ex.test for ex in self.exercises}


def load_chapter(solution: Path) -> Chapter:
    """The exercises of the solution notebook ``solution`` (validated as for a release)."""
    nb = read(solution)
    exercises = []
    for exercise_index, test_index in validate(nb, solution.name):
        test = nb.cells[test_index]
        exercises.append(
            Exercise(
                name=nbgrader(nb.cells[exercise_index])["grade_id"],
                test=nbgrader(test)["grade_id"],
                points=nbgrader(test)["points"],
                source=test.source,
                public=strip_hidden_tests(test.source),
                calls=tuple(check_calls(test.source)),
            )
        )
    checks = check_module(nb)
    if exercises and checks is None:
        raise FormatError(f"{solution.name}: no cell imports a check module as `check`")
    return Chapter(solution.stem, tuple(exercises), checks or "")


def parse(data: bytes) -> tuple[NotebookNode | None, str]:
    """The notebook in ``data``, or None and what is wrong with it."""
    if not data.strip():
        return None, "empty file"
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return None, f"invalid notebook: not JSON ({e})"
    if not isinstance(raw, dict) or not isinstance(raw.get("nbformat"), int):
        return None, "invalid notebook: JSON, but not a notebook (no nbformat version)"
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as e:  # nbformat raises several types for notebooks it cannot convert
        return None, f"invalid notebook: {e}"
    cells = nb.get("cells")
    if not isinstance(cells, list) or not all(
        isinstance(c, dict) and c.get("cell_type") and isinstance(c.get("source"), str)
        for c in cells
    ):
        return None, "invalid notebook: its cells are not a list of cells with a source"
    return nb, ""


def wrong_chapter(ids: set[str], solution_path: Path) -> str:
    """Say whose notebook carries the grade_ids ``ids`` (none of this chapter's)."""
    overlaps = []
    for other in sorted(solution_path.parent.glob(PATTERN)):
        try:
            cells = json.loads(other.read_bytes())["cells"]
        except (OSError, ValueError, KeyError):
            continue
        overlaps.append((len(ids & {grade_id(c) for c in cells}), other.stem))
    count, owner = max(overlaps, default=(0, ""))
    if count:
        return f"another chapter's notebook ({owner})"
    return "no exercise of this chapter found (renamed, or cell metadata lost?)"


class ToRun(NamedTuple):
    """The notebook to run and what assembling it found."""

    nb: NotebookNode
    test_at: dict[str, int]  # test grade_id -> index of its cell in nb
    present: set[str]  # grade_ids of the exercise cells the student has
    notes: list[str]
    exercise_at: dict[str, int]  # exercise grade_id -> index of its (last) cell in nb


def notebook_to_run(nb: NotebookNode, chapter: Chapter) -> ToRun:
    """The student's cells, with each test cell replaced by the original (hidden tests too)."""
    tests = {ex.test: ex for ex in chapter.exercises}
    exercise_names = {ex.name for ex in chapter.exercises}
    ids = [grade_id(cell) for cell in nb.cells]
    # A test cell the student deleted runs after the last copy of its exercise cell.
    last_copy = {gid: i for i, gid in enumerate(ids) if gid in exercise_names}
    deleted = {ex.name: ex for ex in chapter.exercises if ex.test not in ids}
    cells: list[NotebookNode] = []
    test_at: dict[str, int] = {}
    exercise_at: dict[str, int] = {}
    edited = False
    for i, (cell, gid) in enumerate(zip(nb.cells, ids, strict=True)):
        if gid in tests and gid not in test_at:
            # The solution's own test cell (hidden tests and all) is not an edit either.
            edited |= normalized(cell.source) not in {
                normalized(tests[gid].public),
                normalized(tests[gid].source),
            }
            test_at[gid] = len(cells)
            cells.append(nbformat.v4.new_code_cell(tests[gid].source))
        elif cell.cell_type == "code":
            cells.append(nbformat.from_dict({**cell, "outputs": [], "execution_count": None}))
        else:
            cells.append(cell)
        if gid in exercise_names and last_copy[gid] == i:
            exercise_at[gid] = len(cells) - 1
        if gid in deleted and last_copy[gid] == i:
            test_at[deleted[gid].test] = len(cells)
            cells.append(nbformat.v4.new_code_cell(deleted[gid].source))
    notes = [EDITED] * edited + [DELETED] * bool(set(deleted) & set(last_copy))
    run_nb = nbformat.v4.new_notebook(cells=cells)
    run_nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    return ToRun(run_nb, test_at, set(last_copy), notes, exercise_at)


def normalized(source: str) -> str:
    """The source without trailing spaces and blank lines at either end."""
    return "\n".join(line.rstrip() for line in source.strip().splitlines())
