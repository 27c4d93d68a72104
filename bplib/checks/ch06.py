r"""Checks for chapter 06, losses and output layers: the output errors of the cross-entropy and
of softmax outputs with the quadratic cost, a softmax that does not overflow, the gradient of
the negative log-likelihood with respect to $z$, and the cross-entropy computed from $z$.

Derivatives are compared with central differences of the cost, so any correct form passes.
"""

from collections.abc import Callable

import numpy as np

from bplib import gradcheck, losses
from bplib.activations import sigmoid, sigmoid_prime
from bplib.activations import softmax as stable_softmax
from bplib.checks.feedback import (
    CENTRAL_DIFFERENCES,
    call,
    compare,
    exercise,
    fail,
    judged_on_its_own,
)
from bplib.data import one_hot


def _per_sample_gradient(cost: Callable[[np.ndarray], float], z: np.ndarray) -> np.ndarray:
    r"""$\partial C_x / \partial z$ of every sample by central differences, where ``cost(z)`` is
    $\sum_x C_x$: each row of z reaches its own sample's cost only."""
    z = z.copy()
    return gradcheck.numerical_gradient(lambda: cost(z), z)


# --- cross_entropy_delta ------------------------------------------------------------------------


def _cross_entropy_sum(y: np.ndarray) -> Callable[[np.ndarray], float]:
    r"""$z \mapsto \sum_x C_x$ of the cross-entropy of sigmoid outputs, written in $z$ (exact)."""
    return lambda z: float(np.sum(np.logaddexp(0.0, z) - y * z))


@exercise("cross_entropy_delta", bplib_answers=(losses.cross_entropy_delta,))
def cross_entropy_delta(fn: Callable, seed: int = 0, m: int = 5, k: int = 4) -> None:
    r"""``fn(z, a, y)`` must return $\delta^L = \partial C_x / \partial z^L$ of each sample for
    sigmoid outputs and the cross-entropy, shape (m, k); compared with central differences."""
    rng = np.random.default_rng(seed)
    z_worked = np.array([[2.0, -1.0, 0.0], [0.5, 3.0, -2.0]])
    worked = (z_worked, np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]))
    random = (rng.normal(0.0, 2.0, (m, k)), rng.random((m, k)))
    for label, (z, y) in [("the worked example", worked), (f"random inputs (seed {seed})", random)]:
        a = sigmoid(z)
        got = call(fn, z.copy(), a.copy(), y.copy(), what=f"cross_entropy_delta on {label}")
        compare(
            got,
            _per_sample_gradient(_cross_entropy_sum(y), z),
            f"cross_entropy_delta on {label} (compared with central differences)",
            CENTRAL_DIFFERENCES,
            causes=[
                (
                    (a - y) * sigmoid_prime(z),
                    "δ still includes σ′(z): with the cross-entropy, ∂C/∂a has the denominator "
                    "a(1 − a), and σ′(z) = a(1 − a) cancels it",
                ),
                (y - a, "wrong sign: descent needs ∂C/∂z, and C grows as a moves away from y"),
                (
                    (a - y) / len(z),
                    "divided by m: δ^L is the error of each sample; the mean over the batch comes "
                    "in the gradients",
                ),
                (
                    (a - y) / np.maximum(a * (1 - a), 1e-300),
                    "that is ∂C/∂a; δ^L = ∂C/∂z multiplies it by σ′(z) = a(1 − a)",
                ),
            ],
        )


# --- softmax ------------------------------------------------------------------------------------


@exercise("softmax", bplib_answers=(stable_softmax,))
def softmax(fn: Callable, seed: int = 0, m: int = 5, k: int = 4) -> None:
    r"""``fn(z)`` must return the softmax of each row of ``z`` (m, k), without overflow."""
    rng = np.random.default_rng(seed)
    cases = [
        ("the worked example", np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])),
        (f"random inputs (seed {seed})", rng.normal(0.0, 3.0, (m, k))),
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
                "whole row underflows to 0 for z = −1000 when a constant too small or too large "
                "is subtracted. Use one constant per row (axis=1, keepdims=True), chosen so that "
                "no exponent is positive; it cancels between numerator and denominator"
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
    """∂C/∂z of the mean negative log-likelihood of softmax(z), by central differences."""
    Y = one_hot(y, z.shape[1])
    z = z.copy()
    return gradcheck.numerical_gradient(lambda: losses.log_likelihood(stable_softmax(z), Y), z)


