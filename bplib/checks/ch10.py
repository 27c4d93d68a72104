r"""Checks for chapter 10: Xavier (Glorot's uniform form) and He initialization, and the
backward passes of batch normalization and of layer normalization.

An initialization draws random numbers, so its check tests what every correct draw has: the
shapes, zero biases, mean 0 and the variance of the weights on a large layer (within a
statistical tolerance), for Xavier the bounds and the flat histogram of a uniform draw, and that
the draw comes from the generator passed in. The backward passes are compared with central
differences of the forward passes (bplib.batchnorm's, and layer normalization's written here)
on a worked example and on random inputs.
"""

from collections.abc import Callable

import numpy as np

from bplib import batchnorm, gradcheck, init
from bplib.checks.feedback import Tolerance, call, compare_all, exercise, fail, unchanged

# ---------------------------------------------------------------- xavier_init, he_init

# Large layers (a few hundred thousand weights): the sample variance is then within about 0.5%
# of the true one, so a 5% tolerance never fails a correct draw and every slip below is out.
_LARGE_LAYERS = [(1000, 400), (300, 1200)]
_VARIANCE_RTOL = 0.05


def _draw(fn: Callable, n_in: int, n_out: int, rng: np.random.Generator, name: str):
    """``fn(n_in, n_out, rng)`` as float arrays (W, b), after checking the shapes."""
    what = f"{name}({n_in}, {n_out}, rng)"
    got = call(fn, n_in, n_out, rng, what=what)
    if not (isinstance(got, tuple | list) and len(got) == 2):
        fail(f"{what} must return a pair (W, b), got {type(got).__name__}")
    W, b = (np.asarray(x, dtype=float) for x in got)
    if W.shape != (n_in, n_out):
        hint = ""
        if W.shape == (n_out, n_in):
            hint = " (the transpose: in bplib's row convention W is (n_in, n_out), z = a W + b)"
        fail(f"{what}: W has shape {W.shape}, expected (n_in, n_out) = {(n_in, n_out)}{hint}")
    if b.shape != (n_out,):
        fail(f"{what}: b has shape {b.shape}, expected (n_out,) = ({n_out},), a 1-D array")
    if not np.all(np.isfinite(W)):
        fail(f"{what}: W contains NaN or infinity")
    if np.any(b != 0.0):
        fail(
            f"{what}: the biases must start at 0, found values from {b.min():.3g} to "
            f"{b.max():.3g}. Likely cause: b drawn at random like W; Xavier and He set b = 0 "
            "(the random W already makes the units differ), e.g. np.zeros(n_out)"
        )
    return W, b


def _check_rng(fn: Callable, name: str, seed: int) -> None:
    """The draw is a function of the generator's state: same state, same W; other seed, other W;
    and the generator passed in is used (its state moves)."""
    what = f"{name}(20, 10, rng)"
    W1, _ = _draw(fn, 20, 10, np.random.default_rng(seed), name)
    W2, _ = _draw(fn, 20, 10, np.random.default_rng(seed), name)
    if not np.array_equal(W1, W2):
        fail(
            f"{what}: two generators in the same state gave different weights. Likely cause: "
            "the draw does not come from rng (np.random.randn, np.random.normal or a new "
            "np.random.default_rng() use other random state); draw with rng.standard_normal, "
            "rng.normal or rng.uniform"
        )
    W3, _ = _draw(fn, 20, 10, np.random.default_rng(seed + 1), name)
    if np.array_equal(W1, W3):
        fail(
            f"{what}: generators with different seeds gave the same weights. Likely cause: a "
            "fixed seed inside the function (np.random.default_rng(0) or np.random.seed); use "
            "the rng passed in"
        )
    rng = np.random.default_rng(seed)
    before = rng.bit_generator.state
    _draw(fn, 20, 10, rng, name)
    if rng.bit_generator.state == before:
        fail(f"{what}: the generator passed in was not used; draw the weights from rng")


