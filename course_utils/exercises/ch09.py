"""Checkers for the exercises of chapter 9 (Bahdanau attention).

Exercise 9.1 writes additive attention for one decoder step over a batch, in NumPy:
``context, alpha = additive_attention(s_prev, H, W_kernel, U_kernel, v, mask)`` with
the kernels in Keras' layout (row vectors times kernel). The checker compares it with
the reference on a batch whose sources have different lengths, and names the usual
mistakes: no mask (padded positions get weight), a mask applied after the softmax
without renormalising, a softmax over the batch or the wrong axis, a missing tanh,
masked scores set to 0 instead of a very negative number, the outputs swapped, and a
context built from the projected keys ``U h_j`` or the unweighted mean of the ``h_j``.
"""

from __future__ import annotations

import numpy as np

from .core import Feedback, call, exercise, expect_close, expect_shape

B, S, D_S, D_H, A = 3, 7, 5, 6, 4
LENGTHS = (7, 4, 2)


def additive_problem(seed=9):
    """The inputs of exercise 9.1: ``(s_prev, H, W_kernel, U_kernel, v, mask)``.

    Shapes: ``s_prev`` (3, 5), ``H`` (3, 7, 6), ``W_kernel`` (5, 4), ``U_kernel`` (6, 4),
    ``v`` (4,), ``mask`` (3, 7) boolean with 7, 4 and 2 real positions.
    """
    rng = np.random.default_rng(seed)
    s_prev = rng.normal(0, 1, (B, D_S))
    H = rng.normal(0, 1, (B, S, D_H))
    W_kernel = rng.normal(0, 0.7, (D_S, A))
    U_kernel = rng.normal(0, 0.7, (D_H, A))
    v = rng.normal(0, 1.0, A)
    mask = np.arange(S)[None, :] < np.asarray(LENGTHS)[:, None]
    return s_prev, H, W_kernel, U_kernel, v, mask


def _softmax(e, axis=-1):
    e = e - e.max(axis=axis, keepdims=True)
    p = np.exp(e)
    return p / p.sum(axis=axis, keepdims=True)


def reference_additive_attention(s_prev, H, W_kernel, U_kernel, v, mask):
    """The reference: e_j = vᵀ tanh(W s + U h_j), α = masked softmax over j, c = Σ α_j h_j."""
    e = np.tanh((s_prev @ W_kernel)[:, None, :] + H @ U_kernel) @ v           # (B, S)
    alpha = _softmax(np.where(mask, e, -np.inf), axis=-1)
    alpha = np.where(mask, alpha, 0.0)
    return np.einsum("bs,bsd->bd", alpha, H), alpha


def _variants(s_prev, H, W_kernel, U_kernel, v, mask):
    """Weights of the usual wrong answers, by name."""
    q = (s_prev @ W_kernel)[:, None, :]
    k = H @ U_kernel
    e = np.tanh(q + k) @ v
    after = np.where(mask, _softmax(e), 0.0)
    return {
        "no mask": _softmax(e),
        "mask after softmax": after,
        "softmax over the batch": np.where(mask, np.nan_to_num(_softmax(np.where(mask, e, -1e9), axis=0)), 0.0),
        "softmax over the batch (no mask)": _softmax(e, axis=0),
        "no tanh": np.where(mask, _softmax(np.where(mask, (q + k) @ v, -np.inf)), 0.0),
        "mask filled with 0 before the softmax": _softmax(np.where(mask, e, 0.0)),
    }


@exercise("ch09.additive_attention", "additive (Bahdanau) attention for one step",
          hint="project both sides first (s_prev @ W_kernel has shape (batch, units), H @ U_kernel has "
               "shape (batch, S, units)), add them with broadcasting over the source axis, apply tanh "
               "and take the dot product with v to get one score per source position; the softmax runs "
               "over the source positions of each row, and padded positions must end with weight 0.")
