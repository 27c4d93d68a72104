"""The checks of chapter 05 name each common slip in the backward pass, judge a backward pass
apart from its helpers, and verify where a planted bug is and that it is fixed (their contract
is in test_contract.py)."""

import inspect

import cases_ch05 as cases
import numpy as np
import pytest
from cases_ch05 import backprop_step, backprop_tanh, backprop_with_slip, layer_gradients

from bplib import gradcheck
from bplib.activations import sigmoid, sigmoid_prime
from bplib.checks import ch05
from bplib.gradcheck import numerical_gradient
from bplib.network import Network

# --- output_delta ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda z, a, y: a - y, "not ∂a/∂z"),
        (lambda z, a, y: (a - y) * sigmoid_prime(a), "σ′ was evaluated at a"),
        (lambda z, a, y: (a - y) * a, "σ′(z) is not σ(z)"),
        (lambda z, a, y: (y - a) * sigmoid_prime(z), "wrong sign"),
        (lambda z, a, y: 2 * (a - y) * sigmoid_prime(z), "a factor 2"),
        (lambda z, a, y: (a - y) * sigmoid_prime(z) / len(z), "divided by m"),
    ],
)
def test_output_delta_names_the_slip(slip, cause, failure):
    message = failure(ch05.output_delta, slip)
    assert "Likely" in message and cause in message


# --- backprop_step --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda d, W, z: (d @ W) * sigmoid_prime(z), "W_next is not transposed"),
        (lambda d, W, z: d @ W.T, "a factor is missing"),
        (lambda d, W, z: (d @ W.T) * sigmoid(z), "multiplied by σ(z)"),
        (lambda d, W, z: (d @ W.T) * sigmoid_prime(sigmoid(z)), "σ′ was applied to σ(z)"),
        (lambda d, W, z: -(d @ W.T) * sigmoid_prime(z), "wrong sign"),
        (lambda d, W, z: (d @ W.T) * sigmoid_prime(z) / len(z), "divided by m"),
    ],
)
def test_backprop_step_names_the_slip(slip, cause, failure):
    message = failure(ch05.backprop_step, slip)
    assert "Likely" in message and cause in message


def test_backprop_step_shape_error_points_at_the_shapes(failure):
    # The slip on the square W of the worked example is caught by its values (above); here the
    # worked example is answered right, so the random W (4, 3) meets the slip as a shape error.
    def transposes_only_square(delta_next, W_next, z):
        if W_next.shape[0] == W_next.shape[1]:
            return backprop_step(delta_next, W_next, z)
        return (delta_next @ W_next) * sigmoid_prime(z)

    message = failure(ch05.backprop_step, transposes_only_square)
    assert "raised ValueError" in message and "shape of every array" in message


# --- layer_gradients ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slip", "where", "cause"),
    [
        (lambda d, a: (d.sum(axis=0), a.T @ d), "nabla_b", "a sum where the mean belongs"),
        (lambda d, a: (d.mean(axis=0), a.T @ d), "nabla_w", "a sum where the mean belongs"),
        (lambda d, a: (d.mean(axis=0), d.T @ a / len(d)), "nabla_w", "nabla_w is transposed"),
        (lambda d, a: (d.mean(axis=1), a.T @ d / len(d)), "nabla_b", "runs over the samples"),
        (
            lambda d, a: (d.mean(axis=0, keepdims=True), a.T @ d / len(d)),
            "nabla_b",
            "b is a vector",
        ),
        (lambda d, a: (d.mean(axis=0) / len(d), a.T @ d / len(d)), "nabla_b", "by m twice"),
        (lambda d, a: (d.mean(axis=0), -a.T @ d / len(d)), "nabla_w", "wrong sign"),
    ],
)
def test_layer_gradients_names_the_slip(slip, where, cause, failure):
    message = failure(ch05.layer_gradients, slip)
    assert f"✘ layer_gradients: {where} on" in message and cause in message