def _check_variance(
    fn: Callable, name: str, n_in: int, n_out: int, seed: int, target: float, slips: list
) -> None:
    """Mean 0 and variance ``target`` for a large layer, or the likely cause of the miss
    (He's target is the exercise's answer, so it is never printed)."""
    W, _ = _draw(fn, n_in, n_out, np.random.default_rng(seed), name)
    what = f"{name}({n_in}, {n_out}, rng)"
    var, mean = float(W.var()), float(W.mean())
    tolerance = 5.0 * np.sqrt(var / W.size)  # five standard errors of the sample mean
    if abs(mean) > tolerance + 1e-12:
        fail(
            f"{what}: the weights have mean {mean:.3g}, expected 0 (within {tolerance:.1g}). "
            "Likely cause: rng.uniform(0, r) or rng.random() draws only positive values; "
            "draw from U[−r, r] or N(0, s²), both centred on 0"
        )
    if abs(var - target) <= _VARIANCE_RTOL * target:
        return
    expected = "" if name == "he_init" else f", expected {target:.4g}"
    for wrong, cause in slips:
        if abs(var - wrong) <= 2 * _VARIANCE_RTOL * wrong:
            fail(f"{what}: Var W = {var:.4g}{expected}. Likely cause: {cause}")
    if name == "he_init":
        fail(
            f"{what}: Var W = {var:.4g} is too {'large' if var > target else 'small'} to keep "
            "Var z the same from one ReLU layer to the next"
        )
    fail(
        f"{what}: Var W = {var:.4g}, expected {target:.4g} (the std of W is {np.sqrt(var):.4g}, "
        f"expected {np.sqrt(target):.4g})"
    )


def _xavier_slips(n_in: int, n_out: int) -> list[tuple[float, str]]:
    """Variances that common slips give for Xavier, with their causes."""
    s = n_in + n_out
    return [
        (
            (2 / s) ** 2,
            "the variance was used where a standard deviation or a radius belongs: r is a "
            "length, of the order of the square root of the variance",
        ),
        (
            12 / s**2,
            "r is proportional to the variance here; r is a length, of the order of the "
            "square root of the variance (a square root is missing)",
        ),
        (
            2 / (3 * s),
            "r was set to the standard deviation sqrt(2/(n_in + n_out)); but the variance of "
            "U[−r, r] is not r²: work out E[w²] = ∫ w² dw / (2r) over [−r, r]",
        ),
        (
            1 / n_in,
            "this is N(0, 1/n_in)'s variance, the fan-in rule (LeCun's, chapter 3's "
            "scaled_normal); Xavier averages fan-in and fan-out: Var W = 2/(n_in + n_out)",
        ),
        (1 / n_out, "Var W = 1/n_out, the fan-out rule; Xavier's is Var W = 2/(n_in + n_out)"),
        (2 / n_in, "Var W = 2/n_in is He's rule for ReLU; Xavier's is Var W = 2/(n_in + n_out)"),
        (1 / s, "a factor 2 is missing: Xavier's rule is Var W = 2/(n_in + n_out)"),
        (1.0, "the weights have variance 1 (e.g. U[−√3, √3] or N(0, 1)): not scaled at all"),
    ]


def _he_slips(n_in: int, n_out: int) -> list[tuple[float, str]]:
    """Variances that common slips give for He, with their causes (never the variance itself)."""
    return [
        (
            2 / n_out,
            "n_out where n_in belongs: the forward pass sums n_in terms a_j W_jk in each z_k "
            "(the rows of W), and it is Var z that has to stay the same",
        ),
        (
            (2 / n_in) ** 2,
            "the variance was used as the standard deviation: rng.normal(0, scale, size) "
            "takes the std, the square root of the variance",
        ),
        (
            1 / n_in,
            "this is N(0, 1/n_in), the rule for tanh, whose a ≈ z near 0. A ReLU passes only "
            "the positive half of z: what does that do to E[a²], and what must Var W make up?",
        ),
        (
            2 / (3 * n_in),
            "a uniform U[−r, r] with r set to the standard deviation you want; the variance "
            "of U[−r, r] is not r² (work out E[w²]), or draw from a normal distribution",
        ),
        (
            2 / (n_in + n_out),
            "this is Xavier's variance, derived for tanh; the exercise asks for the rule that "
            "keeps Var z through ReLU layers",
        ),
        (1.0, "the weights have variance 1: not scaled by the layer size at all"),
    ]


