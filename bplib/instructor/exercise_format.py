"""The exercise format of the notebooks in ``solutions/``, and its validation.

An exercise cell (nbgrader ``solution: true``) is a code cell whose solution, between
``### BEGIN SOLUTION`` and ``### END SOLUTION``, sits inside a function body. Its locked test cell
``<exercise>_check`` (nbgrader ``grade: true``, integer ``points``) follows it and may hold hidden
tests between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``. Markers are balanced and
appear only in the cells they belong to; grade_ids are unique across the course (they name the
gradebook's columns). ``FormatError`` names the notebook, cell and grade_id of a violation.

A test cell, hidden tests included, is a list of check calls ``check.NAME(f, g, key=literal)``:
the student's functions by name, then literal keyword arguments (``check_calls``), where
``check`` is the module the notebook imports under that name (``check_module``). The grader
runs these calls in its own process (``bplib.instructor.judge``), so no other code may be there.

The cell metadata is nbgrader's, so a course that outgrows these tools can switch to nbgrader
without touching the notebooks.
"""

import ast
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import nbformat
from nbformat import NotebookNode

# A chapter is NN_topic.ipynb; anything else in the folders (checkpoints, scratch) is not.
PATTERN = "[0-9][0-9]_*.ipynb"

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)
# A line that mentions a marker without being exactly one is a typo that would leak a solution.
NEAR_MARKER = re.compile(r"(BEGIN|END)\s+(SOLUTION|HIDDEN\s+TESTS?)", re.IGNORECASE)


class FormatError(ValueError):
    """A notebook in solutions/ does not follow the exercise format; the message says where."""


def nbgrader(cell: dict) -> dict:
    """The cell's nbgrader metadata ({} for an ordinary cell, or when it is not a mapping)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def grade_id(cell: dict) -> str | None:
    """The cell's nbgrader grade_id, if it has one."""
    return nbgrader(cell).get("grade_id")


def is_exercise(cell: dict) -> bool:
    """An exercise cell: the student completes it (nbgrader ``solution: true``)."""
    return bool(nbgrader(cell).get("solution"))


def is_test(cell: dict) -> bool:
    """A test cell: graded, locked, runs the check (nbgrader ``grade: true``)."""
    return bool(nbgrader(cell).get("grade"))


def regions(source: str, begin: str, end: str) -> Iterator[tuple[int, int]]:
    """(first, last) line numbers of each ``begin`` ... ``end`` region, markers included.

    Raises FormatError (without a location: the caller adds it) when they are unbalanced.
    """
    start = None
    for i, line in enumerate(source.splitlines()):
        marker = line.strip()
        if marker == begin:
            if start is not None:
                raise FormatError(f"{begin!r} on line {i + 1} inside another region")
            start = i
        elif marker == end:
            if start is None:
                raise FormatError(f"{end!r} on line {i + 1} without {begin!r} before it")
            yield start, i
            start = None
    if start is not None:
        raise FormatError(f"{begin!r} on line {start + 1} without {end!r} after it")


def strip_hidden_tests(source: str) -> str:
    """Remove the hidden-test regions (and the blank lines they leave at the end)."""
    lines = source.splitlines()
    for first, last in reversed(list(regions(source, BEGIN_HIDDEN, END_HIDDEN))):
        del lines[first : last + 1]
    return "\n".join(lines).rstrip()


def read(path: Path) -> NotebookNode:
    """Read a notebook of solutions/ without letting nbformat invent (random) cell ids."""
    text = path.read_text(encoding="utf-8")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise FormatError(f"{path.name}: not valid JSON ({e})") from None
    if raw.get("nbformat") != 4:
        raise FormatError(f"{path.name}: nbformat {raw.get('nbformat')!r}, expected 4")
    if raw.get("nbformat_minor", 0) >= 5:
        for index, cell in enumerate(raw.get("cells", [])):
            if "id" not in cell:
                raise FormatError(
                    f"{path.name}, cell {index}: no cell id (nbformat 4.5 requires one; "
                    "saving the notebook in JupyterLab adds them)"
                )
    return nbformat.reads(text, as_version=4)


