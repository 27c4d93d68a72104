"""Write a grading run's results: ``grades.csv``, one Markdown feedback file per student and
chapter, and the cache file (atomically, so an interrupted run leaves a readable one)."""

import csv
from pathlib import Path
from typing import NamedTuple

from bplib.instructor.score import Result
from bplib.instructor.submission import Chapter


class Row(NamedTuple):
    student: str
    result: Result
    cached: bool  # True when the submission was unchanged and not run again


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` so that an interrupted run leaves the old file or the new one."""
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def write_gradebook(path: Path, rows: list[Row], chapters: list[Chapter]) -> None:
    """grades.csv: student, chapter, points, max_points, status, then one column per test."""
    tests = [ex.test for chapter in chapters for ex in chapter.exercises]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "chapter", "points", "max_points", "status", *tests])
        for student, result, _ in rows:
            earned = {s.test: f"{s.points:g}" for s in result.scores}
            writer.writerow(
                [student, result.chapter, f"{result.points:g}", f"{result.max_points:g}"]
                + [result.status]
                + [earned.get(test, "") for test in tests]
            )


def write_feedback(path: Path, row: Row) -> None:
    """The student's feedback for one chapter, in Markdown."""
    result = row.result
    parts = [
        f"# {result.chapter}: {result.points:g} / {result.max_points:g} points",
        f"Status: {result.status}",
    ]
    for s in result.scores:
        parts.append(
            f"## {s.exercise}: {s.points:g} / {s.max_points:g}\n\n```text\n{s.feedback}\n```"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
