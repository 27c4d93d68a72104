"""The kernel's container: a bubblewrap (``bwrap``) command line, and limits set before the kernel
starts.

Inside, the kernel sees a read-only system (``/usr``, the libraries, a few files of ``/etc``),
the Python environment (``sys.prefix``, ``sys.base_prefix``), the bplib package and the MNIST
folders read-only, and its own temporary folder read-write at the same path (where its ZeroMQ
``ipc`` sockets live: the grader talks to it over files, not ports). It has a private network
namespace (no route anywhere, its loopback is its own), its own process and IPC namespaces, an
empty ``/tmp``, and no view of the solutions, the other submissions, the results or ``$HOME``.

Before the kernel's Python starts, a small launcher sets ``RLIMIT_AS`` (memory),
``RLIMIT_NPROC`` (processes and threads) and ``RLIMIT_CPU`` and, when the grader runs as root,
drops to a uid of its own: the kernel's processes are counted under that uid only, since
``RLIMIT_NPROC`` does not bind root (and a uid namespace made by root maps to root). As an
ordinary user, bwrap makes a user namespace, in which Linux (5.14 and later) counts the kernel's
processes apart from the user's others.

bubblewrap is the boundary because it is Debian's, small, and what Flatpak uses; a library that
runs the student's code in a subprocess (pytest-prairielearn-grader) would not contain it.
"""

import functools
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

MODES = ("auto", "bwrap", "none")
# A uid of the kernel's own (when the grader runs as root), far above any real account.
UID_BASE = 1_000_000_000
# The system the kernel may read; the missing ones are skipped.
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC = (
    "/etc/alternatives",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/nsswitch.conf",
    "/etc/passwd",
    "/etc/group",
    "/etc/ssl",
    "/etc/fonts",
)


class Limits(NamedTuple):
    memory: int  # bytes of address space, per process
    processes: int  # processes and threads of the kernel's uid
    cpu: int  # seconds of CPU time, per process


# Runs inside the container as its first Python: the limits, the uid, then the kernel.
LAUNCHER = """\
import os, resource, sys
uid, memory, processes, cpu = map(int, sys.argv[1:5])
# At the CPU limit SIGXCPU ends the kernel (a status can tell it from SIGKILL, 5 s later).
for limit, soft, hard in [("AS", memory, memory), ("NPROC", processes, processes),
                          ("CPU", cpu, cpu + 5)]:
    if soft >= 0:
        resource.setrlimit(getattr(resource, "RLIMIT_" + limit), (soft, hard))
if uid >= 0:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
os.execv(sys.argv[5], sys.argv[5:])
"""


@functools.cache
def unavailable() -> str:
    """Why bwrap cannot contain a kernel here ("" when it can)."""
    if shutil.which("bwrap") is None:
        return "bwrap not installed"
    probe = bwrap_args(Path("/"), []) + ["true"]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"bwrap failed: {e}"
    if done.returncode:
        return f"bwrap failed: {done.stderr.strip()[:200]}"
    return ""


def resolve(mode: str) -> tuple[bool, str]:
    """(contained, note) for ``--sandbox mode``; the note goes into every row's status."""
    if mode not in MODES:
        raise ValueError(f"--sandbox must be one of {MODES}, got {mode!r}")
    if mode == "none":
        return False, "not contained (--sandbox none)"
    why = unavailable()
    if not why:
        return True, ""
    if mode == "bwrap":
        raise RuntimeError(f"--sandbox bwrap: {why}")
    return False, f"not contained ({why})"


def readable() -> list[Path]:
    """What the kernel may read besides the system: Python, bplib, the MNIST folders."""
    import bplib
    from bplib import data

    paths = [Path(sys.prefix), Path(sys.base_prefix), Path(bplib.__file__).parent]
    if os.environ.get("BPLIB_DATA_DIR"):
        paths.append(Path(os.environ["BPLIB_DATA_DIR"]))
    paths.append(data.cache_folder())
    return [p.resolve() for p in paths if p.exists()]


def bwrap_args(folder: Path, extra: list[Path]) -> list[str]:
    """bwrap's options: the read-only views, ``folder`` writable, the namespaces."""
    # ipykernel takes a parent pid it cannot see for a dead parent; --die-with-parent does that.
    args = ["bwrap", "--die-with-parent", "--unsetenv", "JPY_PARENT_PID", "--unshare-pid"]
    args += ["--unshare-net", "--unshare-ipc"]
    args += ["--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() != 0:
        args.append("--unshare-user")
    # An empty /tmp first, so that what lies under /tmp (a checkout and its .venv, say) can
    # still be shown read-only on top of it.
    args += ["--perms", "1777", "--tmpfs", "/tmp"]
    views = [Path(p) for p in [*SYSTEM, *ETC] if os.path.lexists(p)]
    for path in extra:
        if not any(path.is_relative_to(view) for view in views):
            views.append(path)
    for path in views:
        args += parents(path, views) + ["--ro-bind", str(path), str(path)]
    args += ["--proc", "/proc", "--dev", "/dev"]
    if folder != Path("/"):
        args += parents(folder, views) + ["--bind", str(folder), str(folder)]
        args += ["--chdir", str(folder)]
    return args


def parents(path: Path, views: list[Path]) -> list[str]:
    """bwrap's options that make the folders above ``path`` passable: bwrap makes them 0700
    when run as root, and the kernel's uid could not reach ``path``."""
    args = []
    for parent in reversed(path.parents[:-1]):
        if parent != Path("/tmp") and not any(parent.is_relative_to(v) for v in views):
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def command(cmd: list[str], folder: Path, contained: bool, limits: Limits) -> list[str]:
    """``cmd`` (the kernel) run in the container with ``limits``, or only with the limits that
    are safe without one (memory and CPU time: a process limit would count all your processes).

    As root, ``folder`` is handed to the kernel's own uid.
    """
    if not contained:
        launch = [sys.executable, "-c", LAUNCHER, "-1", str(limits.memory), "-1"]
        return [*launch, str(limits.cpu), *cmd]
    uid = -1
    if os.geteuid() == 0:
        uid = UID_BASE + secrets.randbelow(UID_BASE)
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, uid, uid)
    launch = [sys.executable, "-c", LAUNCHER, str(uid), *map(str, limits)]
    return bwrap_args(folder, readable()) + launch + cmd


def processes(pid: int) -> int:
    """How many processes descend from ``pid`` (the container's), from /proc."""
    count, todo = 0, [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:  # it ended meanwhile
                continue
            count += len(children)
            todo += map(int, children)
    return count


def at_process_limit(pid: int, limits: Limits) -> bool:
    """Whether the container's processes fill (nine tenths of) the process limit."""
    return processes(pid) >= 0.9 * limits.processes
