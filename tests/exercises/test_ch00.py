"""Chapter 0 checkers: the reference passes, typical mistakes get specific feedback."""

import numpy as np
import pytest

from course_utils.exercises import FAIL, NOT_ATTEMPTED, PASS, evaluate


def _stub(*args):
    raise NotImplementedError


def one_hot(ids, v):
    return np.eye(v)[np.asarray(ids)]


def pad_and_mask(seqs):
    n, T = len(seqs), max(len(s) for s in seqs)
    padded, mask = np.zeros((n, T, 1)), np.zeros((n, T), bool)
    for i, s in enumerate(seqs):
        padded[i, : len(s)], mask[i, : len(s)] = s, True
    return padded, mask


def pre_pad(seqs):
    n, T = len(seqs), max(len(s) for s in seqs)
    padded, mask = np.zeros((n, T, 1)), np.zeros((n, T), bool)
    for i, s in enumerate(seqs):
        padded[i, T - len(s):], mask[i, T - len(s):] = s, True
    return padded, mask


CASES = [
    ("ch00.one_hot", one_hot, PASS, "one row per token"),
    ("ch00.one_hot", lambda ids, v: np.eye(v)[np.asarray(ids) - 1], FAIL, "one column too far left"),
    ("ch00.one_hot", lambda ids, v: np.moveaxis(np.eye(v)[ids], -1, 0), FAIL, "one-hot axis must come last"),
    ("ch00.one_hot", lambda ids, v: np.eye(ids.max() + 1)[ids], FAIL, "not ids.max() + 1"),
    ("ch00.embed", lambda ids, t: one_hot(ids, t.shape[0]) @ t, PASS, "lookup"),
    ("ch00.embed", lambda ids, t: one_hot(ids, t.shape[0]), FAIL, "returned one-hot vectors"),
    ("ch00.embed", lambda ids, t: t[(np.asarray(ids) + 1) % t.shape[0]], FAIL, "shifted by one"),
    ("ch00.pad_and_mask", pad_and_mask, PASS, "real steps first"),
    ("ch00.pad_and_mask", pre_pad, FAIL, "padded at the front"),
    ("ch00.pad_and_mask", lambda s: (pad_and_mask(s)[0], ~pad_and_mask(s)[1]), FAIL, "mask is inverted"),
    ("ch00.pad_and_mask", lambda s: (pad_and_mask(s)[0], pad_and_mask(s)[1][..., None]), FAIL, "feature axis"),
    ("ch00.pad_and_mask", lambda s: pad_and_mask(s)[0], FAIL, "must return a tuple"),
    ("ch00.receptive_field", lambda k, d: 1 + (k - 1) * sum(d), PASS, "1 + (k - 1)"),
    ("ch00.receptive_field", lambda k, d: (k - 1) * sum(d), FAIL, "forgot the current step"),
    ("ch00.receptive_field", lambda k, d: k * len(d), FAIL, "dilation spreads"),
    ("ch00.receptive_field", lambda k, d: str(k), FAIL, "should be an int"),
]


@pytest.mark.parametrize("exercise_id, candidate, status, phrase", CASES)
def test_feedback(exercise_id, candidate, status, phrase):
    result = evaluate(exercise_id, candidate)
    assert result.status == status, result
    assert phrase in result.message, result.message


@pytest.mark.parametrize("exercise_id", ["ch00.one_hot", "ch00.embed", "ch00.pad_and_mask",
                                         "ch00.receptive_field"])
def test_stubs_are_not_attempted(exercise_id):
    assert evaluate(exercise_id, _stub).status == NOT_ATTEMPTED


def test_patterns():
    from course_utils.exercises.ch00 import _PATTERNS

    assert evaluate("ch00.patterns", dict(_PATTERNS)).status == PASS
    assert evaluate("ch00.patterns", dict.fromkeys(_PATTERNS)).status == NOT_ATTEMPTED
    wrong = dict(_PATTERNS, **{"English to French translation": "many-to-many (synchronous)"})
    result = evaluate("ch00.patterns", wrong)
    assert result.status == FAIL and "its own length" in result.message
    partial = dict(_PATTERNS, **{"caption for a photo": None})
    assert "no answer yet for: ['caption for a photo']" in evaluate("ch00.patterns", partial).message
    typo = dict(_PATTERNS, **{"caption for a photo": "one to many"})
    assert "is not one of the patterns" in evaluate("ch00.patterns", typo).message
