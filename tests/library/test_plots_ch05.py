"""plot_deltas (chapter 05): one circle per neuron coloured by the sign of its delta, the value
written inside, thicker lines for larger weights, and a clear error for mismatched shapes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

from bplib import plots  # noqa: E402

WEIGHTS = [np.array([[1.0, -2.0], [0.5, 0.0], [0.1, 3.0]]), np.array([[0.2], [-4.0]])]
X = np.array([1.0, -0.5, 0.2])
DELTAS = [np.array([-0.3, 0.0]), np.array([0.6])]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_each_neuron_is_coloured_by_the_sign_of_its_delta_and_labelled_with_it():
    ax = plots.plot_deltas(WEIGHTS, X, DELTAS)
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    assert len(circles) == 3 + 2 + 1
    red, green, blue, _ = zip(*(c.get_facecolor() for c in circles[3:]), strict=True)
    # hidden unit 0: negative (blue); hidden unit 1: zero (white); output: positive (red)
    assert blue[0] > red[0] and red[2] > blue[2]
    assert min(red[1], green[1], blue[1]) > 0.95
    texts = [t.get_text() for t in ax.texts]
    assert {"x=1", "x=-0.5", "x=0.2", "-0.300", "+0.000", "+0.600"} <= set(texts)


def test_a_larger_weight_draws_a_thicker_line():
    ax = plots.plot_deltas(WEIGHTS, X, DELTAS)
    widths = [line.get_linewidth() for line in ax.get_lines()]
    assert len(widths) == 3 * 2 + 2 * 1
    # the first layer's lines in the order (j, k): |W| = 1, 2, 0.5, 0, 0.1, 3
    first = widths[:6]
    assert np.argmax(first) == 5 and np.argmin(first) == 3


def test_it_draws_on_the_axes_it_is_given():
    fig, ax = plt.subplots()
    assert plots.plot_deltas(WEIGHTS, X, DELTAS, ax=ax) is ax


@pytest.mark.parametrize(
    "weights, deltas",
    [
        (WEIGHTS, DELTAS[:1]),
        (WEIGHTS, [np.array([0.1, 0.2, 0.3]), np.array([0.6])]),
        ([WEIGHTS[0].T, WEIGHTS[1]], DELTAS),
    ],
)
def test_mismatched_shapes_are_refused_with_the_shapes(weights, deltas):
    with pytest.raises(ValueError, match=r"expected x \(3,\).*got weights"):
        plots.plot_deltas(weights, X, deltas)
