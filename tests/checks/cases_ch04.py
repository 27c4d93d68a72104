"""Chapter 04's exercises for the tests: the reference answers, as in solutions/04_*.ipynb,
and the contract cases of its checks (see test_contract.py). The tests of the slips build their
wrong answers from these references."""

import numpy as np
from contract import Case, hard


def layer_forward(a, W, b, sigma):
    return sigma(a @ W + b)


def network_forward(X, weights, biases, sigma):
    activations = [X]
    for W, b in zip(weights, biases, strict=True):
        activations.append(layer_forward(activations[-1], W, b, sigma))
    return activations


def count_parameters(sizes):
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True))


def xor_network():
    # Hidden unit 1 is OR, hidden unit 2 is AND; the output is "OR and not AND".
    W1 = np.array([[20.0, 20.0], [20.0, 20.0]])
    b1 = np.array([-10.0, -30.0])
    W2 = np.array([[20.0], [-20.0]])
    b2 = np.array([-10.0])
    return [W1, W2], [b1, b2]


CASES = {
    "layer_forward": Case(
        (layer_forward,),
        hard(layer_forward),
        ("a random layer",),
        calls=({}, {"seed": 7}, {"seed": 3, "n": 1, "n_in": 1, "n_out": 6}),
    ),
    "network_forward": Case(
        (network_forward,),
        hard(network_forward),
        ("a random network",),
        calls=(
            {},
            {"seed": 7},
            {"seed": 7, "sizes": (3, 1), "n": 1},
            {"seed": 8, "sizes": (5, 4, 4, 4, 1)},
        ),
    ),
    "count_parameters": Case(
        (count_parameters,),
        hard(count_parameters),
        ("count_parameters([2, 2, 1])", "expected 9"),
    ),
    # It takes no input: a constant answer is the answer (test_ch04.py tests its slips).
    "xor_network": Case((xor_network,), None, calls=({}, {"seed": 7}, {"noise": 0.1, "seed": 7})),
}
