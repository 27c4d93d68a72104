"""Losses: values, output deltas against central differences, finiteness, the pairing rule."""

import numpy as np
import pytest

from bplib import activations, losses

# Every loss with every output activation it is valid for, from the registries, so that a new
# loss or activation is checked without touching this file.
PAIRS = [
    (loss.name, output.name)
    for loss in losses.LOSSES.values()
    for output in losses.outputs_for(loss)
]


def test_quadratic_is_a_mean_of_half_squared_norms():
    a = np.array([[1.0, 2.0], [0.0, 0.0]])
    y = np.array([[0.0, 0.0], [0.0, 1.0]])
    assert losses.quadratic(a, y) == pytest.approx((0.5 * 5 + 0.5 * 1) / 2)


@pytest.mark.parametrize("loss, output", PAIRS)
def test_output_delta_is_the_derivative_of_the_cost_with_respect_to_z(loss, output):
    """delta^L = dC_x/dz^L, checked by central differences through the output activation."""
    rng = np.random.default_rng(1)
    z = rng.standard_normal((1, 3))
    y = np.eye(3)[[1]]
    L, sigma = losses.get(loss), activations.get(output)
    if sigma.kink is not None:  # no derivative at the kink
        z = np.where(np.abs(z - sigma.kink) < 1e-3, sigma.kink + 0.5, z)
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


@pytest.mark.parametrize("name", list(losses.LOSSES))
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


def test_check_pair_accepts_exactly_the_outputs_for_each_loss():
    for loss in losses.LOSSES.values():
        allowed = losses.outputs_for(loss)
        for output in activations.ACTIVATIONS.values():
            if output in allowed:
                losses.check_pair(loss, output)
            else:
                with pytest.raises(ValueError, match=f"got {output.name!r}|pair {output.name}"):
                    losses.check_pair(loss, output)


@pytest.mark.parametrize("name", list(losses.LOSSES))
def test_numeric_warnings_are_silent_away_from_saturation(name):
    """A warning that fired everywhere would tell nothing."""
    loss = losses.get(name)
    if loss.numeric_warning is not None:
        assert loss.numeric_warning(np.array([[0.3, 0.7]]), np.array([[0.0, 1.0]])) is None
