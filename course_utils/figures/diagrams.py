"""Diagrams drawn for the chapters (boxes and arrows, via ``plotting.draw_diagram``)."""

from __future__ import annotations

from .plots import draw_diagram, grid

_INPUT, _STATE, _OUTPUT = "#F4C7B8", "#C9E7C7", "#C6DBF0"

#: (name, input steps, output steps, example) for the five input/output patterns.
IO_PATTERNS = (
    ("one-to-one", [0], [0], "image classification"),
    ("one-to-many", [0], [0, 1, 2], "image captioning"),
    ("many-to-one", [0, 1, 2], [2], "sentiment of a review"),
    ("many-to-many (delayed)", [0, 1, 2], [3, 4], "machine translation"),
    ("many-to-many (synchronous)", [0, 1, 2], [0, 1, 2], "labelling video frames"),
)


def draw_io_patterns():
    """The five input/output patterns of recurrent models, one panel each.

    Red boxes are inputs x_t, green boxes hidden states h_t (arrows between
    them are the recurrence), blue boxes outputs y_t.
    """
    fig, axes = grid(len(IO_PATTERNS), ncols=5, width=2.3, height=2.4)
    for ax, (name, ins, outs, example) in zip(axes, IO_PATTERNS):
        steps = sorted(set(ins) | set(outs))
        nodes, edges = {}, []
        for t in steps:
            nodes[f"h{t}"] = {"xy": (t, 0), "label": "", "color": _STATE, "size": (0.6, 0.6)}
        for t in ins:
            nodes[f"x{t}"] = {"xy": (t, -1.1), "label": "", "color": _INPUT, "size": (0.6, 0.6)}
            edges.append((f"x{t}", f"h{t}"))
        for t in outs:
            nodes[f"y{t}"] = {"xy": (t, 1.1), "label": "", "color": _OUTPUT, "size": (0.6, 0.6)}
            edges.append((f"h{t}", f"y{t}"))
        edges += [(f"h{a}", f"h{b}") for a, b in zip(steps, steps[1:])]
        draw_diagram(nodes, edges, ax=ax, node_size=(0.6, 0.6))
        ax.set_xlim(-0.7, 4.7)
        ax.set_ylim(-1.8, 1.8)
        ax.set_title(f"{name}\ne.g. {example}", fontsize=8.5)
    fig.suptitle("Input (red) → hidden state (green) → output (blue), time runs to the right",
                 fontsize=9)
    return fig
