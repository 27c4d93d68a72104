r"""Checks for chapter 03, activation functions: their derivatives, the ReLU family, a sigmoid
that neither overflows nor loses precision in its tails, and the derivative of swish.

$$\sigma'(z) = \sigma(z)(1 - \sigma(z)), \qquad \tanh'(z) = 1 - \tanh^2(z), \qquad
\mathrm{relu}'(z) = [z > 0], \qquad \mathrm{leaky}'(z) = 1 \text{ if } z > 0 \text{ else } \alpha,
\qquad \mathrm{swish}'(z) = \sigma(z) + z\,\sigma'(z).$$

The messages name the slip they recognize, never the whole formula.
"""

import warnings
from collections.abc import Callable

import numpy as np

from bplib import activations
from bplib.activations import sigmoid
from bplib.checks.feedback import (
    CENTRAL_DIFFERENCES,
    Tolerance,
    call,
    compare,
    exercise,
    fail,
    judged_on_its_own,
    unchanged,
)

WORKED = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
# bplib's derivatives written in the activation, e.g. a(1 - a): the shortcut the exercise derives.
FROM_OUTPUT: dict[str, Callable] = {
    a.name: a.prime_from_output
    for a in activations.ACTIVATIONS.values()
    if a.prime_from_output is not None
}


def _inputs(seed: int, shape: tuple[int, ...]) -> list[tuple[str, np.ndarray]]:
    """The worked example and random z of ``shape`` with a few exact zeros (the kinks)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 3.0, shape)
    z.flat[rng.choice(z.size, size=min(2, z.size), replace=False)] = 0.0
    worked = ("the worked example z = [-2, -0.5, 0, 0.5, 2]", WORKED)
    return [worked, (f"random z (seed {seed})", z)]


def _on_copy(fn: Callable, z: np.ndarray, *args, what: str):
    """Call ``fn(z, *args)`` on a copy of z and fail if it changed that copy."""
    given = z.copy()
    changed = (
        f"{what} changed its input z in place (e.g. z[z < 0] = 0); the caller's array must "
        "stay as it was: compute a new array, e.g. with np.maximum or np.where"
    )
    with unchanged(lambda: [given], changed):
        return call(fn, given, *args, what=what)


# --- sigmoid_prime ------------------------------------------------------------------------------


@exercise("sigmoid_prime", bplib_answers=(activations.sigmoid_prime, FROM_OUTPUT["sigmoid"]))
def sigmoid_prime(fn: Callable, seed: int = 0, shape: tuple[int, ...] = (4, 5)) -> None:
    r"""``fn(z)`` must return $\sigma'(z) = \sigma(z)(1 - \sigma(z))$, elementwise."""
    for label, z in _inputs(seed, shape):
        s = sigmoid(z)
        compare(
            _on_copy(fn, z, what=f"sigmoid_prime(z) on {label}"),
            s * (1.0 - s),
            f"sigmoid_prime on {label}",
            causes=[
                (
                    activations.sigmoid_prime(s),
                    "σ′ was applied to σ(z), that is to the activation: sigmoid_prime is given "
                    "z itself, so compute σ(z) from it once, inside",
                ),
                (
                    z * (1.0 - z),
                    "you computed z(1 − z): that shortcut is written in the activation "
                    "a = σ(z), but sigmoid_prime is given z; compute a = σ(z) first",
                ),
                (s, "you returned σ(z) itself: σ′ is the slope of σ, not its value"),
                (1.0 - s, "you returned 1 − σ(z) = σ(−z): a factor is missing"),
                (
                    1.0 - s**2,
                    "1 − σ(z)² is not σ′: at z = 0 it gives 3/4, three times too much; redo "
                    "the algebra that writes e^(−z) / (1 + e^(−z))² with σ(z)",
                ),
                (-s * (1.0 - s), "wrong sign: the sigmoid rises everywhere, so σ′(z) > 0"),
            ],
        )


