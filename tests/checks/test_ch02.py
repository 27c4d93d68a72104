"""The checks of chapter 02 name each common slip (their contract is in test_contract.py)."""

import numpy as np
import pytest
from cases_ch02 import central_gradient, gradient_check, graph_gradients, neuron_gradients

from bplib import gradcheck
from bplib.checks import ch02 as check

# neuron_gradients


def test_the_reference_partials_match_central_differences():
    # The check's expected partials come from the chain rule; here they meet the numbers.
    w = np.array([0.3, -1.2, 0.8, 0.5, -0.4])
    got = neuron_gradients(*w)

    def a():
        return 1 / (1 + np.exp(-(w[0] * w[1] + w[2] * w[3] + w[4])))

    numeric = gradcheck.numerical_gradient(a, w)
    np.testing.assert_allclose([got[k] for k in check.PARTIALS], numeric, rtol=1e-8)


def test_a_missing_partial_is_named(failure):
    def no_b(*args):
        return {k: v for k, v in neuron_gradients(*args).items() if k != "b"}

    assert "lacks the partials ['b']" in failure(check.neuron_gradients, no_b)


def with_one_wrong(name, value):
    """neuron_gradients with the partial ``name`` replaced by ``value(w1, x1, w2, x2, b, a)``."""

    def slip(w1, x1, w2, x2, b):
        partials = neuron_gradients(w1, x1, w2, x2, b)
        a = 1 / (1 + np.exp(-(w1 * x1 + w2 * x2 + b)))
        partials[name] = value(w1, x1, w2, x2, b, a)
        return partials

    return slip


def sigma_prime(z):
    return np.exp(-z) / (1 + np.exp(-z)) ** 2


@pytest.mark.parametrize(
    ("name", "value", "cause"),
    [
        ("w1", lambda w1, x1, w2, x2, b, a: x1, "sigmoid is missing"),
        ("x2", lambda w1, x1, w2, x2, b, a: x2 * a * (1 - a), "crossed the wrong way"),
        ("w2", lambda w1, x1, w2, x2, b, a: x2 * sigma_prime(a), "evaluated at a = sigma(z)"),
        ("b", lambda w1, x1, w2, x2, b, a: a, "sigma(z) was used"),
        ("x1", lambda w1, x1, w2, x2, b, a: -w1 * a * (1 - a), "sign is wrong"),
    ],
)
def test_slips_in_a_partial_are_named_with_the_partial(name, value, cause, failure):
    message = failure(check.neuron_gradients, with_one_wrong(name, value))
    assert f"the partial da/d{name} is wrong" in message and cause in message


# graph_gradients (the transfer exercise)


def f_graph(x, y):
    return (x + 1 / (1 + np.exp(-y))) / (1 / (1 + np.exp(-x)) + (x + y) ** 2)


def test_the_reference_graph_gradients_match_central_differences():
    v = np.array([0.7, -1.9])
    numeric = gradcheck.numerical_gradient(lambda: f_graph(*v), v)
    np.testing.assert_allclose(graph_gradients(*v), numeric, rtol=1e-8)


def staged(x, y):
    s_y, s_x = 1 / (1 + np.exp(-y)), 1 / (1 + np.exp(-x))
    u, q = x + s_y, x + y
    d = s_x + q**2
    return s_y, s_x, u, q, d


def no_numerator_path(x, y):
    s_y, s_x, u, q, d = staged(x, y)
    df_dd = -u / d**2
    return df_dd * (s_x * (1 - s_x) + 2 * q), graph_gradients(x, y)[1]


def no_square_path_for_y(x, y):
    s_y, s_x, u, q, d = staged(x, y)
    return graph_gradients(x, y)[0], s_y * (1 - s_y) / d


def division_sign(x, y):
    s_y, s_x, u, q, d = staged(x, y)
    df_dd = u / d**2
    return (1 / d + df_dd * (s_x * (1 - s_x) + 2 * q), s_y * (1 - s_y) / d + df_dd * 2 * q)


def square_without_2(x, y):
    s_y, s_x, u, q, d = staged(x, y)
    df_dd = -u / d**2
    return (1 / d + df_dd * (s_x * (1 - s_x) + q), s_y * (1 - s_y) / d + df_dd * q)


def sigma_path_dropped(x, y):
    s_y, s_x, u, q, d = staged(x, y)
    return 1 / d - u / d**2 * 2 * q, graph_gradients(x, y)[1]