def test_layer_gradients_wants_a_pair(failure):
    message = failure(ch05.layer_gradients, lambda d, a: a.T @ d / len(d))
    assert "expected a pair (nabla_b, nabla_w)" in message


# --- backprop -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slip", "layer", "cause"),
    [
        ("sum", "nabla_b[1] (layer 2 of 2", "a sum where the mean belongs"),
        ("twice", "nabla_b[1] (layer 2 of 2", "divided by m twice"),
        ("no_prime_output", "nabla_b[1] (layer 2 of 2", "output error lacks a factor σ′"),
        ("no_prime_hidden", "nabla_b[0] (layer 1 of 2", "hidden layers lack a factor σ′"),
        ("prime_of_a", "nabla_b[1]", "σ′ was applied to the activations"),
        ("wrong_layer_prime", "nabla_b[0] (layer 1 of 2", "σ′ of the wrong layer"),
        ("not_transposed", "nabla_b[0] (layer 1 of 2", "is not transposed"),
        ("dW_transposed", "nabla_w[1] (layer 2 of 2", "nabla_w is transposed"),
        ("output_activations", "nabla_w[1] (layer 2 of 2", "activations of the wrong layer"),
        ("reversed", "layer", "reversed layer order"),
    ],
)
def test_backprop_names_the_layer_and_the_slip(slip, layer, cause, failure):
    message = failure(ch05.backprop, lambda *args: backprop_with_slip(*args, slip=slip))
    assert layer in message and cause in message


def test_backprop_reversed_lists_are_caught_by_their_shapes_in_a_random_network(failure):
    # The worked example is square, so let only the random network see the reversed lists.
    def reversed_when_not_square(weights, biases, X, Y):
        square = all(W.shape[0] == W.shape[1] for W in weights)
        return backprop_with_slip(weights, biases, X, Y, slip=None if square else "reversed")

    message = failure(ch05.backprop, reversed_when_not_square)
    assert "random network" in message and "reversed layer order" in message


def test_backprop_swapped_pair_is_named(failure):
    swapped = lambda *args: backprop_with_slip(*args)[::-1]  # noqa: E731
    assert "(nabla_b, nabla_w) in that order" in failure(ch05.backprop, swapped)


def test_slips_of_the_check_are_wrong_and_its_reference_is_right():
    """The check's own planted slips differ from the gradient, and slip=None is the gradient."""
    net = Network([3, 4, 2], seed=0)
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((5, 3)), rng.random((5, 2))
    nabla_b, nabla_w = ch05._backprop(net.weights, net.biases, X, Y)
    numeric_w = numerical_gradient(lambda: net.cost(X, Y), net.weights[0])
    assert np.allclose(nabla_w[0], numeric_w, rtol=1e-6, atol=1e-9)
    numeric_b = numerical_gradient(lambda: net.cost(X, Y), net.biases[1])
    assert np.allclose(nabla_b[1], numeric_b, rtol=1e-6, atol=1e-9)
    for slip, (wrong_b, wrong_w) in ch05._slips(
        ch05._backprop, ch05.SLIPS, net.weights, net.biases, X, Y
    ).items():
        same = all(
            np.shape(g) == np.shape(e) and np.allclose(g, e)
            for g, e in zip(wrong_b + wrong_w, nabla_b + nabla_w, strict=True)
        )
        assert not same, slip


# --- one slip is charged once ---------------------------------------------------------------


def built_on(**helpers):
    """The reference backprop, compiled in a namespace of its own whose helpers are ``helpers``
    (the others the references), as a notebook's globals would hold the student's."""
    namespace = {
        "forward_pass": cases.forward_pass,
        "output_delta": cases.output_delta,
        "backprop_step": cases.backprop_step,
        "layer_gradients": cases.layer_gradients,
        **helpers,
    }
    exec(inspect.getsource(cases.backprop), namespace)
    return namespace["backprop"]


def wrong_output_delta(z, a, y):
    return a - y


def unfinished(*args):
    raise NotImplementedError


