"""Grade the students' notebooks: ``python -m bplib.instructor.grade SUBMISSIONS --out RESULTS``.

SUBMISSIONS holds one folder per student, each with notebooks named as in ``chapters/``
(``alice/00_getting_started.ipynb``). For every student and every chapter of ``solutions/``:

1. The submission is read, never written: its bytes are hashed, parsed, and copied into a
   temporary folder that becomes the kernel's working directory.
2. The notebook to run is the student's cells, except that every test cell (matched by
   grade_id) is replaced by the original from ``solutions/``, hidden tests included, so editing
   a test cell gains nothing. A deleted test cell is run anyway, right after its exercise.
3. It runs in a fresh kernel with ``BPLIB_GRADING=1`` (an unfinished exercise raises
   NotDoneYet), each cell with a time limit after which it is interrupted, the whole notebook
   with another; an error in one cell does not stop the next. Each cell keeps at most
   ``MAX_OUTPUT`` characters of text output.
4. A test cell earns its points when it ran without error, else 0; its feedback is what the
   check printed or raised (``✔ …``, ``○ …: not done yet``, ``✘ …``). An exercise whose cell is
   gone (deleted, or its grade_id changed) earns 0.

The ``status`` of a row is ``ok`` or notes joined by "; ": ``missing``, ``empty file``,
``invalid notebook: …``, ``another chapter's notebook (…)``, ``no exercise of this chapter
found …``, ``exercise cell <id> missing``, ``test cell edited (ignored; the original was
run)``, ``test cell deleted (the original was run)``, ``timeout in cell N (interrupted after
S s)``, ``timeout: …`` (the notebook's limit; later cells not run), ``kernel died in cell N``,
``output truncated (cell N)``, ``grader error: …`` (a problem of the grader, not the student;
not cached, so the next run retries).

Results go to ``RESULTS/grades.csv`` (one row per student and chapter, one column per test
cell), ``RESULTS/feedback/<student>/<chapter>.md`` and ``RESULTS/cache.json``: a submission
whose hash, its chapter's hash (solution notebook and bplib's code) and the time limits are
unchanged since the last run is not run again.

Not a sandbox: students' code runs with your permissions. Grade untrusted work in a container.
"""

import argparse
import csv
import dataclasses
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import NamedTuple

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from tqdm.auto import tqdm

from bplib.checks.feedback import GRADING_ENV
from bplib.instructor import release

MAX_OUTPUT = 100_000  # characters of output kept per cell
MAX_FEEDBACK = 2_000  # characters of feedback per exercise
EDITED = "test cell edited (ignored; the original was run)"
DELETED = "test cell deleted (the original was run)"
LIBRARY = Path(__file__).resolve().parents[1]


# --- what a chapter asks ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Exercise:
    """An exercise cell and the test cell after it, as in solutions/."""

    name: str  # grade_id of the exercise cell
    test: str  # grade_id of the test cell: a column of the gradebook
    points: int
    source: str  # the test cell with its hidden tests: what the grader runs
    public: str  # the test cell as the students have it


@dataclasses.dataclass(frozen=True)
class Chapter:
    name: str
    exercises: tuple[Exercise, ...]
    digest: str  # changes when the solution notebook or bplib's code changes

    @property
    def grade_ids(self) -> set[str]:
        return {ex.name for ex in self.exercises} | {ex.test for ex in self.exercises}


def load_chapter(solution: Path) -> Chapter:
    """The exercises of the solution notebook ``solution`` (checked as bplib.release does)."""
    nb = release.read(solution)
    exercises = []
    for exercise_index, test_index in release.validate(nb, solution.name):
        test = nb.cells[test_index]
        exercises.append(
            Exercise(
                name=release.nbgrader(nb.cells[exercise_index])["grade_id"],
                test=release.nbgrader(test)["grade_id"],
                points=release.nbgrader(test)["points"],
                source=test.source,
                public=release.strip_hidden_tests(test.source),
            )
        )
    digest = hashlib.sha256(solution.read_bytes())
    for path in sorted(LIBRARY.rglob("*.py")):
        digest.update(path.read_bytes())
    return Chapter(solution.stem, tuple(exercises), digest.hexdigest())


# --- what a student earned -------------------------------------------------------------------


