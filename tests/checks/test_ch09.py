"""The checks of chapter 09 name each common slip (their contract is in test_contract.py)."""

import math

import numpy as np
import pytest
from cases_ch09 import dropout_forward, early_stopping

from bplib import data, train
from bplib.checks import ch09 as check
from bplib.network import Network

# ---------------------------------------------------------------- l2_update


@pytest.mark.parametrize(
    "slip, cause",
    [
        (lambda W, g, eta, lmbda, n: (1 - eta * lmbda) * W - eta * g, "not divided by n"),
        (lambda W, g, eta, lmbda, n: W - eta * (g + lmbda * W), "not divided by n"),
        (lambda W, g, eta, lmbda, n: (1 - lmbda / n) * W - eta * g, "η is missing"),
        (lambda W, g, eta, lmbda, n: (1 + eta * lmbda / n) * W - eta * g, "decay has the wrong"),
        (lambda W, g, eta, lmbda, n: (1 - eta * lmbda / n) * W + eta * g, "step has the wrong"),
        (lambda W, g, eta, lmbda, n: W - eta * g, "no weight decay"),
        (lambda W, g, eta, lmbda, n: (1 - eta * lmbda / (2 * n)) * W - eta * g, "factor 2"),
        (lambda W, g, eta, lmbda, n: (1 - eta * lmbda / n) * (W - eta * g), "also multiplies"),
    ],
)
def test_l2_update_names_each_slip(slip, cause, failure):
    assert cause in failure(check.l2_update, slip)


def test_l2_update_that_changes_W_in_place_and_returns_nothing_is_told_to_return(failure):
    def in_place(W, g, eta, lmbda, n):
        W *= 1 - eta * lmbda / n
        W -= eta * g

    assert "forget to `return`" in failure(check.l2_update, in_place)


# ---------------------------------------------------------------- dropout_forward


def not_inverted(a, p, rng):
    keep = rng.random(a.shape) >= p
    return a * keep, keep.astype(float)


def drops_one_minus_p(a, p, rng):
    mask = (rng.random(a.shape) < p) / (1 - p)
    return a * mask, mask


def times_one_minus_p(a, p, rng):
    mask = (rng.random(a.shape) >= p) * (1 - p)
    return a * mask, mask


def divided_by_p(a, p, rng):
    mask = (rng.random(a.shape) >= p) / p
    return a * mask, mask


def boolean_mask(a, p, rng):
    keep = rng.random(a.shape) >= p
    return a * keep / (1 - p), keep


def scaled_twice(a, p, rng):
    mask = (rng.random(a.shape) >= p) / (1 - p)
    return a * mask / (1 - p), mask


def own_generator(a, p, rng):
    return dropout_forward(a, p, np.random.default_rng(0))


def unseeded_generator(a, p, rng):
    # Like drawing from np.random: a different mask every call, whatever the rng argument.
    return dropout_forward(a, p, np.random.default_rng())


def in_place(a, p, rng):
    mask = (rng.random(a.shape) >= p) / (1 - p)
    a *= mask
    return a, mask


@pytest.mark.parametrize(
    "slip, cause",
    [
        (not_inverted, "the kept units are not scaled: this is not inverted dropout"),
        (drops_one_minus_p, "dropped with probability 1 − p"),
        (times_one_minus_p, "the kept units were made smaller"),
        (divided_by_p, "computed from the dropped fraction p"),
        (boolean_mask, "mask holds 0/1 (or True/False)"),
        (scaled_twice, "the mask already holds the scale"),
        (own_generator, "a new generator made inside the function"),
        (unseeded_generator, "not drawn from the rng argument"),
        (in_place, "changed its input a"),
    ],
)
def test_dropout_forward_names_each_slip(slip, cause, failure):
    assert cause in failure(check.dropout_forward, slip)


def test_dropout_forward_messages_never_state_the_scale(failure):
    for slip in [not_inverted, times_one_minus_p, divided_by_p, boolean_mask, scaled_twice]:
        message = failure(check.dropout_forward, slip)
        assert "1/(1 − p)" not in message and "1.333" not in message and "1.25" not in message


def test_dropout_forward_may_draw_its_mask_in_another_way(passes):
    def with_binomial(a, p, rng):
        mask = rng.binomial(1, 1 - p, a.shape) / (1 - p)
        return a * mask, mask

    passes(check.dropout_forward, with_binomial)


# ---------------------------------------------------------------- dropout_backward


@pytest.mark.parametrize(
    "slip, cause",
    [
        (lambda delta, mask: delta * (mask != 0), "the 1/(1 − p) scale is missing"),
        (lambda delta, mask: delta, "the mask is not applied"),
        (lambda delta, mask: delta * mask * mask.max(), "applied twice"),
        (lambda delta, mask: delta * (mask == 0) * mask.max(), "the mask is inverted"),
        (lambda delta, mask: delta / mask, "a division by the mask"),
    ],
)
def test_dropout_backward_names_each_slip(slip, cause, failure):
    with np.errstate(divide="ignore", invalid="ignore"):
        assert cause in failure(check.dropout_backward, slip)


