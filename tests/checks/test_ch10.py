"""The chapter 10 checks: the reference passes, an unfinished exercise is "not done yet", a
hard-coded answer fails, and each common slip is named."""

import numpy as np
import pytest

from bplib import gradcheck
from bplib.checks import ch10 as check
from bplib.checks.feedback import CheckFailed, NotDoneYet
from bplib.network import Network

# ---------------------------------------------------------------- references


def xavier_init(n_in, n_out, rng):
    r = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-r, r, (n_in, n_out)), np.zeros(n_out)


def xavier_normal(n_in, n_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), (n_in, n_out)), np.zeros(n_out)


def he_init(n_in, n_out, rng):
    return rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in), np.zeros(n_out)


def layer_gradient_norms(net, X, y):
    _, nabla_w = net.backprop(X, y)
    return [float(np.linalg.norm(nw)) for nw in nabla_w]


def batchnorm_forward(x, gamma, beta, eps):
    mu, std = x.mean(axis=0), np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - mu) / std
    return gamma * x_hat + beta, (x_hat, gamma, std)


def batchnorm_backward(dy, cache):
    x_hat, gamma, std = cache
    n = len(dy)
    dbeta = dy.sum(axis=0)
    dgamma = (dy * x_hat).sum(axis=0)
    return gamma / (n * std) * (n * dy - dbeta - x_hat * dgamma), dgamma, dbeta


def not_done(*args):
    raise NotImplementedError()


CASES = [
    (check.xavier_init, xavier_init, {"seed": 7, "sizes": [(1, 1), (1, 5), (7, 1)]}),
    (check.xavier_init, xavier_normal, {"seed": 7}),
    (check.he_init, he_init, {"seed": 7, "sizes": [(1, 1), (1, 5), (7, 1)]}),
    (check.layer_gradient_norms, layer_gradient_norms, {"seed": 7, "sizes": (3, 2), "n": 1}),
    (check.batchnorm_backward, batchnorm_backward, {"seed": 7, "n": 2, "d": 1, "eps": 0.1}),
]


@pytest.mark.parametrize("check_fn, reference, hidden", CASES)
def test_the_reference_passes_visible_and_hidden_tests(check_fn, reference, hidden, capsys):
    check_fn(reference)
    check_fn(reference, **hidden)
    assert capsys.readouterr().out.count("passed") == 2


@pytest.mark.parametrize("check_fn, reference, hidden", CASES)
def test_an_unfinished_exercise_is_not_done_yet(check_fn, reference, hidden, capsys, monkeypatch):
    check_fn(not_done)
    assert "not done yet" in capsys.readouterr().out
    monkeypatch.setenv("BPLIB_GRADING", "1")
    with pytest.raises(NotDoneYet):
        check_fn(not_done)


