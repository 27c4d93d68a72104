"""Optimizers against their update equations written out by hand; minimizing a quadratic bowl;
learning-rate schedules; clear errors."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bplib import optim

SEEDS = st.integers(0, 2**16)
# From the registry, so that a new optimizer is tested without touching this file.
NAMES = list(optim.OPTIMIZERS)


def problem(seed: int, steps: int = 3) -> tuple[list[np.ndarray], list[list[np.ndarray]]]:
    """Two parameter arrays (a matrix and a vector) and a gradient list for each step."""
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal((3, 2)), rng.standard_normal(2)]
    grads = [[rng.standard_normal(p.shape) for p in params] for _ in range(steps)]
    return params, grads


def run(opt: optim.Optimizer, params: list[np.ndarray], grads: list[list[np.ndarray]]):
    """Step ``opt`` through ``grads`` on copies of ``params``; the parameters after each step."""
    params = [p.copy() for p in params]
    arrays = list(params)
    history = []
    for g in grads:
        opt.step(params, g)
        assert all(p is q for p, q in zip(params, arrays, strict=True)), "not updated in place"
        history.append([p.copy() for p in params])
    return history


@settings(max_examples=20, deadline=None)
@given(seed=SEEDS, eta=st.floats(1e-3, 2.0))
def test_gradient_descent_is_w_minus_eta_times_the_gradient(seed, eta):
    params, grads = problem(seed)
    got = run(optim.GradientDescent(eta), params, grads)
    w = params
    for t, g in enumerate(grads):
        w = [wi - eta * gi for wi, gi in zip(w, g, strict=True)]
        for a, b in zip(got[t], w, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)


@settings(max_examples=20, deadline=None)
@given(seed=SEEDS, eta=st.floats(1e-3, 2.0), mu=st.floats(0.0, 0.99))
def test_momentum_carries_a_velocity_between_steps(seed, eta, mu):
    params, grads = problem(seed)
    got = run(optim.Momentum(eta, mu), params, grads)
    for i, w0 in enumerate(params):
        w, v = w0, np.zeros_like(w0)
        for t, g in enumerate(grads):
            v = mu * v - eta * g[i]
            w = w + v
            np.testing.assert_allclose(got[t][i], w, rtol=1e-12, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(seed=SEEDS, eta=st.floats(1e-3, 1.0), mu=st.floats(0.0, 0.99))
def test_nesterov_holds_the_look_ahead_point_of_the_original_method(seed, eta, mu):
    """The original: v <- mu v - eta grad C(w + mu v); w <- w + v. The optimizer, fed the
    gradient at its own parameters, must hold exactly the look-ahead point w + mu v."""
    rng = np.random.default_rng(seed)
    A = rng.uniform(0.5, 2.0, 4)  # C(w) = sum(A w^2) / 2, so grad C(w) = A w
    w = rng.standard_normal(4)
    v = np.zeros(4)
    look_ahead = w.copy()
    opt = optim.Nesterov(eta, mu)
    for _ in range(3):
        v = mu * v - eta * A * (w + mu * v)
        w = w + v
        opt.step([look_ahead], [A * look_ahead])
        np.testing.assert_allclose(look_ahead, w + mu * v, rtol=1e-12, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(seed=SEEDS, eta=st.floats(1e-3, 1.0), rho=st.floats(0.0, 0.99))
def test_rmsprop_divides_by_a_running_root_mean_square(seed, eta, rho):
    eps = 1e-8
    params, grads = problem(seed)
    got = run(optim.RMSProp(eta, rho, eps), params, grads)
    for i, w0 in enumerate(params):
        w, r = w0, np.zeros_like(w0)
        for t, g in enumerate(grads):
            r = rho * r + (1 - rho) * g[i] ** 2
            w = w - eta * g[i] / (np.sqrt(r) + eps)
            np.testing.assert_allclose(got[t][i], w, rtol=1e-12, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(
    seed=SEEDS,
    eta=st.floats(1e-3, 1.0),
    beta1=st.floats(0.0, 0.99),
    beta2=st.floats(0.5, 0.9999),
)
def test_adam_with_bias_correction(seed, eta, beta1, beta2):
    eps = 1e-8
    params, grads = problem(seed)
    got = run(optim.Adam(eta, beta1, beta2, eps), params, grads)
    for i, w0 in enumerate(params):
        w, m, v = w0, np.zeros_like(w0), np.zeros_like(w0)
        for t, g in enumerate(grads, start=1):
            m = beta1 * m + (1 - beta1) * g[i]
            v = beta2 * v + (1 - beta2) * g[i] ** 2
            m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
            w = w - eta * m_hat / (np.sqrt(v_hat) + eps)
            np.testing.assert_allclose(got[t - 1][i], w, rtol=1e-10, atol=1e-12)


def test_adams_first_step_is_eta_times_the_sign_of_the_gradient():
    """With bias correction, m_hat = g and v_hat = g^2 at t = 1, whatever beta1 and beta2."""
    g = np.array([3.0, -0.2, 1e-3, -50.0])
    w = np.zeros(4)
    optim.Adam(0.01, beta1=0.8, beta2=0.99).step([w], [g])
    np.testing.assert_allclose(w, -0.01 * np.sign(g), rtol=1e-4)


@pytest.mark.parametrize(
    "name, eta",
    [("gd", 0.1), ("momentum", 0.02), ("nesterov", 0.02), ("rmsprop", 0.01), ("adam", 0.05)],
)
def test_each_optimizer_descends_to_the_bottom_of_a_quadratic_bowl(name, eta):
    """C = sum(A (w - w*)^2) / 2 + |M - M*|^2 / 2, with curvatures 1 and 10."""
    rng = np.random.default_rng(0)
    A, w_star, M_star = np.array([1.0, 10.0]), np.array([1.0, -2.0]), np.eye(2)
    w, M = rng.standard_normal(2), rng.standard_normal((2, 2))
    start = max(np.abs(w - w_star).max(), np.abs(M - M_star).max())
    opt = optim.get(name, eta=eta)
    for _ in range(1000):
        opt.step([w, M], [A * (w - w_star), M - M_star])
    # RMSProp with a constant eta hovers within about eta of the minimum
    assert max(np.abs(w - w_star).max(), np.abs(M - M_star).max()) < 1e-2 * start


def test_state_is_made_once_and_reused_so_a_step_allocates_no_state():
    params, grads = problem(0)
    opt = optim.Adam(0.1)
    opt.step(params, grads[0])
    state = [a for arrays in opt.state for a in arrays]
    opt.step(params, grads[1])
    assert all(a is b for a, b in zip(state, [a for s in opt.state for a in s], strict=True))
    assert opt.t == 2


def test_eta_is_an_attribute_a_schedule_can_change_between_steps():
    w = np.zeros(1)
    opt = optim.GradientDescent(1.0)
    opt.step([w], [np.ones(1)])
    opt.eta = 0.25
    opt.step([w], [np.ones(1)])
    assert w[0] == -1.25


def test_get_finds_each_optimizer_by_name_and_passes_the_hyperparameters():
    assert type(optim.get("gd", eta=0.1)) is optim.GradientDescent
    assert type(optim.get("sgd", eta=0.1)) is optim.GradientDescent
    assert optim.get("momentum", eta=0.1, mu=0.5).mu == 0.5
    assert type(optim.get("nesterov", eta=0.1)) is optim.Nesterov
    assert optim.get("rmsprop", eta=0.1, rho=0.8).rho == 0.8
    adam = optim.get("adam", eta=0.001, beta2=0.99)
    assert (adam.eta, adam.beta2) == (0.001, 0.99)
    with pytest.raises(ValueError, match="unknown optimizer 'adagrad'.*'adam'.*'sgd'"):
        optim.get("adagrad", eta=0.1)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: optim.GradientDescent(-0.1), "eta must be a number >= 0, got -0.1"),
        (lambda: optim.Momentum(0.1, mu=1.0), r"mu must lie in \[0, 1\), got 1.0"),
        (lambda: optim.RMSProp(0.1, rho=-0.1), r"rho must lie in \[0, 1\)"),
        (lambda: optim.Adam(0.1, beta2=1.0), r"beta2 must lie in \[0, 1\)"),
        (lambda: optim.Adam(0.1, eps=0.0), "eps must be > 0"),
    ],
)
def test_bad_hyperparameters_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("name", NAMES)
def test_gradients_that_do_not_match_the_parameters_are_refused(name):
    W, b = np.zeros((3, 2)), np.zeros(2)
    # swapping nabla_w and nabla_b would silently broadcast b's gradient over W
    with pytest.raises(
        ValueError, match=r"grads\[0\] must have the shape of params\[0\], \(3, 2\)"
    ):
        optim.get(name, eta=0.1).step([W, b], [np.zeros(2), np.zeros((3, 2))])
    with pytest.raises(ValueError, match="2 parameter arrays but 1 gradients"):
        optim.get(name, eta=0.1).step([W, b], [np.zeros((3, 2))])


def test_schedules_give_eta_of_each_epoch():
    assert [optim.constant(0.5)(t) for t in (0, 1, 100)] == [0.5, 0.5, 0.5]
    step = optim.step_decay(1.0, drop=0.5, every=10)
    assert [step(t) for t in (0, 9, 10, 19, 20, 35)] == [1.0, 1.0, 0.5, 0.5, 0.25, 0.125]
    decay = optim.exponential_decay(2.0, k=math.log(2))  # halves every epoch
    assert [decay(t) for t in range(4)] == pytest.approx([2.0, 1.0, 0.5, 0.25], rel=1e-14)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: optim.constant(-1.0), "eta0 must be a number >= 0"),
        (lambda: optim.step_decay(1.0, drop=0.0), r"drop must lie in \(0, 1\], got 0.0"),
        (lambda: optim.step_decay(1.0, every=0), "every must be a positive number of epochs"),
        (lambda: optim.exponential_decay(1.0, k=-0.1), "k must be a number >= 0, got -0.1"),
    ],
)
def test_bad_schedules_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("name", NAMES)
def test_every_optimizer_lowers_the_cost_of_a_bowl_with_its_default_hyperparameters(name):
    """C = |w - w*|^2 / 2 from 1 away; a small eta, so any sound method gets closer."""
    w_star = np.array([1.0, -2.0, 0.5])
    w = w_star + np.array([1.0, -1.0, 1.0]) / np.sqrt(3)
    opt = optim.get(name, eta=0.01)
    for _ in range(200):
        opt.step([w], [w - w_star])
    assert np.linalg.norm(w - w_star) < 0.5


@pytest.mark.parametrize("name", NAMES)
def test_the_repr_shows_every_hyperparameter_and_makes_the_same_optimizer(name):
    opt = optim.get(name, eta=0.125)
    text = repr(opt)
    assert text.startswith(f"{type(opt).__name__}(eta=0.125")
    again = eval(text, vars(optim))
    assert type(again) is type(opt) and vars(again) == vars(opt)


def test_the_repr_of_momentum_and_adam():
    assert repr(optim.Momentum(0.1, mu=0.5)) == "Momentum(eta=0.1, mu=0.5)"
    assert repr(optim.Adam(0.001)) == "Adam(eta=0.001, beta1=0.9, beta2=0.999, eps=1e-08)"


def test_get_passes_an_optimizer_through_and_refuses_hyperparameters_with_it():
    adam = optim.Adam(0.01)
    assert optim.get(adam) is adam
    with pytest.raises(ValueError, match=r"got the optimizer Adam\(eta=0.01.*and also eta, mu"):
        optim.get(adam, eta=0.1, mu=0.5)


@settings(max_examples=20, deadline=None)
@given(seed=SEEDS, eta=st.floats(1e-3, 0.5), lmbda=st.floats(0.0, 0.5))
def test_adamw_decays_the_weights_beside_the_adam_step_and_leaves_the_biases(seed, eta, lmbda):
    """By hand: W <- W - eta (s_hat / (sqrt(r_hat) + eps) + lmbda W); b <- b - eta s_hat / ..."""
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    params, grads = problem(seed)  # params[0] is a matrix W, params[1] a vector b
    got = run(optim.AdamW(eta, lmbda, beta1, beta2, eps), params, grads)
    for i, w0 in enumerate(params):
        decay = lmbda if w0.ndim == 2 else 0.0
        w, s, r = w0, np.zeros_like(w0), np.zeros_like(w0)
        for t, g in enumerate(grads, start=1):
            s = beta1 * s + (1 - beta1) * g[i]
            r = beta2 * r + (1 - beta2) * g[i] ** 2
            s_hat, r_hat = s / (1 - beta1**t), r / (1 - beta2**t)
            w = w - eta * (s_hat / (np.sqrt(r_hat) + eps) + decay * w)
            np.testing.assert_allclose(got[t - 1][i], w, rtol=1e-10, atol=1e-12)


def test_adamw_with_no_gradient_shrinks_the_weights_by_one_minus_eta_lambda_and_not_b():
    W, b = np.array([[2.0, -4.0], [1.0, 0.5]]), np.array([3.0, -1.0])
    opt = optim.AdamW(0.1, lmbda=0.5)
    for _ in range(3):
        opt.step([W, b], [np.zeros((2, 2)), np.zeros(2)])
    np.testing.assert_allclose(W, 0.95**3 * np.array([[2.0, -4.0], [1.0, 0.5]]), rtol=1e-14)
    assert b.tolist() == [3.0, -1.0]


def test_adamw_is_not_adam_with_an_l2_gradient():
    """Under Adam an L2 term lmbda W added to the gradient is rescaled by 1 / sqrt(r_hat), so
    a weight with a large gradient is barely decayed; decoupled decay shrinks every weight by
    eta lmbda W whatever its gradient. Under gradient descent the two would be the same step."""
    eta, lmbda = 0.01, 0.1
    W0 = np.array([[1.0, 1.0]])
    g = np.array([[100.0, 0.0]])  # the first weight has a large gradient, the second none
    decoupled, coupled = W0.copy(), W0.copy()
    optim.AdamW(eta, lmbda).step([decoupled], [g])
    optim.Adam(eta).step([coupled], [g + lmbda * coupled])
    # AdamW: the Adam step of sign(g) plus the decay eta lmbda W on each weight
    np.testing.assert_allclose(decoupled, [[1 - eta - eta * lmbda, 1 - eta * lmbda]], rtol=1e-6)
    # Adam + L2: the first step is eta sign(g + lmbda W) however large lmbda W is
    np.testing.assert_allclose(coupled, [[1 - eta, 1 - eta]], rtol=1e-6)
    assert not np.allclose(decoupled, coupled, rtol=1e-4)
    gd_decoupled, gd_coupled = W0.copy(), W0.copy()
    optim.GradientDescent(eta).step([gd_coupled], [g + lmbda * gd_coupled])
    gd_decoupled *= 1 - eta * lmbda
    gd_decoupled -= eta * g
    np.testing.assert_allclose(gd_decoupled, gd_coupled, rtol=1e-14, atol=1e-15)


def test_adamw_is_found_by_name_and_refuses_a_negative_decay():
    opt = optim.get("adamw", eta=0.001, lmbda=0.05)
    assert type(opt) is optim.AdamW and (opt.eta, opt.lmbda) == (0.001, 0.05)
    assert repr(optim.AdamW(0.001)) == (
        "AdamW(eta=0.001, lmbda=0.01, beta1=0.9, beta2=0.999, eps=1e-08)"
    )
    with pytest.raises(ValueError, match="lmbda must be a number >= 0, got -0.1"):
        optim.AdamW(0.1, lmbda=-0.1)


def test_adamw_refuses_gradients_that_do_not_match_before_decaying_anything():
    W = np.ones((3, 2))
    with pytest.raises(ValueError, match=r"grads\[0\] must have the shape of params\[0\]"):
        optim.AdamW(0.1, lmbda=0.5).step([W], [np.zeros(2)])
    assert np.all(W == 1.0)


def test_cosine_decay_falls_from_eta0_to_eta_min_along_half_a_cosine():
    cosine = optim.cosine_decay(1.0, epochs=4, eta_min=0.2)
    half = 0.2 + 0.8 * (1 + np.cos(np.pi * np.arange(5) / 4)) / 2
    assert [cosine(t) for t in range(5)] == pytest.approx(half, rel=1e-14)
    assert cosine(2) == pytest.approx(0.6, rel=1e-14)  # half way down at half the epochs
    assert [cosine(t) for t in (4, 5, 50)] == pytest.approx([0.2, 0.2, 0.2], rel=1e-14)


def test_warmup_climbs_linearly_to_the_schedule_then_follows_it():
    warm = optim.warmup(optim.step_decay(0.8, drop=0.5, every=2), epochs=3)
    assert [warm(t) for t in range(8)] == pytest.approx(
        [0.2, 0.4, 0.6, 0.8, 0.8, 0.4, 0.4, 0.2], rel=1e-14
    )
    cosine = optim.cosine_decay(0.5, epochs=10)
    warm_cosine = optim.warmup(cosine, epochs=1)
    assert [warm_cosine(t) for t in range(12)] == pytest.approx(
        [0.25] + [cosine(t) for t in range(11)], rel=1e-14
    )


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: optim.cosine_decay(1.0, epochs=0), "epochs must be a positive number of epochs"),
        (lambda: optim.cosine_decay(1.0, 5, eta_min=2.0), r"eta_min must lie in \[0, eta0 = 1\]"),
        (lambda: optim.cosine_decay(-1.0, 5), "eta0 must be a number >= 0, got -1.0"),
        (lambda: optim.warmup(optim.constant(1.0), epochs=2.5), "got 2.5"),
    ],
)
def test_bad_warmup_and_cosine_schedules_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()
