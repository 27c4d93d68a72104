r"""Checks for chapter 09: the L2 weight-decay step, the gradient of a smoothed L1 penalty,
inverted dropout forward and backward, and early stopping with patience.

Each check runs the student's function on a worked example and on random inputs and compares
with a reference (``bplib.regularization`` or the one written here), naming the likely cause
of a common slip. Dropout draws random masks, so its check tests what every correct mask has:
the fraction dropped, the scale of the kept units, the expectation, and reproducibility from
the generator it is given.
"""

import math
from collections.abc import Callable, Sequence

import numpy as np

from bplib import gradcheck, regularization
from bplib.checks.feedback import CENTRAL_DIFFERENCES, call, compare, exercise, fail, unchanged

# ---------------------------------------------------------------- l2_update


def _l2_slips(W: np.ndarray, g: np.ndarray, eta: float, lmbda: float, n: int) -> list:
    """The W_new that common slips give, with their causes."""
    decay = 1.0 - eta * lmbda / n
    return [
        (
            (1.0 - eta * lmbda) * W - eta * g,
            "λ is not divided by n: the decay factor is 1 − ηλ/n, with n the size of the "
            "whole training set, because the penalty is (λ/2n) Σ w²",
        ),
        (
            (1.0 - lmbda / n) * W - eta * g,
            "η is missing from the decay: the penalty's gradient (λ/n) w is a gradient like "
            "∇C₀ and is multiplied by η, so the factor is 1 − ηλ/n",
        ),
        (
            (1.0 + eta * lmbda / n) * W - eta * g,
            "the decay has the wrong sign: the penalty pulls every weight towards 0, so the "
            "factor is 1 − ηλ/n (less than 1)",
        ),
        (decay * W + eta * g, "the gradient step has the wrong sign: w ← (1 − ηλ/n) w − η ∇C₀"),
        (W - eta * g, "no weight decay: the factor (1 − ηλ/n) in front of w is missing"),
        (
            (1.0 - eta * lmbda / (2 * n)) * W - eta * g,
            "the factor 2 of the derivative was lost: ∂/∂w of (λ/2n) w² is (λ/n) w",
        ),
        (
            decay * (W - eta * g),
            "the decay factor also multiplies the gradient step; only w is decayed: "
            "(1 − ηλ/n) w − η ∇C₀",
        ),
    ]


def _l2_case(fn: Callable, W, g, eta: float, lmbda: float, n: int, where: str) -> None:
    expected = (1.0 - eta * lmbda / n) * W - eta * g
    got = call(fn, W.copy(), g.copy(), eta, lmbda, n, what=f"l2_update {where}")
    compare(got, expected, f"W_new {where}", causes=_l2_slips(W, g, eta, lmbda, n))


@exercise("l2_update", bplib_answers=(regularization.l2_gradient,))
def l2_update(fn: Callable, seed: int = 0, shape: tuple[int, int] = (4, 3)) -> None:
    r"""``fn(W, nabla_w, eta, lmbda, n)`` returns $(1 - \eta\lambda/n) W - \eta \nabla_W C_0$."""
    # Worked example: 1 - 0.5 * 5 / 50 = 0.95, so W_new = 0.95 W - 0.5 nabla_w.
    W = np.array([[1.0, -2.0], [0.5, 0.0]])
    g = np.array([[0.1, 0.2], [-0.3, 0.0]])
    _l2_case(fn, W, g, 0.5, 5.0, 50, "for the worked example (eta = 0.5, lmbda = 5, n = 50)")

    rng = np.random.default_rng(seed)
    for _ in range(3):
        eta, lmbda = float(rng.uniform(0.05, 0.9)), float(rng.uniform(0.5, 10.0))
        n = int(rng.integers(100, 5000))
        W, g = rng.standard_normal(shape), rng.standard_normal(shape)
        where = f"for random W {shape} (eta = {eta:.3f}, lmbda = {lmbda:.3f}, n = {n})"
        _l2_case(fn, W, g, eta, lmbda, n, where)


# ---------------------------------------------------------------- dropout_forward


