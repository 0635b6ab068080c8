"""Chapter 4 checkers: the reference passes, typical mistakes get specific feedback,
untouched stubs are "not attempted"."""

import math

import numpy as np
import pytest

from course_utils.exercises import FAIL, NOT_ATTEMPTED, PASS, evaluate


def _stub(*args):
    raise NotImplementedError


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def lstm_step(x, h_prev, c_prev, kernel, recurrent_kernel, bias, order="ifco", out=np.tanh,
              cand=np.tanh, gate=_sigmoid, use_bias=True, forget=True, new_c=True, swap=False,
              recurrent=True, o_gate=True, coupled=False, old="c"):
    z = x @ kernel + (h_prev @ recurrent_kernel if recurrent else 0) + (bias if use_bias else 0)
    u = h_prev.shape[1]
    blocks = {g: z[:, k * u:(k + 1) * u] for k, g in enumerate(order)}
    i, f, o = gate(blocks["i"]), gate(blocks["f"]), gate(blocks["o"])
    i = 1 - f if coupled else i
    previous = c_prev if old == "c" else h_prev
    c = (f * previous if forget else previous) + i * cand(blocks["c"])
    h = (o if o_gate else 1) * out(c if new_c else c_prev)
    return (c, h) if swap else (h, c)


def gru_step(x, h_prev, kernel, recurrent_kernel, bias, order="zrh", keras_way=True,
             reset="before", cand=np.tanh, gate_rec=True, out="mix"):
    u = h_prev.shape[1]
    K = {g: kernel[:, k * u:(k + 1) * u] for k, g in enumerate(order)}
    R = {g: recurrent_kernel[:, k * u:(k + 1) * u] for k, g in enumerate(order)}
    b = {g: bias[k * u:(k + 1) * u] for k, g in enumerate(order)}
    g_prev = h_prev if gate_rec else 0 * h_prev
    z = _sigmoid(x @ K["z"] + g_prev @ R["z"] + b["z"])
    r = _sigmoid(x @ K["r"] + g_prev @ R["r"] + b["r"])
    rec = {"before": (r * h_prev) @ R["h"], "after": r * (h_prev @ R["h"]),
           "none": h_prev @ R["h"]}[reset]
    h_tilde = cand(x @ K["h"] + rec + b["h"])
    if out == "candidate":
        return h_tilde
    if out == "sum":
        return z * h_prev + h_tilde
    return z * h_prev + (1 - z) * h_tilde if keras_way else (1 - z) * h_prev + z * h_tilde


def count_params(kind, d, u):
    return {"simple_rnn": u * (d + u + 1), "lstm": 4 * u * (d + u + 1),
            "gru": 3 * u * (d + u + 1) + 3 * u}[kind]


def _with(fn, **options):
    return lambda *args: fn(*args, **options)


