r"""Checks for chapter 06, losses and output layers: the cross-entropy and its output error,
a stable softmax, and the gradient of the log-likelihood cost with respect to $z$.

$$C_{CE} = -\frac1n \sum_x \sum_j \left[y_j \ln a_j + (1 - y_j) \ln(1 - a_j)\right], \qquad
\delta^L = a - y,$$
$$\mathrm{softmax}(z)_j = \frac{e^{z_j - m}}{\sum_k e^{z_k - m}},\ m = \max_k z_k, \qquad
\frac{\partial}{\partial z}\Big(-\frac1n \sum_x \ln a_{x, y_x}\Big)
= \frac{a - \mathrm{onehot}(y)}{n}.$$
"""

from collections.abc import Callable

import numpy as np

from bplib import gradcheck, losses
from bplib.activations import sigmoid, sigmoid_prime
from bplib.activations import softmax as stable_softmax
from bplib.checks.feedback import CENTRAL_DIFFERENCES, call, compare, exercise, fail
from bplib.data import one_hot

# --- cross_entropy ------------------------------------------------------------------------------


@exercise("cross_entropy")
def cross_entropy(fn: Callable, seed: int = 0, n: int = 6, k: int = 3) -> None:
    r"""``fn(a, y)`` must return the mean cross-entropy over the batch, a number.

    ``a`` (n, k) lies strictly between 0 and 1; ``y`` (n, k) holds targets in [0, 1].
    """
    rng = np.random.default_rng(seed)
    worked = (np.array([[0.9, 0.2], [0.4, 0.7]]), np.array([[1.0, 0.0], [0.0, 1.0]]))
    random = (rng.uniform(0.01, 0.99, (n, k)), rng.random((n, k)))
    for label, (a, y) in [("the worked example", worked), (f"random inputs (seed {seed})", random)]:
        got = call(fn, a.copy(), y.copy(), what=f"cross_entropy(a, y) on {label}")
        expected = losses.cross_entropy(a, y)
        per_sample = -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a), axis=1)
        if np.ndim(got) == 1 and np.size(got) == len(a):
            compare(got, per_sample, f"cross_entropy on {label}")
            fail(
                f"cross_entropy on {label} returned one cost per sample; "
                "C is their mean over the batch, a single number"
            )
        compare(
            got,
            expected,
            f"cross_entropy on {label}",
            causes=[
                (
                    expected * a.shape[0],
                    "the sum over the batch where a mean was meant: divide by n, the number of "
                    "rows",
                ),
                (-expected, "the minus sign is missing: ln a < 0, so C = −(…) is positive"),
                (
                    expected / a.shape[1],
                    "divided by n·k (np.mean over every entry): the cost sums over the k outputs "
                    "and averages over the n samples",
                ),
                (
                    -np.sum(y * np.log(a)) / a.shape[0],
                    "the term (1 − y) ln(1 − a) is missing: a sigmoid output is the probability "
                    "of a 1, so the cost also rewards a small a where y = 0",
                ),
            ],
        )


@exercise("cross_entropy_delta")
def cross_entropy_delta(fn: Callable, seed: int = 0, n: int = 5, k: int = 4) -> None:
    r"""``fn(z, a, y)`` must return $\delta^L = a - y$ per sample, shape (n, k)."""
    rng = np.random.default_rng(seed)
    z_worked = np.array([[2.0, -1.0, 0.0], [0.5, 3.0, -2.0]])
    worked = (z_worked, np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]))
    random = (rng.normal(0.0, 2.0, (n, k)), rng.random((n, k)))
    for label, (z, y) in [("the worked example", worked), (f"random inputs (seed {seed})", random)]:
        a = sigmoid(z)
        got = call(fn, z.copy(), a.copy(), y.copy(), what=f"cross_entropy_delta on {label}")
        compare(
            got,
            a - y,
            f"cross_entropy_delta on {label}",
            causes=[
                (
                    (a - y) * sigmoid_prime(z),
                    "δ still includes σ′(z): with the cross-entropy, ∂C/∂a = (a − y)/(a(1 − a)) "
                    "and σ′(z) = a(1 − a) cancel",
                ),
                (y - a, "wrong sign: δ^L = a − y"),
                (
                    (a - y) / len(z),
                    "divided by n: δ^L is the error of each sample; the mean over the batch comes "
                    "in the gradients",
                ),
            ],
        )


