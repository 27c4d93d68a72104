"""Run a test cell's checks in the grader's process, calling the student's functions in their
kernel.

A test cell is a list of calls ``check.NAME(f, g, key=literal, ...)``
(``exercise_format.check_calls``). For each, the grader imports the check module that the
solution notebook imports as ``check`` (never the student's), asks the agent in the kernel
(``bplib.instructor.agent``) for the functions ``f, g`` the exercise cell defined, and calls
the check with stand-ins (``wire.Remote``): each call of one sends its arguments into the
kernel as plain data, and its result, the arguments it changed in place, and the exceptions it
raised come back the same way. So whatever the student's code did in the kernel (patched the
checks, NumPy or IPython, rebound ``check``), the verdict comes from the grader's own bplib and
NumPy, and only data crosses: nothing the kernel sends can run code here.

The check's own guard against calling bplib's answer (``exercise(..., bplib_answers=...)``)
cannot see into the kernel, so the agent watches for those functions during each call of the
student's, with a profile hook. The student's code could switch that hook off, so the grader
also reads the student's cells (``suspicious``): a cell that names the hooks, the agent, or
the machinery to rebuild a function is reported in the status for the instructor to look at.

The transport is the kernel's own stdin channel, answered by a client of the grader's: no
socket besides the kernel's (ZeroMQ ``ipc`` files in the kernel's folder). Written here rather
than taken from a library (pytest-prairielearn-grader runs pytest files against a subprocess
over its own sockets, not notebook checks against a Jupyter kernel).
"""

import ast
import contextlib
import importlib
import io
import json
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator

import nbformat
from jupyter_client.blocking import BlockingKernelClient

from bplib.checks.feedback import GRADING_ENV
from bplib.instructor import wire
from bplib.instructor.exercise_format import CheckCall

GRACE = 5  # seconds a kernel gets to answer after a check's time ran out and it was interrupted
AGENT = "__import__('sys').modules['bplib.instructor.agent'].agent"
# Names in a student's cell that reach the machinery the agent's reports rely on.
SUSPICIOUS = (
    "setprofile",
    "settrace",
    "bplib.instructor",
    "sys.modules",
    "reload(",
    "__code__",
    "ctypes",
    "raw_input",
    "_input_request",
    "showtraceback",
    "exec(",
    "compile(",
)


class KernelTimeout(BaseException):
    """The check's time ran out while the kernel ran the student's function.

    BaseException, like KeyboardInterrupt: a check's ``except Exception`` must not turn it into
    feedback on the student's function.
    """


class KernelLost(BaseException):
    """The kernel died, or stopped serving (its agent broken by the student's code)."""


class Agent:
    """The grader's client of the agent in one kernel."""

    def __init__(self, connection, alive: Callable[[], bool], interrupt: Callable) -> None:
        self.kc = BlockingKernelClient()
        self.kc.load_connection_info(connection)
        # No iopub: what the student's code prints while the checks call it is not read here.
        self.kc.start_channels(iopub=False, hb=False, control=False)
        self.alive, self.interrupt = alive, interrupt

    def close(self) -> None:
        self.kc.stop_channels()

    def run(self, code: str, timeout: float) -> dict:
        """Run the grader's ``code`` in the kernel; the content of its reply."""
        msg_id = self.kc.execute(code, silent=True, store_history=False)
        return self.reply(msg_id, time.monotonic() + timeout)

    def reply(self, msg_id: str, deadline: float) -> dict:
        while time.monotonic() < deadline:
            try:
                msg = self.kc.get_shell_msg(timeout=min(0.2, max(deadline - time.monotonic(), 0)))
            except queue.Empty:
                if not self.alive():
                    raise KernelLost("the kernel died") from None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg["content"]
        raise KernelTimeout()

    def report(self, timeout: float) -> dict:
        """What the agent saw until now."""
        with self.session(timeout) as session:
            return session.report if isinstance(session.report, dict) else {}

    @contextlib.contextmanager
    def session(self, timeout: float) -> Iterator["Session"]:
        """Serve the calls of one test cell; the kernel gets ``timeout`` seconds for them."""
        deadline = time.monotonic() + timeout
        msg_id = self.kc.execute(
            f"{AGENT}.serve()", silent=True, store_history=False, allow_stdin=True
        )
        try:
            session = Session(self, msg_id, deadline)
            try:
                yield session
            except (KernelTimeout, KernelLost):
                raise
            except BaseException:
                session.send({"op": "done"})  # the kernel goes on; the error is the grader's
                raise
            session.send({"op": "done"})
            self.reply(msg_id, deadline + GRACE)
        except KernelTimeout:
            # Not "done": the kernel is in the student's function, and would read it later.
            self.interrupt()
            try:
                self.reply(msg_id, time.monotonic() + GRACE)  # it stopped: it can go on
            except KernelTimeout:
                raise KernelLost("it did not stop when interrupted") from None
            raise


