r"""Checks for chapter 04, neurons, layers and forward propagation, in the row form of bplib:

$$z^l = a^{l-1} W^l + b^l, \qquad a^l = \sigma(z^l), \qquad a^0 = X,$$

with $X$ (n, sizes[0]), $W^l$ (n_in, n_out) and $b^l$ (n_out,).
"""

from collections.abc import Callable

import numpy as np

from bplib import activations, data
from bplib.activations import sigmoid
from bplib.checks.feedback import EXACT, call, compare, exercise, fail
from bplib.network import Network

ROW_FORM = (
    "In the row form z = a W + b, a (n, n_in) times W (n_in, n_out) gives (n, n_out): "
    "write a @ W, not W @ a or a @ W.T."
)


def _row_form(e: Exception) -> str:
    """The row-form hint, when the exception is about shapes."""
    if any(word in str(e) for word in ("matmul", "shape", "broadcast", "align")):
        return f". {ROW_FORM}"
    return ""


def _layer(rng: np.random.Generator, n: int, n_in: int, n_out: int):
    """A batch a (n, n_in), W (n_in, n_out) and b (n_out,)."""
    a = rng.normal(0.0, 1.0, (n, n_in))
    return a, rng.normal(0.0, 1.0, (n_in, n_out)), rng.normal(0.0, 1.0, n_out)


# --- layer_forward ------------------------------------------------------------------------------


def _layer_causes(a, W, b, sigma) -> list:
    """Wrong outputs of one layer that common slips give, with the likely cause."""
    causes = [
        (sigma(a @ W), "the bias is missing: z = a W + b"),
        (a @ W + b, "the activation is missing: the layer returns σ(z), not z"),
        (sigma(a) @ W + b, "σ was applied to the input before the sum: a_out = σ(a W + b)"),
        (sigma(a @ W) + b, "the bias was added after σ: it belongs inside, σ(a W + b)"),
        (sigmoid(a @ W + b), "the sigmoid was used instead of the activation sigma passed in"),
    ]
    if W.shape[0] == W.shape[1]:
        causes.append(
            (
                sigma(a @ W.T + b),
                "W was used transposed, as in Nielsen's column form z = W a (there W is "
                f"(n_out, n_in)). {ROW_FORM}",
            )
        )
    return causes


@exercise("layer_forward")
def layer_forward(fn: Callable, seed: int = 0, n: int = 5, n_in: int = 4, n_out: int = 3) -> None:
    r"""``fn(a, W, b, sigma)`` must return $\sigma(a W + b)$, shape (n, n_out).

    The worked example has a square W, where a transpose gives wrong numbers rather than an
    error; the random layer (n, n_in) -> (n, n_out) uses tanh.
    """
    rng = np.random.default_rng(seed)
    worked = (
        np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 2.0]]),
        np.array([[0.5, -1.0], [2.0, 0.25]]),
        np.array([0.1, -0.2]),
    )
    cases = [
        ("the worked example (a (3, 2), a square W (2, 2), sigmoid)", worked, activations.sigmoid),
        (
            f"a random layer (seed {seed}: a {(n, n_in)}, W {(n_in, n_out)}, tanh)",
            _layer(rng, n, n_in, n_out),
            activations.tanh,
        ),
    ]
    for label, (a, W, b), sigma in cases:
        got = call(
            fn,
            a.copy(),
            W.copy(),
            b.copy(),
            sigma,
            what=f"layer_forward(a, W, b, sigma) on {label}",
            hint=_row_form,
        )
        compare(
            got,
            sigma(a @ W + b),
            f"layer_forward on {label}",
            causes=_layer_causes(a, W, b, sigma),
        )


# --- network_forward ----------------------------------------------------------------------------


def _network(rng: np.random.Generator, sizes: list[int]) -> tuple[list, list]:
    net = Network(sizes, init="normal", seed=rng)
    return net.weights, net.biases


def _forward(X, weights, biases, sigma) -> list[np.ndarray]:
    acts = [X]
    for W, b in zip(weights, biases, strict=True):
        acts.append(sigma(acts[-1] @ W + b))
    return acts


