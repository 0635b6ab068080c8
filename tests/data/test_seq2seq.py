"""The sequence-to-sequence data module: vocabulary, teacher-forcing arrays, digit task, metrics."""

import numpy as np
import pytest

from course_utils.data import seq2seq
from course_utils.data.seq2seq import (
    Vocabulary,
    accuracy_by_length,
    digit_task,
    digit_vocabulary,
    edit_distance,
    exact_match,
    teacher_forcing_arrays,
    token_accuracy,
)


def test_vocabulary_ids_specials_and_round_trip():
    v = Vocabulary(list("abc"))
    assert (v.pad_id, v.start_id, v.end_id) == (0, 1, 2)
    assert v.tokens[:3] == ("<pad>", "<s>", "</s>") and len(v) == v.size == 6
    ids = v.encode("cab", add_start=True, add_end=True)
    assert ids.dtype == np.int32 and ids.tolist() == [1, 5, 3, 4, 2]
    assert v.decode(ids) == list("cab")
    assert v.decode_text([5, 3, 2, 4]) == "ca"                   # stops at the end token
    assert v.decode([5, 0, 3], strip_special=True) == ["c", "a"]
    assert v.decode([1, 5, 2, 3], stop_at_end=False, strip_special=False) == [
        "<s>", "c", "</s>", "a"]
    words = Vocabulary(["AH", "B"])
    assert words.encode(["B", "AH"]).tolist() == [4, 3]
    assert words.decode_text([4, 3], sep=" ") == "B AH"
    assert Vocabulary.from_sequences(["ba", "ca"]) == Vocabulary(list("abc"))
    assert "a" in v and "z" not in v
    assert Vocabulary(**v.get_config()) == v


def test_padding_uses_keras_pad_sequences_and_gives_masks():
    v = Vocabulary(list("ab"))
    ids, mask = v.pad([v.encode("ab"), v.encode("b")], maxlen=4)
    assert ids.tolist() == [[3, 4, 0, 0], [4, 0, 0, 0]] and ids.dtype == np.int32
    assert mask.tolist() == [[True, True, False, False], [True, False, False, False]]
    with pytest.raises(ValueError, match="never truncated"):
        v.pad([v.encode("abab")], maxlen=2)


def test_teacher_forcing_arrays_shift_by_one_and_mask_the_end_token():
    v = digit_vocabulary()
    arr = teacher_forcing_arrays(["123", "45"], ["321", "54"], v, v)
    d = {str(i): i + 3 for i in range(10)}
    assert arr.encoder_input.tolist() == [[d["1"], d["2"], d["3"]], [d["4"], d["5"], 0]]
    assert arr.decoder_input.tolist() == [[1, d["3"], d["2"], d["1"]], [1, d["5"], d["4"], 0]]
    assert arr.decoder_target.tolist() == [[d["3"], d["2"], d["1"], 2], [d["5"], d["4"], 2, 0]]
    assert arr.decoder_mask.tolist() == [[1, 1, 1, 1], [1, 1, 1, 0]]
    # the mask that an Embedding(mask_zero=True) derives from decoder_input is decoder_mask
    np.testing.assert_array_equal(arr.decoder_input != 0, arr.decoder_mask)
    np.testing.assert_array_equal(arr.encoder_input != 0, arr.encoder_mask)
    assert arr.source_lengths.tolist() == [3, 2] and arr.target_lengths.tolist() == [3, 2]
    enc, dec = arr.inputs
    assert enc is arr.encoder_input and dec is arr.decoder_input
    sub = arr[[1]]
    assert len(sub) == 1 and sub.targets == [list("54")]


def test_reverse_source_reverses_the_real_tokens_only():
    v = digit_vocabulary()
    arr = teacher_forcing_arrays(["123", "45"], ["123", "45"], v, v, reverse_source=True,
                                 source_length=4, target_length=5)
    assert [v.decode_text(r) for r in arr.encoder_input] == ["321", "54"]
    assert arr.encoder_input[1, 2:].tolist() == [0, 0]               # padding stays on the right
    assert arr.decoder_input.shape == (2, 6)


