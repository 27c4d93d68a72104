"""Chapter 06's exercises for the tests: the reference answers, as in solutions/06_*.ipynb,
and the contract cases of its checks (see test_contract.py). The tests of the slips build their
wrong answers from these references."""

import numpy as np
from contract import Case, hard

from bplib import activations, losses


def cross_entropy_delta(z, a, y):
    return a - y


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def log_likelihood_gradient(z, y):
    return (softmax(z) - np.eye(z.shape[1])[y]) / len(z)


def softmax_quadratic_delta(z, y):
    a = softmax(z)
    e = a - y
    return a * (e - np.sum(e * a, axis=1, keepdims=True))


def cross_entropy_from_z(z, y):
    return float(np.sum(np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))) - y * z)) / len(z)


SMALL = {"seed": 3, "m": 1, "k": 2}

CASES = {
    "cross_entropy_delta": Case(
        (cross_entropy_delta,),
        hard(cross_entropy_delta),
        ("random",),
        calls=({}, {"seed": 7, "m": 1, "k": 1}),
        via_bplib=(lambda z, a, y: losses.cross_entropy_delta(z, a, y, None),),
    ),
    "softmax": Case(
        (softmax,),
        hard(softmax),
        ("random",),
        calls=({}, SMALL),
        via_bplib=(lambda z: activations.softmax(z),),
    ),
    "log_likelihood_gradient": Case(
        (log_likelihood_gradient,),
        hard(log_likelihood_gradient),
        ("random",),
        calls=({}, SMALL),
        via_bplib=(
            lambda z, y: (
                losses.log_likelihood_delta(z, activations.softmax(z), np.eye(z.shape[1])[y], None)
                / len(z)
            ),
        ),
    ),
    "softmax_quadratic_delta": Case(
        (softmax_quadratic_delta,), hard(softmax_quadratic_delta), ("random",), calls=({}, SMALL)
    ),
    "cross_entropy_from_z": Case(
        (cross_entropy_from_z,), hard(cross_entropy_from_z), ("random",), calls=({}, SMALL)
    ),
}
