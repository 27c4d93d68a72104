r"""Cost functions $C$ of a batch and the output error $\delta^L$ that backpropagation starts from.

Shapes: outputs ``a`` and targets ``y`` are (n, k), one row per sample. Every cost is the mean
over the batch, $C = \frac{1}{n}\sum_x C_x$. ``delta`` returns the per-sample
$\delta^L_x = \partial C_x / \partial z^L$, shape (n, k); the network divides by $n$ for the mean.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from bplib import activations

Prime = Callable[[np.ndarray], np.ndarray]

# log(0) = -inf; clipping a away from 0 and 1 keeps the cost finite for saturated outputs.
_EPS = 1e-12


def quadratic(a: np.ndarray, y: np.ndarray) -> float:
    r"""$C = \frac{1}{n}\sum_x \tfrac12 \lVert a_x - y_x \rVert^2$."""
    return 0.5 * float(np.sum((a - y) ** 2)) / a.shape[0]


def quadratic_delta(z: np.ndarray, a: np.ndarray, y: np.ndarray, sigma_prime: Prime) -> np.ndarray:
    r"""$\delta^L = (a - y) \odot \sigma'(z^L)$."""
    return (a - y) * sigma_prime(z)


def cross_entropy(a: np.ndarray, y: np.ndarray) -> float:
    r"""$C = -\frac{1}{n}\sum_x \sum_j \left[y_j \ln a_j + (1 - y_j)\ln(1 - a_j)\right]$."""
    a = np.clip(a, _EPS, 1.0 - _EPS)
    return -float(np.sum(y * np.log(a) + (1.0 - y) * np.log(1.0 - a))) / a.shape[0]


def cross_entropy_delta(
    z: np.ndarray, a: np.ndarray, y: np.ndarray, sigma_prime: Prime
) -> np.ndarray:
    r"""$\delta^L = a - y$ for sigmoid outputs: $\sigma'(z)$ cancels, so there is no slowdown."""
    return a - y


def log_likelihood(a: np.ndarray, y: np.ndarray) -> float:
    r"""$C = -\frac{1}{n}\sum_x \ln a_{x,y_x}$ for one-hot $y$ and softmax outputs $a$."""
    return -float(np.sum(y * np.log(np.clip(a, _EPS, 1.0)))) / a.shape[0]


def log_likelihood_delta(
    z: np.ndarray, a: np.ndarray, y: np.ndarray, sigma_prime: Prime
) -> np.ndarray:
    r"""$\delta^L = a - y$ for softmax outputs."""
    return a - y


def _saturated(a: np.ndarray, Y: np.ndarray) -> str | None:
    # 1 - a has only ~1e-16 / (1 - a) relative precision; divided by 2h that swamps the slope.
    if np.any(np.minimum(a, 1 - a) < 1e-4):
        return (
            "output saturated (a within 1e-4 of 0 or 1): the cost is mostly round-off there, "
            "so the numerical gradient is unreliable; use smaller weights or inputs for the check"
        )
    return None


def _clipped(a: np.ndarray, Y: np.ndarray) -> str | None:
    # log_likelihood clips a at 1e-12 to stay finite; below that the cost is flat in every weight.
    if np.any(a[Y > 0] < 1e-10):
        return (
            "the true class has a softmax output below 1e-10, where the log-likelihood is clipped "
            "and flat: the numerical gradient there is 0; use smaller weights for the check"
        )
    return None


class Loss(NamedTuple):
    """A cost: ``fn(a, y)`` is $C$; ``delta(z, a, y, sigma_prime)`` is $\\delta^L$.

    ``outputs``: the output activations ``delta`` is valid for (None: any elementwise one).
    ``numeric_warning(a, y)``: where central differences of ``fn`` at the outputs ``a`` cannot be
    trusted, in words, or None. The name is for display and look-up only.
    """

    name: str
    fn: Callable[[np.ndarray, np.ndarray], float]
    delta: Callable[[np.ndarray, np.ndarray, np.ndarray, Prime], np.ndarray]
    outputs: tuple[activations.Activation, ...] | None = None
    numeric_warning: Callable[[np.ndarray, np.ndarray], str | None] | None = None


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in [
        Loss("quadratic", quadratic, quadratic_delta),
        Loss(
            "cross_entropy",
            cross_entropy,
            cross_entropy_delta,
            (activations.get("sigmoid"),),
            _saturated,
        ),
        Loss(
            "log_likelihood",
            log_likelihood,
            log_likelihood_delta,
            (activations.get("softmax"),),
            _clipped,
        ),
    ]
}


def get(name: str | Loss) -> Loss:
    """The loss called ``name`` (a ``Loss`` is passed through)."""
    if isinstance(name, Loss):
        return name
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; expected one of {sorted(LOSSES)}")
    return LOSSES[name]


def outputs_for(loss: Loss) -> list[activations.Activation]:
    """The registered output activations ``loss`` can start backpropagation from."""
    if loss.outputs is not None:
        return list(loss.outputs)
    return [a for a in activations.ACTIVATIONS.values() if a.elementwise]


def check_pair(loss: Loss, output: activations.Activation) -> None:
    """Raise ValueError when ``loss`` cannot start backpropagation from ``output``."""
    if loss.outputs is not None and output not in loss.outputs:
        raise ValueError(
            f"loss {loss.name!r} expects output activation "
            f"{' or '.join(a.name for a in loss.outputs)}, got {output.name!r}"
        )
    if loss.outputs is None and not output.elementwise:
        partners = [
            repr(other.name) for other in LOSSES.values() if output in (other.outputs or ())
        ]
        raise ValueError(
            f"loss {loss.name!r} needs an elementwise output activation; "
            f"pair {output.name} with {' or '.join(partners) or 'a loss written for it'}"
        )
