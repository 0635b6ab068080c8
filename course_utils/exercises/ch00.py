"""Checkers for the exercises of chapter 0 (sequences and recurrent models)."""

from __future__ import annotations

import numpy as np

from .core import Feedback, call, exercise, expect_answers, expect_close, expect_equal, expect_shape, to_numpy

_IDS = np.array([[3, 0, 2], [1, 1, 4]])


@exercise("ch00.one_hot", "one-hot encode a batch of token ids",
          hint="Which row of the identity matrix np.eye(vocab_size) is the one-hot vector of id "
               "k? Indexing an array with an integer array keeps the index array's shape and "
               "adds the row's axis at the end.")
def _one_hot(candidate):
    # vocab_size 6 > ids.max() + 1 on purpose: the vocabulary may hold ids absent from a batch
    got = call(candidate, _IDS, 6)
    arr = to_numpy(got, "one_hot(ids, 6)", finite=True)
    if arr.shape == (2, 3, 5):
        raise Feedback("one_hot(ids, 6) has 5 columns: the number of columns is vocab_size, "
                       "not ids.max() + 1 (a batch need not contain every id)")
    if arr.shape in ((6, 2, 3), (2, 6, 3)):
        raise Feedback(f"one_hot(ids, 6) has shape {arr.shape}: the one-hot axis must come "
                       "last, giving (batch, time, vocab_size) = (2, 3, 6)")
    expect_shape(arr, (2, 3, 6), "one_hot(ids, 6)")
    if np.allclose(arr, np.eye(6)[_IDS - 1]):
        raise Feedback("every 1 sits one column too far left: ids are 0-based, so id k goes "
                       "to column k, not k - 1")
    expect_close(arr, np.eye(6)[_IDS], "one_hot(ids, 6)")
    # "an integer array of any shape": one sequence (1-D) and a batch of pairs (3-D) as well
    for ids in (np.array([4, 0, 2]), np.array([[[1, 2], [0, 3]], [[3, 3], [2, 1]]])):
        what = f"one_hot(ids, 5) for ids of shape {ids.shape}"
        try:
            got = call(candidate, ids, 5)
        except Feedback as fb:
            raise Feedback(f"{what} failed: {fb} (your function works for a 2-D batch only: "
                           "it must accept ids of any shape)") from None
        arr = to_numpy(got, what, finite=True)
        if arr.shape != ids.shape + (5,):
            raise Feedback(f"{what} has shape {arr.shape}, expected {ids.shape + (5,)}: the "
                           "output keeps the shape of ids and adds one axis of size vocab_size "
                           "at the end, whatever the number of axes of ids")
        expect_close(arr, np.eye(5)[ids], what)
    return "one row per token with a single 1 in the column of its id, for ids of any shape"


@exercise("ch00.embed", "embedding lookup as one-hot times a matrix",
          hint="Reuse your one_hot with as many columns as the table has rows. The @ operator "
               "multiplies the last axis of a (..., vocab_size) array with a (vocab_size, d) "
               "matrix and keeps the leading axes.")
def _embed(candidate):
    rng = np.random.default_rng(0)
    # 7 rows > ids.max() + 1 = 5: the table holds ids that this batch does not use
    table = rng.standard_normal((7, 4))
    try:
        got = call(candidate, _IDS, table)
    except Feedback as fb:
        if not any(w in str(fb) for w in ("mismatch", "different from", "not aligned")):
            raise
        raise Feedback(f"embed(ids, table) with a table of 7 rows failed: {fb}. The one-hot "
                       "vectors need one entry per row of the table (table.shape[0]), not "
                       "ids.max() + 1 (a batch need not contain every id)") from None
    arr = to_numpy(got, "embed(ids, table)", finite=True)
    if arr.shape == (2, 3, 7):
        raise Feedback("embed(ids, table) returned one-hot vectors: multiply them by the "
                       "table to pick its rows")
    expect_shape(arr, (2, 3, 4), "embed(ids, table)")
    if np.allclose(arr, table[(_IDS + 1) % 7]):
        raise Feedback("the rows are shifted by one: id k selects row k of the table (0-based)")
    expect_close(arr, table[_IDS], "embed(ids, table)")
    return "one_hot(ids) @ table picks row ids[b, t] of the table: an embedding is a lookup"


@exercise("ch00.pad_and_mask", "right-pad a batch of sequences and build the mask",
          hint="Find the longest length first. Start from an all-zero array (batch, longest, "
               "features) and an all-False mask (batch, longest), then copy each sequence into "
               "the start of its row and mark the same steps in the mask.")