def validate(nb: NotebookNode, name: str) -> list[tuple[int, int]]:
    """Check the exercise format; return (exercise cell, test cell) index pairs in order.

    ``name`` (the notebook's file name) goes into the error messages.
    """

    def error(index: int, message: str) -> FormatError:
        gid = grade_id(nb.cells[index])
        where = f"{name}, cell {index}" + (f" (grade_id {gid!r})" if gid else "")
        return FormatError(f"{where}: {message}")

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
        gid = meta.get("grade_id")
        if not gid:
            raise error(index, "nbgrader cell without a grade_id")
        if gid in seen:
            raise error(index, f"duplicate grade_id: cell {seen[gid]} has it too")
        seen[gid] = index
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
            expected = f"{grade_id(nb.cells[open_exercise])}_check"
            if gid != expected:
                raise error(
                    index,
                    f"the test cell of exercise {grade_id(nb.cells[open_exercise])!r} must have "
                    f"grade_id {expected!r}",
                )
            try:
                check_calls(cell.source)
            except FormatError as e:
                raise error(index, str(e)) from None
            pairs.append((open_exercise, index))
            open_exercise = None
    if open_exercise is not None:
        raise error(open_exercise, "exercise without a test cell after it")
    return pairs


def check_markers(
    cell: NotebookNode,
    index: int,
    error: Callable[[int, str], FormatError],
    solution: bool,
    hidden: bool,
) -> None:
    """Markers balanced, and only where release removes them (else they would leak)."""
    if cell.cell_type != "code":
        return
    for begin, end, allowed, kind in [
        (BEGIN_SOLUTION, END_SOLUTION, solution, "an exercise cell (nbgrader solution: true)"),
        (BEGIN_HIDDEN, END_HIDDEN, hidden, "a test cell (nbgrader grade: true)"),
    ]:
        try:
            found = list(regions(cell.source, begin, end))
        except FormatError as e:
            raise error(index, f"unbalanced markers: {e}") from None
        if found and not allowed:
            raise error(index, f"{begin!r} outside {kind}: it would reach the students")


def check_unique_grade_ids(notebooks: dict[str, NotebookNode]) -> None:
    """grade_ids are unique across the course ({file name: notebook}), in file-name order."""
    owner: dict[str, str] = {}
    for name, nb in notebooks.items():
        for index, cell in enumerate(nb.cells):
            gid = grade_id(cell)
            if gid in owner:
                raise FormatError(
                    f"{name}, cell {index}: grade_id {gid!r} is used by {owner[gid]} "
                    "too; grade_ids must be unique across the course (they name gradebook columns)"
                )
            if gid:
                owner[gid] = name


class CheckCall(NamedTuple):
    """One statement of a test cell: ``check.<check>(*args, **kwargs)``."""

    check: str  # the check's name in the check module
    args: tuple[str, ...]  # the names of the student's functions
    kwargs: dict  # literal keyword arguments


CHECK = "check"  # the name a notebook imports its check module under


def check_calls(source: str) -> list[CheckCall]:
    """The check calls of a test cell; FormatError for anything else."""
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        raise FormatError(f"test cell is not valid Python ({e.msg}, line {e.lineno})") from None
    calls = []
    for node in tree.body:
        where = f"line {node.lineno}"
        call = node.value if isinstance(node, ast.Expr) else None
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == CHECK
        ):
            raise FormatError(
                f"{where}: a test cell holds only calls {CHECK}.NAME(function, ..., key=literal)"
                f", got {ast.unparse(node)[:80]!r}"
            )
        if not all(isinstance(arg, ast.Name) for arg in call.args):
            raise FormatError(f"{where}: positional arguments are the student's functions, by name")
        kwargs = {}
        for keyword in call.keywords:
            try:
                if keyword.arg is None:
                    raise ValueError
                kwargs[keyword.arg] = ast.literal_eval(keyword.value)
            except ValueError:
                raise FormatError(
                    f"{where}: keyword arguments are literals, got {ast.unparse(keyword)!r}"
                ) from None
        names = tuple(a.id for a in call.args if isinstance(a, ast.Name))
        calls.append(CheckCall(call.func.attr, names, kwargs))
    if not calls:
        raise FormatError("a test cell calls at least one check")
    return calls


def check_module(nb: NotebookNode) -> str | None:
    """The module a notebook imports as ``check`` (``from bplib.checks import ch01 as check``)."""
    for cell in nb.cells:
        if cell.cell_type != "code" or grade_id(cell):
            continue
        try:
            tree = ast.parse(
                "\n".join(
                    "" if line.lstrip().startswith(("%", "!")) else line
                    for line in cell.source.splitlines()
                )
            )
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and not node.level and node.module:
                for alias in node.names:
                    if alias.asname == CHECK:
                        return f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname == CHECK:
                        return alias.name
    return None
