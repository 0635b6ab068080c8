"""Fill in the blank: a toy language where a missing word needs both sides.

Every sequence is a short "sentence" of word ids in which one noun has been
replaced by a blank. The noun has two attributes, and each side of the blank
reveals one of them:

- its **number** (singular or plural) comes from the determiner just before
  it (``"a"`` or ``"two"``): only the *left* context tells it;
- its **kind** (cat, dog, bird, ...) comes from the verb some steps after it
  (``"purred"``, ``"barked"``, ``"sang"``, ...; past tense, so the verb does not
  agree in number): only the *right* context tells it.

A model that reads left to right and must name the missing word when it
reaches the blank can only guess the kind: its accuracy is at most
``1 / n_kinds``. A model that reads right to left can only guess the number
(at most 1/2). A bidirectional model sees both sides and can reach 100%.

    >>> x, y, blank = fill_in_the_blank(n_sequences=2, seed=0)
    >>> decode(x[0])            # doctest: +SKIP
    'then softly a _ and then barked here now'
    >>> FILL_IN_VOCAB[y[0]]    # doctest: +SKIP
    'dog'
"""

from __future__ import annotations

import numpy as np

from ..validation import check_array, check_int, check_positive_int, rng_from

#: The kinds of animal, the singular and plural noun, and the verbs only that kind uses.
KINDS = (
    ("cat", "cats", ("purred", "meowed")),
    ("dog", "dogs", ("barked", "howled")),
    ("bird", "birds", ("sang", "chirped")),
    ("frog", "frogs", ("croaked", "leaped")),
    ("cow", "cows", ("mooed", "grazed")),
    ("owl", "owls", ("hooted", "swooped")),
)
DETERMINERS = ("a", "two")  # singular, plural
FILLERS = ("then", "softly", "and", "here", "now", "again", "later", "there")
PAD, BLANK = "<pad>", "_"

#: Word list; the id of a word is its index. Id 0 is padding, id 1 the blank.
FILL_IN_VOCAB = ((PAD, BLANK) + DETERMINERS + FILLERS
                 + tuple(w for kind in KINDS for w in kind[:2])
                 + tuple(v for kind in KINDS for v in kind[2]))
WORD_ID = {w: i for i, w in enumerate(FILL_IN_VOCAB)}
PAD_ID, BLANK_ID = WORD_ID[PAD], WORD_ID[BLANK]


def noun_id(kind, plural):
    """Word id of the noun of kind ``kind`` (0-based), singular or plural."""
    k = check_int(kind, "kind", minimum=0, maximum=len(KINDS) - 1)
    return WORD_ID[KINDS[k][1 if plural else 0]]


def fill_in_the_blank(n_sequences=2000, length=12, n_kinds=4, max_gap=4, seed=0):
    """Sentences with one missing noun that only both sides together identify.

    Each sentence is ``length`` word ids: filler words, then ``determiner
    BLANK``, then ``gap`` filler words (``gap`` uniform in ``0..max_gap``), then
    a verb of the noun's kind, then filler words to the end. The start of the
    phrase is uniform over the positions that fit. Kinds, numbers, verbs and
    fillers are drawn uniformly, so the best accuracy from the left context
    alone is ``1 / n_kinds`` and from the right context alone 1/2.

    Args:
        n_sequences: number of sentences.
        length: words per sentence; at least ``max_gap + 3``.
        n_kinds: how many kinds of animal (noun pairs) are used, 1 to 6.
        max_gap: largest number of filler words between the blank and its verb.
        seed: random seed.

    Returns:
        ``(x, y, blank)``: ``x`` int32 word ids of shape ``(n_sequences,
        length)`` with :data:`BLANK_ID` at the missing noun (ids are indices
        into :data:`FILL_IN_VOCAB`; id 0 is reserved for padding and never
        occurs), ``y`` int32 of shape ``(n_sequences,)`` the id of the missing
        noun, and ``blank`` int32 of shape ``(n_sequences,)`` its position.
    """
    n = check_positive_int(n_sequences, "n_sequences")
    k = check_int(n_kinds, "n_kinds", minimum=1, maximum=len(KINDS))
    gmax = check_int(max_gap, "max_gap", minimum=0)
    T = check_int(length, "length", minimum=1)
    if T < gmax + 3:
        raise ValueError(f"length must be >= max_gap + 3 = {gmax + 3} to fit determiner, blank, "
                         f"{gmax} fillers and a verb, got {T}")
    rng = rng_from(seed)
    filler_ids = np.array([WORD_ID[w] for w in FILLERS])
    x = filler_ids[rng.integers(0, len(filler_ids), size=(n, T))]
    kind = rng.integers(0, k, size=n)
    plural = rng.integers(0, 2, size=n)
    gap = rng.integers(0, gmax + 1, size=n)
    verb_choice = rng.integers(0, 2, size=n)
    # the phrase "det BLANK filler*gap verb" has gap + 3 words and must fit in T
    start = (rng.random(n) * (T - gap - 2)).astype(int)
    rows = np.arange(n)
    det_ids = np.array([WORD_ID[d] for d in DETERMINERS])
    nouns = np.array([[WORD_ID[s], WORD_ID[p]] for s, p, _ in KINDS])
    verbs = np.array([[WORD_ID[v] for v in verbs] for _, _, verbs in KINDS])
    x[rows, start] = det_ids[plural]
    x[rows, start + 1] = BLANK_ID
    x[rows, start + gap + 2] = verbs[kind, verb_choice]
    y = nouns[kind, plural]
    return x.astype("int32"), y.astype("int32"), (start + 1).astype("int32")


def decode(ids):
    """The words of a sequence of ids, joined by spaces (padding left out)."""
    arr = check_array(ids, "ids", ndim=1, dtype=int)
    if arr.size and (arr.min() < 0 or arr.max() >= len(FILL_IN_VOCAB)):
        raise ValueError(f"ids must lie in 0..{len(FILL_IN_VOCAB) - 1}, got values from "
                         f"{arr.min()} to {arr.max()}")
    return " ".join(FILL_IN_VOCAB[i] for i in arr if i != PAD_ID)


__all__ = ["fill_in_the_blank", "decode", "noun_id", "FILL_IN_VOCAB", "WORD_ID", "KINDS",
           "DETERMINERS", "FILLERS", "PAD_ID", "BLANK_ID"]
