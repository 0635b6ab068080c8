"""Figures of chapter 1: the timeline of recurrent networks and the classic architectures.

- :func:`plot_timeline` draws the milestones of ``data.rnn_timeline()`` on a time axis.
- :func:`plot_patterns` shows binary patterns (Hopfield memories) as small images.
- :func:`draw_classic_networks` draws the Hopfield, Jordan and Elman networks side by side.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MultipleLocator

from .plots import PALETTE, draw_diagram, grid

#: Colour of each ``theme`` of the timeline table.
THEME_COLORS = {
    "associative memory": PALETTE[4],
    "architecture": PALETTE[0],
    "training": PALETTE[7],
    "gating": PALETTE[2],
    "language and translation": PALETTE[1],
    "attention": PALETTE[3],
}

_REQUIRED = ("year", "model")


def _levels(starts, ends):
    """Give each label a height (1, -1, 2, -2, ...) so that no label overlaps another
    and, where possible, no stem crosses a label.

    ``starts`` and ``ends`` are the x extents of the labels, in years; a label's
    stem runs from the axis at its start up (or down) to its height.
    """
    candidates = [lv for k in range(1, 30) for lv in (k, -k)]
    right_end, left_start = {}, {}
    levels = np.zeros(len(starts), dtype=int)

    def free(lv, x, stem):   # this height (and, with stem, every one below it) is clear at x
        step = 1 if lv > 0 else -1
        below = range(step, lv + step, step) if stem else (lv,)
        return all(right_end.get(l, -np.inf) < x or (l != lv and left_start[l] == x)
                   for l in below)

    for i in np.argsort(starts, kind="stable"):
        lv = next((lv for lv in candidates if free(lv, starts[i], True)), None)
        if lv is None:   # the stem has to pass behind a label; at least the labels stay apart
            lv = next(lv for lv in candidates if free(lv, starts[i], False))
        levels[i] = lv
        right_end[lv], left_start[lv] = ends[i], starts[i]
    return levels


def plot_timeline(timeline=None, *, ax=None, width=11.0, title=None):
    """Draw milestones as labelled stems on a time axis, coloured by theme.

    Args:
        timeline: a DataFrame with at least ``year`` and ``model`` columns, and
            optionally ``theme`` (a key of :data:`THEME_COLORS`); defaults to
            ``course_utils.data.rnn_timeline()``.
        ax: matplotlib Axes (a new figure ``width`` inches wide if None).
        width: the figure width in inches used to lay the labels out.
        title: axes title.

    Returns:
        The Axes, with one marker per milestone.
    """
    if timeline is None:
        from ..data import rnn_timeline

        timeline = rnn_timeline()
    missing = [c for c in _REQUIRED if c not in getattr(timeline, "columns", ())]
    if missing:
        raise ValueError(f"timeline must be a DataFrame with columns {list(_REQUIRED)}; "
                         f"missing {missing}")
    if len(timeline) == 0:
        raise ValueError("timeline has no rows")
    years = timeline["year"].to_numpy(dtype=float)
    themes = (timeline["theme"].tolist() if "theme" in timeline.columns
              else ["architecture"] * len(timeline))
    unknown = sorted(set(themes) - set(THEME_COLORS))
    if unknown:
        raise ValueError(f"unknown theme(s) {unknown}; known themes: {list(THEME_COLORS)}")
    labels = [f"{int(y)} {m}" for y, m in zip(years, timeline["model"])]
    x_min, x_max = years.min() - 1.5, years.max() + 8
    # an 8-point character is about 0.075 inch wide; convert label lengths to years
    years_per_char = 0.075 * (x_max - x_min) / (0.9 * width)
    ends = years + np.array([len(t) + 1.5 for t in labels]) * years_per_char
    levels = _levels(years, ends)
    if ax is None:
        _, ax = plt.subplots(figsize=(width, 1.4 + 0.5 * (2 * np.abs(levels).max() + 1)))
    ax.axhline(0, color="#444444", lw=1.2, zorder=1)
    for year, level, label, theme in zip(years, levels, labels, themes):
        color = THEME_COLORS[theme]
        ax.plot([year, year], [0, level], color=color, lw=1.0, alpha=0.7, zorder=2)
        ax.scatter([year], [0], color=color, s=28, zorder=3)
        ax.text(year, level, label, ha="left", va="center", fontsize=8,
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": color,
                      "lw": 0.9}, zorder=4)
    top = np.abs(levels).max() + 0.8
    ax.set_ylim(-top, top)
    ax.set_xlim(x_min, x_max)
    ax.xaxis.set_major_locator(MultipleLocator(5))          # a labelled tick every 5 years
    ax.xaxis.set_minor_locator(MultipleLocator(1))          # and a small one every year
    ax.tick_params(axis="x", which="major", labelsize=10, length=6)
    ax.tick_params(axis="x", which="minor", length=3)
    ax.set_xlabel("year of publication", fontsize=10)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.grid(False)
    ax.grid(axis="x", which="major", alpha=0.25)            # guides from the axis up to the stems
    handles = [plt.Line2D([], [], marker="o", ls="", color=c, label=t)
               for t, c in THEME_COLORS.items() if t in themes]
    ax.legend(handles=handles, loc="upper center", ncols=len(handles), fontsize=8,
              bbox_to_anchor=(0.5, -0.1))
    if title:
        ax.set_title(title)
    return ax


def plot_patterns(rows, *, titles=None, side=None, cell=1.1):
    """Show +1/-1 patterns as square black-and-white images, one row of images per entry.

    Args:
        rows: mapping ``row label -> array (k, N)`` (or (N,)); every row has the
            same number k of patterns and N must be a square number.
        titles: optional list of k column titles.
        side: image side (default ``sqrt(N)``).
        cell: size of one image in inches.

    Returns:
        The Figure.
    """
    from ..validation import check_array

    if not rows:
        raise ValueError("rows must be a non-empty mapping label -> patterns")
    arrays = {label: np.atleast_2d(check_array(v, f"rows[{label!r}]", ndim=(1, 2)))
              for label, v in rows.items()}
    k, n = next(iter(arrays.values())).shape
    for label, arr in arrays.items():
        if arr.shape != (k, n):
            raise ValueError(f"rows[{label!r}] has shape {arr.shape}, expected {(k, n)} like "
                             "the first row")
    side = int(round(np.sqrt(n))) if side is None else side
    if side * side != n:
        raise ValueError(f"patterns of {n} units cannot be shown as {side} x {side} images")
    if titles is not None and len(titles) != k:
        raise ValueError(f"titles has {len(titles)} entries for {k} columns")
    fig, axes = plt.subplots(len(arrays), k, figsize=(cell * k + 1.0, cell * len(arrays)),
                             squeeze=False)
    for r, (label, arr) in enumerate(arrays.items()):
        for c in range(k):
            ax = axes[r, c]
            ax.imshow(arr[c].reshape(side, side), cmap="gray_r", vmin=-1, vmax=1,
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            if c == 0:
                ax.set_ylabel(label, fontsize=9)
            if r == 0 and titles is not None:
                ax.set_title(titles[c], fontsize=9)
    return fig


_IN, _HID, _OUT, _MEM = "#F4C7B8", "#C9E7C7", "#C6DBF0", "#F3E3A6"
_INK = "#333333"


def _arrow(ax, start, end, *, style="-", rad=0.0, heads="-|>", color=_INK, lw=1.2, gid=None):
    """An arrow between two points (data units), drawn above the boxes' edges."""
    arrow = mpl.patches.FancyArrowPatch(
        posA=start, posB=end, arrowstyle=heads, mutation_scale=12, color=color, lw=lw,
        linestyle=style, connectionstyle=f"arc3,rad={rad}", shrinkA=0, shrinkB=0, zorder=4)
    arrow.set_gid(gid)
    ax.add_patch(arrow)


