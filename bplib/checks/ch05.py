r"""Checks for chapter 05, backpropagation, in the row form of bplib: a batch of m samples as
rows, $Z^l = A^{l-1} W^l + b^l$, $\Delta^l$ the (m, n_l) errors $\delta^l_x = \partial C_x /
\partial z^l_x$ of the samples, and $C = \frac1m \sum_x C_x$ the mean cost.

The output error, one step of the recursion, the gradients of one layer and the whole backward
pass of a sigmoid network with the quadratic cost; the same for tanh hidden layers and a linear
output; and a backward pass with a planted bug, located by gradient checking and fixed. A
backward pass built on the student's own helpers is judged on its own (``judged_on_its_own``).
"""

from collections.abc import Callable

import numpy as np

from bplib import gradcheck, losses
from bplib.activations import sigmoid, sigmoid_prime, tanh, tanh_prime
from bplib.checks.feedback import (
    CENTRAL_DIFFERENCES,
    call,
    compare,
    exercise,
    fail,
    judged_on_its_own,
)
from bplib.network import Network

SHAPES_HINT = (
    "Write down the shape of every array first: the shapes leave one order of the product, "
    "and one place for a transpose, that gives the shape asked for."
)


def _shapes_hint(e: Exception) -> str:
    """The shapes hint after a ValueError, which is what NumPy raises for shapes that do not fit
    a product or a broadcast."""
    return f". {SHAPES_HINT}" if isinstance(e, ValueError) else ""


# --- output_delta -------------------------------------------------------------------------------


@exercise("output_delta", bplib_answers=(losses.quadratic_delta,))
def output_delta(fn: Callable, seed: int = 0, m: int = 5, k: int = 4) -> None:
    r"""``fn(z, a, y)`` must return $\Delta^L$, the (m, k) errors $\partial C_x/\partial z^L_x$
    of the quadratic cost with sigmoid outputs, one row per sample."""
    rng = np.random.default_rng(seed)
    worked = (np.array([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]]), np.array([[0.0, 1.0, 0.0]] * 2))
    random = (rng.normal(0.0, 2.0, (m, k)), rng.random((m, k)))
    for label, (z, y) in [
        ("the worked example (2 samples, 3 outputs)", worked),
        (f"random inputs (seed {seed}, {m} samples, {k} outputs)", random),
    ]:
        a = sigmoid(z)
        got = call(fn, z.copy(), a.copy(), y.copy(), what=f"output_delta(z, a, y) on {label}")
        expected = (a - y) * a * (1.0 - a)
        compare(
            got,
            expected,
            f"output_delta on {label}",
            causes=[
                (
                    a - y,
                    "you have ∂C_x/∂a but not ∂a/∂z: C_x depends on z only through a = σ(z), "
                    "so the chain rule brings in one more factor",
                ),
                (
                    (a - y) * sigmoid_prime(a),
                    "σ′ was evaluated at a; σ′ takes z (or write it in terms of a = σ(z))",
                ),
                ((a - y) * a, "a factor of σ′ is missing: σ′(z) is not σ(z)"),
                (
                    -expected,
                    "wrong sign: differentiate ½‖a − y‖² with respect to a, not with respect to y",
                ),
                (2 * expected, "a factor 2: the cost of a sample has ½ in front of the square"),
                (
                    expected / len(z),
                    "divided by m: output_delta is the error of each sample; the mean over the "
                    "batch comes later, in the gradients",
                ),
            ],
        )


# --- backprop_step ------------------------------------------------------------------------------


