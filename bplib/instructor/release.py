"""Make the student copies: ``solutions/NN_topic.ipynb`` -> ``chapters/NN_topic.ipynb``.

In each notebook of ``solutions/``:

- an exercise cell (nbgrader ``solution: true``) has every region from ``### BEGIN SOLUTION`` to
  ``### END SOLUTION`` replaced by ``# YOUR CODE HERE`` and ``raise NotImplementedError()``,
  indented like the BEGIN line;
- a test cell (nbgrader ``grade: true``) loses its region from ``### BEGIN HIDDEN TESTS`` to
  ``### END HIDDEN TESTS`` and is marked read-only for JupyterLab (``editable``/``deletable``
  false, as nbgrader does for locked cells);
- both lose their outputs, execution counts and execution timings;
- every other cell is copied as it is, stored outputs and plots included.

The source is checked first (``ReleaseError`` names the notebook, cell and grade_id): an exercise
cell is a code cell with a solution region inside a function body, followed by its locked test
cell ``<exercise>_check`` with integer points; markers are balanced and appear only in the cells
they belong to; grade_ids are unique across the course (they name the gradebook's columns).

Why not nbgrader: it pins older Jupyter packages, needs a course database and brings many
dependencies, for what is here one page of nbformat code. The cell metadata is nbgrader's, so
a course that outgrows this script can switch to nbgrader without touching the notebooks.

Usage: ``python -m bplib.instructor.release`` writes ``chapters/`` (and removes chapters whose
solution is gone); ``... --check`` writes nothing and exits 1 listing what differs.
"""

import argparse
import copy
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
from nbformat import NotebookNode

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
CHAPTERS = ROOT / "chapters"
# A chapter is NN_topic.ipynb; anything else in the folders (checkpoints, scratch) is not.
PATTERN = "[0-9][0-9]_*.ipynb"

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)
# A line that mentions a marker without being exactly one is a typo that would leak a solution.
NEAR_MARKER = re.compile(r"(BEGIN|END)\s+(SOLUTION|HIDDEN\s+TESTS?)", re.IGNORECASE)


class ReleaseError(ValueError):
    """A notebook in solutions/ does not follow the exercise format; the message says where."""


