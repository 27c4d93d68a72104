"""The checks of chapter 01 name each common slip (their contract is in test_contract.py)."""

import numpy as np
import pytest
from cases_ch01 import best_learning_rate, gradient_descent, learning_rate_for_hessian

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


def test_a_wrong_learning_rate_is_told_its_contraction_factor_but_not_the_best(failure):
    message = failure(check.best_learning_rate, lambda k: 0.3 / np.max(k))
    assert "shrinks at worst by a factor 0.7000" in message and "too small" in message
    # Neither the best eta nor its factor: for k = [2] they are 0.5 and 0.
    assert "0.5" not in message and "0.0000" not in message and "expected" not in message


def test_a_random_wrong_learning_rate_gives_no_number_the_answer_follows_from(failure):
    def slightly_off(k):
        return 1.01 * best_learning_rate(k) if len(k) > 1 else best_learning_rate(k)

    message = failure(check.best_learning_rate, slightly_off)
    assert "too large" in message and "another eta does better" in message
    assert "expected" not in message and "the best eta gives" not in message


# learning_rate_for_hessian (the transfer exercise)


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda H: best_learning_rate(np.diag(H)), "the diagonal entries of H"),
        (lambda H: 2 / (H.min() + H.max()), "largest entries of H are not curvatures"),
        (lambda H: 2 / np.trace(H), "trace(H)"),
        (lambda H: 1 / np.linalg.eigvalsh(H).max(), "the flattest direction then crawls"),
    ],
)
def test_slips_in_the_rotated_valley_are_named(slip, cause, failure):
    message = failure(check.learning_rate_for_hessian, slip)
    assert message.startswith("✘ learning_rate_for_hessian: ") and cause in message


def student(source: str, **names) -> dict:
    """Run ``source`` in a namespace of its own, as a notebook's cells would."""
    namespace = {"np": np, **names}
    exec(source, namespace)
    return namespace


def test_a_wrong_best_learning_rate_is_not_charged_twice(capsys):
    kernel = student(
        "def best_learning_rate(k):\n    return 1 / np.max(k)\n\n"
        "def learning_rate_for_hessian(H):\n"
        "    return best_learning_rate(np.linalg.eigvalsh(H))\n"
    )
    check.learning_rate_for_hessian(kernel["learning_rate_for_hessian"])
    out = capsys.readouterr().out
    assert out.startswith(
        "learning_rate_for_hessian: your learning_rate_for_hessian itself is right. It fails with "
        "your best_learning_rate (their own checks mark them), and passes with the course's "
        "reference versions in their place:\n"
    )
    assert out.endswith("✔ learning_rate_for_hessian: passed\n")
    # The student's own helper is back in place after the check.
    assert kernel["best_learning_rate"](np.array([2.0])) == 0.5


def test_an_unfinished_best_learning_rate_is_not_charged_twice(capsys):
    kernel = student(
        "def best_learning_rate(k):\n    raise NotImplementedError()\n\n"
        "def learning_rate_for_hessian(H):\n"
        "    return best_learning_rate(np.linalg.eigvalsh(H))\n"
    )
    check.learning_rate_for_hessian(kernel["learning_rate_for_hessian"])
    assert capsys.readouterr().out.endswith("✔ learning_rate_for_hessian: passed\n")


def test_a_fault_of_its_own_is_named_as_such(failure):
    kernel = student(
        "def learning_rate_for_hessian(H):\n    return best_learning_rate(np.diag(H))\n",
        best_learning_rate=best_learning_rate,
    )
    message = failure(check.learning_rate_for_hessian, kernel["learning_rate_for_hessian"])
    assert "the diagonal entries of H" in message
    assert "the fault is in learning_rate_for_hessian itself" in message


def test_the_reference_is_the_eigenvalue_answer():
    H = np.array([[5.5, 4.5], [4.5, 5.5]])
    assert np.isclose(learning_rate_for_hessian(H), 2 / 11)
