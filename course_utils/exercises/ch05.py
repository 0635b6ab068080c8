"""Checkers for the exercises of chapter 5 (deep, bidirectional and hybrid RNNs on real data).

The forecasting checkers feed series whose values encode their own time index
(value = index + offset), so they can tell exactly which time steps a reader's
windows, scalers and forecasts used, and name the leak or the off-by-one.
"""

from __future__ import annotations

import numpy as np

from .core import Feedback, call, exercise, expect_close, expect_varying, to_numpy

_OFFSET = 100.0  # series value = time index + _OFFSET


def _as_2d(value, what):
    arr = to_numpy(value, what, finite=True)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if arr.ndim != 2:
        raise Feedback(f"{what} has shape {arr.shape}; expected (n_windows, steps), one row per window")
    return arr


def _as_1d(value, what):
    arr = to_numpy(value, what, finite=True)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise Feedback(f"{what} has shape {arr.shape}; expected (n_windows,), one target per window")
    return arr


# ---------------------------------------------------------------------------------------------
# 5.1 time-ordered windows without leakage
# ---------------------------------------------------------------------------------------------

def _reference_split(series, L, vs):
    T = len(series)
    tr = np.arange(L, vs)
    va = np.arange(max(vs, L), T)
    win = lambda ts: np.stack([series[t - L:t] for t in ts])  # noqa: E731 - a one-line window helper reads best as a lambda
    return win(tr), series[tr], win(va), series[va]


def _check_split_case(candidate, T, L, vs):
    series = np.arange(T, dtype="float64") + _OFFSET
    got = call(candidate, series.copy(), L, vs)
    if not isinstance(got, (tuple, list)) or len(got) != 4:
        raise Feedback("split_windows must return a tuple (x_train, y_train, x_val, y_val)")
    x_tr = _as_2d(got[0], "x_train")
    y_tr = _as_1d(got[1], "y_train")
    x_va = _as_2d(got[2], "x_val")
    y_va = _as_1d(got[3], "y_val")
    for arr, what in ((x_tr, "x_train"), (y_tr, "y_train"), (x_va, "x_val"), (y_va, "y_val")):
        expect_varying(arr, what=what)          # the series never repeats a value
    for x, y, part in ((x_tr, y_tr, "training"), (x_va, y_va, "validation")):
        if x.shape[0] != y.shape[0]:
            raise Feedback(f"the {part} part has {x.shape[0]} input windows but {y.shape[0]} "
                           "targets")
        if x.shape[1] != L:
            raise Feedback(f"{part} windows have {x.shape[1]} steps, expected input_length={L}")
    # decode time indices
    tx_tr, ty_tr = x_tr - _OFFSET, y_tr - _OFFSET
    tx_va, ty_va = x_va - _OFFSET, y_va - _OFFSET
    for tx, ty, part in ((tx_tr, ty_tr, "training"), (tx_va, ty_va, "validation")):
        if len(ty) == 0:
            continue
        if np.allclose(ty, tx[:, -1]):
            raise Feedback(f"each {part} target equals the last value of its own window: the "
                           "target is the value right *after* the window (off by one)")
        if np.allclose(ty, tx[:, -1] + 2):
            raise Feedback(f"each {part} target lies two steps after its window's last value: "
                           "you skipped a step; the target is the very next value (off by one)")
        if not np.allclose(tx, ty[:, None] - L + np.arange(L)):
            raise Feedback(f"the {part} windows are not the {L} values just before their "
                           "targets")
    leaked = ty_tr[ty_tr >= vs]
    if len(leaked):
        how = ""
        if np.allclose(np.sort(ty_tr), np.arange(L, L + len(ty_tr))) and ty_tr.max() >= vs:
            how = (" It looks as if windows were assigned by the position of their first input; "
                   "assign them by the position of their target.")
        if not np.all(np.diff(ty_tr) > 0):
            how = " The windows are not in time order: did you shuffle before splitting?"
        raise Feedback(f"leakage: {len(leaked)} training targets lie at or after "
                       f"val_start={vs} (e.g. index {int(leaked.min())}), in the validation "
                       f"part.{how}")
    early = ty_va[ty_va < vs]
    if len(early):
        raise Feedback(f"{len(early)} validation targets lie before val_start={vs} (e.g. index "
                       f"{int(early.min())}): those values belong to the training part")
    if not (np.all(np.diff(ty_tr) > 0) and np.all(np.diff(ty_va) > 0)):
        raise Feedback("the windows are not in time order (or appear twice); keep each part "
                       "sorted by time")
    want_tr = np.arange(L, vs)
    want_va = np.arange(max(vs, L), T)
    if len(ty_tr) != len(want_tr):
        raise Feedback(f"{len(ty_tr)} training windows, expected {len(want_tr)} (targets at "
                       f"indices {L} to {vs - 1}): use every window whose target lies before "
                       "val_start")
    if len(ty_va) < len(want_va):
        if len(ty_va) and ty_va[0] > vs:
            raise Feedback(f"your first validation target is at index {int(ty_va[0])}, not at "
                           f"val_start={vs}: validation windows may take their inputs from the "
                           "training part (that past is known when the forecast is made)")
        if len(ty_va) and ty_va[-1] < T - 1:
            raise Feedback("the last window (whose target is the last value of the series) is "
                           "missing: off by one at the end")
        raise Feedback(f"{len(ty_va)} validation windows, expected {len(want_va)}")
    if len(ty_va) > len(want_va):
        raise Feedback(f"{len(ty_va)} validation windows, expected {len(want_va)}")
    ref = _reference_split(series, L, vs)
    for got_arr, want, what in zip((x_tr, y_tr, x_va, y_va), ref,
                                   ("x_train", "y_train", "x_val", "y_val")):
        expect_close(got_arr, want, what)