def _label(ax, xy, text, *, ha="center", va="center", fontsize=8.5, color=_INK):
    ax.text(*xy, text, ha=ha, va=va, fontsize=fontsize, color=color, zorder=6,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                  "alpha": 0.9})


def draw_classic_networks():
    """Hopfield, Jordan and Elman networks drawn side by side (returns the Figure).

    Red boxes are inputs, green hidden units, blue outputs, yellow the units
    that hold what is fed back (Jordan's state units, Elman's context units).
    Solid arrows carry a weighted sum within one time step and are labelled with
    the course's weight matrices (W from the input, U from the fed-back units,
    W_y to the output); dashed arrows are copies made once per time step, for
    use at the next step. Jordan's state units also keep a decaying trace of
    their own past, the self-loop of strength lambda:
    s_t = lambda s_{t-1} + y_{t-1}. The Hopfield units are connected in both
    directions by one symmetric weight per pair and have no self-connections.
    """
    fig, axes = grid(3, ncols=3, width=3.7, height=3.4)

    # Hopfield: four units, every pair joined by one symmetric weight, no self-loops
    angles = np.pi / 4 + np.arange(4) * np.pi / 2
    centres = [(1.1 * np.cos(a), 1.1 * np.sin(a)) for a in angles]
    radius = 0.3
    nodes = {f"s{i}": {"xy": c, "label": f"$s_{i + 1}$", "shape": "circle",
                       "size": (2 * radius, 2 * radius), "color": _HID}
             for i, c in enumerate(centres)}
    draw_diagram(nodes, [], ax=axes[0], node_size=(2 * radius, 2 * radius), fontsize=10)
    for i in range(4):
        for j in range(i + 1, 4):
            (xa, ya), (xb, yb) = centres[i], centres[j]
            length = np.hypot(xb - xa, yb - ya)
            ux, uy = (xb - xa) / length, (yb - ya) / length
            _arrow(axes[0], (xa + radius * ux, ya + radius * uy), (xb - radius * ux, yb - radius * uy),
                   heads="<|-|>")
    _label(axes[0], (0.0, 1.1), "$U_{12} = U_{21}$", fontsize=8)
    axes[0].set_title("Hopfield (1982)\nsymmetric weights, no input sequence", fontsize=9)

    # Jordan: the output is copied into state units, which also keep a decaying trace
    w_box, h_box = 1.0, 0.7
    nodes = {"x": {"xy": (0, -1.5), "label": "$x_t$", "color": _IN},
             "h": {"xy": (0, 0), "label": "$h_t$", "color": _HID},
             "y": {"xy": (0, 1.5), "label": "$y_t$", "color": _OUT},
             "s": {"xy": (-1.9, 0), "label": "state\n$s_t$", "color": _MEM, "size": (1.1, 0.8)}}
    draw_diagram(nodes, [("x", "h"), ("h", "y"), ("s", "h")], ax=axes[1],
                 node_size=(w_box, h_box), fontsize=10)
    _label(axes[1], (0.22, -0.75), "$W$", ha="left")
    _label(axes[1], (0.22, 0.75), "$W_y$", ha="left")
    _label(axes[1], (-0.95, 0.16), "$U$", va="bottom")
    # the copy of y_t, used by the next step: from the top of y round to the top of the state box
    _arrow(axes[1], (-w_box / 2, 1.5), (-1.9, 0.4), style="--", rad=0.35, gid="copy")
    _label(axes[1], (-2.45, 1.3), "copy of $y_t$\nfor step $t+1$", fontsize=8)
    # the self-loop on the state units: a decaying trace of their own past
    _arrow(axes[1], (-1.9 - 0.55, 0.25), (-1.9 - 0.55, -0.25), rad=1.5, gid="state_decay_loop")
    _label(axes[1], (-3.0, 0.0), r"$\lambda$", fontsize=10)
    axes[1].text(-1.9, -0.75, r"$s_t = \lambda s_{t-1} + y_{t-1}$", ha="center", va="top",
                 fontsize=8.5)
    axes[1].set_title("Jordan (1986)\nthe output is fed back", fontsize=9)

    # Elman: the hidden state is copied into context units
    nodes = {"x": {"xy": (0, -1.5), "label": "$x_t$", "color": _IN},
             "h": {"xy": (0, 0), "label": "$h_t$", "color": _HID},
             "y": {"xy": (0, 1.5), "label": "$y_t$", "color": _OUT},
             "c": {"xy": (-1.9, 0), "label": "context\n$h_{t-1}$", "color": _MEM,
                   "size": (1.1, 0.8)}}
    draw_diagram(nodes, [("x", "h"), ("h", "y"), ("c", "h")], ax=axes[2],
                 node_size=(w_box, h_box), fontsize=10)
    _label(axes[2], (0.22, -0.75), "$W$", ha="left")
    _label(axes[2], (0.22, 0.75), "$W_y$", ha="left")
    _label(axes[2], (-0.95, 0.16), "$U$", va="bottom")
    _arrow(axes[2], (-0.3, -h_box / 2), (-1.9, -0.4), style="--", rad=-0.45, gid="copy")
    _label(axes[2], (-1.5, -1.25), "copy of $h_t$\nfor step $t+1$", fontsize=8)
    axes[2].set_title("Elman (1990)\nthe hidden state is fed back", fontsize=9)

    axes[0].set_xlim(-2.0, 2.0)
    for ax in axes[1:]:
        ax.set_xlim(-3.2, 1.0)
    for ax in axes:
        ax.set_ylim(-2.1, 2.1)
    return fig


__all__ = ["THEME_COLORS", "plot_timeline", "plot_patterns", "draw_classic_networks"]
