"""Figures of chapter 7: the clockwork RNN's update schedule and connectivity."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from ..validation import check_positive_int
from .plots import PALETTE


def plot_clockwork_schedule(periods, steps=32, *, ax=None, title=None):
    """Which module updates at which step: a dark cell where ``t mod T_i == 0``.

    Rows are modules (fastest on top), columns time steps ``t = 0 .. steps - 1``.
    Returns the axes.
    """
    steps = check_positive_int(steps, "steps")
    periods = [check_positive_int(p, f"periods[{i}]") for i, p in enumerate(periods)]
    active = np.array([[t % p == 0 for t in range(steps)] for p in periods], float)
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 0.45 * len(periods) + 1.2))
    ax.imshow(active, cmap="Blues", vmin=0, vmax=1.3, aspect="auto", interpolation="nearest")
    ax.grid(False)
    ax.set_yticks(range(len(periods)), [f"module {i + 1}: $T$ = {p}" for i, p in enumerate(periods)])
    ax.set_xticks(np.arange(-0.5, steps, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, len(periods), 1), minor=True)
    ax.grid(which="minor", color="white", lw=1)
    ax.tick_params(which="minor", length=0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("time step t")
    ax.set_title(title or "update schedule: dark = the module computes a new state at step t")
    return ax


def plot_clockwork_connectivity(units, periods, *, ax=None, title=None):
    """The recurrent matrix U in the paper's layout (row = target unit, column = source unit).

    Allowed weights are coloured by the target module; the block row of each module is
    labelled with its shape. Returns the axes.
    """
    units = check_positive_int(units, "units")
    g = len(periods)
    k = units // g
    module = np.repeat(np.arange(g), k)
    allowed = module[None, :] >= module[:, None]          # U[i, j]: source j feeds target i
    image = np.ones((units, units, 3))
    for i in range(g):
        color = np.array([int(PALETTE[i % len(PALETTE)][c:c + 2], 16) / 255 for c in (1, 3, 5)])
        rows = slice(i * k, (i + 1) * k)
        image[rows][allowed[rows]] = 0.35 + 0.65 * color
    if ax is None:
        _, ax = plt.subplots(figsize=(5.4, 5))
    ax.imshow(image, interpolation="nearest")
    ax.grid(False)
    for b in range(1, g):
        ax.axhline(b * k - 0.5, color="0.6", lw=0.8)
        ax.axvline(b * k - 0.5, color="0.6", lw=0.8)
    for i, p in enumerate(periods):
        ax.text(units - 0.5 + 0.02 * units, i * k + k / 2 - 0.5,
                f"module {i + 1} ($T$={p}): {k}x{k * (g - i)}", va="center", fontsize=9)
    ticks = [i * k + k / 2 - 0.5 for i in range(g)]
    ax.set_xticks(ticks, [f"{i + 1}" for i in range(g)])
    ax.set_yticks(ticks, [f"{i + 1}" for i in range(g)])
    ax.set_xlabel("source module (read at step t-1)")
    ax.set_ylabel("target module (updated at step t)")
    ax.set_title(title or "recurrent matrix $U$ (white = no connection)")
    return ax


__all__ = ["plot_clockwork_schedule", "plot_clockwork_connectivity"]
