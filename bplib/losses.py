r"""Cost functions $C$ of a batch and the output error $\delta^L$ that backpropagation starts from.

Shapes: outputs ``a`` and targets ``y`` are (n, k), one row per sample. Every cost is the mean
over the batch, $C = \frac{1}{n}\sum_x C_x$. ``delta`` returns the per-sample
$\delta^L_x = \partial C_x / \partial z^L$, shape (n, k); the network divides by $n$ for the mean.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from bplib import activations

# log(0) = -inf; clipping a away from 0 and 1 keeps the cost finite for saturated outputs.
_EPS = 1e-12


def quadratic(a: np.ndarray, y: np.ndarray) -> float:
    r"""$C = \frac{1}{n}\sum_x \tfrac12 \lVert a_x - y_x \rVert^2$."""
    return 0.5 * float(np.sum((a - y) ** 2)) / a.shape[0]


def quadratic_delta(z: np.ndarray, a: np.ndarray, y: np.ndarray, sigma_prime) -> np.ndarray:
    r"""$\delta^L = (a - y) \odot \sigma'(z^L)$."""
    return (a - y) * sigma_prime(z)


def cross_entropy(a: np.ndarray, y: np.ndarray) -> float:
    r"""$C = -\frac{1}{n}\sum_x \sum_j \left[y_j \ln a_j + (1 - y_j)\ln(1 - a_j)\right]$."""
    a = np.clip(a, _EPS, 1.0 - _EPS)
    return -float(np.sum(y * np.log(a) + (1.0 - y) * np.log(1.0 - a))) / a.shape[0]


def cross_entropy_delta(z: np.ndarray, a: np.ndarray, y: np.ndarray, sigma_prime) -> np.ndarray:
    r"""$\delta^L = a - y$ for sigmoid outputs: $\sigma'(z)$ cancels, so there is no slowdown."""
    return a - y


def log_likelihood(a: np.ndarray, y: np.ndarray) -> float:
    r"""$C = -\frac{1}{n}\sum_x \ln a_{x,y_x}$ for one-hot $y$ and softmax outputs $a$."""
    return -float(np.sum(y * np.log(np.clip(a, _EPS, 1.0)))) / a.shape[0]


def log_likelihood_delta(z: np.ndarray, a: np.ndarray, y: np.ndarray, sigma_prime) -> np.ndarray:
    r"""$\delta^L = a - y$ for softmax outputs."""
    return a - y


class Loss(NamedTuple):
    """A cost by name: ``fn(a, y)`` is $C$; ``delta(z, a, y, sigma_prime)`` is $\\delta^L$.

    ``outputs`` names the output activations the delta is valid for (None: any elementwise one).
    """

    name: str
    fn: Callable[[np.ndarray, np.ndarray], float]
    delta: Callable[..., np.ndarray]
    outputs: tuple[str, ...] | None


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in [
        Loss("quadratic", quadratic, quadratic_delta, None),
        Loss("cross_entropy", cross_entropy, cross_entropy_delta, ("sigmoid",)),
        Loss("log_likelihood", log_likelihood, log_likelihood_delta, ("softmax",)),
    ]
}


def get(name: str | Loss) -> Loss:
    """The loss called ``name`` (a ``Loss`` is passed through)."""
    if isinstance(name, Loss):
        return name
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; expected one of {sorted(LOSSES)}")
    return LOSSES[name]


def check_pair(loss: Loss, output: activations.Activation) -> None:
    """Raise ValueError when ``loss`` cannot start backpropagation from ``output``."""
    if loss.outputs is not None and output.name not in loss.outputs:
        raise ValueError(
            f"loss {loss.name!r} expects output activation {' or '.join(loss.outputs)}, "
            f"got {output.name!r}"
        )
    if loss.outputs is None and output.name == "softmax":
        raise ValueError(
            f"loss {loss.name!r} needs an elementwise output activation; "
            "pair softmax with 'log_likelihood'"
        )
