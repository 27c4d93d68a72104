"""Checks for chapter 01, gradient descent."""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from bplib import gradcheck
from bplib.checks.feedback import (
    CheckFailed,
    Tolerance,
    call,
    compare,
    exercise,
    fail,
    judged_on_its_own,
    unchanged,
)


def _derivative_causes(J: Callable, w: float, h: float) -> list:
    """Wrong answers that common slips in a numerical derivative give, with the likely cause."""
    return [
        (
            (J(w + h) - J(w)) / h,
            "a forward difference (J(w + h) - J(w)) / h, whose error is O(h): combine "
            "J(w + h) and J(w - h) so that the h^2 J''(w) terms of their expansions cancel",
        ),
        (
            (J(w) - J(w - h)) / h,
            "a backward difference (J(w) - J(w - h)) / h, whose error is O(h): use "
            "J(w + h) and J(w - h), not J(w)",
        ),
        (
            (J(w + h) - J(w - h)) / h,
            "divided by h instead of 2h: the points w - h and w + h are 2h apart",
        ),
        (
            (J(w - h) - J(w + h)) / (2 * h),
            "the wrong sign: it is J(w + h) - J(w - h), the right value minus the left",
        ),
    ]


@exercise("numerical_derivative", bplib_answers=(gradcheck.numerical_gradient,))
def numerical_derivative(numerical_derivative: Callable, seed: int = 0) -> None:
    """Central differences on J(w) = w^3 (where they give 3w^2 + h^2 exactly), then on random
    smooth functions at random points, against the exact derivative."""

    def cube(w):
        return w**3

    for h in (1e-2, 1e-5):
        got = call(numerical_derivative, cube, 2.0, h, what=f"numerical_derivative(J, 2.0, h={h})")
        # (J(w + h) - J(w - h)) / (2h) = 3 w^2 + h^2 for J(w) = w^3: exact up to round-off.
        compare(
            got,
            12.0 + h**2,
            f"numerical_derivative(J, 2.0, h={h}) for J(w) = w**3",
            Tolerance(1e-9, 1e-9),
            causes=_derivative_causes(cube, 2.0, h)
            + [(12.0 + 1e-10, "the argument h was ignored: use the h you are given")],
        )

    rng = np.random.default_rng(seed)
    h = 1e-5
    for _ in range(4):
        a, b, c = rng.uniform(0.5, 2.0), rng.uniform(0.5, 3.0), rng.uniform(-1.0, 1.0)
        w = float(rng.uniform(-2.0, 2.0))
        functions: list[tuple[str, Callable, float]] = [
            (
                f"{a:.3f} sin({b:.3f} w) + {c:.3f} w^2",
                lambda v, a=a, b=b, c=c: a * np.sin(b * v) + c * v**2,
                a * b * np.cos(b * w) + 2 * c * w,
            ),
            (f"exp({c:.3f} w)", lambda v, c=c: np.exp(c * v), c * np.exp(c * w)),
        ]
        for desc, J, exact in functions:
            got = call(numerical_derivative, J, w, h, what=f"numerical_derivative(J, {w:.4f})")
            compare(
                got,
                exact,
                f"numerical_derivative(J, {w:.4f}, h={h}) for J(w) = {desc}",
                Tolerance(1e-7, 1e-8),
                causes=_derivative_causes(J, w, h),
            )


REASONS = ("cost", "step", "max_iters")


def _descend(
    J: Callable,
    grad: Callable,
    w0,
    eta: float,
    max_iters: int,
    cost_tol: float,
    step_tol: float,
    step_size: Callable = lambda step, g: np.linalg.norm(step),
) -> tuple[np.ndarray, str]:
    """The reference loop; ``step_size`` lets the check replay a slip (the gradient's norm)."""
    w = np.array(w0, dtype=float)
    path = [w]
    for _ in range(max_iters):
        if J(w) < cost_tol:
            return np.array(path), "cost"
        g = grad(w)
        step = eta * g
        w = w - step
        path.append(w)
        if step_size(step, g) < step_tol:
            return np.array(path), "step"
    return np.array(path), "max_iters"


