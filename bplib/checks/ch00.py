r"""Checks for chapter 00, getting started: the mean squared error of a batch.

$C = \frac{1}{m}\sum_x \tfrac12 \lVert a_x - y_x \rVert^2$ for outputs ``a`` and targets ``y`` of
shape (m, k), one row per sample; the reference is ``bplib.losses.quadratic``.
"""

from collections.abc import Callable

import numpy as np

from bplib import losses
from bplib.checks.feedback import call, compare, exercise, unchanged

# 4 samples, 3 outputs: m != k and neither is 2, so a sum, a missing 1/2 and the wrong axis
# each give a different number (with k = 2, np.mean over all entries would equal the answer).
A_EXAMPLE = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
Y_EXAMPLE = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])


@exercise("mean_squared_error", bplib_answers=(losses.quadratic,))
def mean_squared_error(mean_squared_error: Callable, seed: int = 0, m: int | None = None) -> None:
    """Check on the worked example, then on a random batch of ``m`` rows (random m when None)."""
    cost_matches(mean_squared_error, A_EXAMPLE, Y_EXAMPLE, "the worked example")
    rng = np.random.default_rng(seed)
    m = int(rng.integers(3, 7)) if m is None else m
    k = m + int(rng.integers(1, 4))
    a, y = rng.random((m, k)), np.eye(k)[rng.integers(0, k, m)]
    cost_matches(mean_squared_error, a, y, f"a random batch a, y of shape ({m}, {k})")


def cost_matches(mean_squared_error: Callable, a: np.ndarray, y: np.ndarray, where: str) -> None:
    """Compare with the reference; name the likely slip when the answer matches a common one."""
    what = f"mean_squared_error(a, y) on {where}"
    a_in, y_in = a.copy(), y.copy()
    changed = f"{what} changed its argument a or y in place; compute a - y into a new array"
    with unchanged(lambda: (a_in, y_in), changed):
        got = call(mean_squared_error, a_in, y_in, what=what)
    m, k = a.shape
    squares = (a - y) ** 2
    causes = [
        (
            0.5 * squares.sum(),
            "the sum over the batch instead of the mean: divide by m = a.shape[0], the samples",
        ),
        (squares.sum() / m, "the factor 1/2 is missing"),
        (
            0.5 * squares.mean(),
            "np.mean averages over all m*k entries; this course's C averages over the m rows "
            "(samples) and sums over the k outputs",
        ),
        (
            squares.mean(),
            "np.mean((a - y)**2) is the frameworks' convention (PyTorch, Keras, scikit-learn): "
            "the mean over all m*k entries without the 1/2, which is 2/k times this course's "
            "C. Not a mistake, but not the C defined here: the 1/2 is missing, and the mean "
            "runs over the m samples, not over every entry",
        ),
        (0.5 * squares.sum() / k, "divided by k = a.shape[1] (outputs); m = a.shape[0] (samples)"),
        (0.5 * squares.sum(axis=1), "one cost per sample: take their mean over the batch"),
        (0.5 * squares.mean(axis=0), "the mean over the batch (axis 0), not summed over outputs"),
        (0.5 * np.sqrt(squares.sum(axis=1)).mean(), "the norm |a - y| is not squared"),
    ]
    compare(got, losses.quadratic(a, y), what, causes=causes)
