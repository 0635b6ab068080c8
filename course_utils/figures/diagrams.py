"""Diagrams drawn for the chapters (boxes and arrows, via ``plotting.draw_diagram``)."""

from __future__ import annotations

from .plots import draw_diagram, grid

_INPUT, _STATE, _OUTPUT = "#F4C7B8", "#C9E7C7", "#C6DBF0"

#: (name, input steps, output steps, example) for the five input/output patterns.
#: "repeat" marks the patterns whose Keras model in chapter 0 feeds one vector at every
#: step with ``RepeatVector``: the one-to-many input, and the encoder's final state that
#: the delayed decoder reads at each of its steps.
IO_PATTERNS = (
    ("one-to-one", [0], [0], "image classification"),
    ("one-to-many", "repeat", [0, 1, 2], "image captioning"),
    ("many-to-one", [0, 1, 2], [2], "sentiment of a review"),
    ("many-to-many (delayed)", [0, 1, 2], [3, 4], "machine translation"),
    ("many-to-many (synchronous)", [0, 1, 2], [0, 1, 2], "labelling video frames"),
)


def draw_io_patterns():
    """The five input/output patterns of recurrent models, one panel each.

    Red boxes are inputs x_t, green boxes hidden states h_t (solid arrows between
    them are the recurrence), blue boxes outputs y_t. Dashed arrows carry one
    vector copied to every step, as ``RepeatVector`` does in chapter 0's models:
    the single input of the one-to-many model, and the encoder's final state
    that the delayed many-to-many decoder reads at each of its steps (its own
    state starts from zero).
    """
    fig, axes = grid(len(IO_PATTERNS), ncols=5, width=2.3, height=2.4)
    for ax, (name, ins, outs, example) in zip(axes, IO_PATTERNS):
        repeat = ins == "repeat"
        ins = [] if repeat else ins
        steps = sorted(set(ins) | set(outs))
        decoder = [t for t in outs if ins and t not in ins]
        xpos = {t: t + (0.7 if t in decoder else 0.0) for t in steps}   # a gap before the decoder
        nodes, edges = {}, []
        for t in steps:
            nodes[f"h{t}"] = {"xy": (xpos[t], 0), "label": "", "color": _STATE, "size": (0.6, 0.6)}
        for t in ins:
            nodes[f"x{t}"] = {"xy": (t, -1.1), "label": "", "color": _INPUT, "size": (0.6, 0.6)}
            edges.append((f"x{t}", f"h{t}"))
        if repeat:   # one input vector, copied to every step
            nodes["x"] = {"xy": (1, -1.3), "label": "", "color": _INPUT, "size": (0.6, 0.6)}
            edges += [("x", f"h{t}", {"style": "--"}) for t in steps]
        for t in outs:
            nodes[f"y{t}"] = {"xy": (xpos[t], 1.1), "label": "", "color": _OUTPUT, "size": (0.6, 0.6)}
            edges.append((f"h{t}", f"y{t}"))
        if decoder:   # the encoder's last state is fed to every decoder step
            last = max(ins)
            edges += [(f"h{last}", f"h{t}", {"style": "--", "rad": 0.45 if t > decoder[0] else 0})
                      for t in decoder]
            chain = decoder
            edges += [(f"h{t}", f"h{u}") for t, u in zip(ins, ins[1:])]
        else:
            chain = steps
        edges += [(f"h{a}", f"h{b}") for a, b in zip(chain, chain[1:])]
        draw_diagram(nodes, edges, ax=ax, node_size=(0.6, 0.6))
        ax.set_xlim(-0.7, 5.4)
        ax.set_ylim(-1.9, 1.8)
        ax.set_title(f"{name}\ne.g. {example}", fontsize=8.5)
    fig.suptitle("Input (red) → hidden state (green) → output (blue), time runs to the right; "
                 "dashed: one vector fed at every step (RepeatVector)", fontsize=9)
    return fig
