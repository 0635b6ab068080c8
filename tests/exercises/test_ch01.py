"""Chapter 1 checkers: the reference passes, typical mistakes get specific feedback."""

import numpy as np
import pytest

from course_utils.exercises import FAIL, NOT_ATTEMPTED, PASS, evaluate
from course_utils.exercises.ch01 import _MILESTONES, CHANGES


def _stub(*args):
    raise NotImplementedError


def energy(W, S):
    return -0.5 * np.einsum("bi,ij,bj->b", S, W, S)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def jordan(x, s, p, mu=0.0):
    h = np.tanh(x @ p["W"] + s @ p["U"] + p["b"])
    y = sigmoid(h @ p["W_y"] + p["b_y"])
    return y, mu * s + y


def jordan_variant(*, out_act=sigmoid, hid_act=np.tanh, b=True, c=True, use_s=True,
                   feed_hidden=False, state=lambda mu, s, y: mu * s + y, swap=False):
    def step(x, s, p, mu=0.0):
        z = x @ p["W"] + (s @ p["U"] if use_s else 0) + (p["b"] if b else 0)
        h = hid_act(z)
        y = out_act(h @ p["W_y"] + (p["b_y"] if c else 0))
        s_next = h if feed_hidden else state(mu, s, y)
        return (s_next, y) if swap else (y, s_next)
    return step


CASES = [
    ("ch01.hopfield_energy", energy, PASS, "one value per state"),
    ("ch01.hopfield_energy", lambda W, S: -0.5 * S @ W @ S.T, FAIL, "every pair of states"),
    ("ch01.hopfield_energy", lambda W, S: float(energy(W, S).sum()), FAIL, "one number for the whole batch"),
    ("ch01.hopfield_energy", lambda W, S: -energy(W, S), FAIL, "sign is flipped"),
    ("ch01.hopfield_energy", lambda W, S: 2 * energy(W, S), FAIL, "forgot the factor 1/2"),
    ("ch01.hopfield_energy", lambda W, S: energy(W, S) / 2, FAIL, "factor 1/2 once"),
    ("ch01.hopfield_energy", lambda W, S: energy(W + np.eye(len(W)), S), FAIL, "same constant for every"),
    ("ch01.hopfield_energy", lambda W, S: energy(W, S) / S.shape[1], FAIL, "took a mean over the units"),
    ("ch01.hopfield_energy", lambda W, S: energy(W, S) / S.shape[1] ** 2, FAIL, "mean over i and j"),
    ("ch01.hopfield_energy", lambda W, S: energy(W, S) * 1.1, FAIL, "differs from the reference"),
    ("ch01.hopfield_energy", lambda W, S: 1 / 0, FAIL, "ZeroDivisionError"),
    ("ch01.jordan_step", jordan, PASS, "the output recurs"),
    ("ch01.jordan_step", jordan_variant(feed_hidden=True), FAIL, "Elman's network"),
    ("ch01.jordan_step", jordan_variant(swap=True), FAIL, "swapped"),
    ("ch01.jordan_step", jordan_variant(out_act=lambda z: z), FAIL, "no output activation"),
    ("ch01.jordan_step", jordan_variant(c=False), FAIL, "output bias b_y is missing"),
    ("ch01.jordan_step", jordan_variant(b=False), FAIL, "hidden bias b is missing"),
    ("ch01.jordan_step", jordan_variant(use_s=False), FAIL, "state s is missing"),
    ("ch01.jordan_step", jordan_variant(hid_act=sigmoid), FAIL, "must use tanh"),
    ("ch01.jordan_step", jordan_variant(hid_act=lambda z: np.maximum(z, 0)), FAIL, "not ReLU"),
    ("ch01.jordan_step", jordan_variant(out_act=np.tanh), FAIL, "sigmoid, not tanh"),
    ("ch01.jordan_step", jordan_variant(state=lambda mu, s, y: y), FAIL, "dropped the self-connection"),
    ("ch01.jordan_step", jordan_variant(state=lambda mu, s, y: mu * y + s), FAIL, "multiplies the wrong term"),
    ("ch01.jordan_step", jordan_variant(state=lambda mu, s, y: mu * s + (1 - mu) * y), FAIL, "without a factor"),
    ("ch01.jordan_step", lambda x, s, p, mu=0.0: jordan(x, s, p, mu)[0], FAIL, "must return a tuple"),
]


@pytest.mark.parametrize("exercise_id, candidate, status, phrase", CASES)
def test_feedback(exercise_id, candidate, status, phrase):
    result = evaluate(exercise_id, candidate)
    assert result.status == status, result
    assert phrase in result.message, result.message


@pytest.mark.parametrize("exercise_id", ["ch01.hopfield_energy", "ch01.jordan_step"])
def test_stubs_are_not_attempted(exercise_id):
    assert evaluate(exercise_id, _stub).status == NOT_ATTEMPTED


def test_reference_helpers_agree_with_the_course_code():
    from course_utils.exercises.ch01 import reference_energy
    from course_utils.models.hopfield import HopfieldNetwork, random_patterns

    patterns = random_patterns(3, 20, seed=0)
    net = HopfieldNetwork(20).store(patterns)
    np.testing.assert_allclose(reference_energy(net.weights, patterns), net.energy(patterns))


def test_what_changed():
    assert set(_MILESTONES.values()) == set(CHANGES)
    assert evaluate("ch01.what_changed", dict(_MILESTONES)).status == PASS
    assert evaluate("ch01.what_changed", dict.fromkeys(_MILESTONES)).status == NOT_ATTEMPTED
    swapped = dict(_MILESTONES, **{"Jordan network (1986)": "hidden-state feedback",
                                   "Elman network (1990)": "output feedback"})
    result = evaluate("ch01.what_changed", swapped)
    assert result.status == FAIL and "Jordan and Elman are swapped" in result.message
    wrong = dict(_MILESTONES, **{"neural language model (2003)": "hidden-state feedback"})
    result = evaluate("ch01.what_changed", wrong)
    assert result.status == FAIL and "feed-forward" in result.message
    partial = dict(_MILESTONES, **{"LSTM (1997)": None})
    assert "no answer yet for: ['LSTM (1997)']" in evaluate("ch01.what_changed", partial).message
    typo = dict(_MILESTONES, **{"LSTM (1997)": "gates"})
    assert "is not one of the choices" in evaluate("ch01.what_changed", typo).message
    assert "answer with a dict" in evaluate("ch01.what_changed", ["LSTM"]).message
