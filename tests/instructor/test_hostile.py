"""The grader against students who cheat or attack it (issue 13): each trick gets its row with
the points earned honestly (0 for the cheated exercise) and a status that names the trick; no
file outside the kernel's folder changes, the grader survives, a server on 127.0.0.1 outside
the kernel never sees a connection.

The submissions are made at test time from the landed chapter 00: its student copy, with the
exercise solved (or answered wrongly) and a trick inserted. The fork bomb, the memory hog,
``os.kill`` of the kernel's parent and the connection run only where the kernel is contained
(bubblewrap works here): uncontained they would hit the machine, or the grader itself.
"""

import csv
import socket
import threading
from pathlib import Path

import nbformat
import pytest
from test_grade import NAME, ROOT, solved, tree_digest, with_cell, write

from bplib import losses
from bplib.checks import ch00
from bplib.instructor import grade, kernel, sandbox

pytestmark = pytest.mark.notebook

CONTAINED = not sandbox.unavailable()
NEEDS_CONTAINMENT = pytest.mark.skipif(
    not CONTAINED, reason=f"the kernel cannot be contained here ({sandbox.unavailable()})"
)
TIMEOUT = 8
WRONG = "    return 0.0"  # an answer that fails the check
EXERCISE = "mean_squared_error"
TEST = "mean_squared_error_check"

PATCH_CHECKS = """
import numpy
import bplib.checks.feedback as feedback
from bplib.checks import ch00
feedback.compare = ch00.compare = lambda *a, **k: None
numpy.allclose = lambda *a, **k: True
"""
HIDE_FAILURES = """
from IPython.core.interactiveshell import InteractiveShell
InteractiveShell.showtraceback = lambda *a, **k: None
"""
REBIND = """
class check:  # a check that passes everything
    @staticmethod
    def mean_squared_error(*a, **k):
        print("✔ mean_squared_error: passed")

mean_squared_error = losses.quadratic
"""
REFERENCE = "    return losses.quadratic(a, y)"
# bplib's answer under another name, from another cell, with the watch switched off around it.
HELPER = "from bplib.losses import quadratic as helper"
HIDDEN_REFERENCE = """    import sys
    watch = sys.getprofile()
    sys.setprofile(None)
    try:
        return helper(a, y)
    finally:
        sys.setprofile(watch)"""
ENDLESS = "    while True:\n        pass"
# Not a trick, a slip: the check must see the change the kernel made to its copy of ``a``.
IN_PLACE = "    a -= y\n    return 0.5 * float(np.sum(a**2)) / len(a)"
FORK_BOMB = "import os\n\nwhile True:\n    os.fork()"
MEMORY_HOG = "import numpy as np\n\nhog = np.ones(50 * 2**30 // 8)"
KILL_PARENT = "import os\n\nos.kill(os.getppid(), 9)"


def students(paths: dict[str, Path], port: int) -> dict:
    solutions, results, elsewhere = paths["solutions"], paths["results"], paths["elsewhere"]
    ssh = Path.home() / ".ssh" / "id_rsa"
    snoop = (
        f"for path in ['../solutions/{NAME}.ipynb', '{solutions}/{NAME}.ipynb', '{ssh}',"
        f" '{paths['submissions']}/honest/{NAME}.ipynb']:\n"
        "    try:\n        print(open(path).read()[:100])\n    except OSError as e:\n"
        "        print(e)"
    )
    scribble = (
        f"for path in ['{elsewhere}/planted.txt', '{results}/grades.csv',"
        f" '{paths['submissions']}/scribbler/beside.txt']:\n"
        "    try:\n        open(path, 'w').write('x')\n    except OSError as e:\n"
        "        print(e)"
    )
    connect = (
        "import socket\n\ntry:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=2).send(b'hi')\n"
        "except OSError as e:\n    print(e)"
    )
    made = {
        "honest": solved(),
        "patches_checks": with_cell(solved(WRONG), EXERCISE, PATCH_CHECKS),
        "hides_failures": with_cell(solved(WRONG), EXERCISE, HIDE_FAILURES),
        "rebinds": with_cell(solved(WRONG), EXERCISE, REBIND),
        "calls_reference": solved(REFERENCE),
        "hides_reference_call": with_cell(solved(HIDDEN_REFERENCE), EXERCISE, HELPER),
        "loops_forever": solved(ENDLESS),
        "changes_input": solved(IN_PLACE),
        "snoops": with_cell(solved(), TEST, snoop),
        "scribbler": with_cell(solved(), TEST, scribble),
    }
    if CONTAINED:
        made |= {
            "fork_bomb": with_cell(solved(), TEST, FORK_BOMB),
            "memory_hog": with_cell(solved(), TEST, MEMORY_HOG),
            "kills_parent": with_cell(solved(), TEST, KILL_PARENT),
            "connects": with_cell(solved(), TEST, connect),
        }
    return made


