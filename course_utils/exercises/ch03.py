"""Checkers for the exercises of chapter 3 (the recurrent network and BPTT).

- ``ch03.grad_W_y``: the gradient of the mean cross-entropy with respect to the
  output weights ``W_y`` of ``yhat_t = softmax(u_t)``, ``u_t = W_y h_t + b_y``.
- ``ch03.softmax_temperature``: the next-character distribution at a given
  sampling temperature.
- ``ch03.clip_by_global_norm``: Pascanu et al.'s gradient clipping rule.
"""

from __future__ import annotations

import numpy as np

from .core import Feedback, call, exercise, expect_close, expect_distribution, expect_shape, to_numpy


def _onehot(ids, k):
    return np.eye(k)[ids]


def _softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _close(a, b):
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------------- grad_W_y

def reference_grad_W_y(hs, probs, targets):
    """dL/dW_y for L = mean over batch and time of -log probs[b, t, targets[b, t]]."""
    B, T, K = probs.shape
    delta = probs - _onehot(targets, K)
    return np.einsum("btk,bth->kh", delta, hs) / (B * T)


def _grad_W_y_case(seed, B=4, T=6, H=5, K=3):
    rng = np.random.default_rng(seed)
    hs = np.tanh(rng.standard_normal((B, T, H)))
    probs = _softmax(rng.standard_normal((B, T, K)) * 1.5)
    targets = rng.integers(0, K, size=(B, T))
    return hs, probs, targets


@exercise("ch03.grad_W_y", "gradient of the mean cross-entropy with respect to W_y",
          hint=("start from the derivative of the cross-entropy with respect to the logits "
                "u_t (one error vector per sequence and step); ask which array multiplies W_y "
                "at each step, and sum the outer products over the batch and the time axis "
                "(np.einsum does it in one line). The loss is a mean: mind the factor in front."))
def _check_grad_W_y(candidate):
    hs, probs, targets = _grad_W_y_case(3)
    B, T, H = hs.shape
    K = probs.shape[-1]
    args = (hs.copy(), probs.copy(), targets.copy())
    got = to_numpy(call(candidate, *args), "grad_W_y(hs, probs, targets)", finite=True)
    ref = reference_grad_W_y(hs, probs, targets)
    delta = probs - _onehot(targets, K)
    if got.shape == (H, K) and _close(got, ref.T):
        raise Feedback(f"your result has shape {(H, K)} and equals the answer transposed: "
                       f"dL/dW_y has the shape of W_y, (n_outputs, n_hidden) = {(K, H)}; "
                       "it is sum_t (yhat_t - onehot_t) h_t^T, error times state transposed")
    if got.shape == (H, K):
        raise Feedback(f"your result has shape {(H, K)}, expected W_y's shape "
                       f"(n_outputs, n_hidden) = {(K, H)}")
    expect_shape(got, (K, H), "grad_W_y(hs, probs, targets)")
    wrong = [
        ("you summed over the batch and the time steps but did not divide by the number of "
         f"terms B*T = {B * T}; the loss is a mean", ref * (B * T)),
        (f"you averaged over the batch only; the loss averages over the batch and the {T} "
         "time steps, so divide by B*T", ref * T),
        ("you averaged over time only; the loss averages over the batch too (divide by "
         "B*T, not T)", ref * B),
        ("you used only the last time step: W_y is shared by every step, so its gradient sums "
         "the contributions of all time steps",
         np.einsum("bk,bh->kh", delta[:, -1], hs[:, -1]) / (B * T)),
        ("you used only the last time step (and averaged over the batch): W_y is shared by "
         "every step, so its gradient sums over all time steps",
         np.einsum("bk,bh->kh", delta[:, -1], hs[:, -1]) / B),
        ("you used only the first sequence of the batch: sum over the batch axis as well",
         np.einsum("tk,th->kh", delta[0], hs[0]) / (B * T)),
        ("you used only the first sequence of the batch: sum over the batch axis as well",
         np.einsum("tk,th->kh", delta[0], hs[0]) / T),
        ("you forgot to subtract the one-hot targets: dL/du_t = yhat_t - onehot(target_t) "
         "(up to the factor of the mean)",
         np.einsum("btk,bth->kh", probs, hs) / (B * T)),
        ("the sign is flipped: the gradient of the cross-entropy with respect to the logits "
         "u_t is yhat_t - onehot(target_t), not onehot(target_t) - yhat_t", -ref),
        ("you paired the error at step t with h_{t-1}; the output at step t reads h_t",
         np.einsum("btk,bth->kh", delta[:, 1:], hs[:, :-1]) / (B * T)),
        ("you paired the error at step t with h_{t+1}; the output at step t reads h_t",
         np.einsum("btk,bth->kh", delta[:, :-1], hs[:, 1:]) / (B * T)),
        (f"you also divided by the number of output classes K = {K}; the mean is over the "
         "B*T terms of the loss only, each of which already sums over the classes", ref / K),
        ("you multiplied the states by the tanh derivative 1 - h_t^2: that factor belongs to "
         "the hidden pre-activations a_t, but u_t = W_y h_t + b_y reads h_t itself",
         np.einsum("btk,bth->kh", delta, hs * (1 - hs ** 2)) / (B * T)),
    ]
    for message, value in wrong:
        if _close(got, value):
            raise Feedback(message)
    expect_close(got, ref, "grad_W_y(hs, probs, targets)", atol=1e-8, rtol=1e-6)
    for name, original, passed in zip(("hs", "probs", "targets"), (hs, probs, targets), args):
        if not np.array_equal(original, passed):
            raise Feedback(f"your function changed its argument {name} in place; compute a new "
                           "array instead")
    # a second case with other sizes, so that a hard-coded size cannot pass
    hs2, probs2, targets2 = _grad_W_y_case(11, B=2, T=9, H=3, K=7)
    got2 = expect_shape(call(candidate, hs2, probs2, targets2), (7, 3),
                        "grad_W_y on a batch of 2 sequences of 9 steps with H=3, K=7")
    expect_close(got2, reference_grad_W_y(hs2, probs2, targets2),
                 "grad_W_y on a batch of 2 sequences of 9 steps with H=3, K=7",
                 atol=1e-8, rtol=1e-6)
    return ("dL/dW_y = (1/(B T)) sum_{b,t} (yhat_bt - onehot_bt) h_bt^T: one outer product per "
            "step, summed because W_y is shared")