def test_a_right_backprop_on_a_wrong_helper_passes_and_says_where_the_fault_is(capsys):
    fn = built_on(output_delta=wrong_output_delta)
    ch05.backprop(fn)
    out = capsys.readouterr().out
    assert "your backprop itself is right" in out and "your output_delta" in out
    assert out.endswith("✔ backprop: passed\n")
    assert fn.__globals__["output_delta"] is wrong_output_delta  # restored


def test_a_right_backprop_on_unfinished_helpers_passes(capsys):
    fn = built_on(backprop_step=unfinished, layer_gradients=unfinished)
    ch05.backprop(fn)
    out = capsys.readouterr().out
    assert "your backprop_step and your layer_gradients" in out
    assert out.endswith("✔ backprop: passed\n")


def test_only_the_wrong_helpers_are_named(capsys):
    ch05.backprop(built_on(output_delta=wrong_output_delta))
    out = capsys.readouterr().out
    assert "It fails with your output_delta (" in out


def test_a_wrong_backprop_on_right_helpers_is_its_own_fault(failure):
    namespace = {"forward_pass": cases.forward_pass, "output_delta": cases.output_delta}
    namespace |= {"backprop_step": cases.backprop_step, "layer_gradients": cases.layer_gradients}
    source = inspect.getsource(cases.backprop).replace("weights[l], zs[l - 1]", "weights[l], zs[l]")
    exec(source, namespace)
    message = failure(ch05.backprop, namespace["backprop"])
    assert "the fault is in backprop itself" in message
    assert "σ′ of the wrong layer" in message


def test_a_wrong_backprop_on_a_wrong_helper_is_still_marked(failure):
    fn = built_on(layer_gradients=lambda d, a: (d.sum(axis=0), a.T @ d))
    source = inspect.getsource(cases.backprop).replace("weights[l], zs", "weights[l].T, zs")
    exec(source, fn.__globals__)
    message = failure(ch05.backprop, fn.__globals__["backprop"])
    assert "the fault is in backprop itself" in message


# --- backprop_tanh (transfer) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        ("output_prime", "the output layer is linear"),
        ("sigmoid_hidden", "these units use tanh"),
        ("prime_of_a", "tanh′ was evaluated at the activations"),
        ("sum", "a sum where the mean belongs"),
        ("not_transposed", "is not transposed"),
        ("no_prime_hidden", "lack a factor tanh′"),
    ],
)
def test_backprop_tanh_names_the_slip(slip, cause, failure):
    message = failure(ch05.backprop_tanh, lambda *args: backprop_tanh(*args, slip=slip))
    assert "Likely cause" in message and cause in message


def test_backprop_tanh_refuses_the_sigmoid_network(failure):
    # The typical wrong answer: chapter 05's sigmoid backprop, unchanged.
    message = failure(ch05.backprop_tanh, cases.backprop)
    assert "gradients of the sigmoid network of Exercise 4" in message


def test_backprop_tanh_uses_the_reference_layer_gradients_when_the_students_is_wrong(capsys):
    namespace = {"np": np, "layer_gradients": lambda d, a: (d.sum(axis=0), a.T @ d)}
    exec(
        "def backprop_tanh(weights, biases, X, Y):\n"
        "    L = len(weights)\n"
        "    zs, outs = [], [X]\n"
        "    for l, (W, b) in enumerate(zip(weights, biases)):\n"
        "        zs.append(outs[-1] @ W + b)\n"
        "        outs.append(zs[-1] if l == L - 1 else np.tanh(zs[-1]))\n"
        "    nabla_b, nabla_w, delta = [None] * L, [None] * L, outs[-1] - Y\n"
        "    for l in range(L - 1, -1, -1):\n"
        "        nabla_b[l], nabla_w[l] = layer_gradients(delta, outs[l])\n"
        "        if l > 0:\n"
        "            delta = (delta @ weights[l].T) * (1 - outs[l] ** 2)\n"
        "    return nabla_b, nabla_w\n",
        namespace,
    )
    ch05.backprop_tanh(namespace["backprop_tanh"])
    assert "your layer_gradients" in capsys.readouterr().out


