"""The training loop: the steps it takes, determinism, stopping, regularization, divergence, and
that it learns XOR."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bplib import optim, regularization
from bplib.network import Network
from bplib.train import TrainingDiverged, train

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0.0, 1.0, 1.0, 0.0])


class Recorder(optim.Optimizer):
    """Takes no step; records each step's learning rate and gradients."""

    def __init__(self, eta: float = 1.0) -> None:
        super().__init__(eta)
        self.steps: list[tuple[float, list[np.ndarray]]] = []

    def step(self, params, grads):
        self.steps.append((self.eta, [g.copy() for g in grads]))


def data(n: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 3)), rng.integers(0, 2, n)


def params_of(net: Network) -> list[np.ndarray]:
    return [p.copy() for p in net.weights + net.biases]


def assert_same(a: list[np.ndarray], b: list[np.ndarray]) -> None:
    assert len(a) == len(b)
    for p, q in zip(a, b, strict=True):
        np.testing.assert_array_equal(p, q)


def line(w: float = 0.0) -> Network:
    """z = w x + b with identity output and quadratic cost: a linear fit we can reason about."""
    net = Network([1, 1], output_activation="identity", seed=0)
    net.weights[0][:] = w
    net.biases[0][:] = 0.0
    return net


# x is symmetric about 0, so b stays 0 and w moves from 0 toward the slope of the targets.
LINE_X = np.linspace(-1.0, 1.0, 8).reshape(-1, 1)