@exercise("log_likelihood_gradient", bplib_answers=(losses.log_likelihood_delta,))
def log_likelihood_gradient(fn: Callable, seed: int = 0, m: int = 6, k: int = 4) -> None:
    r"""``fn(z, y)`` must return the gradient of the mean cost
    $C = -\frac1m \sum_x \ln a_{x, y_x}$, $a = \mathrm{softmax}(z)$, with respect to ``z``,
    shape (m, k). ``y`` holds (m,) integer labels. Compared with central differences of C;
    judged with a correct softmax when it calls the student's own wrong one.
    """
    judged_on_its_own(
        fn,
        "log_likelihood_gradient",
        lambda f: _log_likelihood_gradient(f, seed, m, k),
        {"softmax": stable_softmax},
    )


def _log_likelihood_gradient(fn: Callable, seed: int, m: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    worked = (np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]), np.array([1, 0]))
    random = (rng.normal(0.0, 2.0, (m, k)), rng.integers(0, k, m))
    for label, (z, y) in [("the worked example", worked), (f"random inputs (seed {seed})", random)]:
        got = call(fn, z.copy(), y.copy(), what=f"log_likelihood_gradient(z, y) on {label}")
        a, Y, size = stable_softmax(z), one_hot(y, z.shape[1]), len(z)
        compare(
            got,
            _numerical(z, y),
            f"log_likelihood_gradient on {label} (compared with central differences)",
            CENTRAL_DIFFERENCES,
            causes=[
                (
                    a - Y,
                    "that is the error of each sample; the gradient of the mean cost carries the "
                    "factor 1/m of the mean",
                ),
                ((Y - a) / size, "wrong sign: descent needs ∂C/∂z, which grows with a"),
                ((z - Y) / size, "softmax is missing: the derivative involves a = softmax(z)"),
                (
                    -Y / np.maximum(a, 1e-300) / size,
                    "that is ∂C/∂a; through the softmax's Jacobian it becomes ∂C/∂z",
                ),
                (
                    (np.exp(z) / np.sum(np.exp(z), axis=0) - Y) / size,
                    "softmax along the wrong axis: normalize each row (axis=1)",
                ),
                (
                    Y * (a - 1) / size,
                    "only the right class's z_y got a derivative: a_y depends on every z_j, so "
                    "the other classes get one too",
                ),
            ],
        )


# --- softmax_quadratic_delta --------------------------------------------------------------------


def _quadratic_of_softmax_sum(y: np.ndarray) -> Callable[[np.ndarray], float]:
    r"""$z \mapsto \sum_x \frac12 \lVert \mathrm{softmax}(z_x) - y_x \rVert^2$."""
    return lambda z: 0.5 * float(np.sum((stable_softmax(z) - y) ** 2))


@exercise("softmax_quadratic_delta")
def softmax_quadratic_delta(fn: Callable, seed: int = 0, m: int = 5, k: int = 4) -> None:
    r"""``fn(z, y)`` must return $\delta^L = \partial C_x / \partial z^L$ of each sample for
    softmax outputs and $C_x = \frac12 \lVert a - y \rVert^2$, shape (m, k); compared with
    central differences of each sample's cost (with a correct softmax when it calls the
    student's own wrong one)."""
    judged_on_its_own(
        fn,
        "softmax_quadratic_delta",
        lambda f: _softmax_quadratic_delta(f, seed, m, k),
        {"softmax": stable_softmax},
    )