@exercise("ch05.split_windows", "one-step windows with a time-ordered split and no leakage",
          hint="Loop over the index t of the target: its window is series[t - input_length:t]. "
               "Which t are possible at all, and which of them lie before val_start? A window "
               "belongs to the part of its target, not of its first input.")
def _split_windows(candidate):
    _check_split_case(candidate, T=40, L=5, vs=30)
    _check_split_case(candidate, T=25, L=3, vs=12)
    return ("every target is the value right after its window, each window sits in the part of "
            "its target, and validation inputs may reach back into training")


# ---------------------------------------------------------------------------------------------
# 5.2 a scaler fitted on the training part only
# ---------------------------------------------------------------------------------------------

@exercise("ch05.scale_train_only", "standardise a series with training-part statistics",
          hint="Compute the two constants from series[:val_start] alone, then apply them to "
               "every value of the series, validation part included.")
def _scale_train_only(candidate):
    rng = np.random.default_rng(5)
    T, vs = 60, 40
    series = np.linspace(0.0, 12.0, T) + rng.standard_normal(T)   # a trend: parts differ
    got = to_numpy(call(candidate, series.copy(), vs), "scale_train_only(series, val_start)",
                   finite=True)
    if got.ndim == 2 and 1 in got.shape:
        got = got.ravel()
    if got.shape == (vs,):
        raise Feedback(f"you returned {vs} values, only the training part: return the whole "
                       "series, scaled with the training constants")
    if got.shape != (T,):
        raise Feedback(f"scale_train_only returned shape {got.shape}, expected ({T},)")
    train = series[:vs]

    def z(mean, std):
        return (series - mean) / std

    if np.allclose(got, z(series.mean(), series.std())) or np.allclose(
            got, z(series.mean(), series.std(ddof=1))):
        raise Feedback("leakage: you used the mean and standard deviation of the whole series, "
                       "which includes the validation and test values; fit them on "
                       "series[:val_start] only")
    for sl, what in ((slice(None, vs + 1), "include series[val_start], the first validation "
                                           "value (off by one)"),
                     (slice(None, vs - 1), "leave out series[val_start - 1], the last training "
                                           "value (off by one)")):
        part = series[sl]
        if np.allclose(got, z(part.mean(), part.std())) or np.allclose(
                got, z(part.mean(), part.std(ddof=1))):
            raise Feedback(f"your statistics {what}")
    if abs(got[vs:].mean()) < 1e-6 and abs(got[vs:].std() - 1) < 1e-6:
        raise Feedback("the validation part has mean 0 and std 1 on its own: you standardised "
                       "it with its own statistics; every part must use the training constants")
    lo, hi = train.min(), train.max()
    if np.allclose(got, (series - lo) / (hi - lo)):
        raise Feedback("that is min-max scaling; this exercise asks for standardisation "
                       "(x - mean) / std")
    if np.allclose(got, (series - train.mean()) / train.var()):
        raise Feedback("you divided by the variance; divide by the standard deviation")
    if np.allclose(got, (series - train.mean()) / train.std(ddof=1)):
        return ("mean and standard deviation (ddof=1) from the training part only, applied to "
                "the whole series")
    expect_close(got, z(train.mean(), train.std()), "scale_train_only(series, val_start)")
    return "mean and standard deviation from the training part only, applied to the whole series"


