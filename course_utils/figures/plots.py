"""Figure helpers shared by the chapters.

Everything here draws with matplotlib and returns the ``Axes`` (or ``Figure``)
it drew on, so a notebook can add to a figure or test what was drawn.

- :func:`use_style` — the one plot style of the course (``setup()`` calls it).
- :func:`plot_history` — training curves of one or more Keras runs.
- :func:`plot_sequences` — a series with targets and predictions.
- :func:`plot_heatmap` — a matrix with labelled axes (attention, confusion,
  transition matrices).
- :func:`draw_diagram` — boxes and arrows for model diagrams and maps.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from ..validation import check_array

#: Colour-blind-safe palette (Okabe & Ito 2008) used across the course.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

_STYLE = {
    "figure.figsize": (7.0, 3.6),
    "figure.dpi": 90,
    "savefig.dpi": 110,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "lines.linewidth": 1.6,
    "image.cmap": "viridis",
    "figure.constrained_layout.use": True,
}


def use_style():
    """Apply the course's matplotlib style (idempotent)."""
    mpl.rcParams.update(_STYLE)
    mpl.rcParams["axes.prop_cycle"] = mpl.cycler(color=PALETTE)


def _axes(ax, figsize=None):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _history_dict(history):
    """Accept a keras History, its ``.history`` dict, or a dict of lists."""
    if hasattr(history, "history") and isinstance(history.history, Mapping):
        return history.history
    if isinstance(history, Mapping):
        return history
    raise ValueError(
        "history must be a keras History or a dict of metric name -> list of values, "
        f"got {type(history).__name__}"
    )


def plot_history(histories, metric="loss", *, validation=True, logy=False, ax=None, title=None):
    """Training curves of one run or several runs side by side.

    Args:
        histories: a keras ``History`` / dict of lists, or a mapping
            ``label -> History`` to compare runs.
        metric: the metric to plot, e.g. ``"loss"`` or ``"accuracy"``.
        validation: also plot ``"val_" + metric`` when it was recorded (dashed).
        logy: logarithmic y axis.
        ax: matplotlib Axes to draw on (a new figure if None).
        title: axes title.
    """
    if isinstance(histories, Mapping) and histories and all(
        hasattr(h, "history") or isinstance(h, Mapping) for h in histories.values()
    ) and metric not in histories:
        runs = dict(histories)
    else:
        runs = {"": histories}
    ax = _axes(ax)
    for i, (label, history) in enumerate(runs.items()):
        h = _history_dict(history)
        if metric not in h:
            raise ValueError(
                f"metric {metric!r} was not recorded in run {label or 0!r}; "
                f"recorded: {sorted(h)}"
            )
        color = PALETTE[i % len(PALETTE)]
        epochs = np.arange(1, len(h[metric]) + 1)
        ax.plot(epochs, h[metric], color=color, label=f"{label} train".strip())
        if validation and f"val_{metric}" in h:
            ax.plot(epochs, h[f"val_{metric}"], color=color, ls="--",
                    label=f"{label} validation".strip())
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def plot_sequences(x=None, *, series=None, t=None, ax=None, title=None, xlabel="time step t",
                   ylabel=None, styles=None):
    """Plot one or more 1-D series against time.

    Args:
        x: a single 1-D series (plotted as "input"), optional.
        series: mapping ``label -> 1-D array`` of further series, e.g.
            ``{"target": y, "LSTM": y_hat}``. Series may be shorter than ``t``
            and are then aligned to its end (forecasts after a history).
        t: time axis (defaults to 0..n-1 of the longest series).
        styles: mapping ``label -> dict`` of extra ``ax.plot`` keywords.
    """
    named = {}
    if x is not None:
        named["input"] = check_array(x, "x", ndim=1)
    for label, s in (series or {}).items():
        named[label] = check_array(s, f"series[{label!r}]", ndim=1)
    if not named:
        raise ValueError("plot_sequences needs x or series, got neither")
    n = max(len(s) for s in named.values())
    t = np.arange(n) if t is None else check_array(t, "t", ndim=1)
    if len(t) < n:
        raise ValueError(f"t has {len(t)} points but the longest series has {n}")
    ax = _axes(ax)
    for label, s in named.items():
        ax.plot(t[len(t) - len(s):], s, label=label, **(styles or {}).get(label, {}))
    ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if len(named) > 1:
        ax.legend()
    return ax


