"""Activations: derivatives against central differences, stability, the look-up."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bplib import activations
from bplib.gradcheck import rel_error

# From the registry, so that a new activation is tested without touching this file.
ELEMENTWISE = [a.name for a in activations.ACTIVATIONS.values() if a.elementwise]
OTHERS = [a.name for a in activations.ACTIVATIONS.values() if not a.elementwise]
z_arrays = arrays(np.float64, st.integers(1, 20), elements=st.floats(-30, 30))


@pytest.mark.parametrize("name", ELEMENTWISE)
@given(z=z_arrays)
def test_derivative_matches_central_difference(name, z):
    act = activations.get(name)
    # Keep away from a kink, where the derivative does not exist.
    if act.kink is not None:
        z = np.where(np.abs(z - act.kink) < 1e-3, act.kink + 0.5, z)
    h = 1e-6
    numeric = (act.fn(z + h) - act.fn(z - h)) / (2 * h)
    assert np.allclose(act.prime(z), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ELEMENTWISE)
@given(z=z_arrays)
def test_prime_from_the_output_is_prime_of_z(name, z):
    act = activations.get(name)
    if act.prime_from_output is not None:
        np.testing.assert_allclose(act.prime_from_output(act.fn(z)), act.prime(z), atol=1e-15)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_an_elementwise_activation_keeps_the_shape_and_acts_on_each_entry(name):
    act = activations.get(name)
    z = np.random.default_rng(0).standard_normal((4, 3))
    assert act.fn(z).shape == act.prime(z).shape == z.shape
    np.testing.assert_array_equal(act.fn(z)[1:2, 2:], act.fn(z[1:2, 2:]))


@pytest.mark.parametrize("name", OTHERS)
def test_a_non_elementwise_activation_has_a_jacobian_per_sample(name):
    act = activations.get(name)
    rng = np.random.default_rng(0)
    z = rng.standard_normal((2, 4))
    h = 1e-6
    jacobian = act.prime(z)
    assert jacobian.shape == (2, 4, 4)
    for j in range(4):
        e = np.zeros((2, 4))
        e[:, j] = h
        numeric = (act.fn(z + e) - act.fn(z - e)) / (2 * h)
        np.testing.assert_allclose(jacobian[:, :, j], numeric, atol=1e-8)


def test_the_contract_fields_of_the_course_activations():
    """What the network, gradcheck and plots rely on, stated once."""
    get = activations.get
    assert [get(n).threshold for n in ("sigmoid", "identity", "tanh")] == [0.5, 0.5, 0.0]
    assert [get(n).kink for n in ("relu", "leaky_relu", "sigmoid")] == [0.0, 0.0, None]
    assert not get("softmax").elementwise and get("tanh").elementwise


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
