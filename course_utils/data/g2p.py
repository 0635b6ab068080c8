"""Grapheme-to-phoneme conversion on a subset of the CMU Pronouncing Dictionary.

G2P maps the spelling of a word to its pronunciation, ``"phone" -> F OW N``: a
small translation task with real ambiguity (``"gh"`` in *ghost*, *rough*,
*night*), variable output length and no word order to learn. The course ships
20,000 words of CMUdict 0.7b (``datasets/cmudict_subset.tsv``; provenance and
licence in ``datasets/README.md``), every pronunciation variant of each word.

Public API
----------
``cmudict_subset(*, stress=False) -> dict[str, list[tuple[str, ...]]]``
    Word -> its pronunciations (ARPAbet phonemes), in the dictionary's order.
    ``stress=False`` strips the stress digits (``AH0`` -> ``AH``): 39 phonemes,
    as in the usual G2P benchmarks.
``g2p_split(*, test_fraction=0.1, validation_fraction=0.05, seed=0, stress=False,
variants="first") -> G2PSplit``
    A split **by word**: all pronunciations of a word fall in the same part, so
    that no test word is seen in training under another pronunciation.
    ``split.arrays("train")`` gives :class:`~course_utils.data.seq2seq.Seq2SeqArrays`
    (``variants="first"``: one pair per word, its first pronunciation; ``"all"``:
    one pair per pronunciation); ``split.graphemes`` and ``split.phonemes`` are
    the two :class:`~course_utils.data.seq2seq.Vocabulary` objects;
    ``split.references(part)`` the list of all pronunciations of each word.
``word_error_rate(predicted, references)``, ``phoneme_error_rate(predicted, references)``
    The G2P metrics: a word is right if it equals *any* of its reference
    pronunciations; the phoneme error rate is the edit distance to the closest
    reference, summed over words, divided by the summed length of those references.

Example:
    >>> split = g2p_split(seed=0)
    >>> arrays = split.arrays("train")
    >>> split.phonemes.decode_text(arrays.decoder_target[0], sep=" ")  # doctest: +SKIP
    'AA B ER G'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..validation import check_bool, check_choice, check_float, rng_from
from .files import dataset_path
from .seq2seq import Vocabulary, _as_tokens, edit_distance, teacher_forcing_arrays

FILENAME = "cmudict_subset.tsv"
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _strip_stress(phoneme):
    return phoneme.rstrip("012")


def cmudict_subset(*, stress=False):
    """The shipped CMUdict subset: ``{word: [pronunciation, ...]}``, checksum-verified.

    Args:
        stress: keep the stress digits on the vowels (``AH0``, ``AH1``, ``AH2``);
            by default they are removed. Variants that differ only in stress then
            become equal and are merged (the first one kept).

    Returns:
        A dict (words in alphabetical order) of lists of phoneme tuples.
    """
    stress = check_bool(stress, "stress")
    entries: dict[str, list[tuple[str, ...]]] = {}
    path = dataset_path(FILENAME)
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        parts = line.split("\t")
        if len(parts) != 2 or not parts[1].strip():
            raise ValueError(f"{FILENAME} line {n} is not '<word>\\t<phonemes>': {line!r}")
        word, phones = parts[0], tuple(parts[1].split())
        if not stress:
            phones = tuple(_strip_stress(p) for p in phones)
        variants = entries.setdefault(word, [])
        if phones not in variants:
            variants.append(phones)
    return entries


@dataclass
class G2PSplit:
    """Words split into train / validation / test, with their pronunciations and vocabularies."""

    pronunciations: dict
    train_words: list
    validation_words: list
    test_words: list
    graphemes: Vocabulary
    phonemes: Vocabulary
    variants: str

    def words(self, part):
        part = check_choice(part, "part", ("train", "validation", "test"))
        return {"train": self.train_words, "validation": self.validation_words,
                "test": self.test_words}[part]

    def references(self, part):
        """All pronunciations (lists of phonemes) of each word of ``part``."""
        return [[list(p) for p in self.pronunciations[w]] for w in self.words(part)]

    def pairs(self, part):
        """``(words, pronunciations)`` used for training: first variant, or every variant."""
        words = self.words(part)
        if self.variants == "first":
            return list(words), [list(self.pronunciations[w][0]) for w in words]
        ws, ps = [], []
        for w in words:
            for p in self.pronunciations[w]:
                ws.append(w)
                ps.append(list(p))
        return ws, ps

    def arrays(self, part, **kwargs):
        """Teacher-forcing arrays of ``part`` (keywords go to ``teacher_forcing_arrays``)."""
        words, prons = self.pairs(part)
        kwargs.setdefault("source_length", self.max_word_length)
        kwargs.setdefault("target_length", self.max_pronunciation_length)
        return teacher_forcing_arrays(words, prons, self.graphemes, self.phonemes, **kwargs)

    @property
    def max_word_length(self):
        return max(len(w) for w in self.pronunciations)

    @property
    def max_pronunciation_length(self):
        return max(len(p) for ps in self.pronunciations.values() for p in ps)

    def __repr__(self):
        return (f"G2PSplit({len(self.train_words)} train / {len(self.validation_words)} validation"
                f" / {len(self.test_words)} test words, {self.graphemes.size} grapheme ids, "
                f"{self.phonemes.size} phoneme ids, variants={self.variants!r})")


def g2p_split(*, test_fraction=0.1, validation_fraction=0.05, seed=0, stress=False,
              variants="first", max_words=None):
    """A seeded split of the CMUdict subset by word (see the module docstring).

    Args:
        test_fraction, validation_fraction: shares of the words held out.
        seed: seed of the split.
        stress: keep stress digits (see :func:`cmudict_subset`).
        variants: ``"first"`` trains on each word's first pronunciation, ``"all"``
            on every pronunciation. Evaluation always accepts any of them.
        max_words: use only this many words (a seeded sample), for quick runs.
    """
    test_fraction = check_float(test_fraction, "test_fraction", minimum=0.0, maximum=0.5,
                                min_inclusive=False)
    validation_fraction = check_float(validation_fraction, "validation_fraction",
                                      minimum=0.0, maximum=0.5)
    variants = check_choice(variants, "variants", ("first", "all"))
    prons = cmudict_subset(stress=stress)
    words = list(prons)
    rng = rng_from(seed)
    order = rng.permutation(len(words))
    if max_words is not None:
        from ..validation import check_int

        max_words = check_int(max_words, "max_words", minimum=10, maximum=len(words))
        order = order[:max_words]
    n = len(order)
    n_test = max(1, int(round(test_fraction * n)))
    n_val = int(round(validation_fraction * n))
    test = sorted(words[i] for i in order[:n_test])
    val = sorted(words[i] for i in order[n_test:n_test + n_val])
    train = sorted(words[i] for i in order[n_test + n_val:])
    used = {w: prons[w] for w in sorted(train + val + test)}
    graphemes = Vocabulary(sorted(set("".join(used))))
    phonemes = Vocabulary(sorted({p for ps in used.values() for pr in ps for p in pr}))
    return G2PSplit(used, train, val, test, graphemes, phonemes, variants)


def _closest(pred, refs):
    pred = _as_tokens(pred, "each prediction")
    best = None
    for ref in refs:
        ref = _as_tokens(ref, "each reference")
        d = edit_distance(pred, ref)
        if best is None or d < best[0] or (d == best[0] and len(ref) > best[1]):
            best = (d, len(ref))
    if best is None:
        raise ValueError("every word needs at least one reference pronunciation")
    return best


def _check_refs(predicted, references):
    if isinstance(predicted, str) or isinstance(references, str):
        raise ValueError("predicted and references must be lists, got a string")
    predicted, references = list(predicted), list(references)
    if len(predicted) != len(references):
        raise ValueError(f"predicted and references must have the same length, got "
                         f"{len(predicted)} and {len(references)}")
    if not predicted:
        raise ValueError("predicted must hold at least one word")
    return predicted, references


def word_error_rate(predicted, references):
    """Fraction of words whose predicted pronunciation equals none of its references.

    Args:
        predicted: one phoneme sequence per word.
        references: one list of acceptable phoneme sequences per word.
    """
    predicted, references = _check_refs(predicted, references)
    wrong = [_closest(p, r)[0] > 0 for p, r in zip(predicted, references)]
    return float(np.mean(wrong))


def phoneme_error_rate(predicted, references):
    """Edit distance to the closest reference, summed over words, over the summed reference length."""
    predicted, references = _check_refs(predicted, references)
    errors = length = 0
    for p, r in zip(predicted, references):
        d, n = _closest(p, r)
        errors += d
        length += n
    return errors / length


__all__ = ["cmudict_subset", "g2p_split", "G2PSplit", "word_error_rate",
           "phoneme_error_rate", "FILENAME"]