# ---------------------------------------------------------------- early_stopping


def stops_late(val_losses, patience):
    best_epoch, best = 0, math.inf
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best:
            best, best_epoch = loss, epoch
        if epoch - best_epoch > patience:
            return epoch, best_epoch
    return len(val_losses), best_epoch


def counts_the_best_epoch(val_losses, patience):
    best, waited = math.inf, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best:
            best, best_epoch, waited = loss, epoch, 1
        else:
            waited += 1
        if waited >= patience:
            return epoch, best_epoch
    return len(val_losses), best_epoch


def returns_the_last_epoch(val_losses, patience):
    stop, _ = early_stopping(val_losses, patience)
    return stop, stop


def zero_based(val_losses, patience):
    stop, best = early_stopping(val_losses, patience)
    return stop - 1, best - 1


def ties_improve(val_losses, patience):
    best_epoch, best = 0, math.inf
    for epoch, loss in enumerate(val_losses, start=1):
        if loss <= best:
            best, best_epoch = loss, epoch
        if epoch - best_epoch >= patience:
            return epoch, best_epoch
    return len(val_losses), best_epoch


def never_runs_out(val_losses, patience):
    stop, best = early_stopping(val_losses, patience)
    return (None if stop == len(val_losses) else stop), best


@pytest.mark.parametrize(
    "slip, cause",
    [
        (stops_late, "stopped one epoch late"),
        (counts_the_best_epoch, "stopped one epoch early"),
        (returns_the_last_epoch, "the best epoch returned is the last epoch run"),
        (zero_based, "counted from 0"),
        (ties_improve, "use <, not <="),
        (never_runs_out, "must return two integers"),
    ],
)
def test_early_stopping_names_each_slip(slip, cause, failure):
    assert cause in failure(check.early_stopping, slip)


def test_the_early_stopping_reference_agrees_with_bplib_train():
    # The chapter's demos use train(..., patience=...): the exercise must mean the same thing.
    X, y = data.moons(200, noise=0.3, seed=0)
    X_train, y_train, X_val, y_val = data.train_val_split(X, y, 0.5, seed=0)
    for patience in [1, 3]:
        net = Network([2, 30, 1], loss="cross_entropy", init="normal", seed=0)
        history = train.train(
            net,
            X_train,
            y_train,
            epochs=200,
            eta=3.0,
            validation=(X_val, y_val),
            patience=patience,
            progress=False,
        )
        assert "did not improve" in history.stopped_because
        stop, best = early_stopping(history.val_loss, patience)
        assert (stop, best) == (history.epoch[-1], history.best_epoch)


# ---------------------------------------------------------------- smooth_l1_gradient


def smooth(W, lmbda, n, eps):
    return np.sqrt(W**2 + eps**2)


@pytest.mark.parametrize(
    "slip, cause",
    [
        (lambda W, lmbda, n, eps: lmbda * W / smooth(W, lmbda, n, eps), "not divided by n"),
        (lambda W, lmbda, n, eps: W / (n * smooth(W, lmbda, n, eps)), "the factor λ is missing"),
        (lambda W, lmbda, n, eps: lmbda / n * np.sign(W), "ε has dropped out"),
        (
            lambda W, lmbda, n, eps: lmbda / n * W / smooth(W, lmbda, n, eps) ** 2,
            "the square root is missing",
        ),
        (
            lambda W, lmbda, n, eps: lmbda / n * W / np.sqrt(W**2 + eps),
            "ε instead of ε²",
        ),
        (
            lambda W, lmbda, n, eps: lmbda / n * W / (2 * smooth(W, lmbda, n, eps)),
            "a factor 1/2 too many",
        ),
        (
            lambda W, lmbda, n, eps: 2 * lmbda / n * W / smooth(W, lmbda, n, eps),
            "a factor 2 too many",
        ),
        (lambda W, lmbda, n, eps: -lmbda / n * W / smooth(W, lmbda, n, eps), "wrong sign"),
    ],
)
def test_smooth_l1_gradient_names_each_slip(slip, cause, failure):
    assert cause in failure(check.smooth_l1_gradient, slip)


def test_smooth_l1_gradient_must_not_change_W(failure):
    def in_place(W, lmbda, n, eps):
        W *= lmbda / n / np.sqrt(W**2 + eps**2)
        return W

    assert "changed W" in failure(check.smooth_l1_gradient, in_place)


def test_smooth_l1_gradient_accepts_another_correct_form(passes):
    def with_a_power(W, lmbda, n, eps):
        return lmbda / n * W * (W**2 + eps**2) ** -0.5

    passes(check.smooth_l1_gradient, with_a_power)
