"""Network: backprop against central differences, shapes, and clear errors for bad input."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bplib import activations, losses
from bplib.gradcheck import check_gradients, numerical_gradient, rel_error
from bplib.network import Network

# From the registries, so that a new activation or loss is gradient-checked without touching
# this file: every elementwise activation as hidden one, every loss with each output it allows.
HIDDEN = [a.name for a in activations.ACTIVATIONS.values() if a.elementwise]
OUTPUT_LOSS = [
    (output.name, loss.name)
    for loss in losses.LOSSES.values()
    for output in losses.outputs_for(loss)
]


def targets(output: str, n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    if not activations.get(output).elementwise:
        return rng.integers(0, k, n)
    return rng.random((n, k))  # soft targets in [0, 1) exercise more than one-hot


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 5), min_size=2, max_size=4),
    n=st.integers(1, 6),
    hidden=st.sampled_from(HIDDEN),
    pair=st.sampled_from(OUTPUT_LOSS),
    seed=st.integers(0, 2**16),
)
def test_backprop_agrees_with_central_differences(sizes, n, hidden, pair, seed):
    output, loss = pair
    if not activations.get(output).elementwise and sizes[-1] < 2:
        sizes = sizes[:-1] + [2]
    net = Network(sizes, activation=hidden, output_activation=output, loss=loss, seed=seed)
    rng = np.random.default_rng(seed + 1)
    X = rng.standard_normal((n, sizes[0]))
    report = check_gradients(net, X, targets(output, n, sizes[-1], rng))
    assume(not report.warnings)  # at a ReLU kink or a saturated output, numerics can't judge
    # A gradient entry of ~1e-8 is below what central differences resolve (round-off in
    # C(w ± h) is ~1e-16 * C / h), so such entries are held to an absolute tolerance instead.
    for c in report:
        assert c.rel_error < 1e-7 or abs(c.analytic - c.numeric) < 1e-10, str(report)


def test_check_gradients_finds_a_planted_bug_and_names_the_layer():
    net = Network([3, 4, 2], seed=0)
    X = np.random.default_rng(1).standard_normal((5, 3))
    Y = np.random.default_rng(2).random((5, 2))
    backprop = net.backprop

    def buggy(X, Y):  # forgets the mean over the batch in the first layer's biases
        nabla_b, nabla_w = backprop(X, Y)
        nabla_b[0] = nabla_b[0] * len(X)
        return nabla_b, nabla_w

    net.backprop = buggy
    report = check_gradients(net, X, Y)
    bad = [(c.layer, c.param) for c in report if c.rel_error > 1e-4]
    assert bad == [(1, "b")]
    assert "1     b" in str(report)


def test_relu_near_the_kink_is_warned_about():
    net = Network([1, 1, 1], activation="relu", output_activation="identity", seed=0)
    net.weights[0][:] = 1.0
    net.biases[0][:] = 0.0
    report = check_gradients(net, np.array([[0.0]]), np.array([[1.0]]))
    assert any("kink" in w for w in report.warnings)


def test_batch_gradient_is_the_mean_of_per_sample_gradients():
    """The matrix form over a batch equals the loop over samples, one column at a time."""
    net = Network([4, 6, 3], loss="cross_entropy", seed=3)
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((8, 4)), rng.integers(0, 3, 8)
    nabla_b, nabla_w = net.backprop(X, y)
    per_sample = [net.backprop(X[i : i + 1], y[i : i + 1]) for i in range(8)]
    for l in range(2):
        assert np.allclose(nabla_b[l], np.mean([g[0][l] for g in per_sample], axis=0))
        assert np.allclose(nabla_w[l], np.mean([g[1][l] for g in per_sample], axis=0))


def test_gradients_have_the_shapes_of_the_parameters():
    net = Network([5, 7, 3, 2], seed=0)
    nabla_b, nabla_w = net.backprop(np.zeros((4, 5)), np.array([0, 1, 1, 0]))
    assert [g.shape for g in nabla_w] == [(5, 7), (7, 3), (3, 2)]
    assert [g.shape for g in nabla_b] == [(7,), (3,), (2,)]


def test_dropout_uses_one_mask_in_forward_and_backward():
    """With dropout the gradient is the exact gradient of the network with those units off."""
    net = Network([3, 5, 2], seed=0)
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((4, 3)), rng.random((4, 2))
    nabla_b, nabla_w = net.backprop(X, Y, dropout=0.4, rng=np.random.default_rng(7))
    mask = (np.random.default_rng(7).random((4, 5)) >= 0.4) / 0.6

    def cost():
        a1 = net.activation.fn(X @ net.weights[0] + net.biases[0]) * mask
        return net.loss.fn(net.output_activation.fn(a1 @ net.weights[1] + net.biases[1]), Y)

    assert rel_error(nabla_w[0], numerical_gradient(cost, net.weights[0])) < 1e-7
    assert rel_error(nabla_b[1], numerical_gradient(cost, net.biases[1])) < 1e-7


def test_same_seed_same_network_other_seed_other_network():
    assert np.array_equal(Network([3, 2], seed=5).weights[0], Network([3, 2], seed=5).weights[0])
    other = Network([3, 2], seed=6)
    assert not np.array_equal(Network([3, 2], seed=5).weights[0], other.weights[0])


def test_predict_and_accuracy():
    net = Network([2, 2], output_activation="softmax", loss="log_likelihood", seed=0)
    net.weights[0][:] = [[1.0, -1.0], [0.0, 0.0]]
    net.biases[0][:] = 0.0
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [2.0, 5.0]])
    assert net.predict(X).tolist() == [0, 1, 0]
    assert net.accuracy(X, np.array([0, 1, 1])) == pytest.approx(2 / 3)
    assert net.accuracy(X, np.eye(2)[[0, 1, 1]]) == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda net: net.feedforward(np.zeros((4, 3))), r"shape \(n, 2\).*got \(4, 3\)"),
        (lambda net: net.feedforward(np.zeros(2)), r"single sample of shape \(2,\)"),
        (lambda net: net.backprop(np.zeros((4, 2)), np.zeros(3, int)), r"\(4, 3\).*got \(3, 3\)"),
        (lambda net: net.backprop(np.zeros((2, 2)), np.array([0, 3])), r"labels must lie in 0..2"),
        (lambda net: net.backprop(np.zeros((2, 2)), np.array([0.5, 1.0])), "integer class labels"),
        (lambda net: net.feedforward(np.array([[np.nan, 0.0]])), "1 NaN or infinite"),
        (lambda net: net.backprop(np.zeros((2, 2)), np.zeros((2, 3, 1))), r"\(2, 3\)"),
    ],
)
def test_bad_input_says_what_was_expected_and_given(call, message):
    net = Network([2, 4, 3], seed=0)
    with pytest.raises(ValueError, match=message):
        call(net)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(sizes=[3]), r"at least 2 layers.*\[3\]"),
        (dict(sizes=[3, 0]), "positive integers"),
        (dict(sizes=[3, 2], activation="sigmod"), "unknown activation 'sigmod'"),
        (dict(sizes=[3, 2], loss="mse"), "unknown loss 'mse'"),
        (dict(sizes=[3, 2], init="glorot"), "unknown init 'glorot'"),
        (dict(sizes=[3, 2], output_activation="softmax"), "pair softmax with 'log_likelihood'"),
        (dict(sizes=[3, 2], loss="cross_entropy", output_activation="tanh"), "expects output"),
    ],
)
def test_bad_construction_says_what_was_expected_and_given(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Network(**kwargs)


def test_saturated_cross_entropy_output_is_warned_about():
    net = Network([1, 1], loss="cross_entropy", seed=0)
    net.weights[0][:] = 20.0  # sigma(20) = 1 - 2e-9
    report = check_gradients(net, np.array([[1.0]]), np.array([[0.5]]))
    assert any("saturated" in w for w in report.warnings)


def test_clipped_log_likelihood_is_warned_about():
    net = Network([1, 2], output_activation="softmax", loss="log_likelihood", seed=0)
    net.weights[0][:] = [[40.0, -40.0]]  # the true class 1 gets e^-80 of the mass
    report = check_gradients(net, np.array([[1.0]]), np.array([1]))
    assert any("clipped" in w for w in report.warnings)


def test_parameters_and_gradient_are_in_the_same_order():
    """parameters() is [W^1, ..., W^L, b^1, ..., b^L], the network's own arrays; gradient()
    matches it entry by entry, and is backprop's (nabla_b, nabla_w) reordered."""
    net = Network([3, 4, 2], seed=0)
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((5, 3)), rng.random((5, 2))
    params, grads = net.parameters(), net.gradient(X, Y)
    assert all(p is q for p, q in zip(params, net.weights + net.biases, strict=True))
    assert [g.shape for g in grads] == [p.shape for p in params]
    nabla_b, nabla_w = net.backprop(X, Y)
    for g, expected in zip(grads, nabla_w + nabla_b, strict=True):
        np.testing.assert_array_equal(g, expected)
    for p, g in zip(params, grads, strict=True):
        assert rel_error(g, numerical_gradient(lambda: net.cost(X, Y), p)) < 1e-7