def nbgrader(cell: NotebookNode) -> dict:
    """The cell's nbgrader metadata ({} for an ordinary cell)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def is_exercise(cell: NotebookNode) -> bool:
    """An exercise cell: the student completes it (nbgrader ``solution: true``)."""
    return bool(nbgrader(cell).get("solution"))


def is_test(cell: NotebookNode) -> bool:
    """A test cell: graded, locked, runs the check (nbgrader ``grade: true``)."""
    return bool(nbgrader(cell).get("grade"))


def regions(source: str, begin: str, end: str) -> Iterator[tuple[int, int]]:
    """(first, last) line numbers of each ``begin`` ... ``end`` region, markers included.

    Raises ReleaseError (without a location: the caller adds it) when they are unbalanced.
    """
    start = None
    for i, line in enumerate(source.splitlines()):
        marker = line.strip()
        if marker == begin:
            if start is not None:
                raise ReleaseError(f"{begin!r} on line {i + 1} inside another region")
            start = i
        elif marker == end:
            if start is None:
                raise ReleaseError(f"{end!r} on line {i + 1} without {begin!r} before it")
            yield start, i
            start = None
    if start is not None:
        raise ReleaseError(f"{begin!r} on line {start + 1} without {end!r} after it")


def strip_solution(source: str) -> str:
    """Replace each solution region by the placeholder, at the indentation of its BEGIN line."""
    lines = source.splitlines()
    for first, last in reversed(list(regions(source, BEGIN_SOLUTION, END_SOLUTION))):
        indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
        lines[first : last + 1] = [
            f"{indent}# YOUR CODE HERE",
            f"{indent}raise NotImplementedError()",
        ]
    return "\n".join(lines)


def strip_hidden_tests(source: str) -> str:
    """Remove the hidden-test regions (and the blank lines they leave at the end)."""
    lines = source.splitlines()
    for first, last in reversed(list(regions(source, BEGIN_HIDDEN, END_HIDDEN))):
        del lines[first : last + 1]
    return "\n".join(lines).rstrip()


def validate(nb: NotebookNode, name: str) -> list[tuple[int, int]]:
    """Check the exercise format; return (exercise cell, test cell) index pairs in order.

    ``name`` (the notebook's file name) goes into the error messages.
    """

    def error(index: int, message: str) -> ReleaseError:
        grade_id = nbgrader(nb.cells[index]).get("grade_id")
        where = f"{name}, cell {index}" + (f" (grade_id {grade_id!r})" if grade_id else "")
        return ReleaseError(f"{where}: {message}")

    pairs: list[tuple[int, int]] = []
    seen: dict[str, int] = {}
    open_exercise = None
    for index, cell in enumerate(nb.cells):
        meta = nbgrader(cell)
        if cell.cell_type == "code":
            for line in cell.source.splitlines():
                if NEAR_MARKER.search(line) and line.strip() not in MARKERS:
                    raise error(index, f"malformed marker {line.strip()!r}; use one of {MARKERS}")
        if not meta:
            check_markers(cell, index, error, solution=False, hidden=False)
            continue
        grade_id = meta.get("grade_id")
        if not grade_id:
            raise error(index, "nbgrader cell without a grade_id")
        if grade_id in seen:
            raise error(index, f"duplicate grade_id: cell {seen[grade_id]} has it too")
        seen[grade_id] = index
        if is_exercise(cell) and is_test(cell):
            raise error(index, "a cell is an exercise (solution) or a test (grade), not both")
        check_markers(cell, index, error, solution=is_exercise(cell), hidden=is_test(cell))
        if is_exercise(cell):
            if open_exercise is not None:
                raise error(open_exercise, "exercise without a test cell after it")
            if cell.cell_type != "code":
                raise error(index, "an exercise cell must be a code cell")
            if meta.get("locked"):
                raise error(index, "an exercise cell must not be locked (the student edits it)")
            found = list(regions(cell.source, BEGIN_SOLUTION, END_SOLUTION))
            if not found:
                raise error(index, f"exercise cell without a {BEGIN_SOLUTION!r} region")
            for first, _ in found:
                if not cell.source.splitlines()[first].startswith((" ", "\t")):
                    raise error(
                        index,
                        "the solution region must be inside a function body "
                        "(at top level the student copy would raise when the cell runs)",
                    )
            open_exercise = index
        elif is_test(cell):
            if cell.cell_type != "code":
                raise error(index, "a test cell must be a code cell")
            if not meta.get("locked"):
                raise error(index, 'test cell not locked: set "locked": true')
            points = meta.get("points")
            if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
                raise error(index, f'"points" must be a positive integer, got {points!r}')
            if open_exercise is None:
                raise error(index, "test cell without an exercise cell before it")
            exercise_id = nbgrader(nb.cells[open_exercise])["grade_id"]
            if grade_id != f"{exercise_id}_check":
                raise error(
                    index,
                    f"the test cell of exercise {exercise_id!r} must have "
                    f"grade_id {exercise_id + '_check'!r}",
                )
            pairs.append((open_exercise, index))
            open_exercise = None
    if open_exercise is not None:
        raise error(open_exercise, "exercise without a test cell after it")
    return pairs


def check_markers(cell: NotebookNode, index: int, error, solution: bool, hidden: bool) -> None:
    """Markers balanced, and only where release removes them (else they would leak)."""
    if cell.cell_type != "code":
        return
    for begin, end, allowed, kind in [
        (BEGIN_SOLUTION, END_SOLUTION, solution, "an exercise cell (nbgrader solution: true)"),
        (BEGIN_HIDDEN, END_HIDDEN, hidden, "a test cell (nbgrader grade: true)"),
    ]:
        try:
            found = list(regions(cell.source, begin, end))
        except ReleaseError as e:
            raise error(index, f"unbalanced markers: {e}") from None
        if found and not allowed:
            raise error(index, f"{begin!r} outside {kind}: it would reach the students")


def release(nb: NotebookNode, name: str) -> NotebookNode:
    """The student copy of the solution notebook ``nb`` (which is not modified)."""
    validate(nb, name)
    student = copy.deepcopy(nb)
    for cell in student.cells:
        if is_exercise(cell):
            cell.source = strip_solution(cell.source)
        elif is_test(cell):
            cell.source = strip_hidden_tests(cell.source)
            cell.metadata["editable"] = False
            cell.metadata["deletable"] = False
        else:
            continue
        cell.outputs = []
        cell.execution_count = None
        cell.metadata.pop("execution", None)  # the timings of the run that made the solution
    return student


def read(path: Path) -> NotebookNode:
    """Read a notebook of solutions/ without letting nbformat invent (random) cell ids."""
    text = path.read_text(encoding="utf-8")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise ReleaseError(f"{path.name}: not valid JSON ({e})") from None
    if raw.get("nbformat") != 4:
        raise ReleaseError(f"{path.name}: nbformat {raw.get('nbformat')!r}, expected 4")
    if raw.get("nbformat_minor", 0) >= 5:
        for index, cell in enumerate(raw.get("cells", [])):
            if "id" not in cell:
                raise ReleaseError(
                    f"{path.name}, cell {index}: no cell id (nbformat 4.5 requires one; "
                    "saving the notebook in JupyterLab adds them)"
                )
    return nbformat.reads(text, as_version=4)


def render(nb: NotebookNode) -> str:
    """The notebook as Jupyter saves it: sorted keys, 1-space indent, trailing newline."""
    return nbformat.writes(nb) + "\n"


def build(solutions: Path = SOLUTIONS) -> dict[str, str]:
    """{file name: text of the student copy} for every chapter in ``solutions``."""
    notebooks = {path.name: read(path) for path in sorted(solutions.glob(PATTERN))}
    released = {name: render(release(nb, name)) for name, nb in notebooks.items()}
    owner: dict[str, str] = {}
    for name, nb in notebooks.items():
        for index, cell in enumerate(nb.cells):
            grade_id = nbgrader(cell).get("grade_id")
            if grade_id in owner:
                raise ReleaseError(
                    f"{name}, cell {index}: grade_id {grade_id!r} is used by {owner[grade_id]} "
                    "too; grade_ids must be unique across the course (they name gradebook columns)"
                )
            if grade_id:
                owner[grade_id] = name
    return released


def differences(solutions: Path = SOLUTIONS, chapters: Path = CHAPTERS) -> list[str]:
    """What ``chapters`` lacks to equal the release of ``solutions`` (empty when up to date)."""
    wanted = build(solutions)
    problems = []
    for name, text in wanted.items():
        path = chapters / name
        if not path.exists():
            problems.append(f"{path}: missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{path}: differs from the release of {solutions / name}")
    for path in sorted(chapters.glob(PATTERN)):
        if path.name not in wanted:
            problems.append(f"{path}: stray (no {solutions / path.name})")
    return problems


def write(solutions: Path = SOLUTIONS, chapters: Path = CHAPTERS) -> list[str]:
    """Write the student copies into ``chapters``, remove stray ones; return what changed."""
    wanted = build(solutions)
    chapters.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in wanted.items():
        path = chapters / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(f"wrote {path}")
    for path in sorted(chapters.glob(PATTERN)):
        if path.name not in wanted:
            path.unlink()
            changed.append(f"removed {path} (no {solutions / path.name})")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bplib.instructor.release",
        description="Generate the student notebooks (chapters/) from the solutions (solutions/).",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and list the chapters that differ from a fresh release",
    )
    parser.add_argument("--solutions", type=Path, default=SOLUTIONS, help="default: %(default)s")
    parser.add_argument("--chapters", type=Path, default=CHAPTERS, help="default: %(default)s")
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems = differences(args.solutions, args.chapters)
            for line in problems:
                print(line)
            if problems:
                print("run `make chapters` (python -m bplib.instructor.release) to regenerate")
            return 1 if problems else 0
        for line in write(args.solutions, args.chapters):
            print(line)
    except ReleaseError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
