"""The chapter 08 checks: the reference passes, an unfinished exercise is "not done yet", a
hard-coded answer fails, and each common slip is named."""

import numpy as np
import pytest

from bplib.checks import ch08 as check
from bplib.checks.feedback import CheckFailed, NotDoneYet

# ---------------------------------------------------------------- references


def update_mini_batch(net, X_batch, Y_batch, eta):
    nabla_b, nabla_w = net.backprop(X_batch, Y_batch)
    for W, nw in zip(net.weights, nabla_w, strict=True):
        W -= eta * nw
    for b, nb in zip(net.biases, nabla_b, strict=True):
        b -= eta * nb


def evaluate(net, X, y):
    return int(np.sum(np.argmax(net.feedforward(X), axis=1) == y))


def learning_curve_summary(accuracies, threshold):
    acc = np.asarray(accuracies)
    reached = np.flatnonzero(acc >= threshold)
    first = int(reached[0]) + 1 if reached.size else None
    return int(np.argmax(acc)) + 1, float(acc.max()), first


def not_done(*args):
    raise NotImplementedError()


CASES = [
    (
        check.update_mini_batch,
        update_mini_batch,
        {"seed": 7, "sizes": (5, 4, 3, 2), "batch_size": 1},
    ),
    (check.evaluate, evaluate, {"seed": 7, "n": 1, "k": 10}),
    (check.learning_curve_summary, learning_curve_summary, {"seed": 7, "epochs": 4}),
]


@pytest.mark.parametrize("check_fn, reference, hidden", CASES)
def test_the_reference_passes_visible_and_hidden_tests(check_fn, reference, hidden, capsys):
    check_fn(reference)
    check_fn(reference, **hidden)
    assert capsys.readouterr().out.count("passed") == 2


@pytest.mark.parametrize("check_fn, reference, hidden", CASES)
def test_an_unfinished_exercise_is_not_done_yet(check_fn, reference, hidden, capsys, monkeypatch):
    check_fn(not_done)
    assert "not done yet" in capsys.readouterr().out
    monkeypatch.setenv("BPLIB_GRADING", "1")
    with pytest.raises(NotDoneYet):
        check_fn(not_done)


def failure(check_fn, fn, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        check_fn(fn, **kwargs)
    return str(info.value)


# ---------------------------------------------------------------- update_mini_batch


def test_update_mini_batch_hard_coded_for_the_worked_example_fails():
    from bplib.network import Network

    net = Network([2, 3, 2], seed=1)
    update_mini_batch(net, np.array([[0.5, -1.0], [1.0, 2.0]]), np.eye(2), 0.5)
    fixed_w = [W.copy() for W in net.weights]
    fixed_b = [b.copy() for b in net.biases]

    def hard_coded(net, X_batch, Y_batch, eta):
        net.weights = [W.copy() for W in fixed_w]
        net.biases = [b.copy() for b in fixed_b]

    message = failure(check.update_mini_batch, hard_coded)
    assert "for random input" in message
    assert "shape" in message  # a 2-3-2 network's arrays where a 4-3-2 one's are expected


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
def test_update_mini_batch_names_the_slip(slip, cause):
    message = failure(check.update_mini_batch, slip)
    assert "Likely cause" in message and cause in message


def test_update_mini_batch_names_a_step_after_every_sample():
    message = failure(check.update_mini_batch, per_sample_sum)
    assert "Likely cause: the network took a step after every sample (2 steps" in message


def test_update_mini_batch_must_not_change_the_batch():
    def scales_X(net, X_batch, Y_batch, eta):
        X_batch *= 1.0 + 1e-3
        update_mini_batch(net, X_batch, Y_batch, eta)

    assert "changed X_batch or Y_batch" in failure(check.update_mini_batch, scales_X)


# ---------------------------------------------------------------- evaluate


def test_evaluate_hard_coded_for_the_worked_example_fails():
    message = failure(check.evaluate, lambda net, X, y: 2)
    assert "for random input" in message


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
def test_evaluate_names_the_slip(slip, cause):
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


def test_learning_curve_summary_hard_coded_for_the_worked_example_fails():
    message = failure(check.learning_curve_summary, lambda acc, t: (3, 0.95, 2))
    assert "never reached: no epoch reaches the threshold" in message
    assert "Likely cause" not in message


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
def test_learning_curve_summary_names_the_slip(slip, cause):
    message = failure(check.learning_curve_summary, slip)
    assert "Likely cause" in message and cause in message


def test_learning_curve_summary_must_return_three_values():
    message = failure(check.learning_curve_summary, lambda acc, t: (1, 0.9))
    assert "expected a tuple (best_epoch, best_accuracy, epoch_reached)" in message


def test_random_histories_have_ties_at_the_best_and_vary_with_the_seed():
    histories = [check._random_history(np.random.default_rng(s), 30) for s in range(5)]
    for h in histories:
        assert len(h) == 30 and h.count(max(h)) >= 2
    assert len({tuple(h) for h in histories}) == 5
