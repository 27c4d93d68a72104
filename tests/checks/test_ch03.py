"""The checks of chapter 03 name each common slip (their contract is in test_contract.py)."""

import numpy as np
import pytest
from cases_ch03 import (
    leaky_relu,
    leaky_relu_prime,
    relu,
    relu_prime,
    sigmoid_prime,
    swish_prime,
)

from bplib import activations
from bplib.checks import ch03 as check


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


RELU = (relu, relu_prime, leaky_relu, leaky_relu_prime)


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda z: sigmoid_prime(sigmoid(z)), "σ′ was applied to σ(z)"),
        (lambda z: z * (1 - z), "you computed z(1 − z)"),
        (sigmoid, "you returned σ(z) itself"),
        (lambda z: 1 - sigmoid(z), "a factor is missing"),
        (lambda z: 1 - sigmoid(z) ** 2, "1 − σ(z)² is not σ′"),
        (lambda z: -sigmoid_prime(z), "wrong sign"),
    ],
)
def test_slips_in_sigmoid_prime_are_named(slip, cause, failure):
    assert cause in failure(check.sigmoid_prime, slip)


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda z: 1 - np.tanh(np.tanh(z)) ** 2, "tanh′ was applied to tanh(z)"),
        (lambda z: 1 - z**2, "you computed 1 − z²"),
        (lambda z: 1 - np.tanh(z), "you computed 1 − tanh(z)"),
        (lambda z: (1 - np.tanh(z)) ** 2, "you computed (1 − tanh(z))²"),
        (lambda z: np.tanh(z) ** 2 - 1, "wrong sign"),
        (lambda z: 2 * sigmoid_prime(2 * z), "the derivative of the inner 2z"),
        (lambda z: 4 * sigmoid_prime(z), "σ′ is taken at the inner argument 2z"),
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


def test_no_message_of_the_derivatives_gives_the_formula(failure):
    # A message may name the slip, never hand over the answer it is a slip of.
    slips = [sigmoid, lambda z: 1 - sigmoid(z), lambda z: sigmoid_prime(sigmoid(z))]
    for slip in slips:
        assert "σ(z)(1 − σ(z))" not in failure(check.sigmoid_prime, slip)
    for slip in [lambda z: 1 - np.tanh(z), lambda z: 1 - np.tanh(np.tanh(z)) ** 2]:
        assert "tanh²(z)" not in failure(check.tanh_prime, slip)


@pytest.mark.parametrize(
    ("check_name", "answer"),
    [
        # The shortcut written in the activation is bplib's answer too.
        (
            "sigmoid_prime",
            lambda z: activations.get("sigmoid").prime_from_output(activations.sigmoid(z)),
        ),
        ("tanh_prime", lambda z: activations.get("tanh").prime_from_output(np.tanh(z))),
        ("sigmoid_prime", lambda z: activations.get("sigmoid").prime(z)),
    ],
)
def test_bplibs_derivative_reached_another_way_is_refused(check_name, answer, failure):
    message = failure(getattr(check, check_name), answer)
    assert "your code calls bplib.activations." in message


def test_the_sigmoid_may_be_called_in_sigmoid_prime(passes):
    def with_bplibs_sigmoid(z):
        s = activations.sigmoid(z)
        return s * (1 - s)

    passes(check.sigmoid_prime, with_bplibs_sigmoid)


def sigmoid_of(z):
    return 1 / (1 + np.exp(-z))


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (sigmoid_of, "you differentiated only the factor z"),
        (lambda z: z * sigmoid_prime(z), "you differentiated only the factor σ(z)"),
        (sigmoid_prime, "that is σ′(z)"),
        (lambda z: sigmoid_of(z) + sigmoid_prime(z), "lost its factor z"),
        (lambda z: sigmoid_of(z) - z * sigmoid_prime(z), "a sign is wrong"),
        (lambda z: z * sigmoid_of(z), "that is swish(z) itself"),
        (
            lambda z: sigmoid_of(z) + z * sigmoid_prime(sigmoid_of(z)),
            "σ′ was applied to σ(z)",
        ),
    ],
)
def test_slips_in_swish_prime_are_named(slip, cause, failure):
    assert cause in failure(check.swish_prime, slip)


def test_any_correct_form_of_swish_prime_passes(passes):
    def factored(z):
        s = sigmoid_of(z)
        return s * (1 + z * (1 - s))

    passes(check.swish_prime, factored)
    passes(check.swish_prime, lambda z: sigmoid_of(z) + z * activations.sigmoid_prime(z))
    passes(check.swish_prime, swish_prime, seed=3, shape=(1,))


# One slip is charged once: an answer built on the student's own sigmoid_prime is judged with a
# correct one in its place when theirs is wrong. As in a notebook, one namespace holds both.
def notebook(sigmoid_prime_body: str, later: str) -> dict:
    scope: dict = {"np": np}
    source = f"def sigmoid_prime(z):\n    {sigmoid_prime_body}\n\n{later}"
    exec(compile(source, "/tmp/ipykernel_1/2.py", "exec"), scope)
    return scope


TANH = "def tanh_prime(z):\n    return 4 * sigmoid_prime(2 * z)\n"
SWISH = "def swish_prime(z):\n    s = 1 / (1 + np.exp(-z))\n    return s + z * sigmoid_prime(z)\n"
WRONG = "return z * (1 - z)"


@pytest.mark.parametrize(("name", "later"), [("tanh_prime", TANH), ("swish_prime", SWISH)])
def test_a_wrong_sigmoid_prime_is_not_charged_again(name, later, capsys):
    scope = notebook(WRONG, later)
    theirs = scope["sigmoid_prime"]
    getattr(check, name)(scope[name])
    out = capsys.readouterr().out
    assert f"your {name} itself is right. It fails with your sigmoid_prime" in out
    assert out.endswith(f"✔ {name}: passed\n")
    assert scope["sigmoid_prime"] is theirs


def test_a_fault_of_its_own_is_still_charged(failure):
    scope = notebook(WRONG, "def tanh_prime(z):\n    return 2 * sigmoid_prime(2 * z)\n")
    message = failure(check.tanh_prime, scope["tanh_prime"])
    assert "the derivative of the inner 2z" in message
    assert "the fault is in tanh_prime itself" in message
