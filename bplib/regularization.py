r"""Regularization: L2 and L1 weight decay, inverted dropout, and gradient clipping.

``n`` is the size of the whole training set, as in $C = C_0 + \frac{\lambda}{2n}\sum_w w^2$.
"""

import numpy as np


def l2_penalty(weights: list[np.ndarray], lmbda: float, n: int) -> float:
    r"""$\frac{\lambda}{2n}\sum_w w^2$ over every weight matrix (biases are not decayed)."""
    return 0.5 * lmbda / n * sum(float(np.sum(W * W)) for W in weights)


def l2_gradient(W: np.ndarray, lmbda: float, n: int) -> np.ndarray:
    r"""$\partial/\partial W$ of the L2 penalty: $\frac{\lambda}{n} W$."""
    return (lmbda / n) * W


def l1_penalty(weights: list[np.ndarray], lmbda: float, n: int) -> float:
    r"""$\frac{\lambda}{n}\sum_w |w|$ over every weight matrix."""
    return lmbda / n * sum(float(np.sum(np.abs(W))) for W in weights)


def l1_gradient(W: np.ndarray, lmbda: float, n: int) -> np.ndarray:
    r"""$\frac{\lambda}{n}\,\mathrm{sgn}(W)$ (0 at $w = 0$)."""
    return (lmbda / n) * np.sign(W)


def dropout_mask(shape: tuple[int, ...], p: float, rng: np.random.Generator) -> np.ndarray:
    r"""Inverted dropout: each unit is kept with probability $1-p$ and scaled by $1/(1-p)$,
    so the expected activation is unchanged and evaluation needs no rescaling."""
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout probability must lie in [0, 1), got {p}")
    return (rng.random(shape) >= p) / (1.0 - p)


def clip_by_norm(grads: list[np.ndarray], max_norm: float) -> tuple[list[np.ndarray], float]:
    r"""Scale all gradients by $\min(1, c / \lVert g \rVert)$, where $\lVert g \rVert$ is the
    norm of all of them together. Returns the clipped list and the norm before clipping."""
    norm = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads)))
    if norm <= max_norm:
        return grads, norm
    scale = max_norm / norm
    return [g * scale for g in grads], norm
