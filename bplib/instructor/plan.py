"""Plan a grading run: which submissions to run, and which cached results still stand.

A cached result stands when nothing it depends on changed: the submission's bytes, the time
limits, whether the kernel was contained, and its chapter's digest. The digest covers the
solution notebook, the check modules the notebook imports from ``bplib.checks`` (with
``bplib.checks.feedback``), every module of bplib they import transitively (found by parsing
their imports with ``ast``), and the grader's own modules that decide a verdict. Editing a
library module no check imports regrades nothing.
"""

import ast
import hashlib
import importlib.util
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from nbformat import NotebookNode
from tqdm.auto import tqdm

from bplib.checks import feedback
from bplib.instructor import agent, judge, kernel, score, submission, wire
from bplib.instructor.exercise_format import read
from bplib.instructor.gradebook import Row
from bplib.instructor.score import Result
from bplib.instructor.submission import Chapter

LIBRARY = feedback.__name__.partition(".")[0]  # the package whose modules are followed
CHECKS = feedback.__package__ or ""  # the notebooks' check modules live here
GRADER = [module.__name__ for module in (submission, kernel, judge, wire, agent, score)]


def imported(source: str, package: str) -> set[str]:
    """The modules ``source`` imports, and the names it imports from a module (maybe modules).

    ``package`` resolves relative imports (none outside a package: a notebook's cell has none).
    IPython's ``%`` and ``!`` lines are skipped.
    """
    python = "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )
    try:
        tree = ast.parse(python)
    except SyntaxError:  # a cell that shows a syntax error on purpose imports nothing
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (package or not node.level):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def library_files(roots: Iterable[str]) -> dict[str, Path]:
    """{module name: source file} of ``roots`` and what they import of bplib, transitively.

    Parent packages are included: importing a module runs their ``__init__``.
    """
    found: dict[str, Path] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in found or not (name == LIBRARY or name.startswith(LIBRARY + ".")):
            continue
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:  # a name inside a module, not a module
            continue
        if spec is None or spec.origin is None:
            continue
        found[name] = Path(spec.origin)
        is_package = spec.submodule_search_locations is not None
        package = name if is_package else name.rpartition(".")[0]
        todo += [name.rpartition(".")[0], *imported(found[name].read_text("utf-8"), package)]
    return found


def dependencies(nb: NotebookNode) -> dict[str, Path]:
    """The bplib modules a chapter's grading depends on (see the module docstring)."""
    checks = {
        name
        for cell in nb.cells
        if cell.cell_type == "code"
        for name in imported(cell.source, "")
        if name.startswith(CHECKS + ".")
    }
    return library_files([*sorted(checks), feedback.__name__, *GRADER])


def chapter_digest(solution: Path) -> str:
    """Changes when the solution notebook or a module its grading depends on changes."""
    digest = hashlib.sha256(solution.read_bytes())
    for name, path in sorted(dependencies(read(solution)).items()):
        digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def read_cache(path: Path) -> dict:
    """The results of earlier runs ({} when there are none or the file is damaged)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError:
        tqdm.write(f"{path} is damaged: grading everything again", file=sys.stderr)
        return {}


class Job(NamedTuple):
    """A submission to run, and the cache key its result will be stored under."""

    student: str
    chapter: str
    path: Path
    key: dict


def plan(
    submissions: Path,
    course: dict[str, Chapter],
    *,
    digests: dict[str, str],
    known: set[str],
    cache: dict,
    timeouts: list[float | None],
    force: bool,
    contained: bool = True,
) -> tuple[dict[tuple[str, str], Row], list[Job]]:
    """The rows whose cached result stands, and the jobs to run, for every student folder.

    ``course`` holds the chapters to grade, ``digests`` their digests, ``known`` the names of
    every chapter (a notebook of none of them is reported as ignored).
    """
    students = sorted(
        d.name for d in submissions.iterdir() if d.is_dir() and not d.name.startswith((".", "_"))
    )
    rows: dict[tuple[str, str], Row] = {}
    jobs = []
    for student in students:
        for name in course:
            path = submissions / student / f"{name}.ipynb"
            # What the result depends on: when none of it changed, the cached result stands.
            key = {
                "submission": hashlib.sha256(path.read_bytes()).hexdigest()
                if path.is_file()
                else "missing",
                "solution": digests[name],
                "timeouts": timeouts,
                "contained": contained,
            }
            entry = cache.get(f"{student}/{name}", {})
            if not force and all(entry.get(k) == v for k, v in key.items()):
                rows[student, name] = Row(student, Result.from_dict(entry["result"]), True)
            else:
                jobs.append(Job(student, name, path, key))
        for extra in sorted((submissions / student).glob("*.ipynb")):
            if extra.stem not in known:
                tqdm.write(f"{student}: ignored {extra.name} (no such chapter)", file=sys.stderr)
    return rows, jobs
