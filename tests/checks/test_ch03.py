"""The checks of chapter 03: the reference passes, an unfinished exercise is "not done yet",
a hard-coded answer fails, and each common slip is named."""

import numpy as np
import pytest

from bplib.checks import ch03 as check
from bplib.checks.feedback import CheckFailed, NotDoneYet


def not_done(*args, **kwargs):
    raise NotImplementedError()


# Reference solutions, as in solutions/03_activation_functions.ipynb.


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_prime(z):
    s = sigmoid(z)
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


CHECKS = [
    ("sigmoid_prime", check.sigmoid_prime, (sigmoid_prime,)),
    ("tanh_prime", check.tanh_prime, (tanh_prime,)),
    ("relu_family", check.relu_family, RELU),
    ("stable_sigmoid", check.stable_sigmoid, (stable_sigmoid,)),
]


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize(("name", "run", "solution"), CHECKS)
def test_the_reference_passes(name, run, solution, seed, capsys):
    run(*solution, seed=seed)
    assert capsys.readouterr().out.startswith(f"✔ {name}: passed")


@pytest.mark.parametrize("shape", [(3,), (2, 3, 4)])
@pytest.mark.parametrize(("name", "run", "solution"), CHECKS)
def test_the_reference_passes_for_other_shapes(name, run, solution, shape, capsys):
    run(*solution, shape=shape)
    assert capsys.readouterr().out.startswith(f"✔ {name}: passed")


@pytest.mark.parametrize(("name", "run", "solution"), CHECKS)
def test_an_unfinished_exercise_is_not_done_yet(name, run, solution, capsys, monkeypatch):
    unfinished = (not_done,) * len(solution)
    monkeypatch.delenv("BPLIB_GRADING", raising=False)
    run(*unfinished)
    assert f"○ {name}: not done yet" in capsys.readouterr().out
    monkeypatch.setenv("BPLIB_GRADING", "1")
    with pytest.raises(NotDoneYet, match="not done yet"):
        run(*unfinished)


def failure(run, *solution) -> str:
    """The message of the check's failure on ``solution``."""
    with pytest.raises(CheckFailed) as e:
        run(*solution)
    return str(e.value)


WORKED = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])


def test_hard_coded_derivatives_fail():
    s = sigmoid(WORKED)
    message = failure(check.sigmoid_prime, lambda z: s * (1 - s))
    assert "random z" in message
    message = failure(check.tanh_prime, lambda z: tanh_prime(WORKED))
    assert "random z" in message


def test_a_hard_coded_stable_sigmoid_fails():
    worked = np.array([-1e3, -40.0, 0.0, 40.0, 1e3])
    message = failure(check.stable_sigmoid, lambda z: stable_sigmoid(worked))
    assert "random z" in message


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda z: sigmoid_prime(sigmoid(z)), "σ′ was applied to σ(z)"),
        (lambda z: z * (1 - z), "you computed z(1 − z)"),
        (sigmoid, "the factor (1 − σ(z)) is missing"),
        (lambda z: 1 - sigmoid(z) ** 2, "pattern of tanh′"),
    ],
)
def test_slips_in_sigmoid_prime_are_named(slip, cause):
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
def test_slips_in_tanh_prime_are_named(slip, cause):
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
def test_slips_in_the_relu_family_are_named(position, slip, cause):
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
def test_slips_in_the_stable_sigmoid_are_named(slip, cause):
    assert cause in failure(check.stable_sigmoid, slip)


def test_the_check_treats_a_runtime_warning_as_failure_even_when_numpy_ignores_them():
    with np.errstate(all="ignore"):
        assert "RuntimeWarning" in failure(check.stable_sigmoid, naive)