CASES = [
    ("ch04.lstm_step", lstm_step, PASS, "i, f, c, o"),
    ("ch04.lstm_step", _with(lstm_step, order="ifoc"), FAIL,
     "your gate order is i, f, o, c; Keras uses i, f, c, o"),
    ("ch04.lstm_step", _with(lstm_step, order="fico"), FAIL, "your gate order is f, i, c, o"),
    ("ch04.lstm_step", _with(lstm_step, order="icfo"), FAIL, "your gate order is i, c, f, o"),
    ("ch04.lstm_step", _with(lstm_step, out=lambda v: v), FAIL,
     "you forgot the tanh on the cell state"),
    ("ch04.lstm_step", _with(lstm_step, cand=_sigmoid), FAIL, "candidate uses tanh, not sigmoid"),
    ("ch04.lstm_step", _with(lstm_step, gate=np.tanh), FAIL, "gates use sigmoid, not tanh"),
    ("ch04.lstm_step", _with(lstm_step, use_bias=False), FAIL, "you left out the bias"),
    ("ch04.lstm_step", _with(lstm_step, forget=False), FAIL, "forget gate is missing"),
    ("ch04.lstm_step", _with(lstm_step, new_c=False), FAIL, "must use the new cell state"),
    ("ch04.lstm_step", _with(lstm_step, swap=True), FAIL, "you returned (c_t, h_t)"),
    ("ch04.lstm_step", lambda *a: lstm_step(*a)[0], FAIL, "must return a tuple (h_t, c_t)"),
    ("ch04.lstm_step", lambda *a: tuple(v[:, :2] for v in lstm_step(*a)), FAIL,
     "should both have shape (batch, units)"),
    ("ch04.lstm_step", lambda *a: (lstm_step(*a)[0] * 1.01, lstm_step(*a)[1]), FAIL,
     "your c_t is right"),
    ("ch04.lstm_step", lambda *a: (lstm_step(*a)[0], lstm_step(*a)[1] + 1), FAIL, "c_t differs"),
    ("ch04.lstm_step", lambda *a: 1 / 0, FAIL, "ZeroDivisionError"),
    ("ch04.lstm_step", lambda x, h, c, k, r, b: (np.zeros((2, 4)), np.zeros((2, 4))), FAIL,
     "differs from the reference"),
    ("ch04.lstm_step", _with(lstm_step, recurrent=False), FAIL, "the recurrent term is missing"),
    ("ch04.lstm_step", _with(lstm_step, o_gate=False), FAIL, "the output gate is missing"),
    ("ch04.lstm_step", _with(lstm_step, coupled=True), FAIL, "coupled variant"),
    ("ch04.lstm_step", _with(lstm_step, old="h"), FAIL, "not h_{t-1}"),
    ("ch04.gru_step", gru_step, PASS, "z, r, h"),
    ("ch04.gru_step", _with(gru_step, gate_rec=False), FAIL, "also depend on the previous state"),
    ("ch04.gru_step", _with(gru_step, out="candidate"), FAIL, "you returned the candidate"),
    ("ch04.gru_step", _with(gru_step, out="sum"), FAIL, "missing its (1 - z)"),
    ("ch04.gru_step", lambda x, h, k, r, b: h, FAIL, "you returned h_prev unchanged"),
    ("ch04.gru_step", _with(gru_step, keras_way=False), FAIL,
     "z close to 1 keeps the old state"),
    ("ch04.gru_step", _with(gru_step, reset="after"), FAIL, "reset_after=True"),
    ("ch04.gru_step", _with(gru_step, reset="none"), FAIL, "reset gate is missing"),
    ("ch04.gru_step", _with(gru_step, cand=_sigmoid), FAIL, "candidate uses tanh"),
    ("ch04.gru_step", _with(gru_step, order="rzh"), FAIL,
     "your gate order is r, z, h; Keras uses z, r, h"),
    ("ch04.gru_step", _with(gru_step, order="rzh", keras_way=False), FAIL, "other convention"),
    ("ch04.gru_step", lambda *a: (gru_step(*a),), FAIL, "should return h_t alone"),
    ("ch04.gru_step", lambda *a: gru_step(*a)[:1], FAIL, "should have shape (batch, units)"),
    ("ch04.gru_step", lambda *a: gru_step(*a) + 0.1, FAIL, "differs from the reference"),
    ("ch04.count_params", count_params, PASS, "3/4"),
    ("ch04.count_params", lambda k, d, u: float(count_params(k, d, u)), PASS, "3/4"),
    ("ch04.count_params", lambda k, d, u: count_params(k, d, u) - {"simple_rnn": 1, "lstm": 4,
                                                                   "gru": 6}[k] * u,
     FAIL, "you forgot the biases"),
    ("ch04.count_params", lambda k, d, u: 3 * u * (d + u + 1) if k == "gru" else
     count_params(k, d, u), FAIL, "reset_after=False"),
    ("ch04.count_params", lambda k, d, u: 4 * u * (d + u + 1) if k == "gru" else
     count_params(k, d, u), FAIL, "three blocks"),
    ("ch04.count_params", lambda k, d, u: 3 * u * (d + u + 1) if k == "lstm" else
     count_params(k, d, u), FAIL, "four blocks"),
    ("ch04.count_params", lambda k, d, u: u * (d + 1) if k == "simple_rnn" else
     count_params(k, d, u), FAIL, "forgot the recurrent weights"),
    ("ch04.count_params", lambda k, d, u: count_params(k, u, d), FAIL,
     "you swapped input_dim and units"),
    ("ch04.count_params", lambda k, d, u: {"simple_rnn": u * (d + u + 2), "lstm": 4 * u * (d + u + 2),
                                           "gru": 3 * u * (d + u + 2)}[k],
     FAIL, "as PyTorch does"),
    ("ch04.count_params", lambda k, d, u: count_params(k, d, u) + 1, FAIL, "expected"),
    ("ch04.count_params", lambda k, d, u: "many", FAIL, "should be an int"),
    ("ch04.half_life", lambda f: math.log(0.5) / math.log(f), PASS, "69 steps"),
    ("ch04.half_life", lambda f: np.log(2) / np.log(f), FAIL, "is negative"),
    ("ch04.half_life", lambda f: 1 / (1 - f), FAIL, "e-folding"),
    ("ch04.half_life", lambda f: round(math.log(0.5) / math.log(f)), FAIL, "do not round"),
    ("ch04.half_life", lambda f: math.ceil(math.log(0.5) / math.log(f)), FAIL, "do not round"),
    ("ch04.half_life", lambda f: -1 / math.log(f), FAIL, "the e-folding time"),
    ("ch04.half_life", lambda f: math.log(2) / math.log(1 / f), PASS, "69 steps"),
    ("ch04.half_life", lambda f: f / 2, FAIL, "differs from the reference"),
    ("ch04.half_life", lambda f: "soon", FAIL, "should be a number"),
]