def _forward(fn: Callable, a: np.ndarray, p: float, rng, what: str):
    """(a_dropped, mask) as float arrays shaped like ``a``, or a failure that says why not."""
    with unchanged(lambda: [a], f"{what} changed its input a; return a new array a * mask instead"):
        got = call(fn, a, p, rng, what=what)
        if not (isinstance(got, tuple | list) and len(got) == 2):
            fail(f"{what} must return a pair (a_dropped, mask), got {type(got).__name__}")
    a_dropped, mask = (np.asarray(x, dtype=float) for x in got)
    for name, x in [("a_dropped", a_dropped), ("mask", mask)]:
        if x.shape != a.shape:
            fail(f"{what}: {name} has shape {x.shape}, expected the shape of a, {a.shape}")
    return a_dropped, mask


def _check_scale(a: np.ndarray, a_dropped: np.ndarray, mask: np.ndarray, p: float, what: str):
    """Every mask entry is 0 or the one factor that keeps the expectation, and
    a_dropped = a * mask. The messages describe the property, never the factor."""
    kept = mask != 0
    scale = 1.0 / (1.0 - p)
    if kept.any() and not np.allclose(mask[kept], scale):
        if np.allclose(a_dropped, a * kept * scale):
            fail(
                f"{what}: a_dropped is right but mask is not the factor it used. Likely cause: "
                "mask holds 0/1 (or True/False); return as mask the factor each entry of a was "
                "multiplied by, so that a_dropped = a * mask and the backward pass can use the "
                "mask alone"
            )
        causes = [
            (
                1.0,
                "the kept units are not scaled: this is not inverted dropout. With a fraction of "
                "the units dropped, the expected a_dropped is then smaller than a; scale the kept "
                "units so that the expectation stays a and evaluation needs no rescaling",
            ),
            (
                1.0 - p,
                "the kept units were made smaller, so the expected a_dropped falls further below "
                "a; the scale has to make up for the dropped units",
            ),
            (
                1.0 / p,
                "the scale was computed from the dropped fraction p; the expectation depends on "
                "the fraction of units that are kept",
            ),
        ]
        for wrong, cause in causes:
            if np.allclose(mask[kept], wrong):
                fail(
                    f"{what}: the kept entries of mask are {wrong:.4g}, which does not keep the "
                    f"expected a_dropped equal to a. Likely cause: {cause}"
                )
        fail(
            f"{what}: the kept entries of mask must all hold one factor, the one that keeps the "
            f"expected a_dropped equal to a; found values from {mask[kept].min():.4g} to "
            f"{mask[kept].max():.4g}"
        )
    if not np.allclose(a_dropped, a * mask):
        if kept.any() and np.allclose(a_dropped, a * mask * scale):
            fail(
                f"{what}: a_dropped was scaled twice: the mask already holds the scale, so "
                "return a_dropped = a * mask"
            )
        fail(f"{what}: a_dropped must equal a * mask (entry by entry)")