@exercise("network_forward")
def network_forward(
    fn: Callable, seed: int = 0, sizes: tuple[int, ...] = (4, 5, 3, 2), n: int = 6
) -> None:
    r"""``fn(X, weights, biases, sigma)`` must return ``[a^0, a^1, ..., a^L]`` with $a^0 = X$ and
    $a^l = \sigma(a^{l-1} W^l + b^l)$: L + 1 arrays for L layers."""
    rng = np.random.default_rng(seed)
    cases = [
        (
            "the worked example (sizes [2, 3, 2], sigmoid)",
            np.array([[0.0, 1.0], [1.0, 1.0]]),
            *_network(np.random.default_rng(1), [2, 3, 2]),
            activations.sigmoid,
        ),
        (
            f"a random network (seed {seed}, sizes {list(sizes)}, {n} samples, tanh)",
            rng.normal(0.0, 1.0, (n, sizes[0])),
            *_network(rng, list(sizes)),
            activations.tanh,
        ),
    ]
    for label, X, weights, biases, sigma in cases:
        L = len(weights)
        got = call(
            fn,
            X.copy(),
            [W.copy() for W in weights],
            [b.copy() for b in biases],
            sigma,
            what=f"network_forward(X, weights, biases, sigma) on {label}",
            hint=_row_form,
        )
        if not isinstance(got, (list, tuple)):
            fail(
                f"network_forward on {label}: expected a list [a^0, ..., a^{L}], "
                f"got {type(got).__name__}"
            )
        if len(got) == L:
            fail(
                f"network_forward on {label}: expected {L + 1} arrays for {L} layers, got {L}. "
                "The list starts with the input itself, a^0 = X"
            )
        if len(got) != L + 1:
            fail(
                f"network_forward on {label}: expected {L + 1} arrays, a^0 to a^{L}, got {len(got)}"
            )
        expected = _forward(X, weights, biases, sigma)
        compare(
            got[0], X, f"a^0 on {label}", causes=[(sigma(X), "a^0 is the input X itself, not σ(X)")]
        )
        for l in range(1, L + 1):
            a_prev = expected[l - 1]
            causes = _layer_causes(a_prev, weights[l - 1], biases[l - 1], sigma)
            if l == L:
                causes.insert(
                    0,
                    (
                        a_prev @ weights[-1] + biases[-1],
                        "the last layer has no activation: every layer, the output layer too, "
                        "applies σ",
                    ),
                )
            if l > 1 and X.shape[1] == weights[l - 1].shape[0]:
                causes.append((sigma(X @ weights[l - 1] + biases[l - 1]), "every layer was fed X"))
            compare(
                got[l],
                expected[l],
                f"a^{l} (the output of layer {l} of {L}) on {label}",
                causes=causes,
            )


# --- count_parameters ---------------------------------------------------------------------------


@exercise("count_parameters")
def count_parameters(fn: Callable, seed: int = 0) -> None:
    r"""``fn(sizes)`` must return the number of weights and biases,
    $\sum_l (n_{l-1} + 1)\, n_l$; the reference counts the arrays of a bplib Network."""
    rng = np.random.default_rng(seed)
    cases = [[784, 30, 10], [2, 2, 1]]
    cases += [list(rng.integers(1, 60, size=k)) for k in (2, 3, 5)]
    for sizes in cases:
        sizes = [int(s) for s in sizes]
        net = Network(sizes, seed=0)
        expected = sum(W.size + b.size for W, b in zip(net.weights, net.biases, strict=True))
        weights = sum(W.size for W in net.weights)
        what = f"count_parameters({sizes})"
        got = call(fn, list(sizes), what=what)
        compare(
            got,
            expected,
            what,
            EXACT,
            causes=[
                (weights, "the biases are missing: every neuron after the input layer has one"),
                (
                    expected + sizes[0],
                    "the input layer was given biases: its units hold the input and compute "
                    "nothing, so only layers 1..L have biases",
                ),
                (
                    weights + sum(sizes[:-1]),
                    "one bias per input unit of each layer; it is one per output unit (n_out)",
                ),
                (sum(sizes), "that counts the neurons, not the parameters"),
            ],
        )