def failure(check_fn, fn, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        check_fn(fn, **kwargs)
    return str(info.value)


# ---------------------------------------------------------------- xavier_init, he_init


def scaled(variance, zero_bias=True):
    """An init drawing N(0, variance(n_in, n_out)) from rng."""

    def init(n_in, n_out, rng):
        W = rng.standard_normal((n_in, n_out)) * np.sqrt(variance(n_in, n_out))
        b = np.zeros(n_out) if zero_bias else rng.standard_normal(n_out)
        return W, b

    return init


@pytest.mark.parametrize(
    "check_fn, reference", [(check.xavier_init, xavier_init), (check.he_init, he_init)]
)
def test_a_hard_coded_init_for_the_worked_example_fails(check_fn, reference):
    W, b = reference(784, 30, np.random.default_rng(0))
    message = failure(check_fn, lambda n_in, n_out, rng: (W, b))
    assert "W has shape (784, 30)" in message  # the other layers of the check have other sizes


def test_global_random_state_is_caught():
    def global_state(n_in, n_out, rng):
        # the slip under test: NumPy's global generator instead of rng
        W = np.random.standard_normal((n_in, n_out))  # noqa: NPY002
        return W * np.sqrt(2 / n_in), np.zeros(n_out)

    assert "does not come from rng" in failure(check.he_init, global_state)


def test_a_fresh_generator_inside_is_caught():
    def fresh(n_in, n_out, rng):
        return he_init(n_in, n_out, np.random.default_rng())

    assert "does not come from rng" in failure(check.he_init, fresh)


def test_a_fixed_seed_inside_is_caught():
    def fixed(n_in, n_out, rng):
        return he_init(n_in, n_out, np.random.default_rng(0))

    assert "fixed seed inside" in failure(check.he_init, fixed)


def test_the_transpose_is_caught():
    def transposed(n_in, n_out, rng):
        W, b = he_init(n_in, n_out, rng)
        return W.T, b

    assert "transpose" in failure(check.he_init, transposed)


def test_random_biases_are_caught():
    message = failure(check.he_init, scaled(lambda i, o: 2 / i, zero_bias=False))
    assert "biases must start at 0" in message


def test_positive_only_weights_are_caught():
    def positive(n_in, n_out, rng):
        r = np.sqrt(6 / (n_in + n_out))
        return rng.uniform(0, r, (n_in, n_out)), np.zeros(n_out)

    assert "only positive" in failure(check.xavier_init, positive)


@pytest.mark.parametrize(
    "variance, cause",
    [
        (lambda i, o: 2 / o, "n_out instead of n_in"),
        (lambda i, o: (2 / i) ** 2, "sqrt missing"),
        (lambda i, o: 1 / i, "factor 2 is missing"),
        (lambda i, o: 2 / (i + o), "Xavier's variance"),
    ],
)
def test_he_slips_are_named(variance, cause):
    assert cause in failure(check.he_init, scaled(variance))


@pytest.mark.parametrize(
    "variance, cause",
    [
        (lambda i, o: (2 / (i + o)) ** 2, "sqrt missing"),
        (lambda i, o: 1 / i, "fan-in rule"),
        (lambda i, o: 2 / i, "He's rule"),
        (lambda i, o: 1 / (i + o), "factor 2 is missing"),
        (lambda i, o: 1.0, "not scaled"),
    ],
)
def test_xavier_slips_are_named(variance, cause):
    assert cause in failure(check.xavier_init, scaled(variance))


def test_xavier_uniform_with_the_normal_radius_is_named():
    def narrow(n_in, n_out, rng):
        r = np.sqrt(2 / (n_in + n_out))
        return rng.uniform(-r, r, (n_in, n_out)), np.zeros(n_out)

    assert "variance r²/3" in failure(check.xavier_init, narrow)


# ---------------------------------------------------------------- layer_gradient_norms


def test_layer_gradient_norms_hard_coded_for_the_worked_example_fails():
    net = Network([3, 2, 2], seed=1)
    fixed = layer_gradient_norms(net, np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 0.0]]), [0, 1])
    message = failure(check.layer_gradient_norms, lambda net, X, y: fixed)
    assert "for a random sigmoid network" in message


@pytest.mark.parametrize(
    "slip, cause",
    [
        (lambda net, nb, nw: [np.linalg.norm(W) for W in net.weights], "norms of the weights"),
        (lambda net, nb, nw: [np.linalg.norm(g) for g in nb], "norms of nabla_b"),
        (lambda net, nb, nw: [np.sum(g**2) for g in nw], "squared norms"),
        (lambda net, nb, nw: [np.linalg.norm(g, 2) for g in nw], "largest singular value"),
        (lambda net, nb, nw: [np.linalg.norm(g) for g in nw[::-1]], "last layer to the first"),
        (lambda net, nb, nw: np.linalg.norm(np.concatenate([g.ravel() for g in nw])), "one number"),
    ],
)
def test_layer_gradient_norms_slips_are_named(slip, cause):
    def wrong(net, X, y):
        nabla_b, nabla_w = net.backprop(X, y)
        return slip(net, nabla_b, nabla_w)

    assert cause in failure(check.layer_gradient_norms, wrong)


def test_a_training_step_inside_is_caught():
    def steps(net, X, y):
        norms = layer_gradient_norms(net, X, y)
        net.weights[0] -= 0.1
        return norms

    assert "changed the network" in failure(check.layer_gradient_norms, steps)