@exercise("dropout_forward", bplib_answers=(regularization.dropout_mask,))
def dropout_forward(fn: Callable, seed: int = 0, shape: tuple[int, ...] = (200, 500)) -> None:
    r"""``fn(a, p, rng)`` returns (a_dropped, mask): each entry kept with probability $1 - p$,
    mask $= \text{keep}/(1-p)$ (the factor that keeps the expectation), a_dropped $=$ a $\odot$
    mask."""
    # Worked example: a = 3 everywhere, p = 0.25, so every a_dropped entry is 0 or 4.
    a = np.full((50, 40), 3.0)
    what = "dropout_forward(a = 3 everywhere (50, 40), p = 0.25, rng)"
    a_dropped, mask = _forward(fn, a, 0.25, np.random.default_rng(seed), what)
    _check_scale(a, a_dropped, mask, 0.25, what)

    rng = np.random.default_rng(seed)
    for p in [0.2, float(rng.uniform(0.3, 0.45)), 0.7]:
        a = rng.uniform(0.1, 1.0, shape)  # no zeros, so a zero of a_dropped is a dropped unit
        what = f"dropout_forward(a {shape}, p = {p:.3f}, rng)"
        a_dropped, mask = _forward(fn, a, p, np.random.default_rng(seed + 1), what)
        dropped = float(np.mean(mask == 0))
        # With N entries the fraction has standard deviation sqrt(p(1-p)/N): 6 of them is safe.
        tolerance = 6.0 * math.sqrt(p * (1.0 - p) / a.size) + 1e-3
        if abs(dropped - p) > tolerance:
            message = (
                f"{what}: {100 * dropped:.1f}% of the units were dropped, expected p = {p:.3f}"
            )
            if abs(dropped - (1.0 - p)) <= tolerance:
                fail(
                    f"{message}. Likely cause: units were dropped with probability 1 − p: p is "
                    "the probability of DROPPING a unit; keep it when rng.random(...) >= p"
                )
            fail(message)
        _check_scale(a, a_dropped, mask, p, what)

    # The expectation: the mean over many draws of a_dropped is a.
    a = rng.uniform(0.5, 1.0, (4, 10))
    p = 0.4
    draws = 500
    gen = np.random.default_rng(seed + 2)
    what = f"dropout_forward(a (4, 10), p = {p}, rng) over {draws} calls"
    masks = [_forward(fn, a, p, gen, what) for _ in range(draws)]
    if all(np.array_equal(m, masks[0][1]) for _, m in masks[1:3]):
        fail(
            f"{what}: successive calls with the same generator gave the same mask. Likely "
            "cause: a new generator made inside the function; draw from the rng argument"
        )
    ratio = float(np.mean(np.mean([ad for ad, _ in masks], axis=0) / a))
    # Each entry's mean over 500 draws is within a few percent of a; the 40 entries together
    # are within about 1%.
    if abs(ratio - 1.0) > 0.05:
        fail(
            f"{what}: the mean of a_dropped is {ratio:.3f} times a, expected 1: inverted "
            "dropout keeps the expected activation unchanged"
        )

    # Reproducible from the generator it is given; p = 0 changes nothing.
    a = rng.uniform(0.1, 1.0, (30, 20))
    what = "dropout_forward(a (30, 20), p = 0.5, rng)"
    first = _forward(fn, a, 0.5, np.random.default_rng(seed + 3), what)[1]
    if not np.array_equal(first, _forward(fn, a, 0.5, np.random.default_rng(seed + 3), what)[1]):
        fail(
            f"{what}: two generators with the same seed gave different masks. Likely cause: "
            "the mask is not drawn from the rng argument (np.random or a new generator)"
        )
    if np.array_equal(first, _forward(fn, a, 0.5, np.random.default_rng(seed + 4), what)[1]):
        fail(
            f"{what}: generators with different seeds gave the same mask. Likely cause: a "
            "generator of your own with a fixed seed; draw from the rng argument"
        )
    what = "dropout_forward(a (30, 20), p = 0, rng)"
    a_dropped, mask = _forward(fn, a, 0.0, np.random.default_rng(seed), what)
    compare(a_dropped, a, "a_dropped for p = 0 (nothing is dropped)")
    compare(mask, np.ones_like(a), "mask for p = 0 (nothing is dropped)")


# ---------------------------------------------------------------- dropout_backward


def _backward_case(fn: Callable, delta: np.ndarray, mask: np.ndarray, where: str) -> None:
    r"""Compare ``fn(delta, mask)`` with the gradient of $\sum \delta \odot (a \odot \text{mask})$
    with respect to a, by central differences."""
    a = np.ones_like(delta)
    expected = gradcheck.numerical_gradient(lambda: float(np.sum(delta * (a * mask))), a)
    scale = float(mask.max())
    causes = [
        (
            delta * (mask != 0),
            "the 1/(1 − p) scale is missing: the forward pass multiplied "
            "by the mask, scale included, so the backward pass multiplies by the same mask",
        ),
        (delta, "the mask is not applied: a dropped unit passes no gradient back"),
        (
            delta * mask * scale,
            "the scale 1/(1 − p) was applied twice; the mask already holds "
            "it, so delta * mask is all",
        ),
        (
            delta * (mask == 0) * scale,
            "the mask is inverted: the kept units pass the gradient, the dropped ones pass 0",
        ),
    ]
    got = call(fn, delta.copy(), mask.copy(), what=f"dropout_backward {where}")
    if got is not None and not np.all(np.isfinite(np.asarray(got, dtype=float))):
        fail(
            f"dropout_backward {where}: the result holds NaN or infinity. Likely cause: a "
            "division by the mask, which is 0 for dropped units; multiply by it"
        )
    compare(got, expected, f"the delta returned {where}", causes=causes)


