"""Chapter 07's exercises for the tests: the reference answers, as in solutions/07_*.ipynb,
and the contract cases of its checks (see test_contract.py). The tests of the slips build their
wrong answers from these references."""

from collections.abc import Callable

import numpy as np
from contract import Case, hard


def minibatches(X, y, batch_size, rng):
    perm = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        idx = perm[start : start + batch_size]
        yield X[idx], y[idx]


def momentum_step(w, grad, v, eta, mu):
    v = mu * v - eta * grad
    return w + v, v


def adam_step(w, grad, m, v, t, eta, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return w - eta * m_hat / (np.sqrt(v_hat) + eps), m, v


def minibatches_of_the_worked_example() -> Callable:
    X, y = np.arange(14.0).reshape(7, 2), np.arange(7)
    fixed = list(minibatches(X, y, 3, np.random.default_rng(0)))
    return lambda *args: iter(fixed)


CASES = {
    "minibatches": Case(
        (minibatches,),
        (minibatches_of_the_worked_example(),),
        ("X_batch (3, 2) and y_batch (3,), expected (m, 3) and (m,)",),
    ),
    "momentum_step": Case(
        (momentum_step,),
        hard(momentum_step),
        ("at step 1 of 4",),
        calls=({}, {"seed": 7, "shape": (2, 3)}),
    ),
    "adam_step": Case(
        (adam_step,),
        hard(adam_step),
        ("at step t = 1 of 5",),
        calls=({}, {"seed": 7, "shape": (3, 2), "eps": 1e-3}),
    ),
}