def _pad_and_mask(candidate):
    # two features per step, so that a solution that assumes one feature is caught
    seqs = [np.array([[1.0, -1.0], [2.0, -2.0]]),
            np.array([[3.0, -3.0], [4.0, -4.0], [5.0, -5.0], [6.0, -6.0]]),
            np.array([[7.0, -7.0]])]
    try:
        got = call(candidate, [s.copy() for s in seqs])
    except Feedback as fb:
        if "broadcast" not in str(fb):
            raise
        raise Feedback(f"{fb}. These sequences have 2 features per step: take the number of "
                       "features from the sequences (e.g. sequences[0].shape[1]) instead of "
                       "assuming 1") from None
    if not isinstance(got, tuple) or len(got) != 2:
        raise Feedback("pad_and_mask(sequences) must return a tuple (padded, mask)")
    padded, mask = got
    if np.shape(padded) == (3, 4) and np.shape(mask) == (3, 4, 2):
        raise Feedback("you returned (mask, padded): the order is (padded, mask)")
    if np.shape(padded) == (3, 4, 1):
        raise Feedback("padded has shape (3, 4, 1) but these sequences have 2 features per "
                       "step: take the number of features from the sequences, e.g. "
                       "sequences[0].shape[1], instead of assuming 1")
    padded = expect_shape(padded, (3, 4, 2), "padded")
    mask_dtype = getattr(mask, "dtype", None)
    mask = to_numpy(mask, "mask", finite=True)
    if mask.shape in ((3, 4, 1), (3, 4, 2)):
        raise Feedback(f"mask has shape {mask.shape}, with a feature axis: it should be "
                       "(batch, time) = (3, 4), one flag per time step")
    expect_shape(mask, (3, 4), "mask")
    want_mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0]], dtype=float)
    if np.array_equal(mask, 1 - want_mask):
        raise Feedback("mask is inverted: it must be True at real time steps and False at "
                       "padding (Keras' convention)")
    if np.array_equal(mask, want_mask[:, ::-1]):
        raise Feedback("you padded at the front (pre-padding); this exercise asks for "
                       "padding at the end so that step t of every sequence stays at index t")
    expect_close(mask, want_mask, "mask")
    if mask_dtype is None or np.dtype(mask_dtype) != np.bool_:
        raise Feedback(f"mask has the right values but dtype {mask_dtype or type(got[1]).__name__}"
                       ": return a boolean array (np.zeros(..., dtype=bool)), as Keras masks "
                       "are booleans")
    want = np.zeros((3, 4, 2))
    for i, s in enumerate(seqs):
        want[i, : len(s)] = s
    expect_close(padded, want, "padded")
    return "real steps first, zeros after, and a boolean mask that is True exactly at the real steps"


@exercise("ch00.receptive_field", "receptive field of a stack of causal convolutions",
          hint="Draw one layer first: which past steps does a kernel of size k with dilation d "
               "touch? Then ask how far a second layer reaches beyond the first, and do not "
               "forget to count the current step.")
def _receptive_field(candidate):
    cases = [((4, [1]), 4), ((2, [1, 2, 4, 8]), 16), ((3, [1, 1]), 5), ((2, [1, 2, 4]), 8),
             ((5, [2]), 9)]
    for (k, dil), want in cases:
        got = call(candidate, k, list(dil))
        if isinstance(got, float) and got.is_integer():
            got = int(got)
        if not isinstance(got, (int, np.integer)):
            raise Feedback(f"receptive_field({k}, {dil}) should be an int, got {got!r}")
        if got == (k - 1) * sum(dil) and got != want:
            raise Feedback(f"receptive_field({k}, {dil}) = {got}: you forgot the current step "
                           "itself (+1)")
        if got == k * len(dil) and got != want:
            raise Feedback(f"receptive_field({k}, {dil}) = {got}: dilation spreads each "
                           "kernel's taps d steps apart, so a layer adds (k - 1) * d steps")
        expect_equal(int(got), want, f"receptive_field({k}, {dil})")
    return "1 + (k - 1) * sum(dilations): each layer reaches (k - 1) * d steps further back"


_PATTERNS = {
    "sentiment of a product review": "many-to-one",
    "caption for a photo": "one-to-many",
    "English to French translation": "many-to-many (delayed)",
    "part-of-speech tag for every word": "many-to-many (synchronous)",
    "digit in a single image": "one-to-one",
    "spoken command to a single intent": "many-to-one",
}
PATTERN_CHOICES = ("one-to-one", "one-to-many", "many-to-one", "many-to-many (delayed)",
                   "many-to-many (synchronous)")


@exercise("ch00.patterns", "match applications to input/output patterns",
          hint="Ask two questions for each application: is the input a sequence or a single "
               "item, and is the output one value per input step, one value at the end, or a "
               "new sequence of its own length?")
def _patterns(candidate):
    expect_answers(candidate, _PATTERNS, PATTERN_CHOICES, key_name="application",
                   value_name="pattern", choices_name="patterns",
                   not_attempted="fill in a pattern for each application, then re-run")
    wrong = [k for k, v in _PATTERNS.items() if candidate[k] != v]
    if wrong:
        hints = {
            "sentiment of a product review": "a whole review is read, one label comes out",
            "caption for a photo": "one image goes in, a sentence of words comes out",
            "English to French translation": "the output sentence has its own length and "
                                             "starts after the whole input is read",
            "part-of-speech tag for every word": "one output per input step, in step",
            "digit in a single image": "no sequence on either side",
            "spoken command to a single intent": "many audio frames, one label",
        }
        first = wrong[0]
        raise Feedback(f"{len(wrong)} of {len(_PATTERNS)} wrong, e.g. {first!r} is not "
                       f"{candidate[first]!r} (hint: {hints[first]})")
    return "all six applications matched"