@exercise("dropout_backward")
def dropout_backward(fn: Callable, seed: int = 0, shape: tuple[int, ...] = (6, 5)) -> None:
    r"""``fn(delta, mask)`` returns $\delta \odot \text{mask}$, the gradient through
    a_dropped $=$ a $\odot$ mask."""
    # Worked example: p = 0.5, so the mask holds 0 and 2.
    delta = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
    mask = np.array([[0.0, 2.0, 2.0], [2.0, 0.0, 2.0]])
    _backward_case(fn, delta, mask, "for the worked example (p = 0.5, mask of 0 and 2)")

    rng = np.random.default_rng(seed)
    for p in [0.2, float(rng.uniform(0.3, 0.7))]:
        mask = regularization.dropout_mask(shape, p, rng)
        delta = rng.standard_normal(shape)
        _backward_case(fn, delta, mask, f"for random delta {shape} and a mask with p = {p:.3f}")


# ---------------------------------------------------------------- early_stopping


def _stopping(losses: Sequence[float], patience: int, slip: str = "") -> tuple[int, int]:
    """(stop_epoch, best_epoch), epochs counted from 1, or what the slip ``slip`` gives."""
    best_epoch, best = 0, math.inf
    for epoch, loss in enumerate(losses, start=1):
        if loss < best or (slip == "ties" and loss == best):
            best, best_epoch = loss, epoch
        waited = epoch - best_epoch
        if {"late": waited > patience, "early": waited >= patience - 1}.get(
            slip, waited >= patience
        ):
            break
    else:
        epoch = len(losses)
    if slip == "last":
        return epoch, epoch
    if slip == "zero_based":
        return epoch - 1, best_epoch - 1
    return epoch, best_epoch


_STOPPING_CAUSES = {
    "late": "off by one: it stopped one epoch late. Stop as soon as epoch − best_epoch reaches "
    "patience (>=), i.e. after `patience` epochs in a row without improvement",
    "early": "off by one: it stopped one epoch early. The epoch that set the best loss does not "
    "count; stop when `patience` epochs AFTER it brought no improvement",
    "last": "the best epoch returned is the last epoch run; return the epoch with the lowest "
    "validation loss, whose weights early stopping keeps",
    "zero_based": "both epochs are counted from 0; epochs count from 1 here (the first epoch "
    "is epoch 1, its loss is val_losses[0])",
    "ties": "a loss equal to the best counted as an improvement; only a strictly lower loss "
    "improves (use <, not <=)",
}


def _stopping_case(fn: Callable, losses: list[float], patience: int, where: str) -> None:
    expected = _stopping(losses, patience)
    got = call(fn, list(losses), patience, what=f"early_stopping {where}")
    if not (isinstance(got, tuple | list) and len(got) == 2):
        fail(f"early_stopping {where} must return a pair (stop_epoch, best_epoch), got {got!r}")
    try:
        got = (int(got[0]), int(got[1]))
    except (TypeError, ValueError):
        fail(f"early_stopping {where} must return two integers, got {got!r}")
    if got == expected:
        return
    for slip, cause in _STOPPING_CAUSES.items():
        if got == _stopping(losses, patience, slip):
            fail(
                f"early_stopping {where} returned {got}, expected {expected}. Likely cause: {cause}"
            )
    if expected[0] == len(losses) and got[0] != expected[0]:
        fail(
            f"early_stopping {where} returned {got}, expected {expected}: the patience never "
            f"ran out, so training stops after the last of the {len(losses)} epochs"
        )
    fail(f"early_stopping {where} returned {got}, expected {expected}")


@exercise("early_stopping")
def early_stopping(fn: Callable, seed: int = 0, n_sequences: int = 30) -> None:
    """``fn(val_losses, patience)`` returns (stop_epoch, best_epoch), epochs counted from 1."""
    # Worked example: the best loss 0.7 is at epoch 2; with patience 3, epochs 3, 4 and 5 bring
    # no improvement, so it stops after epoch 5. With patience 4 it sees 0.6 at epoch 6 and
    # runs out of epochs before waiting 4 more.
    losses = [0.9, 0.7, 0.8, 0.75, 0.72, 0.6, 0.65, 0.66, 0.7]
    shown = ", ".join(f"{x:g}" for x in losses)
    for patience in [3, 4, 1]:
        _stopping_case(fn, losses, patience, f"for val_losses [{shown}], patience {patience}")

    # Random noisy U-shaped curves, some rounded so that ties occur.
    rng = np.random.default_rng(seed)
    for i in range(n_sequences):
        length = int(rng.integers(5, 60))
        t = np.arange(length)
        curve = 1.0 / (1.0 + 0.3 * t) + rng.uniform(0.0, 0.02) * t
        curve += rng.uniform(0.0, 0.1) * rng.standard_normal(length)
        losses = [round(float(x), 2 if i % 3 == 0 else 6) for x in curve]
        patience = int(rng.integers(1, 10))
        _stopping_case(
            fn, losses, patience, f"for random sequence {i} ({length} losses, patience {patience})"
        )


