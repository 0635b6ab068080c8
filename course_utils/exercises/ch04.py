"""Checkers for the exercises of chapter 4 (LSTM and GRU).

The step exercises compare the reader's NumPy code with a reference that uses
Keras' weight layout, and when the result is wrong they try the usual mistakes
(another gate order, a missing tanh, the other update-gate convention, ...) to
say which one was made.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .core import Feedback, call, exercise, expect_answers, expect_close, expect_equal, to_numpy


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _identity(z):
    return z


# ----------------------------------------------------------------------------------------------
# Exercise 4.1: one LSTM step in NumPy, Keras' layout
# ----------------------------------------------------------------------------------------------

def _lstm_case(seed=4, batch=2, input_dim=3, units=4):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, input_dim))
    h = 0.5 * rng.standard_normal((batch, units))
    c = rng.standard_normal((batch, units))
    kernel = rng.normal(0.0, 0.8, (input_dim, 4 * units))
    recurrent_kernel = rng.normal(0.0, 0.8, (units, 4 * units))
    bias = rng.normal(0.0, 0.8, 4 * units)
    return x, h, c, kernel, recurrent_kernel, bias


def lstm_step_reference(x, h_prev, c_prev, kernel, recurrent_kernel, bias, *, order="ifco",
                        gate=_sigmoid, candidate=np.tanh, output=np.tanh, use_bias=True,
                        forget=True, h_from_new_c=True, recurrent=True, output_gate=True,
                        coupled=False, memory="c"):
    """One LSTM step; the keyword arguments reproduce typical mistakes (defaults: correct)."""
    z = x @ kernel + (h_prev @ recurrent_kernel if recurrent else 0.0) + (bias if use_bias else 0.0)
    blocks = dict(zip(order, np.split(z, 4, axis=-1)))
    i, f, o = gate(blocks["i"]), gate(blocks["f"]), gate(blocks["o"])
    if coupled:
        i = 1.0 - f
    old = c_prev if memory == "c" else h_prev
    c = (f * old if forget else old) + i * candidate(blocks["c"])
    h = (o if output_gate else 1.0) * output(c if h_from_new_c else c_prev)
    return h, c


def _pair(got, what):
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Feedback(f"{what} must return a tuple (h_t, c_t), got {type(got).__name__}")
    return to_numpy(got[0], "h_t", finite=True), to_numpy(got[1], "c_t", finite=True)


def _close(a, b):
    return a.shape == b.shape and np.allclose(a, b, atol=1e-6, rtol=1e-6)


_LSTM_MISTAKES = [
    (dict(output=_identity), "you forgot the tanh on the cell state: the hidden state is "
                             "h_t = o_t * tanh(c_t), not o_t * c_t"),
    (dict(candidate=_sigmoid), "the candidate uses tanh, not sigmoid: c~_t = tanh(...) can be "
                               "negative, so the cell can also decrease"),
    (dict(gate=np.tanh), "the gates use sigmoid, not tanh: a gate is a fraction between 0 and 1"),
    (dict(use_bias=False), "you left out the bias: add bias to x @ kernel + h_prev @ "
                           "recurrent_kernel before splitting into gates"),
    (dict(forget=False), "the forget gate is missing: c_t = f_t * c_{t-1} + i_t * c~_t"),
    (dict(h_from_new_c=False), "h_t must use the new cell state: h_t = o_t * tanh(c_t), "
                               "with c_t computed first"),
    (dict(recurrent=False), "the recurrent term is missing: every gate and the candidate get "
                            "x @ kernel + h_prev @ recurrent_kernel + bias"),
    (dict(output_gate=False), "the output gate is missing: h_t = o_t * tanh(c_t), not tanh(c_t)"),
    (dict(coupled=True), "you wrote i_t = 1 - f_t, the coupled variant of section 8; the plain "
                         "LSTM computes its input gate from its own block (the first)"),
    (dict(memory="h"), "the forget gate multiplies the old cell state c_{t-1}, not h_{t-1}: "
                       "c_t = f_t * c_{t-1} + i_t * c~_t"),
]


@exercise("ch04.lstm_step", "one LSTM step in NumPy with Keras' weight layout",
          hint="One product with kernel, one with recurrent_kernel, plus the bias, give all four "
               "gates at once; np.split(..., 4, axis=-1) cuts the result into column blocks in "
               "Keras' order. Which blocks get a sigmoid and which a tanh? Compute c_t before h_t.")
def _lstm_step(candidate):
    args = _lstm_case()
    h, c = _pair(call(candidate, *(a.copy() for a in args)), "lstm_step")
    want_h, want_c = lstm_step_reference(*args)
    if h.shape != want_h.shape or c.shape != want_c.shape:
        raise Feedback(f"h_t and c_t should both have shape (batch, units) = {want_h.shape}, "
                       f"got {h.shape} and {c.shape}")
    if _close(h, want_h) and _close(c, want_c):
        pass
    elif _close(h, want_c) and _close(c, want_h):
        raise Feedback("you returned (c_t, h_t): return the hidden state first, (h_t, c_t), "
                       "as Keras' cell does")
    else:
        for order in ("".join(p) for p in itertools.permutations("ifco")):
            if order != "ifco" and all(_close(a, b) for a, b in zip(
                    (h, c), lstm_step_reference(*args, order=order))):
                raise Feedback(f"your gate order is {', '.join(order)}; Keras uses i, f, c, o "
                               "(the column blocks of kernel are [input | forget | candidate | "
                               "output])")
        for options, message in _LSTM_MISTAKES:
            if all(_close(a, b) for a, b in zip((h, c), lstm_step_reference(*args, **options))):
                raise Feedback(message)
        if _close(c, want_c):
            expect_close(h, want_h, "h_t (your c_t is right)")
        expect_close(c, want_c, "c_t")
        expect_close(h, want_h, "h_t")
    # a second case with other sizes, so that a hard-coded size cannot pass
    args = _lstm_case(seed=9, batch=3, input_dim=2, units=5)
    h, c = _pair(call(candidate, *(a.copy() for a in args)), "lstm_step")
    want_h, want_c = lstm_step_reference(*args)
    expect_close(h, want_h, "h_t for batch 3, input_dim 2, units 5")
    expect_close(c, want_c, "c_t for batch 3, input_dim 2, units 5")
    return "gates i, f, c, o in Keras' column order, c_t = f*c + i*tanh(.), h_t = o*tanh(c_t)"


# ----------------------------------------------------------------------------------------------
# Exercise 4.2: one GRU step in NumPy (reset_after=False)
# ----------------------------------------------------------------------------------------------

def _gru_case(seed=5, batch=2, input_dim=3, units=4):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, input_dim))
    h = 0.8 * rng.standard_normal((batch, units))
    kernel = rng.normal(0.0, 0.8, (input_dim, 3 * units))
    recurrent_kernel = rng.normal(0.0, 0.8, (units, 3 * units))
    bias = rng.normal(0.0, 0.8, 3 * units)
    return x, h, kernel, recurrent_kernel, bias


def gru_step_reference(x, h_prev, kernel, recurrent_kernel, bias, *, order="zrh",
                       keras_convention=True, reset="before", candidate=np.tanh,
                       use_bias=True, recurrent_gates=True, update="interpolate"):
    """One GRU step (Keras, reset_after=False); keywords reproduce typical mistakes."""
    u = h_prev.shape[-1]
    pos = {g: slice(k * u, (k + 1) * u) for k, g in enumerate(order)}
    b = bias if use_bias else np.zeros_like(bias)
    g_prev = h_prev if recurrent_gates else np.zeros_like(h_prev)
    z = _sigmoid(x @ kernel[:, pos["z"]] + g_prev @ recurrent_kernel[:, pos["z"]] + b[pos["z"]])
    r = _sigmoid(x @ kernel[:, pos["r"]] + g_prev @ recurrent_kernel[:, pos["r"]] + b[pos["r"]])
    U_h = recurrent_kernel[:, pos["h"]]
    if reset == "before":
        rec = (r * h_prev) @ U_h
    elif reset == "after":
        rec = r * (h_prev @ U_h)
    else:                                   # no reset gate at all
        rec = h_prev @ U_h
    h_tilde = candidate(x @ kernel[:, pos["h"]] + rec + b[pos["h"]])
    if update == "candidate":
        return h_tilde
    if update == "no 1 - z":
        return z * h_prev + h_tilde
    if keras_convention:
        return z * h_prev + (1 - z) * h_tilde
    return (1 - z) * h_prev + z * h_tilde


_GRU_MISTAKES = [
    (dict(keras_convention=False),
     "you used h_t = (1 - z) * h_prev + z * h~ (the convention of Chung et al. 2014 and many "
     "tutorials). Keras, and this course, write h_t = z * h_prev + (1 - z) * h~: z close to 1 "
     "keeps the old state"),
    (dict(reset="after"),
     "you applied the reset gate after the product, r * (h_prev @ U_h): that is Keras' "
     "reset_after=True. Here (reset_after=False) it comes first: (r * h_prev) @ U_h"),
    (dict(reset="none"), "the reset gate is missing from the candidate: "
                         "h~ = tanh(x W_h + (r * h_prev) U_h + b_h)"),
    (dict(candidate=_sigmoid), "the candidate uses tanh, not sigmoid"),
    (dict(use_bias=False), "you left out the bias"),
    (dict(recurrent_gates=False), "the gates z and r also depend on the previous state: "
                                  "z = sigmoid(x W_z + h_prev U_z + b_z), and the same for r"),
    (dict(update="candidate"), "you returned the candidate h~_t: the new state interpolates "
                               "between h_prev and h~_t with the update gate"),
    (dict(update="no 1 - z"), "the candidate's weight is missing its (1 - z): "
                              "h_t = z * h_prev + (1 - z) * h~_t, a weighted average"),
]


@exercise("ch04.gru_step", "one GRU step in NumPy (Keras' layout, reset_after=False)",
          hint="Slice each weight into its three column blocks (z, r, h) and compute z and r "
               "first: with reset_after=False the reset gate acts on h_prev before the product "
               "with the h block of recurrent_kernel. Section 5 says which of h_prev and the "
               "candidate z multiplies in Keras.")
def _gru_step(candidate):
    args = _gru_case()
    got = call(candidate, *(a.copy() for a in args))
    if isinstance(got, (tuple, list)):
        raise Feedback("gru_step should return h_t alone (a GRU has no separate cell state), "
                       f"got a {type(got).__name__} of length {len(got)}")
    h = to_numpy(got, "h_t", finite=True)
    want = gru_step_reference(*args)
    if h.shape != want.shape:
        raise Feedback(f"h_t should have shape (batch, units) = {want.shape}, got {h.shape}")
    if not _close(h, want):
        if _close(h, args[1]):
            raise Feedback("you returned h_prev unchanged: compute the gates and the candidate, "
                           "then h_t = z * h_prev + (1 - z) * h~_t")
        for order in ("".join(p) for p in itertools.permutations("zrh")):
            for convention in (True, False):
                if order != "zrh" and _close(
                        h, gru_step_reference(*args, order=order, keras_convention=convention)):
                    extra = "" if convention else (" (and your update rule uses the other "
                                                   "convention: Keras keeps h_prev where z is 1)")
                    raise Feedback(f"your gate order is {', '.join(order)}; Keras uses z, r, h "
                                   f"(update, reset, candidate){extra}")
        for options, message in _GRU_MISTAKES:
            if _close(h, gru_step_reference(*args, **options)):
                raise Feedback(message)
        expect_close(h, want, "h_t")
    args = _gru_case(seed=8, batch=3, input_dim=2, units=5)
    expect_close(to_numpy(call(candidate, *(a.copy() for a in args)), "h_t"),
                 gru_step_reference(*args), "h_t for batch 3, input_dim 2, units 5")
    return "z, r, h blocks, reset before U_h, and h_t = z * h_prev + (1 - z) * h~ as in Keras"


# ----------------------------------------------------------------------------------------------
# Exercise 4.3: parameter counts
# ----------------------------------------------------------------------------------------------

def count_params_reference(kind, input_dim, units):
    """Parameters of Keras' SimpleRNN, LSTM and GRU (reset_after=True) layers."""
    per_block = input_dim * units + units * units + units
    return {"simple_rnn": per_block, "lstm": 4 * per_block,
            "gru": 3 * per_block + 3 * units}[kind]


