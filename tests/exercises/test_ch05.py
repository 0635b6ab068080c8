"""Chapter 5 checkers: the reference passes, typical mistakes get specific feedback."""

import numpy as np
import pytest

from course_utils.data import forecasting as fc
from course_utils.exercises import FAIL, NOT_ATTEMPTED, PASS, evaluate


def _stub(*args):
    raise NotImplementedError


# --- 5.1 split_windows ------------------------------------------------------------------------

def split_windows(series, L, vs):
    s = np.asarray(series, float)
    tr, va = np.arange(L, vs), np.arange(max(vs, L), len(s))
    win = lambda ts: np.stack([s[t - L:t] for t in ts])  # noqa: E731 - a one-line window helper reads best as a lambda
    return win(tr), s[tr], win(va), s[va]


def split_3d(series, L, vs):
    x_tr, y_tr, x_va, y_va = split_windows(series, L, vs)
    return x_tr[..., None], y_tr[:, None], x_va[..., None], y_va[:, None]


def split_by_window_start(series, L, vs):
    # assigns a window to training when its first input lies before val_start
    s = np.asarray(series, float)
    ts = np.arange(L, len(s))
    train = ts - L < vs
    x = np.stack([s[t - L:t] for t in ts])
    return x[train], s[ts[train]], x[~train], s[ts[~train]]


def split_shuffled(series, L, vs):
    s = np.asarray(series, float)
    ts = np.random.default_rng(0).permutation(np.arange(L, len(s)))
    n_tr = vs - L
    x = np.stack([s[t - L:t] for t in ts])
    return x[:n_tr], s[ts[:n_tr]], x[n_tr:], s[ts[n_tr:]]


def split_target_is_last_input(series, L, vs):
    x_tr, _, x_va, _ = split_windows(series, L, vs)
    return x_tr, x_tr[:, -1], x_va, x_va[:, -1]


def split_skip_one(series, L, vs):
    s = np.asarray(series, float)
    tr, va = np.arange(L, vs - 1), np.arange(vs - 1, len(s) - 1)
    win = lambda ts: np.stack([s[t - L:t] for t in ts])  # noqa: E731 - a one-line window helper reads best as a lambda
    return win(tr), s[tr + 1], win(va), s[va + 1]


def split_val_inputs_inside(series, L, vs):
    # too cautious: validation windows must have all their inputs in the validation part
    s = np.asarray(series, float)
    tr, va = np.arange(L, vs), np.arange(vs + L, len(s))
    win = lambda ts: np.stack([s[t - L:t] for t in ts])  # noqa: E731 - a one-line window helper reads best as a lambda
    return win(tr), s[tr], win(va), s[va]


def split_drops_last(series, L, vs):
    x_tr, y_tr, x_va, y_va = split_windows(series, L, vs)
    return x_tr, y_tr, x_va[:-1], y_va[:-1]


def split_using_library(series, L, vs):
    train = fc.windows_with_targets_in(series, L, 1, 0, vs)
    val = fc.windows_with_targets_in(series, L, 1, vs, len(series))
    return train.x, train.y, val.x, val.y


# --- 5.2 scale_train_only ---------------------------------------------------------------------

def scale(series, vs):
    train = series[:vs]
    return (series - train.mean()) / train.std()


def scale_per_part(series, vs):
    out = np.empty_like(series)
    for part in (slice(None, vs), slice(vs, None)):
        out[part] = (series[part] - series[part].mean()) / series[part].std()
    return out


# --- 5.3 seasonal_naive -----------------------------------------------------------------------

