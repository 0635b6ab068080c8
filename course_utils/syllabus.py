"""The chapters of the course and what each builds on: the data behind the
course map of chapter 0 and the syllabus of the README.

``status`` is ``"available"`` for chapters with a notebook in ``notebooks/``
and ``"planned"`` for chapters still to be written; a unit test keeps this
table and the notebooks in step.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chapter:
    number: int
    slug: str
    title: str
    topics: str
    prerequisites: tuple[int, ...]
    status: str = "available"

    @property
    def notebook(self) -> str:
        return f"notebooks/{self.number:02d}_{self.slug}.ipynb"

    @property
    def solutions(self) -> str:
        return f"solutions/{self.number:02d}_{self.slug}_solutions.ipynb"


CHAPTERS = (
    Chapter(0, "sequences", "Sequences and recurrent models",
            "i.i.d. vs temporal dependence, input/output patterns, embeddings, padding and "
            "masking, CNN vs RNN", ()),
    Chapter(1, "history", "A short history of recurrent networks",
            "timeline, Hopfield networks, Jordan and Elman networks, temporal XOR", (0,)),
    Chapter(2, "hidden_markov_models", "Hidden Markov models",
            "Markov chains, forward-backward, Viterbi, Baum-Welch, HMM vs RNN, tagging", (0,)),
    Chapter(3, "rnn_and_bptt", "The recurrent network and backpropagation through time",
            "BPTT, language models, vanishing and exploding gradients, clipping", (0,)),
    Chapter(4, "lstm_and_gru", "LSTM and GRU",
            "gates, cell state, peepholes, coupled gates, GRU, long-range tasks", (3,)),
    Chapter(5, "deep_and_bidirectional_rnns", "Deep, bidirectional and hybrid recurrent networks on real data",
            "stacking, bidirectional RNNs, CNN-LSTM, forecasting, stock prices, stateful RNNs",
            (4,)),
    Chapter(6, "echo_state_networks", "Echo state networks",
            "reservoirs, spectral radius, ridge readout, Mackey-Glass", (3,), "planned"),
    Chapter(7, "clockwork_rnn", "The clockwork RNN",
            "modules with periods, slow-to-fast connections", (4,), "planned"),
    Chapter(8, "seq2seq_and_attention", "Encoder-decoder models and attention",
            "seq2seq, teacher forcing, beam search, Bahdanau attention", (4,), "planned"),
    Chapter(9, "self_attention", "Self-attention and the Transformer",
            "scaled dot-product and multi-head attention, positional encoding", (8,), "planned"),
)


def chapter(number) -> Chapter:
    for ch in CHAPTERS:
        if ch.number == number:
            return ch
    raise ValueError(f"no chapter {number!r}; chapters are {[c.number for c in CHAPTERS]}")


def draw_course_map(ax=None):
    """Draw the chapters as boxes with arrows from each prerequisite.

    Chapters still being written are drawn grey with a dashed arrow.
    """
    from .plotting import draw_diagram

    columns = {0: 0, 1: 1, 2: 1, 3: 1, 4: 2, 6: 2, 5: 3, 7: 3, 8: 3, 9: 4}
    rows = {0: 0, 1: 1.3, 2: 0, 3: -1.3, 4: -0.6, 6: -2.0, 5: 0.6, 7: -0.6, 8: -1.8, 9: -1.8}
    nodes, edges = {}, []
    for ch in CHAPTERS:
        planned = ch.status != "available"
        label = f"{ch.number}. " + "\n".join(_wrap(ch.title, 22))
        nodes[ch.number] = {"xy": (columns[ch.number] * 2.6, rows[ch.number]), "label": label,
                            "size": (2.3, 0.95),
                            "color": "#EEEEEE" if planned else "#DCEBF7"}
        for p in ch.prerequisites:
            edges.append((p, ch.number, {"style": "--" if planned else "-"}))
    return draw_diagram(nodes, edges, ax=ax, figsize=(10, 4.4), fontsize=8,
                        title="Course map: an arrow points from a chapter to one that builds on it "
                              "(grey: planned)")


def _wrap(text, width):
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return lines
