"""Chapter 09's exercises for the tests: the reference answers, as in solutions/09_*.ipynb,
and the contract cases of its checks (see test_contract.py). The tests of the slips build their
wrong answers from these references."""

import math

import numpy as np
from contract import Case, hard

from bplib import regularization


def l2_update(W, nabla_w, eta, lmbda, n):
    return (1 - eta * lmbda / n) * W - eta * nabla_w


def smooth_l1_gradient(W, lmbda, n, eps):
    return lmbda / n * W / np.sqrt(W**2 + eps**2)


def l2_update_via_bplib(W, nabla_w, eta, lmbda, n):
    return W - eta * (nabla_w + regularization.l2_gradient(W, lmbda, n))


def dropout_forward_via_bplib(a, p, rng):
    mask = regularization.dropout_mask(a.shape, p, rng)
    return a * mask, mask


def dropout_forward(a, p, rng):
    mask = (rng.random(a.shape) >= p) / (1 - p)
    return a * mask, mask


def dropout_backward(delta, mask):
    return delta * mask


def early_stopping(val_losses, patience):
    best_epoch, best = 0, math.inf
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best:
            best, best_epoch = loss, epoch
        if epoch - best_epoch >= patience:
            return epoch, best_epoch
    return len(val_losses), best_epoch


def early_stopping_of_the_worked_example(losses, patience):
    return {3: (5, 2), 4: (9, 6), 1: (3, 2)}[patience]


CASES = {
    "l2_update": Case(
        (l2_update,),
        hard(l2_update),
        ("random W",),
        calls=({}, {"seed": 7, "shape": (2, 5)}),
        via_bplib=(l2_update_via_bplib,),
    ),
    "smooth_l1_gradient": Case(
        (smooth_l1_gradient,),
        hard(smooth_l1_gradient),
        ("random W",),
        calls=({}, {"seed": 7, "shape": (3,)}, {"seed": 123, "shape": (30, 10)}),
    ),
    "dropout_forward": Case(
        (dropout_forward,),
        hard(dropout_forward),
        ("dropout_forward(a (200, 500), p = 0.200, rng)",),
        calls=({}, {"seed": 7, "shape": (100, 30, 20)}),
        via_bplib=(dropout_forward_via_bplib,),
    ),
    "dropout_backward": Case(
        (dropout_backward,),
        hard(dropout_backward),
        ("random delta",),
        calls=({}, {"seed": 7, "shape": (3, 4, 2)}),
    ),
    "early_stopping": Case(
        (early_stopping,),
        (early_stopping_of_the_worked_example,),
        ("random sequence",),
        calls=({}, {"seed": 7, "n_sequences": 50}),
    ),
}
