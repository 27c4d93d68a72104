"""The small data sets: exact gates, shapes and dtypes, seeds, balance, the geometry each
docstring promises; one_hot and train_val_split, and their errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bplib import data

CORNERS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]


@pytest.mark.parametrize(
    ("gate", "labels"),
    [(data.xor, [0, 1, 1, 0]), (data.and_gate, [0, 0, 0, 1]), (data.or_gate, [0, 1, 1, 1])],
)
def test_gates_are_the_four_corners_with_their_truth_table(gate, labels):
    X, y = gate()
    assert X.dtype == np.float64 and X.shape == (4, 2)
    assert y.dtype == np.int64 and y.shape == (4,)
    np.testing.assert_array_equal(X, CORNERS)
    np.testing.assert_array_equal(y, labels)


def test_gates_return_fresh_arrays():
    X, y = data.xor()
    X[0, 0], y[0] = 9.0, 9
    np.testing.assert_array_equal(data.xor()[0], CORNERS)
    assert data.xor()[1][0] == 0


# call with a seed, number of samples, number of classes
CLASSIFICATION = {
    "moons": (lambda seed: data.moons(seed=seed), 200, 2),
    "circles": (lambda seed: data.circles(seed=seed), 200, 2),
    "spirals": (lambda seed: data.spirals(seed=seed), 300, 3),
    "spirals-5": (lambda seed: data.spirals(n=101, classes=5, seed=seed), 101, 5),
    "blobs": (lambda seed: data.blobs(seed=seed), 200, 3),
    "blobs-4": (lambda seed: data.blobs(n=50, centers=4, seed=seed), 50, 4),
}
each_set = pytest.mark.parametrize(
    ("make", "n", "classes"), CLASSIFICATION.values(), ids=CLASSIFICATION.keys()
)


@each_set
def test_classification_sets_shapes_dtypes_and_balance(make, n, classes):
    X, y = make(0)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=classes)
    assert len(counts) == classes, "labels outside 0..classes-1"
    assert counts.max() - counts.min() <= 1, f"unbalanced classes {counts}"
    assert np.all(np.isfinite(X))


@each_set
def test_classification_sets_depend_on_the_seed_and_only_on_it(make, n, classes):
    X0, y0 = make(0)
    X0_again, y0_again = make(0)
    X1, _ = make(1)
    np.testing.assert_array_equal(X0, X0_again)
    np.testing.assert_array_equal(y0, y0_again)
    assert not np.allclose(X0, X1)
    X_fresh, _ = make(None)
    assert X_fresh.shape == X0.shape


def test_regression_1d_is_a_noisy_sine_on_minus_one_to_one():
    X, Y = data.regression_1d()
    assert X.shape == Y.shape == (100, 1)
    assert X.dtype == Y.dtype == np.float64
    X, Y = data.regression_1d(n=20_000, noise=0.1, seed=3)
    assert X.min() >= -1.0 and X.max() <= 1.0
    assert X.min() < -0.99 and X.max() > 0.99  # uniform over the whole interval
    residual = Y - np.sin(np.pi * X)
    assert abs(residual.mean()) < 0.005
    assert residual.std() == pytest.approx(0.1, rel=0.03)


def test_regression_1d_without_noise_is_exactly_the_sine_and_seeded():
    X, Y = data.regression_1d(n=50, noise=0.0, seed=7)
    np.testing.assert_array_equal(Y, np.sin(np.pi * X))
    np.testing.assert_array_equal(X, data.regression_1d(n=50, noise=0.0, seed=7)[0])
    assert not np.allclose(X, data.regression_1d(n=50, noise=0.0, seed=8)[0])


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = data.moons(n=400, noise=0.0, seed=1)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    assert np.all(upper[:, 1] >= 0.0)
    np.testing.assert_allclose(np.hypot(*(lower - [1.0, 0.5]).T), 1.0)
    assert np.all(lower[:, 1] <= 0.5)


def test_moons_noise_has_the_given_scale():
    X, y = data.moons(n=4000, noise=0.2, seed=1)
    X0, _ = data.moons(n=4000, noise=0.0, seed=1)
    # The same seed draws the same angles; the noise comes after them.
    assert (X - X0).std() == pytest.approx(0.2, rel=0.05)


def test_circles_without_noise_have_radii_one_and_factor():
    X, y = data.circles(n=300, noise=0.0, factor=0.3, seed=2)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)
    angle = np.arctan2(X[:, 1], X[:, 0])
    assert angle.min() < -3.0 and angle.max() > 3.0  # the whole circle, not an arc


def test_spirals_without_noise_follow_theta_equal_four_times_class_plus_radius():
    X, y = data.spirals(n=300, classes=3, noise=0.0, seed=4)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.max() <= 1.0
    theta = np.arctan2(X[:, 0], X[:, 1])  # the point is r (sin theta, cos theta)
    difference = np.angle(np.exp(1j * (theta - 4.0 * (y + r))))
    np.testing.assert_allclose(difference, 0.0, atol=1e-9)


def test_blobs_are_centred_on_a_circle_of_radius_five_with_the_given_spread():
    X, y = data.blobs(n=30_000, centers=3, std=0.5, seed=5)
    angle = 2 * np.pi * np.arange(3) / 3
    for c in range(3):
        cluster = X[y == c]
        np.testing.assert_allclose(
            cluster.mean(axis=0), [5 * np.cos(angle[c]), 5 * np.sin(angle[c])], atol=0.02
        )
        np.testing.assert_allclose(cluster.std(axis=0), 0.5, rtol=0.03)


# --- one_hot --------------------------------------------------------------------------------

LABELS = hnp.arrays(np.int64, st.integers(0, 40), elements=st.integers(0, 12))


@settings(max_examples=60, deadline=None)
@given(y=LABELS, extra=st.integers(0, 3))
def test_one_hot_round_trips_through_argmax(y, extra):
    k = int(y.max(initial=0)) + 1 + extra
    Y = data.one_hot(y, k)
    assert Y.shape == (len(y), k) and Y.dtype == np.float64
    assert set(np.unique(Y)) <= {0.0, 1.0}
    np.testing.assert_array_equal(Y.sum(axis=1), 1.0)
    np.testing.assert_array_equal(Y.argmax(axis=1), y)


@settings(max_examples=30, deadline=None)
@given(y=LABELS.filter(lambda y: y.size > 0))
def test_one_hot_defaults_to_max_label_plus_one_columns(y):
    Y = data.one_hot(y)
    assert Y.shape == (len(y), y.max() + 1)
    np.testing.assert_array_equal(Y.argmax(axis=1), y)


def test_one_hot_of_a_list_and_of_unsigned_labels():
    expected = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    np.testing.assert_array_equal(data.one_hot([1, 2, 0]), expected)
    np.testing.assert_array_equal(data.one_hot(np.array([1, 2, 0], dtype=np.uint8)), expected)


@pytest.mark.parametrize(
    ("y", "k", "message"),
    [
        (np.array([[0, 1], [1, 0]]), None, "shape (n,)"),
        (np.array([0.0, 1.0, 0.5]), None, "integer"),
        (np.array([0, -1, 2]), None, "0 or more, got -1"),
        (np.array([0, 3, 1]), 3, "label 3 is out of range for k = 3"),
    ],
    ids=["2-D", "float", "negative", "too large"],
)
def test_one_hot_rejects_bad_labels_saying_why(y, k, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        data.one_hot(y, k)


# --- train_val_split ------------------------------------------------------------------------


def test_train_val_split_partitions_the_rows_keeping_pairs():
    X = np.arange(50.0).reshape(25, 2)
    y = np.arange(25) * 10
    X_train, y_train, X_val, y_val = data.train_val_split(X, y, val_fraction=0.2, seed=0)
    assert X_train.shape == (20, 2) and X_val.shape == (5, 2)
    assert y_train.shape == (20,) and y_val.shape == (5,)
    rows = np.concatenate([X_train[:, 0], X_val[:, 0]]) / 2
    np.testing.assert_array_equal(np.sort(rows), np.arange(25))
    np.testing.assert_array_equal(np.concatenate([y_train, y_val]), rows * 10)
    assert not np.array_equal(rows, np.arange(25)), "the rows were not shuffled"


def test_train_val_split_is_seeded():
    X, y = data.moons(n=40)
    first = data.train_val_split(X, y, seed=3)
    again = data.train_val_split(X, y, seed=3)
    other = data.train_val_split(X, y, seed=4)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[2], other[2])


@pytest.mark.parametrize(
    ("fraction", "n_val"), [(0.0, 0), (1.0, 10), (0.3, 3), (0.29, 3), (0.5, 5)]
)
def test_train_val_split_sizes(fraction, n_val):
    X, y = np.zeros((10, 3)), np.zeros(10, dtype=np.int64)
    X_train, y_train, X_val, y_val = data.train_val_split(X, y, val_fraction=fraction)
    assert len(X_val) == len(y_val) == n_val
    assert len(X_train) == len(y_train) == 10 - n_val


def test_train_val_split_errors():
    with pytest.raises(ValueError, match="X has 3 rows but y has 2"):
        data.train_val_split(np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="val_fraction must be between 0 and 1, got 1.5"):
        data.train_val_split(np.zeros((3, 2)), np.zeros(3), val_fraction=1.5)