def test_full_batch_gradient_descent_is_the_steps_done_by_hand():
    X, y = data()
    net, by_hand = Network([3, 4, 2], seed=1), Network([3, 4, 2], seed=1)
    history = train(net, X, y, epochs=2, batch_size=None, eta=0.7, progress=False)
    larger_than_n = Network([3, 4, 2], seed=1)
    train(larger_than_n, X, y, epochs=2, batch_size=100, eta=0.7, progress=False)
    for _ in range(2):
        nabla_b, nabla_w = by_hand.backprop(X, y)
        for i in range(2):
            by_hand.weights[i] = by_hand.weights[i] - 0.7 * nabla_w[i]
            by_hand.biases[i] = by_hand.biases[i] - 0.7 * nabla_b[i]
    assert_same(params_of(net), params_of(by_hand))
    assert_same(params_of(larger_than_n), params_of(by_hand))
    assert history.epoch == [1, 2]
    assert history.stopped_because == "it reached the maximum of 2 epochs"


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 12), batch_size=st.integers(1, 14), seed=st.integers(0, 2**16))
def test_each_epoch_visits_every_sample_once_in_batches_of_batch_size(n, batch_size, seed):
    """The batch gradients, weighted by batch size, add up to n times the full gradient."""
    X, y = data(n, seed)
    net = Network([3, 2, 2], seed=seed)
    recorder = Recorder()
    train(net, X, y, epochs=2, batch_size=batch_size, optimizer=recorder, seed=seed, progress=False)
    m = min(batch_size, n)
    sizes = [m] * (n // m) + ([n % m] if n % m else [])
    assert len(recorder.steps) == 2 * len(sizes)
    nabla_b, nabla_w = net.backprop(X, y)
    for epoch in range(2):
        steps = recorder.steps[epoch * len(sizes) : (epoch + 1) * len(sizes)]
        for i, full in enumerate(nabla_w + nabla_b):
            total = sum(size * grads[i] for size, (_, grads) in zip(sizes, steps, strict=True))
            np.testing.assert_allclose(total / n, full, rtol=1e-12, atol=1e-15)


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    X, y = data()
    runs = []
    for seed in (3, 3, 4):
        net = Network([3, 5, 2], seed=0)
        train(net, X, y, epochs=3, batch_size=2, eta=0.5, dropout=0.3, seed=seed, progress=False)
        runs.append(params_of(net))
    assert_same(runs[0], runs[1])
    assert not np.array_equal(runs[0][0], runs[2][0])


def test_a_schedule_sets_eta_at_the_start_of_each_epoch():
    X, y = data(4)
    recorder = Recorder()
    schedule = optim.step_decay(1.0, drop=0.5, every=2)
    history = train(
        Network([3, 2]),
        X,
        y,
        epochs=5,
        batch_size=2,
        optimizer=recorder,
        schedule=schedule,
        progress=False,
    )
    assert history.eta == [1.0, 1.0, 0.5, 0.5, 0.25]
    assert [eta for eta, _ in recorder.steps] == [1.0] * 4 + [0.5] * 4 + [0.25] * 2


def test_an_optimizer_by_name_is_made_with_eta():
    X, y = data()
    a, b = Network([3, 4, 2], seed=0), Network([3, 4, 2], seed=0)
    train(a, X, y, epochs=2, batch_size=4, eta=0.01, optimizer="adam", progress=False)
    train(b, X, y, epochs=2, batch_size=4, optimizer=optim.Adam(0.01), progress=False)
    assert_same(params_of(a), params_of(b))


def test_history_measures_loss_with_penalty_and_accuracy_after_each_epoch():
    X, y = data(20)
    X_val, y_val = data(10, seed=1)
    net = Network([3, 4, 2], loss="cross_entropy", seed=0)
    history = train(
        net,
        X,
        y,
        epochs=3,
        batch_size=5,
        eta=0.5,
        lmbda_l2=2.0,
        lmbda_l1=1.0,
        validation=(X_val, y_val),
        progress=False,
    )
    penalty = regularization.l2_penalty(net.weights, 2.0, 20) + regularization.l1_penalty(
        net.weights, 1.0, 20
    )
    assert history.train_loss[-1] == pytest.approx(net.cost(X, y) + penalty, rel=1e-12)
    assert history.val_loss[-1] == pytest.approx(net.cost(X_val, y_val) + penalty, rel=1e-12)
    assert history.train_accuracy[-1] == net.accuracy(X, y)
    assert history.val_accuracy[-1] == net.accuracy(X_val, y_val)
    assert len(history.seconds) == 3 and all(s > 0 for s in history.seconds)
    assert history.best_epoch == 1 + int(np.argmin(history.val_loss))


def test_accuracy_and_validation_are_nan_when_not_measured():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 2))
    regression = Network([2, 3, 2], output_activation="identity", seed=0)
    history = train(regression, X, rng.standard_normal((6, 2)), epochs=2, progress=False)
    assert np.isnan(history.train_accuracy).all() and np.isnan(history.val_loss).all()
    assert np.isfinite(history.train_loss).all()
    quiet = train(Network([2, 3, 1], seed=0), X, X[:, 0] > 0, epochs=2, monitor=(), progress=False)
    assert np.isnan(quiet.train_loss).all() and quiet.best_epoch is None


def test_stops_when_the_training_loss_falls_below_min_loss():
    history = train(
        line(),
        LINE_X,
        2 * LINE_X,
        epochs=500,
        batch_size=None,
        eta=0.5,
        min_loss=1e-4,
        progress=False,
    )
    assert history.train_loss[-1] < 1e-4 <= history.train_loss[-2]
    assert len(history.epoch) < 500
    assert "fell below min_loss = 0.0001" in history.stopped_because


def test_stops_when_no_parameter_moves_more_than_min_update_in_an_epoch():
    def after(epochs: int) -> list[np.ndarray]:
        net = line()
        train(net, LINE_X, 2 * LINE_X, epochs=epochs, batch_size=None, eta=0.5, progress=False)
        return params_of(net)

    net = line()
    history = train(
        net,
        LINE_X,
        2 * LINE_X,
        epochs=500,
        batch_size=None,
        eta=0.5,
        min_update=1e-3,
        progress=False,
    )
    last = history.epoch[-1]
    assert last < 500 and "fell below min_update = 0.001" in history.stopped_because

    def largest_change(a, b):
        return max(np.abs(p - q).max() for p, q in zip(a, b, strict=True))

    assert largest_change(after(last), after(last - 1)) < 1e-3
    assert largest_change(after(last - 1), after(last - 2)) >= 1e-3
    assert_same(params_of(net), after(last))


