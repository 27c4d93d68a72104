"""The checks of chapter 02: the reference passes, an unfinished exercise is "not done yet",
a hard-coded answer fails, and each common slip is named."""

import numpy as np
import pytest

from bplib import gradcheck
from bplib.checks import ch02 as check
from bplib.checks.feedback import CheckFailed, NotDoneYet


def not_done(*args, **kwargs):
    raise NotImplementedError()


# Reference solutions, as in solutions/02_chain_rule.ipynb.


def neuron_gradients(w1, x1, w2, x2, b):
    z = w1 * x1 + w2 * x2 + b
    a = 1 / (1 + np.exp(-z))
    dz = a * (1 - a)
    return {"w1": x1 * dz, "x1": w1 * dz, "w2": x2 * dz, "x2": w2 * dz, "b": dz}


def central_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def gradient_check(f, grad_f, x, tol=1e-7):
    g = grad_f(x)
    n = gradcheck.numerical_gradient(lambda: f(x), x)
    scale = np.linalg.norm(g) + np.linalg.norm(n)
    return gradcheck.rel_error(g, n), [tuple(i) for i in np.argwhere(np.abs(g - n) > tol * scale)]


CHECKS = [
    (check.neuron_gradients, neuron_gradients),
    (check.central_gradient, central_gradient),
    (check.gradient_check, gradient_check),
]


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize(("run", "solution"), CHECKS)
def test_the_reference_passes(run, solution, seed, capsys):
    run(solution, seed=seed)
    assert capsys.readouterr().out.startswith(f"✔ {solution.__name__}: passed")


@pytest.mark.parametrize(("run", "solution"), CHECKS)
def test_an_unfinished_exercise_is_not_done_yet(run, solution, capsys, monkeypatch):
    monkeypatch.delenv("BPLIB_GRADING", raising=False)
    run(not_done)
    assert "○" in capsys.readouterr().out
    monkeypatch.setenv("BPLIB_GRADING", "1")
    with pytest.raises(NotDoneYet, match="not done yet"):
        run(not_done)


def failure(run, solution) -> str:
    """The message of the check's failure on ``solution``."""
    with pytest.raises(CheckFailed) as e:
        run(solution)
    return str(e.value)


# neuron_gradients


def test_the_reference_partials_match_central_differences():
    # The check's expected partials come from the chain rule; here they meet the numbers.
    w = np.array([0.3, -1.2, 0.8, 0.5, -0.4])
    got = neuron_gradients(*w)

    def a():
        return 1 / (1 + np.exp(-(w[0] * w[1] + w[2] * w[3] + w[4])))

    numeric = gradcheck.numerical_gradient(a, w)
    np.testing.assert_allclose([got[k] for k in check.PARTIALS], numeric, rtol=1e-8)


def test_hard_coded_partials_fail():
    worked = neuron_gradients(2.0, -1.0, -3.0, -2.0, -3.0)
    message = failure(check.neuron_gradients, lambda *args: worked)
    assert "the partial da/dw1" in message and "w1=2.000" not in message


def test_a_missing_partial_is_named():
    def no_b(*args):
        return {k: v for k, v in neuron_gradients(*args).items() if k != "b"}

    assert "lacks the partials ['b']" in failure(check.neuron_gradients, no_b)


def with_one_wrong(name, value):
    """neuron_gradients with the partial ``name`` replaced by ``value(w1, x1, w2, x2, b, a)``."""

    def slip(w1, x1, w2, x2, b):
        partials = neuron_gradients(w1, x1, w2, x2, b)
        a = 1 / (1 + np.exp(-(w1 * x1 + w2 * x2 + b)))
        partials[name] = value(w1, x1, w2, x2, b, a)
        return partials

    return slip


def sigma_prime(z):
    return np.exp(-z) / (1 + np.exp(-z)) ** 2


@pytest.mark.parametrize(
    ("name", "value", "cause"),
    [
        ("w1", lambda w1, x1, w2, x2, b, a: x1, "sigmoid is missing"),
        ("x2", lambda w1, x1, w2, x2, b, a: x2 * a * (1 - a), "crossed the wrong way"),
        ("w2", lambda w1, x1, w2, x2, b, a: x2 * sigma_prime(a), "evaluated at a = sigma(z)"),
        ("b", lambda w1, x1, w2, x2, b, a: a, "sigma(z) was used"),
        ("x1", lambda w1, x1, w2, x2, b, a: -w1 * a * (1 - a), "sign is wrong"),
    ],
)
def test_slips_in_a_partial_are_named_with_the_partial(name, value, cause):
    message = failure(check.neuron_gradients, with_one_wrong(name, value))
    assert f"the partial da/d{name} is wrong" in message and cause in message


