"""Chapter 10's exercises for the tests: the reference answers, as in solutions/10_*.ipynb,
and the contract cases of its checks (see test_contract.py). The tests of the slips build their
wrong answers from these references."""

import numpy as np
from contract import Case, hard


def xavier_init(n_in, n_out, rng):
    r = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-r, r, (n_in, n_out)), np.zeros(n_out)


def xavier_normal(n_in, n_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), (n_in, n_out)), np.zeros(n_out)


def he_init(n_in, n_out, rng):
    return rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in), np.zeros(n_out)


def layer_gradient_norms(net, X, y):
    _, nabla_w = net.backprop(X, y)
    return [float(np.linalg.norm(nw)) for nw in nabla_w]


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


CASES = {
    "xavier_init": Case(
        (xavier_init,),
        hard(xavier_init),
        # The other layers of the check have other sizes.
        ("W has shape (784, 30)",),
        calls=({}, {"seed": 7, "sizes": [(1, 1), (1, 5), (7, 1)]}),
    ),
    "he_init": Case(
        (he_init,),
        hard(he_init),
        ("W has shape (784, 30)",),
        calls=({}, {"seed": 7, "sizes": [(1, 1), (1, 5), (7, 1)]}),
    ),
    "layer_gradient_norms": Case(
        (layer_gradient_norms,),
        hard(layer_gradient_norms),
        ("for a random sigmoid network",),
        calls=({}, {"seed": 7, "sizes": (3, 2), "n": 1}),
    ),
    "batchnorm_backward": Case(
        (batchnorm_backward,),
        hard(batchnorm_backward),
        ("for random input",),
        calls=({}, {"seed": 7, "n": 2, "d": 1, "eps": 0.1}),
    ),
}
