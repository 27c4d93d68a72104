"""The checks of chapter 06 name each common slip with the cross-entropy and the softmax (their
contract is in test_contract.py)."""

import numpy as np
import pytest
from cases_ch06 import (
    cross_entropy_from_z,
    log_likelihood_gradient,
    softmax,
    softmax_quadratic_delta,
)

from bplib import losses
from bplib.activations import sigmoid, sigmoid_prime
from bplib.checks import ch06


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda z, a, y: (a - y) * sigmoid_prime(z), "still includes σ′(z)"),
        (lambda z, a, y: y - a, "wrong sign"),
        (lambda z, a, y: (a - y) / len(z), "divided by m"),
        (lambda z, a, y: (a - y) / (a * (1 - a)), "that is ∂C/∂a"),
    ],
)
def test_cross_entropy_delta_names_the_slip(slip, cause, failure):
    message = failure(ch06.cross_entropy_delta, slip)
    assert "Likely" in message and cause in message


def test_cross_entropy_delta_passes_when_computed_from_z(passes):
    passes(ch06.cross_entropy_delta, lambda z, a, y: sigmoid(z) - y)


def naive_softmax(z):
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (naive_softmax, "±1000 contains NaN"),
        (lambda z: softmax(z.T).T, "softmax along axis 0"),
        (lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(), "over the whole batch"),
        # subtracting the batch's maximum instead of each row's makes a row of -1000 underflow
        (
            lambda z: softmax(z - z.max()) if np.abs(z).max() < 999 else naive_softmax(z - z.max()),
            "one constant per row",
        ),
    ],
)
def test_softmax_names_the_slip(slip, cause, failure):
    message = failure(ch06.softmax, slip)
    assert cause in message


def test_softmax_is_judged_on_values_too(failure):
    # Rows that sum to 1 but are not the softmax: the normalized exponentials of z / 2.
    message = failure(ch06.softmax, lambda z: softmax(z / 2))
    assert "entries are wrong" in message


def test_softmax_through_a_helper_of_the_students_that_calls_bplib_fails(failure):
    from bplib import activations

    def helper(z):
        return activations.softmax(z)

    message = failure(ch06.softmax, lambda z: helper(z) + 0.0)
    assert "your code calls bplib.activations.softmax" in message


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda z, y: log_likelihood_gradient(z, y) * len(z), "factor 1/m"),
        (lambda z, y: -log_likelihood_gradient(z, y), "wrong sign"),
        (lambda z, y: (z - np.eye(z.shape[1])[y]) / len(z), "softmax is missing"),
        (lambda z, y: -np.eye(z.shape[1])[y] / softmax(z) / len(z), "that is ∂C/∂a"),
        (
            lambda z, y: (softmax(z.T).T - np.eye(z.shape[1])[y]) / len(z),
            "softmax along the wrong axis",
        ),
        (
            lambda z, y: np.eye(z.shape[1])[y] * (softmax(z) - 1) / len(z),
            "only the right class's z_y",
        ),
    ],
)
def test_log_likelihood_gradient_names_the_slip(slip, cause, failure):
    message = failure(ch06.log_likelihood_gradient, slip)
    assert "Likely" in message and cause in message


def _quadratic_slip(z, y, sum_axis=1, factor=True, sign=1.0):
    a = softmax(z)
    e = a - y
    inner = np.sum(e * a if factor else e, axis=sum_axis, keepdims=True)
    return sign * a * (e - inner)


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda z, y: (softmax(z) - y) * softmax(z) * (1 - softmax(z)), "treated as elementwise"),
        (lambda z, y: softmax(z) - y, "δ^L of the negative log-likelihood"),
        (lambda z, y: _quadratic_slip(z, y, sign=-1.0), "wrong sign"),
        (lambda z, y: _quadratic_slip(z, y, sum_axis=0), "ran over the samples"),
        (lambda z, y: _quadratic_slip(z, y, factor=False), "lost its factor a_i"),
        (lambda z, y: softmax_quadratic_delta(z, y) / softmax(z), "the factor a_j"),
        (lambda z, y: softmax_quadratic_delta(z, y) / len(z), "divided by m"),
    ],
)
def test_softmax_quadratic_delta_names_the_slip(slip, cause, failure):
    message = failure(ch06.softmax_quadratic_delta, slip)
    assert "Likely" in message and cause in message


def test_softmax_quadratic_delta_passes_as_the_jacobian_times_the_error(passes):
    """Any correct form passes: here the Jacobian built as a matrix per sample."""

    def with_jacobian(z, y):
        a = softmax(z)
        jacobians = np.einsum("xi,ij->xij", a, np.eye(z.shape[1])) - a[:, :, None] * a[:, None, :]
        return np.einsum("xij,xi->xj", jacobians, a - y)

    passes(ch06.softmax_quadratic_delta, with_jacobian, seed=5, m=3, k=5)


