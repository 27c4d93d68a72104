r"""Checks for chapter 10: Xavier and He initialization, per-layer gradient norms, and the
backward pass of batch normalization.

An initialization draws random numbers, so its check tests what every correct draw has: the
shapes, zero biases, mean 0 and the variance of the weights on a large layer (within a
statistical tolerance), and that the draw comes from the generator passed in. The other checks
compare with a reference on a worked example and on random inputs; the batch-normalization
backward pass is compared with central differences of the forward pass written here.
"""

from collections.abc import Callable

import numpy as np

from bplib import gradcheck
from bplib.checks.feedback import Tolerance, call, compare, compare_all, exercise, fail, unchanged
from bplib.network import Network

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
    """Mean 0 and variance ``target`` for a large layer, or the likely cause of the miss."""
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
    for wrong, cause in slips:
        if abs(var - wrong) <= 2 * _VARIANCE_RTOL * wrong:
            fail(f"{what}: Var W = {var:.4g}, expected {target:.4g}. Likely cause: {cause}")
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
            "the variance 2/(n_in + n_out) was used as the standard deviation (sqrt missing): "
            "rng.normal(0, scale, size) takes the std, scale = sqrt(2/(n_in + n_out))",
        ),
        (
            12 / s**2,
            "r = 6/(n_in + n_out) without the sqrt: U[−r, r] needs r = sqrt(6/(n_in + n_out))",
        ),
        (
            2 / (3 * s),
            "U[−r, r] with r = sqrt(2/(n_in + n_out)); U[−r, r] has variance r²/3, so "
            "r = sqrt(6/(n_in + n_out))",
        ),
        (
            1 / n_in,
            "this is N(0, 1/n_in), the fan-in rule (LeCun's, chapter 3's scaled_normal); Xavier "
            "averages fan-in and fan-out: Var W = 2/(n_in + n_out)",
        ),
        (1 / n_out, "Var W = 1/n_out, the fan-out rule; Xavier uses 2/(n_in + n_out)"),
        (2 / n_in, "Var W = 2/n_in is He's rule for ReLU; Xavier uses 2/(n_in + n_out)"),
        (1 / s, "the factor 2 is missing: Var W = 2/(n_in + n_out)"),
        (1.0, "the weights are N(0, 1) (or U with variance 1): not scaled by the layer size"),
    ]


def _he_slips(n_in: int, n_out: int) -> list[tuple[float, str]]:
    """Variances that common slips give for He, with their causes."""
    return [
        (
            2 / n_out,
            "n_out instead of n_in: He scales by the fan-in, the number of inputs summed in "
            "each z (the rows of W), Var W = 2/n_in",
        ),
        (
            (2 / n_in) ** 2,
            "the variance 2/n_in was used as the standard deviation (sqrt missing): "
            "rng.normal(0, scale, size) takes the std, scale = sqrt(2/n_in)",
        ),
        (
            1 / n_in,
            "the factor 2 is missing: that is N(0, 1/n_in). A ReLU zeroes half of its inputs, "
            "which halves E[a²]; He's 2 makes up for it: Var W = 2/n_in",
        ),
        (
            2 / (3 * n_in),
            "U[−r, r] with r = sqrt(2/n_in); U[−r, r] has variance r²/3, so r = sqrt(6/n_in)",
        ),
        (2 / (n_in + n_out), "this is Xavier's variance 2/(n_in + n_out); He uses 2/n_in"),
        (1.0, "the weights are N(0, 1): not scaled by the layer size"),
    ]


def _check_init(fn: Callable, name: str, target, slips, seed: int, sizes) -> None:
    # Worked example: the first layer of an MNIST network, 784 -> 30.
    _draw(fn, 784, 30, np.random.default_rng(seed), name)
    _check_rng(fn, name, seed)
    for n_in, n_out in _LARGE_LAYERS:
        _check_variance(fn, name, n_in, n_out, seed, target(n_in, n_out), slips(n_in, n_out))
    rng = np.random.default_rng(seed)
    for n_in, n_out in sizes or [tuple(int(k) for k in rng.integers(1, 60, 2)) for _ in range(3)]:
        _draw(fn, n_in, n_out, np.random.default_rng(seed), name)


