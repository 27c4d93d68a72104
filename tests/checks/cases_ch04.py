"""Chapter 04's exercises for the tests: the reference answers, as in solutions/04_*.ipynb,
and the contract cases of its checks (see test_contract.py). The tests of the slips build their
wrong answers from these references."""

import numpy as np
from contract import Case, hard

from bplib import activations
from bplib.network import Network


def layer_forward(a, W, b, sigma):
    return sigma(a @ W + b)


def network_forward(X, weights, biases, sigma):
    activations = [X]
    for W, b in zip(weights, biases, strict=True):
        activations.append(layer_forward(activations[-1], W, b, sigma))
    return activations


def count_parameters(sizes):
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True))


def collapse_linear(weights, biases):
    W, b = weights[0], biases[0]
    for W_l, b_l in zip(weights[1:], biases[1:], strict=True):
        W = W @ W_l
        b = b @ W_l + b_l
    return W, b


def xor_network():
    # Hidden unit 1 is OR, hidden unit 2 is AND; the output is "OR and not AND".
    W1 = np.array([[20.0, 20.0], [20.0, 20.0]])
    b1 = np.array([-10.0, -30.0])
    W2 = np.array([[20.0], [-20.0]])
    b2 = np.array([-10.0])
    return [W1, W2], [b1, b2]


# Answers that call bplib's own implementation of the exercise (the checks refuse them).
def _name(sigma):
    return {activations.sigmoid: "sigmoid", activations.tanh: "tanh"}[sigma]


def via_feedforward(a, W, b, sigma):
    return Network.from_weights([W], [b], output_activation=_name(sigma)).feedforward(a)


def via_network(X, weights, biases, sigma):
    name = _name(sigma)
    nets = [
        Network.from_weights(weights[:l], biases[:l], activation=name, output_activation=name)
        for l in range(1, len(weights) + 1)
    ]
    return [X] + [net.feedforward(X) for net in nets]


def via_bplib_count(sizes):
    return sum(p.size for p in Network(sizes).parameters())


CASES = {
    "layer_forward": Case(
        (layer_forward,),
        hard(layer_forward),
        ("a random layer",),
        calls=({}, {"seed": 7}, {"seed": 3, "m": 1, "n_in": 1, "n_out": 6}),
        via_bplib=(via_feedforward,),
    ),
    "network_forward": Case(
        (network_forward,),
        hard(network_forward),
        ("a random network",),
        calls=(
            {},
            {"seed": 7},
            {"seed": 7, "sizes": (3, 1), "m": 1},
            {"seed": 8, "sizes": (5, 4, 4, 4, 1)},
        ),
        via_bplib=(via_network,),
    ),
    "count_parameters": Case(
        (count_parameters,),
        hard(count_parameters),
        ("count_parameters([2, 2, 1])", "expected 9"),
        via_bplib=(via_bplib_count,),
    ),
    "collapse_linear": Case(
        (collapse_linear,),
        hard(collapse_linear),
        ("a random network",),
        calls=({}, {"seed": 7}, {"seed": 7, "sizes": (3, 3, 3, 3)}, {"seed": 8, "sizes": (4, 2)}),
    ),
    # It takes no input: a constant answer is the answer (test_ch04.py tests its slips).
    "xor_network": Case((xor_network,), None, calls=({}, {"seed": 7}, {"noise": 0.1, "seed": 7})),
}
