"""The checks of chapter 04 name each common slip (their contract is in test_contract.py)."""

import textwrap

import numpy as np
import pytest
from cases_ch04 import collapse_linear, count_parameters, network_forward, xor_network

from bplib.activations import sigmoid
from bplib.checks import ch04 as check
from bplib.network import Network

# Slips


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (lambda a, W, b, sigma: sigma(W @ a + b), "sums over the first index of W"),
        (lambda a, W, b, sigma: sigma(a @ W.T + b), "W was used transposed"),
        (lambda a, W, b, sigma: sigma((W @ a.T).T + b), "W was used transposed"),
        (lambda a, W, b, sigma: sigma(a @ W), "the bias is missing"),
        (
            lambda a, W, b, sigma: sigma(a) @ W + b,
            "σ was applied to the input before the weighted sum",
        ),
        (lambda a, W, b, sigma: sigma(a @ W) + b, "the bias was added after σ"),
        (lambda a, W, b, sigma: a @ W + b, "the activation is missing"),
        (lambda a, W, b, sigma: sigmoid(a @ W + b), "the sigmoid was used instead"),
    ],
)
def test_slips_in_a_layer_are_named(slip, cause, failure):
    assert cause in failure(check.layer_forward, slip)


def test_the_transposed_result_gets_the_shape_hint(failure):
    message = failure(check.layer_forward, lambda a, W, b, sigma: sigma(a @ W + b).T)
    assert "the transpose" in message


def without_input(X, weights, biases, sigma):
    return network_forward(X, weights, biases, sigma)[1:]


def linear_output(X, weights, biases, sigma):
    acts = network_forward(X, weights[:-1], biases[:-1], sigma)
    return acts + [acts[-1] @ weights[-1] + biases[-1]]


def sigma_of_input(X, weights, biases, sigma):
    return network_forward(sigma(X), weights, biases, sigma)


def no_biases(X, weights, biases, sigma):
    return network_forward(X, weights, [0.0 * b for b in biases], sigma)


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (without_input, "The list starts with the input itself, a^0 = X"),
        (linear_output, "the last layer has no activation"),
        (sigma_of_input, "a^0 is the input X itself"),
        (no_biases, "a^1 (the output of layer 1 of 2) on the worked example"),
        (no_biases, "the bias is missing"),
    ],
)
def test_slips_in_the_network_are_named(slip, cause, failure):
    assert cause in failure(check.network_forward, slip)


def test_a_wrong_deep_layer_is_named(failure):
    def wrong_last(X, weights, biases, sigma):
        acts = network_forward(X, weights, biases, sigma)
        return acts[:-1] + [acts[-1] + 0.01]

    assert "a^2 (the output of layer 2 of 2) on the worked example" in failure(
        check.network_forward, wrong_last
    )


def n_weights(sizes):
    return sum(n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True))


@pytest.mark.parametrize(
    ("slip", "cause"),
    [
        (n_weights, "the biases are missing"),
        (lambda sizes: count_parameters(sizes) + sizes[0], "the input layer was given biases"),
        (lambda sizes: n_weights(sizes) + sum(sizes[:-1]), "one bias per input unit"),
        (sum, "that counts the neurons"),
    ],
)
def test_slips_in_counting_are_named(slip, cause, failure):
    assert cause in failure(check.count_parameters, slip)


def scaled(factor, W2_sign=1.0, b1=(-10.0, -30.0), b2=-10.0):
    """The reference XOR network with every weight and bias times ``factor``."""

    def network():
        weights, _ = xor_network()
        biases = [np.array(b1), np.array([b2])]
        weights[1] = W2_sign * weights[1]
        return [factor * W for W in weights], [factor * b for b in biases]

    return network


def column_form():
    weights, biases = xor_network()
    return [weights[0], weights[1].T], biases


def close_to_the_corners():
    # Hidden boundaries at x1 + x2 = 0.025 and 1.975: right at the corners, wrong just beside.
    W1 = np.full((2, 2), 400.0)
    return [W1, np.array([[20.0], [-20.0]])], [np.array([-10.0, -790.0]), np.array([-10.0])]


@pytest.mark.parametrize(
    ("network", "kwargs", "cause"),
    [
        (scaled(1.0, W2_sign=-1.0, b2=10.0), {}, "XNOR"),
        (scaled(1.0, b1=(-10.0, -50.0)), {}, "the network computes OR"),
        (scaled(0.2), {}, "not by the margin"),
        (column_form, {}, "Nielsen's column form"),
        (lambda: xor_network()[0], {}, "must be a list of 2 arrays"),
        (close_to_the_corners, {"noise": 0.1}, "land on the wrong side of 0.5"),
    ],
)
def test_wrong_xor_networks_are_named(network, kwargs, cause, failure):
    assert cause in failure(check.xor_network, network, **kwargs)


def test_building_a_network_to_count_is_refused(failure):
    def by_net(sizes):
        net = Network(sizes)
        return sum(W.size + b.size for W, b in zip(net.weights, net.biases, strict=True))

    assert "your code calls bplib.network.Network.__init__" in failure(
        check.count_parameters, by_net
    )


