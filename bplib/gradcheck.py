r"""Gradient checking: compare backpropagation with central differences.

$$\frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h},$$

with error $O(h^2)$. Two gradients agree when their relative error
$\lVert g_1 - g_2 \rVert / (\lVert g_1 \rVert + \lVert g_2 \rVert)$ is tiny: about 1e-7 or
less in float64 means correct; 1e-2 or more means a bug.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bplib.network import Network


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    r"""Central differences of ``f()`` with respect to every entry of ``x`` (changed in place
    and restored). Returns an array shaped like ``x``."""
    grad = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    r"""$\lVert a - b \rVert / (\lVert a \rVert + \lVert b \rVert)$, and 0 for two zeros."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs arrays of one shape, got {a.shape} and {b.shape}")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


@dataclass
class ParamCheck:
    """One parameter's check: where its worst entry is and the two gradients there."""

    layer: int
    param: str
    rel_error: float
    worst_index: tuple[int, ...]
    analytic: float
    numeric: float


class GradCheckReport(list):
    """A list of ``ParamCheck``, one per layer and parameter, with a readable table."""

    warnings: list[str]

    @property
    def max_error(self) -> float:
        """The worst relative error over all parameters."""
        return max(c.rel_error for c in self)

    def ok(self, tol: float = 1e-7) -> bool:
        """True when every parameter's relative error is below ``tol``."""
        return self.max_error < tol

    def __str__(self) -> str:
        lines = [f"{'layer':>5} {'param':>5} {'rel. error':>10}  worst entry: analytic vs numeric"]
        for c in self:
            lines.append(
                f"{c.layer:>5} {c.param:>5} {c.rel_error:>10.1e}  "
                f"{c.param}{list(c.worst_index)}: {c.analytic: .6e} vs {c.numeric: .6e}"
            )
        return "\n".join(lines + [f"warning: {w}" for w in self.warnings])

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))


def check_gradients(net: Network, X: np.ndarray, Y: np.ndarray, h: float = 1e-5) -> GradCheckReport:
    r"""Compare ``net.backprop(X, Y)`` with central differences of ``net.cost(X, Y)`` for every
    weight and bias. Layers are numbered from 1 (the first weight layer). Warns where the
    numerical side is not to be trusted: an input within ``h`` of an activation's ``kink``, or
    where the loss's ``numeric_warning`` says so (a sigmoid output so close to 1 that the
    cross-entropy's $\ln(1 - a)$ is mostly round-off, a softmax output of the true class so
    small that the log-likelihood's clipping flattens it)."""
    nabla_b, nabla_w = net.backprop(X, Y)
    report = GradCheckReport()
    report.warnings = []
    for l in range(len(net.weights)):
        for name, param, analytic in [
            ("W", net.weights[l], nabla_w[l]),
            ("b", net.biases[l], nabla_b[l]),
        ]:
            numeric = numerical_gradient(lambda: net.cost(X, Y), param, h)
            worst = np.unravel_index(np.argmax(np.abs(analytic - numeric)), param.shape)
            report.append(
                ParamCheck(
                    l + 1,
                    name,
                    rel_error(analytic, numeric),
                    tuple(int(i) for i in worst),
                    float(analytic[worst]),
                    float(numeric[worst]),
                )
            )
    report.warnings += _warnings(net, X, net.check_targets(Y, len(X)), h)
    return report


def _warnings(net: Network, X: np.ndarray, Y: np.ndarray, h: float) -> list[str]:
    """Where central differences of the cost are unreliable, in words."""
    found = []
    a = net.check_inputs(X)
    for l, (sigma, W, b) in enumerate(
        zip(net.layer_activations(), net.weights, net.biases, strict=True)
    ):
        z = a @ W + b
        if sigma.kink is not None:
            near = int(np.sum(np.abs(z - sigma.kink) < h))
            if near:
                found.append(
                    f"layer {l + 1}: {near} {sigma.name} input(s) within {h:g} of the kink at "
                    f"z = {sigma.kink:g}; errors there may be from the numerical gradient, "
                    "not from backprop"
                )
        a = sigma.fn(z)
    warning = net.loss.numeric_warning(a, Y) if net.loss.numeric_warning else None
    return found + ([warning] if warning else [])