@exercise("backprop_step")
def backprop_step(fn: Callable, seed: int = 0, m: int = 5, n_in: int = 4, n_out: int = 3) -> None:
    r"""``fn(delta_next, W_next, z)`` must return $\Delta^l$ from $\Delta^{l+1}$ for sigmoid
    units. Shapes: delta_next (m, n_out), W_next (n_in, n_out), z (m, n_in) -> (m, n_in).

    The worked example has a square W, so a missing transpose gives wrong numbers instead of an
    error.
    """
    rng = np.random.default_rng(seed)
    worked = (
        np.array([[0.1, -0.2], [0.3, 0.0], [-0.1, 0.4]]),
        np.array([[1.0, 2.0], [-1.0, 0.5]]),
        np.array([[0.0, 1.0], [2.0, -1.0], [0.5, 0.5]]),
    )
    random = (
        rng.standard_normal((m, n_out)),
        rng.standard_normal((n_in, n_out)),
        rng.normal(0.0, 2.0, (m, n_in)),
    )
    for label, (delta_next, W_next, z) in [
        ("the worked example (square W)", worked),
        (f"random inputs (seed {seed}, {m} samples, W of shape {(n_in, n_out)})", random),
    ]:
        got = call(
            fn,
            delta_next.copy(),
            W_next.copy(),
            z.copy(),
            what=f"backprop_step(delta_next, W_next, z) on {label}",
            hint=_shapes_hint,
        )
        back = delta_next @ W_next.T
        causes = [
            (
                back,
                "a factor is missing: z^l reaches z^{l+1} through a^l = σ(z^l), and the "
                "chain rule passes through that step too",
            ),
            (back * sigmoid(z), "multiplied by σ(z) where σ′(z) belongs"),
            (back * sigmoid_prime(sigmoid(z)), "σ′ was applied to σ(z); it takes z"),
            (-back * sigmoid_prime(z), "wrong sign: no step of the chain rule here brings a minus"),
            (
                back * sigmoid_prime(z) / len(z),
                "divided by m: the errors of the samples stay as "
                "they are; the mean over the batch belongs to the gradients",
            ),
        ]
        if W_next.shape[0] == W_next.shape[1]:
            causes.append(
                (
                    (delta_next @ W_next) * sigmoid_prime(z),
                    "W_next is not transposed: the sum of the chain rule runs over the units k "
                    "of layer l+1, which index the columns of W^{l+1}",
                )
            )
        compare(got, back * sigmoid_prime(z), f"backprop_step on {label}", causes=causes)


# --- layer_gradients ----------------------------------------------------------------------------