def test_copy_with_reversed_source_is_the_reversal_task():
    v = digit_vocabulary()
    sources, _ = digit_task(50, task="copy", seed=3)
    copy_rev = teacher_forcing_arrays(sources, sources, v, v, reverse_source=True)
    flipped = [s[::-1] for s in sources]
    reversal = teacher_forcing_arrays(flipped, [s[::-1] for s in flipped], v, v)
    np.testing.assert_array_equal(copy_rev.encoder_input, reversal.encoder_input)
    np.testing.assert_array_equal(copy_rev.decoder_target, reversal.decoder_target)


def test_digit_task_is_seeded_and_lengths_are_uniform():
    a = digit_task(2000, seed=7)
    b = digit_task(2000, seed=7)
    c = digit_task(2000, seed=8)
    assert a == b and a != c
    sources, targets = a
    assert all(t == s[::-1] for s, t in zip(sources, targets))
    lengths = np.array([len(s) for s in sources])
    assert lengths.min() == 5 and lengths.max() == 25
    counts = np.bincount(lengths)[5:]
    assert counts.min() > 0.6 * counts.mean()
    assert set("".join(sources)) == set(seq2seq.DIGITS)
    copy_s, copy_t = digit_task(10, task="copy", seed=7)
    assert copy_s == copy_t and copy_s == digit_task(10, seed=7)[0]
    # a known value, so that the data cannot change silently between versions
    assert digit_task(1, seed=0)[0][0] == "6523000186956976559286"


def test_metrics():
    pred = [[1, 2, 3], [1, 2], [1, 2, 3, 4], []]
    truth = [[1, 2, 3], [1, 2, 3], [1, 2, 3], [5]]
    np.testing.assert_array_equal(exact_match(pred, truth), [1, 0, 0, 0])
    np.testing.assert_allclose(token_accuracy(pred, truth), [1, 2 / 3, 1, 0])
    table = accuracy_by_length(pred, truth, [3, 3, 9, 9], [(1, 5), (6, 10)])
    assert table["bucket"].tolist() == ["1-5", "6-10"] and table["n"].tolist() == [2, 2]
    np.testing.assert_allclose(table["exact_match"], [0.5, 0.0])
    np.testing.assert_allclose(table["token_accuracy"], [(1 + 2 / 3) / 2, 0.5])
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance(["AH", "B"], ["AH", "B"]) == 0 and edit_distance([], "abc") == 3


@pytest.mark.parametrize("call, match", [
    (lambda: Vocabulary(["a", "a"]), "distinct"),
    (lambda: Vocabulary(["<s>", "a"]), "special tokens"),
    (lambda: Vocabulary([]), "at least one"),
    (lambda: Vocabulary(list("ab")).encode("abc"), "outside the vocabulary"),
    (lambda: Vocabulary(list("ab")).encode(["<s>"]), "special tokens"),
    (lambda: Vocabulary(list("ab")).decode([7]), "outside the vocabulary"),
    (lambda: teacher_forcing_arrays(["1"], ["1", "2"], digit_vocabulary(), digit_vocabulary()),
     "same length"),
    (lambda: teacher_forcing_arrays(["1"], ["1"], "digits", digit_vocabulary()), "source_vocab"),
    (lambda: teacher_forcing_arrays(["1"], ["1"], digit_vocabulary(), digit_vocabulary(),
                                    reverse_source="yes"), "reverse_source"),
    (lambda: digit_task(0), "n must be >= 1"),
    (lambda: digit_task(5, task="sort"), "task must be one of"),
    (lambda: digit_task(5, min_length=6, max_length=5), "max_length must be >= 6"),
    (lambda: exact_match([[1]], [[1], [2]]), "same length"),
    (lambda: accuracy_by_length([[1]], [[1]], [3], [(5, 9)]), "holds no example"),
    (lambda: accuracy_by_length([[1]], [[1]], [3], [(9, 5)]), "inclusive"),
])
def test_bad_arguments_raise_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