def _check_uniform(fn: Callable, name: str, n_in: int, n_out: int, seed: int) -> None:
    """Glorot's form: W uniform on [−r, r] for the r that gives Var W = 2/(n_in + n_out)."""
    W, _ = _draw(fn, n_in, n_out, np.random.default_rng(seed), name)
    what = f"{name}({n_in}, {n_out}, rng)"
    r = np.sqrt(6.0 / (n_in + n_out))  # U[-r, r] has variance r^2/3
    largest = float(np.abs(W).max())
    if largest > r * (1 + 1e-9) or largest < 0.99 * r:
        fail(
            f"{what}: the weights have the right variance but reach |W| = {largest:.4g}, and a "
            "uniform draw with that variance would reach its radius r and never pass it. Likely "
            "cause: a normal draw; Glorot's form is uniform, U[−r, r], with r found from the "
            "variance"
        )
    inner = float(np.mean(np.abs(W) < r / 2))
    if abs(inner - 0.5) > 0.02:
        fail(
            f"{what}: {100 * inner:.1f}% of the weights lie in the inner half [−r/2, r/2] of "
            "their range, where a uniform draw puts 50%: the histogram is not flat. Draw with "
            "rng.uniform(low, high, size)"
        )


def _check_init(fn: Callable, name: str, target, slips, seed: int, sizes, uniform=False) -> None:
    # Worked example: the first layer of an MNIST network, 784 -> 30.
    _draw(fn, 784, 30, np.random.default_rng(seed), name)
    _check_rng(fn, name, seed)
    for n_in, n_out in _LARGE_LAYERS:
        _check_variance(fn, name, n_in, n_out, seed, target(n_in, n_out), slips(n_in, n_out))
        if uniform:
            _check_uniform(fn, name, n_in, n_out, seed)
    rng = np.random.default_rng(seed)
    for n_in, n_out in sizes or [tuple(int(k) for k in rng.integers(1, 60, 2)) for _ in range(3)]:
        _draw(fn, n_in, n_out, np.random.default_rng(seed), name)


@exercise("xavier_init", bplib_answers=(init.xavier,))
def xavier_init(fn: Callable, seed: int = 0, sizes: list[tuple[int, int]] | None = None) -> None:
    r"""``fn(n_in, n_out, rng)`` returns (W, b): W (n_in, n_out) uniform on $[-r, r]$ with
    $\mathrm{Var}\,W = 2/(n_{in} + n_{out})$, drawn from ``rng``; b = 0, shape (n_out,).
    ``sizes``: further (n_in, n_out) whose shapes are checked (default: random ones)."""
    target = lambda i, o: 2 / (i + o)  # noqa: E731
    _check_init(fn, "xavier_init", target, _xavier_slips, seed, sizes, uniform=True)


@exercise("he_init", bplib_answers=(init.he,))
def he_init(fn: Callable, seed: int = 0, sizes: list[tuple[int, int]] | None = None) -> None:
    r"""``fn(n_in, n_out, rng)`` returns (W, b): W (n_in, n_out) with mean 0 and the variance
    that keeps $\mathrm{Var}\,z$ through ReLU layers, $2/n_{in}$, drawn from ``rng``; b = 0."""
    _check_init(fn, "he_init", lambda i, o: 2 / i, _he_slips, seed, sizes)


