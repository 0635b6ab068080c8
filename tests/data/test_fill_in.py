"""course_utils.data.fill_in: the fill-in-the-blank task of chapter 5."""

import numpy as np
import pytest

from course_utils import data
from course_utils.data import fill_in
from course_utils.data.fill_in import (
    BLANK_ID,
    DETERMINERS,
    FILL_IN_VOCAB,
    FILLERS,
    KINDS,
    PAD_ID,
    WORD_ID,
    decode,
    fill_in_the_blank,
    noun_id,
)


def test_deterministic():
    a, b, c = (fill_in_the_blank(seed=s) for s in (1, 1, 2))
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])
    assert data.fill_in_the_blank is fill_in_the_blank


def test_shapes_dtypes_and_vocabulary():
    x, y, blank = fill_in_the_blank(n_sequences=50, length=10, n_kinds=3, max_gap=3, seed=0)
    assert x.shape == (50, 10) and y.shape == (50,) and blank.shape == (50,)
    assert x.dtype == y.dtype == blank.dtype == np.int32
    assert x.min() > PAD_ID and x.max() < len(FILL_IN_VOCAB)      # no padding inside sentences
    assert len(set(FILL_IN_VOCAB)) == len(FILL_IN_VOCAB)
    assert FILL_IN_VOCAB[PAD_ID] == "<pad>" and FILL_IN_VOCAB[BLANK_ID] == "_"


def _structure(x, y, blank):
    """Decode each sentence into (determiner, verb, gap) and check the grammar."""
    verbs_of = {WORD_ID[v]: k for k, (_, _, vs) in enumerate(KINDS) for v in vs}
    out = []
    for row, target, b in zip(x, y, blank):
        assert row[b] == BLANK_ID and np.sum(row == BLANK_ID) == 1
        det = FILL_IN_VOCAB[row[b - 1]]
        assert det in DETERMINERS
        verb_positions = [i for i, w in enumerate(row) if w in verbs_of]
        assert len(verb_positions) == 1 and verb_positions[0] > b
        v = verb_positions[0]
        others = [FILL_IN_VOCAB[w] for i, w in enumerate(row) if i not in (b - 1, b, v)]
        assert all(w in FILLERS for w in others)
        kind = verbs_of[row[v]]
        assert target == noun_id(kind, plural=det == "two")   # both sides determine the noun
        out.append((det, kind, v - b - 1))
    return out


def test_left_gives_number_right_gives_kind():
    x, y, blank = fill_in_the_blank(n_sequences=400, length=12, n_kinds=4, max_gap=4, seed=3)
    info = _structure(x, y, blank)
    dets = {d for d, _, _ in info}
    kinds = {k for _, k, _ in info}
    gaps = {g for _, _, g in info}
    assert dets == set(DETERMINERS) and kinds == {0, 1, 2, 3} and gaps == set(range(5))
    assert blank.min() == 1 and blank.max() <= 12 - 2


def test_best_accuracy_from_one_side_is_the_documented_ceiling():
    # from the left context (the determiner) the best guess is right 1 / n_kinds of the time
    x, y, blank = fill_in_the_blank(n_sequences=6000, length=12, n_kinds=4, seed=1)
    det = x[np.arange(len(x)), blank - 1]
    best_left = sum(np.bincount(y[det == d]).max() for d in np.unique(det)) / len(y)
    assert abs(best_left - 0.25) < 0.03


def test_extreme_sizes():
    x, y, blank = fill_in_the_blank(n_sequences=5, length=3, n_kinds=1, max_gap=0, seed=0)
    assert np.all(blank == 1) and np.all(x[:, 2] != BLANK_ID)
    _structure(x, y, blank)
    x, y, blank = fill_in_the_blank(n_sequences=20, n_kinds=len(KINDS), seed=0)
    _structure(x, y, blank)


def test_decode():
    assert decode([WORD_ID["a"], BLANK_ID, WORD_ID["purred"], PAD_ID]) == "a _ purred"
    assert decode(np.array([], dtype=int)) == ""


@pytest.mark.parametrize("kwargs, match", [
    ({"n_sequences": 0}, "n_sequences must be >= 1"),
    ({"n_kinds": 7}, "n_kinds must be <= 6"),
    ({"n_kinds": 0}, "n_kinds must be >= 1"),
    ({"max_gap": -1}, "max_gap must be >= 0"),
    ({"length": 5, "max_gap": 4}, "length must be >= max_gap \\+ 3 = 7"),
    ({"length": 12.0}, "length must be an int"),
    ({"seed": -1}, "seed must be >= 0"),
])
def test_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fill_in_the_blank(**kwargs)


def test_decode_and_noun_id_errors():
    with pytest.raises(ValueError, match="ids must lie in 0.."):
        decode([0, len(FILL_IN_VOCAB)])
    with pytest.raises(ValueError, match="ids must have 1 dimensions"):
        decode([[1, 2]])
    with pytest.raises(ValueError, match="kind must be <= 5"):
        noun_id(6, plural=False)
    assert fill_in.noun_id(0, plural=True) == WORD_ID["cats"]
