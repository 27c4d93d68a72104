r"""Checks for chapter 07: a shuffling mini-batch iterator, Nesterov momentum written for the
look-ahead point, the Adam step with its bias correction.

The Nesterov and Adam checks step the student's function through a few steps of random
gradients. At step $t$ it gets the state of the reference trajectory (``bplib.optim``), so
each step is judged on its own and a slip is named at the first step it shows.
"""

from collections.abc import Callable

import numpy as np

from bplib import optim
from bplib.checks.feedback import call, compare, compare_all, exercise, fail, unchanged

# ---------------------------------------------------------------- minibatches


def _epoch(fn: Callable, X: np.ndarray, y: np.ndarray, batch_size: int, rng, what: str) -> list:
    """The batches of one call ``fn(X, y, batch_size, rng)``, each checked to be a pair."""
    batches = call(lambda *args: list(fn(*args)), X, y, batch_size, rng, what=what)
    for i, item in enumerate(batches):
        if not (isinstance(item, tuple | list) and len(item) == 2):
            fail(f"{what}: item {i} is {type(item).__name__}; expected a pair (X_batch, y_batch)")
    return batches


def _order(X: np.ndarray, y: np.ndarray, batches: list, batch_size: int, what: str) -> np.ndarray:
    """The row of X behind each sample of ``batches`` in the order they come; fails with the
    likely cause when the batches are not one shuffled pass over (X, y)."""
    n, d = X.shape
    y_shape = "(m,)" if y.ndim == 1 else f"(m, {y.shape[1]})"
    for i, (xb, yb) in enumerate(batches):
        xb, yb = np.asarray(xb), np.asarray(yb)
        if xb.ndim != 2 or xb.shape[1] != d or yb.shape != (len(xb), *y.shape[1:]):
            fail(
                f"{what}: batch {i} has X_batch {xb.shape} and y_batch {yb.shape}, expected "
                f"(m, {d}) and {y_shape} for a batch of m samples: rows are samples"
            )
    sizes = [len(xb) for xb, _ in batches]
    expected = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if sizes != expected:
        if 0 in sizes:
            fail(
                f"{what}: batch sizes {sizes}, expected {expected}. Likely cause: an empty "
                "last batch; when n is a multiple of batch_size there is nothing left over"
            )
        if n % batch_size and sizes == expected[:-1]:
            fail(
                f"{what}: batch sizes {sizes}, expected {expected}. Likely cause: the last, "
                f"smaller batch of {n % batch_size} samples was dropped; loop with "
                "range(0, n, batch_size) so every sample is used"
            )
        fail(f"{what}: batch sizes {sizes}, expected {expected} for n = {n}")

    row_of = {row.tobytes(): i for i, row in enumerate(X)}
    rows = []
    for i, (xb, _) in enumerate(batches):
        for row in np.asarray(xb, dtype=float):
            if row.tobytes() not in row_of:
                fail(f"{what}: batch {i} holds a row that is not a row of X")
            rows.append(row_of[row.tobytes()])
    order = np.array(rows)
    if not np.array_equal(np.sort(order), np.arange(n)):
        fail(
            f"{what}: some samples come twice and others never. Likely cause: indices drawn "
            "with replacement; use one permutation of 0..n-1, e.g. rng.permutation(n)"
        )
    y_got = np.concatenate([np.asarray(yb) for _, yb in batches])
    if not np.array_equal(y_got, y[order]):
        fail(
            f"{what}: X and y rows are no longer paired (a y_batch row is not the label of its "
            "X_batch row). Likely cause: X and y shuffled with different permutations, or only "
            "one of them; index both with the same permutation"
        )
    return order


def _pass_epoch(fn: Callable, X: np.ndarray, y: np.ndarray, batch_size: int, seed: int) -> None:
    """One epoch with a generator seeded ``seed``: sizes, coverage, pairing, shuffling, and
    the caller's arrays untouched."""
    what = f"minibatches(X, y, batch_size={batch_size}, rng) with X {X.shape}"
    changed = (
        f"{what}: the caller's X or y was changed. Likely cause: shuffling in place "
        "(rng.shuffle(X)); index with a permutation instead, X[perm], which makes a copy"
    )
    with unchanged(lambda: (X, y), changed):
        batches = _epoch(fn, X, y, batch_size, np.random.default_rng(seed), what)
    order = _order(X, y, batches, batch_size, what)
    if len(X) > 1 and np.array_equal(order, np.arange(len(X))):
        fail(
            f"{what}: the samples come in their original order. Likely cause: no shuffle; "
            "draw a permutation with rng.permutation(n) and cut it into batches"
        )