@exercise("xavier_init")
def xavier_init(fn: Callable, seed: int = 0, sizes: list[tuple[int, int]] | None = None) -> None:
    r"""``fn(n_in, n_out, rng)`` returns (W, b): W (n_in, n_out) with mean 0 and
    $\mathrm{Var}\,W = 2/(n_{in} + n_{out})$, drawn from ``rng``; b = 0, shape (n_out,).
    ``sizes``: further (n_in, n_out) whose shapes are checked (default: random ones)."""
    _check_init(fn, "xavier_init", lambda i, o: 2 / (i + o), _xavier_slips, seed, sizes)


@exercise("he_init")
def he_init(fn: Callable, seed: int = 0, sizes: list[tuple[int, int]] | None = None) -> None:
    r"""``fn(n_in, n_out, rng)`` returns (W, b): W (n_in, n_out) with mean 0 and
    $\mathrm{Var}\,W = 2/n_{in}$, drawn from ``rng``; b = 0, shape (n_out,)."""
    _check_init(fn, "he_init", lambda i, o: 2 / i, _he_slips, seed, sizes)


# ---------------------------------------------------------------- layer_gradient_norms


def _norm_slips(net: Network, nabla_b: list, nabla_w: list) -> list[tuple[list, str]]:
    """Per-layer lists that common slips give, with their causes."""
    return [
        (
            [np.linalg.norm(W) for W in net.weights],
            "these are the norms of the weights W^l; the exercise asks for the norms of their "
            "gradients, nabla_w from net.backprop(X, y)",
        ),
        (
            [np.linalg.norm(nb) for nb in nabla_b],
            "these are the norms of nabla_b (the biases' gradients); net.backprop returns "
            "(nabla_b, nabla_w), in that order, and the exercise asks for nabla_w",
        ),
        (
            [np.sum(nw**2) for nw in nabla_w],
            "these are the squared norms: the Frobenius norm is the sqrt of the sum of squares",
        ),
        (
            [np.linalg.norm(nw, 2) for nw in nabla_w],
            "np.linalg.norm(M, 2) of a matrix is its largest singular value, not the Frobenius "
            "norm; use np.linalg.norm(M) (or ord='fro')",
        ),
        (
            [np.linalg.norm(nw) for nw in nabla_w[::-1]],
            "the list runs from the last layer to the first; put the first weight layer first",
        ),
        (
            [np.sum(np.abs(nw)) for nw in nabla_w],
            "the sum of |entries| is not the Frobenius norm: sqrt of the sum of squares",
        ),
    ]


def _check_norms(fn: Callable, net: Network, X: np.ndarray, y: np.ndarray, where: str) -> None:
    """Compare ``fn(net, X, y)`` with the norms of ``net.backprop(X, y)``'s nabla_w."""
    nabla_b, nabla_w = net.backprop(X, y)
    expected = [np.linalg.norm(nw) for nw in nabla_w]
    what = f"layer_gradient_norms(net, X, y) {where}"
    changed = f"{what} changed the network's weights or biases; only measure the gradient"
    with unchanged(lambda: net.weights + net.biases, changed):
        got = call(fn, net, X, y, what=what)
    if got is None:
        fail(f"{what}: got None — did the function forget to `return` its result?")
    if np.ndim(got) == 0:
        fail(
            f"{what} returned one number; expected a list of {len(expected)} norms, one per "
            "weight layer (the norm of each nabla_w[l] on its own)"
        )
    if len(got) != len(expected):
        fail(
            f"{what} returned {len(got)} norms; the network has {len(expected)} weight layers "
            f"(sizes {net.sizes}), so expected {len(expected)}"
        )
    compare(got, expected, what, causes=_norm_slips(net, nabla_b, nabla_w))


@exercise("layer_gradient_norms")
def layer_gradient_norms(
    fn: Callable, seed: int = 0, sizes: tuple[int, ...] = (6, 5, 4, 3), n: int = 7
) -> None:
    r"""``fn(net, X, y)`` returns $[\lVert \partial C/\partial W^1 \rVert_F, \dots,
    \lVert \partial C/\partial W^L \rVert_F]$, the gradient of the mean cost on (X, y)."""
    # Worked example: a 3-2-2 sigmoid network on two samples with labels 0 and 1.
    net = Network([3, 2, 2], seed=1)
    X = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 0.0]])
    _check_norms(fn, net, X, np.array([0, 1]), "for the worked example (a 3-2-2 network)")

    rng = np.random.default_rng(seed)
    for activation, output, loss in [
        ("sigmoid", "sigmoid", "quadratic"),
        ("relu", "softmax", "log_likelihood"),
    ]:
        net = Network(
            list(sizes),
            activation=activation,
            output_activation=output,
            loss=loss,
            init="scaled_normal",
            seed=int(rng.integers(1000)),
        )
        X = rng.uniform(-1.0, 1.0, (n, sizes[0]))
        y = rng.integers(0, sizes[-1], n) if sizes[-1] > 1 else rng.integers(0, 2, (n, 1))
        where = f"for a random {activation} network {list(sizes)} and {n} samples"
        _check_norms(fn, net, X, y, where)