@exercise("ch04.count_params", "parameter counts of SimpleRNN, LSTM and GRU",
          hint="Each block has an input matrix (input_dim x units), a recurrent matrix "
               "(units x units) and a bias (units). Count the blocks of each cell; Keras' "
               "default GRU (reset_after=True) has a second, recurrent bias per block.")
def _count_params(candidate):
    for d, u in ((2, 32), (10, 7), (1, 1)):
        for kind in ("simple_rnn", "lstm", "gru"):
            got = call(candidate, kind, d, u)
            if isinstance(got, float) and got.is_integer():
                got = int(got)
            if not isinstance(got, (int, np.integer)):
                raise Feedback(f"count_params({kind!r}, {d}, {u}) should be an int, got {got!r}")
            want = count_params_reference(kind, d, u)
            blocks = {"simple_rnn": 1, "lstm": 4, "gru": 3}[kind]
            what = f"count_params({kind!r}, input_dim={d}, units={u})"
            if got == want:
                continue
            if got == blocks * (d * u + u * u):
                raise Feedback(f"{what} = {got}: you forgot the biases")
            if got == count_params_reference(kind, u, d) and d != u:
                raise Feedback(f"{what} = {got}: you swapped input_dim and units; the recurrent "
                               "matrix is units x units, the input matrix input_dim x units")
            if kind != "gru" and got == blocks * (d * u + u * u + 2 * u):
                raise Feedback(f"{what} = {got}: that counts two bias vectors per block, as "
                               "PyTorch does (b_ih and b_hh); Keras' SimpleRNN and LSTM have one")
            if got == blocks * (d * u + u):
                raise Feedback(f"{what} = {got}: you forgot the recurrent weights U "
                               "(units x units per block)")
            if kind == "gru" and got == 3 * (d * u + u * u + u):
                raise Feedback(f"{what} = {got}: that is a GRU with reset_after=False. Keras' "
                               "default (reset_after=True) has two bias vectors, an input one "
                               "and a recurrent one: bias shape (2, 3 * units)")
            if kind == "gru" and got == 4 * (d * u + u * u + u):
                raise Feedback(f"{what} = {got}: a GRU has three blocks (z, r, h), not four")
            if kind == "lstm" and got == 3 * (d * u + u * u + u):
                raise Feedback(f"{what} = {got}: an LSTM has four blocks (i, f, c, o)")
            expect_equal(got, want, what)
    return ("SimpleRNN u(d+u+1), LSTM 4u(d+u+1), GRU 3u(d+u+1) + 3u; at the same width a "
            "GRU has about 3/4 of an LSTM's parameters")