# ---------------------------------------------------------------- batchnorm_backward


# The backward pass against central differences of the forward pass.
BACKWARD = Tolerance(1e-5, 1e-7)


def _numerical(forward: Callable, x, gamma, beta, eps, dy) -> tuple[np.ndarray, ...]:
    """Central differences of $f = \\sum y \\odot dy$, whose gradient is (dx, dgamma, dbeta)."""
    x, gamma, beta = x.copy(), gamma.copy(), beta.copy()

    def f() -> float:
        return float(np.sum(forward(x, gamma, beta, eps)[0] * dy))

    return tuple(gradcheck.numerical_gradient(f, p) for p in (x, gamma, beta))


def _bn_slips(dy: np.ndarray, cache: tuple) -> dict[str, list[tuple[np.ndarray, str]]]:
    """What common slips give for dx, dgamma and dbeta, with their causes (never the formula)."""
    x_hat, gamma, std = cache
    _, dgamma, dbeta = batchnorm.backward(dy, cache)
    mean_dy, mean_dyx = dy.mean(axis=0), (dy * x_hat).mean(axis=0)
    return {
        "dx": [
            (
                dy * gamma / std,
                "only the direct path, through x̂_i: x_i also moves μ and σ², and through them "
                "every x̂_j of the batch; add the paths through μ and through σ²",
            ),
            (
                gamma / std * (dy - mean_dy),
                "the path through σ² is missing (the one through μ is there)",
            ),
            (
                gamma / std * (dy - x_hat * mean_dyx),
                "the path through μ is missing (the one through σ² is there)",
            ),
            (
                gamma / std * (dy - dbeta - x_hat * dgamma),
                "sums where means belong: μ and σ² are means over the batch, so x_i enters "
                "each of them with a factor 1/m",
            ),
            (
                (dy - mean_dy - x_hat * mean_dyx) / std,
                "γ is missing: y = γ x̂ + β, so every path from x to y passes through γ",
            ),
            (
                gamma * (dy - mean_dy - x_hat * mean_dyx),
                "the 1/s is missing: x̂ = (x − μ)/s with s = sqrt(σ² + ε)",
            ),
            (
                gamma / std**2 * (dy - mean_dy - x_hat * mean_dyx),
                "divided by s² = σ² + ε where the direct path has 1/s",
            ),
            (
                gamma
                / std
                * (
                    dy
                    - dy.mean(axis=1, keepdims=True)
                    - x_hat * (dy * x_hat).mean(axis=1, keepdims=True)
                ),
                "means over axis 1, the features: μ and σ² are per feature, means over the "
                "batch, so the paths through them sum over the samples, axis=0",
            ),
        ],
        "dgamma": [
            (dbeta, "dgamma without x̂: what is ∂y_i/∂γ?"),
            (mean_dyx, "a mean over the batch; every sample adds to dgamma, so it is a sum"),
            (dbeta / len(dy), "dgamma misses x̂, and it is a mean where every sample adds"),
        ],
        "dbeta": [
            (mean_dy, "a mean over the batch; every sample adds to dbeta, so it is a sum"),
            (dgamma, "dbeta and dgamma swapped: return (dx, dgamma, dbeta)"),
        ],
    }


def _random_inputs(seed: int, n: int, d: int, eps: float, spread: tuple[int, ...]):
    """Two trials of (x (n, d), gamma (d,), beta (d,), dy (n, d), where), x with a mean and
    spread of its own for each entry of shape ``spread`` (each feature, or each sample)."""
    rng = np.random.default_rng(seed)
    for trial in range(2):
        x = rng.normal(rng.uniform(-2, 2, spread), rng.uniform(0.5, 3, spread), (n, d))
        gamma, beta = rng.uniform(0.5, 2.0, d), rng.normal(0.0, 1.0, d)
        dy = rng.standard_normal((n, d))
        yield x, gamma, beta, dy, f"for random input (x {n}×{d}, eps = {eps:g}, trial {trial + 1})"


