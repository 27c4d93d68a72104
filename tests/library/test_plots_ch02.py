"""plot_graph: a computational graph with a value above and a derivative below every arrow."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

from bplib import plots  # noqa: E402

# f = (x + y) z
NODES = {
    "x": (0, 2.4, "x"),
    "y": (0, 1.2, "y"),
    "z": (0, 0, "z"),
    "q": (2, 1.8, "+"),
    "f": (4, 0.9, "×"),
    "out": (5.5, 0.9, "f"),
}
EDGES = [("x", "q"), ("y", "q"), ("q", "f"), ("z", "f"), ("f", "out")]
VALUES = {"x": -2.0, "y": 5.0, "z": -4.0, "q": 3.0, "f": -12.0}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(ax) -> dict[str, list]:
    """{text: [its colours]} of the Axes' text labels (the arrows are empty annotations)."""
    found: dict[str, list] = {}
    for t in ax.texts:
        if t.get_text():
            found.setdefault(t.get_text(), []).append(to_rgb(t.get_color()))
    return found


def test_every_arrow_carries_its_value_in_blue_and_its_derivative_in_vermillion():
    grads = {"x": -4.0, "y": -4.0, "z": 3.0, "q": -4.0, "f": 1.0}
    ax = plots.plot_graph(NODES, EDGES, VALUES, grads, title="f")
    labels = texts(ax)
    blue, vermillion = to_rgb(plots.OKABE_ITO[0]), to_rgb(plots.OKABE_ITO[1])
    for value in ["-2", "5", "-4", "3", "-12"]:
        assert blue in labels[value], value
    assert labels["-4"].count(vermillion) == 3 and vermillion in labels["1"]
    assert labels["3"].count(vermillion) == 1
    assert sum(len(v) for v in labels.values()) == len(NODES) + 2 * len(EDGES)
    assert ax.get_title().startswith("f\n")


def test_a_missing_derivative_is_a_question_mark():
    ax = plots.plot_graph(NODES, EDGES, VALUES, {"f": 1.0})
    assert texts(ax)["?"] == [to_rgb(plots.OKABE_ITO[1])] * 4


def test_operations_are_circles_and_inputs_and_output_are_boxes():
    ax = plots.plot_graph(NODES, EDGES, VALUES, {})
    styles = {
        t.get_text(): type(t.get_bbox_patch().get_boxstyle()).__name__
        for t in ax.texts
        if isinstance(t.get_bbox_patch(), FancyBboxPatch)
    }
    assert styles == {
        "x": "Round",
        "y": "Round",
        "z": "Round",
        "+": "Circle",
        "×": "Circle",
        "f": "Round",
    }


def test_it_draws_on_the_axes_it_is_given_and_fits_the_nodes():
    fig, ax = plt.subplots()
    assert plots.plot_graph(NODES, EDGES, VALUES, {}, ax=ax) is ax
    assert ax.get_xlim() == (-0.5, 6.0) and ax.get_ylim() == (-0.5, 2.9)
    assert sum(len(v) for v in texts(ax).values()) == len(NODES) + 2 * len(EDGES)
    arrows = [t for t in ax.texts if not t.get_text()]
    assert len(arrows) == len(EDGES)
