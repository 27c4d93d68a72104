"""Chapter 06 checks: a correct answer passes, a missing one is "not done yet", a hard-coded one
fails, and each common slip with the cross-entropy and the softmax is named."""

import numpy as np
import pytest

from bplib.activations import sigmoid_prime
from bplib.checks import ch06
from bplib.checks.feedback import CheckFailed, NotDoneYet


def cross_entropy(a, y):
    return -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)) / len(a)


def cross_entropy_delta(z, a, y):
    return a - y


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def log_likelihood_gradient(z, y):
    return (softmax(z) - np.eye(z.shape[1])[y]) / len(z)


REFERENCES = {
    ch06.cross_entropy: cross_entropy,
    ch06.cross_entropy_delta: cross_entropy_delta,
    ch06.softmax: softmax,
    ch06.log_likelihood_gradient: log_likelihood_gradient,
}


def not_implemented(*args):
    raise NotImplementedError()


def hard_coded(reference):
    """Answers every call with the reference's answer to the first call (the worked example)."""
    first = []

    def fn(*args):
        if not first:
            first.append(reference(*args))
        return first[0]

    return fn


def fails_with(check, fn, *fragments, **kwargs):
    with pytest.raises(CheckFailed) as info:
        check(fn, **kwargs)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


@pytest.mark.parametrize("check", list(REFERENCES))
def test_reference_passes(check, capsys):
    check(REFERENCES[check])
    check(REFERENCES[check], seed=7, n=1, k=2)
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("check", list(REFERENCES))
def test_not_implemented_is_not_done_yet(check, capsys, monkeypatch):
    monkeypatch.delenv("BPLIB_GRADING", raising=False)
    check(not_implemented)
    assert "not done yet" in capsys.readouterr().out
    monkeypatch.setenv("BPLIB_GRADING", "1")
    with pytest.raises(NotDoneYet):
        check(not_implemented)


@pytest.mark.parametrize("check", list(REFERENCES))
def test_hard_coded_answer_fails(check):
    fails_with(check, hard_coded(REFERENCES[check]), "random")


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda a, y: cross_entropy(a, y) * len(a), "where a mean was meant"),
        (lambda a, y: -cross_entropy(a, y), "minus sign is missing"),
        (lambda a, y: cross_entropy(a, y) / a.shape[1], "divided by n·k"),
        (lambda a, y: -np.sum(y * np.log(a)) / len(a), "(1 − y) ln(1 − a) is missing"),
        (
            lambda a, y: -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a), axis=1),
            "one cost per sample",
        ),
    ],
)
def test_cross_entropy_names_the_slip(slip, cause):
    fails_with(ch06.cross_entropy, slip, cause)


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda z, a, y: (a - y) * sigmoid_prime(z), "still includes σ′(z)"),
        (lambda z, a, y: y - a, "wrong sign"),
        (lambda z, a, y: (a - y) / len(z), "divided by n"),
    ],
)
def test_cross_entropy_delta_names_the_slip(slip, cause):
    fails_with(ch06.cross_entropy_delta, slip, "Likely", cause)


def naive_softmax(z):
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (naive_softmax, "±1000 contains NaN"),
        (lambda z: softmax(z.T).T, "softmax along axis 0"),
        (lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(), "over the whole batch"),
        # subtracting the batch's maximum instead of each row's makes a row of -1000 underflow
        (
            lambda z: softmax(z - z.max()) if np.abs(z).max() < 999 else naive_softmax(z - z.max()),
            "each row's own maximum",
        ),
    ],
)
def test_softmax_names_the_slip(slip, cause):
    fails_with(ch06.softmax, slip, cause)


def test_softmax_is_judged_on_values_too():
    # Rows that sum to 1 but are not the softmax: the normalized exponentials of z / 2.
    fails_with(ch06.softmax, lambda z: softmax(z / 2), "entries are wrong")


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda z, y: log_likelihood_gradient(z, y) * len(z), "factor 1/n"),
        (lambda z, y: -log_likelihood_gradient(z, y), "wrong sign"),
        (lambda z, y: (z - np.eye(z.shape[1])[y]) / len(z), "softmax is missing"),
        (lambda z, y: -np.eye(z.shape[1])[y] / softmax(z) / len(z), "that is ∂C/∂a"),
        (
            lambda z, y: (softmax(z.T).T - np.eye(z.shape[1])[y]) / len(z),
            "softmax along the wrong axis",
        ),
    ],
)
def test_log_likelihood_gradient_names_the_slip(slip, cause):
    fails_with(ch06.log_likelihood_gradient, slip, "Likely", cause)