def _quadratic(k: np.ndarray, w_star: np.ndarray, floor: float) -> tuple[Callable, Callable, str]:
    """J(w) = 1/2 sum_i k_i (w_i - w*_i)^2 + floor, its gradient, and a description."""

    def J(w):
        return 0.5 * float(np.sum(k * (w - w_star) ** 2)) + floor

    def grad(w):
        return k * (w - w_star)

    desc = " + ".join(
        f"{ki / 2:.3g} (w{f'[{i}]' if k.ndim else ''} {'-' if si >= 0 else '+'} {abs(si):.3g})^2"
        for i, (ki, si) in enumerate(np.broadcast(k, w_star))
    )
    return J, grad, desc + (f" + {floor:g}" if floor else "")


class _Run(NamedTuple):
    """A descent on J(w) = 1/2 sum_i k_i (w_i - w*_i)^2 + floor from w0."""

    name: str
    k: float | np.ndarray
    w_star: float | np.ndarray
    floor: float
    w0: float | np.ndarray
    eta: float
    max_iters: int
    cost_tol: float
    step_tol: float


def _runs(rng: np.random.Generator) -> list[_Run]:
    """Runs where exactly one stopping condition can fire, and two edge cases."""
    k: float | np.ndarray
    w_star: float | np.ndarray
    w0: float | np.ndarray
    runs = [_Run("the worked example", 2.0, 2.0, 0.0, -1.0, 0.1, 5, 0.0, 0.0)]
    for _ in range(2):
        k, w_star, w0 = rng.uniform(0.5, 4.0), rng.uniform(-3, 3), rng.uniform(-3, 3)
        eta = rng.uniform(0.2, 0.8) / k
        runs.append(_Run("a run to the cost threshold", k, w_star, 0.0, w0, eta, 1000, 1e-6, 0.0))
        # The cost never goes below 1, so only the step test can stop this run.
        runs.append(_Run("a run to tiny steps", k, w_star, 1.0, w0, eta, 1000, 1e-3, 1e-6))
    k = rng.uniform(0.5, 4.0)
    eta, w0 = rng.uniform(2.1, 2.4) / k, rng.uniform(0.5, 1.0)
    runs.append(_Run("a diverging run (eta > 2/k)", k, 0.0, 0.0, w0, eta, 12, 1e-6, 1e-6))
    k, w_star, w0 = np.array([1.0, 10.0]), rng.uniform(-2, 2, size=2), rng.uniform(-3, 3, size=2)
    runs.append(_Run("a 2-D run", k, w_star, 0.5, w0, 0.15, 1000, 1e-3, 1e-5))
    runs.append(_Run("a start at the minimum", 2.0, 1.5, 0.0, 1.5, 0.1, 10, 1e-8, 0.0))
    runs.append(_Run("max_iters = 0", 2.0, 0.0, 0.0, 1.0, 0.1, 0, 1e-8, 0.0))
    return runs


