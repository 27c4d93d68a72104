"""The checks of chapter 04 name each common slip (their contract is in test_contract.py)."""

import numpy as np
import pytest
from cases_ch04 import count_parameters, network_forward, xor_network

from bplib.activations import sigmoid
from bplib.checks import ch04 as check

# Slips


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda a, W, b, sigma: sigma(W @ a + b), "write a @ W, not W @ a"),
        (lambda a, W, b, sigma: sigma(a @ W.T + b), "W was used transposed"),
        (lambda a, W, b, sigma: sigma((W @ a.T).T + b), "W was used transposed"),
        (lambda a, W, b, sigma: sigma(a @ W), "the bias is missing"),
        (lambda a, W, b, sigma: sigma(a) @ W + b, "σ was applied to the input before the sum"),
        (lambda a, W, b, sigma: sigma(a @ W) + b, "the bias was added after σ"),
        (lambda a, W, b, sigma: a @ W + b, "the activation is missing"),
        (lambda a, W, b, sigma: sigmoid(a @ W + b), "the sigmoid was used instead"),
    ],
)
def test_slips_in_a_layer_are_named(slip, cause, failure):
    assert cause in failure(check.layer_forward, slip)


def test_the_transposed_result_gets_the_shape_hint(failure):
    message = failure(check.layer_forward, lambda a, W, b, sigma: sigma(a @ W + b).T)
    assert "the transpose" in message


def without_input(X, weights, biases, sigma):
    return network_forward(X, weights, biases, sigma)[1:]


def linear_output(X, weights, biases, sigma):
    acts = network_forward(X, weights[:-1], biases[:-1], sigma)
    return acts + [acts[-1] @ weights[-1] + biases[-1]]


def sigma_of_input(X, weights, biases, sigma):
    return network_forward(sigma(X), weights, biases, sigma)


def no_biases(X, weights, biases, sigma):
    return network_forward(X, weights, [0.0 * b for b in biases], sigma)


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (without_input, "The list starts with the input itself, a^0 = X"),
        (linear_output, "the last layer has no activation"),
        (sigma_of_input, "a^0 is the input X itself"),
        (no_biases, "a^1 (the output of layer 1 of 2) on the worked example"),
        (no_biases, "the bias is missing"),
    ],
)
def test_slips_in_the_network_are_named(slip, cause, failure):
    assert cause in failure(check.network_forward, slip)


def test_a_wrong_deep_layer_is_named(failure):
    def wrong_last(X, weights, biases, sigma):
        acts = network_forward(X, weights, biases, sigma)
        return acts[:-1] + [acts[-1] + 0.01]

    assert "a^2 (the output of layer 2 of 2) on the worked example" in failure(
        check.network_forward, wrong_last
    )


def n_weights(sizes):
    return sum(n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True))


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (n_weights, "the biases are missing"),
        (lambda sizes: count_parameters(sizes) + sizes[0], "the input layer was given biases"),
        (lambda sizes: n_weights(sizes) + sum(sizes[:-1]), "one bias per input unit"),
        (sum, "that counts the neurons"),
    ],
)
def test_slips_in_counting_are_named(slip, cause, failure):
    assert cause in failure(check.count_parameters, slip)


def scaled(factor, W2_sign=1.0, b1=(-10.0, -30.0), b2=-10.0):
    """The reference XOR network with every weight and bias times ``factor``."""

    def network():
        weights, _ = xor_network()
        biases = [np.array(b1), np.array([b2])]
        weights[1] = W2_sign * weights[1]
        return [factor * W for W in weights], [factor * b for b in biases]

    return network


def column_form():
    weights, biases = xor_network()
    return [weights[0], weights[1].T], biases


def close_to_the_corners():
    # Hidden boundaries at x1 + x2 = 0.025 and 1.975: right at the corners, wrong just beside.
    W1 = np.full((2, 2), 400.0)
    return [W1, np.array([[20.0], [-20.0]])], [np.array([-10.0, -790.0]), np.array([-10.0])]


@pytest.mark.parametrize(
    ("network", "kwargs", "cause"),
    [
        (scaled(1.0, W2_sign=-1.0, b2=10.0), {}, "XNOR"),
        (scaled(1.0, b1=(-10.0, -50.0)), {}, "the network computes OR"),
        (scaled(0.2), {}, "not by the margin"),
        (column_form, {}, "Nielsen's column form"),
        (lambda: xor_network()[0], {}, "must be a list of 2 arrays"),
        (close_to_the_corners, {"noise": 0.1}, "land on the wrong side of 0.5"),
    ],
)
def test_wrong_xor_networks_are_named(network, kwargs, cause, failure):
    assert cause in failure(check.xor_network, network, **kwargs)
