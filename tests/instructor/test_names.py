"""The grader's static backstop for "calling bplib's answer": a cell that imports bplib's answer
or reads it off its module is caught; a variable that only shares its name is not."""

import pytest

from bplib import activations, losses, optim
from bplib.instructor.judge import names
from bplib.network import Network

CASES = [
    ("from bplib import losses\nf = lambda a, y: losses.quadratic(a, y)", losses.quadratic, True),
    ("f = lambda a, y: losses.quadratic(a, y)", losses.quadratic, True),  # imported above
    ("import bplib.losses as L\nf = lambda a, y: L.quadratic(a, y)", losses.quadratic, True),
    ("from bplib.losses import quadratic as q\nf = lambda a, y: q(a, y)", losses.quadratic, True),
    ("f = lambda a, y: bplib.losses.quadratic(a, y)", losses.quadratic, True),
    ("def evaluate(net, X, y):\n    return net.labels(net.feedforward(X))", Network.labels, True),
    ("def g(w, opt):\n    opt.step([w], [w])", optim.Adam.step, True),
    (
        "def mse(a, y):\n    quadratic = ((a - y) ** 2).sum()\n    return quadratic",
        losses.quadratic,
        False,
    ),
    (
        "def evaluate(net, X, y):\n    labels = net.feedforward(X).argmax(1)\n    return labels",
        Network.labels,
        False,
    ),
    (
        "def sigmoid_prime(z):\n    s = 1 / (1 + np.exp(-z))\n    return s * (1 - s)",
        activations.sigmoid_prime,
        False,
    ),
    ("def adam(w):\n    for step in range(3):\n        pass", optim.Adam.step, False),
]


@pytest.mark.parametrize(("source", "answer", "named"), CASES)
def test_a_cell_names_bplibs_answer_only_when_it_reaches_the_function(source, answer, named):
    assert names(source, answer) is named
