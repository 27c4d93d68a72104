"""Run a notebook in a fresh kernel with the grader's limits, judging its test cells outside.

A time limit per cell (the cell is then interrupted) and one for the whole notebook; an error in
one cell does not stop the next; a dead kernel ends the run; each cell keeps at most
``MAX_OUTPUT`` characters of text output. The kernel runs with the grading switch set, in its
folder (its ``$HOME`` too), talking to the grader over ZeroMQ ``ipc`` files there, contained by
``bplib.instructor.sandbox`` when asked. Before the first cell the grader's agent is loaded
into it; the test cells are not run there but judged by the grader (``bplib.instructor.judge``).
"""

import contextlib
import math
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import NamedTuple

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode

from bplib import data
from bplib.checks.feedback import GRADING_ENV
from bplib.instructor import judge, sandbox
from bplib.instructor.exercise_format import CheckCall

# Enough for chapters 08-10 on MNIST; a 50 GB allocation fails, a fork bomb stops at the limit.
# The CPU time is a backstop behind the notebook's time limit (BLAS runs one thread): that
# limit and a minute.
LIMITS = sandbox.Limits(memory=6 * 2**30, processes=256, cpu=60)
# Under the process limit, NumPy's BLAS gets one thread (it would start one per core).
THREADS = {name: "1" for name in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"]}
# What a cell's error says when it hit a limit of the container.
LIMIT_ERRORS = {
    "MemoryError": "memory limit hit",
    "_ArrayMemoryError": "memory limit hit",  # NumPy's MemoryError
    "BlockingIOError": "process limit hit",
}

MAX_OUTPUT = 100_000  # characters of output kept per cell
TIMEOUT_ERROR = "CellTimeout"  # the ename nbclient gives a cell it interrupted


class Run(NamedTuple):
    """An executed notebook: its cells' outputs, the replies of the cells that finished."""

    nb: NotebookNode
    replies: dict[int, dict]  # cell index -> content of the kernel's execute_reply
    limits: dict[int, int]  # cell index -> its time limit in seconds
    stopped: str  # why the run ended before the last cell ("" if it did not)
    notes: list[str]

    def timed_out(self, index: int) -> bool:
        """Whether cell ``index`` was interrupted at its time limit."""
        return run_timed_out(self.replies, index)


class ContainedKernelManager(AsyncKernelManager):
    """Starts the kernel through ``sandbox.command``: contained or not, with the limits."""

    def contain(self, folder: Path, contained: bool, limits: sandbox.Limits) -> None:
        self.folder, self.contained, self.limits = folder, contained, limits
        self.transport, self.ip = "ipc", str(folder / "kernel")
        self.connection_file = str(folder / "kernel.json")
        if contained and self.kernel_spec is not None:
            # A signal to the process group would end bwrap; ipykernel interrupts itself.
            self.kernel_spec.interrupt_mode = "message"

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        return sandbox.command(cmd, self.folder, self.contained, self.limits)


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


class Tests(NamedTuple):
    """What the grader does at the cells of a notebook to run."""

    checks: str  # the check module
    judged: dict[int, list[CheckCall]]  # test cell index -> its check calls
    captures: dict[int, list[str]]  # exercise cell index -> the names to keep after it
    exercises: dict[int, str]  # test cell index -> the source of its exercise cell
    student: list[tuple[int, str]]  # (index, source) of the student's code cells


def execute(
    nb: NotebookNode,
    cwd: Path,
    timeout: float,
    notebook_timeout: float,
    tests: Tests,
    contained: bool = False,
    limits: sandbox.Limits | None = None,
) -> Run:
    """Run ``nb`` in a fresh kernel in ``cwd``; stop at ``notebook_timeout`` or a dead kernel.

    ``limits``: the container's, by default LIMITS with the notebook's time added to its CPU.
    """
    if limits is None:
        limits = LIMITS._replace(cpu=LIMITS.cpu + math.ceil(notebook_timeout))
    replies: dict[int, dict] = {}
    limits_at: dict[int, int] = {}
    km = ContainedKernelManager(kernel_name="python3")
    km.contain(cwd, contained, limits)
    client = CappedClient(
        nb,
        km=km,
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={"ename": TIMEOUT_ERROR, "evalue": "interrupted", "traceback": []},
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(cwd)}},
        on_cell_executed=lambda cell, cell_index, execute_reply: replies.update(
            {cell_index: execute_reply["content"]}
        ),
    )
    stopped = ""
    flags: list[str] = []
    reports: list[dict] = []
    deadline = time.monotonic() + notebook_timeout
    # The kernel's own stdout and stderr have nothing for the student (outputs come over ZeroMQ).
    env = {**os.environ, **THREADS, GRADING_ENV: "1", "HOME": str(cwd), "TMPDIR": str(cwd)}
    env["BPLIB_CACHE_DIR"] = str(data.cache_folder())  # $HOME moved; MNIST did not
    env["MPLCONFIGDIR"] = str(matplotlib_cache(cwd / ".matplotlib"))
    with client.setup_kernel(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        agent = judge.Agent(
            km.get_connection_info(),
            alive=lambda: alive(km),
            interrupt=run_sync(km.interrupt_kernel),
        )
        try:
            readable = [str(p) for p in sandbox.readable()] + list(sandbox.SYSTEM + sandbox.ETC)
            readable += ["/proc", "/dev", "/sys"]
            start = (
                "__import__('importlib').import_module('bplib.instructor.agent').start("
                f"{str(cwd)!r}, {readable!r}, {[tests.checks]!r})"
            )
            started = agent.run(start, timeout=max(timeout, 30))
            if started["status"] != "ok":
                raise RuntimeError(f"the grader's agent did not start: {started.get('evalue')}")
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                left = deadline - time.monotonic()
                if left <= 0:
                    stopped = (
                        f"timeout: {notebook_timeout:g} s for the notebook ran out before cell "
                        f"{index}"
                    )
                    break
                limit = limits_at[index] = math.ceil(min(timeout, left))
                if index in tests.judged:
                    try:
                        calls, exercise = tests.judged[index], tests.exercises.get(index, "")
                        verdict = judge.judge(agent, tests.checks, calls, limit, exercise)
                    except judge.KernelTimeout:
                        replies[index] = {"status": "error", "ename": TIMEOUT_ERROR}
                        if contained and sandbox.at_process_limit(pid(km), limits):
                            stopped = f"process limit hit in cell {index} (later cells not run)"
                            break
                        continue
                    except judge.KernelLost as e:
                        stopped = died(km, index, "" if "died" in str(e) else str(e))
                        break
                    cell.outputs, replies[index] = verdict.outputs, verdict.reply
                    flags += [note for note in verdict.notes if note not in flags]
                    reports.append(verdict.report)
                    continue
                client.timeout = limit
                try:
                    client.execute_cell(cell, index)
                    if index in tests.captures:
                        agent.run(f"{judge.AGENT}.capture({tests.captures[index]!r})", limit)
                except (DeadKernelError, judge.KernelLost):
                    stopped = died(km, index)
                    break
                except judge.KernelTimeout:
                    pass  # the next cell says it
                if run_timed_out(replies, index) and contained:
                    # A fork bomb leaves the kernel no process to go on with.
                    if sandbox.at_process_limit(pid(km), limits):
                        stopped = f"process limit hit in cell {index} (later cells not run)"
                        break
            if not stopped:
                with contextlib.suppress(judge.KernelTimeout, judge.KernelLost):
                    reports.append(agent.report(timeout))
        finally:
            agent.close()
    run = Run(nb, replies, limits_at, stopped, [])
    run.notes.extend(
        f"timeout in cell {index} (interrupted after {limits_at[index]} s)"
        for index in sorted(replies)
        if run.timed_out(index)
    )
    run.notes.extend([stopped] * bool(stopped))
    run.notes.extend(f"output truncated (cell {index})" for index in sorted(client.truncated))
    run.notes.extend(limit_notes(nb))
    run.notes.extend(flags + judge.report_notes(reports) + judge.suspicious(tests.student))
    return run


def died(km: AsyncKernelManager, index: int, why: str = "") -> str:
    """The note for a kernel that ended in cell ``index``: the CPU-time limit, if it was."""
    process = getattr(km.provisioner, "process", None)
    code = None
    if process is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            code = process.wait(timeout=1)  # the kernel's end may not be collected yet
    # SIGXCPU ends the process at RLIMIT_CPU; bwrap exits with 128 + the signal.
    if code in (-signal.SIGXCPU, 128 + signal.SIGXCPU):
        why = "CPU-time limit hit"
    return f"kernel died in cell {index}" + (f" ({why})" if why else "")


def run_timed_out(replies: dict[int, dict], index: int) -> bool:
    """Whether cell ``index`` was interrupted at its time limit."""
    return replies.get(index, {}).get("ename") == TIMEOUT_ERROR


def pid(km: AsyncKernelManager) -> int:
    """The kernel's process (bwrap's, when contained); -1 before it starts."""
    process = getattr(km.provisioner, "process", None)
    return process.pid if process is not None else -1


def alive(km: AsyncKernelManager) -> bool:
    """Whether the kernel's process still runs (a check that needs no event loop)."""
    process = getattr(km.provisioner, "process", None)
    return process is not None and process.poll() is None


def matplotlib_cache(folder: Path) -> Path:
    """``folder`` with a copy of your matplotlib font list, which takes seconds to rebuild."""
    folder.mkdir(exist_ok=True)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    mine = Path(os.environ.get("MPLCONFIGDIR") or Path(base) / "matplotlib")
    for fonts in mine.glob("fontlist-*.json"):
        shutil.copy(fonts, folder)
    return folder


def limit_notes(nb: NotebookNode) -> list[str]:
    """Where a cell's error says it hit a limit of the container."""
    notes = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and out.get("ename") in LIMIT_ERRORS:
                notes.append(f"{LIMIT_ERRORS[out.ename]} in cell {index}")
    return notes
