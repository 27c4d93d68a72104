"""Plots: each draws the data it was given, where it was asked to, in the colours it promises."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from bplib import activations, plots  # noqa: E402
from bplib.train import History  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def line_data(line) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(line.get_xdata(), dtype=float), np.asarray(line.get_ydata(), dtype=float)


# --- confusion matrix -------------------------------------------------------------------------


def test_confusion_matrix_matches_a_hand_count():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 0, 2]
    # true 0: once right, once taken for 1; true 1: right; true 2: twice right, once taken for 0
    expected = [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert plots.confusion_matrix(y_true, y_pred, 3).tolist() == expected


@given(
    pairs=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), max_size=60),
)
def test_confusion_matrix_sums_to_n_and_its_diagonal_counts_the_correct(pairs):
    y_true = np.array([t for t, _ in pairs], dtype=int)
    y_pred = np.array([p for _, p in pairs], dtype=int)
    counts = plots.confusion_matrix(y_true, y_pred, 5)
    assert counts.shape == (5, 5)
    assert counts.sum() == len(pairs)
    assert np.trace(counts) == np.sum(y_true == y_pred)
    assert counts.sum(axis=1).tolist() == np.bincount(y_true, minlength=5).tolist()
    assert counts.sum(axis=0).tolist() == np.bincount(y_pred, minlength=5).tolist()


@pytest.mark.parametrize(
    "y_true, y_pred, message",
    [
        ([0, 1, 2], [0, 1], r"one length.*\(3,\) and \(2,\)"),
        ([0, 1, 3], [0, 1, 2], r"y_true must hold integer labels in 0..2"),
        ([0, 1, 2], [0, -1, 2], r"y_pred must hold integer labels in 0..2"),
        ([0, 1, 2], [0, 1.5, 2], r"y_pred must hold integer labels"),
    ],
)
def test_confusion_matrix_rejects_bad_labels(y_true, y_pred, message):
    with pytest.raises(ValueError, match=message):
        plots.confusion_matrix(y_true, y_pred, 3)


def test_plot_confusion_matrix_shows_the_counts_in_their_cells():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 0, 2]
    ax = plots.plot_confusion_matrix(y_true, y_pred, k=3)
    assert ax.images[0].get_array().tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    # Text at (x = column = predicted, y = row = true).
    cells = {
        (round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts
    }
    assert cells[(2, 0)] == "1" and cells[(2, 2)] == "2" and cells[(1, 0)] == "0"
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"


# --- decision regions -------------------------------------------------------------------------


def pixel_rgb(ax, x: float, y: float) -> np.ndarray:
    """The rendered colour at data point (x, y)."""
    fig = ax.figure
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    px, py = ax.transData.transform((x, y))
    return rgba[rgba.shape[0] - int(round(py)), int(round(px)), :3] / 255.0


def test_decision_regions_are_coloured_by_the_predicted_class():
    X = np.array([[-1.0, -1.0], [1.0, 1.0], [1.0, -1.0], [-1.0, 1.0]])
    y = np.array([0, 1, 2, 1])

    def predict(P):  # class 0 left, 1 top right, 2 bottom right
        return np.where(P[:, 0] < 0, 0, np.where(P[:, 1] > 0, 1, 2))

    ax = plots.plot_decision_regions(predict, X, y, padding=1.0)
    ax.get_legend().remove()  # it may sit on a probed point
    white = np.ones(3)
    alpha = 0.3  # regions are drawn with this opacity over the white background
    for point, c in [((-1.5, 0.0), 0), ((1.5, 1.5), 1), ((1.5, -1.5), 2)]:
        expected = alpha * np.array(to_rgb(plots.OKABE_ITO[c])) + (1 - alpha) * white
        assert np.allclose(pixel_rgb(ax, *point), expected, atol=0.02), (point, c)
    # The points carry the colour of their label.
    for c, collection in enumerate(ax.collections[-3:]):
        assert np.allclose(collection.get_facecolor()[0][:3], to_rgb(plots.OKABE_ITO[c]))
        assert np.array_equal(collection.get_offsets(), X[y == c])


def test_decision_regions_threshold_probabilities_at_one_half():
    X = np.array([[-1.0, 0.0], [1.0, 0.0]])
    y = np.array([0, 1])

    def probability(P):  # of class 1, rising from left to right
        return 1.0 / (1.0 + np.exp(-4.0 * P[:, :1]))

    ax = plots.plot_decision_regions(probability, X, y, padding=1.0)
    ax.get_legend().remove()
    for point, c in [((-1.5, 0.5), 0), ((1.5, 0.5), 1)]:
        expected = 0.3 * np.array(to_rgb(plots.OKABE_ITO[c])) + 0.7
        assert np.allclose(pixel_rgb(ax, *point), expected, atol=0.02)


def test_decision_regions_reject_points_that_are_not_2d():
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\), got \(4, 3\)"):
        plots.plot_decision_regions(lambda P: P[:, 0], np.zeros((4, 3)), np.zeros(4, int))


# --- costs and descent paths ------------------------------------------------------------------


def test_plot_loss_1d_draws_the_cost_and_the_path_on_it():
    def J(w):
        return (w - 1.0) ** 2

    path = [3.0, 2.0, 1.5, 1.25]
    ax = plots.plot_loss_1d(J, path=path)
    curve, points = ax.get_lines()
    w, Jw = line_data(curve)
    assert np.allclose(Jw, (w - 1.0) ** 2)
    assert w.min() < min(path) and w.max() > max(path)  # the window holds the path
    assert np.allclose(line_data(points)[0], path)
    assert np.allclose(line_data(points)[1], [4.0, 1.0, 0.25, 0.0625])
    arrows = ax.collections[0]
    assert np.allclose(arrows.U, np.diff(path)) and np.allclose(arrows.V, [-3.0, -0.75, -0.1875])


def test_plot_loss_2d_draws_one_labelled_line_per_path():
    def J(w1, w2):
        return w1**2 + 10.0 * w2**2

    paths = {
        "gd": np.array([[2.0, 1.0], [1.6, -0.8], [1.28, 0.64]]),
        "momentum": np.array([[2.0, 1.0], [1.0, 0.2]]),
    }
    ax = plots.plot_loss_2d(J, paths, xlim=(-3, 3), ylim=(-2, 2))
    lines = {line.get_label(): line_data(line) for line in ax.get_lines()}
    assert sorted(lines) == ["gd", "momentum"]
    for name, p in paths.items():
        assert np.allclose(lines[name][0], p[:, 0]) and np.allclose(lines[name][1], p[:, 1])
    assert ax.get_xlim() == (-3, 3) and ax.get_ylim() == (-2, 2)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["gd", "momentum"]


def test_plot_loss_2d_log_levels_are_evenly_spaced_in_log_j():
    def J(w1, w2):
        return 1.0 + w1**2 + 100.0 * w2**2

    ax = plots.plot_loss_2d(J, xlim=(-1, 1), ylim=(-1, 1), levels=6, log_levels=True)
    levels = ax.collections[0].levels
    assert len(levels) == 6
    assert np.allclose(np.diff(np.log(levels)), np.log(levels[1] / levels[0]))
    assert levels[0] == pytest.approx(1.0, abs=0.01) and levels[-1] == pytest.approx(102.0)


def test_plot_loss_2d_rejects_a_path_of_wrong_shape_and_unvectorized_j():
    with pytest.raises(ValueError, match=r"path 'gd' must be a \(k, 2\) array.*\(3,\)"):
        plots.plot_loss_2d(lambda a, b: a + b, {"gd": np.zeros(3)})
    with pytest.raises(ValueError, match="J must be vectorized"):
        plots.plot_loss_2d(lambda a, b: 1.0)


# --- activations, images ----------------------------------------------------------------------


def test_plot_activation_draws_sigma_and_its_derivative():
    ax = plots.plot_activation("sigmoid", zlim=(-4, 4))
    (z, s), (z2, ds) = (line_data(line) for line in ax.get_lines()[-2:])
    assert z.min() == -4 and z.max() == 4
    assert np.allclose(s, 1 / (1 + np.exp(-z)))
    assert np.allclose(ds, s * (1 - s))
    assert ds.max() == pytest.approx(0.25, abs=1e-4)


def test_plot_activation_accepts_an_activation_and_refuses_softmax():
    ax = plots.plot_activation(activations.get("relu"), zlim=(-1, 1))
    z, r = line_data(ax.get_lines()[-2])
    assert np.array_equal(r, np.maximum(z, 0))
    with pytest.raises(ValueError, match="softmax is not elementwise"):
        plots.plot_activation("softmax")


def test_image_grid_titles_mark_the_wrong_predictions():
    images = np.random.default_rng(0).random((12, 784))
    labels = list(range(10)) + [3, 3]
    predictions = list(range(10)) + [3, 8]
    fig = plots.plot_image_grid(images, labels, predictions, ncols=5)
    axs = fig.axes
    assert len(axs) == 15  # 3 rows of 5, the last 3 empty
    titles = [ax.get_title() for ax in axs[:12]]
    assert titles[0] == "0→0" and titles[11] == "3→8"
    wrong = [i for i, ax in enumerate(axs[:12]) if to_rgb(ax.title.get_color()) != (0, 0, 0)]
    assert wrong == [11]
    assert to_rgb(axs[11].title.get_color()) == to_rgb(plots.WRONG)
    assert np.array_equal(axs[4].images[0].get_array(), images[4].reshape(28, 28))
    assert all(not ax.images for ax in axs[12:])


def test_image_grid_with_labels_only_and_a_bad_shape():
    fig = plots.plot_image_grid(np.zeros((3, 4, 4)), labels=[7, 1, 2], shape=(4, 4))
    assert [ax.get_title() for ax in fig.axes] == ["7", "1", "2"]
    with pytest.raises(ValueError, match=r"images must be \(n, 784\)"):
        plots.plot_image_grid(np.zeros((3, 10)))
    with pytest.raises(ValueError, match=r"labels must hold one entry per image \(3\), got 2"):
        plots.plot_image_grid(np.zeros((3, 16)), labels=[1, 2], shape=(4, 4))


# --- training history -------------------------------------------------------------------------


def test_plot_history_draws_training_and_validation_per_metric():
    h = History(
        epoch=[1, 2, 3],
        train_loss=[0.5, 0.3, 0.2],
        train_accuracy=[0.8, 0.9, 0.95],
        val_loss=[0.6, 0.4, 0.35],
        val_accuracy=[0.75, 0.85, 0.9],
        seconds=[1.0, 1.0, 1.0],
        eta=[3.0, 3.0, 3.0],
    )
    loss_ax, acc_ax = plots.plot_history(h)
    assert loss_ax.get_ylabel() == "loss" and acc_ax.get_ylabel() == "accuracy"
    for ax, metric in [(loss_ax, "loss"), (acc_ax, "accuracy")]:
        lines = {line.get_label(): line_data(line) for line in ax.get_lines()}
        assert sorted(lines) == ["training", "validation"]
        assert lines["training"][0].tolist() == [1, 2, 3]
        assert lines["training"][1].tolist() == getattr(h, f"train_{metric}")
        assert lines["validation"][1].tolist() == getattr(h, f"val_{metric}")


def test_plot_history_skips_missing_and_nan_series_and_takes_a_dict():
    nan = math.nan
    history = {"epoch": [1, 2], "train_loss": [1.0, 0.5], "val_loss": [nan, nan]}
    (ax,) = plots.plot_history(history, metrics=["loss"])
    assert [line.get_label() for line in ax.get_lines()] == ["training"]
    assert line_data(ax.get_lines()[0])[1].tolist() == [1.0, 0.5]
    (ax,) = plots.plot_history({"train_loss": [3.0, 2.0, 1.0]}, metrics=["loss"])
    assert line_data(ax.get_lines()[0])[0].tolist() == [1, 2, 3]  # epochs counted from 1


def test_plot_history_draws_on_the_axes_given():
    fig, (a, b) = plt.subplots(1, 2)
    h = {"epoch": [1], "train_loss": [1.0], "train_accuracy": [0.5]}
    assert plots.plot_history(h, ax=[a, b]) == [a, b]
    assert len(a.get_lines()) == 1 and len(b.get_lines()) == 1
    with pytest.raises(ValueError, match=r"one Axes per metric \(2\), got 1"):
        plots.plot_history(h, ax=a)
    with pytest.raises(ValueError, match="metrics must be 'loss' and/or 'accuracy'"):
        plots.plot_history(h, metrics=["speed"])


@pytest.mark.parametrize("act", activations.ACTIVATIONS.values(), ids=activations.ACTIVATIONS)
def test_plot_activation_draws_every_elementwise_activation_and_refuses_the_others(act):
    if not act.elementwise:
        with pytest.raises(ValueError, match=f"{act.name} is not elementwise"):
            plots.plot_activation(act)
        return
    ax = plots.plot_activation(act, zlim=(-2, 2))
    (z, a), (_, da) = (line_data(line) for line in ax.get_lines()[-2:])
    np.testing.assert_array_equal(a, act.fn(z))
    np.testing.assert_array_equal(da, act.prime(z))
    assert ax.get_title() == act.name