class Session:
    """One ``serve()`` of the agent: the commands of one test cell."""

    def __init__(self, agent: Agent, msg_id: str, deadline: float) -> None:
        self.agent, self.msg_id, self.deadline = agent, msg_id, deadline
        self.codec = wire.Codec(self.call, self.command)
        self.answers: list[list[str]] = []  # [module, qualname] of bplib's answers, per check
        self.called: list[str] = []  # those the student's code called
        self.report = self.receive()["ready"]

    def receive(self) -> dict:
        """The kernel's next message: a reply to our command, or a call of our function."""
        kc = self.agent.kc
        while True:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise KernelTimeout()
            try:
                msg = kc.get_stdin_msg(timeout=min(left, 0.2))
            except queue.Empty:
                self.check_serving()
                continue
            if msg["parent_header"].get("msg_id") != self.msg_id:
                continue
            try:
                message = json.loads(msg["content"]["prompt"])
            except (KeyError, TypeError, ValueError) as e:
                raise KernelLost(f"the kernel sent an ill-formed message ({e})") from None
            if not isinstance(message, dict):
                raise KernelLost("the kernel sent an ill-formed message")
            return message

    def check_serving(self) -> None:
        """Raise KernelLost when the kernel died or its serve() ended before "done"."""
        if not self.agent.alive():
            raise KernelLost("the kernel died")
        while True:
            try:
                msg = self.agent.kc.get_shell_msg(timeout=0)
            except queue.Empty:
                return
            if msg["parent_header"].get("msg_id") == self.msg_id:
                content = msg["content"]
                raise KernelLost(
                    "the grader's agent in the kernel stopped "
                    f"({content.get('ename', '')}: {content.get('evalue', '')})"
                )

    def send(self, command: dict) -> None:
        self.agent.kc.input(json.dumps(command))

    def exchange(self, command: dict) -> dict:
        """Send ``command``; answer the kernel's calls of our functions until its reply."""
        self.send(command)
        while True:
            message = self.receive()
            if "callback" not in message:
                return message
            try:
                fn = self.codec.handed_out[message["callback"]]
                args = self.codec.decode(message["args"])
                reply = {"value": self.codec.encode(fn(*args))}
            except Exception as e:  # the student's code called our function wrongly
                reply = {"error": wire.describe(e)}
            self.send(reply)

    def get(self, name: str):
        """The kernel's object ``name`` (the student's function), as a stand-in."""
        return self.result(self.exchange({"op": "get", "name": name}))

    def call(self, handle: int, args: tuple):
        encoded = self.codec.encode(list(args))
        command = {"op": "call", "handle": handle, "args": encoded, "answers": self.answers}
        reply = self.exchange(command)
        for name in map(str, reply.get("called", [])):
            if not any(seen.startswith(name) for seen in self.called):
                self.called.append(name)
        changed = reply.get("args") or []
        for original, data in zip(args, changed, strict=False):
            if data is not None:
                wire.write_back(original, self.codec.decode(data))
        return self.result(reply)

    def command(self, command: dict):
        """Another command about a function of the kernel's (``wire.Remote.rebind``)."""
        return self.result(self.exchange(command))

    def result(self, reply: dict):
        if "error" in reply:
            raise wire.rebuild(reply["error"])
        return self.codec.decode(reply["value"])


class _Stdout(io.TextIOBase):
    """sys.stdout while judging: each grading thread prints into its own buffer."""

    def __init__(self, fallback) -> None:
        self.fallback, self.local = fallback, threading.local()

    def write(self, text: str) -> int:
        buffer = getattr(self.local, "buffer", None)
        return (buffer or self.fallback).write(text)

    def flush(self) -> None:
        self.fallback.flush()


_lock = threading.Lock()
_users = 0
_saved: tuple = ()


@contextlib.contextmanager
def judging() -> Iterator[None]:
    """Checks raise NotDoneYet (the grading switch), and print into per-thread buffers, while
    any thread grades."""
    global _users, _saved
    with _lock:
        if _users == 0:
            _saved = (os.environ.get(GRADING_ENV), sys.stdout)
            os.environ[GRADING_ENV] = "1"
            sys.stdout = _Stdout(sys.stdout)
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                switch, sys.stdout = _saved
                if switch is None:
                    os.environ.pop(GRADING_ENV, None)
                else:
                    os.environ[GRADING_ENV] = switch


