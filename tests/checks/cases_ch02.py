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


def graph_gradients(x, y):
    s_y = 1 / (1 + np.exp(-y))
    u = x + s_y
    s_x = 1 / (1 + np.exp(-x))
    q = x + y
    d = s_x + q**2
    df_du, df_dd = 1 / d, -u / d**2
    df_dq = df_dd * 2 * q
    df_dx = df_du + df_dd * s_x * (1 - s_x) + df_dq
    df_dy = df_du * s_y * (1 - s_y) + df_dq
    return float(df_dx), float(df_dy)


def central_gradient_via_bplib(f, x, h=1e-5):
    return gradcheck.numerical_gradient(lambda: f(x), x, h)


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
    "graph_gradients": Case(
        (graph_gradients,), hard(graph_gradients), ("df/dx", "expected"), not_says="x=3.0000"
    ),
    "central_gradient": Case(
        (central_gradient,),
        hard(central_gradient),
        ("shape (1,)",),
        via_bplib=(central_gradient_via_bplib,),
    ),
    "gradient_check": Case((gradient_check,), hard(gradient_check), ("a correct gradient",)),
}
