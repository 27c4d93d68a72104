"""Make the student copies: ``solutions/NN_topic.ipynb`` -> ``chapters/NN_topic.ipynb``.

Each solution region becomes ``# YOUR CODE HERE`` / ``raise NotImplementedError()``; each test
cell loses its hidden tests and is locked for JupyterLab; both lose their outputs, execution
counts and timings; every other cell is copied as it is. The source is validated first
(``bplib.instructor.exercise_format``).

Usage: ``python -m bplib.instructor.release [--solutions DIR] [--chapters DIR]`` writes the
chapters (and removes those whose solution is gone); ``--check`` writes nothing and exits 1
listing what differs.

nbgrader (0.9) reads the same cell metadata and installs beside this course's JupyterLab 4,
nbclient 0.11 and nbformat 5 (the optional extra ``nbgrader``, with the repository's
``nbgrader_config.py``). This module stays because the course needs no course database for a
release, and ``bplib.instructor.grade`` judges the test cells outside the student's kernel,
which nbgrader does not.
"""

import argparse
import copy
import sys
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from bplib.instructor.exercise_format import (
    BEGIN_SOLUTION,
    END_SOLUTION,
    PATTERN,
    FormatError,
    check_unique_grade_ids,
    is_exercise,
    is_test,
    read,
    regions,
    strip_hidden_tests,
    validate,
)


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


def render(nb: NotebookNode) -> str:
    """The notebook as Jupyter saves it: sorted keys, 1-space indent, trailing newline."""
    return nbformat.writes(nb) + "\n"


def student_copies(solutions: Path) -> dict[str, str]:
    """{file name: text of the student copy} for every chapter in ``solutions``."""
    notebooks = {path.name: read(path) for path in sorted(solutions.glob(PATTERN))}
    copies = {name: render(release(nb, name)) for name, nb in notebooks.items()}
    check_unique_grade_ids(notebooks)
    return copies


def differences(solutions: Path, chapters: Path) -> list[str]:
    """What ``chapters`` lacks to equal the release of ``solutions`` (empty when up to date)."""
    wanted = student_copies(solutions)
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


def write(solutions: Path, chapters: Path) -> list[str]:
    """Write the student copies into ``chapters``, remove stray ones; return what changed."""
    wanted = student_copies(solutions)
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
    for folder in ["solutions", "chapters"]:
        parser.add_argument(
            f"--{folder}",
            type=Path,
            default=Path(folder),
            metavar="DIR",
            help="default: %(default)s",
        )
    args = parser.parse_args(argv)
    if not args.solutions.is_dir():
        # Without it every chapter would count as stray and be removed.
        parser.error(f"--solutions: no folder {args.solutions} (run from the course's folder?)")
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
    except FormatError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