def test_checked_skips_the_checks_and_gives_the_same_gradient():
    net = Network([3, 2], seed=0)
    X, y = np.random.default_rng(1).standard_normal((4, 3)), np.array([0, 1, 1, 0])
    Y = net.check_targets(y, 4)
    for g, h in zip(net.gradient(X, y), net.gradient(X, Y, checked=True), strict=True):
        np.testing.assert_array_equal(g, h)


@pytest.mark.parametrize(
    "call",
    [
        lambda net: net.backprop(np.zeros((0, 2)), np.zeros(0, int)),
        lambda net: net.gradient(np.zeros((0, 2)), np.zeros(0, int)),
        lambda net: net.cost(np.zeros((0, 2)), np.zeros(0, int)),
        lambda net: net.accuracy(np.zeros((0, 2)), np.zeros(0, int)),
    ],
)
def test_an_empty_batch_is_refused_with_a_message(call):
    net = Network([2, 4, 3], seed=0)
    with pytest.raises(ValueError, match=r"needs at least one sample: X has shape \(0, 2\)"):
        call(net)


def test_a_non_elementwise_hidden_activation_is_refused():
    for act in activations.ACTIVATIONS.values():
        if not act.elementwise:
            with pytest.raises(ValueError, match=f"{act.name} is an output activation"):
                Network([3, 4, 2], activation=act.name, loss="log_likelihood")