@exercise("gradient_descent")
def gradient_descent(gradient_descent: Callable, seed: int = 0) -> None:
    """The worked example stops after max_iters steps; random quadratics stop on the cost, on
    the step, on max_iters while diverging, and one in 2-D; then a start at the minimum and
    max_iters = 0."""
    for r in _runs(np.random.default_rng(seed)):
        J, grad, desc = _quadratic(np.asarray(r.k, float), np.asarray(r.w_star, float), r.floor)
        w0, args = r.w0, (r.eta, r.max_iters, r.cost_tol, r.step_tol)
        eta, max_iters, cost_tol, step_tol = args
        what = (
            f"{r.name}, J(w) = {desc}, w0 = {np.round(w0, 4).tolist()}, eta = {eta:.4g}, "
            f"max_iters = {max_iters}, cost_tol = {cost_tol:g}, step_tol = {step_tol:g}"
        )
        w0_given = np.array(w0, dtype=float) if np.ndim(w0) else float(w0)
        changed = (
            f"{what}: the caller's w0 was changed in place; start from a copy, "
            "w = np.array(w0, dtype=float)"
        )
        with unchanged(lambda w0_given=w0_given: [w0_given], changed):
            result = call(
                gradient_descent, J, grad, w0_given, *args, what=f"gradient_descent({what})"
            )
        if not isinstance(result, tuple) or len(result) != 2:
            fail(f"{what}: expected a pair (path, reason), got {type(result).__name__}")
        path, reason = result
        expected, expected_reason = _descend(J, grad, w0, *args)
        compare(
            path,
            expected,
            f"the path for {what}",
            Tolerance(1e-9, 1e-12),
            causes=_path_causes(J, grad, w0, args, expected, expected_reason),
        )
        if reason != expected_reason:
            hint = {
                "cost": "the cost J(w) falls below cost_tol; test it before every step",
                "step": "the step eta * J'(w) becomes shorter than step_tol",
                "max_iters": "max_iters steps were taken and no threshold was reached",
            }[expected_reason]
            fail(
                f"{what}: the reason should be {expected_reason!r} ({hint}), got {reason!r}"
                + ("" if reason in REASONS else f"; the reason must be one of {REASONS}")
            )


def _path_causes(J, grad, w0, args, expected: np.ndarray, reason: str) -> list:
    """Paths that common slips in the descent loop give, with the likely cause."""
    eta, max_iters, cost_tol, step_tol = args
    with np.errstate(over="ignore", invalid="ignore"):  # an uphill run may overflow
        uphill = _descend(J, lambda w: -grad(w), w0, *args)[0]
    causes = [
        (expected[1:], "the path must start with w0, then hold every point after it"),
        (uphill, "the step went uphill: the update is w <- w - eta * J'(w), with a minus"),
        (
            _descend(
                J, grad, w0, eta, max_iters, cost_tol, step_tol, lambda step, g: np.linalg.norm(g)
            )[0],
            "the step test used the gradient's length; the step is eta * J'(w), so test "
            "the length of eta * J'(w)",
        ),
    ]
    if len(expected) > 1:
        causes.append(
            (
                np.repeat(expected[-1:], len(expected), axis=0),
                "every point of the path is the same array: `w -= ...` changes in place the "
                "array you appended; write w = w - eta * grad(w), which makes a new one",
            )
        )
    if reason == "cost" and len(expected) == 1:
        causes.append(
            (
                np.repeat(expected, 2, axis=0),
                "the cost must be tested before every step, the first one too: a start at "
                "the minimum stops at once, with the path [w0]",
            )
        )
    if reason == "max_iters":
        longer = _descend(J, grad, w0, eta, max_iters + 1, cost_tol, step_tol)[0]
        causes.append((longer, "one step too many: max_iters steps give max_iters + 1 points"))
        causes.append((expected[:-1], "one step too few: max_iters steps give max_iters + 1"))
    return causes


@exercise("best_learning_rate")
def best_learning_rate(best_learning_rate: Callable, seed: int = 0) -> None:
    """The worked example k = [2]; random single curvatures (where eta = 1/k); random curvature
    sets in 2-D to 5-D, unsorted; an elongated 2-D valley where the largest curvature must
    limit eta."""
    rng = np.random.default_rng(seed)
    cases = [np.array([2.0])]
    cases += [np.array([10 ** rng.uniform(-1, 2)]) for _ in range(3)]
    cases += [10 ** rng.uniform(-1, 2, size=n) for n in (2, 3, 5)]
    cases.append(rng.permutation([1.0, 100.0]))
    for k in cases:
        what = f"best_learning_rate(k = {np.round(k, 4).tolist()})"
        got = call(best_learning_rate, k.copy(), what=what)
        lo, hi = k.min(), k.max()
        expected = 2 / (lo + hi)
        causes = [
            (
                1 / hi,
                "eta = 1/k_max is safe, but then the flattest direction shrinks only by "
                "1 - k_min/k_max per step; balance the smallest and the largest curvature",
            ),
            (1 / lo, "eta = 1/k_min diverges along the steepest direction"),
            (
                2 / hi,
                "eta = 2/k_max is the edge of divergence: there the steepest direction "
                "oscillates forever without shrinking",
            ),
            (1 / np.mean(k), "the mean curvature does not decide: the two extremes do"),
            (
                2 / np.sum(k),
                "2 / sum(k) equals the answer only in two dimensions: the smallest and the "
                "largest curvature decide, whatever lies between them",
            ),
            (
                2 / (k[0] + k[-1]),
                "the first and last entries of k are not the smallest and the largest: "
                "k is not sorted",
            ),
        ]
        _compare_eta(got, expected, what, k, causes)