def _pair(got, label: str, what: str) -> tuple:
    """``got`` as a pair of two results, or a failure that says what came back."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(f"{what} on {label}: expected a pair (nabla_b, nabla_w), got {type(got).__name__}")
    return tuple(got)


@exercise("layer_gradients")
def layer_gradients(fn: Callable, seed: int = 0, m: int = 5, n_in: int = 4, n_out: int = 3) -> None:
    r"""``fn(delta, a_prev)`` must return ``(nabla_b, nabla_w)``: the gradient of the mean cost
    with respect to $b^l$ (n_out,) and $W^l$ (n_in, n_out), from $\Delta^l$ (m, n_out) and
    $A^{l-1}$ (m, n_in). The worked example is square, so a transpose shows in the numbers."""
    rng = np.random.default_rng(seed)
    worked = (
        np.array([[0.1, -0.2], [0.3, 0.0], [-0.1, 0.4]]),
        np.array([[0.2, 0.9], [0.5, 0.1], [0.7, 0.3]]),
    )
    random = (rng.standard_normal((m, n_out)), rng.random((m, n_in)))
    for label, (delta, a_prev) in [
        ("the worked example (3 samples, a square layer 2 -> 2)", worked),
        (f"random inputs (seed {seed}, {m} samples, a layer {n_in} -> {n_out})", random),
    ]:
        got = call(
            fn,
            delta.copy(),
            a_prev.copy(),
            what=f"layer_gradients(delta, a_prev) on {label}",
            hint=_shapes_hint,
        )
        nabla_b, nabla_w = _pair(got, label, "layer_gradients")
        count = len(delta)
        mean = "the cost is the MEAN over the batch, so its gradient is the mean of the samples'"
        compare(
            nabla_b,
            delta.mean(axis=0),
            f"nabla_b on {label}",
            causes=[
                (delta.sum(axis=0), f"a sum where the mean belongs: {mean}"),
                (delta, "one row per sample: the gradient of the batch's cost adds them up"),
                (delta.mean(axis=0, keepdims=True), "shape (1, n_out): b is a vector (n_out,)"),
                (delta.mean(axis=1), "the mean runs over the samples, the rows of delta"),
                (delta.sum(axis=1), "the sum runs over the samples, the rows of delta"),
                (delta.sum(axis=0) / count**2, "divided by m twice"),
            ],
        )
        expected_w = a_prev.T @ delta / count
        causes_w = [
            (a_prev.T @ delta, f"a sum where the mean belongs: {mean}"),
            (a_prev.T @ delta / count**2, "divided by m twice"),
            (
                delta.T @ a_prev / count,
                "nabla_w is transposed: it has the shape of W^l, (n_in, n_out), entry (j, k) "
                "for the weight from unit j of layer l−1 to unit k of layer l",
            ),
            (-expected_w, "wrong sign"),
        ]
        if len(delta) == delta.shape[1]:
            causes_w.append((delta.T @ a_prev.T / count, "the product is in the wrong order"))
        compare(nabla_w, expected_w, f"nabla_w on {label}", causes=causes_w)


# --- backprop -----------------------------------------------------------------------------------

SLIPS = {
    "sum": "a sum where the mean belongs: the cost is the MEAN over the batch, so every gradient "
    "carries a factor 1/m (once)",
    "twice": "divided by m twice: the factor 1/m of the mean belongs to the gradients once",
    "no_prime_output": "the output error lacks a factor σ′ (chain rule through a^L = σ(z^L))",
    "no_prime_hidden": "the errors of the hidden layers lack a factor σ′ (chain rule through "
    "a^l = σ(z^l))",
    "prime_of_a": "σ′ was applied to the activations a; it takes z",
    "wrong_layer_prime": "σ′ of the wrong layer in the recursion: the error of layer l needs "
    "σ′(z^l), the layer it is the error of",
    "not_transposed": "W^{l+1} is not transposed in the recursion (look at the shapes)",
    "dW_transposed": "nabla_w is transposed: nabla_w[l] has the shape of weights[l], (n_in, n_out)",
    "output_activations": "the gradient of the output layer's weights takes the activations of "
    "the wrong layer: the weights of layer l multiply a^{l−1}, the input of that layer",
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
    scale = {"sum": 1.0, "twice": 1.0 / len(X) ** 2}.get(slip or "", 1.0 / len(X))
    delta = (acts[-1] - Y) * (1.0 if slip == "no_prime_output" else prime(zs[-1])) * scale
    L = len(weights)
    nabla_b, nabla_w = [np.empty(0)] * L, [np.empty(0)] * L
    for l in range(L - 1, -1, -1):
        nabla_b[l] = delta.sum(axis=0)
        a_in = acts[l + 1] if slip == "output_activations" and l == L - 1 else acts[l]
        nabla_w[l] = (delta.T @ a_in) if slip == "dW_transposed" else (a_in.T @ delta)
        if l > 0:
            W_back = weights[l] if slip == "not_transposed" else weights[l].T
            z = zs[l] if slip == "wrong_layer_prime" else zs[l - 1]
            delta = delta @ W_back * (1.0 if slip == "no_prime_hidden" else prime(z))
    if slip == "reversed":
        return nabla_b[::-1], nabla_w[::-1]
    return nabla_b, nabla_w


def _numerical(weights, biases, X, Y, activation="sigmoid", output_activation=None):
    """(nabla_b, nabla_w) of the mean quadratic cost by central differences."""
    net = Network.from_weights(weights, biases, activation, output_activation)
    grads = [
        [gradcheck.numerical_gradient(lambda: net.cost(X, Y), p) for p in params]
        for params in (net.biases, net.weights)
    ]
    return grads[0], grads[1]


def _slips(backward: Callable, slips: dict, weights, biases, X, Y) -> dict:
    """{slip: (nabla_b, nabla_w)} for the slips this network can show."""
    found = {}
    for slip in slips:
        try:
            found[slip] = backward(weights, biases, X, Y, slip)
        except ValueError:  # a shape error: this slip cannot happen silently here
            pass
    return found


def _check_structure(got, weights, label: str, what: str = "backprop") -> tuple[list, list]:
    """``got`` as (nabla_b, nabla_w), two lists of one array per layer, or a failure."""
    L = len(weights)
    nabla_b, nabla_w = _pair(got, label, what)
    for name, grads in [("nabla_b", nabla_b), ("nabla_w", nabla_w)]:
        if not isinstance(grads, (list, tuple)) or len(grads) != L:
            fail(
                f"{what} on {label}: {name} must be a list of {L} arrays, one per layer, "
                f"got {type(grads).__name__}"
                + (f" of length {len(grads)}" if isinstance(grads, (list, tuple)) else "")
            )
    if [np.shape(g) for g in nabla_b] == [W.shape for W in weights]:
        fail(
            f"{what} on {label}: the first list holds arrays of the weights' shapes; return "
            "(nabla_b, nabla_w) in that order, as Network.backprop does"
        )
    shapes_w = [np.shape(g) for g in nabla_w]
    if shapes_w != [W.shape for W in weights] and shapes_w == [W.shape for W in weights[::-1]]:
        fail(f"{what} on {label}: {SLIPS['reversed']}")
    return list(nabla_b), list(nabla_w)


def _copied(weights, biases, X, Y) -> tuple:
    """Copies of a network's parameters and a batch, for the student's function to change."""
    return [W.copy() for W in weights], [b.copy() for b in biases], X.copy(), Y.copy()


def _case(sizes, m: int, rng: np.random.Generator):
    """A random network of layer ``sizes`` and a batch (X, Y) of ``m`` samples."""
    net = Network(sizes, seed=rng)
    return net.weights, net.biases, rng.standard_normal((m, sizes[0])), rng.random((m, sizes[-1]))


# A square network, so that a missing transpose shows in the numbers, not as a shape error.
WORKED = (
    [
        np.array([[0.5, -1.0, 0.3], [1.0, 0.2, -0.4], [-0.6, 0.8, 1.2]]),
        np.array([[0.5, -0.3, 0.1], [0.2, 0.4, -0.6], [-0.1, 0.7, 0.3]]),
    ],
    [np.array([0.1, -0.2, 0.0]), np.array([0.3, -0.1, 0.2])],
    np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 0.0], [-1.0, 1.0, 1.0], [0.0, -0.5, 0.5]]),
    np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]),
)


def _compare_gradients(
    fn: Callable,
    cases: list,
    what: str,
    backward: Callable,
    slips: dict,
    numerical: Callable,
) -> None:
    """Call ``fn(weights, biases, X, Y)`` on each (label, case) and compare its gradients with
    ``numerical``'s, layer by layer from the output back, naming the slip of ``slips``
    (made by ``backward(..., slip)``) that the result matches."""
    for label, (weights, biases, X, Y) in cases:
        got = call(
            fn,
            *_copied(weights, biases, X, Y),
            what=f"{what}(weights, biases, X, Y) on {label}",
            hint=_shapes_hint,
        )
        nabla_b, nabla_w = _check_structure(got, weights, label, what)
        expected_b, expected_w = numerical(weights, biases, X, Y)
        found = _slips(backward, slips, weights, biases, X, Y)
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
                    causes=[(wrong[index][l], slips[slip]) for slip, wrong in found.items()],
                )


# --- one slip is charged once -------------------------------------------------------------------


def _output_delta(z, a, y):
    return (a - y) * sigmoid_prime(z)


def _backprop_step(delta_next, W_next, z):
    return (delta_next @ W_next.T) * sigmoid_prime(z)


def _layer_gradients(delta, a_prev):
    return delta.mean(axis=0), a_prev.T @ delta / len(delta)


HELPERS: dict[str, Callable] = {
    "output_delta": _output_delta,
    "backprop_step": _backprop_step,
    "layer_gradients": _layer_gradients,
}


@exercise("backprop", bplib_answers=(Network.backprop,))
def backprop(
    fn: Callable, seed: int = 0, sizes: tuple[int, ...] = (4, 5, 3, 2), m: int = 6
) -> None:
    r"""``fn(weights, biases, X, Y)`` must return ``(nabla_b, nabla_w)``, the gradients of the
    mean quadratic cost of a sigmoid network, layer by layer, first layer first.

    The worked example is a square network (a missing transpose shows in the numbers), then a
    random network of layer ``sizes``; both are compared with central differences. Layers are
    reported from the output back, the order backprop computes them.
    """
    rng = np.random.default_rng(seed)
    cases = [
        ("the worked example (layers [3, 3, 3], 4 samples)", WORKED),
        (
            f"a random network (seed {seed}, layers {list(sizes)}, {m} samples)",
            _case(sizes, m, rng),
        ),
    ]
    judged_on_its_own(
        fn,
        "backprop",
        lambda f: _compare_gradients(f, cases, "backprop", _backprop, SLIPS, _numerical),
        HELPERS,
    )


# --- backprop_tanh: tanh hidden layers and a linear output ---------------------------------------

TANH_SLIPS = {
    "all_sigmoid": "these are the gradients of the sigmoid network of Exercise 4; here the hidden "
    "layers use tanh and the output layer is linear",
    "output_prime": "the output error has a factor too many: the output layer is linear, a^L = z^L",
    "sigmoid_hidden": "the hidden layers' factor is the sigmoid's derivative; these units use tanh",
    "prime_of_a": "tanh′ was evaluated at the activations a; it takes z (or write it in a)",
    "sum": SLIPS["sum"],
    "not_transposed": SLIPS["not_transposed"],
    "no_prime_hidden": "the errors of the hidden layers lack a factor tanh′ (chain rule through "
    "a^l = tanh(z^l))",
}


def _backprop_tanh(weights, biases, X, Y, slip: str | None = None):
    """Backprop with tanh hidden layers and a linear output, one of ``TANH_SLIPS`` on purpose."""
    if slip == "all_sigmoid":
        return _backprop(weights, biases, X, Y)
    acts, zs = [X], []
    L = len(weights)
    for l, (W, b) in enumerate(zip(weights, biases, strict=True)):
        zs.append(acts[-1] @ W + b)
        acts.append(zs[-1] if l == L - 1 else tanh(zs[-1]))
    primes = {"sigmoid_hidden": sigmoid_prime, "prime_of_a": lambda z: tanh_prime(tanh(z))}
    prime = primes.get(slip or "", tanh_prime)
    delta = (acts[-1] - Y) / (1.0 if slip == "sum" else len(X))
    if slip == "output_prime":
        delta = delta * tanh_prime(zs[-1])
    nabla_b, nabla_w = [np.empty(0)] * L, [np.empty(0)] * L
    for l in range(L - 1, -1, -1):
        nabla_b[l] = delta.sum(axis=0)
        nabla_w[l] = acts[l].T @ delta
        if l > 0:
            delta = delta @ (weights[l] if slip == "not_transposed" else weights[l].T)
            if slip != "no_prime_hidden":
                delta = delta * prime(zs[l - 1])
    return nabla_b, nabla_w


def _tanh_case(sizes, m: int, rng: np.random.Generator):
    """A random tanh-linear network of layer ``sizes`` and a regression batch of ``m`` samples."""
    net = Network(sizes, seed=rng)
    Y = rng.normal(0.0, 1.0, (m, sizes[-1]))
    return net.weights, net.biases, rng.standard_normal((m, sizes[0])), Y


@exercise("backprop_tanh", bplib_answers=(Network.backprop,))
def backprop_tanh(
    fn: Callable, seed: int = 0, sizes: tuple[int, ...] = (3, 4, 5, 2), m: int = 5
) -> None:
    r"""``fn(weights, biases, X, Y)`` must return ``(nabla_b, nabla_w)`` of the mean quadratic
    cost of a network whose hidden layers use tanh and whose output layer is linear
    ($a^L = z^L$), compared with central differences."""
    rng = np.random.default_rng(seed)
    weights, biases, X, _ = WORKED
    worked = (weights, biases, X, np.array([[0.5, -1.0, 2.0]] * 2 + [[0.0, 1.0, -0.5]] * 2))
    cases = [
        ("the worked example (layers [3, 3, 3], 4 samples)", worked),
        (
            f"a random network (seed {seed}, layers {list(sizes)}, {m} samples)",
            _tanh_case(sizes, m, rng),
        ),
    ]

    def numerical(weights, biases, X, Y):
        return _numerical(weights, biases, X, Y, "tanh", "identity")

    judged_on_its_own(
        fn,
        "backprop_tanh",
        lambda f: _compare_gradients(
            f, cases, "backprop_tanh", _backprop_tanh, TANH_SLIPS, numerical
        ),
        {"layer_gradients": _layer_gradients},
    )


# --- the planted bug: locate it, then fix it ----------------------------------------------------

# Where a planted bug may sit: (layer numbered from 1, "W" or "b").
PLACES = [(1, "b"), (2, "W"), (3, "W"), (1, "W"), (3, "b"), (2, "b")]


def _planted(layer: int, param: str, rng: np.random.Generator) -> Callable:
    """A backward pass whose gradient of ``param`` in ``layer`` alone is wrong: the biases' with
    the wrong sign, the weights' off by a fixed random matrix of a tenth of their size."""
    noise_seed = int(rng.integers(2**32))

    def backward(weights, biases, X, Y):
        nabla_b, nabla_w = _backprop(weights, biases, X, Y)
        if param == "b":
            nabla_b[layer - 1] = -nabla_b[layer - 1]
        else:
            g = nabla_w[layer - 1]
            noise = np.random.default_rng(noise_seed).standard_normal(g.shape)
            nabla_w[layer - 1] = g + 0.1 * np.linalg.norm(g) * noise
        return nabla_b, nabla_w

    return backward


