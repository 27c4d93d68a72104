r"""Checks for chapter 00, getting started: the mean squared error of a batch.

$C = \frac{1}{n}\sum_x \tfrac12 \lVert a_x - y_x \rVert^2$ for outputs ``a`` and targets ``y`` of
shape (n, k), one row per sample; the reference is ``bplib.losses.quadratic``.
"""

from collections.abc import Callable

import numpy as np

from bplib import losses
from bplib.checks.feedback import call, compare, exercise, unchanged

# 4 samples, 3 outputs: n != k and neither is 2, so a sum, a missing 1/2 and the wrong axis
# each give a different number (with k = 2, np.mean over all entries would equal the answer).
A_EXAMPLE = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
Y_EXAMPLE = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])


@exercise("mean_squared_error")
def mean_squared_error(mean_squared_error: Callable, seed: int = 0, n: int | None = None) -> None:
    """Check on the worked example, then on a random batch of ``n`` rows (random n when None)."""
    cost_matches(mean_squared_error, A_EXAMPLE, Y_EXAMPLE, "the worked example")
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 7)) if n is None else n
    k = n + int(rng.integers(1, 4))
    a, y = rng.random((n, k)), np.eye(k)[rng.integers(0, k, n)]
    cost_matches(mean_squared_error, a, y, f"a random batch a, y of shape ({n}, {k})")


def cost_matches(mean_squared_error: Callable, a: np.ndarray, y: np.ndarray, where: str) -> None:
    """Compare with the reference; name the likely slip when the answer matches a common one."""
    what = f"mean_squared_error(a, y) on {where}"
    a_in, y_in = a.copy(), y.copy()
    changed = f"{what} changed its argument a or y in place; compute a - y into a new array"
    with unchanged(lambda: (a_in, y_in), changed):
        got = call(mean_squared_error, a_in, y_in, what=what)
    n, k = a.shape
    squares = (a - y) ** 2
    causes = [
        (
            0.5 * squares.sum(),
            "the sum over the batch instead of the mean: divide by n = a.shape[0]",
        ),
        (squares.sum() / n, "the factor 1/2 is missing"),
        (0.5 * squares.mean(), "np.mean averages over all n*k entries; average over the n rows"),
        (squares.mean(), "np.mean averages over all n*k entries, and the 1/2 is missing"),
        (0.5 * squares.sum() / k, "divided by k = a.shape[1] (outputs); n = a.shape[0] (samples)"),
        (0.5 * squares.sum(axis=1), "one cost per sample: take their mean over the batch"),
        (0.5 * squares.mean(axis=0), "the mean over the batch (axis 0), not summed over outputs"),
        (0.5 * np.sqrt(squares.sum(axis=1)).mean(), "the norm |a - y| is not squared"),
    ]
    compare(got, losses.quadratic(a, y), what, causes=causes)
