"""Activations: derivatives against central differences, stability, the look-up."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bplib import activations
from bplib.gradcheck import rel_error

ELEMENTWISE = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
z_arrays = arrays(np.float64, st.integers(1, 20), elements=st.floats(-30, 30))


@pytest.mark.parametrize("name", ELEMENTWISE)
@given(z=z_arrays)
def test_derivative_matches_central_difference(name, z):
    act = activations.get(name)
    # Keep away from the ReLU kink, where the derivative does not exist.
    z = np.where(np.abs(z) < 1e-3, 0.5, z)
    h = 1e-6
    numeric = (act.fn(z + h) - act.fn(z - h)) / (2 * h)
    assert np.allclose(act.prime(z), numeric, rtol=1e-6, atol=1e-9)


def test_sigmoid_is_stable_and_accurate_in_both_tails():
    z = np.array([-1000.0, -745.0, -40.0, 0.0, 40.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning fails the test
        s = activations.sigmoid(z)
    assert np.all(np.isfinite(s))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    # In the left tail sigma(z) ~ e^z; the naive formula loses nothing here either, but the
    # tanh or clipped tricks would round it to 0.
    assert s[2] == pytest.approx(np.exp(-40.0), rel=1e-12)


@given(z=z_arrays)
def test_sigmoid_prime_is_sigma_times_one_minus_sigma_and_at_most_a_quarter(z):
    s = activations.sigmoid(z)
    assert np.allclose(activations.sigmoid_prime(z), s * (1 - s))
    assert np.all(activations.sigmoid_prime(z) <= 0.25)


def test_softmax_is_stable_sums_to_one_and_ignores_shifts():
    z = np.array([[1000.0, 1001.0, 1002.0], [-5.0, 0.0, 5.0]])
    a = activations.softmax(z)
    assert np.all(np.isfinite(a))
    assert np.allclose(a.sum(axis=1), 1.0)
    assert np.allclose(a[0], activations.softmax(z[0] - 1000.0))


def test_softmax_jacobian_matches_central_difference():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((1, 4))
    h = 1e-6
    numeric = np.empty((4, 4))
    for j in range(4):
        e = np.zeros((1, 4))
        e[0, j] = h
        numeric[:, j] = (activations.softmax(z + e) - activations.softmax(z - e))[0] / (2 * h)
    assert rel_error(activations.softmax_prime(z)[0], numeric) < 1e-8


def test_unknown_activation_names_the_choices():
    with pytest.raises(ValueError, match="unknown activation 'sigmod'.*sigmoid"):
        activations.get("sigmod")