def test_early_stopping_restores_the_weights_of_the_best_epoch():
    """Training fits y = 2x from w = 0; validation wants y = x, so its loss falls, then rises."""
    settings = dict(batch_size=4, eta=0.1, seed=5, progress=False)
    validation = (LINE_X, LINE_X)
    net = line()
    history = train(
        net, LINE_X, 2 * LINE_X, epochs=100, validation=validation, patience=3, **settings
    )
    best = history.best_epoch
    assert best == 1 + int(np.argmin(history.val_loss))
    assert 1 < best < history.epoch[-1] == best + 3
    assert history.stopped_because == (
        f"the validation loss did not improve for 3 epochs (best: epoch {best}); "
        f"restored the weights of epoch {best}"
    )
    # the same seed replays the same run, so this is the network as it was after epoch `best`
    replay = line()
    train(replay, LINE_X, 2 * LINE_X, epochs=best, validation=validation, **settings)
    assert_same(params_of(net), params_of(replay))

    kept = line()
    train(
        kept,
        LINE_X,
        2 * LINE_X,
        epochs=100,
        validation=validation,
        patience=3,
        restore_best=False,
        **settings,
    )
    assert not np.array_equal(kept.weights[0], net.weights[0])


def test_l2_weight_decay_shrinks_the_weights():
    X, y = data(20)
    norms = []
    for lmbda in (0.0, 5.0):
        net = Network([3, 6, 2], seed=0)
        train(net, X, y, epochs=10, batch_size=4, eta=1.0, lmbda_l2=lmbda, progress=False)
        norms.append(sum(float(np.sum(W**2)) for W in net.weights))
    assert norms[1] < 0.8 * norms[0]


@pytest.mark.parametrize("kind", ["l2", "l1"])
def test_with_a_zero_gradient_weight_decay_is_exactly_its_own_step(kind):
    """X = 0, dead ReLU hidden units and targets equal to the output biases make every gradient
    of the cost exactly 0 however the weights shrink. Four steps of batches of 2 out of n = 4;
    eta = 1/2 and lambda / n = 1/4 are powers of 2, so the products are exact."""
    net = Network([2, 3, 1], activation="relu", output_activation="identity", seed=0)
    net.biases[0][:] = -1.0
    X = np.zeros((4, 2))
    Y = np.tile(net.biases[1], (4, 1))
    before = params_of(net)
    train(net, X, Y, epochs=2, batch_size=2, eta=0.5, progress=False, **{f"lmbda_{kind}": 1.0})
    for i in range(2):
        W = before[i]
        for _ in range(4):
            W = (1 - 0.5 * 1.0 / 4) * W if kind == "l2" else W - 0.5 * 1.0 / 4 * np.sign(W)
        np.testing.assert_array_equal(net.weights[i], W)
        np.testing.assert_array_equal(net.biases[i], before[2 + i])  # biases are not decayed


def test_dropout_acts_in_training_only():
    X, y = data()
    nets = []
    for p in (0.0, 0.5):
        net = Network([3, 8, 2], seed=0)
        train(net, X, y, epochs=3, batch_size=4, eta=1.0, dropout=p, progress=False)
        nets.append(net)
    assert not np.array_equal(nets[0].weights[0], nets[1].weights[0])
    np.testing.assert_array_equal(nets[1].feedforward(X), nets[1].feedforward(X))
    rng = np.random.default_rng(0)
    first = nets[1].backprop(X, y, dropout=0.5, rng=rng)[1][0]
    second = nets[1].backprop(X, y, dropout=0.5, rng=rng)[1][0]
    assert not np.array_equal(first, second)