def plot_heatmap(matrix, *, xlabels=None, ylabels=None, xlabel=None, ylabel=None, title=None,
                 ax=None, cmap="viridis", vmin=None, vmax=None, annotate=False, fmt=".2f",
                 colorbar=True):
    """A matrix as a heatmap with labelled rows and columns.

    Args:
        matrix: 2-D array, rows drawn top to bottom.
        xlabels, ylabels: tick labels for columns and rows (length must match).
        annotate: write each value in its cell (for small matrices).
        fmt: format of the annotations.
    """
    m = check_array(matrix, "matrix", ndim=2)
    for labels, size, name in ((xlabels, m.shape[1], "xlabels"), (ylabels, m.shape[0], "ylabels")):
        if labels is not None and len(labels) != size:
            raise ValueError(f"{name} has {len(labels)} entries but the matrix has {size} "
                             f"{'columns' if name == 'xlabels' else 'rows'}")
    ax = _axes(ax)
    im = ax.imshow(m, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto", interpolation="nearest")
    ax.grid(False)
    if xlabels is not None:
        ax.set_xticks(range(m.shape[1]), [str(v) for v in xlabels],
                      rotation=90 if max(len(str(v)) for v in xlabels) > 3 else 0)
    if ylabels is not None:
        ax.set_yticks(range(m.shape[0]), [str(v) for v in ylabels])
    if annotate:
        mid = (np.nanmax(m) + np.nanmin(m)) / 2
        for (i, j), v in np.ndenumerate(m):
            ax.text(j, i, format(v, fmt), ha="center", va="center", fontsize=8,
                    color="white" if v < mid else "black")
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, shrink=0.8)
    return ax


def draw_diagram(nodes, edges=(), *, ax=None, figsize=(7, 3), title=None, node_size=(1.6, 0.7),
                 fontsize=9):
    """Draw boxes and arrows: model diagrams, unrolled networks, course maps.

    Args:
        nodes: mapping ``name -> dict`` with keys ``xy`` (centre, data units),
            and optionally ``label`` (text, defaults to the name), ``color``
            (face colour), ``shape`` ("box" or "circle") and ``size``
            ((width, height) of a box, or (diameter, _) of a circle).
        edges: sequence of ``(source, target)`` or ``(source, target, dict)``
            where the dict may hold ``label``, ``color``, ``style``
            ("-", "--", ":") and ``rad`` (curvature, 0 is straight).
        node_size: default (width, height) of a box.

    Returns:
        The Axes; its limits fit the nodes and its axis lines are hidden.
    """
    if not isinstance(nodes, Mapping) or not nodes:
        raise ValueError(f"nodes must be a non-empty mapping name -> dict, got {nodes!r}")
    ax = _axes(ax, figsize)
    patches = {}
    for name, spec in nodes.items():
        if "xy" not in spec:
            raise ValueError(f"node {name!r} has no 'xy' position: {spec!r}")
        x, y = spec["xy"]
        w, h = spec.get("size", node_size)
        face = spec.get("color", "#DCEBF7")
        if spec.get("shape", "box") == "circle":
            patch = mpl.patches.Circle((x, y), w / 2, facecolor=face, edgecolor="#333333", lw=1.2)
        else:
            patch = mpl.patches.FancyBboxPatch((x - w / 2, y - h / 2), w, h,
                                               boxstyle="round,pad=0.02,rounding_size=0.12",
                                               facecolor=face, edgecolor="#333333", lw=1.2)
        ax.add_patch(patch)
        ax.text(x, y, spec.get("label", name), ha="center", va="center", fontsize=fontsize,
                zorder=5)
        patches[name] = patch
    for edge in edges:
        if len(edge) == 2:
            (a, b), opts = edge, {}
        else:
            a, b, opts = edge
        for end in (a, b):
            if end not in patches:
                raise ValueError(f"edge {edge!r} refers to unknown node {end!r}")
        arrow = mpl.patches.FancyArrowPatch(
            posA=nodes[a]["xy"], posB=nodes[b]["xy"], patchA=patches[a], patchB=patches[b],
            arrowstyle="-|>", mutation_scale=12, color=opts.get("color", "#333333"),
            linestyle=opts.get("style", "-"), lw=1.2,
            connectionstyle=f"arc3,rad={opts.get('rad', 0.0)}", zorder=4,
        )
        ax.add_patch(arrow)
        if opts.get("label"):
            (xa, ya), (xb, yb) = nodes[a]["xy"], nodes[b]["xy"]
            off = opts.get("label_offset", (0.0, 0.15))
            ax.text((xa + xb) / 2 + off[0], (ya + yb) / 2 + off[1], opts["label"], ha="center",
                    va="bottom", fontsize=fontsize - 1, color=opts.get("color", "#333333"),
                    zorder=6)
    xs = [s["xy"][0] for s in nodes.values()]
    ys = [s["xy"][1] for s in nodes.values()]
    pad_w = max(s.get("size", node_size)[0] for s in nodes.values())
    pad_h = max(s.get("size", node_size)[1] for s in nodes.values())
    ax.set_xlim(min(xs) - pad_w, max(xs) + pad_w)
    ax.set_ylim(min(ys) - pad_h, max(ys) + pad_h)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def grid(n, ncols=3, *, width=3.2, height=2.6, **kwargs):
    """A figure with ``n`` axes on a grid; unused axes are hidden.

    Returns ``(fig, axes)`` with ``axes`` a flat list of length ``n``.
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False,
                             **kwargs)
    flat = list(axes.ravel())
    for extra in flat[n:]:
        extra.set_visible(False)
    return fig, flat[:n]


__all__ = ["PALETTE", "use_style", "plot_history", "plot_sequences", "plot_heatmap",
           "draw_diagram", "grid"]
