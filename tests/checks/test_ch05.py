"""The checks of chapter 05 name each common slip in the backward pass (their contract is in
test_contract.py)."""

import numpy as np
import pytest
from cases_ch05 import backprop, backprop_step

from bplib.activations import sigmoid, sigmoid_prime
from bplib.checks import ch05
from bplib.gradcheck import numerical_gradient
from bplib.network import Network


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda z, a, y: a - y, "σ′(z) is missing"),
        (lambda z, a, y: (a - y) * sigmoid_prime(a), "σ′ was applied to a"),
        (lambda z, a, y: (y - a) * sigmoid_prime(z), "wrong sign"),
        (lambda z, a, y: (a - y) * sigmoid_prime(z) / len(z), "divided by n"),
    ],
)
def test_output_delta_names_the_slip(slip, cause, failure):
    message = failure(ch05.output_delta, slip)
    assert "Likely" in message and cause in message


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda d, W, z: (d @ W) * sigmoid_prime(z), "W_next is not transposed"),
        (lambda d, W, z: d @ W.T, "σ′(z^l) is missing"),
        (lambda d, W, z: (d @ W.T) * sigmoid(z), "multiplied by σ(z)"),
    ],
)
def test_backprop_step_names_the_slip(slip, cause, failure):
    message = failure(ch05.backprop_step, slip)
    assert "Likely" in message and cause in message


def test_backprop_step_shape_error_points_at_the_transpose(failure):
    # The slip on the square W of the worked example is caught by its values (above); here the
    # worked example is answered right, so the random W (4, 3) meets the slip as a shape error.
    def transposes_only_square(delta_next, W_next, z):
        if W_next.shape[0] == W_next.shape[1]:
            return backprop_step(delta_next, W_next, z)
        return (delta_next @ W_next) * sigmoid_prime(z)

    message = failure(ch05.backprop_step, transposes_only_square)
    assert "raised ValueError" in message and "(W^{l+1})ᵀ" in message


@pytest.mark.parametrize(
    ("slip", "layer", "cause"),
    [
        ("sum", "nabla_b[1] (layer 2 of 2", "sum where a mean was meant"),
        ("no_prime_output", "nabla_b[1] (layer 2 of 2", "σ′(z^L) is missing"),
        ("no_prime_hidden", "nabla_b[0] (layer 1 of 2", "σ′(z^l) is missing in the recursion"),
        ("prime_of_a", "nabla_b[1]", "σ′ was applied to the activations"),
        ("not_transposed", "nabla_b[0] (layer 1 of 2", "is not transposed"),
        ("dW_transposed", "nabla_w[1] (layer 2 of 2", "nabla_w is transposed"),
        ("reversed", "layer", "reversed layer order"),
    ],
)
def test_backprop_names_the_layer_and_the_slip(slip, layer, cause, failure):
    message = failure(ch05.backprop, lambda *args: backprop(*args, slip=slip))
    assert layer in message and cause in message


def test_backprop_reversed_lists_are_caught_by_their_shapes_in_a_random_network(failure):
    # The worked example is square, so let only the random network see the reversed lists.
    def reversed_when_not_square(weights, biases, X, Y):
        square = all(W.shape[0] == W.shape[1] for W in weights)
        return backprop(weights, biases, X, Y, slip=None if square else "reversed")

    message = failure(ch05.backprop, reversed_when_not_square)
    assert "random network" in message and "reversed layer order" in message


def test_backprop_swapped_pair_is_named(failure):
    swapped = lambda *args: backprop(*args)[::-1]  # noqa: E731
    assert "(nabla_b, nabla_w) in that order" in failure(ch05.backprop, swapped)


def test_slips_of_the_check_are_wrong_and_its_reference_is_right():
    """The check's own planted slips differ from the gradient, and slip=None is the gradient."""
    net = Network([3, 4, 2], seed=0)
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((5, 3)), rng.random((5, 2))
    nabla_b, nabla_w = ch05._backprop(net.weights, net.biases, X, Y)
    numeric_w = numerical_gradient(lambda: net.cost(X, Y), net.weights[0])
    assert np.allclose(nabla_w[0], numeric_w, rtol=1e-6, atol=1e-9)
    numeric_b = numerical_gradient(lambda: net.cost(X, Y), net.biases[1])
    assert np.allclose(nabla_b[1], numeric_b, rtol=1e-6, atol=1e-9)
    for slip, (wrong_b, wrong_w) in ch05._slips(net.weights, net.biases, X, Y).items():
        same = all(
            np.shape(g) == np.shape(e) and np.allclose(g, e)
            for g, e in zip(wrong_b + wrong_w, nabla_b + nabla_w, strict=True)
        )
        assert not same, slip