# --------------------------------------------------------------------------- temperature

def reference_softmax_temperature(logits, temperature):
    return _softmax(np.asarray(logits, dtype="float64") / temperature)


@exercise("ch03.softmax_temperature", "sampling distribution at a temperature",
          hint=("scale the logits by the temperature first, then take a softmax along the last "
                "axis (one distribution per row). np.exp(1000) overflows; subtracting each "
                "row's maximum before exponentiating does not change the result."))
def _check_softmax_temperature(candidate):
    rng = np.random.default_rng(5)
    logits = rng.standard_normal((3, 6)) * 2.0
    for temperature in (1.0, 0.5, 2.0):
        got = to_numpy(call(candidate, logits.copy(), temperature),
                       f"softmax_temperature(logits, {temperature})", finite=True)
        if got.shape != logits.shape:
            raise Feedback(f"softmax_temperature(logits, {temperature}) has shape {got.shape}; "
                           f"it should return one distribution per row, shape {logits.shape}")
        ref = reference_softmax_temperature(logits, temperature)
        if temperature != 1.0 and _close(got, reference_softmax_temperature(logits, 1.0)):
            raise Feedback(f"your result at temperature {temperature} equals the plain softmax: "
                           "divide the logits by the temperature before the softmax")
        if temperature != 1.0 and _close(got, reference_softmax_temperature(logits,
                                                                            1 / temperature)):
            raise Feedback("you multiplied the logits by the temperature; divide them by it "
                           "(a low temperature must sharpen the distribution)")
        if _close(got, _softmax((logits / temperature).T).T):
            raise Feedback("you normalised along the first axis (over the batch); each row "
                           "(the last axis, the vocabulary) must sum to 1")
        expect_distribution(got, -1, f"softmax_temperature(logits, {temperature})", reference=ref)
        expect_close(got, ref, f"softmax_temperature(logits, {temperature})", atol=1e-8)
    big = np.array([[1000.0, 999.0, 0.0]])
    got = to_numpy(call(candidate, big.copy(), 0.5), "softmax_temperature([[1000, 999, 0]], 0.5)")
    if not np.all(np.isfinite(got)):
        raise Feedback("with logits [[1000, 999, 0]] your result overflows to NaN/inf: subtract "
                       "the row maximum before exponentiating (it does not change the softmax)")
    expect_close(got, reference_softmax_temperature(big, 0.5),
                 "softmax_temperature([[1000, 999, 0]], 0.5)", atol=1e-8)
    return ("softmax(z / T): T < 1 sharpens the distribution, T > 1 flattens it, "
            "T = 1 is the model itself")


# --------------------------------------------------------------------------- clipping

def reference_clip_by_global_norm(grads, max_norm):
    norm = np.sqrt(sum(float(np.sum(np.square(g))) for g in grads))
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return [np.asarray(g, dtype="float64") * scale for g in grads]


