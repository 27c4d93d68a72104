"""Chapter 08's exercises for the tests: the reference answers, as in solutions/08_*.ipynb,
and the contract cases of its checks (see test_contract.py). The tests of the slips build their
wrong answers from these references."""

from collections.abc import Callable

import numpy as np
from cases_ch05 import backprop, backprop_step, output_delta
from contract import Case, hard

from bplib import optim
from bplib.network import Network


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


def last_layer(net, X, Y):
    """(a^{L-1}, a^L, delta^L) of a sigmoid network with the quadratic cost, rows as samples."""
    a_prev = X
    for W, b in zip(net.weights[:-1], net.biases[:-1], strict=True):
        a_prev = 1 / (1 + np.exp(-(a_prev @ W + b)))
    a = 1 / (1 + np.exp(-(a_prev @ net.weights[-1] + net.biases[-1])))
    return a_prev, a, (a - Y) * a * (1 - a)


def output_gradient_norms(net, X, Y):
    # ||outer(a, delta)||_F = ||a|| ||delta||, row by row.
    a_prev, _, delta = last_layer(net, X, Y)
    return np.linalg.norm(a_prev, axis=1) * np.linalg.norm(delta, axis=1)


def update_via_bplib(net, X_batch, Y_batch, eta):
    optim.GradientDescent(eta).step(net.parameters(), net.gradient(X_batch, Y_batch))


def evaluate_via_bplib(net, X, y):
    return int(round(net.accuracy(X, y) * len(X)))


def norms_via_bplib(net, X, Y):
    return np.array(
        [np.linalg.norm(net.backprop(x[None], y[None])[1][-1]) for x, y in zip(X, Y, strict=True)]
    )


def backprop_via_bplib(weights, biases, X, Y):
    return Network.from_weights(weights, biases).backprop(X, Y)


def step_of_the_worked_example() -> Callable:
    """Sets the parameters the worked example's step gives, whatever the network."""
    net = Network([2, 3, 2], seed=1)
    update_mini_batch(net, np.array([[0.5, -1.0], [1.0, 2.0]]), np.eye(2), 0.5)
    weights, biases = net.weights, net.biases

    def step(net, X_batch, Y_batch, eta):
        net.weights = [W.copy() for W in weights]
        net.biases = [b.copy() for b in biases]

    return step


CASES = {
    "update_mini_batch": Case(
        (update_mini_batch,),
        (step_of_the_worked_example(),),
        # A 2-3-2 network's arrays where a 4-3-2 one's are expected.
        ("for random input", "shape"),
        calls=({}, {"seed": 7, "sizes": (5, 4, 3, 2), "batch_size": 1}),
        via_bplib=(update_via_bplib,),
    ),
    "your_backprop": Case(
        (output_delta, backprop_step, backprop),
        hard(output_delta, backprop_step, backprop),
        ("output_delta on random inputs",),
        via_bplib=(output_delta, backprop_step, backprop_via_bplib),
    ),
    "evaluate": Case(
        (evaluate,),
        hard(evaluate),
        ("for random input",),
        calls=({}, {"seed": 7, "n": 1, "k": 10}),
        via_bplib=(evaluate_via_bplib,),
    ),
    "learning_curve_summary": Case(
        (learning_curve_summary,),
        hard(learning_curve_summary),
        ("never reached: no epoch reaches the threshold",),
        not_says="Likely cause",
        calls=({}, {"seed": 7, "epochs": 4}),
    ),
    "output_gradient_norms": Case(
        (output_gradient_norms,),
        hard(output_gradient_norms),
        ("for random input",),
        calls=({}, {"seed": 7, "sizes": (784, 30, 10), "m": 1}),
        via_bplib=(norms_via_bplib,),
    ),
}