@pytest.mark.parametrize("exercise_id, candidate, status, phrase", CASES)
def test_feedback(exercise_id, candidate, status, phrase):
    result = evaluate(exercise_id, candidate)
    assert result.status == status, result
    assert phrase in result.message, result.message


@pytest.mark.parametrize("exercise_id", ["ch04.lstm_step", "ch04.gru_step", "ch04.count_params",
                                         "ch04.half_life"])
def test_stubs_are_not_attempted(exercise_id):
    assert evaluate(exercise_id, _stub).status == NOT_ATTEMPTED


def test_every_gate_order_of_the_lstm_is_named():
    import itertools

    for order in ("".join(p) for p in itertools.permutations("ifco")):
        result = evaluate("ch04.lstm_step", _with(lstm_step, order=order))
        if order == "ifco":
            assert result.status == PASS
        else:
            assert f"your gate order is {', '.join(order)}" in result.message, result.message


def test_keep_memory():
    right = {"lstm_forget_gate": 1, "lstm_input_gate": 0, "gru_update_gate": 1}
    assert evaluate("ch04.keep_memory", right).status == PASS
    assert evaluate("ch04.keep_memory", dict.fromkeys(right)).status == NOT_ATTEMPTED
    cases = [
        (dict(right, gru_update_gate=0), "Chung et al. 2014"),
        (dict(right, lstm_forget_gate=0), "f_t = 1 keeps it"),
        (dict(right, lstm_input_gate=1), "i_t = 0 writes nothing"),
        (dict(right, lstm_input_gate=None), "no answer yet for: ['lstm_input_gate']"),
        (dict(right, gru_update_gate=0.5), "is not one of the gate values [0, 1]"),
        ([1, 0, 1], "answer with a dict"),
    ]
    for answer, phrase in cases:
        result = evaluate("ch04.keep_memory", answer)
        assert result.status == FAIL and phrase in result.message, result


def test_references_agree_with_keras():
    """The checkers' references compute what Keras computes (so the feedback is right)."""
    import keras

    import course_utils  # noqa: F401 - sets TensorFlow's environment before Keras loads
    from course_utils.exercises.ch04 import count_params_reference, gru_step_reference, lstm_step_reference

    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 1, 3)).astype("float32")
    lstm = keras.layers.LSTM(4, return_state=True)
    lstm.build(x.shape)
    lstm.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in lstm.weights])
    _, h, c = lstm(x)
    want_h, want_c = lstm_step_reference(x[:, 0], np.zeros((2, 4)), np.zeros((2, 4)),
                                         *lstm.get_weights())
    np.testing.assert_allclose(keras.ops.convert_to_numpy(h), want_h, atol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(c), want_c, atol=1e-5)
    h0 = rng.standard_normal((2, 4)).astype("float32")
    gru = keras.layers.GRU(4, reset_after=False)
    gru.build(x.shape)
    gru.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in gru.weights])
    want = gru_step_reference(x[:, 0], h0, *gru.get_weights())
    np.testing.assert_allclose(keras.ops.convert_to_numpy(gru(x, initial_state=[h0])), want,
                               atol=1e-5)
    for kind, layer in (("simple_rnn", keras.layers.SimpleRNN), ("lstm", keras.layers.LSTM),
                        ("gru", keras.layers.GRU)):
        built = layer(7)
        built.build((None, None, 3))
        assert built.count_params() == count_params_reference(kind, 3, 7)


@pytest.mark.parametrize("exercise_id", ["ch04.lstm_step", "ch04.gru_step", "ch04.count_params",
                                         "ch04.keep_memory", "ch04.half_life"])
def test_every_exercise_has_a_hint(exercise_id, capsys):
    from course_utils.exercises import get_exercise, hint

    assert len(get_exercise(exercise_id).hint) > 40
    hint(exercise_id)
    assert get_exercise(exercise_id).hint in capsys.readouterr().out
