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
            "reservoirs, spectral radius, ridge readout, Mackey-Glass", (3,)),
    Chapter(7, "clockwork_rnn", "The clockwork RNN",
            "modules with periods, slow-to-fast connections", (4,), "available"),
    Chapter(8, "encoder_decoder", "Encoder-decoder models",
            "seq2seq, context hand-over, teacher forcing, greedy and beam search, G2P", (4,)),
    Chapter(9, "bahdanau_attention", "Bahdanau attention",
            "additive and multiplicative attention, alignment, attention decoders", (5, 8)),
    Chapter(10, "self_attention_and_transformers", "Self-attention and the Transformer",
            "scaled dot-product and multi-head attention, positional encoding, Transformer", (9,),
            "available"),
)


def chapter(number) -> Chapter:
    for ch in CHAPTERS:
        if ch.number == number:
            return ch
    raise ValueError(f"no chapter {number!r}; chapters are {[c.number for c in CHAPTERS]}")
