"""The checks of chapter 07 name each common slip (their contract is in test_contract.py)."""

import copy
import itertools

import numpy as np
import pytest
from cases_ch07 import adam_step, minibatches, nesterov_step

from bplib.checks import ch07 as check

# ---------------------------------------------------------------- minibatches


def test_minibatches_also_passes_when_written_with_shuffle_of_indices(passes):
    def with_shuffle(X, y, batch_size, rng):
        idx = np.arange(len(X))
        rng.shuffle(idx)
        for start in range(0, len(X), batch_size):
            yield X[idx[start : start + batch_size]], y[idx[start : start + batch_size]]

    passes(check.minibatches, with_shuffle)


def no_shuffle(X, y, batch_size, rng):
    for start in range(0, len(X), batch_size):
        yield X[start : start + batch_size], y[start : start + batch_size]


def dropped_last(X, y, batch_size, rng):
    perm = rng.permutation(len(X))
    for start in range(0, len(X) - batch_size + 1, batch_size):
        idx = perm[start : start + batch_size]
        yield X[idx], y[idx]


def empty_last(X, y, batch_size, rng):
    perm = rng.permutation(len(X))
    for start in range(0, len(X) // batch_size * batch_size + 1, batch_size):
        idx = perm[start : start + batch_size]
        yield X[idx], y[idx]


def two_permutations(X, y, batch_size, rng):
    Xs, ys = X[rng.permutation(len(X))], y[rng.permutation(len(X))]
    for start in range(0, len(X), batch_size):
        yield Xs[start : start + batch_size], ys[start : start + batch_size]


def only_X_shuffled(X, y, batch_size, rng):
    Xs = X[rng.permutation(len(X))]
    for start in range(0, len(X), batch_size):
        yield Xs[start : start + batch_size], y[start : start + batch_size]


def in_place(X, y, batch_size, rng):
    perm = rng.permutation(len(X))
    X[:], y[:] = X[perm], y[perm]
    for start in range(0, len(X), batch_size):
        yield X[start : start + batch_size].copy(), y[start : start + batch_size].copy()


def with_replacement(X, y, batch_size, rng):
    idx = rng.integers(0, len(X), len(X))
    for start in range(0, len(X), batch_size):
        yield X[idx[start : start + batch_size]], y[idx[start : start + batch_size]]


def own_fixed_generator(X, y, batch_size, rng):
    return minibatches(X, y, batch_size, np.random.default_rng(0))


SEEDS = itertools.count(1000)


def fresh_generator(X, y, batch_size, rng):
    return minibatches(X, y, batch_size, np.random.default_rng(next(SEEDS)))


def same_order_every_epoch(X, y, batch_size, rng):
    return minibatches(X, y, batch_size, copy.deepcopy(rng))


@pytest.mark.parametrize(
    "slip, cause",
    [
        (no_shuffle, "no shuffle"),
        (dropped_last, "the last, smaller batch of 1 samples was dropped"),
        (empty_last, "an empty last batch"),
        (two_permutations, "different permutations"),
        (only_X_shuffled, "different permutations, or only one of them"),
        (in_place, "shuffling in place"),
        (with_replacement, "with replacement"),
        (own_fixed_generator, "a generator of your own with a fixed seed"),
        (fresh_generator, "not drawn from the rng argument"),
        (same_order_every_epoch, "every epoch is shuffled anew"),
    ],
)
def test_minibatches_names_the_likely_cause(slip, cause, failure):
    assert cause in failure(check.minibatches, slip)


def test_minibatches_wants_pairs_of_rows(failure):
    def columns(X, y, batch_size, rng):
        for Xb, yb in minibatches(X, y, batch_size, rng):
            yield Xb.T, yb

    assert "rows are samples" in failure(check.minibatches, columns)

    def triples(X, y, batch_size, rng):
        for Xb, yb in minibatches(X, y, batch_size, rng):
            yield Xb, yb, len(yb)

    assert "expected a pair" in failure(check.minibatches, triples)


# ---------------------------------------------------------------- Nesterov


@pytest.mark.parametrize(
    "slip, cause",
    [
        (lambda w, g, v, eta, mu: (w + (mu * v - eta * g), mu * v - eta * g), "plain momentum"),
        (
            lambda w, g, v, eta, mu: (w - mu * v + (mu * v - eta * g), mu * v - eta * g),
            "the new w of the original method",
        ),
        (
            lambda w, g, v, eta, mu: (w + (1 + mu) * (mu * v - eta * g), mu * v - eta * g),
            "old look-ahead shift was not taken off",
        ),
        (
            lambda w, g, v, eta, mu: (w + mu * (mu * v + eta * g) + eta * g, mu * v + eta * g),
            "the gradient is added",
        ),
        (
            lambda w, g, v, eta, mu: (nesterov_step(w, g, v, eta, mu)[0], mu * v),
            "lacks its gradient term",
        ),
    ],
)
def test_nesterov_names_the_likely_cause(slip, cause, failure):
    message = failure(check.nesterov_step, slip)
    assert cause in message and "Likely cause" in message


def test_nesterov_passes_in_another_correct_form(passes):
    """w~' = w~ - mu v + (1 + mu) v': the same step, written through w = w~ - mu v."""

    def through_w(w_tilde, grad, v, eta, mu):
        v_new = mu * v - eta * grad
        return w_tilde - mu * v + (1 + mu) * v_new, v_new

    passes(check.nesterov_step, through_w, seed=4, shape=(2, 2))


def test_nesterov_without_a_tuple_is_told_what_to_return(failure):
    assert "must return a tuple" in failure(check.nesterov_step, lambda w, g, v, eta, mu: w)


def test_nesterov_with_an_unknown_mistake_says_where(failure):
    def off(w_tilde, grad, v, eta, mu):
        v = mu * v - 1.01 * eta * grad
        return w_tilde + mu * v - eta * grad, v

    message = failure(check.nesterov_step, off)
    assert "w_tilde_new for w_tilde = [1, -2]" in message and "entries are wrong" in message


def test_nesterov_that_drifts_off_the_original_trajectory_is_caught_there(failure):
    """Right on single steps from the reference's states, wrong along its own path: the check
    follows the student's trajectory too."""
    calls = []

    def drifting(w_tilde, grad, v, eta, mu):
        calls.append(1)
        w_new, v_new = nesterov_step(w_tilde, grad, v, eta, mu)
        return (w_new + 1e-3, v_new) if len(calls) > 6 else (w_new, v_new)

    assert "against w + mu v of the original method" in failure(check.nesterov_step, drifting)


# ---------------------------------------------------------------- Adam


def adam_with(slip):
    def step(w, grad, s, r, t, eta, beta1, beta2, eps):
        return check._adam(w, grad, s, r, t, eta, beta1, beta2, eps, slip=slip)

    return step


def test_the_slip_free_formula_of_the_check_is_bplibs_adam(passes):
    passes(check.adam_step, adam_with(""), seed=3, shape=(2, 2), eps=1e-3)


@pytest.mark.parametrize(
    "slip, cause",
    [
        ("no_correction", "no bias correction"),
        ("no_s_correction", "s is not bias-corrected"),
        ("no_r_correction", "r is not bias-corrected"),
        ("t+1", "the correction used t + 1"),
        ("beta_not_power", "does not change with t"),
        ("s2", "not the square of s"),
        ("no_sqrt", "instead of its square root"),
        ("hat_state", "were returned as the state"),
    ],
)
def test_adam_names_the_likely_cause(slip, cause, failure):
    assert cause in failure(check.adam_step, adam_with(slip))


def test_adam_with_eps_inside_the_root_is_caught_when_eps_matters(passes, failure):
    passes(check.adam_step, adam_with("eps_inside"))  # eps = 1e-8 cannot tell the two apart
    assert "ε went inside" in failure(check.adam_step, adam_with("eps_inside"), eps=1e-3)


def test_adam_with_t_counted_from_zero_is_told_about_the_zero_division(failure):
    def from_zero(w, grad, s, r, t, eta, beta1, beta2, eps):
        return adam_step(w, grad, s, r, t - 1, eta, beta1, beta2, eps)

    with np.errstate(divide="ignore", invalid="ignore"):
        assert "t counts steps from 1" in failure(check.adam_step, from_zero)


def test_the_first_adam_step_moves_every_coordinate_by_eta():
    w, g = np.array([1.0, -2.0, 3.0]), np.array([1e-3, -5.0, 40.0])
    w_new, _, _ = adam_step(w, g, np.zeros(3), np.zeros(3), 1, 0.1, 0.9, 0.999, 1e-8)
    np.testing.assert_allclose(w - w_new, 0.1 * np.sign(g), rtol=1e-4)
