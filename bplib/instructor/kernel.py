"""Run a notebook in a fresh kernel with the grader's limits.

A time limit per cell (the cell is then interrupted) and one for the whole notebook; an error in
one cell does not stop the next; a dead kernel ends the run; each cell keeps at most
``MAX_OUTPUT`` characters of text output. The kernel runs with the grading switch set.
"""

import math
import os
import subprocess
import time
from pathlib import Path
from typing import NamedTuple

from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode

from bplib.checks.feedback import GRADING_ENV

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
        return self.replies.get(index, {}).get("ename") == TIMEOUT_ERROR


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
        error_on_timeout={"ename": TIMEOUT_ERROR, "evalue": "interrupted", "traceback": []},
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
    run = Run(nb, replies, limits, stopped, [])
    run.notes.extend(
        f"timeout in cell {index} (interrupted after {limits[index]} s)"
        for index in sorted(replies)
        if run.timed_out(index)
    )
    run.notes.extend([stopped] * bool(stopped))
    run.notes.extend(f"output truncated (cell {index})" for index in sorted(client.truncated))
    return run
