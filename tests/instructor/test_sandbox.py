"""bplib.instructor.sandbox: what the container lets a process see, and the limits it sets
before the process starts (here without a kernel: a Python that reports what it finds)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bplib.instructor import sandbox

ROOT = Path(__file__).resolve().parents[2]
LIMITS = sandbox.Limits(memory=3 * 2**30, processes=64, cpu=120)
REPORT = """
import json, os, resource
names = ["AS", "NPROC", "CPU"]
print(json.dumps({
    "limits": [resource.getrlimit(getattr(resource, "RLIMIT_" + n))[0] for n in names],
    "uid": os.getuid(),
    "root": sorted(os.listdir("/")),
    "repo": os.path.exists(%r) and sorted(os.listdir(%r)),
    "home": os.path.isdir(%r) and sorted(os.listdir(%r)),
    "cwd": os.getcwd(),
}))
"""


def report(tmp_path: Path, contained: bool) -> dict:
    code = REPORT % (str(ROOT), str(ROOT), str(Path.home()), str(Path.home()))
    cmd = sandbox.command([sys.executable, "-c", code], tmp_path, contained, LIMITS)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_modes():
    assert sandbox.resolve("none") == (False, "not contained (--sandbox none)")
    with pytest.raises(ValueError, match="--sandbox must be one of"):
        sandbox.resolve("docker")
    contained, note = sandbox.resolve("auto")
    assert contained == (not sandbox.unavailable())
    assert note == ("" if contained else f"not contained ({sandbox.unavailable()})")


@pytest.mark.skipif(bool(sandbox.unavailable()), reason=f"no bwrap here: {sandbox.unavailable()}")
def test_the_container_shows_the_system_python_and_bplib_and_sets_every_limit(tmp_path):
    seen = report(tmp_path, contained=True)
    assert seen["limits"] == list(LIMITS)
    assert seen["cwd"] == str(tmp_path)
    # Of the repository only bplib and the environment are there: no solutions, no submissions.
    assert set(seen["repo"]) <= {"bplib", ".venv"} and "bplib" in seen["repo"]
    # Of the home folder, only what leads to Python (pyenv keeps it there, say).
    for entry in seen["home"] or []:
        assert any(p.is_relative_to(Path.home() / entry) for p in sandbox.readable())
    if os.geteuid() == 0:
        assert seen["uid"] >= sandbox.UID_BASE  # NPROC does not bind root


def test_uncontained_only_the_per_process_limits_are_set(tmp_path):
    seen = report(tmp_path, contained=False)
    import resource

    nproc = resource.getrlimit(resource.RLIMIT_NPROC)[0]
    assert seen["limits"] == [LIMITS.memory, nproc, LIMITS.cpu]
    assert seen["uid"] == os.getuid()


def test_the_views_are_read_only_and_the_folder_writable(tmp_path):
    if sandbox.unavailable():
        pytest.skip(f"no bwrap here: {sandbox.unavailable()}")
    code = (
        "import os, sys\n"
        f"open({str(tmp_path / 'mine.txt')!r}, 'w').write('x')\n"
        "for path in [sys.prefix + '/planted.txt', '/usr/planted.txt']:\n"
        "    try:\n        open(path, 'w')\n    except OSError as e:\n        print(e.errno)\n"
    )
    cmd = sandbox.command([sys.executable, "-c", code], tmp_path, True, LIMITS)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["30", "30"]  # EROFS
    assert (tmp_path / "mine.txt").read_text() == "x"
    assert not Path(sys.prefix, "planted.txt").exists()
