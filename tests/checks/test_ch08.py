"""The checks of chapter 08 name each common slip (their contract is in test_contract.py)."""

import numpy as np
import pytest
from cases_ch08 import (
    backprop,
    backprop_step,
    evaluate,
    last_layer,
    output_delta,
    output_gradient_norms,
    update_mini_batch,
)

from bplib.checks import ch08 as check
from bplib.checks.feedback import CheckFailed

# ---------------------------------------------------------------- update_mini_batch


def scaled_step(scale_w, scale_b):
    def step(net, X_batch, Y_batch, eta):
        nabla_b, nabla_w = net.backprop(X_batch, Y_batch)
        m = len(X_batch)
        for W, nw in zip(net.weights, nabla_w, strict=True):
            W -= scale_w(eta, m) * nw
        for b, nb in zip(net.biases, nabla_b, strict=True):
            b -= scale_b(eta, m) * nb

    return step


def rebinds_the_loop_variable(net, X_batch, Y_batch, eta):
    nabla_b, nabla_w = net.backprop(X_batch, Y_batch)
    for W, nw in zip(net.weights, nabla_w, strict=True):
        W = W - eta * nw  # the slip under test: rebinds W
    for b, nb in zip(net.biases, nabla_b, strict=True):
        b = b - eta * nb


def per_sample_sum(net, X_batch, Y_batch, eta):
    """A loop over the samples that steps after each one instead of once per batch."""
    for x, y in zip(X_batch, Y_batch, strict=True):
        nabla_b, nabla_w = net.backprop(x[None, :], y[None, :])
        for W, nw in zip(net.weights, nabla_w, strict=True):
            W -= eta * nw
        for b, nb in zip(net.biases, nabla_b, strict=True):
            b -= eta * nb


def swapped(net, X_batch, Y_batch, eta):
    nabla_w, nabla_b = net.backprop(X_batch, Y_batch)
    for W, nw in zip(net.weights, nabla_w, strict=True):
        W -= eta * nw
    for b, nb in zip(net.biases, nabla_b, strict=True):
        b -= eta * nb


@pytest.mark.parametrize(
    "slip, cause",
    [
        (scaled_step(lambda eta, m: -eta, lambda eta, m: -eta), "went up the gradient"),
        (scaled_step(lambda eta, m: eta * m, lambda eta, m: eta * m), "times too large"),
        (scaled_step(lambda eta, m: eta / m, lambda eta, m: eta / m), "divided by the batch"),
        (scaled_step(lambda eta, m: eta, lambda eta, m: 0.0), "biases were not updated"),
        (scaled_step(lambda eta, m: 0.0, lambda eta, m: eta), "weights were not updated"),
        (rebinds_the_loop_variable, "W -= eta * nw"),
        (swapped, "nabla_b and nabla_w swapped"),
    ],
)
def test_update_mini_batch_names_the_slip(slip, cause, failure):
    message = failure(check.update_mini_batch, slip)
    assert "Likely cause" in message and cause in message


def test_update_mini_batch_names_a_step_after_every_sample(failure):
    message = failure(check.update_mini_batch, per_sample_sum)
    assert "Likely cause: the network took a step after every sample (2 steps" in message


def test_update_mini_batch_must_not_change_the_batch(failure):
    def scales_X(net, X_batch, Y_batch, eta):
        X_batch *= 1.0 + 1e-3
        update_mini_batch(net, X_batch, Y_batch, eta)

    assert "changed X_batch or Y_batch" in failure(check.update_mini_batch, scales_X)


# ---------------------------------------------------------------- evaluate


@pytest.mark.parametrize(
    "slip, cause",
    [
        (lambda net, X, y: evaluate(net, X, y) / len(X), "fraction"),
        (lambda net, X, y: len(X) - evaluate(net, X, y), "counted the wrong predictions"),
        (
            lambda net, X, y: np.sum(
                np.eye(len(net.biases[-1]))[np.argmax(net.feedforward(X), axis=1)]
                == np.eye(len(net.biases[-1]))[y]
            ),
            "one-hot arrays",
        ),
        (
            lambda net, X, y: np.sum(
                np.round(net.feedforward(X)) == np.eye(len(net.biases[-1]))[y]
            ),
            "rounded",
        ),
        (lambda net, X, y: np.sum(np.argmax(net.feedforward(X), axis=0) == y), "axis 0"),
        (lambda net, X, y: np.argmax(net.feedforward(X), axis=1) == y, "shape"),
    ],
)
def test_evaluate_names_the_slip(slip, cause, failure):
    message = failure(check.evaluate, slip)
    assert cause in message