def test_clipping_bounds_the_step_to_eta_times_clip_norm():
    X, Y = np.ones((2, 1)), np.full((2, 1), 100.0)  # far from the target: a long gradient
    steps = []
    for clip_norm in (None, 0.1):
        net = line(w=1.0)
        train(net, X, Y, epochs=1, batch_size=None, eta=0.5, clip_norm=clip_norm, progress=False)
        step = np.array([net.weights[0][0, 0] - 1.0, net.biases[0][0]])
        steps.append(float(np.linalg.norm(step)))
    assert steps[0] > 10.0
    assert steps[1] == pytest.approx(0.5 * 0.1, rel=1e-12)


def test_divergence_raises_a_clear_error_naming_eta_and_no_warnings():
    net = line()
    X = np.linspace(-10.0, 10.0, 10).reshape(-1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow RuntimeWarning would fail the test
        with pytest.raises(
            TrainingDiverged,
            match=r"loss became (nan|inf) at epoch \d+ "
            r"\(eta = 50\): .* try a smaller eta",
        ):
            train(net, X, X, epochs=1000, batch_size=2, eta=50.0, progress=False)
    with pytest.raises(FloatingPointError, match="a weight or bias became NaN or infinite"):
        train(line(), X, X, epochs=1000, batch_size=2, eta=50.0, monitor=(), progress=False)


@pytest.mark.parametrize("seed", range(8))
def test_a_2_3_1_sigmoid_network_learns_xor(seed):
    """Plain full-batch gradient descent. Of seeds 0-99, all but 37 and 52 reach the global
    minimum; those two end in the local one where two outputs sit at 0.5."""
    net = Network([2, 3, 1], loss="cross_entropy", init="xavier", seed=seed)
    history = train(net, XOR_X, XOR_Y, epochs=1000, batch_size=None, eta=3.0, progress=False)
    assert np.array_equal(net.feedforward(XOR_X)[:, 0] > 0.5, XOR_Y == 1.0)
    assert history.train_accuracy[-1] == 1.0


def test_progress_bar_on_stderr_only_when_asked(capsys):
    X, y = data()
    train(Network([3, 2]), X, y, epochs=2, progress=False)
    assert capsys.readouterr() == ("", "")
    train(Network([3, 2]), X, y, epochs=2, progress=True)
    out, err = capsys.readouterr()
    assert out == "" and "2/2" in err and "loss=" in err and "acc=" in err


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(epochs=0), "epochs must be a positive integer, got 0"),
        (dict(batch_size=0), "batch_size must be a positive integer, got 0"),
        (dict(dropout=1.0), r"dropout must lie in \[0, 1\), got 1.0"),
        (dict(lmbda_l2=-1.0), "lmbda_l2 must be >= 0, got -1.0"),
        (dict(clip_norm=0.0), "clip_norm must be > 0, got 0.0"),
        (dict(patience=3), r"patience\) needs validation=\(X_val, y_val\)"),
        (dict(monitor=("acc",)), "monitor must hold 'loss' and/or 'accuracy', got"),
        (dict(min_loss=0.1, monitor=("accuracy",)), "min_loss needs 'loss' in monitor"),
        (dict(optimizer="adagrad"), "unknown optimizer 'adagrad'"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    X, y = data()
    with pytest.raises(ValueError, match=message):
        train(Network([3, 2]), X, y, progress=False, **kwargs)


def test_bad_data_is_refused_before_training():
    X, y = data()
    with pytest.raises(ValueError, match=r"X must have shape \(n, 3\)"):
        train(Network([3, 2]), X[:, :2], y, progress=False)
    with pytest.raises(ValueError, match=r"Y must have shape \(12, 2\)"):
        train(Network([3, 2]), X, y[:5], progress=False)


def test_arguments_after_X_and_y_are_keyword_only():
    X, y = data()
    with pytest.raises(TypeError, match="positional"):
        train(Network([3, 2]), X, y, 5)


def test_eta_defaults_to_train_ETA_when_given_nowhere():
    X, y = data(4)
    history = train(Network([3, 2], seed=0), X, y, epochs=1, progress=False)
    assert history.eta == [3.0]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(eta=0.5, optimizer=Recorder(0.1)), r"eta = 0.5 but the optimizer's eta \(Recorder"),
        (dict(eta=0.5, schedule=optim.constant(0.2)), "eta = 0.5 but the schedule's eta at t = 0"),
        (
            dict(optimizer=optim.Adam(0.1), schedule=optim.step_decay(0.3)),
            r"optimizer's eta \(Adam\(eta=0.1.*= 0.1 but the schedule's eta at t = 0 = 0.3",
        ),
    ],
)
def test_two_learning_rates_that_disagree_are_refused(kwargs, message):
    X, y = data(4)
    with pytest.raises(ValueError, match=message):
        train(Network([3, 2]), X, y, epochs=1, progress=False, **kwargs)


