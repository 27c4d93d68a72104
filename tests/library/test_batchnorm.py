"""Batch normalization and residual connections: backward passes against central differences,
running averages, the test mode, and networks that train with them."""

import numpy as np
import pytest

from bplib import batchnorm as bn
from bplib.gradcheck import check_gradients, numerical_gradient, rel_error
from bplib.network import Network
from bplib.regularization import dropout_mask
from bplib.train import train


@pytest.mark.parametrize("m, d, eps", [(6, 4, 1e-5), (2, 1, 0.1), (1, 3, 1e-5), (30, 2, 1e-3)])
def test_backward_agrees_with_central_differences(m, d, eps):
    rng = np.random.default_rng(m + d)
    x, dy = rng.normal(1.0, 2.0, (m, d)), rng.standard_normal((m, d))
    gamma, beta = rng.uniform(0.5, 2.0, d), rng.standard_normal(d)
    analytic = bn.backward(dy, bn.forward(x, gamma, beta, eps)[1])

    def f():  # sum(y * dy) has the gradient (dx, dgamma, dbeta)
        return float(np.sum(bn.forward(x, gamma, beta, eps)[0] * dy))

    for param, grad in zip([x, gamma, beta], analytic, strict=True):
        numeric = numerical_gradient(f, param)
        assert grad.shape == param.shape
        assert rel_error(grad, numeric) < 1e-7 or np.abs(grad - numeric).max() < 1e-9


def test_forward_normalizes_each_feature_over_the_batch():
    x = np.random.default_rng(0).normal([5.0, -3.0], [3.0, 0.1], (50, 2))
    y, _ = bn.forward(x, np.array([2.0, 1.0]), np.array([1.0, 0.0]))
    assert np.allclose(y.mean(axis=0), [1.0, 0.0]) and np.allclose(y.std(axis=0), [2, 1], 1e-3)


def test_running_averages_move_towards_the_batch_statistics():
    layer = bn.BatchNorm(2, momentum=0.5)
    x = np.array([[1.0, 10.0], [3.0, 14.0]])  # mean (2, 12), variance (1, 4)
    layer.train_forward(x)
    assert np.allclose(layer.running_mean, [1.0, 6.0])
    assert np.allclose(layer.running_var, [1.0, 2.5])
    for _ in range(60):
        layer.train_forward(x)
    assert np.allclose(layer.running_mean, [2, 12]) and np.allclose(layer.running_var, [1, 4])
    # Test mode with the converged averages gives the batch's normalization back.
    assert np.allclose(layer(x), bn.forward(x, layer.gamma, layer.beta, layer.eps)[0])


def test_test_mode_does_not_depend_on_the_rest_of_the_batch():
    layer = bn.BatchNorm(3)
    layer.running_mean, layer.running_var = np.array([1.0, 2, 3]), np.array([4.0, 1, 9])
    x = np.random.default_rng(1).standard_normal((5, 3))
    one_by_one = np.vstack([layer(row[None, :]) for row in x])
    assert np.allclose(layer(x), one_by_one)
    assert not np.allclose(layer(x, training=True), one_by_one)  # training mode does


def test_bad_momentum_is_refused():
    with pytest.raises(ValueError, match=r"momentum must lie in \[0, 1\), got 1.5"):
        bn.BatchNorm(3, momentum=1.5)


def network_gradient_error(net: Network, X: np.ndarray, y: np.ndarray) -> float:
    """The worst relative error of net.gradient against central differences of the
    training-mode cost (the one backprop differentiates)."""
    analytic = net.gradient(X, y)

    def cost():
        return net.loss.fn(net.feedforward(X, training=True), net.check_targets(y, len(X)))

    errors = []
    for param, grad in zip(net.parameters(), analytic, strict=True):
        numeric = numerical_gradient(cost, param)
        assert grad.shape == param.shape
        errors.append(0.0 if np.abs(grad - numeric).max() < 1e-10 else rel_error(grad, numeric))
    return max(errors)


@pytest.mark.parametrize(
    "sizes, activation, output, loss",
    [
        ([4, 5, 3], "sigmoid", "sigmoid", "quadratic"),
        ([3, 6, 6, 4, 3], "tanh", "softmax", "log_likelihood"),
        ([5, 4, 4, 2], "sigmoid", "sigmoid", "cross_entropy"),
    ],
)
@pytest.mark.parametrize("batchnorm, residual", [(True, False), (False, True), (True, True)])
def test_network_gradient_agrees_with_central_differences(
    sizes, activation, output, loss, batchnorm, residual
):
    rng = np.random.default_rng(len(sizes))
    net = Network(
        sizes,
        activation=activation,
        output_activation=output,
        loss=loss,
        init="xavier",
        seed=3,
        batchnorm=batchnorm,
        residual=residual,
    )
    for norm in net.norms:  # away from gamma = 1, beta = 0, so a swap would show
        norm.gamma[:], norm.beta[:] = rng.uniform(0.5, 2, norm.gamma.size), rng.normal(size=1)
    X = rng.normal(0.5, 1.5, (7, sizes[0]))
    y = rng.integers(0, sizes[-1], 7) if output == "softmax" else rng.random((7, sizes[-1]))
    assert network_gradient_error(net, X, y) < 1e-6


