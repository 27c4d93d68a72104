"""Chapter 02's exercises for the tests: the reference answers, as in solutions/02_*.ipynb,
and the contract cases of its checks (see test_contract.py). The tests of the slips build their
wrong answers from these references."""

import numpy as np
from contract import Case, hard

from bplib import gradcheck


def neuron_gradients(w1, x1, w2, x2, b):
    z = w1 * x1 + w2 * x2 + b
    a = 1 / (1 + np.exp(-z))
    dz = a * (1 - a)
    return {"w1": x1 * dz, "x1": w1 * dz, "w2": x2 * dz, "x2": w2 * dz, "b": dz}


def central_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def gradient_check(f, grad_f, x, tol=1e-7):
    g = grad_f(x)
    n = gradcheck.numerical_gradient(lambda: f(x), x)
    scale = np.linalg.norm(g) + np.linalg.norm(n)
    return gradcheck.rel_error(g, n), [tuple(i) for i in np.argwhere(np.abs(g - n) > tol * scale)]


CASES = {
    "neuron_gradients": Case(
        (neuron_gradients,),
        hard(neuron_gradients),
        ("the partial da/dw1",),
        not_says="w1=2.000",
    ),
    "central_gradient": Case((central_gradient,), hard(central_gradient), ("shape (1,)",)),
    "gradient_check": Case((gradient_check,), hard(gradient_check), ("a correct gradient",)),
}
