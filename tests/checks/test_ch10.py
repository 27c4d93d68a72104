"""The checks of chapter 10 name each common slip (their contract is in test_contract.py)."""

import numpy as np
import pytest
from cases_ch10 import (
    batchnorm_backward,
    batchnorm_forward,
    he_init,
    layer_gradient_norms,
    xavier_normal,
)

from bplib import gradcheck
from bplib.checks import ch10 as check

# ---------------------------------------------------------------- xavier_init, he_init


@pytest.mark.parametrize("seed", [0, 7])
def test_xavier_init_also_passes_when_drawn_from_a_normal_distribution(seed, passes):
    passes(check.xavier_init, xavier_normal, seed=seed)


def scaled(variance, zero_bias=True):
    """An init drawing N(0, variance(n_in, n_out)) from rng."""

    def init(n_in, n_out, rng):
        W = rng.standard_normal((n_in, n_out)) * np.sqrt(variance(n_in, n_out))
        b = np.zeros(n_out) if zero_bias else rng.standard_normal(n_out)
        return W, b

    return init


def test_global_random_state_is_caught(failure):
    def global_state(n_in, n_out, rng):
        # the slip under test: NumPy's global generator instead of rng
        W = np.random.standard_normal((n_in, n_out))  # noqa: NPY002
        return W * np.sqrt(2 / n_in), np.zeros(n_out)

    assert "does not come from rng" in failure(check.he_init, global_state)


def test_a_fresh_generator_inside_is_caught(failure):
    def fresh(n_in, n_out, rng):
        return he_init(n_in, n_out, np.random.default_rng())

    assert "does not come from rng" in failure(check.he_init, fresh)


def test_a_fixed_seed_inside_is_caught(failure):
    def fixed(n_in, n_out, rng):
        return he_init(n_in, n_out, np.random.default_rng(0))

    assert "fixed seed inside" in failure(check.he_init, fixed)


def test_the_transpose_is_caught(failure):
    def transposed(n_in, n_out, rng):
        W, b = he_init(n_in, n_out, rng)
        return W.T, b

    assert "transpose" in failure(check.he_init, transposed)


def test_random_biases_are_caught(failure):
    message = failure(check.he_init, scaled(lambda i, o: 2 / i, zero_bias=False))
    assert "biases must start at 0" in message


def test_positive_only_weights_are_caught(failure):
    def positive(n_in, n_out, rng):
        r = np.sqrt(6 / (n_in + n_out))
        return rng.uniform(0, r, (n_in, n_out)), np.zeros(n_out)

    assert "only positive" in failure(check.xavier_init, positive)


@pytest.mark.parametrize(
    "variance, cause",
    [
        (lambda i, o: 2 / o, "n_out instead of n_in"),
        (lambda i, o: (2 / i) ** 2, "sqrt missing"),
        (lambda i, o: 1 / i, "factor 2 is missing"),
        (lambda i, o: 2 / (i + o), "Xavier's variance"),
    ],
)
def test_he_slips_are_named(variance, cause, failure):
    assert cause in failure(check.he_init, scaled(variance))


@pytest.mark.parametrize(
    "variance, cause",
    [
        (lambda i, o: (2 / (i + o)) ** 2, "sqrt missing"),
        (lambda i, o: 1 / i, "fan-in rule"),
        (lambda i, o: 2 / i, "He's rule"),
        (lambda i, o: 1 / (i + o), "factor 2 is missing"),
        (lambda i, o: 1.0, "not scaled"),
    ],
)
def test_xavier_slips_are_named(variance, cause, failure):
    assert cause in failure(check.xavier_init, scaled(variance))


def test_xavier_uniform_with_the_normal_radius_is_named(failure):
    def narrow(n_in, n_out, rng):
        r = np.sqrt(2 / (n_in + n_out))
        return rng.uniform(-r, r, (n_in, n_out)), np.zeros(n_out)

    assert "variance r²/3" in failure(check.xavier_init, narrow)


# ---------------------------------------------------------------- layer_gradient_norms