@dataclasses.dataclass
class Score:
    exercise: str
    test: str
    points: float
    max_points: float
    feedback: str


@dataclasses.dataclass
class Result:
    chapter: str
    status: str
    scores: list[Score]

    @property
    def points(self) -> float:
        return sum(s.points for s in self.scores)

    @property
    def max_points(self) -> float:
        return sum(s.max_points for s in self.scores)

    @classmethod
    def from_dict(cls, d: dict) -> "Result":
        return cls(d["chapter"], d["status"], [Score(**s) for s in d["scores"]])


def zero(chapter: Chapter, status: str, feedback: str) -> Result:
    """No points for any exercise, the same feedback for each."""
    scores = [Score(ex.name, ex.test, 0, ex.points, feedback) for ex in chapter.exercises]
    return Result(chapter.name, status, scores)


# --- one notebook ----------------------------------------------------------------------------


def grade_notebook(
    path: Path, solution_path: Path, timeout: float = 60, notebook_timeout: float | None = None
) -> Result:
    """Grade the submission ``path`` against ``solution_path``.

    ``timeout``: seconds per cell (then it is interrupted); ``notebook_timeout``: seconds for
    the whole notebook (default 10 * timeout).
    """
    chapter = load_chapter(solution_path)
    if not path.is_file():
        return zero(chapter, "missing", f"no {path.name} in your folder")
    data = path.read_bytes()
    nb, problem = parse(data)
    if nb is None:
        return zero(chapter, problem, f"{path.name}: {problem}")
    ids = {grade_id(cell) for cell in nb.cells} - {None}
    if not ids & chapter.grade_ids:
        problem = wrong_chapter(ids, solution_path)
        return zero(chapter, problem, f"{path.name}: {problem}")
    plan = build(nb, chapter)
    with tempfile.TemporaryDirectory(prefix="bplib-grade-") as folder:
        (Path(folder) / path.name).write_bytes(data)
        run = execute(plan.nb, Path(folder), timeout, notebook_timeout or 10 * timeout)
    missing = [ex.name for ex in chapter.exercises if ex.name not in plan.present]
    notes = [f"exercise cell {name} missing" for name in missing] + plan.notes + run.notes
    return Result(chapter.name, "; ".join(notes) or "ok", score(chapter, plan, run))


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


def grade_id(cell: dict) -> str | None:
    """The cell's nbgrader grade_id, if it has one (tolerating broken metadata)."""
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta.get("grade_id") if isinstance(meta, dict) else None


def wrong_chapter(ids: set[str], solution_path: Path) -> str:
    """Say whose notebook carries the grade_ids ``ids`` (none of this chapter's)."""
    overlaps = []
    for other in sorted(solution_path.parent.glob(release.PATTERN)):
        try:
            cells = json.loads(other.read_bytes())["cells"]
        except (OSError, ValueError, KeyError):
            continue
        overlaps.append((len(ids & {grade_id(c) for c in cells}), other.stem))
    count, owner = max(overlaps, default=(0, ""))
    if count:
        return f"another chapter's notebook ({owner})"
    return "no exercise of this chapter found (renamed, or cell metadata lost?)"


class Plan(NamedTuple):
    """The notebook to run and what building it found."""

    nb: NotebookNode
    test_at: dict[str, int]  # test grade_id -> index of its cell in nb
    present: set[str]  # grade_ids of the exercise cells the student has
    notes: list[str]


def build(nb: NotebookNode, chapter: Chapter) -> Plan:
    """The student's cells, with each test cell replaced by the original (hidden tests too)."""
    tests = {ex.test: ex for ex in chapter.exercises}
    exercise_names = {ex.name for ex in chapter.exercises}
    ids = [grade_id(cell) for cell in nb.cells]
    # A test cell the student deleted runs after the last copy of its exercise cell.
    last_copy = {gid: i for i, gid in enumerate(ids) if gid in exercise_names}
    deleted = {ex.name: ex for ex in chapter.exercises if ex.test not in ids}
    cells, test_at, edited = [], {}, False
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
        if gid in deleted and last_copy[gid] == i:
            test_at[deleted[gid].test] = len(cells)
            cells.append(nbformat.v4.new_code_cell(deleted[gid].source))
    notes = [EDITED] * edited + [DELETED] * bool(set(deleted) & set(last_copy))
    run_nb = nbformat.v4.new_notebook(cells=cells)
    run_nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    return Plan(run_nb, test_at, set(last_copy), notes)


