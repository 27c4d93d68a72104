r"""Weight initializations. Each returns ``(W, b)`` for one layer: W (n_in, n_out), b (n_out,).

Every draw comes from the ``np.random.Generator`` passed in, never from global state.
"""

from collections.abc import Callable

import numpy as np

Init = Callable[[int, int, np.random.Generator], tuple[np.ndarray, np.ndarray]]


def normal(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""$W_{jk}, b_k \sim \mathcal N(0, 1)$, as in Nielsen's network.py."""
    return rng.standard_normal((n_in, n_out)), rng.standard_normal(n_out)


def uniform(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""$W_{jk} \sim U[0, 1)$, $b = 0$, as in the classic XOR script (which has no biases)."""
    return rng.random((n_in, n_out)), np.zeros(n_out)


def scaled_normal(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""$W_{jk} \sim \mathcal N(0, 1/n_{in})$, $b_k \sim \mathcal N(0, 1)$ (Nielsen, chapter 3)."""
    return rng.standard_normal((n_in, n_out)) / np.sqrt(n_in), rng.standard_normal(n_out)


def xavier(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""Glorot: $W_{jk} \sim U[-r, r]$ with $r = \sqrt{6/(n_{in}+n_{out})}$, so
    $\mathrm{Var}\,W = 2/(n_{in}+n_{out})$; $b = 0$."""
    r = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-r, r, (n_in, n_out)), np.zeros(n_out)


def he(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""He: $W_{jk} \sim \mathcal N(0, 2/n_{in})$, for ReLU; $b = 0$."""
    return rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in), np.zeros(n_out)


INITS: dict[str, Init] = {f.__name__: f for f in [normal, uniform, scaled_normal, xavier, he]}


def get(name: str | Init) -> Init:
    """The initialization called ``name`` (a callable is passed through)."""
    if callable(name):
        return name
    if name not in INITS:
        raise ValueError(f"unknown init {name!r}; expected one of {sorted(INITS)}")
    return INITS[name]
