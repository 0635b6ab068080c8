"""course_utils.data.tagging: the miniature part-of-speech corpus."""

import numpy as np
import pytest

from course_utils import data
from course_utils.data import tagging as tg
from course_utils.models.hmm import CategoricalHMM


def test_deterministic():
    a = data.tagged_sentences(n_sentences=50, seed=3)
    b = tg.tagged_sentences(50, seed=3)
    c = tg.tagged_sentences(50, seed=4)
    for x, y in zip(a[0] + a[1], b[0] + b[1]):
        np.testing.assert_array_equal(x, y)
    assert any(len(x) != len(y) or np.any(x != y) for x, y in zip(a[0], c[0]))


def test_shapes_types_and_lengths():
    words, tags = tg.tagged_sentences(500, seed=0)
    assert len(words) == len(tags) == 500
    for w, t in zip(words, tags):
        assert w.dtype == t.dtype == np.int64 and w.shape == t.shape
        assert 2 <= len(w) <= 10
    assert np.concatenate(words).max() < len(tg.VOCABULARY)
    assert np.concatenate(tags).max() < len(tg.TAGS)


def test_every_tag_is_allowed_for_its_word_and_ambiguous_words_need_context():
    words, tags = tg.tagged_sentences(3000, seed=1)
    w, t = np.concatenate(words), np.concatenate(tags)
    seen = {}
    for wi, ti in zip(w, t):
        word, tag = tg.VOCABULARY[wi], tg.TAGS[ti]
        assert tag in tg.WORD_TAGS[word], (word, tag)
        seen.setdefault(word, set()).add(tag)
    for word in ("fish", "can", "watch", "saw", "her", "like", "duck"):
        assert word in tg.AMBIGUOUS
        assert len(seen[word]) >= 2, (word, seen[word])
    assert set(tg.WORD_TAGS["can"]) == {"NOUN", "VERB", "AUX"}
    assert set(tg.WORD_TAGS["her"]) == {"DET", "PRON"}
    # a good share of the tokens are ambiguous, so context matters
    amb = np.isin(w, [tg.VOCABULARY.index(a) for a in tg.AMBIGUOUS])
    assert 0.2 < amb.mean() < 0.5


def test_context_beats_the_most_frequent_tag():
    words, tags = tg.tagged_sentences(2500, seed=2)
    train_w, train_t, test_w, test_t = words[:2000], tags[:2000], words[2000:], tags[2000:]
    V, K = len(tg.VOCABULARY), len(tg.TAGS)
    counts = np.zeros((V, K))
    np.add.at(counts, (np.concatenate(train_w), np.concatenate(train_t)), 1)
    y, x = np.concatenate(test_t), np.concatenate(test_w)
    baseline = counts.argmax(axis=1)[x]
    hmm = CategoricalHMM.from_labelled(np.concatenate(train_w), np.concatenate(train_t),
                                       [len(s) for s in train_w], n_components=K, n_features=V,
                                       smoothing=0.1)
    pred = hmm.predict(x, [len(s) for s in test_w])
    amb = np.isin(x, [tg.VOCABULARY.index(a) for a in tg.AMBIGUOUS])
    assert np.mean(pred == y) > 0.97
    assert np.mean((pred == y)[amb]) > np.mean((baseline == y)[amb]) + 0.3


def test_encode_to_text_round_trip():
    ids = tg.encode("I eat apples")
    assert tg.to_text(ids) == "i eat apples"
    tag_ids = [tg.TAGS.index(t) for t in ("PRON", "VERB", "NOUN")]
    assert tg.to_text(ids, tag_ids) == "i/PRON eat/VERB apples/NOUN"
    np.testing.assert_array_equal(tg.encode(["the", "fish"]), tg.encode("the fish"))
    with pytest.raises(ValueError, match=r"outside the vocabulary: \['zebra'\]"):
        tg.encode("the zebra can swim")
    with pytest.raises(ValueError, match="tag_ids has 2 entries but word_ids has 3"):
        tg.to_text(ids, [0, 1])
    with pytest.raises(ValueError, match="word id must be <="):
        tg.to_text([len(tg.VOCABULARY)])


def test_pad_tagged():
    words = [np.array([3, 1]), np.array([0, 2, 4])]
    tags = [np.array([1, 2]), np.array([0, 0, 3])]
    x, y, mask = tg.pad_tagged(words, tags)
    np.testing.assert_array_equal(x, [[4, 2, 0], [1, 3, 5]])     # ids shifted by one
    np.testing.assert_array_equal(y, [[1, 2, 0], [0, 0, 3]])
    np.testing.assert_array_equal(mask, [[True, True, False], [True, True, True]])
    assert x.dtype == y.dtype == np.int32
    x, y, mask = tg.pad_tagged(words, maxlen=5)
    assert x.shape == (2, 5) and y is None and mask.sum() == 5
    with pytest.raises(ValueError, match="maxlen=2 is shorter than the longest sentence"):
        tg.pad_tagged(words, tags, maxlen=2)
    with pytest.raises(ValueError, match=r"tags\[1\] has 2 entries but words\[1\] has 3"):
        tg.pad_tagged(words, [tags[0], tags[1][:2]])
    with pytest.raises(ValueError, match="at least one sentence"):
        tg.pad_tagged([])


def test_invalid_arguments():
    with pytest.raises(ValueError, match="n_sentences must be >= 1"):
        tg.tagged_sentences(0)
    with pytest.raises(ValueError, match="seed must be >= 0"):
        tg.tagged_sentences(5, seed=-1)
