"""Chapter 05's exercises for the tests: the reference answers, as in solutions/05_*.ipynb,
and the contract cases of its checks (see test_contract.py). The tests of the slips build their
wrong answers from these references."""

import numpy as np
from contract import Case, hard

from bplib import activations, gradcheck, losses
from bplib.network import Network


def output_delta(z, a, y):
    return (a - y) * activations.sigmoid_prime(z)


def backprop_step(delta_next, W_next, z):
    return (delta_next @ W_next.T) * activations.sigmoid_prime(z)


def layer_gradients(delta, a_prev):
    m = len(delta)
    return delta.sum(axis=0) / m, a_prev.T @ delta / m


def forward_pass(weights, biases, X):
    zs, acts = [], [X]
    for W, b in zip(weights, biases, strict=True):
        zs.append(acts[-1] @ W + b)
        acts.append(activations.sigmoid(zs[-1]))
    return zs, acts


def backprop(weights, biases, X, Y):
    """The solution's backward pass, built on the three helpers above."""
    zs, acts = forward_pass(weights, biases, X)
    L = len(weights)
    nabla_b, nabla_w = [None] * L, [None] * L
    delta = output_delta(zs[-1], acts[-1], Y)
    for l in range(L - 1, -1, -1):
        nabla_b[l], nabla_w[l] = layer_gradients(delta, acts[l])
        if l > 0:
            delta = backprop_step(delta, weights[l], zs[l - 1])
    return nabla_b, nabla_w


def backprop_with_slip(weights, biases, X, Y, slip=None):
    """The backward pass with one of ch05.SLIPS made on purpose, written here independently."""
    zs, acts = forward_pass(weights, biases, X)
    prime = (
        activations.sigmoid_prime
        if slip != "prime_of_a"
        else (lambda z: activations.sigmoid_prime(activations.sigmoid(z)))
    )
    delta = acts[-1] - Y
    if slip != "no_prime_output":
        delta = delta * prime(zs[-1])
    if slip != "sum":
        delta = delta / len(X)
    if slip == "twice":
        delta = delta / len(X)
    L = len(weights)
    nabla_b, nabla_w = [], []
    for l in reversed(range(L)):
        a_in = acts[l + 1] if slip == "output_activations" and l == L - 1 else acts[l]
        nabla_b.insert(0, delta.sum(axis=0))
        nabla_w.insert(0, delta.T @ a_in if slip == "dW_transposed" else a_in.T @ delta)
        if l > 0:
            delta = delta @ (weights[l] if slip == "not_transposed" else weights[l].T)
            if slip != "no_prime_hidden":
                delta = delta * prime(zs[l] if slip == "wrong_layer_prime" else zs[l - 1])
    if slip == "reversed":
        return nabla_b[::-1], nabla_w[::-1]
    return nabla_b, nabla_w


def backprop_tanh(weights, biases, X, Y, slip=None):
    """Tanh hidden layers, a linear output; with one of ch05.TANH_SLIPS made on purpose."""
    L = len(weights)
    zs, acts = [], [X]
    for l, (W, b) in enumerate(zip(weights, biases, strict=True)):
        zs.append(acts[-1] @ W + b)
        acts.append(zs[-1] if l == L - 1 else np.tanh(zs[-1]))

    def prime(z):
        if slip == "sigmoid_hidden":
            return activations.sigmoid_prime(z)
        return 1.0 - np.tanh(np.tanh(z) if slip == "prime_of_a" else z) ** 2

    delta = acts[-1] - Y
    if slip == "output_prime":
        delta = delta * (1.0 - np.tanh(zs[-1]) ** 2)
    if slip != "sum":
        delta = delta / len(X)
    nabla_b, nabla_w = [None] * L, [None] * L
    for l in range(L - 1, -1, -1):
        nabla_b[l], nabla_w[l] = delta.sum(axis=0), acts[l].T @ delta
        if l > 0:
            delta = delta @ (weights[l] if slip == "not_transposed" else weights[l].T)
            if slip != "no_prime_hidden":
                delta = delta * prime(zs[l - 1])
    return nabla_b, nabla_w


def locate_bug(backprop_fn, weights, biases, X, Y):
    net = Network.from_weights(weights, biases, backprop=backprop_fn)
    worst = max(gradcheck.check_gradients(net, X, Y), key=lambda c: c.rel_error)
    return worst.layer, worst.param


def fixed_backprop(weights, biases, X, Y):
    return backprop_with_slip(weights, biases, X, Y)


def via_network(activation="sigmoid", output_activation=None):
    def answer(weights, biases, X, Y):
        net = Network.from_weights(weights, biases, activation, output_activation)
        return net.backprop(X, Y)

    return answer


CASES = {
    "output_delta": Case(
        (output_delta,),
        hard(output_delta),
        ("random",),
        via_bplib=(lambda z, a, y: losses.quadratic_delta(z, a, y, activations.sigmoid_prime),),
    ),
    "backprop_step": Case((backprop_step,), hard(backprop_step), ("random",)),
    "layer_gradients": Case(
        (layer_gradients,),
        hard(layer_gradients),
        ("random",),
        calls=({}, {"seed": 7}, {"seed": 3, "m": 1, "n_in": 1, "n_out": 4}),
    ),
    "backprop": Case(
        (backprop,),
        hard(backprop),
        ("random",),
        calls=(
            {},
            {"seed": 7},
            {"seed": 3, "sizes": (2, 1), "m": 1},
            {"seed": 4, "sizes": (3, 4, 4, 1), "m": 2},
        ),
        via_bplib=(via_network(),),
    ),
    "backprop_tanh": Case(
        (backprop_tanh,),
        hard(backprop_tanh),
        ("random",),
        calls=({}, {"seed": 7}, {"seed": 3, "sizes": (2, 1), "m": 1}),
        via_bplib=(via_network("tanh", "identity"),),
    ),
    "locate_bug": Case(
        (locate_bug,),
        hard(locate_bug),
        ("planted bug",),
        calls=({}, {"seed": 7}, {"seed": 3, "sizes": (2, 3, 1), "m": 1}),
    ),
    "fixed_backprop": Case(
        (fixed_backprop,),
        hard(fixed_backprop),
        ("random",),
        calls=({}, {"seed": 7}, {"seed": 3, "sizes": (2, 1), "m": 1}),
        via_bplib=(via_network(),),
    ),
}