def seasonal(x, H, m):
    L = x.shape[1]
    h = np.arange(1, H + 1)
    return x[:, L - 1 + h - (-(-h // m)) * m]


def seasonal_modulo(x, H, m):
    return np.stack([x[:, x.shape[1] - m + (h % m)] for h in range(H)], axis=1)


def seasonal_late(x, H, m):
    return np.stack([x[:, min(x.shape[1] - m + (h % m) + 1, x.shape[1] - 1)] for h in range(H)],
                    axis=1)


def seasonal_early(x, H, m):
    return np.stack([x[:, x.shape[1] - m + (h % m) - 1] for h in range(H)], axis=1)


def seasonal_no_wrap(x, H, m):
    L = x.shape[1]
    return np.stack([x[:, min(L - m + h, L - 1)] for h in range(H)], axis=1)


# --- 5.4 stateful_layout ----------------------------------------------------------------------

def layout(series, B, C):
    x, y = fc.stateful_batches(series, B, C)
    return x[..., 0], y[..., 0]


def layout_consecutive(series, B, C):
    n = (len(series) - 1) // (B * C)
    x = series[: n * B * C].reshape(-1, C)
    return x, series[1: n * B * C + 1].reshape(-1, C)


def layout_too_long(series, B, C):
    # forgets to keep one value back for the last target
    per_stream = len(series) // (B * C) * C
    n = per_stream // C
    xs = series[: B * per_stream].reshape(B, n, C).transpose(1, 0, 2).reshape(-1, C)
    return xs, xs + 1


# --- 5.5 bidirectional_outputs -----------------------------------------------------------------

def bidirectional(forward, backward, x):
    return np.concatenate([forward(x), np.flip(backward(x), axis=1)], axis=-1)


def bidirectional_keras_ops(forward, backward, x):
    import keras

    return keras.ops.concatenate([forward(x), keras.ops.flip(backward(x), axis=1)], axis=-1)


def bi_not_reversed(forward, backward, x):
    return np.concatenate([forward(x), backward(x)], axis=-1)


def bi_backward_first(forward, backward, x):
    return np.concatenate([np.flip(backward(x), axis=1), forward(x)], axis=-1)


def bi_both_mistakes(forward, backward, x):
    return np.concatenate([backward(x), forward(x)], axis=-1)


def bi_forward_twice(forward, backward, x):
    return np.concatenate([forward(x), forward(x)], axis=-1)


def bi_reversed_input(forward, backward, x):
    # reverses the input of a layer that already reads backwards: the reversals cancel
    return np.concatenate([forward(x), np.flip(backward(x[:, ::-1]), axis=1)], axis=-1)


def bi_feature_axis(forward, backward, x):
    return np.concatenate([forward(x), np.flip(backward(x), axis=-1)], axis=-1)


def bi_sum(forward, backward, x):
    return forward(x) + np.flip(backward(x), axis=1)


def bi_time_axis(forward, backward, x):
    return np.concatenate([forward(x), np.flip(backward(x), axis=1)], axis=1)


def bi_two_arrays(forward, backward, x):
    return [forward(x), np.flip(backward(x), axis=1)]


def bi_last_step(forward, backward, x):
    return bidirectional(forward, backward, x)[:, -1]


CASES = [
    ("ch05.split_windows", split_windows, PASS, "every target is the value right after"),
    ("ch05.split_windows", split_3d, PASS, "every target"),
    ("ch05.split_windows", split_using_library, PASS, "every target"),
    ("ch05.split_windows", split_by_window_start, FAIL, "by the position of their first input"),
    ("ch05.split_windows", split_shuffled, FAIL, "not in time order"),
    ("ch05.split_windows", split_target_is_last_input, FAIL, "off by one"),
    ("ch05.split_windows", split_skip_one, FAIL, "skipped a step"),
    ("ch05.split_windows", split_val_inputs_inside, FAIL,
     "may take their inputs from the training"),
    ("ch05.split_windows", split_drops_last, FAIL, "the last window"),
    ("ch05.split_windows", lambda s, L, vs: split_windows(s, L, vs)[:2], FAIL,
     "must return a tuple"),
    ("ch05.split_windows", lambda s, L, vs: split_windows(s, L + 1, vs), FAIL,
     "expected input_length"),
    ("ch05.scale_train_only", scale, PASS, "training part only"),
    ("ch05.scale_train_only", lambda s, vs: (s - s[:vs].mean()) / s[:vs].std(ddof=1), PASS,
     "ddof=1"),
    ("ch05.scale_train_only", lambda s, vs: (s - s.mean()) / s.std(), FAIL, "whole series"),
    ("ch05.scale_train_only", lambda s, vs: scale(s, vs + 1), FAIL, "first validation value"),
    ("ch05.scale_train_only", lambda s, vs: scale(s, vs - 1), FAIL, "last training value"),
    ("ch05.scale_train_only", scale_per_part, FAIL, "its own statistics"),
    ("ch05.scale_train_only", lambda s, vs: scale(s, vs)[:vs], FAIL, "return the whole series"),
    ("ch05.scale_train_only",
     lambda s, vs: (s - s[:vs].min()) / (s[:vs].max() - s[:vs].min()), FAIL, "min-max"),
    ("ch05.scale_train_only", lambda s, vs: (s - s[:vs].mean()) / s[:vs].var(), FAIL, "variance"),
    ("ch05.seasonal_naive", seasonal, PASS, "same phase"),
    ("ch05.seasonal_naive", seasonal_modulo, PASS, "same phase"),
    ("ch05.seasonal_naive", lambda x, H, m: np.repeat(x[:, -1:], H, axis=1), FAIL,
     "naive forecast"),
    ("ch05.seasonal_naive", seasonal_late, FAIL, "one step too late"),
    ("ch05.seasonal_naive", seasonal_early, FAIL, "one step too early"),
    ("ch05.seasonal_naive", seasonal_no_wrap, FAIL, "ceil(j / period)"),
    ("ch05.seasonal_naive", lambda x, H, m: seasonal(x, H, m).T, FAIL,
     "expected (n_windows, horizon)"),
    ("ch05.stateful_layout", layout, PASS, "row i of every batch continues"),
    ("ch05.stateful_layout", lambda s, B, C: fc.stateful_batches(s, B, C), PASS, "continues"),
    ("ch05.stateful_layout", layout_consecutive, FAIL, "consecutive chunks"),
    ("ch05.stateful_layout", lambda s, B, C: (layout(s, B, C)[0],) * 2, FAIL, "*next* value"),
    ("ch05.stateful_layout", lambda s, B, C: (layout(s, B, C)[0], layout(s, B, C)[0] - 1), FAIL,
     "previous value"),
    ("ch05.stateful_layout", layout_too_long, FAIL, "keeping one value back"),
    ("ch05.stateful_layout", lambda s, B, C: layout(s, B, C)[0], FAIL, "must return a tuple"),
    ("ch05.bidirectional_outputs", bidirectional, PASS, "exactly keras.layers.Bidirectional"),
    ("ch05.bidirectional_outputs", bidirectional_keras_ops, PASS, "[forward ; backward]"),
    ("ch05.bidirectional_outputs", bi_not_reversed, FAIL, "back in time order"),
    ("ch05.bidirectional_outputs", bi_backward_first, FAIL, "wrong order"),
    ("ch05.bidirectional_outputs", bi_both_mistakes, FAIL, "two mistakes"),
    ("ch05.bidirectional_outputs", bi_forward_twice, FAIL, "must come from backward_layer"),
    ("ch05.bidirectional_outputs", bi_reversed_input, FAIL, "the two reversals cancel"),
    ("ch05.bidirectional_outputs", bi_feature_axis, FAIL, "feature axis"),
    ("ch05.bidirectional_outputs", bi_sum, FAIL, "merge_mode='sum'"),
    ("ch05.bidirectional_outputs", bi_time_axis, FAIL, "along the time axis"),
    ("ch05.bidirectional_outputs", bi_two_arrays, FAIL, "as two arrays"),
    ("ch05.bidirectional_outputs", bi_last_step, FAIL, "one vector per sequence"),
    ("ch05.bidirectional_outputs", lambda f, b, x: f(x), FAIL, "one direction only"),
]


@pytest.mark.parametrize("exercise_id, candidate, status, phrase", CASES)
def test_feedback(exercise_id, candidate, status, phrase):
    result = evaluate(exercise_id, candidate)
    assert result.status == status, result
    assert phrase in result.message, result.message


@pytest.mark.parametrize("exercise_id", ["ch05.split_windows", "ch05.scale_train_only",
                                         "ch05.seasonal_naive", "ch05.stateful_layout",
                                         "ch05.bidirectional_outputs"])
def test_stubs_are_not_attempted(exercise_id):
    assert evaluate(exercise_id, _stub).status == NOT_ATTEMPTED


def test_a_crashing_answer_is_feedback_not_an_error():
    result = evaluate("ch05.seasonal_naive", lambda x, H, m: x[:, x.shape[1] - m + H + 5])
    assert result.status == FAIL and "IndexError" in result.message


@pytest.mark.parametrize("exercise_id", ["ch05.split_windows", "ch05.scale_train_only",
                                         "ch05.seasonal_naive", "ch05.stateful_layout",
                                         "ch05.bidirectional_outputs"])
def test_every_exercise_has_a_hint(exercise_id, capsys):
    from course_utils.exercises import get_exercise, hint

    assert len(get_exercise(exercise_id).hint) > 40
    hint(exercise_id)
    assert get_exercise(exercise_id).hint in capsys.readouterr().out
