"""The checks of chapter 04: the reference passes, an unfinished exercise is "not done yet",
a hard-coded answer fails, and each common slip is named."""

import numpy as np
import pytest

from bplib.activations import sigmoid
from bplib.checks import ch04 as check
from bplib.checks.feedback import CheckFailed, NotDoneYet


def not_done(*args, **kwargs):
    raise NotImplementedError()


# Reference solutions, as in solutions/04_forward_propagation.ipynb.


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


CHECKS = [
    (check.layer_forward, layer_forward),
    (check.network_forward, network_forward),
    (check.count_parameters, count_parameters),
    (check.xor_network, xor_network),
]


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize(("run", "solution"), CHECKS)
def test_the_reference_passes(run, solution, seed, capsys):
    run(solution, seed=seed)
    assert capsys.readouterr().out.startswith(f"✔ {solution.__name__}: passed")


def test_the_reference_passes_the_hidden_cases(capsys):
    check.layer_forward(layer_forward, seed=3, n=1, n_in=1, n_out=6)
    check.network_forward(network_forward, seed=7, sizes=(3, 1), n=1)
    check.network_forward(network_forward, seed=8, sizes=(5, 4, 4, 4, 1))
    check.xor_network(xor_network, noise=0.1, seed=7)
    assert capsys.readouterr().out.count("passed") == 4


@pytest.mark.parametrize(("run", "solution"), CHECKS)
def test_an_unfinished_exercise_is_not_done_yet(run, solution, capsys, monkeypatch):
    monkeypatch.delenv("BPLIB_GRADING", raising=False)
    run(not_done)
    assert f"○ {solution.__name__}: not done yet" in capsys.readouterr().out
    monkeypatch.setenv("BPLIB_GRADING", "1")
    with pytest.raises(NotDoneYet, match="not done yet"):
        run(not_done)


def failure(run, solution, **kwargs) -> str:
    """The message of the check's failure on ``solution``."""
    with pytest.raises(CheckFailed) as e:
        run(solution, **kwargs)
    return str(e.value)


# Hard-coded answers: right for the worked example, wrong elsewhere.


def test_a_hard_coded_layer_fails():
    a = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 2.0]])
    W = np.array([[0.5, -1.0], [2.0, 0.25]])
    answer = sigmoid(a @ W + np.array([0.1, -0.2]))
    assert "a random layer" in failure(check.layer_forward, lambda a, W, b, sigma: answer)


def test_a_hard_coded_network_fails():
    answers = {}

    def remember(X, weights, biases, sigma):
        answers.setdefault("worked", network_forward(X, weights, biases, sigma))
        return answers["worked"]

    assert "a random network" in failure(check.network_forward, remember)


def test_a_hard_coded_count_fails():
    message = failure(check.count_parameters, lambda sizes: 23860)
    assert "count_parameters([2, 2, 1])" in message and "expected 9" in message


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
def test_slips_in_a_layer_are_named(slip, cause):
    assert cause in failure(check.layer_forward, slip)


def test_the_transposed_result_gets_the_shape_hint():
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
def test_slips_in_the_network_are_named(slip, cause):
    assert cause in failure(check.network_forward, slip)


def test_a_wrong_deep_layer_is_named():
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
def test_slips_in_counting_are_named(slip, cause):
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
def test_wrong_xor_networks_are_named(network, kwargs, cause):
    assert cause in failure(check.xor_network, network, **kwargs)
