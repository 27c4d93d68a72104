r"""Checks for chapter 04, neurons, layers and forward propagation, in the row form of bplib:

$$z^l = a^{l-1} W^l + b^l, \qquad a^l = \sigma(z^l), \qquad a^0 = X,$$

with $X$ (m, sizes[0]), $W^l$ (n_in, n_out) and $b^l$ (n_out,); and the one layer
$(W^1 \cdots W^L,\ (\cdots(b^1 W^2 + b^2) \cdots) W^L + b^L)$ that $L$ identity layers make.
"""

from collections.abc import Callable

import numpy as np

from bplib import activations, data
from bplib.activations import sigmoid
from bplib.checks.feedback import EXACT, call, compare, exercise, fail, judged_on_its_own
from bplib.network import Network

# Says which way the product goes, not what the layer computes: that is the exercise.
ROW_FORM = (
    "In the row form a sample is a row of a (m, n_in), and z_k = Σ_j a_j W_jk sums over the "
    "first index of W (n_in, n_out): which order of the product, and which W, does that?"
)


def _row_form(e: Exception) -> str:
    """The row-form hint, when the exception is about shapes."""
    if any(word in str(e) for word in ("matmul", "shape", "broadcast", "align")):
        return f". {ROW_FORM}"
    return ""


def _layer(rng: np.random.Generator, m: int, n_in: int, n_out: int):
    """A batch a (m, n_in), W (n_in, n_out) and b (n_out,)."""
    a = rng.normal(0.0, 1.0, (m, n_in))
    return a, rng.normal(0.0, 1.0, (n_in, n_out)), rng.normal(0.0, 1.0, n_out)


# --- layer_forward ------------------------------------------------------------------------------


