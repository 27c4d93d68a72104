r"""Checks for chapter 05, backpropagation: the output error, one step of the recursion, and the
whole backward pass of a sigmoid network with the quadratic cost, all in the row form of bplib:

$$\delta^L = (a^L - y) \odot \sigma'(z^L), \qquad
\delta^l = (\delta^{l+1} (W^{l+1})^T) \odot \sigma'(z^l),$$
$$\nabla_{b^l} C = \tfrac1n \textstyle\sum_x \delta^l_x, \qquad
\nabla_{W^l} C = \tfrac1n (a^{l-1})^T \delta^l.$$
"""

from collections.abc import Callable

import numpy as np

from bplib import gradcheck, losses
from bplib.activations import sigmoid, sigmoid_prime
from bplib.checks.feedback import CENTRAL_DIFFERENCES, call, compare, exercise, fail
from bplib.network import Network

TRANSPOSE_HINT = (
    "If it came from a matrix product, look at the shapes: in the row form "
    "δ^l = (δ^{l+1} (W^{l+1})ᵀ) ⊙ σ′(z^l), and δ^{l+1} (n, n_out) times "
    "(W^{l+1})ᵀ (n_out, n_in) gives (n, n_in)."
)


def _transpose_hint(e: Exception) -> str:
    """The shapes hint, whatever the exception."""
    return f". {TRANSPOSE_HINT}"


# --- output_delta -------------------------------------------------------------------------------


@exercise("output_delta")
def output_delta(fn: Callable, seed: int = 0) -> None:
    r"""``fn(z, a, y)`` must return $\delta^L = (a - y) \odot \sigma'(z)$, shape (n, k)."""
    rng = np.random.default_rng(seed)
    worked = (np.array([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]]), np.array([[0.0, 1.0, 0.0]] * 2))
    random = (rng.normal(0.0, 2.0, (5, 4)), rng.random((5, 4)))
    for label, (z, y) in [("the worked example", worked), (f"random inputs (seed {seed})", random)]:
        a = sigmoid(z)
        got = call(fn, z.copy(), a.copy(), y.copy(), what=f"output_delta(z, a, y) on {label}")
        expected = losses.quadratic_delta(z, a, y, sigmoid_prime)
        compare(
            got,
            expected,
            f"output_delta on {label}",
            causes=[
                (a - y, "σ′(z) is missing: δ^L = (a − y) ⊙ σ′(z^L)"),
                (
                    (a - y) * sigmoid_prime(a),
                    "σ′ was applied to a; it takes z: σ′(z) = σ(z)(1 − σ(z)) = a(1 − a)",
                ),
                ((a - y) * a, "multiplied by σ(z) = a where σ′(z) = a(1 − a) belongs"),
                (-expected, "wrong sign: ∂C/∂a = a − y for C = ½‖a − y‖², not y − a"),
                (
                    expected / len(z),
                    "divided by n: output_delta is the error of each sample; the mean over the "
                    "batch comes later, in the gradients",
                ),
            ],
        )


# --- backprop_step ------------------------------------------------------------------------------


