"""Chapter 05 checks: a correct answer passes, a missing one is "not done yet", a hard-coded one
fails, and each common slip in the backward pass is named."""

import numpy as np
import pytest

from bplib.activations import sigmoid, sigmoid_prime
from bplib.checks import ch05
from bplib.checks.feedback import CheckFailed, NotDoneYet
from bplib.gradcheck import numerical_gradient
from bplib.network import Network


def output_delta(z, a, y):
    return (a - y) * sigmoid_prime(z)


def backprop_step(delta_next, W_next, z):
    return (delta_next @ W_next.T) * sigmoid_prime(z)


def backprop(weights, biases, X, Y, slip=None):
    """The backward pass with one of ch05.SLIPS made on purpose, written here independently."""
    acts, zs = [X], []
    for W, b in zip(weights, biases, strict=True):
        zs.append(acts[-1] @ W + b)
        acts.append(sigmoid(zs[-1]))
    prime = sigmoid_prime if slip != "prime_of_a" else (lambda z: sigmoid_prime(sigmoid(z)))
    delta = acts[-1] - Y
    if slip != "no_prime_output":
        delta = delta * prime(zs[-1])
    if slip != "sum":
        delta = delta / len(X)
    nabla_b, nabla_w = [], []
    for l in reversed(range(len(weights))):
        nabla_b.insert(0, delta.sum(axis=0))
        nabla_w.insert(0, delta.T @ acts[l] if slip == "dW_transposed" else acts[l].T @ delta)
        if l > 0:
            delta = delta @ (weights[l] if slip == "not_transposed" else weights[l].T)
            if slip != "no_prime_hidden":
                delta = delta * prime(zs[l - 1])
    if slip == "reversed":
        return nabla_b[::-1], nabla_w[::-1]
    return nabla_b, nabla_w


REFERENCES = {
    ch05.output_delta: output_delta,
    ch05.backprop_step: backprop_step,
    ch05.backprop: backprop,
}


def not_implemented(*args):
    raise NotImplementedError()


def hard_coded(reference):
    """Answers every call with the reference's answer to the first call (the worked example)."""
    first = []

    def fn(*args):
        if not first:
            first.append(reference(*args))
        return first[0]

    return fn


def fails_with(check, fn, *fragments, **kwargs):
    with pytest.raises(CheckFailed) as info:
        check(fn, **kwargs)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)
    return str(info.value)


@pytest.mark.parametrize("check", list(REFERENCES))
def test_reference_passes(check, capsys):
    check(REFERENCES[check])
    check(REFERENCES[check], seed=7)
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("check", list(REFERENCES))
def test_not_implemented_is_not_done_yet(check, capsys, monkeypatch):
    monkeypatch.delenv("BPLIB_GRADING", raising=False)
    check(not_implemented)
    assert "not done yet" in capsys.readouterr().out
    monkeypatch.setenv("BPLIB_GRADING", "1")
    with pytest.raises(NotDoneYet):
        check(not_implemented)


@pytest.mark.parametrize("check", list(REFERENCES))
def test_hard_coded_answer_fails(check):
    fails_with(check, hard_coded(REFERENCES[check]), "random")


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda z, a, y: a - y, "σ′(z) is missing"),
        (lambda z, a, y: (a - y) * sigmoid_prime(a), "σ′ was applied to a"),
        (lambda z, a, y: (y - a) * sigmoid_prime(z), "wrong sign"),
        (lambda z, a, y: (a - y) * sigmoid_prime(z) / len(z), "divided by n"),
    ],
)
def test_output_delta_names_the_slip(slip, cause):
    fails_with(ch05.output_delta, slip, "Likely", cause)


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda d, W, z: (d @ W) * sigmoid_prime(z), "W_next is not transposed"),
        (lambda d, W, z: d @ W.T, "σ′(z^l) is missing"),
        (lambda d, W, z: (d @ W.T) * sigmoid(z), "multiplied by σ(z)"),
    ],
)
def test_backprop_step_names_the_slip(slip, cause):
    fails_with(ch05.backprop_step, slip, "Likely", cause)


def test_backprop_step_shape_error_points_at_the_transpose():
    # The slip on the square W of the worked example is caught by its values (above); here the
    # worked example is answered right, so the random W (4, 3) meets the slip as a shape error.
    def transposes_only_square(delta_next, W_next, z):
        if W_next.shape[0] == W_next.shape[1]:
            return backprop_step(delta_next, W_next, z)
        return (delta_next @ W_next) * sigmoid_prime(z)

    fails_with(ch05.backprop_step, transposes_only_square, "raised ValueError", "(W^{l+1})ᵀ")


@pytest.mark.parametrize(
    ("slip", "layer", "cause"),
    [
        ("sum", "nabla_b[1] (layer 2 of 2", "sum where a mean was meant"),
        ("no_prime_output", "nabla_b[1] (layer 2 of 2", "σ′(z^L) is missing"),
        ("no_prime_hidden", "nabla_b[0] (layer 1 of 2", "σ′(z^l) is missing in the recursion"),
        ("prime_of_a", "nabla_b[1]", "σ′ was applied to the activations"),
        ("not_transposed", "nabla_b[0] (layer 1 of 2", "is not transposed"),
        ("dW_transposed", "nabla_w[1] (layer 2 of 2", "nabla_w is transposed"),
        ("reversed", "layer", "reversed layer order"),
    ],
)
def test_backprop_names_the_layer_and_the_slip(slip, layer, cause):
    fails_with(ch05.backprop, lambda *args: backprop(*args, slip=slip), layer, cause)


def test_backprop_reversed_lists_are_caught_by_their_shapes_in_a_random_network():
    # The worked example is square, so let only the random network see the reversed lists.
    def reversed_when_not_square(weights, biases, X, Y):
        square = all(W.shape[0] == W.shape[1] for W in weights)
        return backprop(weights, biases, X, Y, slip=None if square else "reversed")

    fails_with(ch05.backprop, reversed_when_not_square, "random network", "reversed layer order")


def test_backprop_swapped_pair_is_named():
    swapped = lambda *args: backprop(*args)[::-1]  # noqa: E731
    fails_with(ch05.backprop, swapped, "(nabla_b, nabla_w) in that order")


def test_backprop_checks_edge_shapes():
    ch05.backprop(backprop, seed=3, sizes=(2, 1), n=1)
    ch05.backprop(backprop, seed=4, sizes=(3, 4, 4, 1), n=2)


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
    for slip, (wrong_b, wrong_w) in ch05._slips(net.weights, net.biases, X, Y).items():
        same = all(
            np.shape(g) == np.shape(e) and np.allclose(g, e)
            for g, e in zip(wrong_b + wrong_w, nabla_b + nabla_w, strict=True)
        )
        assert not same, slip
