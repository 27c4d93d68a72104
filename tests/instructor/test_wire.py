"""bplib.instructor.wire: what crosses the kernel boundary comes back equal, callables cross as
handles, arguments changed in place are written back, and an ill-formed or hostile message is
refused without running anything."""

import json

import numpy as np
import pytest

from bplib import activations, losses
from bplib.instructor import wire
from bplib.network import Network


class Pair:
    """A grader's codec and a kernel's codec, each calling the other's functions."""

    def __init__(self) -> None:
        self.grader = wire.Codec(self.call_kernel)
        self.kernel = wire.Codec(self.call_grader)

    def call_kernel(self, handle: int, args: tuple):
        fn = self.kernel.handed_out[handle]
        got = self.kernel.loads(self.grader.dumps(list(args)))
        return self.grader.loads(self.kernel.dumps(fn(*got)))

    def call_grader(self, handle: int, args: tuple):
        fn = self.grader.handed_out[handle]
        got = self.grader.loads(self.kernel.dumps(list(args)))
        return self.kernel.loads(self.grader.dumps(fn(*got)))

    def to_kernel(self, value):
        return self.kernel.loads(self.grader.dumps(value))


VALUES = [
    None,
    True,
    3,
    -2.5,
    float("inf"),
    "✔ text",
    [1, [2.0, "x"]],
    (1, (2, 3)),
    {"a": 1, "b": [2]},
    {"one key": 1},
    {1: "int key", (2, 3): "tuple key"},
    np.array(-1.0),  # 0-d stays 0-d
    np.arange(12, dtype=np.int32).reshape(3, 4),
    np.array([[True, False]]),
    np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    np.zeros((0, 3)),
    np.float32(1.5),
    np.int64(7),
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_plain_data_comes_back_equal_and_of_the_same_type(value):
    got = Pair().to_kernel(value)
    assert type(got) is type(value)
    if isinstance(value, np.ndarray):
        assert got.dtype == value.dtype and got.shape == value.shape
        np.testing.assert_array_equal(got, value)
        assert got.flags.writeable
    else:
        assert got == value


def test_a_generator_crosses_with_its_state_and_its_draws_go_back():
    pair = Pair()
    rng = np.random.default_rng(5)
    rng.random(3)
    copy = pair.to_kernel(rng)
    assert copy.random() == np.random.default_rng(5).random(4)[3]
    wire.write_back(rng, pair.grader.loads(pair.kernel.dumps(copy)))
    assert rng.random() == np.random.default_rng(5).random(5)[4]


def test_a_network_crosses_with_its_parameters_activations_loss_and_backprop():
    pair = Pair()
    calls = []

    def backprop(weights, biases, X, Y):
        calls.append(len(weights))
        return [np.zeros_like(b) for b in biases], [np.zeros_like(W) for W in weights]

    net = Network([3, 4, 2], "tanh", "sigmoid", loss="cross_entropy", seed=1, backprop=backprop)
    copy = pair.to_kernel(net)
    assert isinstance(copy, Network) and copy.sizes == [3, 4, 2]
    assert copy.activation is activations.get("tanh")
    assert copy.output_activation is activations.get("sigmoid")
    assert copy.loss is losses.get("cross_entropy")
    for mine, theirs in zip(net.parameters(), copy.parameters(), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    copy.backprop_fn(copy.weights, copy.biases, np.zeros((1, 3)), np.zeros((1, 2)))
    assert calls == [2]  # the kernel's copy called the grader's function
    weights = net.weights[0]
    copy.weights[0] += 1.0  # the student's step, in place
    copy.biases[1] = np.ones(2)  # or by assignment
    wire.write_back(net, pair.grader.loads(pair.kernel.dumps(copy)))
    assert net.weights[0] is weights and np.array_equal(weights, copy.weights[0])
    assert np.array_equal(net.biases[1], np.ones(2))


def test_callables_cross_as_handles_both_ways():
    pair = Pair()

    def J(w):
        return float(w**2)

    def student(J, w):
        return J(w) + 1, student

    remote_student = pair.grader.loads(pair.kernel.dumps(student))
    assert isinstance(remote_student, wire.Remote)
    value, itself = remote_student(J, 3.0)
    assert value == 10.0
    assert pair.to_kernel(itself) is student  # a handle goes home as the object itself


def test_an_iterator_is_read_on_its_side_and_arrives_as_an_iterator():
    got = Pair().to_kernel(iter([(np.zeros(2), 1), (np.ones(2), 2)]))
    items = list(got)
    assert len(items) == 2 and np.array_equal(items[1][0], np.ones(2))


def test_what_cannot_cross_arrives_as_an_inert_stand_in():
    class Secret:
        def __repr__(self):
            return "Secret()"

    got = Pair().to_kernel(Secret())
    assert isinstance(got, wire.Opaque) and repr(got) == "Secret()" and got.type_name == "Secret"


@pytest.mark.parametrize(
    "message",
    [
        '{"array": ["|O", [1], "AA=="]}',  # object dtype: pickle in disguise
        '{"array": ["<f8", [2], "AAAAAAAA8L8="]}',  # 8 bytes for 2 floats
        '{"array": ["<f8", [-1], ""]}',
        '{"rng": ["os.system", {}]}',
        '{"yours": 3}',  # a handle never handed out
        '{"yours": true}',
        '{"__reduce__": ["os.system", "echo hi"]}',
        '{"network": {"weights": []}}',
        '{"activation": "no such"}',
        "[" * 60 + "]" * 60,
        "not json",
    ],
)
def test_an_ill_formed_or_hostile_message_is_refused(message):
    with pytest.raises(wire.WireError):
        wire.Codec(lambda *a: None).loads(message)


def test_exceptions_keep_their_name_text_and_builtin_type():
    class AxisLikeError(IndexError):
        pass

    rebuilt = wire.rebuild(json.loads(json.dumps(wire.describe(AxisLikeError("axis 2")))))
    assert type(rebuilt).__name__ == "AxisLikeError" and isinstance(rebuilt, IndexError)
    assert str(rebuilt) == "axis 2"
    assert type(wire.rebuild(wire.describe(NotImplementedError()))) is NotImplementedError
    hostile = wire.rebuild({"type": "x; import os", "builtin": "SystemExit", "message": "m"})
    assert type(hostile).__name__ == "Error" and not isinstance(hostile, SystemExit)


def test_write_back_changes_lists_and_dicts_in_place():
    array = np.zeros(2)
    given = [array, 1, {"a": np.zeros(1)}]
    wire.write_back(given, [np.ones(2), 5, {"a": np.ones(1), "b": 2}])
    assert given[0] is array and np.array_equal(array, np.ones(2))
    assert given[1] == 5 and given[2]["b"] == 2 and np.array_equal(given[2]["a"], np.ones(1))
