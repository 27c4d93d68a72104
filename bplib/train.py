r"""One training loop for full-batch gradient descent, SGD and mini-batches of any size.

An epoch shuffles the training set, cuts it into batches of ``batch_size`` (the last one may
be smaller) and takes one optimizer step per batch of $m$ samples on the gradient

$$\nabla_W C = \frac{1}{m}\sum_{x \in \text{batch}} \nabla_W C_x
+ \frac{\lambda_2}{n} W + \frac{\lambda_1}{n}\,\mathrm{sgn}(W),$$

with $n$ the size of the training set; the penalty terms apply to weights, never biases.
"""

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from bplib import optim, regularization
from bplib.network import Network


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite: the steps grew instead of shrinking."""


@dataclass
class History:
    r"""What happened in each epoch, one list entry per epoch, ``epoch`` = 1, 2, ...

    ``train_loss`` and ``val_loss`` are the mean cost after the epoch plus the same
    regularization penalty $\frac{\lambda_2}{2n}\sum w^2 + \frac{\lambda_1}{n}\sum |w|$, so the
    two curves differ only by the data term. Accuracies are measured when the targets are
    classes (integer labels, one-hot rows, or 0/1 for a single output unit). A quantity not
    measured (not a class, no validation set, not in ``monitor``) is NaN. ``seconds`` is the
    wall time of the epoch's steps, ``eta`` its learning rate. ``best_epoch`` has the lowest
    validation data term, the cost without the penalty (the training one without a validation
    set; None when loss is not monitored).
    """

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    eta: list[float] = field(default_factory=list)
    stopped_because: str = ""
    best_epoch: int | None = None

    def _append(self, **values: float) -> None:
        for name, value in values.items():
            getattr(self, name).append(value)


ETA = 3.0  # the learning rate when none is given, Nielsen's for MNIST


def train(
    net: Network,
    X: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int = 30,
    batch_size: int | None = 10,
    eta: float | None = None,
    optimizer: str | optim.Optimizer | None = None,
    schedule: optim.Schedule | None = None,
    lmbda_l2: float = 0.0,
    lmbda_l1: float = 0.0,
    dropout: float = 0.0,
    clip_norm: float | None = None,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    patience: int | None = None,
    restore_best: bool = True,
    min_loss: float | None = None,
    min_update: float | None = None,
    max_error: float | None = None,
    shuffle: bool = True,
    seed: int | None = 0,
    progress: bool = True,
    monitor: Sequence[str] = ("loss", "accuracy"),
) -> History:
    r"""Train ``net`` in place on ``X`` (n, d) and ``y`` (labels (n,) or targets (n, k)).

    - ``batch_size``: 1 is SGD, None (or >= n) is full-batch gradient descent, which is not
      shuffled since the order cannot change the mean gradient.
    - ``eta``, ``optimizer``, ``schedule``: one learning rate $\eta$, which may be given in
      more than one of them as long as they agree (else a ValueError): ``eta`` (default
      ``ETA`` = 3.0 when none is given), an optimizer object's own ``.eta``, or ``schedule(0)``.
      ``optimizer``: None is plain gradient descent, a name (see ``optim.get``) is made with
      that $\eta$, an object with ``.eta`` and ``.step(params, grads)`` is used as it is.
      ``schedule(t)`` sets ``optimizer.eta`` before epoch t + 1.
    - ``lmbda_l2``, ``lmbda_l1``: weight decay $\frac{\lambda}{n}W$ and
      $\frac{\lambda}{n}\mathrm{sgn}(W)$ added to $\nabla_W C$. ``dropout``: probability of
      dropping a hidden unit during training (never when evaluating). ``clip_norm``: the
      gradients, all together, are scaled down to this norm when longer.
    - ``validation``: ``(X_val, y_val)``, evaluated after every epoch.
    - Stops after ``epochs``; or when the training loss falls below ``min_loss``; or when no
      weight or bias moved more than ``min_update`` during an epoch; or when the error rate on
      the training set, 1 - accuracy, is at most ``max_error``; or, with ``patience``,
      when the validation data term (the cost without the penalty) has not improved for
      ``patience`` epochs. ``History.stopped_because`` says which. With ``patience`` and
      ``restore_best``, the network ends with the weights of ``History.best_epoch``, whatever
      stopped it.
    - ``seed`` seeds the one generator for shuffling and dropout masks.
    - ``monitor``: which of "loss" and "accuracy" to measure after each epoch.

    Raises ``TrainingDiverged`` when the loss (or, if loss is not monitored, a parameter)
    becomes NaN or infinite.
    """
    X = net.check_inputs(X)
    Y = net.check_targets(y, len(X))
    n = len(X)
    if n == 0:
        raise ValueError("X holds no samples; training needs at least one")
    _check_arguments(epochs, batch_size, dropout, lmbda_l2, lmbda_l1, clip_norm, patience, monitor)
    batch_size = n if batch_size is None else min(batch_size, n)
    if validation is not None:
        X_val = net.check_inputs(validation[0])
        Y_val = net.check_targets(validation[1], len(X_val))
    if patience is not None and (validation is None or "loss" not in monitor):
        raise ValueError(
            "early stopping (patience) needs validation=(X_val, y_val) and 'loss' in monitor"
        )
    if min_loss is not None and "loss" not in monitor:
        raise ValueError("min_loss needs 'loss' in monitor")
    if max_error is not None:
        _check_max_error(max_error, monitor, Y)
    optimizer = _optimizer(optimizer, eta, schedule)

    rng = np.random.default_rng(seed)
    params = net.parameters()  # the network's own arrays: the optimizer updates the network
    epoch_of = _Epoch(net, params, optimizer, X, Y, batch_size, shuffle and batch_size < n, rng)
    best = _Best(keep_params=patience is not None and restore_best)
    history = History()
    with (
        np.errstate(over="ignore", invalid="ignore"),
        tqdm(range(1, epochs + 1), disable=not progress, unit="epoch") as bar,
    ):
        for epoch in bar:
            if schedule is not None:
                optimizer.eta = schedule(epoch - 1)
            before = [p.copy() for p in params] if min_update is not None else []
            seconds = epoch_of.run(lmbda_l2, lmbda_l1, dropout, clip_norm)

            penalty = _penalty(net, lmbda_l2, lmbda_l1, n)
            loss, accuracy = _evaluate(net, X, Y, monitor)
            val_loss, val_accuracy = (
                _evaluate(net, X_val, Y_val, monitor)
                if validation is not None
                else (math.nan, math.nan)
            )
            history._append(
                epoch=epoch,
                train_loss=loss + penalty,
                train_accuracy=accuracy,
                val_loss=val_loss + penalty,
                val_accuracy=val_accuracy,
                seconds=seconds,
                eta=optimizer.eta,
            )
            _check_finite(net, loss + penalty, monitor, epoch, optimizer.eta)
            bar.set_postfix(_postfix(history))

            best.update(val_loss if validation is not None else loss, epoch, params)
            history.best_epoch = best.epoch
            update = (
                max(float(np.max(np.abs(p - q))) for p, q in zip(params, before, strict=True))
                if min_update is not None
                else math.nan
            )
            reason = _stop_reason(history, min_loss, update, min_update, max_error, patience)
            if reason:
                history.stopped_because = reason
                break
        else:  # no break: every epoch ran
            history.stopped_because = f"it reached the maximum of {epochs} epochs"

    if best.params is not None:
        for p, kept in zip(params, best.params, strict=True):
            np.copyto(p, kept)
        history.stopped_because += f"; restored the weights of epoch {history.best_epoch}"
    return history


def _optimizer(
    optimizer: str | optim.Optimizer | None, eta: float | None, schedule: optim.Schedule | None
) -> optim.Optimizer:
    r"""The optimizer to train with, after checking that every $\eta$ given is the same one."""
    given = [] if eta is None else [("eta", eta)]
    if optimizer is not None and not isinstance(optimizer, str):
        given.append((f"the optimizer's eta ({optimizer!r})", optimizer.eta))
    if schedule is not None:
        given.append(("the schedule's eta at t = 0", schedule(0)))
    for (name, value), (other, other_value) in itertools.pairwise(given):
        if not math.isclose(value, other_value, rel_tol=1e-12):
            raise ValueError(
                f"two learning rates: {name} = {value:g} but {other} = {other_value:g}; "
                "give eta in one place, or make them agree"
            )
    if optimizer is not None and not isinstance(optimizer, str):
        return optimizer
    return optim.get(optimizer or "gd", eta=given[0][1] if given else ETA)


class _Epoch:
    """One epoch of steps: shuffle, cut into batches, one optimizer step per batch."""

    def __init__(
        self,
        net: Network,
        params: list[np.ndarray],
        optimizer: optim.Optimizer,
        X: np.ndarray,
        Y: np.ndarray,
        batch_size: int,
        shuffled: bool,
        rng: np.random.Generator,
    ) -> None:
        self.net, self.params, self.optimizer = net, params, optimizer
        self.X, self.Y, self.batch_size, self.shuffled, self.rng = X, Y, batch_size, shuffled, rng
        # One buffer each, refilled in the shuffled order every epoch, so slices are contiguous.
        self.Xs, self.Ys = (np.empty_like(X), np.empty_like(Y)) if shuffled else (X, Y)

    def run(
        self, lmbda_l2: float, lmbda_l1: float, dropout: float, clip_norm: float | None
    ) -> float:
        """Train one epoch; return the seconds of its steps (the shuffle left out)."""
        net, n, L = self.net, len(self.X), len(self.net.weights)
        if self.shuffled:
            perm = self.rng.permutation(n)
            # perm is a valid index; mode="clip" skips the bounds check, which with out=
            # would cost a temporary copy of X
            np.take(self.X, perm, axis=0, out=self.Xs, mode="clip")
            np.take(self.Y, perm, axis=0, out=self.Ys, mode="clip")
        start_time = time.perf_counter()
        for start in range(0, n, self.batch_size):
            stop = start + self.batch_size
            grads = net.gradient(
                self.Xs[start:stop], self.Ys[start:stop], dropout, self.rng, checked=True
            )
            # grads[:L] are the weights' (parameters() order); the penalties decay weights only.
            if lmbda_l2:
                for W, nw in zip(net.weights, grads[:L], strict=True):
                    nw += regularization.l2_gradient(W, lmbda_l2, n)
            if lmbda_l1:
                for W, nw in zip(net.weights, grads[:L], strict=True):
                    nw += regularization.l1_gradient(W, lmbda_l1, n)
            if clip_norm is not None:
                grads, _ = regularization.clip_by_norm(grads, clip_norm)
            self.optimizer.step(self.params, grads)
        return time.perf_counter() - start_time


@dataclass
class _Best:
    """The epoch with the lowest watched loss so far, and its parameters if kept."""

    keep_params: bool
    loss: float = math.inf
    epoch: int | None = None
    params: list[np.ndarray] | None = None

    def update(self, loss: float, epoch: int, params: list[np.ndarray]) -> None:
        """Take ``epoch`` as the best when its ``loss`` is lower (a NaN loss never is)."""
        if loss < self.loss:
            self.loss, self.epoch = loss, epoch
            if self.keep_params:
                self.params = [p.copy() for p in params]


def _check_arguments(
    epochs: int,
    batch_size: int | None,
    dropout: float,
    lmbda_l2: float,
    lmbda_l1: float,
    clip_norm: float | None,
    patience: int | None,
    monitor: Sequence[str],
) -> None:
    """Raise ValueError for an argument of ``train`` out of its range."""
    for name, value in [("epochs", epochs), ("batch_size", batch_size), ("patience", patience)]:
        if value is not None and (not isinstance(value, (int, np.integer)) or value < 1):
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must lie in [0, 1), got {dropout}")
    for name, rate in [("lmbda_l2", lmbda_l2), ("lmbda_l1", lmbda_l1)]:
        if not rate >= 0.0:
            raise ValueError(f"{name} must be >= 0, got {rate}")
    if clip_norm is not None and not clip_norm > 0.0:
        raise ValueError(f"clip_norm must be > 0, got {clip_norm}")
    unknown = set(monitor) - {"loss", "accuracy"}
    if isinstance(monitor, str) or unknown:
        raise ValueError(f"monitor must hold 'loss' and/or 'accuracy', got {monitor!r}")


def _check_max_error(max_error: float, monitor: Sequence[str], Y: np.ndarray) -> None:
    """Raise ValueError unless ``max_error`` is a rate and the error rate can be measured."""
    if not 0.0 <= max_error < 1.0:
        raise ValueError(f"max_error must lie in [0, 1), got {max_error}")
    if "accuracy" not in monitor:
        raise ValueError("max_error needs 'accuracy' in monitor")
    if not _is_class(Y):
        raise ValueError(
            "max_error needs targets that are classes (labels, one-hot rows, or 0/1 for one "
            "output unit); these targets have no error rate"
        )


def _stop_reason(
    history: History,
    min_loss: float | None,
    update: float,
    min_update: float | None,
    max_error: float | None,
    patience: int | None,
) -> str | None:
    """Why training stops after the latest epoch in ``history``, or None to go on."""
    epoch, loss, error = history.epoch[-1], history.train_loss[-1], 1 - history.train_accuracy[-1]
    if min_loss is not None and loss < min_loss:
        return f"the training loss {loss:.4g} fell below min_loss = {min_loss:g}"
    if min_update is not None and update < min_update:
        return (
            f"the largest change of a weight or bias in epoch {epoch}, {update:.3g}, "
            f"fell below min_update = {min_update:g}"
        )
    # 1 - accuracy is rounded (1 - 57/60 > 0.05), so a rate equal to max_error is met too
    if max_error is not None and error <= max_error + 1e-12:
        return f"the training error rate {error:.4g} fell to max_error = {max_error:g} or below"
    if patience is not None and epoch - (history.best_epoch or 0) >= patience:
        return (
            f"the validation loss did not improve for {patience} epochs "
            f"(best: epoch {history.best_epoch})"
        )
    return None


def _penalty(net: Network, lmbda_l2: float, lmbda_l1: float, n: int) -> float:
    """The regularization term of the cost (0 when there is none)."""
    penalty = 0.0
    if lmbda_l2:
        penalty += regularization.l2_penalty(net.weights, lmbda_l2, n)
    if lmbda_l1:
        penalty += regularization.l1_penalty(net.weights, lmbda_l1, n)
    return penalty


def _evaluate(
    net: Network, X: np.ndarray, Y: np.ndarray, monitor: Sequence[str]
) -> tuple[float, float]:
    """(data term of the cost, accuracy) from one feedforward; NaN for what is not measured."""
    if not monitor:
        return math.nan, math.nan
    a = net.feedforward(X)
    loss = net.loss.fn(a, Y) if "loss" in monitor else math.nan
    accuracy = math.nan
    if "accuracy" in monitor and _is_class(Y):
        # Y holds classes, so the rule that labels outputs labels the targets too.
        accuracy = float(np.mean(net.labels(a) == net.labels(Y)))
    return loss, accuracy


def _is_class(Y: np.ndarray) -> bool:
    """Whether the targets (n, k) are classes: one-hot rows, or 0/1 for one output unit."""
    zero_one = np.all((Y == 0.0) | (Y == 1.0))
    return bool(zero_one and (Y.shape[1] == 1 or np.all(Y.sum(axis=1) == 1.0)))


def _check_finite(
    net: Network, loss: float, monitor: Sequence[str], epoch: int, eta: float
) -> None:
    """Raise TrainingDiverged when the loss (or a parameter) is NaN or infinite."""
    if "loss" in monitor:
        bad = None if math.isfinite(loss) else f"the loss became {loss}"
    else:
        finite = all(np.all(np.isfinite(p)) for p in net.weights + net.biases)
        bad = None if finite else "a weight or bias became NaN or infinite"
    if bad:
        raise TrainingDiverged(
            f"{bad} at epoch {epoch} (eta = {eta:g}): the learning rate is probably too large; "
            "try a smaller eta"
        )


def _postfix(history: History) -> dict[str, str]:
    """The latest measured quantities, for the progress bar."""
    latest = {
        "loss": history.train_loss[-1],
        "acc": history.train_accuracy[-1],
        "val_loss": history.val_loss[-1],
        "val_acc": history.val_accuracy[-1],
    }
    return {k: f"{v:.4g}" for k, v in latest.items() if not math.isnan(v)}
