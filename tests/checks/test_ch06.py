"""The checks of chapter 06 name each common slip with the cross-entropy and the softmax (their
contract is in test_contract.py)."""

import numpy as np
import pytest
from cases_ch06 import cross_entropy, log_likelihood_gradient, softmax

from bplib.activations import sigmoid_prime
from bplib.checks import ch06


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda a, y: cross_entropy(a, y) * len(a), "where a mean was meant"),
        (lambda a, y: -cross_entropy(a, y), "minus sign is missing"),
        (lambda a, y: cross_entropy(a, y) / a.shape[1], "divided by n·k"),
        (lambda a, y: -np.sum(y * np.log(a)) / len(a), "(1 − y) ln(1 − a) is missing"),
        (
            lambda a, y: -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a), axis=1),
            "one cost per sample",
        ),
    ],
)
def test_cross_entropy_names_the_slip(slip, cause, failure):
    message = failure(ch06.cross_entropy, slip)
    assert cause in message


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda z, a, y: (a - y) * sigmoid_prime(z), "still includes σ′(z)"),
        (lambda z, a, y: y - a, "wrong sign"),
        (lambda z, a, y: (a - y) / len(z), "divided by n"),
    ],
)
def test_cross_entropy_delta_names_the_slip(slip, cause, failure):
    message = failure(ch06.cross_entropy_delta, slip)
    assert "Likely" in message and cause in message


def naive_softmax(z):
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (naive_softmax, "±1000 contains NaN"),
        (lambda z: softmax(z.T).T, "softmax along axis 0"),
        (lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(), "over the whole batch"),
        # subtracting the batch's maximum instead of each row's makes a row of -1000 underflow
        (
            lambda z: softmax(z - z.max()) if np.abs(z).max() < 999 else naive_softmax(z - z.max()),
            "each row's own maximum",
        ),
    ],
)
def test_softmax_names_the_slip(slip, cause, failure):
    message = failure(ch06.softmax, slip)
    assert cause in message


def test_softmax_is_judged_on_values_too(failure):
    # Rows that sum to 1 but are not the softmax: the normalized exponentials of z / 2.
    message = failure(ch06.softmax, lambda z: softmax(z / 2))
    assert "entries are wrong" in message


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda z, y: log_likelihood_gradient(z, y) * len(z), "factor 1/n"),
        (lambda z, y: -log_likelihood_gradient(z, y), "wrong sign"),
        (lambda z, y: (z - np.eye(z.shape[1])[y]) / len(z), "softmax is missing"),
        (lambda z, y: -np.eye(z.shape[1])[y] / softmax(z) / len(z), "that is ∂C/∂a"),
        (
            lambda z, y: (softmax(z.T).T - np.eye(z.shape[1])[y]) / len(z),
            "softmax along the wrong axis",
        ),
    ],
)
def test_log_likelihood_gradient_names_the_slip(slip, cause, failure):
    message = failure(ch06.log_likelihood_gradient, slip)
    assert "Likely" in message and cause in message