# One slip is charged once: network_forward is judged with a correct layer_forward when the
# student's is wrong. Both are defined in one namespace, as the notebook's cells define them.
NETWORK = """
def network_forward(X, weights, biases, sigma):
    a = [X]
    for W, b in zip(weights, biases):
        a.append(layer_forward(a[-1], W, b, sigma))
    return a{slip}
"""


def notebook(layer: str, slip: str = "") -> dict:
    scope: dict = {"np": np}
    source = textwrap.dedent(layer) + NETWORK.format(slip=slip)
    exec(compile(source, "/tmp/ipykernel_1/1.py", "exec"), scope)
    return scope


WRONG_LAYER = """
def layer_forward(a, W, b, sigma):
    return sigma(a @ W)
"""


def test_a_wrong_layer_forward_is_not_charged_to_network_forward(capsys):
    scope = notebook(WRONG_LAYER)
    theirs = scope["layer_forward"]
    check.network_forward(scope["network_forward"])
    out = capsys.readouterr().out
    assert "your network_forward itself is right. It fails with your layer_forward" in out
    assert out.endswith("✔ network_forward: passed\n")
    assert scope["layer_forward"] is theirs  # restored after the check


def test_an_unfinished_layer_forward_is_not_charged_to_network_forward(capsys):
    scope = notebook("def layer_forward(a, W, b, sigma):\n    raise NotImplementedError()\n")
    check.network_forward(scope["network_forward"])
    assert capsys.readouterr().out.endswith("✔ network_forward: passed\n")


def test_a_fault_in_network_forward_itself_is_still_named(failure):
    scope = notebook(WRONG_LAYER, slip="[1:]")
    message = failure(check.network_forward, scope["network_forward"])
    assert "The list starts with the input itself" in message
    assert "the fault is in network_forward itself" in message


def test_with_a_right_layer_forward_the_fault_is_network_forwards_alone(failure):
    scope = notebook("def layer_forward(a, W, b, sigma):\n    return sigma(a @ W + b)\n", "[1:]")
    message = failure(check.network_forward, scope["network_forward"])
    assert "The list starts with the input itself" in message
    assert "the fault is in network_forward itself" in message


def product_reversed(weights, biases):
    W, b = weights[0], biases[0]
    for W_l, b_l in zip(weights[1:], biases[1:], strict=True):
        W, b = W_l @ W, b @ W_l + b_l
    return W, b


def biases_summed(weights, biases):
    return collapse_linear(weights, biases)[0], sum(biases)


def through_all(weights, biases):
    W, b = weights[0], biases[0]
    for W_l, b_l in zip(weights[1:], biases[1:], strict=True):
        W = W @ W_l
        b = b @ W + b_l
    return W, b


def through_its_own(weights, biases):
    W, b = weights[0], biases[0]
    for W_l, b_l in zip(weights[1:], biases[1:], strict=True):
        W, b = W @ W_l, (b + b_l) @ W_l
    return W, b


def last_left_out(weights, biases):
    return collapse_linear(weights[:-1], biases[:-1])


@pytest.mark.parametrize(
    ("slip", "kwargs", "cause"),
    [
        (product_reversed, {}, "multiplied in the reverse order"),
        (biases_summed, {}, "the biases were added up"),
        (lambda ws, bs: (collapse_linear(ws, bs)[0], bs[-1]), {}, "the last layer's bias alone"),
        (through_all, {}, "the product of all the weights so far"),
        (through_its_own, {}, "multiplied by its own weights"),
        (last_left_out, {}, "the last layer was left out"),
        (lambda ws, bs: (ws[-1], bs[-1]), {}, "the last layer's weights alone"),
        (lambda ws, bs: collapse_linear(ws, bs)[0], {}, "expected a pair (W, b)"),
    ],
)
def test_slips_in_collapsing_linear_layers_are_named(slip, kwargs, cause, failure):
    assert cause in failure(check.collapse_linear, slip, **kwargs)


def test_any_correct_collapse_passes(passes):
    def by_probing(weights, biases):
        # The network at X = 0 is b, and at the unit vectors it is the rows of W plus b.
        out = np.eye(len(weights[0]) + 1, len(weights[0]), k=-1)
        for W, b in zip(weights, biases, strict=True):
            out = out @ W + b
        return out[1:] - out[0], out[0]

    passes(check.collapse_linear, by_probing)
    passes(check.collapse_linear, by_probing, seed=3, sizes=(1, 1))


def test_no_message_of_a_layer_gives_the_formula(failure):
    slips = [
        lambda a, W, b, sigma: sigma(a @ W),
        lambda a, W, b, sigma: a @ W + b,
        lambda a, W, b, sigma: sigma(W @ a + b),
        lambda a, W, b, sigma: sigma(a @ W.T + b),
        lambda a, W, b, sigma: sigma(a) @ W + b,
    ]
    for slip in slips:
        message = failure(check.layer_forward, slip)
        assert "a W + b" not in message and "a @ W" not in message
