"""Checkers for the exercises of chapter 10 (self-attention and the Transformer).

Exercise 10.1 writes scaled dot-product attention with a mask, in NumPy:
``output, weights = masked_attention(Q, K, V, mask)`` with ``Q`` ``(batch, T_q, d_k)``,
``K`` ``(batch, T_k, d_k)``, ``V`` ``(batch, T_k, d_v)`` and a boolean ``mask``
``(batch, T_q, T_k)``, True where a query may attend to a key. The checker compares it
with the reference on a batch that mixes a padding mask with a causal mask, and names
the usual mistakes: the 1/√d_k scale missing (or 1/d_k instead), the mask applied after
the softmax (weights zeroed but not renormalised), masked scores set to 0 instead of a
very negative number, no mask at all, a softmax over the queries instead of the keys,
and the outputs swapped.
"""

from __future__ import annotations

import numpy as np

from .core import Feedback, call, exercise, expect_close, expect_shape

B, T_Q, T_K, D_K, D_V = 2, 5, 6, 16, 3
LENGTHS = (6, 4)


def attention_problem(seed=10):
    """The inputs of exercise 10.1: ``(Q, K, V, mask)``.

    ``Q`` (2, 5, 16), ``K`` (2, 6, 16), ``V`` (2, 6, 3); ``mask`` (2, 5, 6) is True where
    the key is real (6 and 4 real keys) and not after the query's position (causal).
    The entries of Q and K have unit variance, so the unscaled scores have a standard
    deviation of about √16 = 4 and the scale matters.
    """
    rng = np.random.default_rng(seed)
    Q = rng.normal(0, 1, (B, T_Q, D_K))
    K = rng.normal(0, 1, (B, T_K, D_K))
    V = rng.normal(0, 1, (B, T_K, D_V))
    real = np.arange(T_K)[None, None, :] < np.asarray(LENGTHS)[:, None, None]
    causal = np.arange(T_K)[None, None, :] <= np.arange(T_Q)[None, :, None] + (T_K - T_Q)
    return Q, K, V, real & causal


def _softmax(e, axis=-1):
    e = e - e.max(axis=axis, keepdims=True)
    p = np.exp(e)
    return p / p.sum(axis=axis, keepdims=True)


def reference_masked_attention(Q, K, V, mask):
    """softmax(Q Kᵀ / √d_k) with masked scores at -inf, times V; masked weights exactly 0."""
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    weights = np.where(mask, _softmax(np.where(mask, scores, -np.inf)), 0.0)
    return weights @ V, weights


def _variants(Q, K, V, mask):
    raw = Q @ np.swapaxes(K, -1, -2)
    scaled = raw / np.sqrt(Q.shape[-1])

    def masked(s):
        return np.where(mask, _softmax(np.where(mask, s, -1e30)), 0.0)

    return {
        "no scale": masked(raw),
        "scale 1/d_k": masked(raw / Q.shape[-1]),
        "mask after the softmax": np.where(mask, _softmax(scaled), 0.0),
        "mask after the softmax, no scale": np.where(mask, _softmax(raw), 0.0),
        "masked scores set to 0": _softmax(np.where(mask, scaled, 0.0)),
        "no mask": _softmax(scaled),
        "no mask, no scale": _softmax(raw),
        "softmax over the queries": np.where(mask, np.nan_to_num(_softmax(np.where(mask, scaled, -1e30),
                                                                           axis=-2)), 0.0),
    }


MESSAGES = {
    "no scale": "the scores are not scaled: divide Q Kᵀ by √d_k before the softmax (with d_k = 16 "
                "the unscaled scores are about 4 times too large and the softmax saturates)",
    "scale 1/d_k": "you divided the scores by d_k; the scale is 1/√d_k",
    "mask after the softmax": "you zeroed the masked weights after the softmax, so each row no longer sums "
                              "to 1 and the masked keys still took their share of the weight: mask the "
                              "scores (a very negative number) before the softmax",
    "mask after the softmax, no scale": "two mistakes: the mask is applied after the softmax (mask the scores "
                                        "before it) and the scores are not divided by √d_k",
    "masked scores set to 0": "setting the masked scores to 0 is not masking: a score of 0 still gets "
                              "weight exp(0); use a very negative score (or -inf) and make the weights "
                              "there exactly 0",
    "no mask": "masked keys get weight: the mask (True = may attend) must be applied to the scores before "
               "the softmax",
    "no mask, no scale": "no mask and no scale: divide Q Kᵀ by √d_k and mask the scores before the softmax",
    "softmax over the queries": "your softmax normalises over the queries (axis -2): each query's weights "
                                "must sum to 1 over the keys, the last axis",
}


@exercise("ch10.masked_attention", "scaled dot-product attention with a mask",
          hint="the scores are one matrix product of Q with K transposed on its last two axes, divided by "
               "the square root of the key size; masked scores must lose every softmax competition, so "
               "replace them before normalising over the last axis, and make sure the weights there end "
               "up exactly 0.")
def _(candidate):
    args = attention_problem()
    Q, K, V, mask = args
    want_out, want_w = reference_masked_attention(*args)
    result = call(candidate, *(np.array(a, copy=True) for a in args))
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Feedback(f"return a pair (output, weights): the output of shape (batch, T_q, d_v) = "
                       f"({B}, {T_Q}, {D_V}) and the weights of shape (batch, T_q, T_k) = ({B}, {T_Q}, {T_K})")
    out, weights = result
    if np.shape(out) == (B, T_Q, T_K) and np.shape(weights) == (B, T_Q, D_V):
        raise Feedback("you returned (weights, output); the order is (output, weights)")
    weights = expect_shape(weights, (B, T_Q, T_K), "weights", finite=False)
    if not np.all(np.isfinite(weights)):
        raise Feedback("the weights have NaN or infinite entries: with scores at -inf, subtract the "
                       "row maximum before exponentiating and set the masked weights to exactly 0")
    for name, w in _variants(*args).items():
        if np.allclose(weights, w, atol=1e-6) and not np.allclose(w, want_w, atol=1e-6):
            raise Feedback(MESSAGES[name])
    if np.any(np.abs(weights[~mask]) > 1e-12):
        raise Feedback(f"masked keys get weight (up to {float(np.abs(weights[~mask]).max()):.3g}): "
                       "they must get exactly zero weight")
    sums = weights.sum(axis=-1)
    if not np.allclose(sums, 1.0, atol=1e-5):
        raise Feedback(f"each query's weights must sum to 1 over the keys; yours sum to "
                       f"{np.round(sums, 3).tolist()}")
    expect_close(weights, want_w, "weights", atol=1e-6)
    out = expect_shape(out, (B, T_Q, D_V), "output")
    expect_close(out, want_out, "output", atol=1e-6)
    return "softmax(Q Kᵀ / √d_k) with masked scores at -inf, times V: masked keys get exactly zero weight"
