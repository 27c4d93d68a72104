"""Chapter 10's exercises for the tests: the reference answers, as in solutions/10_*.ipynb,
and the contract cases of its checks (see test_contract.py). The tests of the slips build their
wrong answers from these references."""

import numpy as np
from contract import Case, hard

from bplib import batchnorm, init


def xavier_init(n_in, n_out, rng):
    r = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-r, r, (n_in, n_out)), np.zeros(n_out)


def xavier_normal(n_in, n_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), (n_in, n_out)), np.zeros(n_out)


def he_init(n_in, n_out, rng):
    return rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in), np.zeros(n_out)


def batchnorm_forward(x, gamma, beta, eps):
    mu, std = x.mean(axis=0), np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - mu) / std
    return gamma * x_hat + beta, (x_hat, gamma, std)


def batchnorm_backward(dy, cache):
    x_hat, gamma, std = cache
    n = len(dy)
    dbeta = dy.sum(axis=0)
    dgamma = (dy * x_hat).sum(axis=0)
    return gamma / (n * std) * (n * dy - dbeta - x_hat * dgamma), dgamma, dbeta


def layernorm_forward(x, gamma, beta, eps):
    mu, std = x.mean(axis=1, keepdims=True), np.sqrt(x.var(axis=1, keepdims=True) + eps)
    x_hat = (x - mu) / std
    return gamma * x_hat + beta, (x_hat, gamma, std)


def layernorm_backward(dy, cache):
    x_hat, gamma, std = cache
    dx_hat = dy * gamma
    mean_dx_hat = dx_hat.mean(axis=1, keepdims=True)
    mean_dx_hat_x_hat = (dx_hat * x_hat).mean(axis=1, keepdims=True)
    dx = (dx_hat - mean_dx_hat - x_hat * mean_dx_hat_x_hat) / std
    return dx, (dy * x_hat).sum(axis=0), dy.sum(axis=0)


def xavier_via_bplib(n_in, n_out, rng):
    return init.xavier(n_in, n_out, rng)


def he_via_bplib(n_in, n_out, rng):
    return init.he(n_in, n_out, rng)


def batchnorm_via_bplib(dy, cache):
    return batchnorm.backward(dy, cache)


SMALL = {"seed": 7, "sizes": [(1, 1), (1, 5), (7, 1)]}
CASES = {
    "xavier_init": Case(
        (xavier_init,),
        hard(xavier_init),
        # The other layers of the check have other sizes.
        ("W has shape (784, 30)",),
        calls=({}, SMALL),
        via_bplib=(xavier_via_bplib,),
    ),
    "he_init": Case(
        (he_init,),
        hard(he_init),
        ("W has shape (784, 30)",),
        calls=({}, SMALL),
        via_bplib=(he_via_bplib,),
    ),
    "batchnorm_backward": Case(
        (batchnorm_backward,),
        hard(batchnorm_backward),
        ("for random input",),
        calls=({}, {"seed": 7, "n": 2, "d": 1, "eps": 0.1}, {"seed": 3, "n": 50, "d": 7}),
        via_bplib=(batchnorm_via_bplib,),
    ),
    "layernorm_backward": Case(
        (layernorm_backward,),
        hard(layernorm_backward),
        ("for random input",),
        calls=({}, {"seed": 7, "n": 1, "d": 2, "eps": 0.1}, {"seed": 3, "n": 40, "d": 9}),
    ),
}
