"""A miniature part-of-speech tagging task: sentences from a small English grammar.

Tagging gives every word of a sentence its part of speech: "I/PRON eat/VERB
apples/NOUN". Many English words can be several parts of speech ("fish",
"can", "watch", "saw", "her", "like", ...), and only the context decides:

- "they **fish**/VERB in the river" but "the **fish**/NOUN swim";
- "we **can**/AUX swim" but "a **can**/NOUN" and "they **can**/VERB fish" (put fish in
  cans) -- here even the sentence is ambiguous;
- "I saw **her**/PRON" but "I saw **her**/DET duck": the word *after* decides.

:func:`tagged_sentences` samples sentences from a probabilistic grammar with
such words and returns word ids and tag ids, so that an HMM tagger and a
recurrent tagger can be trained and compared on data where context matters.
The lexicon, the grammar and the vocabulary are fixed; only the sampled
sentences depend on the seed.
"""

from __future__ import annotations

import numpy as np

from ..validation import check_int, check_positive_int, rng_from

#: The part-of-speech tags (a subset of the Universal Dependencies tag set).
TAGS = ("DET", "ADJ", "NOUN", "PRON", "VERB", "AUX", "ADP", "ADV")

# Words by grammatical role. A word listed under several roles is ambiguous.
_LEXICON = {
    "DET": ("the", "a", "my", "her", "this", "every"),
    "ADJ": ("big", "old", "red", "small", "fast", "light", "new"),
    "NOUN": ("dog", "cat", "man", "woman", "boat", "river", "park", "fish", "can", "watch",
             "duck", "saw", "book", "light", "bank", "table", "train", "bear"),
    "NOUN_MASS": ("fish", "apples", "bread", "water", "ducks", "books"),   # no determiner
    "PRON_SUBJ": ("i", "you", "we", "they", "she", "he"),
    "PRON_OBJ": ("me", "them", "her", "him", "us", "it"),
    "VERB_T": ("eat", "see", "saw", "watch", "like", "book", "can", "train", "bear", "park",
               "fish", "light"),
    "VERB_I": ("run", "sleep", "swim", "fish", "duck", "park", "watch", "wait", "train"),
    "AUX": ("can", "will", "must", "may"),
    "ADP": ("in", "on", "near", "with", "like", "by"),
    "ADV": ("fast", "quickly", "today", "often", "there", "well"),
}
_ROLE_TAG = {"DET": "DET", "ADJ": "ADJ", "NOUN": "NOUN", "NOUN_MASS": "NOUN", "PRON_SUBJ": "PRON",
             "PRON_OBJ": "PRON", "VERB_T": "VERB", "VERB_I": "VERB", "AUX": "AUX", "ADP": "ADP",
             "ADV": "ADV"}

#: Every word of the grammar, sorted; a word's id is its index here.
VOCABULARY = tuple(sorted({w for words in _LEXICON.values() for w in words}))
_WORD_ID = {w: i for i, w in enumerate(VOCABULARY)}
_TAG_ID = {t: i for i, t in enumerate(TAGS)}

#: word -> the tags it can take in this grammar.
WORD_TAGS = {w: tuple(sorted({_ROLE_TAG[r] for r, ws in _LEXICON.items() if w in ws},
                             key=TAGS.index)) for w in VOCABULARY}
#: The words that can take more than one tag.
AMBIGUOUS = tuple(w for w in VOCABULARY if len(WORD_TAGS[w]) > 1)


def _pick(rng, options, weights):
    return options[rng.choice(len(options), p=np.asarray(weights) / np.sum(weights))]


def _word(rng, role):
    words = _LEXICON[role]
    return words[rng.integers(len(words))], _ROLE_TAG[role]


def _noun_phrase(rng, out, obj=False):
    kind = _pick(rng, ("pron", "det_n", "det_adj_n", "mass"),
                 (0.3 if obj else 0.35, 0.35, 0.15, 0.15))
    if kind == "pron":
        out.append(_word(rng, "PRON_OBJ" if obj else "PRON_SUBJ"))
    elif kind == "mass":
        out.append(_word(rng, "NOUN_MASS"))
    else:
        out.append(_word(rng, "DET"))
        if kind == "det_adj_n":
            out.append(_word(rng, "ADJ"))
        out.append(_word(rng, "NOUN"))