# The course's version of exercise 1, in place of the student's when a later answer uses it.
REFERENCES = {"sigmoid_prime": activations.sigmoid_prime}


# --- tanh_prime ---------------------------------------------------------------------------------


@exercise("tanh_prime", bplib_answers=(activations.tanh_prime, FROM_OUTPUT["tanh"]))
def tanh_prime(fn: Callable, seed: int = 0, shape: tuple[int, ...] = (4, 5)) -> None:
    r"""``fn(z)`` must return $\tanh'(z) = 1 - \tanh^2(z)$, elementwise; one written with the
    student's ``sigmoid_prime`` (via $\tanh z = 2\sigma(2z) - 1$) is judged on its own."""
    judged_on_its_own(fn, "tanh_prime", lambda f: _tanh_prime(f, seed, shape), REFERENCES)


def _tanh_prime(fn: Callable, seed: int, shape: tuple[int, ...]) -> None:
    for label, z in _inputs(seed, shape):
        t = np.tanh(z)
        compare(
            _on_copy(fn, z, what=f"tanh_prime(z) on {label}"),
            1.0 - t**2,
            f"tanh_prime on {label}",
            causes=[
                (
                    1.0 - np.tanh(t) ** 2,
                    "tanh′ was applied to tanh(z), that is to the activation: tanh_prime is "
                    "given z itself, so compute tanh(z) from it once, inside",
                ),
                (
                    1.0 - z**2,
                    "you computed 1 − z²: that shortcut is written in the activation "
                    "a = tanh(z), but tanh_prime is given z; compute a = tanh(z) first",
                ),
                (
                    1.0 - t,
                    "you computed 1 − tanh(z), which differs at z and −z; tanh is odd, so its "
                    "slope is the same at z and −z. Redo the last step of the quotient rule",
                ),
                (
                    (1.0 - t) ** 2,
                    "you computed (1 − tanh(z))², which differs at z and −z; tanh is odd, so "
                    "its slope is the same at z and −z. Where does the square belong?",
                ),
                (t**2 - 1.0, "wrong sign: tanh rises everywhere, so tanh′(z) > 0"),
                (activations.sigmoid_prime(z), "that is σ′(z), the sigmoid's derivative"),
                (
                    2.0 * activations.sigmoid_prime(2.0 * z),
                    "from tanh z = 2σ(2z) − 1: the chain rule also multiplies by the "
                    "derivative of the inner 2z",
                ),
                (
                    4.0 * activations.sigmoid_prime(z),
                    "from tanh z = 2σ(2z) − 1: σ′ is taken at the inner argument 2z, not at z",
                ),
            ],
        )


# --- relu_family --------------------------------------------------------------------------------

ZERO = (
    "at z = 0 exactly, where ReLU has a kink, this course (and bplib) takes the derivative "
    "of the left side: relu′(0) = 0 and leaky_relu′(0) = α. Test z > 0, not z >= 0"
)