def _compare_eta(got, expected: float, what: str, k: np.ndarray, causes: list) -> None:
    """Compare a learning rate; when it is wrong, say the likely cause if one matched, else
    too large or too small, and the student's factor per step, never the best factor (from
    which the answer would follow) nor the expected eta."""
    try:
        compare(got, expected, what, Tolerance(1e-6, 0.0), causes=causes)
    except CheckFailed as e:
        if np.size(got) != 1 or not np.isfinite(got):
            raise
        eta = float(got)
        message = str(e)
        if "Likely cause" not in message:
            size = "large" if eta > expected else "small"
            message = f"{what}: got eta = {eta:.6g}, which is too {size}"
        rho = float(np.max(np.abs(1 - eta * k)))
        fail(
            f"{message}. With your eta the error shrinks at worst by a factor {rho:.4f} per step"
            f"{' (>= 1: it does not converge)' if rho >= 1 else ''}; another eta does better"
        )


def _reference_best_learning_rate(k) -> float:
    k = np.asarray(k, dtype=float)
    return float(2 / (k.min() + k.max()))


def _rotated(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A random symmetric positive definite (n, n) H = Q diag(lam) Q^T and its eigenvalues."""
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    lam = 10 ** rng.uniform(-1, 2, size=n)
    H = q @ np.diag(lam) @ q.T
    return (H + H.T) / 2, np.sort(lam)


def _hessian_cases(learning_rate_for_hessian: Callable, seed: int) -> None:
    rng = np.random.default_rng(seed)
    cases = [(np.array([[5.5, 4.5], [4.5, 5.5]]), np.array([1.0, 10.0]))]
    cases += [_rotated(rng, n) for n in (2, 3, 4, 6)]
    for H, lam in cases:
        what = f"learning_rate_for_hessian(H) for H = {np.round(H, 3).tolist()}"
        H_in = H.copy()
        with unchanged(lambda H_in=H_in: [H_in], f"{what} changed H in place"):
            got = call(learning_rate_for_hessian, H_in, what=what)
        diag = np.diag(H)
        expected = 2 / (lam[0] + lam[-1])
        causes = [
            (
                2 / (diag.min() + diag.max()),
                "the diagonal entries of H are the curvatures along the axes, but the valley "
                "is rotated: (I - eta H) w mixes the axes. Which directions does it not mix?",
            ),
            (
                2 / (H.min() + H.max()),
                "the smallest and largest entries of H are not curvatures of the valley",
            ),
            (2 / np.trace(H), "2 / trace(H) uses every curvature; only the extremes decide"),
            (1 / lam[-1], "eta = 1/lambda_max is safe, but the flattest direction then crawls"),
            (2 / lam[-1], "eta = 2/lambda_max is the edge of divergence"),
        ]
        _compare_eta(got, expected, what, lam, causes)


@exercise("learning_rate_for_hessian")
def learning_rate_for_hessian(learning_rate_for_hessian: Callable, seed: int = 0) -> None:
    """The example H of the text (eigenvalues 1 and 10), then random rotated valleys in 2, 3, 4
    and 6 dimensions. An answer that calls the student's own best_learning_rate is judged on
    its own: when it fails, it runs again with the reference best_learning_rate, and passes
    if only that was wrong (exercise 3 already marked it)."""
    judged_on_its_own(
        learning_rate_for_hessian,
        "learning_rate_for_hessian",
        lambda fn: _hessian_cases(fn, seed),
        {"best_learning_rate": _reference_best_learning_rate},
    )