def normalized(source: str) -> str:
    """The source without trailing spaces and blank lines at either end."""
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


class Run(NamedTuple):
    """An executed notebook: its cells' outputs, the replies of the cells that finished."""

    nb: NotebookNode
    replies: dict[int, dict]  # cell index -> content of the kernel's execute_reply
    limits: dict[int, int]  # cell index -> its time limit in seconds
    stopped: str  # why the run ended before the last cell ("" if it did not)
    notes: list[str]


class CappedClient(NotebookClient):
    """nbclient's client, keeping text outputs only and at most MAX_OUTPUT characters a cell."""

    def __init__(self, nb: NotebookNode, **kwargs) -> None:
        super().__init__(nb, **kwargs)
        self.used: dict[int, int] = {}
        self.truncated: set[int] = set()

    def output(self, outs, msg, display_id, cell_index):
        out = super().output(outs, msg, display_id, cell_index)
        if out is None:
            return None
        # The grader reads text; images, HTML and widgets would only take memory.
        if "data" in out:
            out.data = {k: v for k, v in out.data.items() if k == "text/plain"}
        if out.output_type == "error":
            out.traceback = []
            out.evalue = out.evalue[:MAX_OUTPUT]
            return out
        used = self.used.get(cell_index, 0) if len(outs) > 1 else 0
        size = len(out.get("text", "")) + len(out.get("data", {}).get("text/plain", ""))
        if used + size > MAX_OUTPUT:
            self.truncated.add(cell_index)
            room = max(MAX_OUTPUT - used, 0)
            if out.output_type == "stream" and room:
                out.text, size = out.text[:room], room
            elif display_id:  # other outputs point at it by index: keep an empty one
                out.data, size = {}, 0
            else:
                outs.pop()
                return None
        self.used[cell_index] = used + size
        return out


def execute(nb: NotebookNode, cwd: Path, timeout: float, notebook_timeout: float) -> Run:
    """Run ``nb`` in a fresh kernel in ``cwd``; stop at ``notebook_timeout`` or a dead kernel."""
    replies: dict[int, dict] = {}
    limits: dict[int, int] = {}
    client = CappedClient(
        nb,
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={"ename": "CellTimeout", "evalue": "interrupted", "traceback": []},
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(cwd)}},
        on_cell_executed=lambda cell, cell_index, execute_reply: replies.update(
            {cell_index: execute_reply["content"]}
        ),
    )
    stopped = ""
    deadline = time.monotonic() + notebook_timeout
    # The kernel's own stderr has nothing for the student (outputs come over ZeroMQ).
    env = {**os.environ, GRADING_ENV: "1"}
    with client.setup_kernel(env=env, stderr=subprocess.DEVNULL):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                stopped = (
                    f"timeout: {notebook_timeout:g} s for the notebook ran out before cell {index}"
                )
                break
            client.timeout = limits[index] = math.ceil(min(timeout, left))
            try:
                client.execute_cell(cell, index)
            except DeadKernelError:
                stopped = f"kernel died in cell {index}"
                break
    notes = [
        f"timeout in cell {index} (interrupted after {limits[index]} s)"
        for index, reply in sorted(replies.items())
        if reply.get("ename") == "CellTimeout"
    ]
    notes += [stopped] * bool(stopped)
    notes += [f"output truncated (cell {index})" for index in sorted(client.truncated)]
    return Run(nb, replies, limits, stopped, notes)


def score(chapter: Chapter, plan: Plan, run: Run) -> list[Score]:
    """Each test cell's points (all if it ran without error, else 0) and feedback."""
    scores = []
    for ex in chapter.exercises:
        index = plan.test_at.get(ex.test)
        reply = run.replies.get(index) if index is not None else None
        points = 0
        if ex.name not in plan.present:
            feedback = f"exercise cell {ex.name} missing"
        elif reply is None:
            feedback = f"not run: {run.stopped or 'the notebook stopped before it'}"
        elif reply.get("ename") == "CellTimeout":
            feedback = f"timed out after {run.limits[index]} s (interrupted)"
        else:
            feedback = cell_feedback(run.nb.cells[index])
            if reply["status"] == "ok":
                points = ex.points
        scores.append(Score(ex.name, ex.test, points, ex.points, feedback))
    return scores


