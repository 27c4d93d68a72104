"""The grader's agent inside the student's kernel: it calls the student's functions for the
checks that run in the grader (``bplib.instructor.judge``), and reports what it saw.

The grader loads it before the student's first cell (``start``). After each exercise cell it
keeps the functions the cell defined (``capture``), so rebinding a name later changes nothing.
In place of each test cell the grader runs ``serve()``: the agent then asks the grader for
commands over the kernel's stdin channel (``input_request``/``input_reply``, which the grader's
own client answers), and sends back each result, or a question when the student's function
calls a function of the grader's (``wire.Remote``). Values cross as ``wire`` data.

Nothing here is trusted: the student's code runs in the same process and can change any of
it. What it can fake is data (results the grader's checks judge, and these reports); the
verdict is the grader's. The reports are for the instructor:

- ``patched``: functions of the checks, of NumPy's comparisons and IPython's traceback display
  that are no longer the objects they were at ``start``;
- ``files``, ``network``, ``signals``: files opened or folders listed outside the kernel's
  folder and the read-only views, sockets connected, signals sent to other processes (an audit
  hook, which Python cannot remove once added);
- ``rebound``: names of the exercises' functions bound to something else after their cell,
  and ``check`` when it is no longer the check module;
- ``answers``: bplib's own answer to the exercise called during the student's function (a
  profile hook while it runs). Switching the hook off (``sys.setprofile``) during the call
  counts as calling the answer: the audit hook sees it. The grader's static scan backs both
  (see ``judge``).
"""

import functools
import importlib
import json
import os
import sys
import types

from bplib.checks.feedback import global_names
from bplib.instructor import wire

# Modules whose functions a cheat would replace; ``start`` adds the chapter's check module.
WATCHED = ["numpy", "numpy.testing", "bplib.checks.feedback"]
MAX_REPORTS = 20