# ----------------------------------------------------------------------------------------------
# Exercise 4.4: which gate values keep the memory unchanged?
# ----------------------------------------------------------------------------------------------

_KEEP = {"lstm_forget_gate": 1, "lstm_input_gate": 0, "gru_update_gate": 1}


@exercise("ch04.keep_memory", "gate values that carry the state through a step unchanged",
          hint="Write out c_t = f_t * c_{t-1} + i_t * c~_t and Keras' "
               "h_t = z_t * h_{t-1} + (1 - z_t) * h~_t, and ask which values make the right-hand "
               "side equal the old state whatever the candidate is.")
def _keep_memory(candidate):
    expect_answers(candidate, _KEEP, (0, 1), key_name="gate", value_name="0 or 1",
                   choices_name="gate values", not_attempted="put 0 or 1 for each gate, then re-run")
    if candidate["lstm_forget_gate"] != 1:
        raise Feedback("lstm_forget_gate: f_t multiplies c_{t-1}, so f_t = 1 keeps it and "
                       "f_t = 0 erases it (the name says when it forgets, not when it keeps)")
    if candidate["lstm_input_gate"] != 0:
        raise Feedback("lstm_input_gate: i_t = 1 adds the whole candidate to the cell, which "
                       "changes it; i_t = 0 writes nothing")
    if candidate["gru_update_gate"] != 1:
        raise Feedback("gru_update_gate: in Keras, h_t = z * h_{t-1} + (1 - z) * h~_t, so z = 1 "
                       "copies the old state. z = 0 keeps it only in the other convention, "
                       "h_t = (1 - z) * h_{t-1} + z * h~_t (Chung et al. 2014, many tutorials)")
    return "f = 1, i = 0 in an LSTM, z = 1 in a Keras GRU: the state is copied unchanged"