@exercise("ch03.clip_by_global_norm", "gradient clipping by the global norm",
          hint=("compute one norm for all arrays together (the square root of the sum of all "
                "squared entries), then multiply every array by the same factor; that factor "
                "is never larger than 1."))
def _check_clip_by_global_norm(candidate):
    rng = np.random.default_rng(7)
    # one large and one small gradient: per-variable clipping changes their ratio
    grads = [rng.standard_normal((4, 3)) * 3.0, rng.standard_normal(3) * 1.0]
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    max_norm = 2.0
    originals = [g.copy() for g in grads]
    got = call(candidate, grads, max_norm)
    if not isinstance(got, (list, tuple)) or len(got) != len(grads):
        raise Feedback(f"return a list with one clipped array per gradient ({len(grads)}), got "
                       f"{type(got).__name__}" + (f" of length {len(got)}"
                                                  if isinstance(got, (list, tuple)) else ""))
    got = [to_numpy(g, f"clipped gradient {i}", finite=True) for i, g in enumerate(got)]
    for i, (g, o) in enumerate(zip(got, originals)):
        if g.shape != o.shape:
            raise Feedback(f"clipped gradient {i} has shape {g.shape}, expected {o.shape}")
    if any(not np.array_equal(a, b) for a, b in zip(grads, originals)):
        raise Feedback("your function changed the gradients in place; return new arrays")
    ref = reference_clip_by_global_norm(originals, max_norm)
    per_variable = [g * min(1.0, max_norm / np.linalg.norm(g)) for g in originals]
    if all(_close(a, b) for a, b in zip(got, per_variable)):
        raise Feedback("you clipped each gradient by its own norm (that is Keras's `clipnorm`); "
                       "the global rule rescales all of them by one factor computed from the "
                       "norm of all gradients together, which keeps the direction")
    if all(_close(a, np.clip(b, -max_norm, max_norm)) for a, b in zip(got, originals)):
        raise Feedback("you clipped each entry to [-max_norm, max_norm] (that is `clipvalue`); "
                       "rescale the whole gradient by max_norm / global_norm instead")
    sum_of_norms = sum(np.linalg.norm(g) for g in originals)
    if all(_close(a, b * max_norm / sum_of_norms) for a, b in zip(got, originals)):
        raise Feedback("you added the norms of the gradients; the global norm is the square "
                       "root of the sum of all squared entries, sqrt(sum_i ||g_i||^2)")
    squared = norm ** 2
    if all(_close(a, b * max_norm / squared) for a, b in zip(got, originals)):
        raise Feedback("you divided by the squared global norm; take its square root")
    if all(_close(a, b) for a, b in zip(got, originals)):
        raise Feedback(f"you returned the gradients unchanged, but their global norm {norm:.4g} is "
                       f"above max_norm = {max_norm}: they must be scaled down by max_norm / norm "
                       "(did you write max(1, ...) instead of min(1, ...)?)")
    flat_got = np.concatenate([a.ravel() for a in got])
    flat_in = np.concatenate([b.ravel() for b in originals])
    factor = float(flat_got @ flat_in / (flat_in @ flat_in))
    expected = max_norm / norm
    if factor != 0 and not np.isclose(factor, expected) and all(
            _close(a, b * factor) for a, b in zip(got, originals)):
        raise Feedback(f"you scaled every array by the same factor, which is right, but the factor "
                       f"is {factor:.4g}, not max_norm / ||g|| = {max_norm} / {norm:.4g} = "
                       f"{expected:.4g}; ||g|| is the norm of all gradients together, "
                       "sqrt(sum_i ||g_i||^2), not the norm of one of them, their mean or their largest")
    for i, (a, b) in enumerate(zip(got, ref)):
        expect_close(a, b, f"clipped gradient {i}", atol=1e-8)
    # below the threshold nothing may change
    small = [g * 0.1 for g in originals]
    got_small = call(candidate, [g.copy() for g in small], max_norm)
    got_small = [to_numpy(g, "clipped gradient", finite=True) for g in got_small]
    if all(_close(a, b * max_norm / (0.1 * norm)) for a, b in zip(got_small, small)):
        raise Feedback("you rescaled a gradient whose norm is already below max_norm up to "
                       "max_norm; clipping only ever shrinks: scale = min(1, max_norm / norm)")
    for i, (a, b) in enumerate(zip(got_small, small)):
        expect_close(a, b, f"gradient {i} with a global norm below max_norm (must be unchanged)",
                     atol=1e-10)
    return ("g <- g * min(1, max_norm / ||g||) with ||g|| the norm of all gradients together: "
            "the step is shortened, its direction kept")


__all__ = ["reference_grad_W_y", "reference_softmax_temperature", "reference_clip_by_global_norm"]