# ---------------------------------------------------------------------------------------------
# 5.3 seasonal naive forecast
# ---------------------------------------------------------------------------------------------

def _seasonal_reference(x, H, m):
    T_w = x.shape[1]
    j = np.arange(1, H + 1)                   # steps ahead
    return x[:, T_w - 1 + j - m * -(-j // m)]  # back ceil(j / m) whole periods


@exercise("ch05.seasonal_naive", "the seasonal naive forecast",
          hint="Give every time step a column number: a window of T_w = x.shape[1] values holds "
               "columns 0 to T_w - 1, so the target j steps ahead is column T_w - 1 + j. Step back "
               "by whole periods until you land inside the window; try it by hand on a short "
               "window of distinct numbers.")
def _seasonal_naive(candidate):
    n, T_w = 4, 8
    x = np.arange(n * T_w, dtype="float64").reshape(n, T_w) * 10 + _OFFSET   # every value unique
    for H, m in ((3, 4), (7, 3), (5, 1)):
        got = to_numpy(call(candidate, x.copy(), H, m), f"seasonal_naive(x, {H}, {m})",
                       finite=True)
        if got.shape != (n, H):
            raise Feedback(f"seasonal_naive(x, horizon={H}, period={m}) has shape {got.shape}, "
                           f"expected (n_windows, horizon) = {(n, H)}")
        want = _seasonal_reference(x, H, m)
        if np.allclose(got, want):
            continue
        if np.allclose(got, np.repeat(x[:, -1:], H, axis=1)):
            raise Feedback(f"with period={m} you repeated the last value: that is the naive "
                           "forecast; the seasonal naive forecast takes the value one period "
                           "before the target")
        column = (got - x[:, :1]) / 10             # which column of x each forecast copied
        want_column = (want - x[:, :1]) / 10
        first = min(H, m)
        if np.allclose(column[:, :first], want_column[:, :first] + 1):
            raise Feedback(f"for period={m} your forecasts are one step too late (x[T+j-m+1]): "
                           "the value one season before target T+j is x[T+j-m], i.e. column "
                           "T_w - 1 + j - period of a window of T_w values (off by one)")
        if np.allclose(column[:, :first], want_column[:, :first] - 1):
            raise Feedback(f"for period={m} your forecasts are one step too early "
                           "(x[T+j-m-1]): the value one season before target T+j is x[T+j-m] "
                           "(off by one)")
        if H > m and np.allclose(got[:, :m], want[:, :m]):
            raise Feedback(f"horizon {H} > period {m}: the first {m} forecasts are right, but "
                           "further ahead the value one period back is not observed yet; go "
                           "back ceil(j / period) whole periods instead")
        expect_close(got, want, f"seasonal_naive(x, {H}, {m})")
    return "the latest observed value at the same phase of the season, for any horizon"


# ---------------------------------------------------------------------------------------------
# 5.4 batches for a stateful model
# ---------------------------------------------------------------------------------------------

def _layout_reference(series, B, C):
    per_stream = (len(series) - 1) // (B * C) * C
    n = per_stream // C
    xs = series[: B * per_stream].reshape(B, n, C).transpose(1, 0, 2).reshape(n * B, C)
    ys = series[1: B * per_stream + 1].reshape(B, n, C).transpose(1, 0, 2).reshape(n * B, C)
    return xs, ys


@exercise("ch05.stateful_layout", "lay a long series out for a stateful model",
          hint="Picture a 3-D array (stream, chunk number, step): reshape the usable prefix "
               "into it, then change the order of the axes so that the rows of one batch share "
               "a chunk number. y is the same construction on the series shifted by one.")
def _stateful_layout(candidate):
    for T, B, C in ((26, 2, 3), (12, 2, 3), (40, 3, 4)):
        series = np.arange(T, dtype="float64") + _OFFSET
        got = call(candidate, series.copy(), B, C)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise Feedback("stateful_layout must return a tuple (x, y)")
        x = expect_varying(_as_2d(got[0], "x"), what="x")     # the series never repeats a value
        y = expect_varying(_as_2d(got[1], "y"), what="y")
        want_x, want_y = _layout_reference(series, B, C)
        where = f"stateful_layout(series of length {T}, batch_size={B}, chunk={C})"
        if x.shape[1] != C:
            raise Feedback(f"{where}: rows have {x.shape[1]} steps, expected chunk={C}")
        if x.shape != y.shape:
            raise Feedback(f"{where}: x has shape {x.shape} but y has {y.shape}")
        if np.allclose(y, x):
            raise Feedback("y equals x: the target of each step is the *next* value of the series")
        if not np.allclose(y, x + 1):
            if np.allclose(y, x - 1):
                raise Feedback("y is the previous value; the target of each step is the next one")
            raise Feedback("y is not the next value of each input step (y[j, s] should be "
                           "x[j, s] + one step)")
        if x.shape[0] % B:
            raise Feedback(f"{where}: {x.shape[0]} rows is not a whole number of batches of {B}")
        if x.shape != want_x.shape:
            raise Feedback(f"{where}: x has shape {x.shape}, expected {want_x.shape}: use as many "
                           "whole chunks per stream as fit, keeping one value back for the last "
                           "target, and the same number in every stream")
        consecutive = series[: x.size].reshape(-1, C)
        if x.shape == consecutive.shape and np.allclose(x, consecutive) and not np.allclose(
                x, want_x):
            raise Feedback("you cut the series into consecutive chunks and filled the batches in "
                           "order, so row i of batch k+1 does not continue row i of batch k. Cut "
                           "the series into batch_size streams first; batch k holds chunk k of "
                           "every stream")
        expect_close(x, want_x, f"x of {where}")
        expect_close(y, want_y, f"y of {where}")
    return "row i of every batch continues row i of the batch before: one stream per row"


# ---------------------------------------------------------------------------------------------
# 5.5 a bidirectional layer from two recurrent layers
# ---------------------------------------------------------------------------------------------

def _join(a, b):
    return np.concatenate([a, b], axis=-1)


def _check_bidirectional_case(candidate, cell, units, T, seed):
    import keras

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, T, 4)).astype("float32")
    bi = keras.layers.Bidirectional(getattr(keras.layers, cell)(units, return_sequences=True))
    want = to_numpy(bi(x), "keras.layers.Bidirectional(...)(x)")
    forward, backward = bi.forward_layer, bi.backward_layer      # the same weights as bi
    fwd = to_numpy(forward(x), "forward_layer(x)")
    bwd = to_numpy(backward(x), "backward_layer(x)")               # in the order it read: t = T first
    bwd_of_reversed = to_numpy(backward(x[:, ::-1]), "backward_layer(x reversed)")
    where = f"for a Bidirectional({cell}({units})) on x of shape {x.shape}"
    got = to_numpy(call(candidate, forward, backward, x.copy()),
                   "bidirectional_outputs(forward_layer, backward_layer, x)", finite=True)
    n = units
    if got.shape == want.shape:
        if np.allclose(got, want, atol=1e-5):
            return
        wrong = [
            (_join(fwd, bwd), "you forgot to put the backward outputs back in time order: a layer "
                              "with go_backwards=True returns its outputs in the order it computed "
                              "them, so its output at index 0 belongs to the last position T. "
                              "Reverse them along the time axis (axis 1) before joining"),
            (_join(bwd[:, ::-1], fwd), "the two halves are in the wrong order: Keras' "
                                       "merge_mode='concat' puts the forward states first, "
                                       "[forward ; backward] at every step"),
            (_join(bwd, fwd), "two mistakes: the backward outputs are not reversed back into time "
                              "order, and they come first; Keras puts the forward states first"),
            (_join(fwd, fwd), "both halves are the forward layer's outputs; the second half must "
                              "come from backward_layer"),
            (_join(fwd, bwd[..., ::-1]), "you reversed the feature axis of the backward outputs; "
                                         "reverse their time axis (axis 1) instead"),
            (_join(fwd, bwd[::-1]), "you reversed the batch axis (axis 0) of the backward outputs; "
                                    "reverse their time axis (axis 1) instead"),
            (_join(fwd, bwd_of_reversed), "you reversed the input for a layer that already has "
                                          "go_backwards=True: the two reversals cancel and the "
                                          "'backward' layer reads the sentence forwards. Give it x "
                                          "as it is"),
            (_join(fwd, bwd_of_reversed[:, ::-1]), "you reversed the input for a layer that already "
                                                   "has go_backwards=True: the two reversals "
                                                   "cancel and the 'backward' layer reads the "
                                                   "sentence forwards. Give it x as it is"),
        ]
        for value, message in wrong:
            if np.allclose(got, value, atol=1e-5):
                raise Feedback(message)
        expect_close(got, want, f"bidirectional_outputs(...) for a Bidirectional({cell}({units}))")
        return
    if got.shape == fwd.shape:
        for value, mode in ((fwd + bwd[:, ::-1], "sum"), ((fwd + bwd[:, ::-1]) / 2, "ave"),
                            (fwd * bwd[:, ::-1], "mul")):
            if np.allclose(got, value, atol=1e-5):
                raise Feedback(f"that is merge_mode='{mode}'; this exercise asks for the default "
                               f"'concat': {2 * n} features per step, forward then backward")
        raise Feedback(f"your result has shape {got.shape}, {n} features per step: that is one "
                       f"direction only (or a merge of both); expected {want.shape}, the {n} "
                       f"forward and the {n} backward features side by side")
    if got.shape == (x.shape[0], 2 * T, n):
        raise Feedback(f"your result has shape {got.shape}: you joined the two directions along "
                       f"the time axis; join them along the feature axis (axis -1) to get "
                       f"{want.shape}")
    if got.shape == (x.shape[0], 2 * n):
        raise Feedback(f"your result has shape {got.shape}, one vector per sequence: return the "
                       f"outputs at every step, shape {want.shape}")
    if got.shape == (2, x.shape[0], T, n):
        raise Feedback(f"you returned the two directions as two arrays (shape {got.shape}); "
                       f"concatenate them into one array of shape {want.shape}")
    raise Feedback(f"bidirectional_outputs(...) has shape {got.shape} {where}; expected "
                   f"{want.shape} = (batch, T, 2 * units)")


@exercise("ch05.bidirectional_outputs", "a bidirectional layer from two recurrent layers",
          hint="Call both layers on x and look at the shapes and at index 0 of the time axis: "
               "which position of the sequence has the backward layer's first output read "
               "last? Put both outputs in the same time order, then join them along the "
               "feature axis, in the order Keras uses for merge_mode='concat'.")
def _bidirectional_outputs(candidate):
    _check_bidirectional_case(candidate, "SimpleRNN", 3, 7, seed=0)
    _check_bidirectional_case(candidate, "LSTM", 2, 5, seed=1)
    return ("forward states and time-reversed backward states side by side, [forward ; backward] "
            "at every step: exactly keras.layers.Bidirectional")