@exercise(
    "relu_family",
    bplib_answers=(
        activations.relu,
        activations.relu_prime,
        activations.leaky_relu,
        activations.leaky_relu_prime,
    ),
)
def relu_family(
    relu: Callable,
    relu_prime: Callable,
    leaky_relu: Callable,
    leaky_relu_prime: Callable,
    seed: int = 0,
    shape: tuple[int, ...] = (4, 5),
) -> None:
    r"""ReLU, leaky ReLU and their derivatives, the leaky ones with the default $\alpha = 0.01$
    and with a random $\alpha$ passed as the second argument."""
    alpha = float(np.random.default_rng(seed + 1).uniform(0.05, 0.3))
    for label, z in _inputs(seed, shape):
        positive = (z > 0).astype(float)
        compare(
            _on_copy(relu, z, what=f"relu(z) on {label}"),
            np.maximum(z, 0.0),
            f"relu on {label}",
            causes=[
                (np.abs(z), "|z| is not ReLU: negative z give 0, not −z"),
                (np.minimum(z, 0.0), "min where max belongs: relu(z) = max(0, z)"),
                (positive, "that is relu′(z), the derivative; relu(z) = max(0, z)"),
            ],
        )
        compare(
            _on_copy(relu_prime, z, what=f"relu_prime(z) on {label}"),
            positive,
            f"relu_prime on {label}",
            causes=[
                ((z >= 0).astype(float), ZERO),
                (np.maximum(z, 0.0), "that is relu(z) itself; its derivative is 1 or 0"),
            ],
        )
        for a, args in [(0.01, ()), (alpha, (alpha,))]:
            call_args = "z" if not args else f"z, alpha={a:.4f}"
            leaky = np.where(z > 0, z, a * z)
            causes = [
                (np.maximum(z, 0.0), "that is plain ReLU: for z ≤ 0 leaky ReLU gives α z, not 0"),
                (np.where(z > 0, z, a), "for z ≤ 0 leaky ReLU gives α z, not α"),
            ]
            if args:
                causes.append(
                    (
                        np.where(z > 0, z, 0.01 * z),
                        "alpha was ignored: use the alpha passed in (0.01 is only its default)",
                    )
                )
            compare(
                _on_copy(leaky_relu, z, *args, what=f"leaky_relu({call_args}) on {label}"),
                leaky,
                f"leaky_relu({call_args}) on {label}",
                causes=causes,
            )
            causes = [
                (np.where(z >= 0, 1.0, a), ZERO),
                (positive, "that is relu′: for z < 0 the slope of leaky ReLU is α, not 0"),
                (np.where(z > 0, 1.0, a * z), "for z < 0 the derivative of α z is α, not α z"),
                (leaky, "that is leaky_relu(z) itself; its derivative is 1 or α"),
            ]
            if args:
                causes.append(
                    (
                        np.where(z > 0, 1.0, 0.01),
                        "alpha was ignored: use the alpha passed in (0.01 is only its default)",
                    )
                )
            compare(
                _on_copy(
                    leaky_relu_prime, z, *args, what=f"leaky_relu_prime({call_args}) on {label}"
                ),
                np.where(z > 0, 1.0, a),
                f"leaky_relu_prime({call_args}) on {label}",
                causes=causes,
            )


# --- stable_sigmoid -----------------------------------------------------------------------------

OVERFLOW = (
    "e^x overflows to inf for x > 709.78: use each textbook form of σ only on the side of z "
    "where its exponential is at most 1. Note that np.where(cond, A, B) computes A and B for "
    "every entry, so a branch that overflows warns even where it is not chosen"
)


def _warned_on_copy(fn: Callable, z: np.ndarray, what: str):
    """Call ``fn`` on z and fail, with the likely cause, if it raised a RuntimeWarning."""
    with (
        warnings.catch_warnings(record=True) as caught,
        np.errstate(over="warn", invalid="warn", divide="warn"),
    ):
        warnings.simplefilter("always")
        got = _on_copy(fn, z, what=what)
    runtime = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    if runtime:
        cause = OVERFLOW
        if not any("overflow" in m for m in runtime):
            cause = (
                "an inf/inf or 0/0 somewhere; with exponentials that are at most 1, no "
                "division can be inf/inf or 0/0"
            )
        fail(f"{what} gave a RuntimeWarning: {'; '.join(runtime)}. Likely cause: {cause}")
    return got