def test_residual_network_passes_the_gradient_check_and_skips_only_equal_sizes():
    net = Network([3, 4, 4, 4, 2], activation="tanh", init="xavier", seed=0, residual=True)
    assert net.skips == [False, True, True, False]
    X = np.random.default_rng(0).standard_normal((5, 3))
    assert check_gradients(net, X, np.random.default_rng(1).random((5, 2))).ok()
    plain = Network.from_weights(net.weights, net.biases, activation="tanh")
    assert not np.allclose(net.feedforward(X), plain.feedforward(X))
    assert "residual=True" in repr(net) and "batchnorm" not in repr(net)


def test_parameters_and_gradient_list_gamma_and_beta_after_the_weights_and_biases():
    net = Network([3, 5, 4, 2], seed=0, batchnorm=True)
    params = net.parameters()
    assert [p.shape for p in params] == [(3, 5), (5, 4), (4, 2), (5,), (4,), (2,)] + [
        (5,),
        (4,),
        (5,),
        (4,),
    ]
    assert params[6] is net.norms[0].gamma and params[9] is net.norms[1].beta
    X = np.random.default_rng(0).standard_normal((6, 3))
    grads = net.gradient(X, np.random.default_rng(1).random((6, 2)))
    assert [g.shape for g in grads] == [p.shape for p in params]
    # BN subtracts the batch mean, so the biases of its layers drop out of the cost.
    assert np.abs(grads[3]).max() < 1e-12 and np.abs(grads[5]).max() > 1e-6


def test_backprop_updates_the_running_averages_and_feedforward_uses_them():
    net = Network([3, 4, 2], seed=0, batchnorm=True)
    X = np.random.default_rng(0).normal(3.0, 2.0, (50, 3))
    before = net.feedforward(X)
    net.backprop(X, np.zeros((50, 2)))
    u = X @ net.weights[0] + net.biases[0]
    assert np.allclose(net.norms[0].running_mean, 0.1 * u.mean(axis=0))
    assert not np.allclose(net.feedforward(X), before)
    assert not np.allclose(net.feedforward(X), net.feedforward(X, training=True))


def test_batchnorm_or_residual_with_a_given_backprop_is_refused():
    def given(weights, biases, X, Y):
        raise AssertionError("never called")

    with pytest.raises(ValueError, match="cannot be combined with batchnorm=True"):
        Network([2, 3, 1], backprop=given, batchnorm=True)


def test_batchnorm_lifts_a_deep_sigmoid_network_off_its_plateau():
    # 8 sigmoid layers of 16 on a separable toy problem: without BN the gradient of the first
    # layers vanishes and 300 steps barely move the loss; with BN the network learns it.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 6))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    sizes = [6] + [16] * 8 + [2]
    accuracy = {}
    for batchnorm in [False, True]:
        net = Network(
            sizes,
            output_activation="softmax",
            loss="log_likelihood",
            init="scaled_normal",
            seed=1,
            batchnorm=batchnorm,
        )
        train(net, X, y, epochs=8, batch_size=10, eta=0.5, seed=0, progress=False)
        accuracy[batchnorm] = net.accuracy(X, y)
    assert accuracy[False] < 0.7 and accuracy[True] > 0.9, accuracy


def test_dropout_with_batchnorm_and_skips_agrees_with_central_differences():
    # The cost with the masks that backprop draws from rng (same seed, same order: one mask per
    # hidden layer, after its activation), written out layer by layer.
    net = Network(
        [3, 5, 5, 2], activation="tanh", init="xavier", seed=2, batchnorm=True, residual=True
    )
    X = np.random.default_rng(0).standard_normal((6, 3))
    Y = np.random.default_rng(1).random((6, 2))
    p, seed = 0.4, 5
    analytic = net.gradient(X, Y, dropout=p, rng=np.random.default_rng(seed))

    def cost():
        rng, a = np.random.default_rng(seed), X
        for l, (W, b) in enumerate(zip(net.weights, net.biases, strict=True)):
            z = a @ W + b
            if l < len(net.norms):
                z = net.norms[l](z, training=True)
                out = np.tanh(z) * dropout_mask(z.shape, p, rng)
                a = a + out if net.skips[l] else out
            else:
                a = np.tanh(z)
        return net.loss.fn(a, Y)

    assert net.skips == [False, True, False]
    for param, grad in zip(net.parameters(), analytic, strict=True):
        numeric = numerical_gradient(cost, param)
        assert rel_error(grad, numeric) < 1e-6 or np.abs(grad - numeric).max() < 1e-10


def test_from_weights_passes_batchnorm_and_residual_on():
    net = Network([2, 3, 3, 1], seed=0)
    copy = Network.from_weights(net.weights, net.biases, batchnorm=True, residual=True)
    assert len(copy.norms) == 2 and copy.skips == [False, True, False]
    assert "batchnorm=True, residual=True" in repr(copy)