# --- xor_network --------------------------------------------------------------------------------

SHAPES: dict[str, list[tuple[int, ...]]] = {"weights": [(2, 2), (2, 1)], "biases": [(2,), (1,)]}


def _check_shapes(got) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``got`` as (weights, biases) of a 2-2-1 network, or a failure that says what is wrong."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(f"expected a pair (weights, biases), got {type(got).__name__}")
    params = {}
    for name, arrays in zip(("weights", "biases"), got, strict=True):
        if not isinstance(arrays, (list, tuple)) or len(arrays) != 2:
            fail(f"{name} must be a list of 2 arrays (hidden layer, output layer)")
        params[name] = [np.asarray(p, dtype=float) for p in arrays]
        for l, (p, shape) in enumerate(zip(params[name], SHAPES[name], strict=True), start=1):
            if p.shape == shape:
                continue
            hint = ""
            if p.shape == shape[::-1]:
                hint = (
                    " (its transpose: that is Nielsen's column form; in bplib's row form W^l "
                    "is (n_in, n_out))"
                )
            fail(f"{name}[{l - 1}] (layer {l}) must have shape {shape}, got {p.shape}{hint}")
    return params["weights"], params["biases"]


@exercise("xor_network")
def xor_network(fn: Callable, margin: float = 0.1, noise: float = 0.0, seed: int = 0) -> None:
    r"""``fn()`` returns (weights, biases) of a 2-2-1 sigmoid network computing XOR: outputs
    below ``margin`` at (0, 0) and (1, 1), above 1 - ``margin`` at (0, 1) and (1, 0). With
    ``noise`` > 0, 25 points around each corner (within ``noise``) must lie on its side of 0.5."""
    weights, biases = _check_shapes(call(fn, what="xor_network()"))
    net = Network.from_weights(weights, biases)
    X, y = data.xor()
    out = net.feedforward(X)[:, 0]
    if not np.all(np.isfinite(out)):
        fail("the outputs contain NaN or infinity; are some weights NaN?")
    shown = ", ".join(f"{tuple(int(v) for v in x)} -> {o:.3f}" for x, o in zip(X, out, strict=True))
    wrong_side = (out > 0.5) != (y == 1)
    if np.all(wrong_side):
        fail(
            f"all four outputs are on the wrong side of 0.5 ({shown}): the network computes "
            "XNOR, NOT XOR. Negate the output layer's weights and bias: σ(−z) = 1 − σ(z)"
        )
    if np.any(wrong_side):
        corners = " and ".join(str(tuple(int(v) for v in x)) for x in X[wrong_side])
        hint = ""
        if list(wrong_side) == [False, False, False, True]:
            hint = (
                ". Only (1, 1) is wrong: the network computes OR. One hidden unit can detect "
                "OR and the other AND; the output fires for OR but not AND"
            )
        fail(f"wrong output at {corners} ({shown}){hint}")
    low, high = out[y == 0].max(), out[y == 1].min()
    if low >= margin or high <= 1 - margin:
        fail(
            f"the outputs are on the right side of 0.5 but not by the margin ({shown}); they "
            f"must be < {margin} for targets 0 and > {1 - margin} for targets 1. Scale the "
            f"weights and biases up: σ(z) > {1 - margin} needs z > {np.log(1 / margin - 1):.2f}"
        )
    if noise > 0.0:
        rng = np.random.default_rng(seed)
        X_near = np.repeat(X, 25, axis=0) + rng.uniform(-noise, noise, (100, 2))
        y_near = np.repeat(y, 25)
        out_near = net.feedforward(X_near)[:, 0]
        bad = (out_near > 0.5) != (y_near == 1)
        if np.any(bad):
            x = X_near[bad][0]
            fail(
                f"{int(bad.sum())} of 100 points within {noise} of a corner land on the wrong "
                f"side of 0.5, e.g. ({x[0]:.3f}, {x[1]:.3f}) -> {out_near[bad][0]:.3f}; the "
                "boundaries of the hidden units pass too close to the corners (put them halfway, "
                "e.g. x1 + x2 = 0.5 and x1 + x2 = 1.5)"
            )