@exercise("backprop_step")
def backprop_step(fn: Callable, seed: int = 0, n: int = 5, n_in: int = 4, n_out: int = 3) -> None:
    r"""``fn(delta_next, W_next, z)`` must return $(\delta^{l+1} (W^{l+1})^T) \odot \sigma'(z^l)$.

    Shapes: delta_next (n, n_out), W_next (n_in, n_out), z (n, n_in) -> (n, n_in). The worked
    example has a square W, so a missing transpose gives wrong numbers instead of an error.
    """
    rng = np.random.default_rng(seed)
    worked = (
        np.array([[0.1, -0.2], [0.3, 0.0], [-0.1, 0.4]]),
        np.array([[1.0, 2.0], [-1.0, 0.5]]),
        np.array([[0.0, 1.0], [2.0, -1.0], [0.5, 0.5]]),
    )
    random = (
        rng.standard_normal((n, n_out)),
        rng.standard_normal((n_in, n_out)),
        rng.normal(0.0, 2.0, (n, n_in)),
    )
    for label, (delta_next, W_next, z) in [
        ("the worked example (square W)", worked),
        (f"random inputs (seed {seed}, W of shape {(n_in, n_out)})", random),
    ]:
        got = call(
            fn,
            delta_next.copy(),
            W_next.copy(),
            z.copy(),
            what=f"backprop_step(delta_next, W_next, z) on {label}",
            hint=_transpose_hint,
        )
        back = delta_next @ W_next.T
        causes = [
            (back, "σ′(z^l) is missing: multiply elementwise by σ′(z^l)"),
            (back * sigmoid(z), "multiplied by σ(z) where σ′(z) = σ(z)(1 − σ(z)) belongs"),
            (back * sigmoid_prime(sigmoid(z)), "σ′ was applied to σ(z); it takes z"),
            (-back * sigmoid_prime(z), "wrong sign: the recursion has no minus sign"),
        ]
        if W_next.shape[0] == W_next.shape[1]:
            causes.append(
                (
                    (delta_next @ W_next) * sigmoid_prime(z),
                    "W_next is not transposed: in the row form δ^{l+1} is multiplied by "
                    "(W^{l+1})ᵀ, because z^{l+1} = a^l W^{l+1} + b^{l+1}",
                )
            )
        compare(got, back * sigmoid_prime(z), f"backprop_step on {label}", causes=causes)


# --- backprop -----------------------------------------------------------------------------------

SLIPS = {
    "sum": "sum where a mean was meant: the cost is the MEAN over the batch, so every gradient "
    "carries a factor 1/n (divide δ^L, or the gradients, by n)",
    "no_prime_output": "σ′(z^L) is missing in the output error δ^L",
    "no_prime_hidden": "σ′(z^l) is missing in the recursion for the hidden layers",
    "prime_of_a": "σ′ was applied to the activations a; it takes z",
    "not_transposed": "W^{l+1} is not transposed in the recursion: "
    "δ^l = (δ^{l+1} (W^{l+1})ᵀ) ⊙ σ′(z^l)",
    "dW_transposed": "nabla_w is transposed: nabla_w^l = (a^{l-1})ᵀ δ^l / n has the shape "
    "of W^l (n_in, n_out)",
    "reversed": "the lists are in reversed layer order: nabla_w[0] must belong to weights[0], the "
    "first layer, even though backprop computes it last",
}


def _backprop(weights, biases, X, Y, slip: str | None = None):
    """The backward pass of the text, with one of ``SLIPS`` made on purpose."""
    acts, zs = [X], []
    for W, b in zip(weights, biases, strict=True):
        zs.append(acts[-1] @ W + b)
        acts.append(sigmoid(zs[-1]))
    prime = (lambda z: sigmoid_prime(sigmoid(z))) if slip == "prime_of_a" else sigmoid_prime
    scale = 1.0 if slip == "sum" else 1.0 / len(X)
    delta = (acts[-1] - Y) * (1.0 if slip == "no_prime_output" else prime(zs[-1])) * scale
    L = len(weights)
    nabla_b, nabla_w = [None] * L, [None] * L
    for l in range(L - 1, -1, -1):
        nabla_b[l] = delta.sum(axis=0)
        nabla_w[l] = (delta.T @ acts[l]) if slip == "dW_transposed" else (acts[l].T @ delta)
        if l > 0:
            W_back = weights[l] if slip == "not_transposed" else weights[l].T
            delta = delta @ W_back * (1.0 if slip == "no_prime_hidden" else prime(zs[l - 1]))
    if slip == "reversed":
        return nabla_b[::-1], nabla_w[::-1]
    return nabla_b, nabla_w


def _numerical(weights, biases, X, Y):
    """(nabla_b, nabla_w) of the mean quadratic cost by central differences."""
    net = Network.from_weights(weights, biases)
    grads = [
        [gradcheck.numerical_gradient(lambda: net.cost(X, Y), p) for p in params]
        for params in (net.biases, net.weights)
    ]
    return grads[0], grads[1]


def _slips(weights, biases, X, Y):
    """{slip: (nabla_b, nabla_w)} for the slips this network can show."""
    found = {}
    for slip in SLIPS:
        try:
            found[slip] = _backprop(weights, biases, X, Y, slip)
        except ValueError:  # a shape error: this slip cannot happen silently here
            pass
    return found