# ---------------------------------------------------------------- batchnorm_backward


# The backward pass against central differences of the forward pass.
BACKWARD = Tolerance(1e-5, 1e-7)


def _batchnorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float):
    r"""$\hat x = (x - \mu)/\sqrt{\sigma^2 + \varepsilon}$, $y = \gamma \hat x + \beta$, with
    $\mu$, $\sigma^2$ the per-feature mean and (biased) variance over the batch (axis 0).
    Returns (y, cache) with cache = (x_hat, gamma, std), std = $\sqrt{\sigma^2 + \varepsilon}$."""
    mu = x.mean(axis=0)
    std = np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - mu) / std
    return gamma * x_hat + beta, (x_hat, gamma, std)


def _batchnorm_backward(dy: np.ndarray, cache: tuple):
    r"""$\partial\beta = \sum_i dy_i$, $\partial\gamma = \sum_i dy_i \hat x_i$,
    $dx = \frac{\gamma}{\sqrt{\sigma^2+\varepsilon}}\,(dy - \overline{dy} - \hat x\,
    \overline{dy\,\hat x})$, the bars being means over the batch."""
    x_hat, gamma, std = cache
    dbeta = dy.sum(axis=0)
    dgamma = (dy * x_hat).sum(axis=0)
    dx = gamma / std * (dy - dbeta / len(dy) - x_hat * dgamma / len(dy))
    return dx, dgamma, dbeta


def _numerical(x, gamma, beta, eps, dy) -> tuple[np.ndarray, ...]:
    """Central differences of $f = \\sum y \\odot dy$, whose gradient is (dx, dgamma, dbeta)."""
    x, gamma, beta = x.copy(), gamma.copy(), beta.copy()

    def f() -> float:
        return float(np.sum(_batchnorm_forward(x, gamma, beta, eps)[0] * dy))

    return tuple(gradcheck.numerical_gradient(f, p) for p in (x, gamma, beta))


def _bn_slips(dy: np.ndarray, cache: tuple) -> dict[str, list[tuple[np.ndarray, str]]]:
    """What common slips give for dx, dgamma and dbeta, with their causes."""
    x_hat, gamma, std = cache
    _, dgamma, dbeta = _batchnorm_backward(dy, cache)
    mean_dy, mean_dyx = dy.mean(axis=0), (dy * x_hat).mean(axis=0)
    return {
        "dx": [
            (
                dy * gamma / std,
                "dx = dy·γ/σ only: x also moves μ and σ², which every x̂ depends on; add the "
                "two terms through them: dx = (γ/σ)(dy − mean(dy) − x̂·mean(dy·x̂))",
            ),
            (
                gamma / std * (dy - mean_dy),
                "the term through σ² is missing: dx = (γ/σ)(dy − mean(dy) − x̂·mean(dy·x̂))",
            ),
            (
                gamma / std * (dy - x_hat * mean_dyx),
                "the term through μ is missing: dx = (γ/σ)(dy − mean(dy) − x̂·mean(dy·x̂))",
            ),
            (
                gamma / std * (dy - dbeta - x_hat * dgamma),
                "sums where the formula has means: the terms through μ and σ² carry 1/N, "
                "dx = (γ/σ)(dy − mean(dy) − x̂·mean(dy·x̂)) with means over the batch (axis 0)",
            ),
            (
                (dy - mean_dy - x_hat * mean_dyx) / std,
                "γ is missing: y = γ x̂ + β, so every path from x to y is multiplied by γ",
            ),
            (
                gamma * (dy - mean_dy - x_hat * mean_dyx),
                "the 1/σ is missing: x̂ = (x − μ)/σ, so dx carries γ/σ with σ = sqrt(σ² + ε)",
            ),
            (
                gamma / std**2 * (dy - mean_dy - x_hat * mean_dyx),
                "divided by σ² + ε instead of σ = sqrt(σ² + ε)",
            ),
        ],
        "dgamma": [
            (
                dbeta,
                "dgamma without x̂: y = γ x̂ + β, so ∂y/∂γ = x̂ and dgamma = Σ dy·x̂ (over the batch)",
            ),
            (mean_dyx, "a mean over the batch; dgamma is the sum Σ dy·x̂ (every sample adds)"),
            (dbeta / len(dy), "dgamma = mean(dy): x̂ is missing, and it is a sum, not a mean"),
        ],
        "dbeta": [
            (mean_dy, "a mean over the batch; dbeta is the sum Σ dy (every sample adds)"),
            (dgamma, "dbeta and dgamma swapped: return (dx, dgamma, dbeta); dbeta = Σ dy"),
        ],
    }


