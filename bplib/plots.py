"""The pictures of the course: training curves, decision regions, costs with descent paths,
activations, digits and confusion matrices.

Every function draws on ``ax`` when one is given and on a new figure otherwise, and returns
what it drew on: the Axes, or the Figure for a grid of images. None calls ``plt.show()``; the
notebook cell does. Colours come from the Okabe-Ito palette, which stays distinguishable
with every common colour-vision deficiency.
"""

import math
from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bplib import activations

# Okabe & Ito (2008), "Color Universal Design"; black last, yellow (hard to see on white) left out.
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
WRONG = "#D55E00"  # vermillion, the colour-blind-safe red
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]


def _axes(ax: Axes | None, figsize: tuple[float, float] = (6.0, 4.0)) -> Axes:
    """``ax``, or the Axes of a new figure."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _class_colors(k: int) -> list:
    """One colour per class 0..k-1: Okabe-Ito, or viridis when there are more classes."""
    if k <= len(OKABE_ITO):
        return OKABE_ITO[:k]
    return list(plt.get_cmap("viridis")(np.linspace(0.0, 1.0, k)))


def plot_history(
    history: object,
    metrics: Sequence[str] = ("loss", "accuracy"),
    ax: Axes | Sequence[Axes] | None = None,
) -> list[Axes]:
    """Training and validation curves against the epoch, one Axes per metric.

    ``history`` is a ``bplib.train.History`` (or any object with its attributes) or a dict of
    lists: ``epoch`` and, per metric m in ``metrics`` ("loss", "accuracy"), ``train_m`` and
    ``val_m``, one value per epoch. A series that is missing, empty or all NaN is not drawn.
    ``ax`` is one Axes per metric (a single Axes for one metric). Returns the list of Axes.
    """
    metrics = list(metrics)
    unknown = set(metrics) - {"loss", "accuracy"}
    if not metrics or unknown:
        raise ValueError(f"metrics must be 'loss' and/or 'accuracy', got {metrics}")
    axs: list[Axes]
    if ax is None:
        _, grid = plt.subplots(1, len(metrics), figsize=(5.0 * len(metrics), 3.5), squeeze=False)
        axs = list(grid[0])
    else:
        axs = [ax] if isinstance(ax, Axes) else list(ax)
    if len(axs) != len(metrics):
        raise ValueError(f"need one Axes per metric ({len(metrics)}), got {len(axs)}")

    def series(name: str) -> np.ndarray | None:
        values = history.get(name) if isinstance(history, Mapping) else getattr(history, name, None)
        if values is None or len(values) == 0:
            return None
        return np.asarray(values, dtype=float)

    for metric, axis in zip(metrics, axs, strict=True):
        for prefix, label, color, style in [
            ("train", "training", OKABE_ITO[0], "-"),
            ("val", "validation", OKABE_ITO[1], "--"),
        ]:
            values = series(f"{prefix}_{metric}")
            if values is None or np.all(np.isnan(values)):
                continue
            epochs = series("epoch")
            if epochs is None:
                epochs = np.arange(1, len(values) + 1)
            if len(epochs) != len(values):
                raise ValueError(
                    f"{prefix}_{metric} has {len(values)} values but there are {len(epochs)} epochs"
                )
            axis.plot(epochs, values, style, marker=".", color=color, label=label)
        axis.set_xlabel("epoch")
        axis.set_ylabel(metric)
        if axis.get_lines():
            axis.legend()
    return axs


def plot_decision_regions(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    ax: Axes | None = None,
    resolution: int = 200,
    padding: float = 0.5,
) -> Axes:
    """The class a 2-D classifier predicts, as filled regions, under the data coloured by label.

    ``X`` is (n, 2), ``y`` (n,) integer labels. ``predict`` maps (m, 2) points to (m,) labels,
    to (m,) or (m, 1) probabilities of class 1 (thresholded at 0.5), or to (m, k) scores
    (argmax). The regions cover the data plus ``padding`` on every side, on a
    ``resolution`` x ``resolution`` grid. Class c has the same colour in region and points.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2), got {X.shape}")
    if y.shape != (len(X),) or not np.all(y == np.round(y)) or np.any(y < 0):
        raise ValueError(f"y must hold {len(X)} labels 0, 1, ..., got shape {y.shape}")
    y = y.astype(int)

    x1 = np.linspace(X[:, 0].min() - padding, X[:, 0].max() + padding, resolution)
    x2 = np.linspace(X[:, 1].min() - padding, X[:, 1].max() + padding, resolution)
    X1, X2 = np.meshgrid(x1, x2)
    regions = _labels(predict(np.column_stack([X1.ravel(), X2.ravel()])), X1.size)

    k = int(max(y.max(), regions.max())) + 1
    colors = _class_colors(k)
    ax = _axes(ax)
    # Level c - 1/2 .. c + 1/2 holds class c, so band c gets colors[c].
    ax.contourf(
        X1, X2, regions.reshape(X1.shape), levels=np.arange(k + 1) - 0.5, colors=colors, alpha=0.3
    )
    for c in range(k):
        ax.scatter(
            X[y == c, 0],
            X[y == c, 1],
            color=colors[c],
            marker=MARKERS[c % len(MARKERS)],
            s=20,
            edgecolors="white",
            linewidths=0.5,
            label=f"class {c}",
        )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="best")
    return ax


