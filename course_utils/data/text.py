"""Character-level text corpora for language modelling.

:func:`first_name_corpus` turns the first names of the 1990 US census (the
``names`` package, via :func:`course_utils.data.first_names`) into a seeded
train/validation split of integer arrays ready for a character-level
language model. :class:`CharCorpus` does the same for any list of words.

Every word ``w = c_1 ... c_n`` becomes the token sequence
``<start> c_1 ... c_n <end>``. A model reads ``<start> c_1 ... c_n`` and
predicts ``c_1 ... c_n <end>`` (the input shifted by one), so that
``P(w) = P(c_1 | <start>) P(c_2 | <start> c_1) ... P(<end> | <start> c_1 ... c_n)``.
Batches are right-padded with the padding id 0 and come with a mask that is
True on the real target steps.
"""

from __future__ import annotations

import numpy as np

from ..validation import check_float, rng_from

PAD, START, END = "_", "<", ">"


class CharCorpus:
    """A vocabulary of characters plus a train/validation split of words.

    Args:
        words: iterable of non-empty strings; duplicates are dropped (first
            occurrence kept) so that no validation word is also a training word.
        validation_fraction: share of the distinct words held out, in (0, 1).
        seed: seed of the random split.

    Attributes:
        chars: the vocabulary; id 0 is the padding symbol ``"_"``, 1 the start
            token ``"<"``, 2 the end token ``">"``, then the characters of the
            words in sorted order.
        pad_id, start_id, end_id: 0, 1, 2.
        train_words, validation_words: the two lists of words.

    Example:
        >>> corpus = CharCorpus(["anna", "bob", "eve", "otto"], validation_fraction=0.25)
        >>> corpus.encode("bob")
        array([1, 4, 7, 4, 2])
        >>> inputs, targets, mask = corpus.arrays("train")
    """

    pad_id, start_id, end_id = 0, 1, 2

    def __init__(self, words, *, validation_fraction=0.1, seed=0):
        if isinstance(words, str):
            raise ValueError("words must be a list of strings, got a single string")
        words = list(dict.fromkeys(words))
        bad = [w for w in words if not isinstance(w, str) or not w]
        if bad:
            raise ValueError(f"words must be non-empty strings, got {bad[:3]!r}")
        if len(words) < 2:
            raise ValueError(f"words must hold at least 2 distinct words, got {len(words)}")
        specials = {PAD, START, END}
        clash = sorted(specials & set("".join(words)))
        if clash:
            raise ValueError(f"words may not contain the reserved symbols {sorted(specials)}, "
                             f"found {clash}")
        rng = rng_from(seed)
        frac = check_float(validation_fraction, "validation_fraction", minimum=0.0, maximum=1.0,
                           min_inclusive=False, max_inclusive=False)
        n_val = int(round(frac * len(words)))
        if not 1 <= n_val < len(words):
            raise ValueError(f"validation_fraction={frac} leaves {n_val} of {len(words)} words "
                             "for validation; both parts must be non-empty")
        order = rng.permutation(len(words))
        self.validation_words = [words[i] for i in sorted(order[:n_val])]
        self.train_words = [words[i] for i in sorted(order[n_val:])]
        self.chars = (PAD, START, END, *sorted(set("".join(words))))
        self.char_to_id = {ch: i for i, ch in enumerate(self.chars)}
        self.max_length = max(len(w) for w in words)

    @property
    def vocab_size(self):
        """Number of symbols including padding, start and end."""
        return len(self.chars)

    def encode(self, word):
        """``<start> word <end>`` as an int array of length ``len(word) + 2``."""
        unknown = sorted(set(word) - set(self.char_to_id))
        if unknown:
            raise ValueError(f"word {word!r} has characters outside the vocabulary: {unknown}")
        return np.array([self.start_id, *(self.char_to_id[c] for c in word), self.end_id])

    def decode(self, ids):
        """Ids back to text: stops at the first end token, skips start and padding."""
        out = []
        for i in np.asarray(ids).ravel():
            i = int(i)
            if not 0 <= i < self.vocab_size:
                raise ValueError(f"id {i} is outside the vocabulary [0, {self.vocab_size})")
            if i == self.end_id:
                break
            if i not in (self.pad_id, self.start_id):
                out.append(self.chars[i])
        return "".join(out)

    def arrays(self, split="train", words=None):
        """Model-ready integer arrays for one split (or for a given list of words).

        Returns:
            ``(inputs, targets, mask)``, each of shape ``(n_words, max_length + 1)``:
            ``inputs[i] = <start> c_1 ... c_n`` then padding, ``targets[i] =
            c_1 ... c_n <end>`` then padding, ``mask`` True on the ``n + 1``
            real target steps.
        """
        if words is None:
            if split not in ("train", "validation"):
                raise ValueError(f"split must be 'train' or 'validation', got {split!r}")
            words = self.train_words if split == "train" else self.validation_words
        L = max(self.max_length, max(len(w) for w in words)) + 1
        inputs = np.full((len(words), L), self.pad_id, dtype=np.int64)
        targets = np.full((len(words), L), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(words), L), dtype=bool)
        for i, w in enumerate(words):
            ids = self.encode(w)
            n = len(ids) - 1
            inputs[i, :n] = ids[:-1]
            targets[i, :n] = ids[1:]
            mask[i, :n] = True
        return inputs, targets, mask

    def __repr__(self):
        return (f"CharCorpus({len(self.train_words)} training words, "
                f"{len(self.validation_words)} validation words, vocab_size={self.vocab_size})")


def first_name_corpus(validation_fraction=0.1, seed=0, sex="all"):
    """The census first names as a :class:`CharCorpus`.

    The 5,494 entries of :func:`~course_utils.data.first_names` hold 5,163
    distinct names (some are both female and male); each distinct name is
    one word, lower case ``a``-``z``, 2 to 11 letters.

    Args:
        validation_fraction: share of the names held out.
        seed: seed of the split.
        sex: ``"female"``, ``"male"`` or ``"all"``.
    """
    from .packaged import first_names

    return CharCorpus(first_names(sex)["name"].tolist(),
                      validation_fraction=validation_fraction, seed=seed)


__all__ = ["CharCorpus", "first_name_corpus", "PAD", "START", "END"]