class Agent:
    def __init__(self, folder: str, readable: list[str], checks: list[str]) -> None:
        shell = sys.modules["IPython"].get_ipython()
        self.ask = shell.kernel.raw_input  # bound now, before any student code
        self.user_ns = shell.user_ns
        self.folder = os.path.join(os.path.realpath(folder), "")
        # The import system lists the folders of sys.path: they are the environment's.
        readable = [*readable, *(p for p in sys.path if p)]
        self.readable = tuple(os.path.join(os.path.realpath(p), "") for p in readable)
        self.library = tuple(
            os.path.join(os.path.realpath(p), "")
            for p in {os.path.dirname(os.path.dirname(wire.__file__)), sys.prefix, sys.base_prefix}
        )
        self.current = None  # the Watch of the call running now
        self.files: list[str] = []
        self.network: list[str] = []
        self.signals: list[str] = []
        self.captured: dict[str, object] = {}
        self.codec = wire.Codec(self.callback)
        self.saved: dict[int, dict] = {}  # the student's helpers, while references stand in
        self.modules = WATCHED + checks
        self.snapshot = dict(self.functions(self.modules))
        self.setprofile, self.getprofile = sys.setprofile, sys.getprofile
        sys.addaudithook(self.audit)

    def functions(self, modules: list[str]):
        """(qualified name, object) of the functions of ``modules`` a cheat would patch."""
        from IPython.core.interactiveshell import InteractiveShell

        yield "InteractiveShell.showtraceback", InteractiveShell.showtraceback
        for name in modules:
            try:
                module = sys.modules.get(name) or importlib.import_module(name)
            except ImportError:  # a check module the kernel cannot see has nothing to patch
                continue
            yield f"sys.modules[{name!r}]", module
            for attr, value in vars(module).items():
                if callable(value) and not isinstance(value, type):
                    yield f"{name}.{attr}", value

    def patched(self) -> list[str]:
        now = dict(self.functions(self.modules))
        return sorted(name for name, obj in self.snapshot.items() if now.get(name) is not obj)

    def audit(self, event: str, args: tuple) -> None:
        watch = self.current
        if event == "sys.setprofile" and watch is not None and not watch.own:
            watch.called.append("sys.setprofile (the watch was switched off)")
        elif event == "socket.connect" and len(self.network) < MAX_REPORTS:
            self.network.append(f"connected to {args[1]!r}"[:200])
        elif event in ("os.kill", "os.killpg") and len(self.signals) < MAX_REPORTS:
            if args[0] != os.getpid():
                self.signals.append(f"{event}({args[0]}, {args[1]})")
        elif len(self.files) >= MAX_REPORTS:
            return
        elif event in ("open", "os.listdir", "os.scandir") and isinstance(args[0], (str, bytes)):
            path = os.fsdecode(args[0])
            full = os.path.join(os.path.realpath(os.path.abspath(path)), "")
            writes = event == "open" and any(c in str(args[1] or "r") for c in "wax+")
            if not full.startswith(self.folder) and (writes or not full.startswith(self.readable)):
                self.files.append(f"{'wrote' if writes else 'opened'} {path}")

    def rebound(self) -> list[str]:
        names = [n for n, obj in self.captured.items() if self.user_ns.get(n) is not obj]
        checks = [sys.modules.get(m) for m in self.modules[len(WATCHED) :]]
        if "check" in self.user_ns and self.user_ns["check"] not in checks:
            names.append("check")
        return names

    def capture(self, names: list[str]) -> None:
        """Keep the objects the exercise cell bound to ``names``."""
        self.captured.update({n: self.user_ns[n] for n in names if n in self.user_ns})

    def exchange(self, message: dict) -> dict:
        reply = json.loads(self.ask(json.dumps(message)))
        if not isinstance(reply, dict):
            raise wire.WireError("a command is a mapping")
        return reply

    def serve(self) -> None:
        """Answer the grader's commands until it says done."""
        report = {
            "patched": self.patched(),
            "rebound": self.rebound(),
            "files": self.files,
            "network": self.network,
            "signals": self.signals,
        }
        command = self.exchange({"ready": report})
        while command.get("op") != "done":
            command = self.exchange(self.handle(command))

    def handle(self, command: dict) -> dict:
        try:
            if command["op"] in ("rebind", "restore"):
                return {"value": self.rebind(command)}
            if command["op"] == "get":
                name = command["name"]
                if name not in self.captured and name not in self.user_ns:
                    raise NameError(f"name {name!r} is not defined")
                value = self.captured[name] if name in self.captured else self.user_ns[name]
                return {"value": self.codec.encode(value)}
            fn = self.codec.handed_out[command["handle"]]
            given = command["args"]
            args = self.codec.decode(given)
            with self.watching(command.get("answers", [])) as called:
                result = fn(*args)
                value = self.codec.encode(result)  # reads an iterator, which may draw from rng
            # Arguments changed in place go back, so the check sees what the student's code did.
            after = [self.codec.encode(a) if wire.mutable(a) else None for a in args]
            changed = [a if a != g else None for a, g in zip(after, given, strict=True)]
            return {"value": value, "args": changed, "called": called}
        except Exception as e:
            return {"error": wire.describe(e)}

    def rebind(self, command: dict) -> list[str]:
        """Put the course's references (``names``: name -> [module, qualname] of bplib's checks)
        in place of the helpers that the function ``handle`` calls, in its namespace; or, for
        ``restore``, put the student's back. Returns the names rebound."""
        fn = self.codec.handed_out[command["handle"]]
        namespace = getattr(fn, "__globals__", {})
        if command["op"] == "restore":
            namespace.update(self.saved.pop(command["handle"], {}))
            return []
        code = getattr(fn, "__code__", None)
        calls = global_names(code) if isinstance(code, types.CodeType) else set()
        used = sorted(n for n in command["names"] if n in calls and n in namespace)
        references = {}
        for name in used:
            module, qualname = command["names"][name]
            if not str(module).startswith("bplib."):
                raise ValueError(f"not one of the course's references: {module}")
            references[name] = functools.reduce(
                getattr, str(qualname).split("."), importlib.import_module(module)
            )
        self.saved[command["handle"]] = {n: namespace[n] for n in used}
        namespace.update(references)
        return used

    def callback(self, handle: int, args: tuple):
        reply = self.exchange({"callback": handle, "args": self.codec.encode(list(args))})
        if "error" in reply:
            raise wire.rebuild(reply["error"])
        return self.codec.decode(reply["value"])

    def watching(self, answers: list):
        """A context that lists the ``answers`` ([module, qualname]) called by the student's
        code (or that are the student's function) while it runs."""
        agent = self

        class Watch:
            def __enter__(self):
                self.called: list[str] = []
                self.codes = {}
                for module, qualname in answers:
                    obj = importlib.import_module(module)
                    for part in qualname.split("."):
                        obj = getattr(obj, part)
                    code = obj.__code__
                    # By file and name, not identity: a reloaded module's function is caught too.
                    key = (os.path.realpath(code.co_filename), code.co_qualname)
                    self.codes[key] = f"{module}.{qualname}"
                self.frame = sys._getframe(1)
                self.previous = agent.getprofile()
                if self.codes:
                    self.own = True
                    agent.setprofile(self.watch)
                    self.own = False
                    agent.current = self
                return self.called

            def watch(self, frame, event, arg):
                if event != "call":
                    return
                code = frame.f_code
                name = self.codes.get((os.path.realpath(code.co_filename), code.co_qualname))
                if name is None or name in self.called:
                    return
                caller = frame.f_back
                if caller is self.frame:
                    self.called.append(name)  # the student's "function" is bplib's
                while caller is not None and caller is not self.frame:
                    if not os.path.realpath(caller.f_code.co_filename).startswith(agent.library):
                        self.called.append(name)
                        return
                    caller = caller.f_back

            def __exit__(self, *exc):
                self.own = True
                agent.current = None
                agent.setprofile(self.previous)

        return Watch()


agent: Agent | None = None


def start(folder: str, readable: list[str], checks: list[str]) -> None:
    """Load the agent (before any student code runs)."""
    global agent
    agent = Agent(folder, readable, checks)
