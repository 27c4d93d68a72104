"""Grade the students' notebooks: ``python -m bplib.instructor.grade SUBMISSIONS --out RESULTS``.

SUBMISSIONS holds one folder per student, each with notebooks named as in ``chapters/``
(``alice/00_getting_started.ipynb``). For every student and every chapter of ``solutions/``:

1. The submission is read, never written: its bytes are hashed, parsed, and copied into a
   temporary folder that becomes the kernel's working directory.
2. The notebook to run is the student's cells, except that every test cell (matched by
   grade_id) is replaced by the original from ``solutions/``, hidden tests included, so editing
   a test cell gains nothing. A deleted test cell is judged anyway, right after its exercise.
3. It runs in a fresh kernel with ``BPLIB_GRADING=1`` (``bplib.checks.feedback.GRADING_ENV``),
   contained (``--sandbox``, ``bplib.instructor.sandbox``), each cell with a time limit after
   which it is interrupted, the whole notebook with another; an error in one cell does not stop
   the next. Each cell keeps at most ``MAX_OUTPUT`` characters of text output.
4. The test cells do not run in the kernel: the grader runs their checks in its own process,
   calling the student's functions in the kernel with plain data (``bplib.instructor.judge``),
   so nothing the student's code does to the checks, NumPy or IPython changes a verdict.
5. A test cell earns its points when its checks pass (an unfinished exercise raises
   NotDoneYet), else 0; its feedback is what the check printed or raised (``✔ …``,
   ``○ …: not done yet``, ``✘ …``). An exercise whose cell is gone (deleted, or its grade_id
   changed) earns 0.

The ``status`` of a row is ``ok`` or notes joined by "; ": ``missing``, ``empty file``,
``invalid notebook: …``, ``another chapter's notebook (…)``, ``no exercise of this chapter
found …``, ``exercise cell <id> missing``, ``test cell edited (ignored; the original was
run)``, ``test cell deleted (the original was run)``, ``timeout in cell N (interrupted after
S s)``, ``timeout: …`` (the notebook's limit; later cells not run), ``kernel died in cell N``,
``output truncated (cell N)``, ``grader error: …`` (a problem of the grader, not the student;
not cached, so the next run retries). Flags for the instructor to look at: ``patched checks
detected (…)``, ``reference implementation called (…)``, ``forbidden file touched (…)``,
``memory limit hit in cell N``, ``process limit hit in cell N``, ``suspicious code in cell N
(…)``; and ``not contained (…)`` in every row that ran when the kernel was not contained.

Results go to ``RESULTS/grades.csv`` (one row per student and chapter, one column per test
cell), ``RESULTS/feedback/<student>/<chapter>.md`` and ``RESULTS/cache.json``: a submission
whose hash, its chapter's digest (see ``bplib.instructor.plan``) and the time limits are
unchanged since the last run is not run again.

The parts: ``submission`` (the notebook to run), ``kernel`` (running it with its limits),
``sandbox`` (the container), ``judge``, ``agent`` and ``wire`` (the checks outside the kernel),
``score`` (verdicts and feedback), ``plan`` (what to run, from the cache), ``gradebook``.

Contained (``--sandbox bwrap``, or ``auto`` where bubblewrap works): the kernel sees the system,
Python and bplib read-only and its own folder; no network, no solutions, other submissions,
results or home folder; limits on memory, processes and CPU time. Not contained (``none``, or
``auto`` without bubblewrap): the student's code runs with your permissions and can read and
write what you can, though it still cannot change a verdict.
"""

import argparse
import dataclasses
import json
import sys
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from tqdm.auto import tqdm

from bplib.instructor import sandbox
from bplib.instructor.exercise_format import PATTERN, grade_id
from bplib.instructor.gradebook import Row, write_atomically, write_feedback, write_gradebook
from bplib.instructor.judge import defined
from bplib.instructor.kernel import Tests, execute
from bplib.instructor.plan import chapter_digest, plan, read_cache
from bplib.instructor.score import Result, score, zero
from bplib.instructor.submission import load_chapter, notebook_to_run, parse, wrong_chapter


