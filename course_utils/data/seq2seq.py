"""Sequence-to-sequence data: a vocabulary with special tokens, teacher-forcing arrays,
a synthetic digit task whose difficulty grows with length, and the metrics of chapters 8-10.

Chapters 8 (encoder-decoder), 9 (Bahdanau attention) and 10 (the Transformer) all
use this module, so that their numbers are comparable: the same data, the same
tokenisation and the same metrics.

Public API
----------
``Vocabulary(tokens, *, pad="<pad>", start="<s>", end="</s>")``
    Token <-> id mapping with ``pad_id = 0``, ``start_id = 1``, ``end_id = 2``.
    ``encode(seq, add_start=False, add_end=False) -> int32 array``,
    ``decode(ids, stop_at_end=True, strip_special=True) -> list of tokens``,
    ``decode_text(ids, sep="")`` (joined), ``pad(list of id arrays, maxlen=None) ->
    (ids, mask)`` (``keras.utils.pad_sequences``, post-padding with ``pad_id``),
    ``Vocabulary.from_sequences(seqs)``, ``len(vocab)``, ``vocab.tokens``.
``teacher_forcing_arrays(sources, targets, source_vocab, target_vocab, *,
reverse_source=False, source_length=None, target_length=None) -> Seq2SeqArrays``
    Model-ready arrays: ``encoder_input`` ``(n, S)``, ``encoder_mask``,
    ``decoder_input`` ``(n, T + 1)`` = ``<s> y_1 ... y_T``, ``decoder_target``
    ``(n, T + 1)`` = ``y_1 ... y_T </s>``, ``decoder_mask`` (True on the ``T + 1``
    real target steps), ``source_lengths``, ``target_lengths`` and the token lists.
    ``arrays.inputs`` is ``(encoder_input, decoder_input)`` for ``model.fit``;
    ``arrays[idx]`` selects rows.
``digit_task(n, *, task="reverse", min_length=5, max_length=25, seed=0) -> (sources, targets)``
    Random digit strings (lengths uniform in ``[min_length, max_length]``) and their
    reversal (``task="reverse"``) or copy (``task="copy"``). ``digit_vocabulary()``
    is the shared 13-token vocabulary (3 special tokens + 10 digits).
``exact_match(predicted, targets)``, ``token_accuracy(predicted, targets)``
    Per-example metrics on token sequences (lists or arrays, end token excluded).
``accuracy_by_length(predicted, targets, lengths, buckets) -> pandas.DataFrame``
    Exact match and token accuracy per length bucket.
``edit_distance(a, b)``
    Levenshtein distance between two token sequences.

Conventions
-----------
The encoder reads ``x_1 ... x_S`` (right-padded with 0; with ``reverse_source`` the
real tokens are reversed, the padding stays on the right). The decoder is trained
with **teacher forcing**: at step ``t`` it reads the true previous token ``y_{t-1}``
(``y_0 = <s>``) and is scored on ``y_t``; the last target is ``</s>``, so the model
learns where to stop. At inference time the decoder reads its own previous output
instead (``course_utils.models.decoding``).

Example:
    >>> vocab = digit_vocabulary()
    >>> sources, targets = digit_task(4, seed=0)
    >>> arrays = teacher_forcing_arrays(sources, targets, vocab, vocab)
    >>> arrays.decoder_input.shape == arrays.decoder_target.shape
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..validation import check_array, check_bool, check_choice, check_int, rng_from

PAD, START, END = "<pad>", "<s>", "</s>"
DIGITS = "0123456789"


def _as_tokens(seq, what):
    """A sequence of tokens: a string is a sequence of characters."""
    if isinstance(seq, str):
        return list(seq)
    if isinstance(seq, np.ndarray):
        return seq.tolist()
    if isinstance(seq, Iterable):
        return list(seq)
    raise ValueError(f"{what} must be a string or a sequence of tokens, got {type(seq).__name__}")


class Vocabulary:
    """A mapping between tokens and integer ids, with padding, start and end tokens.

    Ids 0, 1 and 2 are the padding, start and end tokens; the ordinary tokens
    follow in the order given. Padding id 0 is what ``keras.layers.Embedding(...,
    mask_zero=True)`` treats as "no token", so a padded batch masks itself.

    Args:
        tokens: the ordinary tokens (strings), without duplicates.
        pad, start, end: the strings of the special tokens (must not be among ``tokens``).

    Attributes:
        tokens: all tokens, specials first (``tokens[i]`` is the token of id ``i``).
        pad_id, start_id, end_id: 0, 1, 2.

    Example:
        >>> v = Vocabulary(list("abc"))
        >>> v.encode("cab", add_start=True, add_end=True)
        array([1, 5, 3, 4, 2], dtype=int32)
        >>> v.decode_text([5, 3, 2, 4])
        'ca'
    """

    pad_id, start_id, end_id = 0, 1, 2

    def __init__(self, tokens, *, pad=PAD, start=START, end=END):
        if isinstance(tokens, str):
            tokens = list(tokens)
        tokens = list(tokens)
        bad = [t for t in tokens if not isinstance(t, str) or not t]
        if bad:
            raise ValueError(f"tokens must be non-empty strings, got {bad[:3]!r}")
        dupes = sorted({t for t in tokens if tokens.count(t) > 1})
        if dupes:
            raise ValueError(f"tokens must be distinct, got duplicates {dupes[:5]!r}")
        specials = (pad, start, end)
        if len(set(specials)) != 3 or not all(isinstance(s, str) and s for s in specials):
            raise ValueError(f"pad, start and end must be three distinct non-empty strings, "
                             f"got {specials!r}")
        clash = sorted(set(specials) & set(tokens))
        if clash:
            raise ValueError(f"tokens may not contain the special tokens {list(specials)}, "
                             f"found {clash}")
        if not tokens:
            raise ValueError("tokens must hold at least one ordinary token, got none")
        self.specials = specials
        self.tokens = (*specials, *tokens)
        self.token_to_id = {t: i for i, t in enumerate(self.tokens)}

    @classmethod
    def from_sequences(cls, sequences, **kwargs):
        """The vocabulary of every token in ``sequences``, sorted."""
        seen = set()
        for seq in sequences:
            seen.update(_as_tokens(seq, "each sequence"))
        return cls(sorted(seen), **kwargs)

    def __len__(self):
        return len(self.tokens)

    @property
    def size(self):
        """Number of ids, special tokens included (the ``input_dim`` of an Embedding)."""
        return len(self.tokens)

    def __contains__(self, token):
        return token in self.token_to_id

    def __eq__(self, other):
        return isinstance(other, Vocabulary) and self.tokens == other.tokens

    def __hash__(self):
        return hash(self.tokens)

    def __repr__(self):
        shown = ", ".join(self.tokens[3:8]) + (", ..." if len(self.tokens) > 8 else "")
        return f"Vocabulary(size={self.size}: 3 specials + [{shown}])"

    def encode(self, sequence, *, add_start=False, add_end=False):
        """Token ids of ``sequence`` (a string is read character by character)."""
        toks = _as_tokens(sequence, "sequence")
        unknown = sorted({t for t in toks if t not in self.token_to_id or
                          self.token_to_id[t] < 3}, key=str)
        if unknown:
            raise ValueError(f"sequence {sequence!r} has tokens outside the vocabulary (or "
                             f"special tokens): {unknown[:5]!r}")
        ids = [self.token_to_id[t] for t in toks]
        if add_start:
            ids = [self.start_id, *ids]
        if add_end:
            ids = [*ids, self.end_id]
        return np.asarray(ids, dtype=np.int32)

    def decode(self, ids, *, stop_at_end=True, strip_special=True):
        """Tokens of ``ids``; stops at the first end token and drops specials by default."""
        arr = check_array(ids, "ids", ndim=1)
        if arr.size and not np.issubdtype(arr.dtype, np.integer):
            if not np.all(arr == np.round(arr)):
                raise ValueError(f"ids must be integers, got {arr.dtype} values")
            arr = arr.astype(np.int64)
        out = []
        for i in arr.tolist():
            i = int(i)
            if not 0 <= i < self.size:
                raise ValueError(f"id {i} is outside the vocabulary [0, {self.size})")
            if stop_at_end and i == self.end_id:
                break
            if strip_special and i < 3:
                continue
            out.append(self.tokens[i])
        return out

    def decode_text(self, ids, *, sep="", **kwargs):
        """``decode`` joined with ``sep`` (``""`` for characters, ``" "`` for phonemes)."""
        return sep.join(self.decode(ids, **kwargs))

    def pad(self, sequences, *, maxlen=None):
        """Right-pad id arrays with ``pad_id`` (``keras.utils.pad_sequences``).

        Returns:
            ``(ids, mask)``: int32 ``(n, maxlen)`` and bool ``(n, maxlen)``, True on
            the real tokens. ``maxlen`` defaults to the longest sequence; longer
            sequences raise (they are never silently truncated).
        """
        from keras.utils import pad_sequences

        seqs = [np.asarray(s, dtype=np.int32).ravel() for s in sequences]
        if not seqs:
            raise ValueError("sequences must hold at least one sequence, got none")
        lengths = np.array([len(s) for s in seqs])
        longest = int(lengths.max())
        if maxlen is None:
            maxlen = max(longest, 1)
        maxlen = check_int(maxlen, "maxlen", minimum=1)
        if longest > maxlen:
            raise ValueError(f"maxlen={maxlen} is shorter than the longest sequence "
                             f"({longest} tokens); sequences are never truncated")
        ids = pad_sequences(seqs, maxlen=maxlen, dtype="int32", padding="post",
                            truncating="post", value=self.pad_id)
        mask = np.arange(maxlen)[None, :] < lengths[:, None]
        return ids, mask

    def get_config(self):
        return {"tokens": list(self.tokens[3:]), "pad": self.specials[0],
                "start": self.specials[1], "end": self.specials[2]}


@dataclass
class Seq2SeqArrays:
    """Teacher-forcing arrays of a sequence-to-sequence dataset (see the module docstring)."""

    encoder_input: np.ndarray
    encoder_mask: np.ndarray
    decoder_input: np.ndarray
    decoder_target: np.ndarray
    decoder_mask: np.ndarray
    source_lengths: np.ndarray
    target_lengths: np.ndarray
    sources: list = field(repr=False)
    targets: list = field(repr=False)

    def __len__(self):
        return len(self.encoder_input)

    @property
    def inputs(self):
        """``(encoder_input, decoder_input)``, the inputs of a teacher-forced model."""
        return self.encoder_input, self.decoder_input

    def __getitem__(self, idx):
        idx = np.arange(len(self))[idx]
        idx = np.atleast_1d(idx)
        return Seq2SeqArrays(
            self.encoder_input[idx], self.encoder_mask[idx], self.decoder_input[idx],
            self.decoder_target[idx], self.decoder_mask[idx], self.source_lengths[idx],
            self.target_lengths[idx], [self.sources[i] for i in idx],
            [self.targets[i] for i in idx])


def teacher_forcing_arrays(sources, targets, source_vocab, target_vocab, *,
                           reverse_source=False, source_length=None, target_length=None):
    """Encode and pad a parallel corpus for teacher-forced training.

    Args:
        sources, targets: equally long lists of token sequences (strings are
            read character by character).
        source_vocab, target_vocab: :class:`Vocabulary` objects (may be the same).
        reverse_source: feed the encoder each source reversed (Sutskever et al.
            2014); the padding stays on the right.
        source_length, target_length: pad to these lengths (default: the longest
            in the data). ``target_length`` counts the target tokens without
            ``</s>``; the decoder arrays have ``target_length + 1`` columns.

    Returns:
        :class:`Seq2SeqArrays`.
    """
    for name, v in (("source_vocab", source_vocab), ("target_vocab", target_vocab)):
        if not isinstance(v, Vocabulary):
            raise ValueError(f"{name} must be a Vocabulary, got {type(v).__name__}")
    if isinstance(sources, str) or isinstance(targets, str):
        raise ValueError("sources and targets must be lists of sequences, got a single string")
    sources, targets = list(sources), list(targets)
    if len(sources) != len(targets):
        raise ValueError(f"sources and targets must have the same length, got {len(sources)} "
                         f"and {len(targets)}")
    if not sources:
        raise ValueError("sources must hold at least one sequence, got none")
    reverse_source = check_bool(reverse_source, "reverse_source")
    src_ids = [source_vocab.encode(s) for s in sources]
    if reverse_source:
        src_ids = [s[::-1] for s in src_ids]
    if any(len(s) == 0 for s in src_ids):
        raise ValueError("every source must hold at least one token")
    tgt_ids = [target_vocab.encode(t) for t in targets]
    if target_length is not None:
        target_length = check_int(target_length, "target_length", minimum=1) + 1
    encoder_input, encoder_mask = source_vocab.pad(src_ids, maxlen=source_length)
    start = target_vocab.start_id
    end = target_vocab.end_id
    decoder_input, _ = target_vocab.pad([np.r_[start, t] for t in tgt_ids], maxlen=target_length)
    decoder_target, decoder_mask = target_vocab.pad([np.r_[t, end] for t in tgt_ids],
                                                    maxlen=target_length)
    return Seq2SeqArrays(
        encoder_input, encoder_mask, decoder_input, decoder_target, decoder_mask,
        np.array([len(s) for s in src_ids]), np.array([len(t) for t in tgt_ids]),
        [_as_tokens(s, "source") for s in sources], [_as_tokens(t, "target") for t in targets])


# ---------------------------------------------------------------------------------------------
# The synthetic digit task
# ---------------------------------------------------------------------------------------------

def digit_vocabulary():
    """The vocabulary of the digit task: ``<pad> <s> </s> 0 1 ... 9`` (13 ids)."""
    return Vocabulary(list(DIGITS))


def digit_task(n, *, task="reverse", min_length=5, max_length=25, seed=0):
    """Random digit strings and their reversal or copy.

    Each source is a string of ``L`` random digits, ``L`` uniform in
    ``[min_length, max_length]``. With ``task="reverse"`` the target is the source
    reversed, with ``task="copy"`` the source itself. A fixed-size encoder state
    must hold all ``L`` digits (``L log2(10)`` bits) before the decoder starts,
    so the task gets harder as ``L`` grows; attention removes that bottleneck.

    Args:
        n: number of pairs.
        task: ``"reverse"`` or ``"copy"``.
        min_length, max_length: range of the source length (inclusive).
        seed: seed of the random generator; the same seed gives the same data
            on every machine.

    Returns:
        ``(sources, targets)``: two lists of ``n`` strings.
    """
    n = check_int(n, "n", minimum=1)
    task = check_choice(task, "task", ("reverse", "copy"))
    min_length = check_int(min_length, "min_length", minimum=1)
    max_length = check_int(max_length, "max_length", minimum=min_length)
    rng = rng_from(seed)
    lengths = rng.integers(min_length, max_length + 1, size=n)
    digits = rng.integers(0, 10, size=(n, max_length))
    sources = ["".join(DIGITS[d] for d in row[:k]) for row, k in zip(digits, lengths)]
    targets = [s[::-1] for s in sources] if task == "reverse" else list(sources)
    return sources, targets


# ---------------------------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------------------------

def _token_lists(seqs, name):
    if isinstance(seqs, np.ndarray) and seqs.ndim == 2:
        return [row.tolist() for row in seqs]
    if isinstance(seqs, (str, bytes)) or not isinstance(seqs, Sequence | np.ndarray):
        raise ValueError(f"{name} must be a list of token sequences, got {type(seqs).__name__}")
    return [_as_tokens(s, f"each entry of {name}") for s in seqs]


def _pair_lists(predicted, targets):
    p = _token_lists(predicted, "predicted")
    t = _token_lists(targets, "targets")
    if len(p) != len(t):
        raise ValueError(f"predicted and targets must have the same length, got {len(p)} and "
                         f"{len(t)}")
    return p, t


def exact_match(predicted, targets):
    """Per example: 1.0 if the predicted sequence equals the target exactly, else 0.0.

    Sequences are lists of tokens (or ids) without the end token; a prediction
    that is too long or too short is wrong.
    """
    p, t = _pair_lists(predicted, targets)
    return np.array([float(a == b) for a, b in zip(p, t)])


def token_accuracy(predicted, targets):
    """Per example: the fraction of target positions predicted correctly.

    Position ``i < len(target)`` counts as correct if ``predicted[i] ==
    target[i]``; missing positions of a short prediction are wrong. Extra tokens
    of a long prediction are not counted here (exact match catches them).
    """
    p, t = _pair_lists(predicted, targets)
    out = np.empty(len(t))
    for k, (a, b) in enumerate(zip(p, t)):
        if not b:
            out[k] = float(not a)
            continue
        out[k] = sum(x == y for x, y in zip(a, b)) / len(b)
    return out


def accuracy_by_length(predicted, targets, lengths, buckets):
    """Exact match and token accuracy per length bucket, as a pandas DataFrame.

    Args:
        predicted, targets: token sequences (see :func:`exact_match`).
        lengths: the length of each example used for bucketing (usually the source length).
        buckets: a list of inclusive ``(low, high)`` ranges.

    Returns:
        One row per bucket: ``bucket`` ("5-9"), ``n``, ``exact_match``, ``token_accuracy``.
    """
    import pandas as pd

    em = exact_match(predicted, targets)
    ta = token_accuracy(predicted, targets)
    lengths = check_array(lengths, "lengths", ndim=1)
    if len(lengths) != len(em):
        raise ValueError(f"lengths must have one entry per example ({len(em)}), got {len(lengths)}")
    rows = []
    for b in buckets:
        if not (isinstance(b, Sequence) and len(b) == 2 and b[0] <= b[1]):
            raise ValueError(f"each bucket must be an inclusive (low, high) pair, got {b!r}")
        sel = (lengths >= b[0]) & (lengths <= b[1])
        if not sel.any():
            raise ValueError(f"bucket {tuple(b)} holds no example")
        rows.append({"bucket": f"{b[0]}-{b[1]}", "n": int(sel.sum()),
                     "exact_match": float(em[sel].mean()), "token_accuracy": float(ta[sel].mean())})
    return pd.DataFrame(rows)


def edit_distance(a, b):
    """Levenshtein distance (insertions, deletions, substitutions) between two token sequences."""
    a = _as_tokens(a, "a")
    b = _as_tokens(b, "b")
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return prev[-1]


__all__ = ["PAD", "START", "END", "DIGITS", "Vocabulary", "Seq2SeqArrays",
           "teacher_forcing_arrays", "digit_vocabulary", "digit_task", "exact_match",
           "token_accuracy", "accuracy_by_length", "edit_distance"]