def test_learning_rates_given_twice_that_agree_are_one():
    X, y = data(4)
    recorder = Recorder(0.25)
    history = train(
        Network([3, 2]),
        X,
        y,
        epochs=2,
        batch_size=2,
        eta=0.25,
        optimizer=recorder,
        schedule=optim.constant(0.25),
        progress=False,
    )
    assert history.eta == [0.25, 0.25]
    assert [eta for eta, _ in recorder.steps] == [0.25] * 4


def test_early_stopping_and_best_epoch_watch_the_validation_data_term():
    """w starts at 3 and the L2 penalty pulls it through the slope 2 of the data down to 1:
    the data term is lowest where w passes 2, data term plus penalty at the last epoch."""
    X, Y = LINE_X, 2 * LINE_X
    lmbda = len(X) * float(np.mean(X**2))  # the penalty's optimum w = 1
    settings = dict(batch_size=None, eta=0.05, lmbda_l2=lmbda, validation=(X, Y), progress=False)
    net, data_terms = line(3.0), []
    for _ in range(30):  # full batch gradient descent: epoch by epoch is the same training
        train(net, X, Y, epochs=1, **settings)
        data_terms.append(net.cost(X, Y))
    history = train(line(3.0), X, Y, epochs=30, **settings)
    best = 1 + int(np.argmin(data_terms))
    assert history.best_epoch == best
    assert 1 < best < 30 - 3 and 1 + int(np.argmin(history.val_loss)) == 30  # they differ
    stopped = line(3.0)
    history = train(stopped, X, Y, epochs=30, patience=3, **settings)
    assert history.epoch[-1] == best + 3 and history.best_epoch == best
    assert stopped.cost(X, Y) == pytest.approx(data_terms[best - 1], rel=1e-12)


def test_stops_when_the_training_error_rate_falls_to_max_error():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((60, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)

    def run(max_error=None):
        return train(
            Network([2, 1], seed=0),
            X,
            y,
            epochs=200,
            batch_size=None,
            eta=1.0,
            max_error=max_error,
            progress=False,
        )

    history, full = run(0.05), run()
    last = history.epoch[-1]
    errors = 1 - np.array(full.train_accuracy)
    # the first epoch whose error rate is at most 5%, 3 of the 60 points (1 - 57/60 is rounded)
    assert last < 200 and last == 1 + np.flatnonzero(errors <= 0.05 + 1e-12)[0]
    assert errors[last - 2] > 0.06 and history.train_accuracy == full.train_accuracy[:last]
    assert "the training error rate 0.05 fell to max_error = 0.05" in history.stopped_because


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(max_error=1.0), r"max_error must lie in \[0, 1\), got 1.0"),
        (dict(max_error=0.1, monitor=("loss",)), "max_error needs 'accuracy' in monitor"),
    ],
)
def test_bad_max_error_is_refused(kwargs, message):
    X, y = data()
    with pytest.raises(ValueError, match=message):
        train(Network([3, 2]), X, y, progress=False, **kwargs)
    with pytest.raises(ValueError, match="max_error needs targets that are classes"):
        train(Network([3, 1], output_activation="identity"), X, X[:, :1], max_error=0.1)