def grade_notebook(
    path: Path,
    solution_path: Path,
    timeout: float = 60,
    notebook_timeout: float | None = None,
    sandbox_mode: str = "auto",
) -> Result:
    """Grade the submission ``path`` against ``solution_path``.

    ``timeout``: seconds per cell (then it is interrupted); ``notebook_timeout``: seconds for
    the whole notebook (default 10 * timeout); ``sandbox_mode``: see ``sandbox.resolve``.
    """
    contained, containment = sandbox.resolve(sandbox_mode)
    chapter = load_chapter(solution_path)
    if not path.is_file():
        return zero(chapter, "missing", f"no {path.name} in your folder")
    data = path.read_bytes()
    nb, problem = parse(data)
    if nb is None:
        return zero(chapter, problem, f"{path.name}: {problem}")
    ids = {gid for gid in map(grade_id, nb.cells) if gid is not None}
    if not ids & chapter.grade_ids:
        problem = wrong_chapter(ids, solution_path)
        return zero(chapter, problem, f"{path.name}: {problem}")
    to_run = notebook_to_run(nb, chapter)
    cells = to_run.nb.cells
    present = [ex for ex in chapter.exercises if ex.test in to_run.test_at]
    tests = Tests(
        chapter.checks,
        judged={to_run.test_at[ex.test]: list(ex.calls) for ex in present},
        captures={i: defined(cells[i].source) for i in to_run.exercise_at.values()},
        exercises={
            to_run.test_at[ex.test]: cells[to_run.exercise_at[ex.name]].source
            for ex in present
            if ex.name in to_run.exercise_at
        },
        student=[
            (i, c.source)
            for i, c in enumerate(cells)
            if c.cell_type == "code" and i not in to_run.test_at.values()
        ],
    )
    with tempfile.TemporaryDirectory(prefix="bplib-grade-") as folder:
        (Path(folder) / path.name).write_bytes(data)
        limit = notebook_timeout or 10 * timeout
        run = execute(to_run.nb, Path(folder), timeout, limit, tests, contained)
    missing = [ex.name for ex in chapter.exercises if ex.name not in to_run.present]
    notes = [f"exercise cell {name} missing" for name in missing] + to_run.notes + run.notes
    notes += [containment] * bool(containment)
    return Result(chapter.name, "; ".join(notes) or "ok", score(chapter, to_run, run))


def grade_safely(
    path: Path, solution: Path, timeout: float, notebook_timeout: float | None, sandbox_mode: str
) -> Result:
    """grade_notebook, but a failure of the grader itself becomes a row, not a crash."""
    try:
        return grade_notebook(path, solution, timeout, notebook_timeout, sandbox_mode)
    except Exception as e:
        return zero(load_chapter(solution), f"grader error: {type(e).__name__}: {e}", str(e))


def grade_folder(
    submissions: Path,
    out: Path,
    solutions: Path = Path("solutions"),
    timeout: float = 60,
    notebook_timeout: float | None = None,
    jobs: int = 1,
    chapters: Iterable[str] | None = None,
    force: bool = False,
    sandbox_mode: str = "auto",
) -> list[Row]:
    """Grade every student folder in ``submissions``; write the results into ``out``.

    ``chapters`` limits grading to those chapter names (or their NN prefixes); ``force``
    regrades unchanged submissions too; ``sandbox_mode`` is ``auto``, ``bwrap`` or ``none``.
    Returns the rows sorted by student and chapter.
    """
    contained, _ = sandbox.resolve(sandbox_mode)
    every = sorted(solutions.glob(PATTERN))
    selected = [
        path
        for path in every
        if chapters is None
        or any(path.stem == c or path.stem.startswith(f"{c}_") for c in chapters)
    ]
    course = {path.stem: load_chapter(path) for path in selected}
    if not course:
        raise ValueError(f"no chapter of {solutions} matches {chapters}")
    cache_path = out / "cache.json"
    cache = read_cache(cache_path)
    rows, todo = plan(
        submissions,
        course,
        digests={path.stem: chapter_digest(path) for path in selected},
        known={path.stem for path in every},
        cache=cache,
        timeouts=[timeout, notebook_timeout],
        force=force,
        contained=contained,
    )
    out.mkdir(parents=True, exist_ok=True)
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = {}
        for job in todo:
            solution = solutions / f"{job.chapter}.ipynb"
            future = pool.submit(
                grade_safely, job.path, solution, timeout, notebook_timeout, sandbox_mode
            )
            futures[future] = job
        with tqdm(total=len(todo), unit="notebook", desc="grading", file=sys.stderr) as bar:
            for future in as_completed(futures):
                student, name, _, key = futures[future]
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
            "RESULTS/cache.json (unchanged submissions are not run again). The checks run in "
            "the grader, not in the student's kernel; the kernel is contained by bubblewrap "
            "(--sandbox)."
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
        default=Path("solutions"),
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
    parser.add_argument(
        "--sandbox",
        choices=sandbox.MODES,
        default="auto",
        help="contain each kernel with bubblewrap: auto (where it works, else every row says "
        "the run was not contained), bwrap (or fail), none (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        parser.error(f"SUBMISSIONS must be a folder, got {args.submissions}")
    if not args.solutions.is_dir():
        parser.error(f"--solutions: no folder {args.solutions} (run from the course's folder?)")
    if args.jobs < 1 or args.timeout <= 0:
        parser.error("--jobs must be at least 1 and --timeout positive")
    try:
        sandbox.resolve(args.sandbox)
    except RuntimeError as e:
        parser.error(str(e))
    rows = grade_folder(
        args.submissions,
        args.out,
        args.solutions,
        args.timeout,
        args.notebook_timeout,
        args.jobs,
        args.chapter,
        args.force,
        args.sandbox,
    )
    cached = sum(row.cached for row in rows)
    print(
        f"{len(rows)} rows ({len(rows) - cached} graded, {cached} unchanged) "
        f"in {args.out / 'grades.csv'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