def cell_feedback(cell: NotebookNode) -> str:
    """What a test cell printed or raised, without tracebacks, at most MAX_FEEDBACK long."""
    lines: list[str] = []
    for out in cell.outputs:
        if out.output_type == "stream":
            new = out.text.splitlines()
        elif out.output_type == "error":
            new = [error_line(out.ename, out.evalue)]
        else:
            new = out.get("data", {}).get("text/plain", "").splitlines()
        for line in new:
            # Public and hidden tests each print the same "✔ name: passed": say it once.
            if not lines or line != lines[-1]:
                lines.append(line)
    text = "\n".join(lines).strip() or "(no output)"
    return text if len(text) <= MAX_FEEDBACK else text[:MAX_FEEDBACK] + " …"


def error_line(ename: str, evalue: str) -> str:
    """A check's own message (it starts with ✘ or says not done yet), or the exception."""
    if ename == "NotDoneYet":
        return f"○ {evalue}"
    if ename == "CheckFailed":
        return evalue
    return f"✘ {ename}: {evalue}" if evalue else f"✘ {ename}"


# --- a folder of submissions -----------------------------------------------------------------


class Row(NamedTuple):
    student: str
    result: Result
    cached: bool  # True when the submission was unchanged and not run again


def grade_folder(
    submissions: Path,
    out: Path,
    solutions: Path = release.SOLUTIONS,
    timeout: float = 60,
    notebook_timeout: float | None = None,
    jobs: int = 1,
    chapters: Iterable[str] | None = None,
    force: bool = False,
) -> list[Row]:
    """Grade every student folder in ``submissions``; write the results into ``out``.

    ``chapters`` limits grading to those chapter names (or their NN prefixes); ``force``
    regrades unchanged submissions too. Returns the rows sorted by student and chapter.
    """
    every = sorted(solutions.glob(release.PATTERN))
    course = {
        path.stem: load_chapter(path)
        for path in every
        if chapters is None
        or any(path.stem == c or path.stem.startswith(f"{c}_") for c in chapters)
    }
    if not course:
        raise ValueError(f"no chapter of {solutions} matches {chapters}")
    students = sorted(
        d.name for d in submissions.iterdir() if d.is_dir() and not d.name.startswith((".", "_"))
    )
    cache_path = out / "cache.json"
    cache = read_cache(cache_path)
    rows: dict[tuple[str, str], Row] = {}
    todo = []
    for student in students:
        for name, chapter in course.items():
            path = submissions / student / f"{name}.ipynb"
            # What the result depends on: when none of it changed, the cached result stands.
            key = {
                "submission": hashlib.sha256(path.read_bytes()).hexdigest()
                if path.is_file()
                else "missing",
                "solution": chapter.digest,
                "timeouts": [timeout, notebook_timeout],
            }
            entry = cache.get(f"{student}/{name}", {})
            if not force and all(entry.get(k) == v for k, v in key.items()):
                rows[student, name] = Row(student, Result.from_dict(entry["result"]), True)
            else:
                todo.append((student, name, path, key))
        for extra in sorted((submissions / student).glob("*.ipynb")):
            if extra.stem not in {path.stem for path in every}:
                tqdm.write(f"{student}: ignored {extra.name} (no such chapter)", file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = {}
        for student, name, path, key in todo:
            solution = solutions / f"{name}.ipynb"
            future = pool.submit(grade_safely, path, solution, timeout, notebook_timeout)
            futures[future] = (student, name, key)
        with tqdm(total=len(todo), unit="notebook", desc="grading", file=sys.stderr) as bar:
            for future in as_completed(futures):
                student, name, key = futures[future]
                result = future.result()
                rows[student, name] = Row(student, result, False)
                if not result.status.startswith("grader error"):
                    cache[f"{student}/{name}"] = {**key, "result": dataclasses.asdict(result)}
                    write_atomically(cache_path, json.dumps(cache, indent=1, ensure_ascii=False))
                bar.set_postfix_str(f"{student}/{name} {result.points:g}/{result.max_points:g}")
                bar.update()
    finally:
        # After Ctrl+C nothing new starts; the cache keeps what was graded.
        pool.shutdown(cancel_futures=True)
    ordered = [rows[key] for key in sorted(rows)]
    write_gradebook(out / "grades.csv", ordered, list(course.values()))
    for row in ordered:
        write_feedback(out / "feedback" / row.student / f"{row.result.chapter}.md", row)
    return ordered


def grade_safely(
    path: Path, solution: Path, timeout: float, notebook_timeout: float | None
) -> Result:
    """grade_notebook, but a failure of the grader itself becomes a row, not a crash."""
    try:
        return grade_notebook(path, solution, timeout, notebook_timeout)
    except Exception as e:
        return zero(load_chapter(solution), f"grader error: {type(e).__name__}: {e}", str(e))


def read_cache(path: Path) -> dict:
    """The results of earlier runs ({} when there are none or the file is damaged)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError:
        tqdm.write(f"{path} is damaged: grading everything again", file=sys.stderr)
        return {}


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` so that an interrupted run leaves the old file or the new one."""
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def write_gradebook(path: Path, rows: list[Row], chapters: list[Chapter]) -> None:
    """grades.csv: student, chapter, points, max_points, status, then one column per test."""
    tests = [ex.test for chapter in chapters for ex in chapter.exercises]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "chapter", "points", "max_points", "status", *tests])
        for student, result, _ in rows:
            earned = {s.test: f"{s.points:g}" for s in result.scores}
            writer.writerow(
                [student, result.chapter, f"{result.points:g}", f"{result.max_points:g}"]
                + [result.status]
                + [earned.get(test, "") for test in tests]
            )


