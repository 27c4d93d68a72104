"""The check of chapter 00: the reference passes (for any n, n = 1 too), an unfinished exercise
is "not done yet", a hard-coded answer fails, and each common slip is named."""

import numpy as np
import pytest

from bplib.checks import ch00 as check
from bplib.checks.feedback import CheckFailed, NotDoneYet


def mean_squared_error(a, y):
    """The reference, as in solutions/00_getting_started.ipynb."""
    return 0.5 * float(np.sum((a - y) ** 2)) / a.shape[0]


def not_done(a, y):
    raise NotImplementedError()


@pytest.mark.parametrize("seed, n", [(0, None), (7, None), (8, 1), (3, 9)])
def test_the_reference_passes(seed, n, capsys):
    check.mean_squared_error(mean_squared_error, seed=seed, n=n)
    assert capsys.readouterr().out == "✔ mean_squared_error: passed\n"


def test_an_unfinished_exercise_is_not_done_yet(capsys, monkeypatch):
    monkeypatch.delenv("BPLIB_GRADING", raising=False)
    check.mean_squared_error(not_done)
    assert capsys.readouterr().out.startswith("○ mean_squared_error: not done yet")
    monkeypatch.setenv("BPLIB_GRADING", "1")
    with pytest.raises(NotDoneYet, match="mean_squared_error: not done yet"):
        check.mean_squared_error(not_done)


def test_the_worked_example_is_what_the_text_computes_by_hand():
    assert mean_squared_error(check.A_EXAMPLE, check.Y_EXAMPLE) == 0.3125


def test_a_hard_coded_answer_fails_on_the_random_batch():
    with pytest.raises(CheckFailed, match="on a random batch"):
        check.mean_squared_error(lambda a, y: 0.3125)


SLIPS = [
    (lambda a, y: 0.5 * np.sum((a - y) ** 2), "the sum over the batch instead of the mean"),
    (lambda a, y: np.sum((a - y) ** 2) / a.shape[0], "the factor 1/2 is missing"),
    (lambda a, y: np.mean((a - y) ** 2), "averages over all n*k entries, and the 1/2 is missing"),
    (lambda a, y: 0.5 * np.mean((a - y) ** 2), "averages over all n*k entries; average over"),
    (lambda a, y: 0.5 * np.sum((a - y) ** 2) / a.shape[1], "divided by k = a.shape[1]"),
    (lambda a, y: 0.5 * np.sum((a - y) ** 2, axis=1), "one cost per sample"),
    (lambda a, y: 0.5 * np.mean((a - y) ** 2, axis=0), "the mean over the batch (axis 0)"),
    (lambda a, y: 0.5 * np.mean(np.linalg.norm(a - y, axis=1)), "is not squared"),
    (lambda a, y: 0.5 * np.sum(np.subtract(a, y, out=a) ** 2) / len(a), "changed its argument"),
]


@pytest.mark.parametrize("wrong, cause", SLIPS)
def test_each_common_slip_is_named(wrong, cause):
    with pytest.raises(CheckFailed) as error:
        check.mean_squared_error(wrong)
    assert str(error.value).startswith("✘ mean_squared_error: ")
    assert cause in str(error.value)