def _verb_phrase(rng, out):
    if rng.random() < 0.3:
        out.append(_word(rng, "AUX"))
    kind = _pick(rng, ("t", "i", "i_adv", "t_pp", "i_pp", "t_adv"),
                 (0.35, 0.15, 0.12, 0.13, 0.15, 0.10))
    if kind.startswith("t"):
        out.append(_word(rng, "VERB_T"))
        _noun_phrase(rng, out, obj=True)
    else:
        out.append(_word(rng, "VERB_I"))
    if kind.endswith("pp"):
        out.append(_word(rng, "ADP"))
        _noun_phrase(rng, out, obj=True)
    elif kind.endswith("adv"):
        out.append(_word(rng, "ADV"))


def _sentence(rng):
    out = []
    _noun_phrase(rng, out)
    _verb_phrase(rng, out)
    return out


def tagged_sentences(n_sentences=2000, seed=0):
    """Sample tagged sentences from the grammar of this module.

    A sentence is a noun phrase (a pronoun, a determiner with an optional
    adjective and a noun, or a bare noun such as "fish") followed by a verb
    phrase (an optional auxiliary, a transitive verb with an object or an
    intransitive verb, then optionally a prepositional phrase or an adverb).
    Sentences have 2 to 10 words.

    Returns:
        ``(words, tags)``: two lists of ``n_sentences`` int64 arrays, the word
        ids (indices into :data:`VOCABULARY`) and the tag ids (indices into
        :data:`TAGS`) of each sentence.

    Example:
        >>> words, tags = tagged_sentences(3, seed=0)
        >>> to_text(words[0], tags[0])        # doctest: +SKIP
        'they/PRON can/AUX fish/VERB'
    """
    n = check_positive_int(n_sentences, "n_sentences")
    rng = rng_from(seed)
    words, tags = [], []
    for _ in range(n):
        sent = _sentence(rng)
        words.append(np.array([_WORD_ID[w] for w, _ in sent], dtype=np.int64))
        tags.append(np.array([_TAG_ID[t] for _, t in sent], dtype=np.int64))
    return words, tags


def encode(sentence):
    """Word ids of a sentence given as a string or a list of words (lower case)."""
    tokens = sentence.lower().split() if isinstance(sentence, str) else list(sentence)
    unknown = [w for w in tokens if w not in _WORD_ID]
    if unknown:
        raise ValueError(f"sentence has words outside the vocabulary: {unknown}; "
                         f"the grammar knows {len(VOCABULARY)} words, see VOCABULARY")
    return np.array([_WORD_ID[w] for w in tokens], dtype=np.int64)


def to_text(word_ids, tag_ids=None):
    """'word/TAG word/TAG ...' (or just the words if ``tag_ids`` is None)."""
    ws = [VOCABULARY[check_int(int(i), "word id", minimum=0, maximum=len(VOCABULARY) - 1)]
          for i in word_ids]
    if tag_ids is None:
        return " ".join(ws)
    if len(tag_ids) != len(ws):
        raise ValueError(f"tag_ids has {len(tag_ids)} entries but word_ids has {len(ws)}")
    return " ".join(f"{w}/{TAGS[int(t)]}" for w, t in zip(ws, tag_ids))


def pad_tagged(words, tags=None, *, maxlen=None):
    """Right-pad sentences for a Keras tagger.

    Word ids are shifted by one so that 0 is the padding id (use
    ``keras.layers.Embedding(len(VOCABULARY) + 1, d, mask_zero=True)``).

    Returns:
        ``(x, y, mask)``: ``x`` (n, T) int32 word ids + 1, ``y`` (n, T) int32
        tag ids (0 at padding; None if ``tags`` is None), ``mask`` (n, T)
        True at real words.
    """
    if len(words) == 0:
        raise ValueError("words must hold at least one sentence")
    lengths = [len(w) for w in words]
    T = max(lengths) if maxlen is None else check_positive_int(maxlen, "maxlen")
    if T < max(lengths):
        raise ValueError(f"maxlen={T} is shorter than the longest sentence ({max(lengths)})")
    x = np.zeros((len(words), T), dtype=np.int32)
    y = np.zeros((len(words), T), dtype=np.int32)
    mask = np.zeros((len(words), T), dtype=bool)
    for i, w in enumerate(words):
        x[i, :len(w)] = np.asarray(w) + 1
        mask[i, :len(w)] = True
        if tags is not None:
            if len(tags[i]) != len(w):
                raise ValueError(f"tags[{i}] has {len(tags[i])} entries but words[{i}] has "
                                 f"{len(w)}")
            y[i, :len(w)] = tags[i]
    return x, (y if tags is not None else None), mask


__all__ = ["TAGS", "VOCABULARY", "WORD_TAGS", "AMBIGUOUS", "tagged_sentences", "encode",
           "to_text", "pad_tagged"]
