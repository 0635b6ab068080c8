"""course_utils.data.text: character corpora for language modelling."""

import numpy as np
import pytest

from course_utils import data
from course_utils.data.text import CharCorpus, first_name_corpus


def test_vocabulary_encode_decode_round_trip():
    corpus = CharCorpus(["anna", "bob", "eve", "otto"], validation_fraction=0.25, seed=0)
    assert corpus.chars == ("_", "<", ">", "a", "b", "e", "n", "o", "t", "v")
    assert (corpus.pad_id, corpus.start_id, corpus.end_id) == (0, 1, 2)
    assert corpus.vocab_size == 10
    np.testing.assert_array_equal(corpus.encode("bob"), [1, 4, 7, 4, 2])
    for word in ("anna", "bob", "otto", "a"):
        assert corpus.decode(corpus.encode(word)) == word
    assert corpus.decode([1, 3, 2, 4, 4]) == "a"  # stops at the end token


def test_arrays_are_shifted_by_one_with_padding_and_mask():
    corpus = CharCorpus(["ab", "abcd", "c"], validation_fraction=0.34, seed=1)
    inputs, targets, mask = corpus.arrays(words=["ab", "c"])
    assert inputs.shape == targets.shape == mask.shape == (2, corpus.max_length + 1)
    assert inputs.dtype.kind == "i" and mask.dtype == bool
    a, b, c = (corpus.char_to_id[ch] for ch in "abc")
    np.testing.assert_array_equal(inputs[0], [1, a, b, 0, 0])
    np.testing.assert_array_equal(targets[0], [a, b, 2, 0, 0])
    np.testing.assert_array_equal(mask[1], [True, True, False, False, False])
    # the input at step t + 1 is the target of step t (wherever step t + 1 is real)
    np.testing.assert_array_equal(inputs[:, 1:][mask[:, 1:]], targets[:, :-1][mask[:, 1:]])
    # the mask counts one step per character plus the end token
    assert mask.sum() == len("ab") + 1 + len("c") + 1


def test_split_is_seeded_disjoint_and_complete():
    words = [f"w{'a' * i}" for i in range(1, 41)]
    a = CharCorpus(words, validation_fraction=0.25, seed=3)
    b = CharCorpus(words, validation_fraction=0.25, seed=3)
    c = CharCorpus(words, validation_fraction=0.25, seed=4)
    assert a.train_words == b.train_words and a.validation_words == b.validation_words
    assert a.validation_words != c.validation_words
    assert len(a.validation_words) == 10 and len(a.train_words) == 30
    assert not set(a.train_words) & set(a.validation_words)
    assert set(a.train_words) | set(a.validation_words) == set(words)


def test_duplicates_are_dropped_before_the_split():
    corpus = CharCorpus(["x", "y", "x", "z", "y"], validation_fraction=0.34)
    assert sorted(corpus.train_words + corpus.validation_words) == ["x", "y", "z"]


def test_first_name_corpus_from_the_census_names():
    corpus = first_name_corpus(seed=0)
    assert corpus.vocab_size == 29 and corpus.chars[3:] == tuple("abcdefghijklmnopqrstuvwxyz")
    n = len(corpus.train_words) + len(corpus.validation_words)
    assert n == data.first_names()["name"].nunique() == 5163
    assert len(corpus.validation_words) == 516
    assert corpus.max_length == 11
    assert "mary" in corpus.train_words + corpus.validation_words
    x, y, m = corpus.arrays("validation")
    assert x.shape == (516, 12) and m.sum() == sum(len(w) + 1 for w in corpus.validation_words)
    assert data.first_name_corpus(seed=0).validation_words == corpus.validation_words


@pytest.mark.parametrize("call, message", [
    (lambda: CharCorpus("anna"), "a single string"),
    (lambda: CharCorpus(["a", ""]), "non-empty strings"),
    (lambda: CharCorpus(["a", 3]), "non-empty strings"),
    (lambda: CharCorpus(["a"]), "at least 2 distinct words"),
    (lambda: CharCorpus(["a<b", "c"]), "reserved symbols"),
    (lambda: CharCorpus(["a", "b"], validation_fraction=1.0), "validation_fraction must be < 1"),
    (lambda: CharCorpus(["a", "b", "c"], validation_fraction=0.01), "both parts must be non-empty"),
    (lambda: CharCorpus(["a", "b"], seed=-1), "seed must be >= 0"),
    (lambda: CharCorpus(["ab", "b"], validation_fraction=0.5).encode("abc"), "outside the vocabulary"),
    (lambda: CharCorpus(["ab", "b"], validation_fraction=0.5).decode([99]), "outside the vocabulary"),
    (lambda: CharCorpus(["ab", "b"], validation_fraction=0.5).arrays("test"), "split must be"),
    (lambda: first_name_corpus(sex="x"), "sex must be one of"),
])
def test_errors_name_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