# --- locate_bug and fixed_backprop (the debugging exercise) ---------------------------------


def test_locate_bug_numbered_from_zero_is_named(failure):
    def from_zero(*args):
        layer, param = cases.locate_bug(*args)
        return layer - 1, param

    message = failure(ch05.locate_bug, from_zero)
    assert "layers numbered from 0" in message


def test_locate_bug_pointing_at_a_right_gradient_is_told_to_look_elsewhere(failure):
    def best_instead_of_worst(backprop_fn, weights, biases, X, Y):
        net = Network.from_weights(weights, biases, backprop=backprop_fn)
        best = min(gradcheck.check_gradients(net, X, Y), key=lambda c: c.rel_error)
        return best.layer, best.param

    message = failure(ch05.locate_bug, best_instead_of_worst)
    assert "the bug is elsewhere" in message


def test_locate_bug_swapping_the_parameter_is_caught(failure):
    def other_param(*args):
        layer, param = cases.locate_bug(*args)
        return layer, {"W": "b", "b": "W"}[param]

    assert "the bug is elsewhere" in failure(ch05.locate_bug, other_param)


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ((3, "weights"), 'must be "W" or "b"'),
        (("3", "W"), "must be an integer"),
        (3, "expected a pair (layer"),
        ((9, "W"), "the network has layers 1 to 3"),
    ],
)
def test_locate_bug_bad_answers_say_what_was_expected(answer, says, failure):
    assert says in failure(ch05.locate_bug, lambda *args: answer)


def test_every_planted_bug_sits_in_exactly_its_place():
    rng = np.random.default_rng(0)
    weights, biases, X, Y = ch05._case((3, 5, 4, 2), 4, rng)
    for layer, param in ch05.PLACES:
        net = Network.from_weights(weights, biases, backprop=ch05._planted(layer, param, rng))
        wrong = [
            (c.layer, c.param) for c in gradcheck.check_gradients(net, X, Y) if c.rel_error > 1e-3
        ]
        assert wrong == [(layer, param)]


def test_the_checks_planted_bug_is_the_notebooks(failure):
    """``_planted_backprop`` is the notebook's buggy_backprop: only the output layer's W is wrong,
    on the notebook's network shape, and submitting it as the fix is named."""
    net = Network([4, 5, 3, 3], seed=0, backprop=ch05._planted_backprop)
    rng = np.random.default_rng(1)
    report = gradcheck.check_gradients(net, rng.standard_normal((6, 4)), rng.random((6, 3)))
    assert [(c.layer, c.param) for c in report if c.rel_error > 1e-4] == [(3, "W")]
    message = failure(ch05.fixed_backprop, ch05._planted_backprop)
    assert "the bug is still there" in message and "layer 3 of 3" in message


@pytest.mark.parametrize(
    ("slip", "cause"), [("sum", "a sum where the mean belongs"), ("twice", "divided by m twice")]
)
def test_fixed_backprop_names_a_new_slip(slip, cause, failure):
    message = failure(ch05.fixed_backprop, lambda *args: backprop_with_slip(*args, slip=slip))
    assert "Likely cause" in message and cause in message


def test_layer_gradients_reference_matches_central_differences():
    """The helpers the checks substitute are the gradient (not only equal to each other)."""
    net = Network([3, 4], seed=2)
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((5, 3)), rng.random((5, 4))
    z = X @ net.weights[0] + net.biases[0]
    delta = ch05._output_delta(z, sigmoid(z), Y)
    nabla_b, nabla_w = ch05._layer_gradients(delta, X)
    assert np.allclose(nabla_w, numerical_gradient(lambda: net.cost(X, Y), net.weights[0]))
    assert np.allclose(nabla_b, numerical_gradient(lambda: net.cost(X, Y), net.biases[0]))
    assert np.allclose((nabla_b, nabla_w)[1], layer_gradients(delta, X)[1])