def _pass_seeds(fn: Callable, X: np.ndarray, y: np.ndarray, batch_size: int, seed: int) -> None:
    """The order comes from ``rng``: the same seed repeats it, another seed or a second epoch
    from the same generator changes it."""
    what = f"minibatches(X, y, batch_size={batch_size}, rng) with X {X.shape}"

    def order(rng) -> np.ndarray:
        return _order(X, y, _epoch(fn, X, y, batch_size, rng, what), batch_size, what)

    first = order(np.random.default_rng(seed))
    if not np.array_equal(first, order(np.random.default_rng(seed))):
        fail(
            f"{what}: two generators with the same seed gave different orders. Likely cause: "
            "the permutation is not drawn from the rng argument (np.random or a new generator)"
        )
    if np.array_equal(first, order(np.random.default_rng(seed + 1))):
        fail(
            f"{what}: generators with seeds {seed} and {seed + 1} gave the same order. Likely "
            "cause: a generator of your own with a fixed seed; draw from the rng argument"
        )
    rng = np.random.default_rng(seed)
    if np.array_equal(order(rng), order(rng)):
        fail(
            f"{what}: two epochs from the same generator came in the same order; each call "
            "must draw a new permutation from rng, so every epoch is shuffled anew"
        )


@exercise("minibatches")
def minibatches(fn: Callable, seed: int = 0) -> None:
    """``fn(X, y, batch_size, rng)`` yields the (X_batch, y_batch) of one shuffled epoch."""
    # Worked example: 7 samples in batches of 3 -> sizes 3, 3, 1.
    X = np.arange(14.0).reshape(7, 2)
    y = np.arange(7)
    _pass_epoch(fn, X, y, 3, seed)

    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 60))
    batch_size = int(rng.integers(3, 9))
    n += 1 if n % batch_size == 0 else 0  # a smaller last batch
    X = rng.standard_normal((n, int(rng.integers(1, 5))))
    y = rng.integers(0, 3, n)
    _pass_epoch(fn, X, y, batch_size, seed)
    _pass_seeds(fn, X, y, batch_size, seed)

    # Edge cases: one-hot targets; n a multiple of the batch size; batch size 1; one batch.
    X = rng.standard_normal((24, 3))
    Y = np.eye(4)[rng.integers(0, 4, 24)]
    for batch_size in [6, 1, 24, 29]:
        _pass_epoch(fn, X, Y, batch_size, seed)


# ---------------------------------------------------------------- Nesterov


def _nesterov_slips(w_tilde, g, v, eta: float, mu: float) -> list[tuple[tuple, str]]:
    """(w_tilde_new, v_new) that common slips give, with their causes."""
    v_new, v_plus = mu * v - eta * g, mu * v + eta * g
    return [
        (
            (w_tilde + v_new, v_new),
            "that is plain momentum's move w ← w + v applied to w̃; but w̃ = w + μv holds a "
            "share of the velocity, which changes too",
        ),
        (
            (w_tilde - mu * v + v_new, v_new),
            "that is the new w of the original method; return the new look-ahead point, "
            "w + μv with the new w and the new v",
        ),
        (
            (w_tilde + (1 + mu) * v_new, v_new),
            "the old look-ahead shift was not taken off: w̃ already contains μv (w = w̃ − μv)",
        ),
        (
            (w_tilde - mu * v + (1 + mu) * v_plus, v_plus),
            "the gradient is added: v ← μv − η∇C (descent goes against the gradient)",
        ),
        (
            (w_tilde - mu * v + (1 + mu) * v_new, mu * v),
            "the returned velocity lacks its gradient term: v_new = μv − η∇C",
        ),
    ]


def _nesterov_trajectory(fn: Callable, seed: int, shape: tuple[int, ...]) -> None:
    """Fed the gradient at its own w̃, ``fn`` must follow the original method's look-ahead
    points w + μv on a quadratic bowl, step after step."""
    rng = np.random.default_rng(seed + 1)
    A = rng.uniform(0.5, 3.0, shape)  # C(w) = sum(A w^2) / 2, so grad C(w) = A w
    eta, mu, steps = 0.1, 0.8, 6
    w, v = rng.standard_normal(shape), np.zeros(shape)
    w_tilde, v_student = w.copy(), np.zeros(shape)
    for t in range(1, steps + 1):
        v = mu * v - eta * A * (w + mu * v)  # the original: the gradient at the look-ahead
        w = w + v
        got = call(fn, w_tilde.copy(), A * w_tilde, v_student.copy(), eta, mu, what="nesterov_step")
        w_tilde, v_student = (np.asarray(x, dtype=float) for x in got)
        compare(
            w_tilde,
            w + mu * v,
            f"nesterov_step's w_tilde after {t} of {steps} steps on the bowl C = Σ A w²/2 "
            f"(each step fed the gradient at its own w_tilde; eta = {eta}, mu = {mu}), against "
            "w + mu v of the original method",
        )


