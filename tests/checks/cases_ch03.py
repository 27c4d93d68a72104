"""Chapter 03's exercises for the tests: the reference answers, as in solutions/03_*.ipynb,
and the contract cases of its checks (see test_contract.py). The tests of the slips build their
wrong answers from these references."""

import numpy as np
from contract import SHAPES, Case, hard


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


RELU = (relu, relu_prime, leaky_relu, leaky_relu_prime)


CASES = {
    "sigmoid_prime": Case((sigmoid_prime,), hard(sigmoid_prime), ("random z",), calls=SHAPES),
    "tanh_prime": Case((tanh_prime,), hard(tanh_prime), ("random z",), calls=SHAPES),
    # The worked example is also run with a random alpha, which a constant ignores.
    "relu_family": Case(RELU, hard(*RELU), ("alpha was ignored",), calls=SHAPES),
    "stable_sigmoid": Case((stable_sigmoid,), hard(stable_sigmoid), ("random z",), calls=SHAPES),
}