@contextlib.contextmanager
def printed() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    stdout = sys.stdout
    assert isinstance(stdout, _Stdout), "printed() runs inside judging()"
    stdout.local.buffer = buffer
    try:
        yield buffer
    finally:
        stdout.local.buffer = None


class Verdict:
    """A judged test cell, in the form of an executed cell: outputs and the kernel's reply."""

    def __init__(self) -> None:
        self.outputs: list = []
        self.reply: dict = {"status": "ok"}
        self.notes: list[str] = []
        self.report: dict = {}

    def fail(self, ename: str, evalue: str) -> None:
        self.outputs.append(
            nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[])
        )
        self.reply = {"status": "error", "ename": ename, "evalue": evalue}


def judge(
    agent: Agent, module: str, calls: list[CheckCall], timeout: float, exercise: str = ""
) -> Verdict:
    """Run the check ``calls`` of a test cell in ``timeout`` seconds; ``exercise`` is the source
    of the student's exercise cell, read for the names of bplib's answers."""
    verdict = Verdict()
    checks = importlib.import_module(module)
    with judging(), agent.session(timeout) as session:
        if isinstance(session.report, dict):
            verdict.report = session.report
        for call in calls:
            check = getattr(checks, call.check)
            answers = getattr(check, "bplib_answers", ())
            session.answers = [[f.__module__, f.__qualname__] for f in answers]
            session.called = [
                f"{f.__module__}.{f.__qualname__} (named in the exercise cell)"
                for f in answers
                if names(exercise, f)
            ]
            with printed() as out:
                error: Exception | None = None
                try:
                    check(*[session.get(name) for name in call.args], **call.kwargs)
                except Exception as e:
                    error = e
            if out.getvalue():
                verdict.outputs.append(
                    nbformat.v4.new_output("stream", name="stdout", text=out.getvalue())
                )
            if session.called:
                name = getattr(check, "exercise", call.check)
                verdict.notes.append(
                    f"reference implementation called ({', '.join(session.called)})"
                )
                verdict.fail(
                    "CheckFailed",
                    f"✘ {name}: your code calls {session.called[0]}, bplib's own answer to this "
                    "exercise (seen while the grader ran it). Write it with NumPy.",
                )
                break
            if error is not None:
                verdict.fail(type(error).__name__, str(error))
                break
    return verdict


# The agent's reports, and how the status names each.
REPORTS = {
    "patched": "patched checks detected",
    "rebound": "names rebound after their exercise cell",
    "files": "forbidden file touched",
    "network": "network use",
    "signals": "signal sent to another process",
}


def report_notes(reports: list[dict]) -> list[str]:
    """The agent's reports (at each test cell and at the end), as notes of the status."""
    notes = []
    for kind, title in REPORTS.items():
        seen: list[str] = []
        for report in reports:
            found = report.get(kind, [])
            seen += [str(x)[:200] for x in found if isinstance(found, list) and str(x) not in seen]
        if seen:
            notes.append(f"{title} ({'; '.join(seen[:5])})")
    return notes


def suspicious(cells: list[tuple[int, str]]) -> list[str]:
    """Notes on the student's cells (index, source) that reach for the agent's machinery."""
    notes = []
    for index, source in cells:
        found = [name for name in SUSPICIOUS if name in source]
        if found:
            notes.append(f"suspicious code in cell {index} ({', '.join(found)})")
    return notes


def names(source: str, answer: Callable) -> bool:
    """Whether a cell names bplib's ``answer``: imports it from its module, reads it off that
    module (``losses.quadratic``, or ``L.quadratic`` after ``import bplib.losses as L``), or,
    for a method (``Network.backprop``), calls a method of that name on anything. A variable
    that only shares the function's name (``labels``, ``step``) is not the function."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    module, qualname = answer.__module__, answer.__qualname__
    method = qualname.rpartition(".")[2] if "." in qualname else None
    # The names bound to the answer's module: its own short name (``from bplib import losses``,
    # usually in an earlier cell), and what this cell imports it as.
    modules = {module.rpartition(".")[2]}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if f"{node.module}.{alias.name}" == f"{module}.{qualname}":
                    return True
                if f"{node.module}.{alias.name}" == module:
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            modules |= {
                alias.asname for alias in node.names if alias.name == module and alias.asname
            }
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if method is not None and node.attr == method:
                return True
            if (
                method is None
                and node.attr == qualname
                and (
                    (isinstance(node.value, ast.Name) and node.value.id in modules)
                    or ast.unparse(node.value) == module
                )
            ):
                return True
    return False


def defined(source: str) -> list[str]:
    """The names a cell binds at top level (its functions, mostly)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names