def _place(got, label: str) -> tuple[int, str]:
    """``got`` as (layer, "W" or "b"), or a failure that says what was expected."""
    expected = 'a pair (layer, "W" or "b"), the layer numbered from 1'
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(f"locate_bug on {label}: expected {expected}, got {got!r}")
    layer, param = got
    if not isinstance(layer, (int, np.integer)) or isinstance(layer, bool):
        fail(f"locate_bug on {label}: the layer must be an integer, got {layer!r}")
    if param not in ("W", "b"):
        fail(f'locate_bug on {label}: the parameter must be "W" or "b", got {param!r}')
    return int(layer), param


@exercise("locate_bug")
def locate_bug(fn: Callable, seed: int = 0, sizes: tuple[int, ...] = (3, 5, 4, 2), m: int = 4):
    r"""``fn(backprop_fn, weights, biases, X, Y)`` must return the (layer, "W" or "b") whose
    gradient from ``backprop_fn`` disagrees with central differences, layers numbered from 1.

    Each planted backward pass gets one gradient of a random network of layer ``sizes`` wrong.
    """
    rng = np.random.default_rng(seed)
    weights, biases, X, Y = _case(sizes, m, rng)
    L = len(weights)
    places = [(layer, p) for layer, p in PLACES if layer <= L]
    for i in rng.permutation(len(places)):
        layer, param = places[i]
        planted = _planted(layer, param, rng)
        label = f"a planted bug (seed {seed}, layers {list(sizes)}, {m} samples)"
        got = call(
            fn,
            planted,
            *_copied(weights, biases, X, Y),
            what=f"locate_bug(backprop_fn, weights, biases, X, Y) on {label}",
        )
        found = _place(got, label)
        if found == (layer, param):
            continue
        if found == (layer - 1, param):
            fail(
                f"locate_bug on {label}: got {found}. Likely cause: layers numbered from 0; "
                "the text and gradcheck's report number the weight layers from 1"
            )
        if not 1 <= found[0] <= L:
            fail(f"locate_bug on {label}: got layer {found[0]}, the network has layers 1 to {L}")
        fail(
            f"locate_bug on {label}: got {found}, whose gradient agrees with central "
            "differences there: the bug is elsewhere. Compare every layer's W and b, and return "
            "the one whose relative error stands out"
        )


