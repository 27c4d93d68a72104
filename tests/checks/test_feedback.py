"""The machinery every check shares: what ``exercise(name, bplib_answers=...)`` refuses."""

import sys
import textwrap

import numpy as np
import pytest

from bplib import activations
from bplib.checks.feedback import CheckFailed, compare, exercise

NOT_AN_ANSWER = (
    "✘ derivative: your code calls bplib.activations.sigmoid_prime, bplib's own answer to this "
    "exercise. Write it with NumPy; bplib's version is for the chapters after this one."
)

# As a notebook cell defines them: code compiled from a cell, not from a file of the library.
STUDENT = textwrap.dedent(
    """
    import numpy as np
    from bplib import activations
    from bplib.activations import sigmoid_prime as sp

    def own(z):
        s = 1 / (1 + np.exp(-z))
        return s * (1 - s)

    def calls_bplib(z):
        return activations.sigmoid_prime(z)

    def under_another_name(z):
        return sp(z)

    def through_a_helper_of_theirs(z):
        return calls_bplib(z)

    def through_other_library_code(z):
        return np.vectorize(activations.sigmoid_prime)(z)
    """
)
student: dict = {}
exec(compile(STUDENT, "/tmp/ipykernel_1/3817.py", "exec"), student)


@exercise("derivative", bplib_answers=(activations.sigmoid_prime,))
def check_derivative(sigmoid_prime):
    z = np.linspace(-3, 3, 7)
    compare(sigmoid_prime(z), activations.sigmoid_prime(z), "sigma'(z)")  # the check may call it


def test_the_check_may_use_bplibs_answer_and_an_own_answer_passes(capsys):
    check_derivative(student["own"])
    assert capsys.readouterr().out == "✔ derivative: passed\n"


@pytest.mark.parametrize(
    "name",
    [
        "calls_bplib",
        "under_another_name",
        "through_a_helper_of_theirs",
        "through_other_library_code",
    ],
)
def test_an_answer_that_calls_bplibs_own_fails_however_it_reaches_it(name, capsys):
    with pytest.raises(CheckFailed) as e:
        check_derivative(student[name])
    assert str(e.value) == NOT_AN_ANSWER
    assert capsys.readouterr().out == ""


def test_the_watch_ends_with_the_check():
    before = sys.getprofile()
    with pytest.raises(CheckFailed):
        check_derivative(student["calls_bplib"])
    assert sys.getprofile() is before
