"""bplib.instructor.score: the feedback of a test cell."""

import nbformat

from bplib.instructor import score


def test_feedback_is_bounded():
    cell = nbformat.v4.new_code_cell("print(...)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="y" * 10**6)]
    assert len(score.cell_feedback(cell)) < score.MAX_FEEDBACK + 10
