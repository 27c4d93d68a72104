"""bplib.instructor.plan: a chapter's digest covers what its grading depends on and nothing else,
and a damaged cache means grading again."""

import shutil
import subprocess
import sys
from pathlib import Path

from bplib.instructor import plan
from bplib.instructor.exercise_format import read

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"


def test_a_damaged_cache_means_grading_again(tmp_path):
    (tmp_path / "cache.json").write_text('{"alice/00_getting_started": ')
    assert plan.read_cache(tmp_path / "cache.json") == {}
    assert plan.read_cache(tmp_path / "absent.json") == {}


def test_imports_are_read_with_magics_skipped_and_relative_ones_resolved():
    source = "%matplotlib inline\n!ls\nimport a.b\nfrom . import x\nfrom ..c import y as z"
    assert plan.imported(source, "p.q") == {"a.b", "p.q", "p.q.x", "p.c", "p.c.y"}
    assert plan.imported(source, "") == {"a.b"}
    assert plan.imported("def f(:\n    import a", "") == set()


def test_a_chapter_depends_on_its_checks_what_they_import_and_the_grader():
    names = set(plan.dependencies(read(SOLUTIONS / "00_getting_started.ipynb")))
    # ch00 imports bplib.losses, which imports bplib.activations.
    assert {"bplib.checks.ch00", "bplib.checks.feedback", "bplib.losses"} <= names
    assert {"bplib.activations", "bplib", "bplib.checks"} <= names
    assert {"bplib.instructor.score", "bplib.instructor.kernel"} <= names
    # The notebook's cells import plots; its checks do not: a plot never changes a verdict.
    assert not {"bplib.plots", "bplib.train", "bplib.checks.ch01"} & names


def test_the_import_scan_finds_every_module_python_loads_for_the_checks():
    for solution in sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb")):
        check = f"bplib.checks.ch{solution.name[:2]}"
        loaded = subprocess.run(
            [sys.executable, "-c", f"import sys, {check}; print(*sorted(sys.modules))"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout.split()
        found = set(plan.dependencies(read(solution)))
        missing = {m for m in loaded if m.split(".")[0] == "bplib"} - found
        assert check in found and not missing, f"{solution.name}: the scan misses {missing}"


DIGESTS = """
import sys
from pathlib import Path
from bplib.instructor import plan
print(*(plan.chapter_digest(Path(p)) for p in sys.argv[1:]))
"""


def test_editing_a_module_regrades_only_the_chapters_whose_checks_import_it(tmp_path):
    # A copy of bplib that the subprocess imports instead of the installed one (cwd comes first).
    shutil.copytree(
        ROOT / "bplib", tmp_path / "bplib", ignore=shutil.ignore_patterns("__pycache__")
    )
    chapters = [
        str(SOLUTIONS / "00_getting_started.ipynb"),
        str(SOLUTIONS / "01_gradient_descent.ipynb"),
    ]

    def digests() -> list[str]:
        command = [sys.executable, "-c", DIGESTS, *chapters]
        run = subprocess.run(command, capture_output=True, text=True, check=True, cwd=tmp_path)
        return run.stdout.split()

    def edit(module: str) -> None:
        path = tmp_path / "bplib" / module
        path.write_text(path.read_text() + "\n# edited\n")

    first = digests()
    assert len(first) == 2
    edit("plots.py")  # neither chapter's checks import bplib.plots
    assert digests() == first
    edit("checks/ch00.py")  # chapter 00's checks; the grader's wire imports bplib.losses itself
    after = digests()
    assert after[0] != first[0] and after[1] == first[1]
    edit("checks/feedback.py")  # every check imports it
    final = digests()
    assert final[0] != after[0] and final[1] != after[1]