def _planted_backprop(weights, biases, X, Y):
    """The notebook's buggy_backprop: its output layer's weights see the wrong activations."""
    return _backprop(weights, biases, X, Y, "output_activations")


@exercise("fixed_backprop", bplib_answers=(Network.backprop,))
def fixed_backprop(fn: Callable, seed: int = 0, sizes: tuple[int, ...] = (3, 5, 2), m: int = 5):
    r"""``fn(weights, biases, X, Y)``, the planted bug fixed, must return the gradients of the
    mean quadratic cost of a sigmoid network, on the notebook's network shape (layers
    [4, 5, 3, 3], where the bug fits the shapes) and on a random network of layer ``sizes``."""
    rng = np.random.default_rng(seed)
    cases = [
        ("the network of the text (layers [4, 5, 3, 3], 6 samples)", _case((4, 5, 3, 3), 6, rng)),
        (
            f"a random network (seed {seed}, layers {list(sizes)}, {m} samples)",
            _case(sizes, m, rng),
        ),
    ]
    slips = {
        "planted": "the result is buggy_backprop's: the bug is still there",
        **{s: c for s, c in SLIPS.items() if s != "output_activations"},
    }

    def backward(weights, biases, X, Y, slip):
        if slip == "planted":
            return _planted_backprop(weights, biases, X, Y)
        return _backprop(weights, biases, X, Y, slip)

    _compare_gradients(fn, cases, "fixed_backprop", backward, slips, _numerical)