def _check_norm_backward(
    fn: Callable,
    name: str,
    forward: Callable,
    slips: Callable,
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    eps: float,
    dy: np.ndarray,
    where: str,
) -> None:
    """Compare ``fn(dy, cache)`` with central differences of ``forward``."""
    _, cache = forward(x, gamma, beta, eps)
    what = f"{name}(dy, cache) {where}"
    with unchanged(lambda: [dy], f"{what} changed dy; compute new arrays instead"):
        got = call(fn, dy, tuple(c.copy() for c in cache), what=what)
        if not (isinstance(got, tuple | list) and len(got) == 3):
            fail(f"{what} must return a triple (dx, dgamma, dbeta), got {type(got).__name__}")
    shapes = {"dx": x.shape, "dgamma": gamma.shape, "dbeta": beta.shape}
    for part, value in zip(shapes, got, strict=True):
        shape = np.shape(value)
        if shape != shapes[part]:
            hint = ""
            if part != "dx" and shape in [(len(x),), (len(x), 1)]:
                hint = (
                    ". Likely cause: summed over axis 1 (the features); gamma and beta are "
                    "shared by the samples, so their gradients sum over the batch, axis=0"
                )
            elif part != "dx" and shape == (1, x.shape[1]):
                hint = ". Likely cause: keepdims=True; return a 1-D array like gamma"
            fail(f"{what}: {part} has shape {shape}, expected {shapes[part]}{hint}")
    numeric = _numerical(forward, x, gamma, beta, eps, dy)
    causes = slips(dy, cache)
    # Swapped dgamma and dbeta is reported first: dgamma alone would look like "without x̂".
    if not np.allclose(got[1], numeric[1], *BACKWARD) and np.allclose(
        got[1], numeric[2], *BACKWARD
    ):
        if np.allclose(got[2], numeric[1], *BACKWARD):
            fail(f"{what}: dgamma and dbeta are swapped; return (dx, dgamma, dbeta)")
    compare_all(
        got,
        numeric,
        [f"{part} {where} (against central differences of the forward pass)" for part in causes],
        BACKWARD,
        causes=list(causes.values()),
    )


@exercise("batchnorm_backward", bplib_answers=(batchnorm.backward,))
def batchnorm_backward(
    fn: Callable, seed: int = 0, n: int = 8, d: int = 5, eps: float = 1e-5
) -> None:
    r"""``fn(dy, cache)`` returns (dx, dgamma, dbeta), the gradients of $\sum_i dy_i\, y_i$ for
    $y = \gamma \hat x + \beta$, $\hat x = (x - \mu)/\sqrt{\sigma^2 + \varepsilon}$ over the batch;
    cache = (x_hat, gamma, std) as ``batchnorm_forward`` returns it."""
    # Worked example: 4 samples of 2 features, gamma = (2, 0.5), beta = (0, 1).
    x = np.array([[1.0, -2.0], [2.0, 0.0], [4.0, 1.0], [-1.0, 3.0]])
    dy = np.array([[0.5, 1.0], [-1.0, 0.0], [0.2, -0.5], [1.0, 2.0]])
    gamma, beta = np.array([2.0, 0.5]), np.array([0.0, 1.0])
    where = "for the worked example (4 samples, 2 features)"
    _check_bn(fn, x, gamma, beta, 1e-5, dy, where)

    for x, gamma, beta, dy, where in _random_inputs(seed, n, d, eps, (d,)):
        _check_bn(fn, x, gamma, beta, eps, dy, where)


def _check_bn(fn, x, gamma, beta, eps, dy, where) -> None:
    _check_norm_backward(
        fn, "batchnorm_backward", batchnorm.forward, _bn_slips, x, gamma, beta, eps, dy, where
    )


# ---------------------------------------------------------------- layernorm_backward


