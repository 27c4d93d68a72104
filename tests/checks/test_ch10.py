"""The checks of chapter 10 name each common slip (their contract is in test_contract.py)."""

import numpy as np
import pytest
from cases_ch10 import (
    batchnorm_backward,
    batchnorm_forward,
    he_init,
    layernorm_backward,
    layernorm_forward,
    xavier_normal,
)

from bplib import gradcheck
from bplib.checks import ch10 as check

# ---------------------------------------------------------------- xavier_init, he_init


def test_xavier_drawn_from_a_normal_distribution_is_named(failure):
    assert "Glorot's form is uniform" in failure(check.xavier_init, xavier_normal)


def test_xavier_bounded_but_not_flat_is_named(failure):
    def three_points(n_in, n_out, rng):
        # -r, 0 or r with Var W = r²/3: bounded by r, variance right, not flat
        r = np.sqrt(6.0 / (n_in + n_out))
        W = r * rng.choice([-1.0, 0.0, 1.0], size=(n_in, n_out), p=[1 / 6, 2 / 3, 1 / 6])
        return W, np.zeros(n_out)

    assert "the histogram is not flat" in failure(check.xavier_init, three_points)


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
        (lambda i, o: 2 / o, "n_out where n_in belongs"),
        (lambda i, o: (2 / i) ** 2, "used as the standard deviation"),
        (lambda i, o: 1 / i, "the rule for tanh"),
        (lambda i, o: 2 / (i + o), "Xavier's variance"),
        (lambda i, o: 1.0, "not scaled"),
        (lambda i, o: 3 / i, "too large to keep Var z"),
        (lambda i, o: 0.5 / i, "too small to keep Var z"),
    ],
)
def test_he_slips_are_named_without_the_answer(variance, cause, failure):
    message = failure(check.he_init, scaled(variance))
    assert cause in message
    # The variance is the exercise: no message states it or prints its value.
    assert "2/n_in" not in message and "sqrt(2" not in message and "0.002" not in message


@pytest.mark.parametrize(
    "variance, cause",
    [
        (lambda i, o: (2 / (i + o)) ** 2, "used where a standard deviation or a radius"),
        (lambda i, o: 12 / (i + o) ** 2, "a square root is missing"),
        (lambda i, o: 1 / i, "fan-in rule"),
        (lambda i, o: 2 / i, "He's rule"),
        (lambda i, o: 1 / (i + o), "factor 2 is missing"),
        (lambda i, o: 1.0, "not scaled"),
    ],
)
def test_xavier_slips_are_named(variance, cause, failure):
    assert cause in failure(check.xavier_init, scaled(variance))


def test_xavier_uniform_with_the_normal_radius_is_named_without_the_radius(failure):
    def narrow(n_in, n_out, rng):
        r = np.sqrt(2 / (n_in + n_out))
        return rng.uniform(-r, r, (n_in, n_out)), np.zeros(n_out)

    message = failure(check.xavier_init, narrow)
    assert "the variance of U[−r, r] is not r²" in message
    assert "r²/3" not in message and "sqrt(6" not in message


# ---------------------------------------------------------------- batchnorm_backward


