"""Checkers for the exercises of chapter 1 (a short history of recurrent networks)."""

from __future__ import annotations

import numpy as np

from .core import Feedback, call, exercise, expect_answers, expect_close, expect_shape, to_numpy


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ---------------------------------------------------------------------------
# 1.1 Hopfield energy
# ---------------------------------------------------------------------------

def reference_energy(weights, states):
    """E(s) = -1/2 s^T U s for each row of ``states`` (batch, N) -> (batch,)."""
    return -0.5 * np.einsum("bi,ij,bj->b", states, weights, states)


def _energy_case():
    rng = np.random.default_rng(1)
    n = 12
    patterns = rng.choice([-1.0, 1.0], size=(3, n))
    weights = patterns.T @ patterns / n
    np.fill_diagonal(weights, 0.0)
    states = np.concatenate([patterns, rng.choice([-1.0, 1.0], size=(4, n))])
    return weights, states


@exercise("ch01.hopfield_energy", "the energy of a batch of Hopfield states",
          hint="For one state s the energy is -0.5 * s @ U @ s. For a batch, states @ U @ "
               "states.T holds every pair of states, but you need one energy per state: which "
               "entries of that matrix are they, and how do you get only those (an elementwise "
               "product and a sum over the units, or np.einsum)?")
def _hopfield_energy(candidate):
    weights, states = _energy_case()
    want = reference_energy(weights, states)
    got = to_numpy(call(candidate, weights.copy(), states.copy()), "hopfield_energy(U, states)",
                   finite=True)
    b = states.shape[0]
    if got.shape == (b, b):
        raise Feedback("hopfield_energy(U, states) has shape (7, 7): you computed s_a^T U s_b for "
                       "every pair of states. Each state needs only its own energy, the "
                       "diagonal of that matrix (for example with np.einsum('bi,ij,bj->b', ...))")
    if got.ndim == 0 or got.shape == (1,):
        raise Feedback("hopfield_energy(U, states) returned one number for the whole batch: "
                       "return one energy per row of states, shape (batch,)")
    expect_shape(got, (b,), "hopfield_energy(U, states)")
    if np.allclose(got, -want):
        raise Feedback("the sign is flipped: E(s) = -1/2 s^T U s, so stored patterns get a low "
                       "(negative) energy and recall runs downhill")
    if np.allclose(got, 2 * want):
        raise Feedback("your energies are twice the reference: you forgot the factor 1/2 "
                       "(each pair i, j appears twice in s^T U s)")
    shift = got - want
    if np.allclose(shift, shift[0]) and not np.isclose(shift[0], 0):
        raise Feedback("your energies differ from the reference by the same constant for every "
                       "state: that is what terms with i = j add (s_i^2 = 1). The network has no "
                       "self-connections: use U as given, with U_ii = 0, and add nothing on the "
                       "diagonal")
    if np.allclose(got, want / states.shape[1]):
        raise Feedback("your energies are 1/n of the reference: you took a mean over the units "
                       "where E(s) = -1/2 sum_ij U_ij s_i s_j needs a sum")
    if np.allclose(got, want / states.shape[1] ** 2):
        raise Feedback("your energies are 1/n^2 of the reference: you took a mean over i and j "
                       "where E(s) = -1/2 sum_ij U_ij s_i s_j needs a sum")
    if np.allclose(got, want / 2):
        raise Feedback("your energies are half the reference: E(s) = -1/2 s^T U s has the factor "
                       "1/2 once, not twice")
    expect_close(got, want, "hopfield_energy(U, states)")
    return "E(s) = -1/2 s^T U s, one value per state; stored patterns sit low, in their valleys"


# ---------------------------------------------------------------------------
# 1.2 Jordan step
# ---------------------------------------------------------------------------

def reference_jordan_step(x, s, params, state_decay=0.0):
    """One step of a Jordan network (row-vector convention of Keras).

    h = tanh(x W + s U + b), y = sigmoid(h W_y + b_y), s_next = state_decay * s + y.
    """
    h = np.tanh(x @ params["W"] + s @ params["U"] + params["b"])
    y = _sigmoid(h @ params["W_y"] + params["b_y"])
    return y, state_decay * s + y


def _jordan_case(seed=2):
    rng = np.random.default_rng(seed)
    batch, d, units, k = 4, 3, 5, 2
    params = {"W": rng.normal(size=(d, units)), "U": rng.normal(size=(k, units)),
              "b": rng.normal(size=units), "W_y": rng.normal(size=(units, k)),
              "b_y": rng.normal(size=k)}
    x = rng.normal(size=(batch, d))
    s = rng.uniform(0, 1.5, size=(batch, k))
    return x, s, params


def _unpack(got, what):
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Feedback(f"{what} must return a tuple (y, s_next), got {type(got).__name__}")
    return to_numpy(got[0], "y", finite=True), to_numpy(got[1], "s_next", finite=True)


@exercise("ch01.jordan_step", "one time step of a Jordan network",
          hint="Follow the equations in order: the hidden layer from x and the state s, the "
               "output from the hidden layer, then the new state from the old state and the new "
               "output. With row vectors every product has the vector on the left (x @ W, "
               "s @ U, h @ W_y), and each bias is added after its product.")