@pytest.fixture(scope="module")
def server():
    """A TCP server on 127.0.0.1 outside the kernels; counts the connections it accepts."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    seen: list = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                seen.append(listener.accept())
            except TimeoutError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], seen
    stop.set()
    thread.join()
    listener.close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory, server):
    port, seen = server
    tmp = tmp_path_factory.mktemp("hostile")
    paths = {name: tmp / name for name in ["solutions", "submissions", "results", "elsewhere"]}
    for path in paths.values():
        path.mkdir()
    (paths["solutions"] / f"{NAME}.ipynb").write_bytes(
        (ROOT / "solutions" / f"{NAME}.ipynb").read_bytes()
    )
    (paths["results"] / "grades.csv").write_text("the instructor's\n")
    for student, nb in students(paths, port).items():
        write(paths["submissions"] / student / f"{NAME}.ipynb", nb)
    before = {name: tree_digest(path) for name, path in paths.items()}
    # The check's guard names bplib's answer (issue 11); set here if the check does not yet.
    check = ch00.mean_squared_error
    answers = getattr(check, "bplib_answers", None)
    check.bplib_answers = answers or (losses.quadratic,)  # type: ignore[attr-defined]
    try:
        rows = grade.grade_folder(
            paths["submissions"],
            paths["results"],
            paths["solutions"],
            timeout=TIMEOUT,
            notebook_timeout=60,
            jobs=2,
        )
    finally:
        if answers is None:
            del check.bplib_answers  # type: ignore[attr-defined]
    return {"rows": {row.student: row.result for row in rows}, "before": before, **paths}


def status(graded, student: str) -> str:
    return graded["rows"][student].status


def points(graded, student: str) -> float:
    return graded["rows"][student].points


def feedback(graded, student: str) -> str:
    return graded["rows"][student].scores[0].feedback


def test_the_honest_student_gets_full_marks_and_no_flag(graded):
    expected = "ok" if CONTAINED else sandbox.resolve("auto")[1]
    assert (points(graded, "honest"), status(graded, "honest")) == (1, expected)


def test_patched_checks_and_numpy_change_no_verdict_and_are_named(graded):
    assert points(graded, "patches_checks") == 0
    assert feedback(graded, "patches_checks").startswith("✘ mean_squared_error:")
    note = status(graded, "patches_checks")
    assert "patched checks detected (" in note
    assert "bplib.checks.feedback.compare" in note and "numpy.allclose" in note


def test_hidden_tracebacks_hide_nothing(graded):
    assert points(graded, "hides_failures") == 0
    assert "✘ mean_squared_error:" in feedback(graded, "hides_failures")
    assert "InteractiveShell.showtraceback" in status(graded, "hides_failures")
    assert "suspicious code in cell" in status(graded, "hides_failures")


def test_rebinding_the_function_or_check_judges_the_exercise_cell(graded):
    assert points(graded, "rebinds") == 0
    assert "✘ mean_squared_error:" in feedback(graded, "rebinds")
    assert "names rebound after their exercise cell (mean_squared_error; check)" in status(
        graded, "rebinds"
    )


def test_calling_bplibs_answer_scores_0(graded):
    assert points(graded, "calls_reference") == 0
    assert "bplib's own answer" in feedback(graded, "calls_reference")
    assert status(graded, "calls_reference") == (
        "reference implementation called (bplib.losses.quadratic (named in the exercise cell))"
        + ("" if CONTAINED else f"; {sandbox.resolve('auto')[1]}")
    )


def test_calling_it_under_another_name_with_the_watch_switched_off_scores_0(graded):
    assert points(graded, "hides_reference_call") == 0
    assert "bplib's own answer" in feedback(graded, "hides_reference_call")
    note = status(graded, "hides_reference_call")
    assert "reference implementation called (sys.setprofile (the watch was switched off));" in note
    assert "suspicious code in cell" in note and "setprofile" in note


def test_an_endless_loop_in_the_function_times_out_the_test_cell(graded):
    assert points(graded, "loops_forever") == 0
    assert f"(interrupted after {TIMEOUT} s)" in status(graded, "loops_forever")
    assert feedback(graded, "loops_forever") == f"timed out after {TIMEOUT} s (interrupted)"


def test_an_argument_changed_in_place_in_the_kernel_is_seen_by_the_check(graded):
    assert points(graded, "changes_input") == 0
    assert "changed its argument a or y in place" in feedback(graded, "changes_input")
    assert status(graded, "changes_input") == status(graded, "honest")


def test_reading_solutions_submissions_or_home_is_flagged(graded):
    assert points(graded, "snoops") == 1
    note = status(graded, "snoops")
    assert "forbidden file touched (" in note and "../solutions" in note
    if CONTAINED:
        assert ".ssh" in note


def test_writing_outside_the_kernels_folder_is_flagged_and_changes_nothing(graded):
    assert points(graded, "scribbler") == 1
    note = status(graded, "scribbler")
    assert "forbidden file touched (wrote " in note and "planted.txt" in note
    if not CONTAINED:
        pytest.skip("uncontained, the student's code can write where the grader can")
    assert tree_digest(graded["elsewhere"]) == graded["before"]["elsewhere"] == {}
    assert tree_digest(graded["submissions"]) == graded["before"]["submissions"]
    assert tree_digest(graded["solutions"]) == graded["before"]["solutions"]
    with (graded["results"] / "grades.csv").open(encoding="utf-8") as f:
        assert next(csv.reader(f))[:2] == ["student", "chapter"]  # the grader's, not "x"


@NEEDS_CONTAINMENT
def test_a_fork_bomb_hits_the_process_limit(graded):
    assert points(graded, "fork_bomb") == 1
    assert "process limit hit in cell" in status(graded, "fork_bomb")


@NEEDS_CONTAINMENT
def test_a_memory_hog_hits_the_memory_limit(graded):
    assert points(graded, "memory_hog") == 1
    assert "memory limit hit in cell" in status(graded, "memory_hog")


@NEEDS_CONTAINMENT
def test_killing_the_kernels_parent_kills_nothing_and_is_flagged(graded):
    assert points(graded, "kills_parent") == 1
    assert "signal sent to another process (os.kill(1, 9))" in status(graded, "kills_parent")


@NEEDS_CONTAINMENT
def test_a_connection_to_a_server_outside_never_arrives(graded, server):
    _, seen = server
    assert points(graded, "connects") == 1
    assert "network use (connected to ('127.0.0.1'," in status(graded, "connects")
    assert seen == []


def test_every_row_is_graded_and_the_grader_survived(graded):
    assert all(not r.status.startswith("grader error") for r in graded["rows"].values())
    assert (graded["results"] / "grades.csv").is_file()


@NEEDS_CONTAINMENT
def test_a_kernel_over_its_cpu_time_dies_and_the_status_says_why(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("while True:\n    pass")])
    tests = kernel.Tests("bplib.checks.ch00", judged={}, captures={}, exercises={}, student=[])
    limits = kernel.LIMITS._replace(cpu=6)
    run = kernel.execute(nb, tmp_path, 30, 60, tests, contained=True, limits=limits)
    assert run.stopped == "kernel died in cell 0 (CPU-time limit hit)"