@pytest.mark.parametrize("output", ["sigmoid", "tanh", "identity"])
def test_one_output_unit_is_thresholded_where_its_activation_says(output):
    net = Network([1, 1], output_activation=output, seed=0)
    net.weights[0][:] = 1.0
    net.biases[0][:] = 0.0
    threshold = activations.get(output).threshold
    a = net.feedforward(np.array([[-3.0], [3.0]]))[:, 0]
    assert a[0] < threshold < a[1]
    assert net.predict(np.array([[-3.0], [3.0]])).tolist() == [0, 1]


def test_from_weights_builds_the_network_of_those_weights():
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal((3, 4)), rng.standard_normal((4, 2))]
    biases = [rng.standard_normal(4), rng.standard_normal(2)]
    net = Network.from_weights(weights, biases, activation="tanh", loss="quadratic")
    assert net.sizes == [3, 4, 2] and net.activation.name == "tanh"
    X = rng.standard_normal((5, 3))
    expected = np.tanh(np.tanh(X @ weights[0] + biases[0]) @ weights[1] + biases[1])
    np.testing.assert_allclose(net.feedforward(X), expected, rtol=1e-12)
    net.weights[0][0, 0] += 1.0  # a copy: the caller's arrays stay as they were
    assert net.weights[0][0, 0] != weights[0][0, 0]


@pytest.mark.parametrize(
    "weights, biases, message",
    [
        ([], [], "at least one.*got 0 weight matrices and 0 bias vectors"),
        ([np.zeros((3, 4))], [], "got 1 weight matrices and 0 bias vectors"),
        (
            [np.zeros((3, 4)), np.zeros((5, 2))],
            [np.zeros(4), np.zeros(2)],
            r"layer 2.*\(4, n_out\)",
        ),
        ([np.zeros((3, 4))], [np.zeros(3)], r"layer 1.*got W \(3, 4\) and b \(3,\)"),
        ([np.zeros(3)], [np.zeros(3)], r"layer 1.*got W \(3,\)"),
    ],
)
def test_from_weights_says_which_shape_is_wrong(weights, biases, message):
    with pytest.raises(ValueError, match=message):
        Network.from_weights(weights, biases)


def test_gradcheck_warnings_come_from_the_fields_not_the_names():
    """An activation with a kink at z = 1 and a loss with its own warning, under new names."""
    relu = activations.get("relu")
    shifted = activations.Activation(
        "shifted_relu", lambda z: relu.fn(z - 1.0), lambda z: relu.prime(z - 1.0), kink=1.0
    )
    loss = losses.get("quadratic")._replace(
        name="picky", numeric_warning=lambda a, y: "picky says no"
    )
    net = Network([1, 1, 1], activation=shifted, output_activation="identity", loss=loss, seed=0)
    net.weights[0][:] = 1.0
    net.biases[0][:] = 0.0
    report = check_gradients(net, np.array([[1.0]]), np.array([[1.0]]))
    assert report.warnings == [
        "layer 1: 1 shifted_relu input(s) within 1e-05 of the kink at z = 1; errors there may "
        "be from the numerical gradient, not from backprop",
        "picky says no",
    ]


def test_a_given_backprop_is_the_one_the_network_and_train_use():
    calls = []

    def my_backprop(weights, biases, X, Y):
        calls.append(Y.shape)
        return Network.from_weights(weights, biases).backprop(X, Y)

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((6, 3)), rng.integers(0, 2, 6)
    mine = Network([3, 4, 2], seed=1, backprop=my_backprop)
    own = Network([3, 4, 2], seed=1)
    for got, expected in zip(mine.gradient(X, y), own.gradient(X, y), strict=True):
        np.testing.assert_array_equal(got, expected)
    assert calls == [(6, 2)]  # integer labels arrive one-hot, as check_targets makes them
    with pytest.raises(ValueError, match="dropout needs the network's own backprop"):
        mine.backprop(X, y, dropout=0.5)
    assert Network.from_weights(own.weights, own.biases, backprop=my_backprop).backprop_fn is (
        my_backprop
    )