# ---------------------------------------------------------------- batchnorm_backward


@pytest.mark.parametrize(
    "forward, backward",
    [
        (batchnorm_forward, batchnorm_backward),
        (check._batchnorm_forward, check._batchnorm_backward),
    ],
)
def test_the_references_agree_with_central_differences(forward, backward):
    rng = np.random.default_rng(3)
    x, dy = rng.normal(1.0, 2.0, (6, 4)), rng.standard_normal((6, 4))
    gamma, beta = rng.uniform(0.5, 2.0, 4), rng.standard_normal(4)
    _, cache = forward(x, gamma, beta, 1e-5)
    analytic = backward(dy, cache)

    def f():
        return float(np.sum(forward(x, gamma, beta, 1e-5)[0] * dy))

    for param, grad in zip([x, gamma, beta], analytic, strict=True):
        assert gradcheck.rel_error(grad, gradcheck.numerical_gradient(f, param)) < 1e-7


def test_batchnorm_hard_coded_for_the_worked_example_fails():
    x = np.array([[1.0, -2.0], [2.0, 0.0], [4.0, 1.0], [-1.0, 3.0]])
    dy = np.array([[0.5, 1.0], [-1.0, 0.0], [0.2, -0.5], [1.0, 2.0]])
    _, cache = batchnorm_forward(x, np.array([2.0, 0.5]), np.array([0.0, 1.0]), 1e-5)
    fixed = batchnorm_backward(dy, cache)
    message = failure(check.batchnorm_backward, lambda dy, cache: fixed)
    assert "for random input" in message


def with_dx(dx_of):
    """The reference, with dx replaced by ``dx_of(dy, x_hat, gamma, std)``."""

    def backward(dy, cache):
        _, dgamma, dbeta = batchnorm_backward(dy, cache)
        return dx_of(dy, *cache), dgamma, dbeta

    return backward


def mean(a):
    return a.mean(axis=0)


@pytest.mark.parametrize(
    "dx_of, cause",
    [
        (lambda dy, xh, g, s: dy * g / s, "dx = dy·γ/σ only"),
        (lambda dy, xh, g, s: g / s * (dy - mean(dy)), "term through σ² is missing"),
        (lambda dy, xh, g, s: g / s * (dy - xh * mean(dy * xh)), "term through μ is missing"),
        (
            lambda dy, xh, g, s: g / s * (dy - dy.sum(0) - xh * (dy * xh).sum(0)),
            "sums where the formula has means",
        ),
        (lambda dy, xh, g, s: (dy - mean(dy) - xh * mean(dy * xh)) / s, "γ is missing"),
    ],
)
def test_dx_slips_are_named(dx_of, cause):
    assert cause in failure(check.batchnorm_backward, with_dx(dx_of))


def test_dgamma_without_x_hat_is_named():
    def no_x_hat(dy, cache):
        dx, _, dbeta = batchnorm_backward(dy, cache)
        return dx, dy.sum(axis=0), dbeta

    assert "dgamma without x̂" in failure(check.batchnorm_backward, no_x_hat)


def test_means_for_dgamma_and_dbeta_are_named():
    def means(dy, cache):
        dx, dgamma, dbeta = batchnorm_backward(dy, cache)
        return dx, dgamma / len(dy), dbeta / len(dy)

    assert "dgamma is the sum" in failure(check.batchnorm_backward, means)


def test_swapped_dgamma_and_dbeta_are_named():
    def swapped(dy, cache):
        dx, dgamma, dbeta = batchnorm_backward(dy, cache)
        return dx, dbeta, dgamma

    assert "swapped" in failure(check.batchnorm_backward, swapped)


def test_sums_over_the_features_are_named():
    def wrong_axis(dy, cache):
        dx, _, _ = batchnorm_backward(dy, cache)
        return dx, (dy * cache[0]).sum(axis=1), dy.sum(axis=1)

    assert "axis=0" in failure(check.batchnorm_backward, wrong_axis)