@pytest.mark.parametrize(
    ("slip", "partial", "cause"),
    [
        (no_numerator_path, "df/dx", "the one through the numerator"),
        (sigma_path_dropped, "df/dx", "the one through sigma(x) is missing"),
        (no_square_path_for_y, "df/dy", "y reaches f along two paths; the one through q"),
        (division_sign, "df/dx", "opposite sign of u"),
        (square_without_2, "df/dx", "the derivative of q^2 is not q"),
    ],
)
def test_a_missing_path_or_a_wrong_local_derivative_is_named(slip, partial, cause, failure):
    message = failure(check.graph_gradients, slip)
    assert message.startswith("✘ graph_gradients: ")
    assert f"{partial} is wrong. Likely cause: " in message and cause in message


def test_a_pair_is_required(failure):
    message = failure(check.graph_gradients, lambda x, y: {"x": 0.0, "y": 0.0})
    assert "expected a pair (df/dx, df/dy), got dict" in message


# central_gradient


def forward(f, x, h=1e-5):
    return np.array([(f(x + h * e) - f(x)) / h for e in np.eye(x.size)]).reshape(x.shape)


def over_h(f, x, h=1e-5):
    return 2 * central_gradient(f, x, h)


def add_subtract(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        f_plus = f(x)
        x[i] -= 2 * h
        f_minus = f(x)
        x[i] += h  # not always the old value again: round-off
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def not_restored(f, x, h=1e-5):
    grad = central_gradient(f, x, h)
    x[0] += h
    return grad


def first_axis_only(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in range(len(x)):
        e = np.zeros_like(x)
        e[i] = h
        grad[i] = (f(x + e) - f(x - e)) / (2 * h)
    return grad


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (forward, "forward differences"),
        (over_h, "divided by h instead of 2h"),
        (lambda f, x, h=1e-5: -central_gradient(f, x, h), "the sign is wrong"),
        (add_subtract, "restored only up to round-off"),
        (not_restored, "the function changed x"),
        (first_axis_only, "shape (2, 3)"),
    ],
)
def test_slips_in_the_central_gradient_are_named(slip, cause, failure):
    assert cause in failure(check.central_gradient, slip)


# gradient_check


def entrywise_max(f, grad_f, x, tol=1e-7):
    g, n = grad_f(x), gradcheck.numerical_gradient(lambda: f(x), x)
    return np.max(np.abs(g - n) / (np.abs(g) + np.abs(n))), gradient_check(f, grad_f, x, tol)[1]


def over_n(f, grad_f, x, tol=1e-7):
    g, n = grad_f(x), gradcheck.numerical_gradient(lambda: f(x), x)
    return np.linalg.norm(g - n) / np.linalg.norm(n), gradient_check(f, grad_f, x, tol)[1]


def forward_numeric(f, grad_f, x, tol=1e-7):
    g, n = grad_f(x), forward(f, x)
    return gradcheck.rel_error(g, n), gradient_check(f, grad_f, x, tol)[1]


def absolute(f, grad_f, x, tol=1e-7):
    g, n = grad_f(x), gradcheck.numerical_gradient(lambda: f(x), x)
    return gradcheck.rel_error(g, n), [tuple(i) for i in np.argwhere(np.abs(g - n) > tol)]


def inverted(f, grad_f, x, tol=1e-7):
    g, n = grad_f(x), gradcheck.numerical_gradient(lambda: f(x), x)
    scale = np.linalg.norm(g) + np.linalg.norm(n)
    return gradcheck.rel_error(g, n), [tuple(i) for i in np.argwhere(np.abs(g - n) <= tol * scale)]


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (entrywise_max, "largest entry-wise relative error"),
        (over_n, "divided by ||n|| alone"),
        (forward_numeric, "forward differences"),
        (absolute, "compared with tol on its own, but tol bounds a relative error"),
        (inverted, "the ones that agree"),
    ],
)
def test_slips_in_the_gradient_check_are_named(slip, cause, failure):
    assert cause in failure(check.gradient_check, slip)


def test_indices_may_be_given_as_plain_integers_for_a_vector(passes):
    def as_ints(f, grad_f, x, tol=1e-7):
        err, bad = gradient_check(f, grad_f, x, tol)
        return err, bad if x.ndim > 1 else [int(i[0]) for i in bad]

    passes(check.gradient_check, as_ints)