def _check_structure(got, weights, label: str) -> tuple[list, list]:
    """``got`` as (nabla_b, nabla_w), two lists of one array per layer, or a failure."""
    L = len(weights)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(f"backprop on {label}: expected a pair (nabla_b, nabla_w), got {type(got).__name__}")
    nabla_b, nabla_w = got
    for name, grads in [("nabla_b", nabla_b), ("nabla_w", nabla_w)]:
        if not isinstance(grads, (list, tuple)) or len(grads) != L:
            fail(
                f"backprop on {label}: {name} must be a list of {L} arrays, one per layer, "
                f"got {type(grads).__name__}"
                + (f" of length {len(grads)}" if isinstance(grads, (list, tuple)) else "")
            )
    if [np.shape(g) for g in nabla_b] == [W.shape for W in weights]:
        fail(
            f"backprop on {label}: the first list holds arrays of the weights' shapes; return "
            "(nabla_b, nabla_w) in that order, as Network.backprop does"
        )
    shapes_w = [np.shape(g) for g in nabla_w]
    if shapes_w != [W.shape for W in weights] and shapes_w == [W.shape for W in weights[::-1]]:
        fail(f"backprop on {label}: {SLIPS['reversed']}")
    return list(nabla_b), list(nabla_w)


def _library(weights, biases, X, Y):
    """(nabla_b, nabla_w) from ``Network.backprop``."""
    return Network.from_weights(weights, biases).backprop(X, Y)


def _case(sizes, n: int, rng: np.random.Generator):
    """A random sigmoid network of layer ``sizes`` and a batch (X, Y) of ``n`` samples."""
    net = Network(sizes, seed=rng)
    return net.weights, net.biases, rng.standard_normal((n, sizes[0])), rng.random((n, sizes[-1]))


@exercise("backprop")
def backprop(
    fn: Callable, seed: int = 0, sizes: tuple[int, ...] = (4, 5, 3, 2), n: int = 6
) -> None:
    r"""``fn(weights, biases, X, Y)`` must return ``(nabla_b, nabla_w)``, the gradients of the
    mean quadratic cost of a sigmoid network, layer by layer.

    The worked example (a square network, so a missing transpose shows in the numbers) is
    compared with ``Network.backprop``; the random network of layer ``sizes`` with central
    differences. Layers are reported from the output back, the order backprop computes them.
    """
    rng = np.random.default_rng(seed)
    worked = (
        [
            np.array([[0.5, -1.0, 0.3], [1.0, 0.2, -0.4], [-0.6, 0.8, 1.2]]),
            np.array([[0.5, -0.3, 0.1], [0.2, 0.4, -0.6], [-0.1, 0.7, 0.3]]),
        ],
        [np.array([0.1, -0.2, 0.0]), np.array([0.3, -0.1, 0.2])],
        np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 0.0], [-1.0, 1.0, 1.0], [0.0, -0.5, 0.5]]),
        np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]),
    )
    cases = [
        ("the worked example (layers [3, 3, 3], 4 samples)", worked, _library),
        (
            f"a random network (seed {seed}, layers {list(sizes)}, {n} samples)",
            _case(sizes, n, rng),
            _numerical,
        ),
    ]
    for label, (weights, biases, X, Y), reference in cases:
        got = call(
            fn,
            [W.copy() for W in weights],
            [b.copy() for b in biases],
            X.copy(),
            Y.copy(),
            what=f"backprop(weights, biases, X, Y) on {label}",
            hint=_transpose_hint,
        )
        nabla_b, nabla_w = _check_structure(got, weights, label)
        expected_b, expected_w = reference(weights, biases, X, Y)
        slips = _slips(weights, biases, X, Y)
        L = len(weights)
        for l in range(L - 1, -1, -1):
            for name, got_g, expected, index in [
                ("nabla_b", nabla_b, expected_b, 0),
                ("nabla_w", nabla_w, expected_w, 1),
            ]:
                param = "biases" if name == "nabla_b" else "weights"
                compare(
                    got_g[l],
                    expected[l],
                    f"{name}[{l}] (layer {l + 1} of {L}, the {param}) on {label}",
                    CENTRAL_DIFFERENCES,
                    causes=[(wrong[index][l], SLIPS[slip]) for slip, wrong in slips.items()],
                )