def _labels(out: np.ndarray, m: int) -> np.ndarray:
    """Labels (m,) from what a classifier returned: labels, probabilities or scores."""
    out = np.asarray(out)
    if out.dtype == bool:
        out = out.astype(int)
    if out.ndim == 2 and out.shape[1] > 1:
        out = np.argmax(out, axis=1)
    out = out.reshape(-1) if out.ndim == 2 and out.shape[1] == 1 else out
    if out.shape != (m,):
        raise ValueError(f"predict must return ({m},) labels or probabilities, got {out.shape}")
    if np.all(out == np.round(out)):
        return out.astype(int)
    return (out > 0.5).astype(int)


def plot_loss_1d(
    J: Callable[[float], float],
    path: Sequence[float] | None = None,
    xlim: tuple[float, float] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """The cost $J(w)$ of one weight, and a descent path $w_0, w_1, \\dots$ on it.

    The path is drawn as points $(w_t, J(w_t))$ with an arrow from each to the next.
    ``xlim`` is the range of $w$; None fits the path (or is (-2, 2) without one).
    """
    w_path = None if path is None else np.asarray(path, dtype=float).reshape(-1)
    lo, hi = xlim if xlim is not None else _fit(w_path)
    w = np.linspace(lo, hi, 400)
    ax = _axes(ax)
    ax.plot(w, [J(v) for v in w], color=OKABE_ITO[0], label="$J(w)$")
    if w_path is not None and len(w_path):
        J_path = np.array([J(v) for v in w_path], dtype=float)
        ax.plot(w_path, J_path, "o", color=OKABE_ITO[1], label="descent path")
        _arrows(ax, w_path, J_path, OKABE_ITO[1])
    ax.set_xlabel("$w$")
    ax.set_ylabel("$J(w)$")
    ax.legend()
    return ax


def plot_loss_2d(
    J: Callable[[np.ndarray, np.ndarray], np.ndarray],
    paths: Mapping[str, np.ndarray] | None = None,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    levels: int | Sequence[float] = 20,
    ax: Axes | None = None,
    log_levels: bool = False,
) -> Axes:
    """Contour lines of a cost $J(w_1, w_2)$ and labelled descent paths on it.

    ``J`` is called once on two (200, 200) grids and must return (200, 200). ``paths`` maps
    a name to a (k, 2) array of points $(w_1, w_2)$, drawn as a line with arrows. ``xlim``,
    ``ylim``: the window; None fits the paths (or is (-2, 2) without them). ``levels``: how
    many contour lines, or their values; with ``log_levels`` that many lines spaced evenly in
    $\\log J$ (for valleys much narrower than long, where even spacing crowds the walls).
    """
    paths = {name: np.asarray(p, dtype=float) for name, p in (paths or {}).items()}
    for name, p in paths.items():
        if p.ndim != 2 or p.shape[1] != 2:
            raise ValueError(f"path {name!r} must be a (k, 2) array of points, got {p.shape}")
    points = np.concatenate(list(paths.values())) if paths else None
    x_lo, x_hi = xlim if xlim is not None else _fit(None if points is None else points[:, 0])
    y_lo, y_hi = ylim if ylim is not None else _fit(None if points is None else points[:, 1])
    W1, W2 = np.meshgrid(np.linspace(x_lo, x_hi, 200), np.linspace(y_lo, y_hi, 200))
    Z = np.asarray(J(W1, W2), dtype=float)
    if Z.shape != W1.shape:
        raise ValueError(f"J must be vectorized: J(W1, W2) on {W1.shape} grids gave {Z.shape}")
    if log_levels:
        if not isinstance(levels, (int, np.integer)):
            raise ValueError(f"log_levels needs levels to be a number of lines, got {levels!r}")
        if not np.any(Z > 0):
            raise ValueError("log_levels needs J > 0 somewhere in the window")
        levels = list(np.geomspace(Z[Z > 0].min(), Z.max(), levels))

    ax = _axes(ax, figsize=(6.0, 5.0))
    ax.contour(W1, W2, Z, levels=levels, cmap="viridis", linewidths=0.8)
    for i, (name, p) in enumerate(paths.items()):
        color = OKABE_ITO[(i + 1) % len(OKABE_ITO)]  # blue is close to viridis; start at red
        ax.plot(p[:, 0], p[:, 1], "o-", color=color, markersize=3, label=name)
        _arrows(ax, p[:, 0], p[:, 1], color)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    if paths:
        ax.legend()
    return ax


def _fit(values: np.ndarray | None) -> tuple[float, float]:
    """A range holding ``values`` with a 20% margin; (-2, 2) when there are none."""
    if values is None or len(values) == 0:
        return -2.0, 2.0
    lo, hi = float(np.min(values)), float(np.max(values))
    margin = 0.2 * (hi - lo) or 1.0
    return lo - margin, hi + margin


def _arrows(ax: Axes, x: np.ndarray, y: np.ndarray, color: str) -> None:
    """An arrow from each point (x[t], y[t]) to the next."""
    if len(x) > 1:
        ax.quiver(
            x[:-1],
            y[:-1],
            np.diff(x),
            np.diff(y),
            angles="xy",
            scale_units="xy",
            scale=1,
            color=color,
            width=0.004,
        )


def plot_activation(
    name_or_activation: str | activations.Activation,
    zlim: tuple[float, float] = (-6.0, 6.0),
    ax: Axes | None = None,
) -> Axes:
    """An activation $\\sigma(z)$ and its derivative $\\sigma'(z)$ for z in ``zlim``."""
    act = activations.get(name_or_activation)
    if not act.elementwise:
        raise ValueError(f"{act.name} is not elementwise; plot_activation draws elementwise ones")
    z = np.linspace(zlim[0], zlim[1], 400)
    ax = _axes(ax)
    ax.axhline(0.0, color="grey", linewidth=0.5)
    ax.axvline(0.0, color="grey", linewidth=0.5)
    ax.plot(z, act.fn(z), color=OKABE_ITO[0], label=f"{act.name}$(z)$")
    ax.plot(z, act.prime(z), "--", color=OKABE_ITO[1], label=f"{act.name}$'(z)$")
    ax.set_xlabel("$z$")
    ax.set_title(act.name)
    ax.legend()
    return ax


def plot_image_grid(
    images: np.ndarray,
    labels: Sequence[int] | None = None,
    predictions: Sequence[int] | None = None,
    shape: tuple[int, int] = (28, 28),
    ncols: int = 10,
) -> Figure:
    """The images in a grid, ``ncols`` to a row, dark ink on white.

    ``images`` is (n, h*w) or (n, h, w) with (h, w) = ``shape``. Titles: the label, or
    "label→prediction" when ``predictions`` are given, in vermillion when they differ.
    Returns the Figure.
    """
    images = np.asarray(images, dtype=float)
    n = len(images)
    if n == 0 or images[0].size != shape[0] * shape[1]:
        raise ValueError(
            f"images must be (n, {shape[0] * shape[1]}) or (n, *{shape}) with n > 0, "
            f"got {images.shape}"
        )
    for name, values in [("labels", labels), ("predictions", predictions)]:
        if values is not None and len(values) != n:
            raise ValueError(f"{name} must hold one entry per image ({n}), got {len(values)}")
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axs = plt.subplots(nrows, ncols, figsize=(ncols, 1.2 * nrows), squeeze=False)
    for i, ax in enumerate(axs.flat):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(images[i].reshape(shape), cmap="gray_r")
        if predictions is not None:
            wrong = labels is not None and predictions[i] != labels[i]
            title = f"{predictions[i]}" if labels is None else f"{labels[i]}→{predictions[i]}"
            ax.set_title(title, color=WRONG if wrong else "black", fontsize=9)
        elif labels is not None:
            ax.set_title(f"{labels[i]}", fontsize=9)
    fig.tight_layout()
    return fig


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    """The (k, k) counts C with C[i, j] = how many samples of class i were predicted as j.

    ``y_true`` and ``y_pred`` are (n,) integer labels in 0..k-1.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must be 1-D of one length, got {y_true.shape} and {y_pred.shape}"
        )
    for name, y in [("y_true", y_true), ("y_pred", y_pred)]:
        if y.size and (not np.all(y == np.round(y)) or y.min() < 0 or y.max() >= k):
            raise ValueError(f"{name} must hold integer labels in 0..{k - 1}, got {y}")
    counts = np.bincount(k * y_true.astype(int) + y_pred.astype(int), minlength=k * k)
    return counts.reshape(k, k)


def plot_confusion_matrix(
    y_true: np.ndarray, y_pred: np.ndarray, k: int = 10, ax: Axes | None = None
) -> Axes:
    """The confusion matrix as an image with the count in each cell.

    Rows are the true classes, columns the predicted ones; the diagonal holds the correct
    predictions. ``y_true``, ``y_pred``: (n,) labels in 0..k-1.
    """
    counts = confusion_matrix(y_true, y_pred, k)
    ax = _axes(ax, figsize=(0.5 * k + 1.5, 0.5 * k + 1.0))
    image = ax.imshow(counts, cmap="Blues")
    dark = counts > counts.max() / 2  # white numbers where the cell is dark
    for i in range(k):
        for j in range(k):
            ax.text(
                j,
                i,
                str(counts[i, j]),
                ha="center",
                va="center",
                fontsize=8,
                color="white" if dark[i, j] else "black",
            )
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.figure.colorbar(image, ax=ax, label="samples")
    return ax


def plot_deltas(
    weights: Sequence[np.ndarray],
    x: np.ndarray,
    deltas: Sequence[np.ndarray],
    ax: Axes | None = None,
) -> Axes:
    r"""A network drawn as circles and lines, each neuron of layer $l \ge 1$ coloured by its
    error $\delta^l_j$ for one sample (red positive, blue negative, white near 0) with the value
    inside, the inputs ``x`` (n_0,) in grey; a line is thicker for a larger $|W^l_{jk}|$.

    ``weights[l]`` is $W^{l+1}$ (n_l, n_{l+1}); ``deltas[l]`` is $\delta^{l+1}$ (n_{l+1},).
    """
    x = np.asarray(x, dtype=float)
    sizes = [len(x)] + [W.shape[1] for W in weights]
    if (
        len(deltas) != len(weights)
        or any(np.shape(d) != (n,) for d, n in zip(deltas, sizes[1:], strict=True))
        or any(W.shape[0] != n for W, n in zip(weights, sizes, strict=False))
    ):
        raise ValueError(
            f"expected x ({sizes[0]},), weights[l] (n_l, n_l+1) and one delta per layer of "
            f"shapes {[(n,) for n in sizes[1:]]}, got weights "
            f"{[W.shape for W in weights]} and deltas {[np.shape(d) for d in deltas]}"
        )
    limit = max(float(np.abs(d).max()) for d in deltas) or 1.0
    cmap, norm = plt.get_cmap("RdBu_r"), plt.Normalize(-limit, limit)
    gap = 1.8  # horizontal distance between layers
    heights = [(k - 1) / 2 - np.arange(k) for k in sizes]  # neuron 0 on top
    ax = _axes(ax, figsize=(7.0, 4.0))
    for l, W in enumerate(weights):
        for j, h_in in enumerate(heights[l]):
            for k, h_out in enumerate(heights[l + 1]):
                width = 0.3 + 2.0 * abs(W[j, k]) / max(float(np.abs(W).max()), 1e-300)
                ax.plot([gap * l, gap * (l + 1)], [h_in, h_out], color="0.6", lw=width, zorder=1)
    for l, hs in enumerate(heights):
        for j, h in enumerate(hs):
            color: str | tuple[float, float, float, float]
            if l == 0:
                color, text, ink = "0.9", f"x={x[j]:g}", "black"
            else:
                d = float(deltas[l - 1][j])
                color, text = cmap(norm(d)), f"{d:+.3f}"
                ink = "white" if abs(d) > 0.6 * limit else "black"
            ax.add_patch(plt.Circle((gap * l, h), 0.42, facecolor=color, ec="black", zorder=2))
            ax.text(gap * l, h, text, ha="center", va="center", fontsize=8, color=ink, zorder=3)
    names = ["input"] + [f"layer {l}" for l in range(1, len(sizes))]
    for l, name in enumerate(names):
        ax.text(gap * l, min(heights[l]) - 0.75, name, ha="center", fontsize=9)
    ax.set_xlim(-0.6, gap * (len(sizes) - 1) + 0.6)
    ax.set_ylim(-max(sizes) / 2 - 0.6, max(sizes) / 2)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.figure.colorbar(plt.cm.ScalarMappable(norm, cmap), ax=ax, label=r"$\delta$", shrink=0.7)
    return ax


def plot_graph(
    nodes: Mapping[str, tuple[float, float, str]],
    edges: Sequence[tuple[str, str]],
    values: Mapping[str, float],
    grads: Mapping[str, float],
    title: str = "",
    ax: Axes | None = None,
) -> Axes:
    r"""A computational graph with its forward values and backward derivatives.

    ``nodes`` maps a name to its position and label ``(x, y, label)``; ``edges`` lists
    ``(source, target)``. The arrow leaving a node carries ``values[node]`` on its left (blue)
    and ``grads[node]``, the output's derivative with respect to that value, on its right
    (vermillion; "?" where ``grads`` has no entry). A node with arrows in and out is an
    operation, drawn as a circle; inputs and the output are drawn as rounded boxes.
    """
    xs, ys = [p[0] for p in nodes.values()], [p[1] for p in nodes.values()]
    ax = _axes(ax, figsize=(max(xs) - min(xs) + 1, max(ys) - min(ys) + 1))
    sources, targets = {s for s, _ in edges}, {t for _, t in edges}
    for name, (x, y, label) in nodes.items():
        shape = "circle" if name in sources and name in targets else "round,pad=0.3"
        box = dict(boxstyle=shape, facecolor="white")
        ax.text(x, y, label, ha="center", va="center", fontsize=13, zorder=3, bbox=box)
    for source, target in edges:
        (x0, y0, _), (x1, y1, _) = nodes[source], nodes[target]
        arrow = dict(arrowstyle="->", shrinkA=14, shrinkB=14)
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=arrow)
        # The labels sit either side of the arrow 40% along it, where arrows into one node
        # are still apart.
        length = np.hypot(x1 - x0, y1 - y0)
        nx, ny = -(y1 - y0) / length, (x1 - x0) / length
        xm, ym = x0 + 0.4 * (x1 - x0), y0 + 0.4 * (y1 - y0)
        grad = grads.get(source)
        for side, text, color in [
            (1, f"{values[source]:.3g}", OKABE_ITO[0]),
            (-1, "?" if grad is None else f"{grad:.3g}", OKABE_ITO[1]),
        ]:
            at = (xm + 0.2 * side * nx, ym + 0.2 * side * ny)
            ax.text(*at, text, color=color, ha="center", va="center", fontsize=10)
    ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)
    ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title + "\nblue: forward value, vermillion: derivative of the output", fontsize=10)
    return ax