def test_evaluate_axis_0_on_a_batch_that_is_not_square_is_named_too():
    def axis_0(net, X, y):
        return np.sum(np.argmax(net.feedforward(X), axis=0) == y)

    # The worked example is square (4 samples, 4 classes); with n != k the comparison fails to
    # broadcast and the message must still name the axis.
    net_check = check._check_evaluate
    from bplib.network import Network

    net = Network([5, 6, 3], seed=0)
    X = np.random.default_rng(0).uniform(-2, 2, (7, 5))
    with pytest.raises(CheckFailed) as info:
        net_check(axis_0, net, X, net.predict(X), "for 7 samples")
    assert "axis 0" in str(info.value)


# ---------------------------------------------------------------- learning_curve_summary


def summary_with(best="first", base=1, compare=">=", never=None):
    def summary(accuracies, threshold):
        acc = list(accuracies)
        best_value = max(acc)
        if best == "first":
            i = acc.index(best_value)
        else:
            i = len(acc) - 1 - acc[::-1].index(best_value)
        reach = never
        for j, a in enumerate(acc):
            if (a >= threshold) if compare == ">=" else (a > threshold):
                reach = j + base
                break
        return i + base, best_value, reach

    return summary


@pytest.mark.parametrize(
    "slip, cause",
    [
        (summary_with(base=0), "count from 1"),
        (summary_with(best="last"), "return the first"),
        (summary_with(compare=">"), ">= threshold"),
        (summary_with(never=0), "0 as the default for 'never'"),
        (summary_with(never=-1), "-1 as the default for 'never'"),
    ],
)
def test_learning_curve_summary_names_the_slip(slip, cause, failure):
    message = failure(check.learning_curve_summary, slip)
    assert "Likely cause" in message and cause in message


def test_learning_curve_summary_must_return_three_values(failure):
    message = failure(check.learning_curve_summary, lambda acc, t: (1, 0.9))
    assert "expected a tuple (best_epoch, best_accuracy, epoch_reached)" in message


def test_random_histories_have_ties_at_the_best_and_vary_with_the_seed():
    histories = [check._random_history(np.random.default_rng(s), 30) for s in range(5)]
    for h in histories:
        assert len(h) == 30 and h.count(max(h)) >= 2
    assert len({tuple(h) for h in histories}) == 5


# ---------------------------------------------------------------- your_backprop


def test_your_backprop_names_a_wrong_output_delta(failure):
    def no_prime(z, a, y):
        return a - y

    message = failure(check.your_backprop, no_prime, backprop_step, backprop)
    assert message.startswith("✘ your_backprop: output_delta") and "Likely cause" in message


def test_your_backprop_names_a_missing_transpose_in_backprop_step(failure):
    def not_transposed(delta_next, W_next, z):
        return (delta_next @ W_next) * z

    message = failure(check.your_backprop, output_delta, not_transposed, backprop)
    assert message.startswith("✘ your_backprop: ") and "backprop_step" in message


def test_your_backprop_fails_a_backprop_that_sums_over_the_batch(failure):
    def summed(weights, biases, X, Y):
        nabla_b, nabla_w = backprop(weights, biases, X, Y)
        return [len(X) * g for g in nabla_b], [len(X) * g for g in nabla_w]

    message = failure(check.your_backprop, output_delta, backprop_step, summed)
    assert message.startswith("✘ your_backprop: ") and "nabla_" in message


# ---------------------------------------------------------------- output_gradient_norms


@pytest.mark.parametrize(
    "slip, cause",
    [
        (lambda net, X, Y: output_gradient_norms(net, X, Y) / len(X), "divided by m"),
        (lambda net, X, Y: output_gradient_norms(net, X, Y) ** 2, "the squared norm"),
        (
            lambda net, X, Y: np.linalg.norm(last_layer(net, X, Y)[2], axis=1),
            "the norm of δ^L alone",
        ),
        (
            lambda net, X, Y: (
                np.linalg.norm(last_layer(net, X, Y)[1] - Y, axis=1)
                * np.linalg.norm(last_layer(net, X, Y)[0], axis=1)
            ),
            "σ′(z^L) is missing",
        ),
        (
            lambda net, X, Y: (
                np.linalg.norm(last_layer(net, X, Y)[2], axis=1)
                * np.linalg.norm(last_layer(net, X, Y)[1], axis=1)
            ),
            "the norm of a^L where a^{L-1} belongs",
        ),
        (
            lambda net, X, Y: (
                np.linalg.norm(last_layer(net, X, Y)[0]) * np.linalg.norm(last_layer(net, X, Y)[2])
            ),
            "a norm taken over the whole batch",
        ),
    ],
)
def test_output_gradient_norms_names_the_slip(slip, cause, failure):
    message = failure(check.output_gradient_norms, slip)
    assert cause in message


def test_output_gradient_norms_wrong_axis_fails(failure):
    def other_axis(net, X, Y):
        a_prev, _, delta = last_layer(net, X, Y)
        return np.linalg.norm(a_prev, axis=0)[: len(X)] * np.linalg.norm(delta, axis=0)[: len(X)]

    assert "output_gradient_norms(net, X, Y)" in failure(check.output_gradient_norms, other_axis)
