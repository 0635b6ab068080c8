"""Checkers of chapter 3: the reference passes, typical mistakes get their own feedback,
stubs are "not attempted"."""

import numpy as np
import pytest

from course_utils import exercises as ex
from course_utils.exercises import ch03


def _status(exercise_id, candidate):
    return ex.evaluate(exercise_id, candidate)


def _stub(*args):
    raise NotImplementedError


IDS = ["ch03.grad_W_y", "ch03.softmax_temperature", "ch03.clip_by_global_norm"]


@pytest.mark.parametrize("exercise_id", IDS)
def test_stub_is_not_attempted(exercise_id):
    assert _status(exercise_id, _stub).status == ex.NOT_ATTEMPTED
    assert _status(exercise_id, None).status == ex.NOT_ATTEMPTED


@pytest.mark.parametrize("exercise_id", IDS)
def test_every_exercise_has_a_hint(exercise_id, capsys):
    assert len(ex.get_exercise(exercise_id).hint) > 40
    ex.hint(exercise_id)
    assert exercise_id in capsys.readouterr().out


# --- grad_W_y --------------------------------------------------------------------------------

def _onehot(targets, k):
    return np.eye(k)[targets]


def grad_W_y_ok(hs, probs, targets):
    B, T, K = probs.shape
    delta = probs - _onehot(targets, K)
    return np.einsum("btk,bth->kh", delta, hs) / (B * T)


def test_grad_W_y_reference_passes():
    result = _status("ch03.grad_W_y", grad_W_y_ok)
    assert result.passed, result.message
    assert _status("ch03.grad_W_y", ch03.reference_grad_W_y).passed


def test_grad_W_y_agrees_with_the_numpy_rnn():
    from course_utils.models.numpy_rnn import NumpyRNN

    model = NumpyRNN(4, 5, 3, seed=1)
    x = np.random.default_rng(0).integers(0, 4, size=(2, 7))
    y = np.random.default_rng(1).integers(0, 3, size=(2, 7))
    probs, hs = model.forward(x)
    _, grads = model.loss_and_grads(x, y)
    np.testing.assert_allclose(ch03.reference_grad_W_y(hs, probs, y), grads["W_y"], atol=1e-14)


def _delta(probs, targets):
    return probs - _onehot(targets, probs.shape[-1])


@pytest.mark.parametrize("candidate, expected", [
    (lambda h, p, y: grad_W_y_ok(h, p, y).T, "equals the answer transposed"),
    (lambda h, p, y: np.einsum("btk,bth->hk", _delta(p, y), h) * 0.5, "expected W_y's shape"),
    (lambda h, p, y: np.einsum("btk,bth->kh", _delta(p, y), h), "did not divide by the number"),
    (lambda h, p, y: np.einsum("btk,bth->kh", _delta(p, y), h) / len(h), "averaged over the batch only"),
    (lambda h, p, y: np.einsum("btk,bth->kh", _delta(p, y), h) / h.shape[1], "averaged over time only"),
    (lambda h, p, y: _delta(p, y)[:, -1].T @ h[:, -1] / len(h), "only the last time step"),
    (lambda h, p, y: _delta(p, y)[:, -1].T @ h[:, -1] / (h.shape[0] * h.shape[1]),
     "only the last time step"),
    (lambda h, p, y: _delta(p, y)[0].T @ h[0] / h.shape[1], "only the first sequence"),
    (lambda h, p, y: np.einsum("btk,bth->kh", p, h) / (h.shape[0] * h.shape[1]),
     "forgot to subtract the one-hot"),
    (lambda h, p, y: -grad_W_y_ok(h, p, y), "sign is flipped"),
    (lambda h, p, y: np.einsum("btk,bth->kh", _delta(p, y)[:, 1:], h[:, :-1])
     / (h.shape[0] * h.shape[1]), "paired the error at step t with h_{t-1}"),
    (lambda h, p, y: np.einsum("btk,bth->kh", _delta(p, y)[:, :-1], h[:, 1:])
     / (h.shape[0] * h.shape[1]), "paired the error at step t with h_{t+1}"),
    (lambda h, p, y: grad_W_y_ok(h, p, y) / p.shape[-1], "number of output classes"),
    (lambda h, p, y: np.einsum("btk,bth->kh", _delta(p, y), h * (1 - h ** 2))
     / (h.shape[0] * h.shape[1]), "tanh derivative"),
    (lambda h, p, y: None, "`return` statement missing"),
    (lambda h, p, y: np.zeros((p.shape[-1], h.shape[-1])), "all zeros"),
    (lambda h, p, y: grad_W_y_ok(h, p, y)[:, :2], "has shape"),
    (lambda h, p, y: grad_W_y_ok(h, p, y) + 1e-3, "differs from the reference"),
    (lambda h, p, y: np.ones((3, 5)) if h.shape[-1] == 5 else np.zeros((7, 3)),
     "differs from the reference"),
    (lambda h, p, y: 1 / 0, "your code raised ZeroDivisionError"),
])
def test_grad_W_y_typical_mistakes_get_specific_feedback(candidate, expected):
    result = _status("ch03.grad_W_y", candidate)
    assert result.status == ex.FAIL
    assert expected in result.message, result.message


