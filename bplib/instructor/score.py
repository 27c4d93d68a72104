"""Score an executed notebook: each test cell's verdict, points and feedback text.

A test cell earns its points when it ran without error, else 0. Its feedback is what the check
printed or raised (``✔ …``, ``○ …: not done yet``, ``✘ …``), without tracebacks.
"""

import dataclasses

from nbformat import NotebookNode

from bplib.checks.feedback import CheckFailed, NotDoneYet
from bplib.instructor.kernel import Run
from bplib.instructor.submission import Chapter, ToRun

MAX_FEEDBACK = 2_000  # characters of feedback per exercise


@dataclasses.dataclass
class Score:
    exercise: str
    test: str
    points: float
    max_points: float
    feedback: str


@dataclasses.dataclass
class Result:
    chapter: str
    status: str
    scores: list[Score]

    @property
    def points(self) -> float:
        return sum(s.points for s in self.scores)

    @property
    def max_points(self) -> float:
        return sum(s.max_points for s in self.scores)

    @classmethod
    def from_dict(cls, d: dict) -> "Result":
        return cls(d["chapter"], d["status"], [Score(**s) for s in d["scores"]])


def zero(chapter: Chapter, status: str, feedback: str) -> Result:
    """No points for any exercise, the same feedback for each."""
    scores = [Score(ex.name, ex.test, 0, ex.points, feedback) for ex in chapter.exercises]
    return Result(chapter.name, status, scores)


def score(chapter: Chapter, to_run: ToRun, run: Run) -> list[Score]:
    """Each test cell's points (all if it ran without error, else 0) and feedback."""
    scores = []
    for ex in chapter.exercises:
        index = to_run.test_at.get(ex.test)
        reply = run.replies.get(index) if index is not None else None
        points = 0
        if ex.name not in to_run.present:
            feedback = f"exercise cell {ex.name} missing"
        elif index is None or reply is None:
            feedback = f"not run: {run.stopped or 'the notebook stopped before it'}"
        elif run.timed_out(index):
            feedback = f"timed out after {run.limits[index]} s (interrupted)"
        else:
            feedback = cell_feedback(run.nb.cells[index])
            if reply["status"] == "ok":
                points = ex.points
        scores.append(Score(ex.name, ex.test, points, ex.points, feedback))
    return scores


def cell_feedback(cell: NotebookNode) -> str:
    """What a test cell printed or raised, without tracebacks, at most MAX_FEEDBACK long."""
    lines: list[str] = []
    for out in cell.outputs:
        if out.output_type == "stream":
            new = out.text.splitlines()
        elif out.output_type == "error":
            new = [error_line(out.ename, out.evalue)]
        else:
            new = out.get("data", {}).get("text/plain", "").splitlines()
        for line in new:
            # Public and hidden tests each print the same "✔ name: passed": say it once.
            if not lines or line != lines[-1]:
                lines.append(line)
    text = "\n".join(lines).strip() or "(no output)"
    return text if len(text) <= MAX_FEEDBACK else text[:MAX_FEEDBACK] + " …"


def error_line(ename: str, evalue: str) -> str:
    """A check's own message (it starts with ✘ or says not done yet), or the exception."""
    if ename == NotDoneYet.__name__:
        return f"○ {evalue}"
    if ename == CheckFailed.__name__:
        return evalue
    return f"✘ {ename}: {evalue}" if evalue else f"✘ {ename}"