@exercise("nesterov_step", bplib_answers=(optim.Nesterov.step,))
def nesterov_step(fn: Callable, seed: int = 0, shape: tuple[int, ...] = (3,)) -> None:
    r"""``fn(w_tilde, grad, v, eta, mu)`` returns (w_tilde_new, v_new): Nesterov momentum
    written for the look-ahead point $\tilde w = w + \mu v$, ``grad`` = $\nabla C(\tilde w)$."""
    # Worked example: v = 0.9 [0.5, 0] - 0.1 [2, -1] = [0.25, 0.1];
    # w = w_tilde - mu v_old + v = [1, -2] - [0.45, 0] + [0.25, 0.1] = [0.8, -1.9];
    # w_tilde_new = w + mu v = [1.025, -1.81].
    w, g, v = np.array([1.0, -2.0]), np.array([2.0, -1.0]), np.array([0.5, 0.0])
    expected = (np.array([1.025, -1.81]), np.array([0.25, 0.1]))
    _step_checks(
        "nesterov_step",
        fn,
        (w, g, v, 0.1, 0.9),
        expected,
        _nesterov_slips(w, g, v, 0.1, 0.9),
        "for w_tilde = [1, -2], grad = [2, -1], v = [0.5, 0], eta = 0.1, mu = 0.9",
    )

    rng = np.random.default_rng(seed)
    eta, mu = float(rng.uniform(0.01, 0.5)), float(rng.uniform(0.5, 0.95))
    w = rng.standard_normal(shape)
    opt = optim.Nesterov(eta, mu)
    steps = 4
    for t in range(1, steps + 1):
        g = rng.standard_normal(shape)
        v = opt.state[0][0].copy() if opt.state else np.zeros(shape)
        w_next = w.copy()
        opt.step([w_next], [g])
        assert opt.state is not None  # the step started it
        _step_checks(
            "nesterov_step",
            fn,
            (w, g, v, eta, mu),
            (w_next, opt.state[0][0]),
            _nesterov_slips(w, g, v, eta, mu),
            f"at step {t} of {steps} (random w_tilde, grad; eta = {eta:.3f}, mu = {mu:.3f})",
        )
        w = w_next
    _nesterov_trajectory(fn, seed, shape)


def _step_checks(
    name: str,
    fn: Callable,
    inputs: tuple,
    expected: tuple,
    slips: list[tuple[tuple, str]],
    where: str,
) -> None:
    """Call ``fn(*inputs)`` on copies; compare each returned array with ``expected``."""
    returned = {"nesterov_step": ("w_tilde_new", "v_new"), "adam_step": ("w_new", "s_new", "r_new")}
    labels = returned[name]
    got = call(fn, *(x.copy() if isinstance(x, np.ndarray) else x for x in inputs), what=name)
    if not (isinstance(got, tuple | list) and len(got) == len(expected)):
        fail(f"{name} must return a tuple {tuple(labels)}, got {type(got).__name__} {got!r}")
    whats = [f"{label} {where}" for label in labels]
    compare_all(got, expected, whats, slips=slips, what=f"{name} {where}")


# ---------------------------------------------------------------- Adam


def _adam(w, g, s, r, t: int, eta: float, beta1: float, beta2: float, eps: float, slip: str = ""):
    """One Adam step as published, or with the slip named by ``slip``."""
    s_new = beta1 * s + (1 - beta1) * g
    r_new = beta2 * r + (1 - beta2) * (s_new**2 if slip == "s2" else g**2)
    tc = t + 1 if slip == "t+1" else t
    s_hat = s_new if slip in ("no_correction", "no_s_correction") else s_new / (1 - beta1**tc)
    r_hat = r_new if slip in ("no_correction", "no_r_correction") else r_new / (1 - beta2**tc)
    if slip == "beta_not_power":
        s_hat, r_hat = s_new / (1 - beta1), r_new / (1 - beta2)
    if slip == "no_sqrt":
        step = s_hat / (r_hat + eps)
    elif slip == "eps_inside":
        step = s_hat / np.sqrt(r_hat + eps)
    else:
        step = s_hat / (np.sqrt(r_hat) + eps)
    if slip == "hat_state":
        return w - eta * step, s_hat, r_hat
    return w - eta * step, s_new, r_new


