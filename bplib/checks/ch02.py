"""Checks for chapter 02, the chain rule and computational graphs."""

import functools
from collections.abc import Callable

import numpy as np

from bplib.activations import sigmoid, sigmoid_prime
from bplib.checks.feedback import Tolerance, call, compare, exercise, fail, unchanged
from bplib.gradcheck import numerical_gradient, rel_error

PARTIALS = ("w1", "x1", "w2", "x2", "b")


def _neuron_partials(w1: float, x1: float, w2: float, x2: float, b: float) -> tuple[dict, dict]:
    """The partials of a = sigma(w1 x1 + w2 x2 + b), and per partial the wrong values that
    common slips give, with the likely cause."""
    z = w1 * x1 + w2 * x2 + b
    s, ds = sigmoid(np.asarray(z)), sigmoid_prime(np.asarray(z))
    # The partial of z with respect to each input, and what a crossed multiply gate gives.
    dz = {"w1": x1, "x1": w1, "w2": x2, "x2": w2, "b": 1.0}
    crossed = {"w1": w1, "x1": x1, "w2": w2, "x2": x2}
    partials = {name: dz[name] * ds for name in PARTIALS}
    causes = {
        name: [
            (dz[name], "the local gradient of the sigmoid is missing: multiply by sigma'(z)"),
            (
                dz[name] * sigmoid_prime(s),
                "sigma' was evaluated at a = sigma(z); it is sigma'(z) = a (1 - a)",
            ),
            (dz[name] * s, "sigma(z) was used where sigma'(z) = sigma(z) (1 - sigma(z)) belongs"),
            (-partials[name], "the sign is wrong"),
        ]
        for name in PARTIALS
    }
    for name, value in crossed.items():
        causes[name].insert(
            0,
            (
                value * ds,
                "the multiply gate was crossed the wrong way: the partial of w x with respect "
                "to w is x, the *other* input",
            ),
        )
    return partials, causes


@exercise("neuron_gradients")
def neuron_gradients(neuron_gradients: Callable, seed: int = 0) -> None:
    """A worked example, then random inputs; each partial is compared on its own, so the
    message names the wrong one."""
    rng = np.random.default_rng(seed)
    cases: list[tuple[float, ...]] = [(2.0, -1.0, -3.0, -2.0, -3.0)]
    cases += [tuple(float(v) for v in rng.uniform(-2, 2, size=5)) for _ in range(4)]
    for w1, x1, w2, x2, b in cases:
        what = f"neuron_gradients(w1={w1:.3f}, x1={x1:.3f}, w2={w2:.3f}, x2={x2:.3f}, b={b:.3f})"
        got = call(neuron_gradients, w1, x1, w2, x2, b, what=what)
        if not isinstance(got, dict):
            fail(f"{what}: expected a dict of partials, got {type(got).__name__}")
        missing = [name for name in PARTIALS if name not in got]
        if missing:
            fail(f"{what}: the dict lacks the partials {missing}; it needs keys {list(PARTIALS)}")
        partials, causes = _neuron_partials(w1, x1, w2, x2, b)
        for name in PARTIALS:
            compare(
                got[name],
                partials[name],
                f"{what}: the partial da/d{name}",
                Tolerance(1e-7, 1e-10),
                causes=causes[name],
            )