def _layer_causes(a, W, b, sigma) -> list:
    """Wrong outputs of one layer that common slips give, with the likely cause."""
    causes = [
        (sigma(a @ W), "the bias is missing: every neuron adds its own b_k to its sum"),
        (
            a @ W + b,
            "the activation is missing: the layer returns σ of the weighted inputs, not the "
            "weighted inputs themselves",
        ),
        (
            sigma(a) @ W + b,
            "σ was applied to the input before the weighted sum; it acts on the weighted inputs",
        ),
        (
            sigma(a @ W) + b,
            "the bias was added after σ: it is part of the weighted input, inside σ",
        ),
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


@exercise("layer_forward", bplib_answers=(Network.feedforward,))
def layer_forward(fn: Callable, seed: int = 0, m: int = 5, n_in: int = 4, n_out: int = 3) -> None:
    r"""``fn(a, W, b, sigma)`` must return $\sigma(a W + b)$, shape (m, n_out).

    The worked example has a square W, where a transpose gives wrong numbers rather than an
    error; the random layer (m, n_in) -> (m, n_out) uses tanh.
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
            f"a random layer (seed {seed}: a {(m, n_in)}, W {(n_in, n_out)}, tanh)",
            _layer(rng, m, n_in, n_out),
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


def _reference_layer(a, W, b, sigma):
    return sigma(a @ W + b)


@exercise("network_forward", bplib_answers=(Network.feedforward,))
def network_forward(
    fn: Callable, seed: int = 0, sizes: tuple[int, ...] = (4, 5, 3, 2), m: int = 6
) -> None:
    r"""``fn(X, weights, biases, sigma)`` must return ``[a^0, a^1, ..., a^L]`` with $a^0 = X$ and
    $a^l = \sigma(a^{l-1} W^l + b^l)$: L + 1 arrays for L layers. A ``network_forward`` that
    calls the student's ``layer_forward`` is judged on its own."""
    judged_on_its_own(
        fn,
        "network_forward",
        lambda f: _network_forward(f, seed, sizes, m),
        {"layer_forward": _reference_layer},
    )


def _network_forward(fn: Callable, seed: int, sizes: tuple[int, ...], m: int) -> None:
    rng = np.random.default_rng(seed)
    cases = [
        (
            "the worked example (sizes [2, 3, 2], sigmoid)",
            np.array([[0.0, 1.0], [1.0, 1.0]]),
            *_network(np.random.default_rng(1), [2, 3, 2]),
            activations.sigmoid,
        ),
        (
            f"a random network (seed {seed}, sizes {list(sizes)}, {m} samples, tanh)",
            rng.normal(0.0, 1.0, (m, sizes[0])),
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


# Building a Network and counting its arrays is bplib's way of answering.
@exercise("count_parameters", bplib_answers=(Network.__init__, Network.parameters))
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


# --- collapse_linear ----------------------------------------------------------------------------


def _collapse(weights: list, biases: list, slip: str = "") -> tuple[np.ndarray, np.ndarray]:
    """The one layer (W, b) that identity layers make, or what the ``slip`` gives instead."""
    W, b = weights[0], biases[0]
    for W_l, b_l in zip(weights[1:], biases[1:], strict=True):
        if slip == "reversed":
            W = W_l @ W
        else:
            W = W @ W_l
        if slip == "summed":
            b = b + b_l
        elif slip == "through all":
            b = b @ W + b_l
        elif slip == "through its own":
            b = (b + b_l) @ W_l
        else:
            b = b @ W_l + b_l
    return W, b


@exercise("collapse_linear")
def collapse_linear(fn: Callable, seed: int = 0, sizes: tuple[int, ...] = (3, 5, 2, 4)) -> None:
    r"""``fn(weights, biases)`` must return the (W, b) with $XW + b$ equal, for every X, to the
    output of the network of identity layers with those weights and biases:
    $W = W^1 \cdots W^L$ and $b = (\cdots(b^1 W^2 + b^2) \cdots) W^L + b^L$ (the only such pair)."""
    rng = np.random.default_rng(seed)
    worked = [np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([[1.0, 0.0], [3.0, 1.0]])]
    cases = [
        (
            "the worked example (sizes [2, 2, 2])",
            worked,
            [np.array([1.0, -1.0]), np.array([0.5, 2.0])],
        ),
        (f"a random network (seed {seed}, sizes {list(sizes)})", *_network(rng, list(sizes))),
        (
            f"a network of one layer (seed {seed}, sizes {[sizes[0], sizes[-1]]})",
            *_network(rng, [sizes[0], sizes[-1]]),
        ),
        (
            f"a random network of square layers (seed {seed}, sizes [3, 3, 3, 3])",
            *_network(rng, [3, 3, 3, 3]),
        ),
    ]
    for label, weights, biases in cases:
        got = call(
            fn,
            [W.copy() for W in weights],
            [b.copy() for b in biases],
            what=f"collapse_linear(weights, biases) on {label}",
            hint=_row_form,
        )
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fail(f"collapse_linear on {label}: expected a pair (W, b), got {type(got).__name__}")
        W, b = _collapse(weights, biases)
        compare(got[0], W, f"W on {label}", causes=_slips(weights, biases, W_SLIPS))
        compare(got[1], b, f"b on {label}", causes=_slips(weights, biases, B_SLIPS))


# What each slip of collapse_linear gives, for the layers it applies to.
W_SLIPS: list[tuple[Callable, str]] = [
    (lambda ws, bs: ws[-1], "W is the last layer's weights alone: every layer's W acts on X"),
    (lambda ws, bs: _collapse(ws[:-1], bs[:-1])[0], "the last layer was left out"),
    (lambda ws, bs: ws[0], "W is the first layer's weights alone: every layer's W acts on X"),
    (
        lambda ws, bs: _collapse(ws, bs, "reversed")[0],
        "the weights were multiplied in the reverse order: in the row form X W^1 W^2 ..., the "
        "input meets W^1 first",
    ),
]
B_SLIPS: list[tuple[Callable, str]] = [
    (
        lambda ws, bs: _collapse(ws, bs, "summed")[1],
        "the biases were added up: each b^l also passes through the weights of every layer "
        "after it",
    ),
    (
        lambda ws, bs: bs[-1],
        "b is the last layer's bias alone: the earlier biases pass through the later layers' "
        "weights and add to it",
    ),
    (
        lambda ws, bs: _collapse(ws, bs, "through all")[1],
        "the bias so far was multiplied by the product of all the weights so far; it passes "
        "only through the layers after it",
    ),
    (
        lambda ws, bs: _collapse(ws, bs, "through its own")[1],
        "a layer's own bias was multiplied by its own weights: b^l is added after W^l",
    ),
]


def _slips(weights: list, biases: list, slips: list) -> list:
    """(wrong array, cause) of the ``slips`` that these layers' shapes allow."""
    causes = []
    for slip, cause in slips:
        try:
            causes.append((slip(weights, biases), cause))
        except (ValueError, IndexError):  # the slip cannot happen with these shapes
            continue
    return causes