def _(candidate):
    args = additive_problem()
    s_prev, H, W_kernel, U_kernel, v, mask = args
    want_c, want_a = reference_additive_attention(*args)
    result = call(candidate, *(np.array(a, copy=True) for a in args))
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Feedback("return a pair (context, alpha): the context of shape (batch, d_h) = "
                       f"({B}, {D_H}) and the weights of shape (batch, S) = ({B}, {S})")
    context, alpha = result
    if np.shape(alpha) == (B, D_H) and np.shape(context) == (B, S):
        raise Feedback("you returned (alpha, context); the order is (context, alpha)")
    alpha = expect_shape(alpha, (B, S), "alpha", finite=False)
    if not np.all(np.isfinite(alpha)):
        raise Feedback("alpha has NaN or infinite entries: if you set the masked scores to -inf, "
                       "the weights there must still come out as 0 (a softmax of -inf is 0, "
                       "but -inf - -inf is NaN); subtract the maximum of the real scores only")
    padded = ~mask
    variants = _variants(*args)
    for name in ("softmax over the batch", "softmax over the batch (no mask)"):
        if np.allclose(alpha, variants[name], atol=1e-6):
            raise Feedback("your softmax normalises over the batch axis (axis 0): each source's "
                           "weights must sum to 1 over its own positions, the last axis")
    if np.allclose(alpha.sum(axis=0), 1.0, atol=1e-6) and not np.allclose(alpha.sum(axis=1), 1.0, atol=1e-4):
        raise Feedback("the weights sum to 1 down each column (over the batch), not along each row: "
                       "the softmax runs over the source positions, axis -1")
    if np.any(np.abs(alpha[padded]) > 1e-12):
        if np.allclose(alpha, variants["no mask"], atol=1e-6):
            raise Feedback("padded source positions get weight: apply the mask (True = real position) "
                           "before the softmax, so that padding gets exactly zero weight")
        if np.allclose(alpha, variants["mask filled with 0 before the softmax"], atol=1e-6):
            raise Feedback("setting the masked scores to 0 is not masking: a score of 0 still gets "
                           "weight exp(0) in the softmax; use a very negative score (or -inf), and "
                           "make the weights there exactly 0")
        worst = float(np.abs(alpha[padded]).max())
        raise Feedback(f"padded source positions get weight (up to {worst:.3g}): padding must get "
                       "exactly zero weight")
    sums = alpha.sum(axis=1)
    if not np.allclose(sums, 1.0, atol=1e-5):
        if np.allclose(alpha, variants["mask after softmax"], atol=1e-6):
            raise Feedback("you zeroed the padded weights after the softmax, so the remaining weights "
                           f"sum to {np.round(sums, 3).tolist()}, not 1: mask the scores before the "
                           "softmax")
        raise Feedback(f"each row of alpha must sum to 1 over the source positions; yours sum to "
                       f"{np.round(sums, 4).tolist()}")
    if np.allclose(alpha, variants["no tanh"], atol=1e-6):
        raise Feedback("the scores miss the tanh: e_j = v_a · tanh(W_a s + U_a h_j), a one-hidden-layer "
                       "network, not a linear function of s and h")
    expect_close(alpha, want_a, "alpha", atol=1e-6)
    if np.shape(context) == (B, A):
        raise Feedback(f"the context has shape {np.shape(context)}: it averages the projected keys "
                       "H @ U_kernel; the context is the weighted sum of the annotations h_j themselves")
    context = expect_shape(context, (B, D_H), "context")
    if np.allclose(context, H.mean(axis=1), atol=1e-6):
        raise Feedback("the context is the plain mean of H: weight each h_j by alpha_j")
    expect_close(context, want_c, "context", atol=1e-6)
    return ("e_j = v_a · tanh(W_a s_{t-1} + U_a h_j), alpha = softmax over the real positions, "
            "c = sum_j alpha_j h_j; padding gets exactly zero weight")
