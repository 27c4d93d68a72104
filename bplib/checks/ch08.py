r"""Checks for chapter 08: the vectorized mini-batch step, the backward pass of chapter 05 carried
over to MNIST, reading a learning curve, counting correct predictions, and the per-sample
gradient norms of the output layer.

Each check runs the student's function on a worked example and on random inputs, compares
with a reference computed here from ``bplib``, and names the likely cause of a common slip.
"""

import math
from collections.abc import Callable, Sequence

import numpy as np

from bplib import optim
from bplib.activations import sigmoid
from bplib.checks import ch05
from bplib.checks.feedback import (
    ROUND_OFF,
    call,
    compare,
    compare_all,
    exercise,
    fail,
    unchanged,
)
from bplib.network import Network

# ---------------------------------------------------------------- update_mini_batch


def _stepped(net: Network, nabla_b: list, nabla_w: list, scale_w: float, scale_b: float):
    r"""The parameters (weights, biases) after $W \leftarrow W - s_w \nabla_W C$ and
    $b \leftarrow b - s_b \nabla_b C$."""
    weights = [W - scale_w * nw for W, nw in zip(net.weights, nabla_w, strict=True)]
    biases = [b - scale_b * nb for b, nb in zip(net.biases, nabla_b, strict=True)]
    return weights, biases


def _step_slips(net: Network, X: np.ndarray, Y: np.ndarray, eta: float):
    """The expected (weights, biases) after one step, and those of common slips with causes."""
    nabla_b, nabla_w = net.backprop(X, Y)
    m = len(X)
    expected = _stepped(net, nabla_b, nabla_w, eta, eta)
    per_sample = (net.weights, net.biases)
    for x, y in zip(X, Y, strict=True):
        stepped = Network.from_weights(
            *per_sample,
            activation=net.activation.name,
            output_activation=net.output_activation.name,
            loss=net.loss.name,
        )
        nb, nw = stepped.backprop(x[None, :], y[None, :])
        per_sample = _stepped(stepped, nb, nw, eta, eta)
    slips = [
        (
            _stepped(net, nabla_b, nabla_w, -eta, -eta),
            "the step went up the gradient; gradient descent subtracts it: w ← w − η ∇C",
        ),
        (
            _stepped(net, nabla_b, nabla_w, eta * m, eta * m),
            f"the gradient is m = {m} times too large (a sum, not a mean): net.backprop already "
            "returns the gradient of the mean cost, so don't sum per-sample gradients or "
            "multiply by len(X_batch)",
        ),
        (
            _stepped(net, nabla_b, nabla_w, eta / m, eta / m),
            f"the step was divided by the batch size m = {m}: Nielsen's η/m turns his sum of "
            "per-sample gradients into a mean, but net.backprop already returns the mean",
        ),
        (
            _stepped(net, nabla_b, nabla_w, eta, 0.0),
            "the biases were not updated: step net.biases[l] with nabla_b[l] too",
        ),
        (
            _stepped(net, nabla_b, nabla_w, 0.0, eta),
            "the weights were not updated: step net.weights[l] with nabla_w[l] too",
        ),
        (
            _stepped(net, nabla_b, nabla_w, 0.0, 0.0),
            "the network did not change. If the loop says `W = W - eta * nw`, that makes a new "
            "array and leaves net.weights[l] as it was; write `W -= eta * nw` (in place) or "
            "assign `net.weights[l] = ...`",
        ),
        (
            per_sample,
            f"the network took a step after every sample ({m} steps of batch size 1); "
            "take one step with the gradient of the whole batch, net.backprop(X_batch, Y_batch)",
        ),
    ]
    return expected, slips


def _swapped_hint(e: Exception) -> str:
    """The likely cause when unpacking net.backprop's pair the wrong way round breaks a step."""
    if not isinstance(e, ValueError):
        return ""
    if "broadcast" in str(e) or "shape" in str(e):
        return (
            ". Likely cause: nabla_b and nabla_w swapped; net.backprop returns "
            "(nabla_b, nabla_w), in that order"
        )
    return "."