@pytest.mark.parametrize(
    "slip, cause",
    [
        (lambda net, nb, nw: [np.linalg.norm(W) for W in net.weights], "norms of the weights"),
        (lambda net, nb, nw: [np.linalg.norm(g) for g in nb], "norms of nabla_b"),
        (lambda net, nb, nw: [np.sum(g**2) for g in nw], "squared norms"),
        (lambda net, nb, nw: [np.linalg.norm(g, 2) for g in nw], "largest singular value"),
        (lambda net, nb, nw: [np.linalg.norm(g) for g in nw[::-1]], "last layer to the first"),
        (lambda net, nb, nw: np.linalg.norm(np.concatenate([g.ravel() for g in nw])), "one number"),
    ],
)
def test_layer_gradient_norms_slips_are_named(slip, cause, failure):
    def wrong(net, X, y):
        nabla_b, nabla_w = net.backprop(X, y)
        return slip(net, nabla_b, nabla_w)

    assert cause in failure(check.layer_gradient_norms, wrong)


def test_a_training_step_inside_is_caught(failure):
    def steps(net, X, y):
        norms = layer_gradient_norms(net, X, y)
        net.weights[0] -= 0.1
        return norms

    assert "changed the network" in failure(check.layer_gradient_norms, steps)


# ---------------------------------------------------------------- batchnorm_backward


@pytest.mark.parametrize(
    "forward, backward",
    [
        (batchnorm_forward, batchnorm_backward),
        (check._batchnorm_forward, check._batchnorm_backward),
    ],
)
def test_the_references_agree_with_central_differences(forward, backward):
    rng = np.random.default_rng(3)
    x, dy = rng.normal(1.0, 2.0, (6, 4)), rng.standard_normal((6, 4))
    gamma, beta = rng.uniform(0.5, 2.0, 4), rng.standard_normal(4)
    _, cache = forward(x, gamma, beta, 1e-5)
    analytic = backward(dy, cache)

    def f():
        return float(np.sum(forward(x, gamma, beta, 1e-5)[0] * dy))

    for param, grad in zip([x, gamma, beta], analytic, strict=True):
        assert gradcheck.rel_error(grad, gradcheck.numerical_gradient(f, param)) < 1e-7


def with_dx(dx_of):
    """The reference, with dx replaced by ``dx_of(dy, x_hat, gamma, std)``."""

    def backward(dy, cache):
        _, dgamma, dbeta = batchnorm_backward(dy, cache)
        return dx_of(dy, *cache), dgamma, dbeta

    return backward


def mean(a):
    return a.mean(axis=0)


@pytest.mark.parametrize(
    "dx_of, cause",
    [
        (lambda dy, xh, g, s: dy * g / s, "dx = dy·γ/σ only"),
        (lambda dy, xh, g, s: g / s * (dy - mean(dy)), "term through σ² is missing"),
        (lambda dy, xh, g, s: g / s * (dy - xh * mean(dy * xh)), "term through μ is missing"),
        (
            lambda dy, xh, g, s: g / s * (dy - dy.sum(0) - xh * (dy * xh).sum(0)),
            "sums where the formula has means",
        ),
        (lambda dy, xh, g, s: (dy - mean(dy) - xh * mean(dy * xh)) / s, "γ is missing"),
    ],
)
def test_dx_slips_are_named(dx_of, cause, failure):
    assert cause in failure(check.batchnorm_backward, with_dx(dx_of))


def test_dgamma_without_x_hat_is_named(failure):
    def no_x_hat(dy, cache):
        dx, _, dbeta = batchnorm_backward(dy, cache)
        return dx, dy.sum(axis=0), dbeta

    assert "dgamma without x̂" in failure(check.batchnorm_backward, no_x_hat)


def test_means_for_dgamma_and_dbeta_are_named(failure):
    def means(dy, cache):
        dx, dgamma, dbeta = batchnorm_backward(dy, cache)
        return dx, dgamma / len(dy), dbeta / len(dy)

    assert "dgamma is the sum" in failure(check.batchnorm_backward, means)


def test_swapped_dgamma_and_dbeta_are_named(failure):
    def swapped(dy, cache):
        dx, dgamma, dbeta = batchnorm_backward(dy, cache)
        return dx, dbeta, dgamma

    assert "swapped" in failure(check.batchnorm_backward, swapped)


def test_sums_over_the_features_are_named(failure):
    def wrong_axis(dy, cache):
        dx, _, _ = batchnorm_backward(dy, cache)
        return dx, (dy * cache[0]).sum(axis=1), dy.sum(axis=1)

    assert "axis=0" in failure(check.batchnorm_backward, wrong_axis)
