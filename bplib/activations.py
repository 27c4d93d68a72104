r"""Activation functions $\sigma(z)$ and their derivatives $\sigma'(z)$.

Every function takes an array ``z`` of any shape and returns an array of the same shape,
except ``softmax``, which normalizes along the last axis (one row per sample).
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    r"""$\sigma(z) = 1 / (1 + e^{-z})$, accurate and without overflow warnings for large $|z|$."""
    # The formula itself is stable. For z < -709, e^{-z} overflows to inf and 1 / (1 + inf) = 0,
    # the right value to within 1e-308, so only the warning is wrong and it is silenced. For
    # z << 0 it computes 1 / e^{-z} = e^{z} with full relative precision (no 1 - x cancels).
    # It takes 4 NumPy calls; the split into z >= 0 and z < 0 with exp(-|z|) takes 8, which
    # matters in training, where most calls work on small arrays.
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(np.negative(z)))


def sigmoid_prime(z: np.ndarray) -> np.ndarray:
    r"""$\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z: np.ndarray) -> np.ndarray:
    r"""$\tanh(z) = (e^z - e^{-z}) / (e^z + e^{-z})$."""
    return np.tanh(z)


def tanh_prime(z: np.ndarray) -> np.ndarray:
    r"""$\tanh'(z) = 1 - \tanh^2(z)$."""
    return 1.0 - np.tanh(z) ** 2


def relu(z: np.ndarray) -> np.ndarray:
    r"""$\mathrm{relu}(z) = \max(0, z)$."""
    return np.maximum(z, 0.0)


def relu_prime(z: np.ndarray) -> np.ndarray:
    r"""$\mathrm{relu}'(z) = 1$ if $z > 0$ else $0$ (we take 0 at the kink $z = 0$)."""
    return (np.asarray(z) > 0).astype(float)


def leaky_relu(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    r"""$z$ if $z > 0$ else $\alpha z$."""
    return np.where(z > 0, z, alpha * z)


def leaky_relu_prime(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    r"""$1$ if $z > 0$ else $\alpha$."""
    return np.where(z > 0, 1.0, alpha)


def identity(z: np.ndarray) -> np.ndarray:
    r"""$z$, the output activation of a regression network."""
    return np.asarray(z, dtype=float)


def identity_prime(z: np.ndarray) -> np.ndarray:
    r"""$1$."""
    return np.ones_like(z, dtype=float)


def softmax(z: np.ndarray) -> np.ndarray:
    r"""$\mathrm{softmax}(z)_j = e^{z_j} / \sum_k e^{z_k}$ along the last axis.

    Subtracting $\max_k z_k$ first changes nothing mathematically and keeps $e^{z}$ finite.
    """
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_prime(z: np.ndarray) -> np.ndarray:
    r"""The Jacobian $\partial a_i / \partial z_j = a_i(\delta_{ij} - a_j)$.

    ``z`` of shape (n, k) gives shape (n, k, k). Softmax is not elementwise, so its
    derivative is a matrix per sample; paired with log-likelihood it is never needed.
    """
    a = softmax(z)
    return a[..., :, None] * (np.eye(a.shape[-1]) - a[..., None, :])


class Activation(NamedTuple):
    r"""An activation: ``fn`` computes $\sigma(z)$, ``prime`` computes $\sigma'(z)$.

    What callers need to know about it, as data (the name is for display and look-up only):

    - ``elementwise``: $a_j$ depends on $z_j$ alone, so ``prime`` is (n, k) like ``z``; False
      for softmax, whose ``prime`` is a Jacobian per sample and which is an output activation.
    - ``prime_from_output``: $\sigma'$ written in $a = \sigma(z)$, e.g. $a(1 - a)$, which spares
      backpropagation a second pass over $z$; None when there is no such formula.
    - ``kink``: the $z$ where $\sigma'$ jumps (0 for ReLU), None for a smooth activation.
    - ``threshold``: a one-unit classifier predicts class 1 when $a$ exceeds it.
    """

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    prime: Callable[[np.ndarray], np.ndarray]
    elementwise: bool = True
    prime_from_output: Callable[[np.ndarray], np.ndarray] | None = None
    kink: float | None = None
    threshold: float = 0.5


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation("sigmoid", sigmoid, sigmoid_prime, prime_from_output=lambda a: a * (1.0 - a)),
        Activation("tanh", tanh, tanh_prime, prime_from_output=lambda a: 1.0 - a**2, threshold=0.0),
        Activation("relu", relu, relu_prime, kink=0.0),
        Activation("leaky_relu", leaky_relu, leaky_relu_prime, kink=0.0),
        Activation("identity", identity, identity_prime),
        Activation("softmax", softmax, softmax_prime, elementwise=False),
    ]
}


def get(name: str | Activation) -> Activation:
    """The activation called ``name`` (an ``Activation`` is passed through)."""
    if isinstance(name, Activation):
        return name
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]
