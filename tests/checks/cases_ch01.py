"""Chapter 01's exercises for the tests: the reference answers, as in solutions/01_*.ipynb,
and the contract cases of its checks (see test_contract.py). The tests of the slips build their
wrong answers from these references."""

import numpy as np
from contract import Case, hard

from bplib import gradcheck


def numerical_derivative(J, w, h=1e-5):
    return (J(w + h) - J(w - h)) / (2 * h)


def gradient_descent(J, grad, w0, eta, max_iters=1000, cost_tol=1e-8, step_tol=1e-10):
    w = np.array(w0, dtype=float)
    path = [w]
    for _ in range(max_iters):
        if J(w) < cost_tol:
            return np.array(path), "cost"
        step = eta * grad(w)
        w = w - step
        path.append(w)
        if np.linalg.norm(step) < step_tol:
            return np.array(path), "step"
    return np.array(path), "max_iters"


def best_learning_rate(k):
    k = np.asarray(k, dtype=float)
    return 2 / (k.min() + k.max())


def learning_rate_for_hessian(H):
    return best_learning_rate(np.linalg.eigvalsh(H))


def numerical_derivative_via_bplib(J, w, h=1e-5):
    x = np.array(float(w))
    return float(gradcheck.numerical_gradient(lambda: J(x), x, h))


CASES = {
    "numerical_derivative": Case(
        (numerical_derivative,),
        hard(numerical_derivative),  # 12 + h^2 = 12.0001 for h = 0.01 only
        ("h=1e-05", "expected 12"),
        via_bplib=(numerical_derivative_via_bplib,),
    ),
    "gradient_descent": Case(
        (gradient_descent,),
        hard(gradient_descent),
        ("the path for",),
        not_says="the worked example",
    ),
    "best_learning_rate": Case(
        (best_learning_rate,), hard(best_learning_rate), ("shrinks at worst by a factor",)
    ),
    "learning_rate_for_hessian": Case(
        (learning_rate_for_hessian,),
        hard(learning_rate_for_hessian),
        ("learning_rate_for_hessian(H) for H", "which is too"),
    ),
}
