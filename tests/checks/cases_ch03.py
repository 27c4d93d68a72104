"""Chapter 03's exercises for the tests: the reference answers, as in solutions/03_*.ipynb,
and the contract cases of its checks (see test_contract.py). The tests of the slips build their
wrong answers from these references."""

import numpy as np
from contract import SHAPES, Case, hard

from bplib import activations


def sigmoid_prime(z):
    s = 1 / (1 + np.exp(-z))
    return s * (1 - s)


def tanh_prime(z):
    return 1 - np.tanh(z) ** 2


def relu(z):
    return np.maximum(z, 0.0)


def relu_prime(z):
    return (z > 0).astype(float)


def leaky_relu(z, alpha=0.01):
    return np.where(z > 0, z, alpha * z)


def leaky_relu_prime(z, alpha=0.01):
    return np.where(z > 0, 1.0, alpha)


def stable_sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def swish_prime(z):
    sigma = 1 / (1 + np.exp(-z))
    return sigma + z * sigma * (1 - sigma)


RELU = (relu, relu_prime, leaky_relu, leaky_relu_prime)


# Answers that call bplib's own implementation of the exercise (the checks refuse them).
def via_sigmoid_prime(z):
    return activations.sigmoid_prime(z)


def via_tanh_prime(z):
    return activations.tanh_prime(z)


def via_relu(z):
    return activations.relu(z)


def via_stable_sigmoid(z):
    return activations.sigmoid(z)


CASES = {
    "sigmoid_prime": Case(
        (sigmoid_prime,),
        hard(sigmoid_prime),
        ("random z",),
        calls=SHAPES,
        via_bplib=(via_sigmoid_prime,),
    ),
    "tanh_prime": Case(
        (tanh_prime,), hard(tanh_prime), ("random z",), calls=SHAPES, via_bplib=(via_tanh_prime,)
    ),
    # The worked example is also run with a random alpha, which a constant ignores.
    "relu_family": Case(
        RELU,
        hard(*RELU),
        ("alpha was ignored",),
        calls=SHAPES,
        via_bplib=(via_relu, *RELU[1:]),
    ),
    "stable_sigmoid": Case(
        (stable_sigmoid,),
        hard(stable_sigmoid),
        ("random z",),
        calls=SHAPES,
        via_bplib=(via_stable_sigmoid,),
    ),
    "swish_prime": Case((swish_prime,), hard(swish_prime), ("random z",), calls=SHAPES),
}