# central_gradient


def test_a_hard_coded_gradient_fails():
    message = failure(check.central_gradient, lambda f, x, h=1e-5: np.array([8.0, 3.0]))
    assert "shape (1,)" in message


def forward(f, x, h=1e-5):
    return np.array([(f(x + h * e) - f(x)) / h for e in np.eye(x.size)]).reshape(x.shape)


def over_h(f, x, h=1e-5):
    return 2 * central_gradient(f, x, h)


def add_subtract(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        f_plus = f(x)
        x[i] -= 2 * h
        f_minus = f(x)
        x[i] += h  # not always the old value again: round-off
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def not_restored(f, x, h=1e-5):
    grad = central_gradient(f, x, h)
    x[0] += h
    return grad


def first_axis_only(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in range(len(x)):
        e = np.zeros_like(x)
        e[i] = h
        grad[i] = (f(x + e) - f(x - e)) / (2 * h)
    return grad


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (forward, "forward differences"),
        (over_h, "divided by h instead of 2h"),
        (lambda f, x, h=1e-5: -central_gradient(f, x, h), "the sign is wrong"),
        (add_subtract, "restored only up to round-off"),
        (not_restored, "the function changed x"),
        (first_axis_only, "shape (2, 3)"),
    ],
)
def test_slips_in_the_central_gradient_are_named(slip, cause):
    assert cause in failure(check.central_gradient, slip)


# gradient_check


def test_a_hard_coded_verdict_fails():
    # The worked example's answer: ||(0, 2, 0)|| / (||(2, 2, 6)|| + ||(2, 4, 6)||), entry 1.
    answer = 2 / (np.sqrt(44) + np.sqrt(56)), [(1,)]
    assert "a correct gradient" in failure(check.gradient_check, lambda *args: answer)


def entrywise_max(f, grad_f, x, tol=1e-7):
    g, n = grad_f(x), gradcheck.numerical_gradient(lambda: f(x), x)
    return np.max(np.abs(g - n) / (np.abs(g) + np.abs(n))), gradient_check(f, grad_f, x, tol)[1]


def over_n(f, grad_f, x, tol=1e-7):
    g, n = grad_f(x), gradcheck.numerical_gradient(lambda: f(x), x)
    return np.linalg.norm(g - n) / np.linalg.norm(n), gradient_check(f, grad_f, x, tol)[1]


def forward_numeric(f, grad_f, x, tol=1e-7):
    g, n = grad_f(x), forward(f, x)
    return gradcheck.rel_error(g, n), gradient_check(f, grad_f, x, tol)[1]


def absolute(f, grad_f, x, tol=1e-7):
    g, n = grad_f(x), gradcheck.numerical_gradient(lambda: f(x), x)
    return gradcheck.rel_error(g, n), [tuple(i) for i in np.argwhere(np.abs(g - n) > tol)]


def inverted(f, grad_f, x, tol=1e-7):
    g, n = grad_f(x), gradcheck.numerical_gradient(lambda: f(x), x)
    scale = np.linalg.norm(g) + np.linalg.norm(n)
    return gradcheck.rel_error(g, n), [tuple(i) for i in np.argwhere(np.abs(g - n) <= tol * scale)]


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (entrywise_max, "largest entry-wise relative error"),
        (over_n, "divided by ||n|| alone"),
        (forward_numeric, "forward differences"),
        (absolute, "compared with tol on its own"),
        (inverted, "the ones that agree"),
    ],
)
def test_slips_in_the_gradient_check_are_named(slip, cause):
    assert cause in failure(check.gradient_check, slip)


def test_indices_may_be_given_as_plain_integers_for_a_vector():
    def as_ints(f, grad_f, x, tol=1e-7):
        err, bad = gradient_check(f, grad_f, x, tol)
        return err, bad if x.ndim > 1 else [int(i[0]) for i in bad]

    check.gradient_check(as_ints)