# ---------------------------------------------------------------- smooth_l1_gradient


def _smooth_l1_penalty(W: np.ndarray, lmbda: float, n: int, eps: float) -> float:
    r"""$\frac{\lambda}{n} \sum_w \sqrt{w^2 + \epsilon^2}$."""
    return lmbda / n * float(np.sum(np.sqrt(W**2 + eps**2)))


def _smooth_l1_slips(W: np.ndarray, lmbda: float, n: int, eps: float) -> list:
    """What common slips return instead of the gradient, with their causes."""
    root = np.sqrt(W**2 + eps**2)
    c = lmbda / n
    return [
        (lmbda * W / root, "λ is not divided by n: the penalty is (λ/n) Σ √(w² + ε²)"),
        (W / (n * root), "the factor λ is missing"),
        (c * np.sign(W), "this is the L1 gradient λ/n sgn(w): ε has dropped out"),
        (c * W / root**2, "the square root is missing from the denominator (chain rule)"),
        (
            c * W / np.sqrt(W**2 + eps),
            "ε instead of ε² under the root: the penalty is √(w² + ε²)",
        ),
        (c * W / (2 * root), "a factor 1/2 too many: d/dw of w² is 2w, which cancels it"),
        (2 * c * W / root, "a factor 2 too many: d/dw √u = u′ / (2√u)"),
        (-c * W / root, "wrong sign: the penalty grows with |w|, so its gradient points with w"),
    ]


def _smooth_l1_case(fn: Callable, W: np.ndarray, lmbda: float, n: int, eps: float, where: str):
    """Compare ``fn(W, lmbda, n, eps)`` with central differences of the penalty."""
    what = f"smooth_l1_gradient(W, lmbda, n, eps) {where}"
    with unchanged(lambda: [W], f"{what} changed W; return a new array"):
        got = call(fn, W, lmbda, n, eps, what=what)
    probe = W.copy()
    expected = gradcheck.numerical_gradient(lambda: _smooth_l1_penalty(probe, lmbda, n, eps), probe)
    compare(got, expected, what, CENTRAL_DIFFERENCES, causes=_smooth_l1_slips(W, lmbda, n, eps))


@exercise("smooth_l1_gradient")
def smooth_l1_gradient(fn: Callable, seed: int = 0, shape: tuple[int, ...] = (5, 4)) -> None:
    r"""``fn(W, lmbda, n, eps)`` returns $\partial/\partial W$ of
    $\frac{\lambda}{n}\sum_w \sqrt{w^2 + \epsilon^2}$, shaped like W; compared with central
    differences of that penalty."""
    # Worked example: weights at, near and far from 0, lmbda = 3, n = 10, eps = 0.1.
    W = np.array([[0.0, 0.05, -0.1], [1.0, -2.0, 0.3]])
    cases = [(W, 3.0, 10, 0.1, "for the worked example (lmbda = 3, n = 10, eps = 0.1)")]
    rng = np.random.default_rng(seed)
    for _ in range(3):
        eps = float(rng.uniform(0.05, 1.0))
        lmbda, n = float(rng.uniform(0.5, 5.0)), int(rng.integers(1, 100))
        W = rng.normal(0.0, 1.0, shape) * rng.choice([0.1, 1.0, 3.0], shape)
        cases.append(
            (
                W,
                lmbda,
                n,
                eps,
                f"for random W {shape} (lmbda = {lmbda:.3f}, n = {n}, eps = {eps:.3f})",
            )
        )
    for W, lmbda, n, eps, where in cases:
        _smooth_l1_case(fn, W, lmbda, n, eps, where)