@pytest.mark.parametrize(
    "forward, backward",
    [
        (batchnorm_forward, batchnorm_backward),
        (layernorm_forward, layernorm_backward),
        (check._layernorm_forward, layernorm_backward),
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


def with_dx(dx_of, reference=batchnorm_backward):
    """The reference, with dx replaced by ``dx_of(dy, x_hat, gamma, std)``."""

    def backward(dy, cache):
        _, dgamma, dbeta = reference(dy, cache)
        return dx_of(dy, *cache), dgamma, dbeta

    return backward


def mean(a):
    return a.mean(axis=0)


def mean1(a):
    return a.mean(axis=1, keepdims=True)


@pytest.mark.parametrize(
    "dx_of, cause",
    [
        (lambda dy, xh, g, s: dy * g / s, "only the direct path"),
        (lambda dy, xh, g, s: g / s * (dy - mean(dy)), "path through σ² is missing"),
        (lambda dy, xh, g, s: g / s * (dy - xh * mean(dy * xh)), "path through μ is missing"),
        (
            lambda dy, xh, g, s: g / s * (dy - dy.sum(0) - xh * (dy * xh).sum(0)),
            "sums where means belong",
        ),
        (lambda dy, xh, g, s: (dy - mean(dy) - xh * mean(dy * xh)) / s, "γ is missing"),
        (lambda dy, xh, g, s: g * (dy - mean(dy) - xh * mean(dy * xh)), "the 1/s is missing"),
        (lambda dy, xh, g, s: g / s**2 * (dy - mean(dy) - xh * mean(dy * xh)), "divided by s²"),
        (
            lambda dy, xh, g, s: g / s * (dy - mean1(dy) - xh * mean1(dy * xh)),
            "means over axis 1",
        ),
    ],
)
def test_dx_slips_are_named_without_the_formula(dx_of, cause, failure):
    message = failure(check.batchnorm_backward, with_dx(dx_of))
    assert cause in message
    assert "mean(dy" not in message and "dy −" not in message


def test_dgamma_without_x_hat_is_named(failure):
    def no_x_hat(dy, cache):
        dx, _, dbeta = batchnorm_backward(dy, cache)
        return dx, dy.sum(axis=0), dbeta

    assert "dgamma without x̂" in failure(check.batchnorm_backward, no_x_hat)


def test_means_for_dgamma_and_dbeta_are_named(failure):
    def means(dy, cache):
        dx, dgamma, dbeta = batchnorm_backward(dy, cache)
        return dx, dgamma / len(dy), dbeta / len(dy)

    assert "so it is a sum" in failure(check.batchnorm_backward, means)


def test_swapped_dgamma_and_dbeta_are_named(failure):
    def swapped(dy, cache):
        dx, dgamma, dbeta = batchnorm_backward(dy, cache)
        return dx, dbeta, dgamma

    assert "swapped" in failure(check.batchnorm_backward, swapped)


@pytest.mark.parametrize(
    "check_of, reference",
    [
        (check.batchnorm_backward, batchnorm_backward),
        (check.layernorm_backward, layernorm_backward),
    ],
)
def test_dgamma_and_dbeta_summed_over_the_features_are_named(check_of, reference, failure):
    def wrong_axis(dy, cache):
        dx, _, _ = reference(dy, cache)
        return dx, (dy * cache[0]).sum(axis=1), dy.sum(axis=1)

    assert "sum over the batch, axis=0" in failure(check_of, wrong_axis)


# ---------------------------------------------------------------- layernorm_backward


@pytest.mark.parametrize(
    "dx_of, cause",
    [
        # batch norm's formula moved to axis 1, with gamma taken out of the means
        (
            lambda dy, xh, g, s: g / s * (dy - mean1(dy) - xh * mean1(dy * xh)),
            "γ taken out of the means, as in batch norm",
        ),
        # batch norm's formula unchanged: the means over the batch
        (
            lambda dy, xh, g, s: (dy * g - mean(dy * g) - xh * mean(dy * g * xh)) / s,
            "means over axis 0, the batch, as in batch norm",
        ),
        (lambda dy, xh, g, s: dy * g / s, "only the direct path"),
        (lambda dy, xh, g, s: (dy * g - mean1(dy * g)) / s, "path through σ² is missing"),
        (lambda dy, xh, g, s: (dy * g - xh * mean1(dy * g * xh)) / s, "path through μ is missing"),
    ],
)
def test_layernorm_dx_slips_are_named(dx_of, cause, failure):
    assert cause in failure(check.layernorm_backward, with_dx(dx_of, layernorm_backward))


def test_layernorm_dgamma_without_x_hat_is_named(failure):
    def no_x_hat(dy, cache):
        dx, _, dbeta = layernorm_backward(dy, cache)
        return dx, dy.sum(axis=0), dbeta

    assert "dgamma without x̂" in failure(check.layernorm_backward, no_x_hat)