def _layernorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float):
    r"""Layer normalization (Ba et al., 2016): $\mu_i$, $\sigma^2_i$ over the features of each
    sample (axis 1), $y = \gamma \odot \hat x + \beta$ with gamma, beta (d,) per feature.
    Returns (y, cache), cache = (x_hat (m, d), gamma (d,), std (m, 1))."""
    mu = x.mean(axis=1, keepdims=True)
    std = np.sqrt(x.var(axis=1, keepdims=True) + eps)
    x_hat = (x - mu) / std
    return gamma * x_hat + beta, (x_hat, gamma, std)


def _ln_slips(dy: np.ndarray, cache: tuple) -> dict[str, list[tuple[np.ndarray, str]]]:
    """What common slips give for layer norm's dx, dgamma and dbeta, with their causes."""
    x_hat, gamma, std = cache
    mean1 = lambda a: a.mean(axis=1, keepdims=True)  # noqa: E731
    dx_hat = dy * gamma
    return {
        "dx": [
            (
                gamma / std * (dy - mean1(dy) - x_hat * mean1(dy * x_hat)),
                "γ taken out of the means, as in batch norm: there γ is one number per "
                "feature, the same along the axis the means run over; here γ varies along it, "
                "so it has to stay inside: the means are of γ·dy, not of dy",
            ),
            (
                dx_hat / std,
                "only the direct path, through x̂: x also moves each sample's μ and σ²",
            ),
            (dx_hat / std - mean1(dx_hat) / std, "the path through σ² is missing"),
            (dx_hat / std - x_hat * mean1(dx_hat * x_hat) / std, "the path through μ is missing"),
            (
                (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)) / std,
                "means over axis 0, the batch, as in batch norm: here μ_i and σ²_i belong to "
                "one sample, so the paths through them sum over its features, axis=1",
            ),
        ],
        "dgamma": [
            (dy.sum(axis=0), "dgamma without x̂: what is ∂y/∂γ?"),
            ((dy * x_hat).mean(axis=0), "a mean; every sample adds to dgamma, so it is a sum"),
        ],
        "dbeta": [(dy.mean(axis=0), "a mean; every sample adds to dbeta, so it is a sum")],
    }


@exercise("layernorm_backward")
def layernorm_backward(
    fn: Callable, seed: int = 0, n: int = 6, d: int = 5, eps: float = 1e-5
) -> None:
    r"""``fn(dy, cache)`` returns (dx, dgamma, dbeta), the gradients of $\sum_i dy_i \cdot y_i$
    for layer normalization, $\hat x_i = (x_i - \mu_i)/\sqrt{\sigma_i^2 + \varepsilon}$ over the
    features of sample $i$ and $y = \gamma \odot \hat x + \beta$; cache = (x_hat, gamma, std) as
    ``layernorm_forward`` returns it (std of shape (m, 1))."""
    # Worked example: 3 samples of 4 features.
    x = np.array([[1.0, -2.0, 0.5, 3.0], [2.0, 0.0, 1.0, 1.0], [4.0, 1.0, -1.0, 0.0]])
    dy = np.array([[0.5, 1.0, -1.0, 0.0], [-1.0, 0.0, 2.0, 0.5], [0.2, -0.5, 1.0, 1.0]])
    gamma, beta = np.array([2.0, 0.5, 1.0, -1.0]), np.array([0.0, 1.0, 0.5, 0.0])
    _check_ln(fn, x, gamma, beta, 1e-5, dy, "for the worked example (3 samples, 4 features)")

    for x, gamma, beta, dy, where in _random_inputs(seed, n, d, eps, (n, 1)):
        _check_ln(fn, x, gamma, beta, eps, dy, where)


def _check_ln(fn, x, gamma, beta, eps, dy, where) -> None:
    _check_norm_backward(
        fn, "layernorm_backward", _layernorm_forward, _ln_slips, x, gamma, beta, eps, dy, where
    )
