"""Chapter 0 checkers: the reference passes, typical mistakes get specific feedback."""

import numpy as np
import pytest

from course_utils.exercises import FAIL, NOT_ATTEMPTED, PASS, evaluate


def _stub(*args):
    raise NotImplementedError


def one_hot(ids, v):
    return np.eye(v)[np.asarray(ids)]


def pad_and_mask(seqs):
    n, T, f = len(seqs), max(len(s) for s in seqs), np.asarray(seqs[0]).shape[1]
    padded, mask = np.zeros((n, T, f)), np.zeros((n, T), bool)
    for i, s in enumerate(seqs):
        padded[i, : len(s)], mask[i, : len(s)] = s, True
    return padded, mask


def pre_pad(seqs):
    padded, mask = pad_and_mask(seqs)
    for i, s in enumerate(seqs):
        padded[i], mask[i] = 0.0, False
        padded[i, padded.shape[1] - len(s):], mask[i, padded.shape[1] - len(s):] = s, True
    return padded, mask


def one_feature_only(seqs):
    n, T = len(seqs), max(len(s) for s in seqs)
    padded, mask = np.zeros((n, T, 1)), np.zeros((n, T), bool)
    for i, s in enumerate(seqs):
        padded[i, : len(s)], mask[i, : len(s)] = s, True
    return padded, mask


def one_hot_2d_only(ids, v):
    out = np.zeros((ids.shape[0], ids.shape[1], v))
    for b in range(ids.shape[0]):
        for t in range(ids.shape[1]):
            out[b, t, ids[b, t]] = 1.0
    return out


CASES = [
    ("ch00.one_hot", one_hot, PASS, "one row per token"),
    ("ch00.one_hot", lambda ids, v: np.eye(v)[np.asarray(ids) - 1], FAIL, "one column too far left"),
    ("ch00.one_hot", lambda ids, v: np.moveaxis(np.eye(v)[ids], -1, 0), FAIL, "one-hot axis must come last"),
    ("ch00.one_hot", lambda ids, v: np.eye(ids.max() + 1)[ids], FAIL, "not ids.max() + 1"),
    ("ch00.one_hot", one_hot_2d_only, FAIL, "any shape"),
    ("ch00.one_hot", lambda ids, v: np.eye(v)[np.asarray(ids).reshape(2, -1)], FAIL, "whatever the number of axes"),
    ("ch00.one_hot", lambda ids, v: np.arange(v) == np.asarray(ids)[..., None], PASS, "any shape"),
    ("ch00.embed", lambda ids, t: one_hot(ids, t.shape[0]) @ t, PASS, "lookup"),
    ("ch00.embed", lambda ids, t: one_hot(ids, t.shape[0]), FAIL, "returned one-hot vectors"),
    ("ch00.embed", lambda ids, t: t[(np.asarray(ids) + 1) % t.shape[0]], FAIL, "shifted by one"),
    ("ch00.embed", lambda ids, t: one_hot(ids, ids.max() + 1) @ t, FAIL, "not ids.max() + 1"),
    ("ch00.embed", lambda ids, t: one_hot(ids, t.shape[0]) @ t * 2, FAIL, "differs from the reference"),
    ("ch00.pad_and_mask", pad_and_mask, PASS, "real steps first"),
    ("ch00.pad_and_mask", pre_pad, FAIL, "padded at the front"),
    ("ch00.pad_and_mask", lambda s: (pad_and_mask(s)[0], ~pad_and_mask(s)[1]), FAIL, "mask is inverted"),
    ("ch00.pad_and_mask", lambda s: (pad_and_mask(s)[0], pad_and_mask(s)[1][..., None]), FAIL, "feature axis"),
    ("ch00.pad_and_mask", lambda s: pad_and_mask(s)[0], FAIL, "must return a tuple"),
    ("ch00.pad_and_mask", lambda s: pad_and_mask(s)[::-1], FAIL, "the order is (padded, mask)"),
    ("ch00.pad_and_mask", lambda s: (pad_and_mask(s)[0], pad_and_mask(s)[1].astype(int)), FAIL, "boolean"),
    ("ch00.pad_and_mask", lambda s: (pad_and_mask(s)[0], pad_and_mask(s)[1] * 1.0), FAIL, "boolean"),
    ("ch00.pad_and_mask", one_feature_only, FAIL, "2 features per step"),
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
    from course_utils.exercises.ch00 import _PATTERNS, PATTERN_CHOICES

    assert evaluate("ch00.patterns", dict(_PATTERNS)).status == PASS
    assert evaluate("ch00.patterns", dict.fromkeys(_PATTERNS)).status == NOT_ATTEMPTED
    wrong = dict(_PATTERNS, **{"English to French translation": "many-to-many (synchronous)"})
    result = evaluate("ch00.patterns", wrong)
    assert result.status == FAIL and "its own length" in result.message
    for application, right in _PATTERNS.items():       # every application has its own hint
        other = next(c for c in PATTERN_CHOICES if c != right)
        result = evaluate("ch00.patterns", dict(_PATTERNS, **{application: other}))
        assert result.status == FAIL and "(hint: " in result.message, (application, result)
    partial = dict(_PATTERNS, **{"caption for a photo": None})
    assert "no answer yet for: ['caption for a photo']" in evaluate("ch00.patterns", partial).message
    typo = dict(_PATTERNS, **{"caption for a photo": "one to many"})
    assert "is not one of the patterns" in evaluate("ch00.patterns", typo).message