@exercise("stable_sigmoid", bplib_answers=(activations.sigmoid,))
def stable_sigmoid(fn: Callable, seed: int = 0, shape: tuple[int, ...] = (4, 5)) -> None:
    r"""``fn(z)`` must return $\sigma(z)$ with no RuntimeWarning for any $z$ and with full
    relative precision (1e-12) in both tails, e.g. $\sigma(-40) = e^{-40}/(1 + e^{-40})$ and
    $\sigma(40) = 1$."""
    rng = np.random.default_rng(seed)
    cases = [
        ("the worked example z = [-1000, -40, 0, 40, 1000]", np.array([-1e3, -40.0, 0, 40, 1e3])),
        (f"random z in [-700, 700] (seed {seed})", rng.uniform(-700.0, 700.0, shape)),
        (f"random z near 0 (seed {seed})", rng.normal(0.0, 5.0, shape)),
    ]
    for label, z in cases:
        what = f"stable_sigmoid(z) on {label}"
        got = _warned_on_copy(fn, z, what)
        bad = ~np.isfinite(np.asarray(got, dtype=float))
        if np.shape(got) == z.shape and np.any(bad):
            fail(
                f"{what} is NaN or infinite at z = {z[bad][0]:.4g}. Likely cause: e^z / (1 + e^z) "
                "is inf/inf = NaN for large z; use that form only where e^z cannot overflow"
            )
        # Full relative precision in the left tail: the reference never subtracts near 1.
        expected = sigmoid(z)
        compare(
            got,
            expected,
            f"stable_sigmoid on {label} (relative tolerance 1e-12)",
            Tolerance(1e-12, 0.0),
            causes=[
                (
                    1.0 - sigmoid(-z),
                    "cancellation: for z < 0 you computed 1 − σ(−z), and 1 minus a number within "
                    "1e-16 of 1 loses every digit (σ(−40) came out 0). For z < 0 use a form of σ "
                    "with no subtraction",
                ),
                (
                    np.where(z >= 0, expected, 1.0 - expected),
                    "for z < 0 the branch gives 1 − σ(z) = σ(−z): e^z / (1 + e^z) is σ(z), "
                    "1 / (1 + e^z) is σ(−z)",
                ),
            ],
        )


# --- swish_prime --------------------------------------------------------------------------------


def swish(z: np.ndarray) -> np.ndarray:
    r"""$\mathrm{swish}(z) = z\,\sigma(z)$."""
    return z * sigmoid(z)


@exercise("swish_prime")
def swish_prime(fn: Callable, seed: int = 0, shape: tuple[int, ...] = (4, 5)) -> None:
    r"""``fn(z)`` must return $\mathrm{swish}'(z)$, elementwise: it is compared with central
    differences of $\mathrm{swish}(z) = z\,\sigma(z)$ (h = 1e-5), so any correct form passes.
    One written with the student's ``sigmoid_prime`` is judged on its own."""
    judged_on_its_own(fn, "swish_prime", lambda f: _swish_prime(f, seed, shape), REFERENCES)


def _swish_prime(fn: Callable, seed: int, shape: tuple[int, ...]) -> None:
    h = 1e-5
    for label, z in _inputs(seed, shape):
        s, ds = sigmoid(z), activations.sigmoid_prime(z)
        compare(
            _on_copy(fn, z, what=f"swish_prime(z) on {label}"),
            (swish(z + h) - swish(z - h)) / (2 * h),
            f"swish_prime on {label} (against central differences)",
            CENTRAL_DIFFERENCES,
            causes=[
                (
                    s,
                    "you differentiated only the factor z: swish is a product of two functions "
                    "of z, and the product rule gives two terms",
                ),
                (
                    z * ds,
                    "you differentiated only the factor σ(z): swish is a product of two "
                    "functions of z, and the product rule gives two terms",
                ),
                (ds, "that is σ′(z); swish is z σ(z), a product: use the product rule"),
                (
                    s + ds,
                    "the second term of the product rule lost its factor z: the factor that is "
                    "not differentiated stays",
                ),
                (s - z * ds, "a sign is wrong: both terms of the product rule are added"),
                (swish(z), "that is swish(z) itself, not its derivative"),
                (
                    s + z * activations.sigmoid_prime(s),
                    "σ′ was applied to σ(z), that is to the activation: σ′ is taken at z",
                ),
            ],
        )
