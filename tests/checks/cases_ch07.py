"""Chapter 07's exercises for the tests: the reference answers, as in solutions/07_*.ipynb,
and the contract cases of its checks (see test_contract.py). The tests of the slips build their
wrong answers from these references."""

from collections.abc import Callable

import numpy as np
from contract import Case, hard

from bplib import optim


def minibatches(X, y, batch_size, rng):
    perm = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        idx = perm[start : start + batch_size]
        yield X[idx], y[idx]


def nesterov_step(w_tilde, grad, v, eta, mu):
    v_new = mu * v - eta * grad
    return w_tilde + mu * v_new - eta * grad, v_new


def adam_step(w, grad, s, r, t, eta, beta1, beta2, eps):
    s = beta1 * s + (1 - beta1) * grad
    r = beta2 * r + (1 - beta2) * grad**2
    s_hat = s / (1 - beta1**t)
    r_hat = r / (1 - beta2**t)
    return w - eta * s_hat / (np.sqrt(r_hat) + eps), s, r


def nesterov_via_bplib(w_tilde, grad, v, eta, mu):
    opt = optim.Nesterov(eta, mu)
    opt.state = [(v.copy(),)]
    w_new = w_tilde.copy()
    opt.step([w_new], [grad])
    return w_new, opt.state[0][0]


def adam_via_bplib(w, grad, s, r, t, eta, beta1, beta2, eps):
    opt = optim.Adam(eta, beta1, beta2, eps)
    opt.state, opt.t = [(s.copy(), r.copy())], t - 1
    w_new = w.copy()
    opt.step([w_new], [grad])
    return w_new, *opt.state[0]


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
    "nesterov_step": Case(
        (nesterov_step,),
        hard(nesterov_step),
        ("at step 1 of 4",),
        calls=({}, {"seed": 7, "shape": (2, 3)}),
        via_bplib=(nesterov_via_bplib,),
    ),
    "adam_step": Case(
        (adam_step,),
        hard(adam_step),
        ("at step t = 1 of 5",),
        calls=({}, {"seed": 7, "shape": (3, 2), "eps": 1e-3}),
        via_bplib=(adam_via_bplib,),
    ),
}
