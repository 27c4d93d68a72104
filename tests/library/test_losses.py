"""Losses and initializations: values, output deltas, finiteness, distributions."""

import numpy as np
import pytest

from bplib import activations, init, losses


def test_quadratic_is_a_mean_of_half_squared_norms():
    a = np.array([[1.0, 2.0], [0.0, 0.0]])
    y = np.array([[0.0, 0.0], [0.0, 1.0]])
    assert losses.quadratic(a, y) == pytest.approx((0.5 * 5 + 0.5 * 1) / 2)


@pytest.mark.parametrize(
    "loss, output", [("cross_entropy", "sigmoid"), ("log_likelihood", "softmax")]
)
def test_output_delta_is_the_derivative_of_the_cost_with_respect_to_z(loss, output):
    """delta^L = dC_x/dz^L, checked by central differences through the output activation."""
    rng = np.random.default_rng(1)
    z = rng.standard_normal((1, 3))
    y = np.eye(3)[[1]]
    L, sigma = losses.get(loss), activations.get(output)
    h = 1e-6
    numeric = np.empty(3)
    for j in range(3):
        e = np.zeros((1, 3))
        e[0, j] = h
        numeric[j] = (L.fn(sigma.fn(z + e), y) - L.fn(sigma.fn(z - e), y)) / (2 * h)
    assert np.allclose(L.delta(z, sigma.fn(z), y, sigma.prime)[0], numeric, atol=1e-8)


def test_quadratic_delta_carries_sigma_prime():
    z = np.array([[3.0]])
    a = activations.sigmoid(z)
    delta = losses.quadratic_delta(z, a, np.array([[0.0]]), activations.sigmoid_prime)
    assert delta[0, 0] == pytest.approx(a[0, 0] * activations.sigmoid_prime(z)[0, 0])


@pytest.mark.parametrize("name", ["quadratic", "cross_entropy", "log_likelihood"])
def test_costs_and_deltas_are_finite_for_saturated_outputs(name):
    a = np.array([[0.0, 1.0]])
    y = np.array([[1.0, 0.0]])
    L = losses.get(name)
    assert np.isfinite(L.fn(a, y))
    z = np.array([[-800.0, 800.0]])
    assert np.all(np.isfinite(L.delta(z, a, y, activations.sigmoid_prime)))


def test_mismatched_loss_and_output_are_refused():
    with pytest.raises(ValueError, match="expects output activation softmax, got 'sigmoid'"):
        losses.check_pair(losses.get("log_likelihood"), activations.get("sigmoid"))
    with pytest.raises(ValueError, match="pair softmax with 'log_likelihood'"):
        losses.check_pair(losses.get("quadratic"), activations.get("softmax"))
    with pytest.raises(ValueError, match="unknown loss 'mse'"):
        losses.get("mse")


@pytest.mark.parametrize(
    "name, w_mean, w_var",
    [
        ("normal", 0.0, 1.0),
        ("uniform", 0.5, 1 / 12),
        ("scaled_normal", 0.0, 1 / 400),
        ("xavier", 0.0, 2 / (400 + 300)),
        ("he", 0.0, 2 / 400),
    ],
)
def test_init_shapes_and_moments(name, w_mean, w_var):
    W, b = init.get(name)(400, 300, np.random.default_rng(0))
    assert W.shape == (400, 300) and b.shape == (300,)
    assert W.mean() == pytest.approx(w_mean, abs=4 * np.sqrt(w_var / W.size))
    assert W.var() == pytest.approx(w_var, rel=0.02)


def test_init_is_determined_by_the_generator_passed_in():
    first = init.he(5, 4, np.random.default_rng(3))[0]
    assert np.array_equal(first, init.he(5, 4, np.random.default_rng(3))[0])
    assert not np.array_equal(first, init.he(5, 4, np.random.default_rng(4))[0])
