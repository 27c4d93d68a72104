"""The checks of chapter 01 name each common slip (their contract is in test_contract.py)."""

import numpy as np
import pytest
from cases_ch01 import best_learning_rate, gradient_descent

from bplib.checks import ch01 as check

# numerical_derivative


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda J, w, h=1e-5: (J(w + h) - J(w)) / h, "forward difference"),
        (lambda J, w, h=1e-5: (J(w) - J(w - h)) / h, "backward difference"),
        (lambda J, w, h=1e-5: (J(w + h) - J(w - h)) / h, "divided by h instead of 2h"),
        (lambda J, w, h=1e-5: (J(w - h) - J(w + h)) / (2 * h), "wrong sign"),
        (lambda J, w, h=1e-5: (J(w + 1e-5) - J(w - 1e-5)) / 2e-5, "h was ignored"),
    ],
)
def test_slips_in_the_derivative_are_named(slip, cause, failure):
    assert cause in failure(check.numerical_derivative, slip)


# gradient_descent


def test_a_wrong_reason_is_named(failure):
    def always_max_iters(*args):
        return gradient_descent(*args)[0], "max_iters"

    message = failure(check.gradient_descent, always_max_iters)
    assert "the reason should be 'cost'" in message and "got 'max_iters'" in message


def no_w0(*args):
    return gradient_descent(*args)[0][1:], gradient_descent(*args)[1]


def uphill(J, grad, *args):
    return gradient_descent(J, lambda w: -grad(w), *args)


def in_place(J, grad, w0, eta, max_iters=1000, cost_tol=1e-8, step_tol=1e-10):
    w = np.array(w0, dtype=float)
    path = [w]
    for _ in range(max_iters):
        if J(w) < cost_tol:
            return np.array(path), "cost"
        step = eta * grad(w)
        w -= step
        path.append(w)
        if np.linalg.norm(step) < step_tol:
            return np.array(path), "step"
    return np.array(path), "max_iters"


def gradient_length(J, grad, w0, eta, max_iters=1000, cost_tol=1e-8, step_tol=1e-10):
    w = np.array(w0, dtype=float)
    path = [w]
    for _ in range(max_iters):
        if J(w) < cost_tol:
            return np.array(path), "cost"
        g = grad(w)
        w = w - eta * g
        path.append(w)
        if np.linalg.norm(g) < step_tol:
            return np.array(path), "step"
    return np.array(path), "max_iters"


def one_too_many(J, grad, w0, eta, max_iters=1000, cost_tol=1e-8, step_tol=1e-10):
    return gradient_descent(J, grad, w0, eta, max_iters + 1, cost_tol, step_tol)


def cost_after_step(J, grad, w0, eta, max_iters=1000, cost_tol=1e-8, step_tol=1e-10):
    w = np.array(w0, dtype=float)
    path = [w]
    for _ in range(max_iters):
        step = eta * grad(w)
        w = w - step
        path.append(w)
        if J(w) < cost_tol:
            return np.array(path), "cost"
        if np.linalg.norm(step) < step_tol:
            return np.array(path), "step"
    return np.array(path), "max_iters"


def changes_w0(J, grad, w0, eta, max_iters=1000, cost_tol=1e-8, step_tol=1e-10):
    w = np.asarray(w0)  # no copy: the updates below reach the caller's array
    path = [w.copy()]
    for _ in range(max_iters):
        if J(w) < cost_tol:
            return np.array(path), "cost"
        step = eta * grad(w)
        w -= step
        path.append(w.copy())
        if np.linalg.norm(step) < step_tol:
            return np.array(path), "step"
    return np.array(path), "max_iters"


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (no_w0, "must start with w0"),
        (uphill, "went uphill"),
        (in_place, "the same array"),
        (gradient_length, "the gradient's length"),
        (one_too_many, "one step too many"),
        (cost_after_step, "before every step, the first one too"),
        (changes_w0, "the caller's w0 was changed"),
    ],
)
def test_slips_in_the_descent_loop_are_named(slip, cause, failure):
    assert cause in failure(check.gradient_descent, slip)


# best_learning_rate


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda k: 1 / np.max(k), "safe, but"),
        (lambda k: 1 / np.min(k), "diverges along the steepest"),
        (lambda k: 2 / np.max(k), "edge of divergence"),
        (lambda k: 1 / np.mean(k), "mean curvature"),
        # 2 / sum(k) is right in 2-D and means 2 / k_max in 1-D; the check names it in 3-D.
        (lambda k: 2 / np.sum(k) if len(k) > 2 else best_learning_rate(k), "only in two dim"),
        (lambda k: 2 / (k[0] + k[-1]), "not sorted"),
    ],
)
def test_slips_in_the_learning_rate_are_named(slip, cause, failure):
    assert cause in failure(check.best_learning_rate, slip)


def test_a_wrong_learning_rate_is_told_its_contraction_factor(failure):
    message = failure(check.best_learning_rate, lambda k: 0.3 / np.max(k))
    assert "shrinks at worst by a factor" in message