def _smooth(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[Callable, Callable, str]:
    """f(x) = sum_i c_i sin(d_i x_i) + 1/2 (u . x)^2, its gradient and a description."""
    c, d, u = rng.uniform(0.5, 2, shape), rng.uniform(0.5, 2, shape), rng.uniform(-1, 1, shape)

    def f(x):
        return float(np.sum(c * np.sin(d * x)) + 0.5 * np.sum(u * x) ** 2)

    def grad(x):
        return c * d * np.cos(d * x) + np.sum(u * x) * u

    return f, grad, "f(x) = sum_i c_i sin(d_i x_i) + 1/2 (u . x)^2"


def _forward_gradient(f: Callable, x: np.ndarray, h: float) -> np.ndarray:
    """Forward differences (f(x + h e_i) - f(x)) / h: what the slip gives."""
    fx = f(x)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x_plus = x.copy()
        x_plus[i] += h
        grad[i] = (f(x_plus) - fx) / h
    return grad


@exercise("central_gradient", bplib_answers=(numerical_gradient,))
def central_gradient(central_gradient: Callable, seed: int = 0) -> None:
    """The worked example f(x) = x[0]^2 + 3 x[0] x[1] (central differences are exact on it), then
    random smooth functions of x with 1, 5 and (2, 3) entries; x must be restored."""
    rng = np.random.default_rng(seed)

    def worked(x):
        return x[0] ** 2 + 3 * x[0] * x[1]

    def worked_grad(x):
        return np.array([2 * x[0] + 3 * x[1], 3 * x[0]])

    cases = [(worked, worked_grad, "f(x) = x[0]^2 + 3 x[0] x[1]", np.array([1.0, 2.0]))]
    for shape in [(1,), (5,), (2, 3)]:
        cases.append((*_smooth(rng, shape), rng.uniform(-2, 2, shape)))
    h = 1e-5
    for f, grad, desc, x in cases:
        what = f"central_gradient(f, x) for {desc} at x of shape {x.shape}"
        x_before = x.copy()
        got = call(central_gradient, f, x, h, what=what)
        if not np.array_equal(x, x_before):
            if np.allclose(x, x_before, rtol=1e-12, atol=1e-15):
                fail(
                    f"{what}: x was restored only up to round-off (x + h - h need not be x "
                    "in floating point); save the old entry and put it back"
                )
            i = tuple(int(j) for j in np.argwhere(x != x_before)[0])
            fail(
                f"{what}: the function changed x: x{list(i)} is {x[i]:.6g} after the call, "
                f"was {x_before[i]:.6g}; put each entry back after perturbing it"
            )
        x_copy = x_before.copy()
        central = numerical_gradient(functools.partial(f, x_copy), x_copy, h)
        hint = "" if x.ndim == 1 else " (x has 2 axes: loop over every entry, np.ndindex(x.shape))"
        compare(
            got,
            grad(x),
            what + hint,
            Tolerance(1e-7, 1e-8),
            causes=[
                (
                    _forward_gradient(f, x, h),
                    "forward differences (f(x + h e_i) - f(x)) / h, whose error is O(h); "
                    "use (f(x + h e_i) - f(x - h e_i)) / (2h), whose error is O(h^2)",
                ),
                (2 * central, "divided by h instead of 2h: x - h e_i and x + h e_i are 2h apart"),
                (-central, "the sign is wrong: f(x + h e_i) - f(x - h e_i), right minus left"),
            ],
        )


def _graph(x: float, y: float) -> dict[str, float]:
    """The nodes of f = (x + sigma(y)) / (sigma(x) + (x + y)^2) and their local derivatives."""
    s_y, s_x = float(sigmoid(np.asarray(y))), float(sigmoid(np.asarray(x)))
    u, q = x + s_y, x + y
    d = s_x + q**2
    return {"u": u, "d": d, "q": q, "ds_x": s_x * (1 - s_x), "ds_y": s_y * (1 - s_y), "s_y": s_y}


def _graph_gradients(x: float, y: float, slip: str = "") -> tuple[float, float]:
    """(df/dx, df/dy) by the chain rule, or what the named ``slip`` gives instead."""
    v = _graph(x, y)
    u, d, q = v["u"], v["d"], v["q"]
    df_du = 1 / d
    df_dd = {"div_sign": u / d**2, "div_no_u": -1 / d**2, "div_power": -u / d}.get(slip, -u / d**2)
    ds_x = {"sigma_for_prime": float(sigmoid(np.asarray(x)))}.get(slip, v["ds_x"])
    ds_y = {"sigma_for_prime": v["s_y"]}.get(slip, v["ds_y"])
    df_dq = df_dd * (q if slip == "square_no_2" else 2 * q)
    paths_x = {"x_via_u": df_du, "x_via_s": df_dd * ds_x, "x_via_q": df_dq}
    paths_y = {"y_via_s": df_du * ds_y, "y_via_q": df_dq}
    df_dx = sum(value for path, value in paths_x.items() if path != slip)
    df_dy = sum(value for path, value in paths_y.items() if path != slip)
    return df_dx, df_dy


GRAPH_SLIPS = {
    "x_via_u": "x reaches f along three paths; the one through the numerator u = x + sigma(y) "
    "is missing",
    "x_via_s": "x reaches f along three paths; the one through sigma(x) is missing",
    "x_via_q": "x reaches f along three paths; the one through q = x + y and q^2 is missing",
    "y_via_s": "y reaches f along two paths; the one through sigma(y) is missing",
    "y_via_q": "y reaches f along two paths; the one through q = x + y and q^2 is missing",
    "div_sign": "the division node: a larger denominator makes f smaller (for u > 0), so "
    "df/dd has the opposite sign of u",
    "div_no_u": "the division node's df/dd: differentiate u * d^(-1) with respect to d; the "
    "numerator stays in it",
    "div_power": "the division node's df/dd: the derivative of d^(-1) is not d^(-1)",
    "square_no_2": "the square node: the derivative of q^2 is not q",
    "sigma_for_prime": "sigma was used where the sigmoid's local derivative belongs",
}


@exercise("graph_gradients")
def graph_gradients(graph_gradients: Callable, seed: int = 0) -> None:
    """f(x, y) = (x + sigma(y)) / (sigma(x) + (x + y)^2) at CS231n's point (3, -4), then at
    random points; each partial is compared with central differences of f on its own, and a
    missing path or a wrong local derivative is named."""
    rng = np.random.default_rng(seed)
    points = [(3.0, -4.0)] + [tuple(float(v) for v in rng.uniform(-3, 3, 2)) for _ in range(4)]
    for x, y in points:
        what = f"graph_gradients(x={x:.4f}, y={y:.4f})"
        got = call(graph_gradients, x, y, what=what)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fail(f"{what}: expected a pair (df/dx, df/dy), got {type(got).__name__}")
        xy = np.array([x, y])

        def f(xy=xy):
            v = _graph(*xy)
            return v["u"] / v["d"]

        numeric = numerical_gradient(f, xy)
        exact = _graph_gradients(x, y)
        slips = {slip: _graph_gradients(x, y, slip) for slip in GRAPH_SLIPS}
        for i, name in enumerate(("x", "y")):
            compare(
                got[i],
                numeric[i],
                f"{what}: df/d{name}",
                Tolerance(1e-6, 1e-8),
                causes=[
                    (value[i], GRAPH_SLIPS[slip])
                    for slip, value in slips.items()
                    if not np.isclose(value[i], exact[i], rtol=1e-6, atol=1e-8)
                ],
            )


def _blame(g: np.ndarray, n: np.ndarray, tol: float) -> set[tuple[int, ...]]:
    """Entries i with |g_i - n_i| > tol (||g|| + ||n||)."""
    scale = np.linalg.norm(g) + np.linalg.norm(n)
    return {tuple(int(j) for j in i) for i in np.argwhere(np.abs(g - n) > tol * scale)}


def _as_indices(bad, ndim: int) -> set[tuple[int, ...]] | None:
    """The reported entries as a set of index tuples; None when they cannot be read as such."""
    try:
        rows = np.asarray(bad, dtype=int).reshape(-1, ndim)
    except (TypeError, ValueError):
        return None
    return {tuple(int(j) for j in row) for row in rows}


def _gradient_check_cases(rng: np.random.Generator) -> list[tuple]:
    """(description, f, grad, x): correct and buggy gradients, small and large scales."""

    def sq(x):
        return float(np.sum(x**2))

    def sq_buggy(x):
        g = 2 * x
        g[1] = x[1]  # the planted bug: a factor 2 missing in one entry
        return g

    cases = [("the worked example: a factor 2 missing in entry 1", sq, sq_buggy, np.arange(1.0, 4))]
    for shape in [(6,), (3, 4)]:
        f, grad, _ = _smooth(rng, shape)
        x = rng.uniform(-2, 2, shape)
        cases.append(("a correct gradient", f, grad, x))
        i = tuple(int(rng.integers(0, n)) for n in shape)
        flip = np.ones(shape)
        flip[i] = -1.0

        def buggy(x, grad=grad, flip=flip):
            return grad(x) * flip

        cases.append((f"a gradient with one sign flipped at {list(i)}", f, buggy, x))
    # A large scale: absolute differences of 1e-7 are round-off here, not bugs.
    f, grad, _ = _smooth(rng, (4,))

    def big(x, f=f):
        return 1e6 * f(x)

    def big_grad(x, grad=grad):
        return 1e6 * grad(x)

    cases.append(
        ("a correct gradient of a function of size 1e6", big, big_grad, rng.uniform(-2, 2, 4))
    )
    return cases


@exercise("gradient_check")
def gradient_check(gradient_check: Callable, seed: int = 0) -> None:
    """The worked example with one planted bug, then random functions of a 1-D and a 2-D x,
    with a correct gradient and with one sign flipped, and a correct gradient of a large
    function; the relative error and the entries to blame are both compared."""
    tol = 1e-7
    for desc, f, grad, x in _gradient_check_cases(np.random.default_rng(seed)):
        what = f"gradient_check on {desc} (x of shape {x.shape})"
        changed = f"{what}: the function changed x; the numerical gradient must restore it"
        with unchanged(lambda x=x: [x], changed):
            result = call(gradient_check, f, grad, x, tol, what=what)
        if not isinstance(result, tuple) or len(result) != 2:
            fail(f"{what}: expected a pair (rel_err, bad), got {type(result).__name__}")
        got_err, got_bad = result
        g = grad(x)
        n = numerical_gradient(functools.partial(f, x), x)
        expected = rel_error(g, n)
        diff = np.abs(g - n)
        compare(
            got_err,
            expected,
            f"{what}: the relative error",
            Tolerance(1e-4, 1e-9),
            causes=[
                (
                    np.max(diff / np.maximum(np.abs(g) + np.abs(n), 1e-300)),
                    "the largest entry-wise relative error; the relative error here is "
                    "norm-wise, ||g - n|| / (||g|| + ||n||)",
                ),
                (np.linalg.norm(g - n), "the absolute error ||g - n||; divide by ||g|| + ||n||"),
                (
                    np.linalg.norm(g - n) / np.linalg.norm(n),
                    "divided by ||n|| alone; divide by ||g|| + ||n||, which is symmetric and "
                    "keeps the error between 0 and 1",
                ),
                (
                    rel_error(g, _forward_gradient(f, x, 1e-5)),
                    "the numerical gradient used forward differences: use central ones "
                    "(bplib.gradcheck.numerical_gradient)",
                ),
            ],
        )
        bad = _as_indices(got_bad, x.ndim)
        if bad is None:
            fail(f"{what}: bad must be a list of index tuples, got {got_bad!r}")
        expected_bad = _blame(g, n, tol)
        if bad == expected_bad:
            continue
        if bad == {tuple(int(j) for j in i) for i in np.argwhere(diff > tol)}:
            fail(
                f"{what}: entries {sorted(bad)} reported, expected {sorted(expected_bad)}. Likely "
                "cause: |g_i - n_i| compared with tol on its own, but tol bounds a relative "
                "error: what would the relative error be if entry i were the only one off?"
            )
        everything = {tuple(int(j) for j in i) for i in np.ndindex(x.shape)}
        if expected_bad and bad == everything - expected_bad:
            fail(f"{what}: the reported entries are the ones that agree; report those that don't")
        fail(f"{what}: entries {sorted(bad)} reported, expected {sorted(expected_bad)}")