def write_feedback(path: Path, row: Row) -> None:
    """The student's feedback for one chapter, in Markdown."""
    result = row.result
    parts = [
        f"# {result.chapter}: {result.points:g} / {result.max_points:g} points",
        f"Status: {result.status}",
    ]
    for s in result.scores:
        parts.append(
            f"## {s.exercise}: {s.points:g} / {s.max_points:g}\n\n```text\n{s.feedback}\n```"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bplib.instructor.grade",
        description=(
            "Run every student's notebooks in fresh kernels and write a gradebook. SUBMISSIONS "
            "holds one folder per student with notebooks named as in chapters/ "
            "(SUBMISSIONS/alice/00_getting_started.ipynb). Each test cell runs as in solutions/ "
            "(hidden tests included) and earns its points when it raises no error."
        ),
        epilog=(
            "Writes RESULTS/grades.csv, RESULTS/feedback/<student>/<chapter>.md and "
            "RESULTS/cache.json (unchanged submissions are not run again). Students' code runs "
            "with your permissions: grade untrusted work in a container."
        ),
    )
    parser.add_argument("submissions", type=Path, metavar="SUBMISSIONS")
    parser.add_argument("--out", type=Path, required=True, metavar="RESULTS", help="results folder")
    parser.add_argument(
        "--timeout",
        type=float,
        default=60,
        metavar="SECONDS",
        help="time limit of a cell; it is then interrupted (default: %(default)g)",
    )
    parser.add_argument(
        "--notebook-timeout",
        type=float,
        metavar="SECONDS",
        help="time limit of a notebook; later cells are not run (default: 10 * --timeout)",
    )
    parser.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="notebooks run in parallel (default: 1)"
    )
    parser.add_argument(
        "--solutions",
        type=Path,
        default=release.SOLUTIONS,
        metavar="DIR",
        help="the notebooks with solutions and hidden tests (default: %(default)s)",
    )
    parser.add_argument(
        "--chapter",
        action="append",
        metavar="NAME",
        help="grade only this chapter, e.g. 00 or 00_getting_started (repeatable)",
    )
    parser.add_argument(
        "--force", action="store_true", help="run every submission again, changed or not"
    )
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        parser.error(f"SUBMISSIONS must be a folder, got {args.submissions}")
    if args.jobs < 1 or args.timeout <= 0:
        parser.error("--jobs must be at least 1 and --timeout positive")
    rows = grade_folder(
        args.submissions,
        args.out,
        args.solutions,
        args.timeout,
        args.notebook_timeout,
        args.jobs,
        args.chapter,
        args.force,
    )
    cached = sum(row.cached for row in rows)
    print(
        f"{len(rows)} rows ({len(rows) - cached} graded, {cached} unchanged) "
        f"in {args.out / 'grades.csv'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