# --- softmax ------------------------------------------------------------------------------------


@exercise("softmax")
def softmax(fn: Callable, seed: int = 0, n: int = 5, k: int = 4) -> None:
    r"""``fn(z)`` must return the softmax of each row of ``z`` (n, k), without overflow."""
    rng = np.random.default_rng(seed)
    cases = [
        ("the worked example", np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])),
        (f"random inputs (seed {seed})", rng.normal(0.0, 3.0, (n, k))),
        (
            "z with entries ±1000",
            np.array([[1000.0, 1001.0, -1000.0], [-1000.0, -1000.0, -999.0]]),
        ),
    ]
    for label, z in cases:
        # A naive softmax overflows here; its NaN is diagnosed below, its warnings would be noise.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            got = call(fn, z.copy(), what=f"softmax(z) on {label}")
        expected = stable_softmax(z)
        if np.shape(got) == z.shape and not np.all(np.isfinite(got)):
            fail(
                f"softmax on {label} contains NaN or infinity: e^z overflows for z = 1000, or a "
                "whole row underflows to 0 for z = −1000 when the wrong maximum is subtracted. "
                "Subtract each row's own maximum (axis=1, keepdims=True) before exp; it cancels "
                "between numerator and denominator"
            )
        if np.shape(got) == z.shape and not np.allclose(np.sum(got, axis=1), 1.0):
            row_sums = np.sum(got, axis=1)
            worst = int(np.argmax(np.abs(row_sums - 1.0)))
            cause = ""
            if np.allclose(np.sum(got, axis=0), 1.0):
                cause = ". Likely cause: softmax along axis 0, over the samples; use axis=1"
            elif np.isclose(np.sum(got), 1.0):
                cause = ". Likely cause: normalized over the whole batch; sum along axis=1"
            fail(
                f"softmax on {label}: row {worst} sums to {row_sums[worst]:.6g}, but each row "
                f"(one sample) must sum to 1{cause}"
            )
        compare(got, expected, f"softmax on {label}")


# --- log_likelihood_gradient --------------------------------------------------------------------


def _numerical(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂C/∂z of the mean log-likelihood cost of softmax(z), by central differences."""
    Y = one_hot(y, z.shape[1])
    z = z.copy()
    return gradcheck.numerical_gradient(lambda: losses.log_likelihood(stable_softmax(z), Y), z)


@exercise("log_likelihood_gradient")
def log_likelihood_gradient(fn: Callable, seed: int = 0, n: int = 6, k: int = 4) -> None:
    r"""``fn(z, y)`` must return the gradient of the mean cost
    $C = -\frac1n \sum_x \ln a_{x, y_x}$, $a = \mathrm{softmax}(z)$, with respect to ``z``:
    $(a - \mathrm{onehot}(y)) / n$, shape (n, k). ``y`` holds (n,) integer labels.

    Compared with central differences of the cost.
    """
    rng = np.random.default_rng(seed)
    worked = (np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]), np.array([1, 0]))
    random = (rng.normal(0.0, 2.0, (n, k)), rng.integers(0, k, n))
    for label, (z, y) in [("the worked example", worked), (f"random inputs (seed {seed})", random)]:
        got = call(fn, z.copy(), y.copy(), what=f"log_likelihood_gradient(z, y) on {label}")
        a, Y, m = stable_softmax(z), one_hot(y, z.shape[1]), len(z)
        compare(
            got,
            _numerical(z, y),
            f"log_likelihood_gradient on {label} (compared with central differences)",
            CENTRAL_DIFFERENCES,
            causes=[
                (
                    a - Y,
                    "the gradient of the mean cost carries a factor 1/n: divide a − onehot(y) by n",
                ),
                ((Y - a) / m, "wrong sign: ∂C/∂z = (a − onehot(y))/n"),
                ((z - Y) / m, "softmax is missing: a = softmax(z), then (a − onehot(y))/n"),
                (
                    -Y / np.maximum(a, 1e-300) / m,
                    "that is ∂C/∂a; through the softmax's Jacobian it becomes (a − onehot(y))/n",
                ),
                (
                    (np.exp(z) / np.sum(np.exp(z), axis=0) - Y) / m,
                    "softmax along the wrong axis: normalize each row (axis=1)",
                ),
            ],
        )
