"""The instructor's wing stands apart: nothing in the library or the checks imports it."""

from pathlib import Path

from bplib.instructor import plan

ROOT = Path(__file__).resolve().parents[2]


def test_nothing_outside_the_wing_imports_it():
    outside = [
        path
        for path in sorted((ROOT / "bplib").rglob("*.py"))
        if "instructor" not in path.relative_to(ROOT / "bplib").parts
    ]
    assert ROOT / "bplib" / "checks" / "feedback.py" in outside
    offenders = []
    for path in outside:
        package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
        names = plan.imported(path.read_text(encoding="utf-8"), package)
        offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if "instructor" in n]
    assert not offenders