def _softmax_quadratic_delta(fn: Callable, seed: int, m: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    worked = (np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]), np.eye(3)[[1, 0]])
    random = (rng.normal(0.0, 2.0, (m, k)), rng.uniform(-1.0, 2.0, (m, k)))
    for label, (z, y) in [("the worked example", worked), (f"random inputs (seed {seed})", random)]:
        got = call(fn, z.copy(), y.copy(), what=f"softmax_quadratic_delta(z, y) on {label}")
        a = stable_softmax(z)
        e = a - y
        compare(
            got,
            _per_sample_gradient(_quadratic_of_softmax_sum(y), z),
            f"softmax_quadratic_delta on {label} (compared with central differences)",
            CENTRAL_DIFFERENCES,
            causes=[
                (
                    e * a * (1 - a),
                    "the softmax was treated as elementwise: a(1 − a) is only the diagonal of its "
                    "Jacobian; each a_i depends on every z_j, so δ_j sums over all i",
                ),
                (
                    e,
                    "that is δ^L of the negative log-likelihood; with the quadratic cost the "
                    "Jacobian does not cancel",
                ),
                (-a * (e - np.sum(e * a, axis=1, keepdims=True)), "wrong sign"),
                (
                    a * (e - np.sum(e * a, axis=0, keepdims=True)),
                    "the sum over i ran over the samples (axis 0); it runs over the k outputs of "
                    "one sample (axis=1)",
                ),
                (
                    e - np.sum(e * a, axis=1, keepdims=True),
                    "the factor a_j of the Jacobian a_i(1[i = j] − a_j) is missing",
                ),
                (
                    a * (e - np.sum(e, axis=1, keepdims=True)),
                    "the sum over i lost its factor a_i (from the Jacobian's −a_i a_j)",
                ),
                (
                    a * (e - np.sum(e * a, axis=1, keepdims=True)) / len(z),
                    "divided by m: δ^L is the error of each sample",
                ),
            ],
        )


# --- cross_entropy_from_z -----------------------------------------------------------------------


@exercise("cross_entropy_from_z")
def cross_entropy_from_z(fn: Callable, seed: int = 0, m: int = 6, k: int = 3) -> None:
    r"""``fn(z, y)`` must return the mean cross-entropy of the sigmoid outputs $\sigma(z)$ over
    the batch, a number, finite and accurate for any finite ``z`` (m, k)."""
    rng = np.random.default_rng(seed)
    cases = [
        ("the worked example", np.array([[2.0, -1.0], [0.5, 3.0]]), np.array([[1.0, 0.0], [0, 1]])),
        (f"random inputs (seed {seed})", rng.normal(0.0, 3.0, (m, k)), rng.random((m, k))),
        (
            "saturated outputs, z = ±40 and ±1000",
            np.array([[40.0, -40.0, 1000.0], [-1000.0, 700.0, -800.0]]),
            np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 0.5]]),
        ),
    ]
    for label, z, y in cases:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            got = call(fn, z.copy(), y.copy(), what=f"cross_entropy_from_z(z, y) on {label}")
        expected = _cross_entropy_sum(y)(z) / len(z)
        if np.ndim(got) == 1 and np.size(got) == len(z):
            fail(
                f"cross_entropy_from_z on {label} returned one cost per sample; C is their mean "
                "over the batch, a single number"
            )
        if np.size(got) == 1 and not np.isfinite(np.asarray(got, dtype=float)).all():
            fail(
                f"cross_entropy_from_z on {label} returned {float(got)}, expected the finite "
                f"{expected:.6g}. Likely cause: ln(1 − σ(z)) with σ(z) rounded to 1.0, or "
                "e^z overflowing inside a logarithm; write ln(1 + e^z) so that no exponent is "
                "positive"
            )
        with np.errstate(divide="ignore"):
            clipped = losses.cross_entropy(sigmoid(z), y)
        compare(
            got,
            expected,
            f"cross_entropy_from_z on {label}",
            causes=[
                (
                    clipped,
                    "σ(z) was formed and clipped (as bplib's losses.cross_entropy does), "
                    "so a hopelessly wrong output costs about 27.6 instead of |z|: stay with z",
                ),
                (expected * len(z), "the sum over the batch where a mean was meant: divide by m"),
                (-expected, "wrong sign: the cost is positive"),
                (
                    expected / z.shape[1],
                    "divided by m·k (np.mean over every entry): the cost sums over the k outputs "
                    "and averages over the m samples",
                ),
                (
                    float(np.sum(np.logaddexp(0.0, z) + y * z)) / len(z),
                    "the sign of the y·z term: ln σ(z) = z − ln(1 + e^z)",
                ),
            ],
        )