def test_softmax_quadratic_delta_wrong_in_one_entry_says_where(failure):
    def off(z, y):
        d = softmax_quadratic_delta(z, y)
        d[0, 0] += 1e-3
        return d

    assert "entries are wrong; the worst is at index (0, 0)" in failure(
        ch06.softmax_quadratic_delta, off
    )


def naive_cross_entropy(z, y):
    a = sigmoid(z)
    return -float(np.sum(y * np.log(a) + (1 - y) * np.log(1 - a))) / len(z)


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (naive_cross_entropy, "σ(z) rounded to 1.0"),
        (
            lambda z, y: float(np.sum(np.log(1 + np.exp(z)) - y * z)) / len(z),
            "e^z overflowing inside a logarithm",
        ),
        (lambda z, y: losses.cross_entropy(sigmoid(z), y), "formed and clipped"),
        (lambda z, y: cross_entropy_from_z(z, y) * len(z), "where a mean was meant"),
        (lambda z, y: -cross_entropy_from_z(z, y), "wrong sign"),
        (lambda z, y: cross_entropy_from_z(z, y) / z.shape[1], "divided by m·k"),
        (
            lambda z, y: cross_entropy_from_z(z, y) + 2 * float(np.sum(y * z)) / len(z),
            "the sign of the y·z term",
        ),
        (
            lambda z, y: np.sum(np.logaddexp(0, z) - y * z, axis=1),
            "one cost per sample",
        ),
    ],
)
def test_cross_entropy_from_z_names_the_slip(slip, cause, failure):
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        message = failure(ch06.cross_entropy_from_z, slip)
    assert cause in message


def test_cross_entropy_from_z_passes_with_logaddexp(passes):
    passes(
        ch06.cross_entropy_from_z,
        lambda z, y: float(np.sum(np.logaddexp(0.0, z) - y * z)) / len(z),
        seed=11,
    )


def notebook_functions(source: str) -> dict:
    """The functions ``source`` defines, in a namespace of their own, as in a notebook kernel."""
    namespace = {"np": np}
    exec(source, namespace)
    return namespace


WRONG_SOFTMAX = """
def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum(axis=0, keepdims=True)  # the slip: normalized over the samples
"""


@pytest.mark.parametrize(
    ("check", "exercise"),
    [
        (
            ch06.log_likelihood_gradient,
            "def answer(z, y):\n    return (softmax(z) - np.eye(z.shape[1])[y]) / len(z)\n",
        ),
        (
            ch06.softmax_quadratic_delta,
            "def answer(z, y):\n    a = softmax(z)\n    e = a - y\n"
            "    return a * (e - np.sum(e * a, axis=1, keepdims=True))\n",
        ),
    ],
)
def test_an_exercise_using_the_students_wrong_softmax_is_judged_on_its_own(check, exercise, capsys):
    namespace = notebook_functions(WRONG_SOFTMAX + exercise)
    check(namespace["answer"])
    out = capsys.readouterr().out
    assert out.startswith(
        f"{check.exercise}: your {check.exercise} itself is right. It fails with your softmax "
        "(their own checks mark them), and passes with the course's reference versions in "
        "their place:\n"
    )
    assert out.endswith(f"✔ {check.exercise}: passed\n")
    assert namespace["softmax"].__code__.co_filename == "<string>"  # restored afterwards


def test_an_exercise_using_an_unfinished_softmax_is_judged_on_its_own(capsys):
    namespace = notebook_functions(
        "def softmax(z):\n    raise NotImplementedError()\n\n"
        "def answer(z, y):\n    return (softmax(z) - np.eye(z.shape[1])[y]) / len(z)\n"
    )
    ch06.log_likelihood_gradient(namespace["answer"])
    assert capsys.readouterr().out.endswith("✔ log_likelihood_gradient: passed\n")


def test_a_fault_of_its_own_is_still_named_when_the_softmax_is_wrong_too(failure):
    namespace = notebook_functions(
        WRONG_SOFTMAX + "def answer(z, y):\n    return softmax(z) - np.eye(z.shape[1])[y]\n"
    )
    message = failure(ch06.log_likelihood_gradient, namespace["answer"])
    assert "factor 1/m" in message
    assert message.endswith(
        "(It fails in the same way with the course's reference versions in place of your "
        "softmax: the fault is in log_likelihood_gradient itself.)"
    )