def _check_step(fn: Callable, net: Network, X: np.ndarray, Y: np.ndarray, eta: float, where: str):
    """Call ``fn(net, X, Y, eta)`` and compare ``net``'s parameters with the reference step."""
    expected, slips = _step_slips(net, X, Y, eta)
    what = f"update_mini_batch(net, X_batch, Y_batch, eta) {where}"
    changed = f"{what} changed X_batch or Y_batch; only the network's parameters should change"
    with unchanged(lambda: (X, Y), changed):
        call(fn, net, X, Y, eta, what=what, hint=_swapped_hint)
    weights, biases = list(net.weights), list(net.biases)
    if len(weights) != len(expected[0]) or len(biases) != len(expected[1]):
        fail(
            f"{what}: the network now has {len(weights)} weight and {len(biases)} bias arrays, "
            f"expected {len(expected[0])} of each"
        )
    compare_all(
        weights + biases,
        expected[0] + expected[1],
        [f"net.weights[{l}] after the step {where}" for l in range(len(weights))]
        + [f"net.biases[{l}] after the step {where}" for l in range(len(biases))],
        slips=[(list(w) + list(b), cause) for (w, b), cause in slips],
        what=what,
    )


@exercise("update_mini_batch", bplib_answers=(optim.GradientDescent.step,))
def update_mini_batch(
    fn: Callable, seed: int = 0, sizes: Sequence[int] = (4, 3, 2), batch_size: int = 5
) -> None:
    r"""``fn(net, X_batch, Y_batch, eta)`` takes one step $W \leftarrow W - \eta \nabla_W C$,
    $b \leftarrow b - \eta \nabla_b C$ on ``net`` in place, the gradient of the mean cost over
    the batch coming from ``net.backprop``."""
    # Worked example: a 2-3-2 network and a batch of two samples with one-hot targets.
    net = Network([2, 3, 2], seed=1)
    X = np.array([[0.5, -1.0], [1.0, 2.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    _check_step(fn, net, X, Y, 0.5, "for the worked example (2-3-2 network, 2 samples, eta = 0.5)")

    rng = np.random.default_rng(seed)
    sizes = list(sizes)
    for trial in range(2):
        net = Network(sizes, seed=int(rng.integers(1000)))
        X = rng.uniform(0.0, 1.0, (batch_size, sizes[0]))
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch_size)]
        eta = float(rng.uniform(0.5, 3.0))
        _check_step(
            fn,
            net,
            X,
            Y,
            eta,
            f"for random input (network {sizes}, batch of {batch_size}, eta = {eta:.3f}, "
            f"trial {trial + 1})",
        )


# ---------------------------------------------------------------- evaluate


def _evaluate_slips(net: Network, X: np.ndarray, y: np.ndarray) -> tuple[int, list]:
    """The number of correct predictions, and what common slips give instead, with causes."""
    a = net.feedforward(X)
    n, k = a.shape
    correct = int(np.sum(np.argmax(a, axis=1) == y))
    Y = np.eye(k)[y]
    slips = [
        (correct / n, "returned the fraction of correct predictions; return how many (an int)"),
        (n - correct, "counted the wrong predictions; count the right ones"),
        (
            int(np.sum(np.eye(k)[np.argmax(a, axis=1)] == Y)),
            "counted matching entries of two (n, k) one-hot arrays, so every correct zero "
            "counts too; compare one predicted label per sample with y",
        ),
        (
            int(np.sum(np.round(a) == Y)),
            "compared the outputs, rounded, with one-hot targets entry by entry; the prediction "
            "is the label of the largest output: np.argmax(a, axis=1)",
        ),
    ]
    if n == k:
        slips.append(
            (
                int(np.sum(np.argmax(a, axis=0) == y)),
                "argmax over axis 0, down the samples; each row is a sample, so the "
                "prediction is np.argmax(a, axis=1)",
            )
        )
    return correct, slips


def _axis_hint(e: Exception) -> str:
    """The likely cause when an argmax over the wrong axis breaks the comparison with y."""
    if not isinstance(e, ValueError):
        return ""
    if "broadcast" in str(e):
        return (
            ". Likely cause: argmax over axis 0 gives one value per output unit, not per "
            "sample; use np.argmax(a, axis=1)"
        )
    return "."


def _check_evaluate(fn: Callable, net: Network, X: np.ndarray, y: np.ndarray, where: str) -> None:
    """Compare ``fn(net, X, y)`` with the number of correct predictions."""
    expected, slips = _evaluate_slips(net, X, y)
    what = f"evaluate(net, X, y) {where}"
    got = call(fn, net, X, y, what=what, hint=_axis_hint)
    if np.ndim(got) != 0:
        fail(
            f"{what} returned an array of shape {np.shape(got)}; expected one number, how many "
            "samples were predicted correctly (np.sum of the comparison)"
        )
    if isinstance(got, (float, np.floating)) and float(got) != round(float(got)):
        for wrong, cause in slips[:1]:
            if math.isclose(float(got), wrong):
                fail(f"{what}: got {float(got):.4g}, expected {expected}. Likely cause: {cause}")
        fail(f"{what}: got {float(got):.6g}, expected a whole number of samples, {expected}")
    if isinstance(got, (int, np.integer, float, np.floating)) and got > len(X):
        causes = [(w, c) for w, c in slips[2:4] if w == got]
        cause = causes[0][1] if causes else "counted entries of an array, not samples"
        fail(f"{what}: {got} correct out of {len(X)} samples is impossible. Likely cause: {cause}")
    compare(got, expected, what, causes=[(w, c) for w, c in slips if w != expected])


@exercise("evaluate", bplib_answers=(Network.predict, Network.accuracy, Network.labels))
def evaluate(fn: Callable, seed: int = 0, n: int = 23, k: int = 3) -> None:
    """``fn(net, X, y)`` returns how many of the samples (rows of X) the network labels
    correctly: the argmax of its output equals the integer label in ``y``."""
    # Worked example: a 4-4 network with W = I and b = 0 outputs sigmoid(X), so each sample's
    # prediction is the position of the largest entry of its row: 0, 0, 1, 3; y = 0, 2, 1, 0;
    # samples 0 and 2 are right.
    net = Network.from_weights([np.eye(4)], [np.zeros(4)])
    X = np.array(
        [[0.9, 0.1, 0.0, 0.2], [0.8, 0.2, 0.7, 0.0], [0.3, 0.7, 0.1, 0.0], [0.0, 0.1, 0.2, 0.6]]
    )
    y = np.array([0, 2, 1, 0])
    _check_evaluate(fn, net, X, y, "for the worked example (W = I, 4 samples, 2 correct)")

    rng = np.random.default_rng(seed)
    net = Network([5, 6, k], seed=int(rng.integers(1000)))
    X = rng.uniform(-2.0, 2.0, (n, 5))
    # Labels that agree with the network on about half of the samples.
    y = np.where(rng.uniform(size=n) < 0.5, net.predict(X), rng.integers(0, k, n))
    _check_evaluate(fn, net, X, y, f"for random input ({n} samples, {k} classes)")


# ---------------------------------------------------------------- learning_curve_summary


def _summary(accuracies: Sequence[float] | np.ndarray, threshold: float):
    """(best_epoch, best_accuracy, first epoch with accuracy >= threshold or None)."""
    acc = np.asarray(accuracies, dtype=float)
    reached = np.flatnonzero(acc >= threshold)
    return int(np.argmax(acc)) + 1, float(acc.max()), int(reached[0]) + 1 if reached.size else None


def _summary_slips(accuracies: Sequence[float], threshold: float) -> list[tuple[tuple, str]]:
    """What common slips return for ``accuracies`` and ``threshold``, with their causes."""
    acc = np.asarray(accuracies, dtype=float)
    best_epoch, best, reach = _summary(acc, threshold)
    last_best = len(acc) - int(np.argmax(acc[::-1]))
    above = np.flatnonzero(acc > threshold)
    strictly = int(above[0]) + 1 if above.size else None
    return [
        (
            (best_epoch - 1, best, reach),
            "best_epoch counts from 0; epochs count from 1 (accuracies[0] is epoch 1)",
        ),
        (
            (best_epoch, best, None if reach is None else reach - 1),
            "the epoch that reaches the threshold counts from 0; epochs count from 1",
        ),
        (
            (best_epoch - 1, best, None if reach is None else reach - 1),
            "epochs count from 0; they count from 1 (accuracies[0] is epoch 1)",
        ),
        (
            (last_best, best, reach),
            "several epochs share the best accuracy and you returned the last; return the "
            "first (np.argmax does)",
        ),
        (
            (best_epoch, best, strictly),
            "an accuracy equal to the threshold did not count; 'reaches' means >= threshold",
        ),
    ]


def _check_summary(fn: Callable, accuracies: list[float], threshold: float, where: str) -> None:
    """Compare ``fn(accuracies, threshold)`` with the reference summary."""
    expected = _summary(accuracies, threshold)
    what = f"learning_curve_summary(accuracies, threshold={threshold:g}) {where}"
    got = call(fn, list(accuracies), threshold, what=what)
    if not (isinstance(got, (tuple, list)) and len(got) == 3):
        fail(
            f"{what} returned {type(got).__name__} {got!r}; expected a tuple "
            "(best_epoch, best_accuracy, epoch_reached)"
        )
    best_epoch, best, reach = got
    if expected[2] is None and reach is not None:
        n = len(accuracies)
        cause = (
            f". Likely cause: {reach!r} as the default for 'never'; return None"
            if reach in (0, -1, n, n + 1)
            else ""
        )
        fail(
            f"{what}: no epoch reaches the threshold, so epoch_reached must be None, got "
            f"{reach!r}{cause}"
        )
    if expected[2] is not None and reach is None:
        strictly = _summary_slips(accuracies, threshold)[-1][0][2]
        cause = (
            "an accuracy equal to the threshold did not count; 'reaches' means >= threshold"
            if strictly is None
            else "check the comparison with the threshold"
        )
        fail(
            f"{what}: epoch {expected[2]} reaches the threshold, but epoch_reached is None. "
            f"Likely cause: {cause}"
        )
    for wrong, cause in _summary_slips(accuracies, threshold):
        if wrong != expected and _equal_summary(got, wrong):
            fail(f"{what}: got {tuple(got)!r}, expected {expected!r}. Likely cause: {cause}")
    compare(best_epoch, expected[0], f"best_epoch {where}")
    compare(best, expected[1], f"best_accuracy {where}")
    if expected[2] is not None:
        compare(reach, expected[2], f"epoch_reached {where}")


def _equal_summary(got: Sequence, wrong: tuple) -> bool:
    """Whether a returned summary equals a slip's (None only equals None)."""
    for g, w in zip(got, wrong, strict=True):
        if (g is None) != (w is None):
            return False
        try:
            if g is not None and not math.isclose(float(g), float(w), rel_tol=1e-9):
                return False
        except (TypeError, ValueError):
            return False
    return True


def _random_history(rng: np.random.Generator, epochs: int) -> list[float]:
    """Test accuracies of a noisy rising learning curve, whole counts out of 10,000, with the
    best value reached twice so ties matter."""
    curve = 0.95 - 0.06 * np.exp(-np.arange(epochs) / rng.uniform(2.0, 8.0))
    counts = np.round(10_000 * (curve + rng.normal(0.0, 0.003, epochs))).astype(int)
    first = int(np.argmax(counts))
    if first == epochs - 1:
        counts[first - 1] = counts[first] + 1
        first -= 1
    counts[rng.integers(first + 1, epochs)] = counts[first]
    return [c / 10_000 for c in counts]


@exercise("learning_curve_summary")
def learning_curve_summary(fn: Callable, seed: int = 0, epochs: int = 30) -> None:
    """``fn(accuracies, threshold)`` returns (best_epoch, best_accuracy, epoch_reached) for
    per-epoch accuracies (epoch 1 first): the first epoch with the highest accuracy, that
    accuracy, and the first epoch whose accuracy is >= threshold (None if none is)."""
    # Worked example: best 0.95 first at epoch 3 (again at 5); 0.93 first reached at epoch 2.
    worked = [0.90, 0.93, 0.95, 0.94, 0.95]
    _check_summary(fn, worked, 0.93, f"for the worked example {worked}")
    _check_summary(fn, worked, 0.99, f"for the worked example {worked}, never reached")

    rng = np.random.default_rng(seed)
    accuracies = _random_history(rng, epochs)
    at = int(rng.integers(epochs // 3, epochs))
    for threshold in [accuracies[at], float(np.median(accuracies)), max(accuracies) + 0.001]:
        _check_summary(fn, accuracies, threshold, f"for a random history of {epochs} epochs")


# ---------------------------------------------------------------- your_backprop


@exercise("your_backprop", bplib_answers=(Network.backprop,))
def your_backprop(
    output_delta: Callable, backprop_step: Callable, backprop: Callable, seed: int = 0
) -> None:
    r"""The three functions of chapter 05, pasted: each passes chapter 05's check (which judges
    ``backprop`` on its own when only the helpers are wrong), and ``backprop`` gives
    ``Network.backprop``'s gradient on a 784-30-10 network and a mini-batch of 10 images."""
    ch05.output_delta.__wrapped__(output_delta, seed=seed)
    ch05.backprop_step.__wrapped__(backprop_step, seed=seed)
    ch05.backprop.__wrapped__(backprop, seed=seed)
    rng = np.random.default_rng(seed)
    net = Network([784, 30, 10], init="normal", seed=int(rng.integers(1000)))
    X = rng.uniform(0.0, 1.0, (10, 784))
    Y = np.eye(10)[rng.integers(0, 10, 10)]
    where = "on a 784-30-10 network and a mini-batch of 10"
    got = call(
        backprop,
        [W.copy() for W in net.weights],
        [b.copy() for b in net.biases],
        X.copy(),
        Y.copy(),
        what=f"backprop(weights, biases, X, Y) {where}",
    )
    expected_b, expected_w = net.backprop(X, Y)
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        fail(f"backprop {where}: expected a pair (nabla_b, nabla_w), got {type(got).__name__}")
    compare_all(
        list(got[0]) + list(got[1]),
        expected_b + expected_w,
        [f"nabla_b[{l}] {where}" for l in range(2)] + [f"nabla_w[{l}] {where}" for l in range(2)],
    )


# ---------------------------------------------------------------- output_gradient_norms


def _per_sample_norms(net: Network, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    r"""$\lVert \nabla_{W^L} C_x \rVert_F$ for each row x of X, one sample at a time."""
    norms = []
    for x, y in zip(X, Y, strict=True):
        # The mean cost of a batch of one sample is that sample's own cost C_x.
        nabla_w = net.backprop(x[None, :], y[None, :])[1][-1]
        norms.append(float(np.sqrt(np.sum(nabla_w**2))))
    return np.array(norms)


def _norm_slips(net: Network, X: np.ndarray, Y: np.ndarray, expected: np.ndarray) -> list:
    """What common slips return instead of the per-sample norms, with their causes."""
    a_prev = X
    for W, b in zip(net.weights[:-1], net.biases[:-1], strict=True):
        a_prev = sigmoid(a_prev @ W + b)
    a = net.feedforward(X)
    m = len(X)
    return [
        (expected / m, "divided by m: each norm is that of one sample's own cost C_x"),
        (
            expected**2,
            "the squared norm: the Frobenius norm is the square root of the sum of squares",
        ),
        (
            np.linalg.norm((a - Y) * a * (1 - a), axis=1),
            "the norm of δ^L alone: the gradient of C_x with respect to W^L is the outer "
            "product of a^{L-1}_x and δ^L_x, so its norm has a second factor",
        ),
        (
            np.linalg.norm(a - Y, axis=1) * np.linalg.norm(a_prev, axis=1),
            "σ′(z^L) is missing from δ^L: with the quadratic cost δ^L = ∂C_x/∂z^L, not ∂C_x/∂a^L",
        ),
        (
            np.linalg.norm((a - Y) * a * (1 - a), axis=1) * np.linalg.norm(a, axis=1),
            "the norm of a^L where a^{L-1} belongs: W^L maps the last hidden layer to the output",
        ),
    ]


def _check_norms(fn: Callable, net: Network, X: np.ndarray, Y: np.ndarray, where: str) -> None:
    expected = _per_sample_norms(net, X, Y)
    what = f"output_gradient_norms(net, X, Y) {where}"
    with unchanged(lambda: (X, Y, *net.parameters()), f"{what} changed its input or the network"):
        got = call(fn, net, X, Y, what=what)
    if got is not None and np.ndim(got) == 0 and len(X) > 1:
        fail(
            f"{what} returned one number; expected one norm per sample, shape ({len(X)},). "
            "Likely cause: a norm taken over the whole batch"
        )
    compare(got, expected, what, ROUND_OFF, causes=_norm_slips(net, X, Y, expected))


@exercise("output_gradient_norms", bplib_answers=(Network.backprop,))
def output_gradient_norms(
    fn: Callable, seed: int = 0, sizes: Sequence[int] = (6, 5, 4), m: int = 7
) -> None:
    r"""``fn(net, X, Y)`` returns, for each sample x (a row of X), the Frobenius norm of the
    gradient of its own quadratic cost with respect to the last weight matrix,
    $\lVert \nabla_{W^L} C_x \rVert_F$, shape (m,); compared with one backprop per sample."""
    # Worked example: a 2-2-2 network, two samples.
    net = Network.from_weights(
        [np.array([[1.0, -1.0], [0.5, 2.0]]), np.array([[0.3, -0.7], [1.2, 0.4]])],
        [np.array([0.1, -0.2]), np.array([0.0, 0.5])],
    )
    X = np.array([[1.0, 0.0], [-0.5, 2.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    _check_norms(fn, net, X, Y, "for the worked example (2-2-2 network, 2 samples)")

    rng = np.random.default_rng(seed)
    for shape, batch in [(list(sizes), m), (list(sizes)[:1] + [3] + list(sizes)[1:], 1)]:
        net = Network(shape, init="normal", seed=int(rng.integers(1000)))
        X = rng.uniform(0.0, 1.0, (batch, shape[0]))
        Y = np.eye(shape[-1])[rng.integers(0, shape[-1], batch)]
        _check_norms(fn, net, X, Y, f"for random input (network {shape}, {batch} samples)")