def _jordan_step(candidate):
    x, s, params = _jordan_case()
    mu = 0.5
    what = "jordan_step(x, s, params, 0.5)"
    y, s_next = _unpack(call(candidate, x.copy(), s.copy(), {k: v.copy() for k, v in params.items()},
                             mu), what)
    want_y, want_s = reference_jordan_step(x, s, params, mu)
    batch, units, k = x.shape[0], params["W"].shape[1], params["W_y"].shape[1]
    if y.shape == (batch, units) or s_next.shape == (batch, units):
        raise Feedback("a result has the size of the hidden layer: in a Jordan network the "
                       "output y_t = sigmoid(h_t W_y + b_y) is fed back, not the hidden state h_t "
                       "(feeding back h_t is Elman's network)")
    expect_shape(y, (batch, k), "y")
    expect_shape(s_next, (batch, k), "s_next")
    if np.allclose(y, want_s) and np.allclose(s_next, want_y):
        raise Feedback("y and s_next are swapped: return (y, s_next)")
    h = np.tanh(x @ params["W"] + s @ params["U"] + params["b"])
    wrong_y = {
        "you applied no output activation: y = sigmoid(h W_y + b_y)": h @ params["W_y"] + params["b_y"],
        "the output bias b_y is missing: y = sigmoid(h W_y + b_y)": _sigmoid(h @ params["W_y"]),
        "the hidden bias b is missing: h = tanh(x W + s U + b)": _sigmoid(
            np.tanh(x @ params["W"] + s @ params["U"]) @ params["W_y"] + params["b_y"]),
        "the state s is missing from the hidden layer: h = tanh(x W + s U + b)": _sigmoid(
            np.tanh(x @ params["W"] + params["b"]) @ params["W_y"] + params["b_y"]),
        "the hidden layer must use tanh: h = tanh(x W + s U + b)": _sigmoid(
            _sigmoid(x @ params["W"] + s @ params["U"] + params["b"]) @ params["W_y"] + params["b_y"]),
        "the hidden layer must use tanh, not ReLU: h = tanh(x W + s U + b)": _sigmoid(
            np.maximum(x @ params["W"] + s @ params["U"] + params["b"], 0.0) @ params["W_y"]
            + params["b_y"]),
        "the output must use a sigmoid, not tanh: y = sigmoid(h W_y + b_y)": np.tanh(
            h @ params["W_y"] + params["b_y"]),
    }
    for message, wrong in wrong_y.items():
        if np.allclose(y, wrong) and not np.allclose(wrong, want_y):
            raise Feedback(message)
    expect_close(y, want_y, "y")
    if np.allclose(s_next, want_y):
        raise Feedback("s_next equals y: you dropped the self-connection of the state units, "
                       "s_next = state_decay * s + y")
    if np.allclose(s_next, mu * want_y + s):
        raise Feedback("the decay multiplies the wrong term: s_next = state_decay * s + y")
    if np.allclose(s_next, mu * s + (1 - mu) * want_y):
        raise Feedback("s_next = state_decay * s + y, without a factor (1 - state_decay) on y")
    expect_close(s_next, want_s, "s_next")
    # and with no decay at all
    y0, s0 = _unpack(call(candidate, x, s, params, 0.0), "jordan_step(x, s, params, 0.0)")
    expect_close(s0, want_y, "s_next with state_decay=0")
    return ("h = tanh(x W + s U + b), y = sigmoid(h W_y + b_y), and the output recurs: "
            "s_next = state_decay * s + y")


# ---------------------------------------------------------------------------
# 1.3 What each milestone changed
# ---------------------------------------------------------------------------

#: The answers a reader picks from in exercise 1.3.
CHANGES = (
    "content-addressable memory",
    "output feedback",
    "hidden-state feedback",
    "gated memory cell",
    "learned word embeddings",
    "attention over encoder states",
    "self-attention without recurrence",
)

_MILESTONES = {
    "Hopfield network (1982)": "content-addressable memory",
    "Jordan network (1986)": "output feedback",
    "Elman network (1990)": "hidden-state feedback",
    "LSTM (1997)": "gated memory cell",
    "neural language model (2003)": "learned word embeddings",
    "Bahdanau attention (2014)": "attention over encoder states",
    "Transformer (2017)": "self-attention without recurrence",
}

_HINTS = {
    "Jordan network (1986)": "Jordan's state units receive the network's previous output",
    "Elman network (1990)": "Elman's context units hold a copy of the previous hidden state",
    "neural language model (2003)": "Bengio et al.'s model was a feed-forward network; what it "
                                    "introduced was a learned vector per word",
    "Hopfield network (1982)": "a Hopfield network has no input sequence: a cue settles into the "
                               "nearest stored pattern",
    "Transformer (2017)": "the Transformer has no recurrence at all",
    "Bahdanau attention (2014)": "the decoder weighs all encoder states at every output step",
}


@exercise("ch01.what_changed", "what each milestone changed",
          hint="Ask what each model added that came before it was missing: what is fed back "
               "(Jordan, Elman), what protects the memory (LSTM), what a word becomes (2003), "
               "what the decoder looks at (2014), and what is dropped altogether (2017).")
def _what_changed(candidate):
    expect_answers(candidate, _MILESTONES, CHANGES, key_name="milestone", value_name="change",
                   choices_name="choices",
                   not_attempted="fill in a change for each milestone, then re-run")
    wrong = [k for k, v in _MILESTONES.items() if candidate[k] != v]
    if (candidate["Jordan network (1986)"] == "hidden-state feedback"
            and candidate["Elman network (1990)"] == "output feedback"):
        raise Feedback("Jordan and Elman are swapped: Jordan (1986) fed back the output, "
                       "Elman (1990) the hidden state")
    if wrong:
        first = wrong[0]
        hint = _HINTS.get(first)
        raise Feedback(f"{len(wrong)} of {len(_MILESTONES)} wrong, e.g. {first!r} is not "
                       f"{candidate[first]!r}" + (f" (hint: {hint})" if hint else ""))
    return "all seven milestones matched with what they changed"


__all__ = ["reference_energy", "reference_jordan_step", "CHANGES"]