def _check_bn(
    fn: Callable, x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float, dy, where: str
) -> None:
    """Compare ``fn(dy, cache)`` with central differences of the forward pass."""
    _, cache = _batchnorm_forward(x, gamma, beta, eps)
    what = f"batchnorm_backward(dy, cache) {where}"
    with unchanged(lambda: [dy], f"{what} changed dy; compute new arrays instead"):
        got = call(fn, dy, tuple(c.copy() for c in cache), what=what)
        if not (isinstance(got, tuple | list) and len(got) == 3):
            fail(f"{what} must return a triple (dx, dgamma, dbeta), got {type(got).__name__}")
    shapes = {"dx": x.shape, "dgamma": gamma.shape, "dbeta": beta.shape}
    for name, value in zip(shapes, got, strict=True):
        shape = np.shape(value)
        if shape != shapes[name]:
            hint = ""
            if name != "dx" and shape in [(len(x),), (len(x), 1)]:
                hint = (
                    ". Likely cause: summed over axis 1 (the features); sum over the batch, axis=0"
                )
            elif name != "dx" and shape == (1, x.shape[1]):
                hint = ". Likely cause: keepdims=True; return a 1-D array like gamma"
            fail(f"{what}: {name} has shape {shape}, expected {shapes[name]}{hint}")
    numeric = _numerical(x, gamma, beta, eps, dy)
    slips = _bn_slips(dy, cache)
    # Swapped dgamma and dbeta is reported first: dgamma alone would look like "without x̂".
    if not np.allclose(got[1], numeric[1], *BACKWARD) and np.allclose(
        got[1], numeric[2], *BACKWARD
    ):
        if np.allclose(got[2], numeric[1], *BACKWARD):
            fail(f"{what}: dgamma and dbeta are swapped; return (dx, dgamma, dbeta)")
    compare_all(
        got,
        numeric,
        [f"{name} {where} (against central differences of the forward pass)" for name in slips],
        BACKWARD,
        causes=list(slips.values()),
    )


@exercise("batchnorm_backward")
def batchnorm_backward(
    fn: Callable, seed: int = 0, n: int = 8, d: int = 5, eps: float = 1e-5
) -> None:
    r"""``fn(dy, cache)`` returns (dx, dgamma, dbeta) for $y = \gamma \hat x + \beta$,
    $\hat x = (x - \mu)/\sqrt{\sigma^2 + \varepsilon}$, cache = (x_hat, gamma, std) as the
    chapter's ``batchnorm_forward`` returns it."""
    # Worked example: 4 samples of 2 features, gamma = (2, 0.5), beta = (0, 1).
    x = np.array([[1.0, -2.0], [2.0, 0.0], [4.0, 1.0], [-1.0, 3.0]])
    dy = np.array([[0.5, 1.0], [-1.0, 0.0], [0.2, -0.5], [1.0, 2.0]])
    gamma, beta = np.array([2.0, 0.5]), np.array([0.0, 1.0])
    _check_bn(fn, x, gamma, beta, 1e-5, dy, "for the worked example (4 samples, 2 features)")

    rng = np.random.default_rng(seed)
    for trial in range(2):
        x = rng.normal(rng.uniform(-2, 2, d), rng.uniform(0.5, 3, d), (n, d))
        gamma, beta = rng.uniform(0.5, 2.0, d), rng.normal(0.0, 1.0, d)
        dy = rng.standard_normal((n, d))
        where = f"for random input (x {n}×{d}, eps = {eps:g}, trial {trial + 1})"
        _check_bn(fn, x, gamma, beta, eps, dy, where)