def test_grad_W_y_in_place_modification_is_reported():
    def in_place(h, p, y):
        out = grad_W_y_ok(h, p, y)
        p -= _onehot(y, p.shape[-1])
        return out

    result = _status("ch03.grad_W_y", in_place)
    assert result.status == ex.FAIL and "in place" in result.message


def test_grad_W_y_hard_coded_sizes_fail_on_the_second_case():
    reference_first_case = ch03.reference_grad_W_y(*ch03._grad_W_y_case(3))

    def hard_coded(h, p, y):
        return reference_first_case

    result = _status("ch03.grad_W_y", hard_coded)
    assert result.status == ex.FAIL and "H=3, K=7" in result.message


# --- softmax_temperature ---------------------------------------------------------------------

def softmax_temperature_ok(logits, temperature):
    z = np.asarray(logits, dtype=float) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def test_softmax_temperature_reference_passes():
    result = _status("ch03.softmax_temperature", softmax_temperature_ok)
    assert result.passed, result.message


def _naive(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("candidate, expected", [
    (lambda z, t: softmax_temperature_ok(z, 1.0), "equals the plain softmax"),
    (lambda z, t: softmax_temperature_ok(z * t * t, t), "multiplied the logits by the temperature"),
    (lambda z, t: softmax_temperature_ok(z.T, t).T, "normalised along the first axis"),
    (lambda z, t: np.exp(z / t), "do not sum to 1"),
    (lambda z, t: _naive(z / t), "subtract the row maximum"),
    (lambda z, t: softmax_temperature_ok(z, t)[0], "should return one distribution per row"),
    (lambda z, t: softmax_temperature_ok(z, t + 0.1), "differs from the reference"),
])
def test_softmax_temperature_typical_mistakes(candidate, expected):
    with np.errstate(over="ignore", invalid="ignore"):
        result = _status("ch03.softmax_temperature", candidate)
    assert result.status == ex.FAIL
    assert expected in result.message, result.message


# --- clip_by_global_norm ---------------------------------------------------------------------

def clip_ok(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    scale = min(1.0, max_norm / norm)
    return [g * scale for g in grads]


def test_clip_reference_passes():
    result = _status("ch03.clip_by_global_norm", clip_ok)
    assert result.passed, result.message
    assert _status("ch03.clip_by_global_norm", ch03.reference_clip_by_global_norm).passed


def test_clip_reference_agrees_with_keras():
    import keras

    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    ours = ch03.reference_clip_by_global_norm(grads, 0.5)
    theirs = keras.optimizers.SGD(global_clipnorm=0.5)._clip_gradients(
        [keras.ops.convert_to_tensor(g) for g in grads])
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, keras.ops.convert_to_numpy(b), rtol=1e-6)


def _global(grads):
    return np.sqrt(sum(np.sum(g ** 2) for g in grads))


def _per_variable(grads, max_norm):
    return [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads]


def _always_scale(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    return [g * max_norm / norm for g in grads]


def _in_place(grads, max_norm):
    out = clip_ok(grads, max_norm)
    for g in grads:
        g *= 0.5
    return out


@pytest.mark.parametrize("candidate, expected", [
    (_per_variable, "by its own norm"),
    (lambda g, m: [np.clip(x, -m, m) for x in g], "clipped each entry"),
    (lambda g, m: [x * m / sum(np.linalg.norm(y) for y in g) for x in g], "added the norms"),
    (lambda g, m: [x * m / sum(np.sum(y ** 2) for y in g) for x in g], "squared global norm"),
    (_always_scale, "clipping only ever shrinks"),
    (lambda g, m: [x.copy() for x in g], "returned the gradients unchanged"),
    (lambda g, m: [x * max(1.0, m / _global(g)) for x in g], "returned the gradients unchanged"),
    (lambda g, m: [x * min(1.0, m / np.linalg.norm(g[0])) for x in g], "the factor is"),
    (lambda g, m: [x * min(1.0, m / max(np.linalg.norm(y) for y in g)) for x in g], "the factor is"),
    (lambda g, m: [x * min(1.0, m / np.mean([np.linalg.norm(y) for y in g])) for x in g],
     "the factor is"),
    (lambda g, m: [np.zeros_like(x) for x in g], "all zeros"),
    (lambda g, m: np.concatenate([x.ravel() for x in clip_ok(g, m)]), "return a list"),
    (lambda g, m: clip_ok(g, m)[:1], "return a list"),
    (lambda g, m: [x.ravel() for x in clip_ok(g, m)], "has shape"),
    (_in_place, "in place"),
    (lambda g, m: clip_ok(g, 1.1 * m), "the factor is"),
])
def test_clip_typical_mistakes(candidate, expected):
    result = _status("ch03.clip_by_global_norm", candidate)
    assert result.status == ex.FAIL
    assert expected in result.message, result.message


def test_strict_mode_raises_for_a_wrong_answer():
    with pytest.raises(ex.ExerciseFailure):
        ex.check("ch03.clip_by_global_norm", _per_variable, strict=True)
    ex.check("ch03.clip_by_global_norm", clip_ok, strict=True)  # a pass does not raise