# ----------------------------------------------------------------------------------------------
# Exercise 4.5: how long does a constant forget gate remember?
# ----------------------------------------------------------------------------------------------

@exercise("ch04.half_life", "half-life of the cell state under a constant forget gate",
          hint="Solve f**n = 1/2 for n by taking logarithms of both sides; n need not be a "
               "whole number of steps.")
def _half_life(candidate):
    for f in (0.5, 1 / (1 + math.exp(-1.0)), 0.9, 0.99):
        got = call(candidate, f)
        try:
            got = float(got)
        except (TypeError, ValueError):
            raise Feedback(f"half_life({f:.3g}) should be a number, got {got!r}") from None
        want = math.log(0.5) / math.log(f)
        if math.isclose(got, -want, rel_tol=1e-6):
            raise Feedback(f"half_life({f:.3g}) = {got:.4g} is negative: f^n = 1/2 gives "
                           "n = log(1/2) / log(f), both logs negative")
        if math.isclose(got, 1 / (1 - f), rel_tol=1e-6) and not math.isclose(got, want):
            raise Feedback(f"half_life({f:.3g}) = {got:.4g} is 1 / (1 - f), roughly the "
                           "e-folding time for f close to 1; the half-life solves f^n = 1/2")
        if math.isclose(got, -1 / math.log(f), rel_tol=1e-6):
            raise Feedback(f"half_life({f:.3g}) = {got:.4g} is -1 / log(f), the e-folding time "
                           "(after which 1/e is left); the half-life solves f^n = 1/2")
        whole = {round(want), math.floor(want), math.ceil(want)}
        if any(math.isclose(got, w) for w in whole) and not math.isclose(got, want, rel_tol=1e-6):
            raise Feedback(f"half_life({f:.3g}) = {got}: do not round, the half-life need "
                           "not be a whole number of steps")
        expect_close(got, want, f"half_life({f:.3g})", atol=1e-6, rtol=1e-6)
    return ("n = log(1/2) / log(f): about 2.2 steps for f = sigmoid(1), the forget gate at "
            "initialisation, and 69 steps for f = 0.99")


__all__ = ["lstm_step_reference", "gru_step_reference", "count_params_reference"]