_ADAM_CAUSES = {
    "no_correction": "no bias correction: s and r start at 0 and are biased towards it; for a "
    "constant gradient, s_t falls short of g by a factor that depends on t",
    "no_s_correction": "s is not bias-corrected (r is): its zero start biases it as well",
    "no_r_correction": "r is not bias-corrected (s is): its zero start biases it as well",
    "t+1": "the correction used t + 1: t is already the number of this step (1 on the first call)",
    "beta_not_power": "the correction does not change with t: the bias of an average started "
    "at 0 fades as the steps go on, so the factor depends on the step number t",
    "s2": "r averages the squared gradient (∇C)², not the square of s",
    "no_sqrt": "the step divides by r̂ instead of its square root √r̂",
    "eps_inside": "ε went inside the square root: the step is ŝ / (√r̂ + ε)",
    "hat_state": "the bias-corrected ŝ and r̂ were returned as the state; return the raw "
    "running averages s and r (the correction is applied afresh at every step)",
}


@exercise("adam_step", bplib_answers=(optim.Adam.step,))
def adam_step(
    fn: Callable, seed: int = 0, shape: tuple[int, ...] = (3,), eps: float = 1e-8
) -> None:
    r"""``fn(w, grad, s, r, t, eta, beta1, beta2, eps)`` returns (w_new, s_new, r_new), one
    Adam step with bias correction; ``t`` is the number of this step, 1 on the first."""
    # Worked example, first step: ŝ = g and r̂ = g², so w moves by η against sign(g):
    # w = [1, -2] - 0.1 [1, -1] = [0.9, -1.9].
    w, g, zero = np.array([1.0, -2.0]), np.array([0.5, -3.0]), np.zeros(2)
    args = (0.1, 0.9, 0.999, 1e-8)
    got = call(fn, w.copy(), g.copy(), zero.copy(), zero.copy(), 1, *args, what="adam_step")
    if isinstance(got, tuple | list) and len(got) == 3:
        w_new = np.asarray(got[0], dtype=float)
        if w_new.shape == w.shape and not np.all(np.isfinite(w_new)):
            fail(
                "adam_step: w_new on the first step (t = 1) holds NaN or infinity. Likely cause: "
                "t counted from 0, so the correction divided by zero; t counts steps from 1"
            )
    where = "on the first step (t = 1) for w = [1, -2], grad = [0.5, -3], s = r = 0, eta = 0.1"
    first = (np.array([0.9, -1.9]), 0.1 * g, 0.001 * g**2)
    slips = [(_adam(w, g, zero, zero, 1, *args, slip=s), c) for s, c in _ADAM_CAUSES.items()]
    _step_checks("adam_step", fn, (w, g, zero, zero, 1, *args), first, slips, where)

    rng = np.random.default_rng(seed)
    eta = float(rng.uniform(0.01, 0.2))
    beta1, beta2 = float(rng.uniform(0.8, 0.95)), float(rng.uniform(0.99, 0.9999))
    opt = optim.Adam(eta, beta1, beta2, eps)
    w = rng.standard_normal(shape)
    # Coordinates of very different scales: Adam's step does not care.
    scale = 10.0 ** rng.uniform(-2, 2, shape)
    steps = 5
    for t in range(1, steps + 1):
        g = scale * rng.standard_normal(shape)
        s, r = (x.copy() for x in opt.state[0][:2]) if opt.state else (np.zeros(shape),) * 2
        w_next = w.copy()
        opt.step([w_next], [g])
        assert opt.state is not None  # the step started it
        hyper = (eta, beta1, beta2, eps)
        slips = [(_adam(w, g, s, r, t, *hyper, slip=k), c) for k, c in _ADAM_CAUSES.items()]
        _step_checks(
            "adam_step",
            fn,
            (w, g, s, r, t, *hyper),
            (w_next, opt.state[0][0], opt.state[0][1]),
            slips,
            f"at step t = {t} of {steps} (random w, grad; eta = {eta:.3f}, beta1 = {beta1:.3f}, "
            f"beta2 = {beta2:.4f}, eps = {eps:g})",
        )
        w = w_next
