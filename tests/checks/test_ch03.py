"""The checks of chapter 03 name each common slip (their contract is in test_contract.py)."""

import numpy as np
import pytest
from cases_ch03 import (
    leaky_relu,
    leaky_relu_prime,
    relu,
    relu_prime,
    sigmoid_prime,
)

from bplib.checks import ch03 as check


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


RELU = (relu, relu_prime, leaky_relu, leaky_relu_prime)


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda z: sigmoid_prime(sigmoid(z)), "σ′ was applied to σ(z)"),
        (lambda z: z * (1 - z), "you computed z(1 − z)"),
        (sigmoid, "the factor (1 − σ(z)) is missing"),
        (lambda z: 1 - sigmoid(z) ** 2, "pattern of tanh′"),
    ],
)
def test_slips_in_sigmoid_prime_are_named(slip, cause, failure):
    assert cause in failure(check.sigmoid_prime, slip)


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda z: 1 - np.tanh(np.tanh(z)) ** 2, "tanh′ was applied to tanh(z)"),
        (lambda z: 1 - z**2, "you computed 1 − z²"),
        (lambda z: 1 - np.tanh(z), "the square is missing"),
        (lambda z: np.tanh(z) ** 2 - 1, "wrong sign"),
    ],
)
def test_slips_in_tanh_prime_are_named(slip, cause, failure):
    assert cause in failure(check.tanh_prime, slip)


def relu_in_place(z):
    z[z < 0] = 0.0
    return z


@pytest.mark.parametrize(
    ("position", "slip", "cause"),
    [
        (0, relu_in_place, "changed its input z in place"),
        (0, np.abs, "|z| is not ReLU"),
        (1, lambda z: (z >= 0).astype(float), "relu′(0) = 0"),
        (2, lambda z, alpha=0.01: np.where(z > 0, z, 0.01 * z), "alpha was ignored"),
        (2, lambda z, alpha=0.01: np.maximum(z, 0.0), "that is plain ReLU"),
        (3, lambda z, alpha=0.01: np.where(z >= 0, 1.0, alpha), "leaky_relu′(0) = α"),
        (3, lambda z, alpha=0.01: (z > 0).astype(float), "the slope of leaky ReLU is α, not 0"),
        (3, lambda z, alpha=0.01: np.where(z > 0, 1.0, 0.01), "alpha was ignored"),
    ],
)
def test_slips_in_the_relu_family_are_named(position, slip, cause, failure):
    functions = list(RELU)
    functions[position] = slip
    message = failure(check.relu_family, *functions)
    assert cause in message
    assert RELU[position].__name__ in message


def naive(z):
    return 1 / (1 + np.exp(-z))


def where_both_branches(z):
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))


def cancelling(z):
    s = 1 / (1 + np.exp(-np.abs(z)))
    return np.where(z >= 0, s, 1 - s)


def exp_ratio_silenced(z):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(z) / (1 + np.exp(z))


def swapped_branch(z):
    # 1 / (1 + e) with e = e^(-|z|) is right for z >= 0 only; for z < 0 it is sigma(-z).
    return 1 / (1 + np.exp(-np.abs(z)))


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (naive, "overflow encountered in exp"),
        (where_both_branches, "np.where(cond, A, B) computes A and B for every entry"),
        (cancelling, "cancellation"),
        (exp_ratio_silenced, "inf/inf = NaN"),
        (swapped_branch, "1 / (1 + e^z) is σ(−z)"),
    ],
)
def test_slips_in_the_stable_sigmoid_are_named(slip, cause, failure):
    assert cause in failure(check.stable_sigmoid, slip)


def test_the_check_treats_a_runtime_warning_as_failure_even_when_numpy_ignores_them(failure):
    with np.errstate(all="ignore"):
        assert "RuntimeWarning" in failure(check.stable_sigmoid, naive)
