"""Inference for encoder-decoder models: greedy decoding and beam search over a step function.

A trained decoder defines ``P(y_t | y_<t, x)``. At inference time the true
previous token is unknown, so the decoder reads its *own* previous output: one
call of the decoder per output step. Everything here works on any model that
can do one such step, given as a **step function**::

    log_probs, new_state = step_fn(tokens, state, constants)

- ``tokens``: int32 NumPy array ``(n,)``, the previous token of each of ``n`` rows
  (the start token at the first step);
- ``state``: the decoder's recurrent state: a NumPy array with ``n`` rows, or a
  tuple / list / dict of such arrays (an LSTM's ``(h, c)``); the decoder
  returns the new one with the same structure;
- ``constants``: per-row inputs that do not change over the steps (the encoder
  outputs and source mask that attention reads in chapters 9 and 10), or ``None``;
- ``log_probs``: float NumPy array ``(n, V)``, log-probabilities of the next token.

The loops keep everything in NumPy; only :func:`keras_step_fn` talks to Keras and
converts at that boundary (mixing tensors and arrays inside a loop raises in
Keras 3, and converting once per step is cheap). Beam search repeats every row
of ``state`` and ``constants`` ``beam_width`` times and reorders the state rows
as hypotheses are pruned; the constants rows never need reordering because a
hypothesis only ever descends from a hypothesis of the same source.

Public API
----------
``greedy_decode(step_fn, state, *, start_id, end_id, max_length, constants=None,
pad_id=0) -> Decoded``
``beam_search(step_fn, state, *, beam_width, start_id, end_id, max_length,
length_penalty=1.0, constants=None, pad_id=0, n_best=1) -> Decoded``
``beam_step(scores, log_probs, beam_width) -> (parents, tokens, new_scores)``: one
    expansion of the beam of one source.
``exhaustive_search(step_fn, state, *, vocab_size, start_id, end_id, max_length,
length_penalty=1.0, constants=None) -> (tokens, score)``: the exact best sequence
    of a tiny model (for tests and demonstrations).
``sequence_log_prob(step_fn, state, sequences, *, start_id, constants=None)``: the
    log-probability of given outputs (teacher forcing, no search).
``normalized_score(log_prob, length, length_penalty)`` = ``log_prob / length ** alpha``.
``keras_step_fn(step_model, *, n_states=1, outputs="probabilities")``: a step
    function from a Keras model ``[tokens (n, 1), *states, *constants] ->
    [probs (n, 1, V) or (n, V), *new_states]``.

``Decoded`` holds ``tokens`` ``(n, max_length)`` (the generated tokens, the end
token included, ``pad_id`` after it), ``lengths`` (tokens generated, end token
included), ``log_probs``, ``scores`` (length-normalised), ``finished`` (an end
token was produced within ``max_length``) and, for beam search, ``hypotheses``
(the ``n_best`` best ``Hypothesis(tokens, log_prob, score, finished)`` per
source). ``decoded.sequences()`` gives the outputs without the end token.

Beam search here keeps ``beam_width`` live hypotheses per source; a hypothesis
that produces the end token leaves the beam and is stored, and the beam of that
source shrinks by one, so the search ends when every source has ``beam_width``
finished hypotheses (or at ``max_length``). Among same-length hypotheses the
raw log-probability decides; finished hypotheses of different lengths are
ranked by ``log_prob / length ** length_penalty`` (``length_penalty = 0``: raw
log-probability, which favours short outputs). With ``beam_width = 1`` this is
exactly greedy decoding. Beam search is a heuristic: a wider beam usually finds
a higher-scoring output, but it is not guaranteed to (the tests show a model
where it does not).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..validation import check_float, check_int

NEG_INF = -np.inf


# ---------------------------------------------------------------------------------------------
# Small helpers on the state "tree" (array, tuple/list of arrays, dict of arrays, None)
# ---------------------------------------------------------------------------------------------

def _tree_map(fn, tree):
    if tree is None:
        return None
    if isinstance(tree, dict):
        return {k: _tree_map(fn, v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_tree_map(fn, v) for v in tree)
    return fn(tree)


def _tree_leaves(tree):
    if tree is None:
        return []
    if isinstance(tree, dict):
        return [leaf for v in tree.values() for leaf in _tree_leaves(v)]
    if isinstance(tree, (list, tuple)):
        return [leaf for v in tree for leaf in _tree_leaves(v)]
    return [tree]


def _to_numpy(x):
    if isinstance(x, np.ndarray):
        return x
    try:
        from keras import ops

        return np.asarray(ops.convert_to_numpy(x))
    except Exception:                                   # noqa: BLE001  (any array-like)
        return np.asarray(x)


def _rows(state, constants):
    """Number of rows of the state and constants, checked to agree."""
    leaves = _tree_leaves(state) + _tree_leaves(constants)
    if not leaves:
        raise ValueError("state must hold at least one array with one row per sequence, got none")
    sizes = {int(np.shape(leaf)[0]) if np.ndim(leaf) else -1 for leaf in leaves}
    if len(sizes) != 1 or -1 in sizes:
        raise ValueError(f"every array of state and constants must have the same number of rows "
                         f"(one per sequence), got leading sizes "
                         f"{[np.shape(leaf)[:1] for leaf in leaves]}")
    return sizes.pop()


def _call(step_fn, tokens, state, constants, n_rows):
    out = step_fn(tokens, state, constants)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise ValueError("step_fn must return (log_probs, new_state), got "
                         f"{type(out).__name__}")
    log_probs, new_state = out
    log_probs = _to_numpy(log_probs).astype(np.float64, copy=False)
    if log_probs.ndim != 2 or log_probs.shape[0] != n_rows:
        raise ValueError(f"step_fn must return log_probs of shape (n, vocab_size) with "
                         f"n = {n_rows}, got shape {log_probs.shape}")
    new_state = _tree_map(_to_numpy, new_state)
    return log_probs, new_state


def normalized_score(log_prob, length, length_penalty=1.0):
    """``log_prob / length ** length_penalty`` (``length`` counts the end token)."""
    length = np.maximum(np.asarray(length, dtype=np.float64), 1.0)
    return np.asarray(log_prob, dtype=np.float64) / length ** length_penalty


def _check_ids(start_id, end_id, pad_id, max_length):
    start_id = check_int(start_id, "start_id", minimum=0)
    end_id = check_int(end_id, "end_id", minimum=0)
    pad_id = check_int(pad_id, "pad_id", minimum=0)
    max_length = check_int(max_length, "max_length", minimum=1)
    if start_id == end_id:
        raise ValueError(f"start_id and end_id must differ, got {start_id} for both")
    return start_id, end_id, pad_id, max_length


@dataclass
class Hypothesis:
    """One decoded output: ``tokens`` (end token included if ``finished``), scores."""

    tokens: np.ndarray
    log_prob: float
    score: float
    finished: bool


@dataclass
class Decoded:
    """The result of :func:`greedy_decode` or :func:`beam_search` (see the module docstring)."""

    tokens: np.ndarray
    lengths: np.ndarray
    log_probs: np.ndarray
    scores: np.ndarray
    finished: np.ndarray
    end_id: int
    hypotheses: list = field(default=None, repr=False)

    def sequences(self):
        """The outputs as lists of ids, without the end token and the padding."""
        out = []
        for row, n, done in zip(self.tokens, self.lengths, self.finished):
            out.append(row[: n - 1 if done else n].tolist())
        return out

    def __len__(self):
        return len(self.tokens)


# ---------------------------------------------------------------------------------------------
# Greedy decoding
# ---------------------------------------------------------------------------------------------

def greedy_decode(step_fn, state, *, start_id, end_id, max_length, constants=None, pad_id=0):
    """Decode by taking the most probable token at every step.

    Args:
        step_fn: ``(tokens, state, constants) -> (log_probs, new_state)`` (module docstring).
        state: the decoder's initial state, one row per sequence (NumPy arrays).
        start_id, end_id: ids of the start and end tokens.
        max_length: the most tokens generated per sequence (end token included).
        constants: per-row inputs passed unchanged to every step, or ``None``.
        pad_id: id written after a sequence's end token.

    Returns:
        :class:`Decoded` (``scores`` are the length-normalised log-probabilities
        with ``length_penalty = 1``).
    """
    start_id, end_id, pad_id, max_length = _check_ids(start_id, end_id, pad_id, max_length)
    state = _tree_map(_to_numpy, state)
    constants = _tree_map(_to_numpy, constants)
    n = _rows(state, constants)
    tokens = np.full((n, max_length), pad_id, dtype=np.int32)
    lengths = np.zeros(n, dtype=np.int64)
    log_probs = np.zeros(n)
    finished = np.zeros(n, dtype=bool)
    prev = np.full(n, start_id, dtype=np.int32)
    for t in range(max_length):
        lp, state = _call(step_fn, prev, state, constants, n)
        nxt = lp.argmax(axis=1).astype(np.int32)
        alive = ~finished
        tokens[alive, t] = nxt[alive]
        log_probs[alive] += lp[alive, nxt[alive]]
        lengths[alive] += 1
        finished |= alive & (nxt == end_id)
        prev = np.where(finished, end_id, nxt).astype(np.int32)
        if finished.all():
            break
    return Decoded(tokens, lengths, log_probs, normalized_score(log_probs, lengths), finished,
                   end_id)


# ---------------------------------------------------------------------------------------------
# Beam search
# ---------------------------------------------------------------------------------------------

def beam_step(scores, log_probs, beam_width):
    """One beam-search expansion for one source.

    Every live hypothesis ``k`` (cumulative log-probability ``scores[k]``) is
    extended by every token ``v``: candidate score ``scores[k] + log_probs[k, v]``.
    The ``beam_width`` best candidates over all ``K * V`` pairs survive (not the
    best per hypothesis).

    Args:
        scores: ``(K,)`` cumulative log-probabilities; ``-inf`` marks an empty slot.
        log_probs: ``(K, V)`` next-token log-probabilities of each hypothesis.
        beam_width: how many candidates to keep.

    Returns:
        ``(parents, tokens, new_scores)``, each ``(beam_width,)``, best first:
        the hypothesis each candidate extends, its new token and its score.
    """
    scores = np.asarray(scores, dtype=np.float64)
    log_probs = np.asarray(log_probs, dtype=np.float64)
    if scores.ndim != 1 or log_probs.ndim != 2 or log_probs.shape[0] != scores.shape[0]:
        raise ValueError(f"scores must be (K,) and log_probs (K, V), got {scores.shape} and "
                         f"{log_probs.shape}")
    beam_width = check_int(beam_width, "beam_width", minimum=1, maximum=log_probs.size)
    total = (scores[:, None] + log_probs).ravel()
    order = np.argsort(-total, kind="stable")[:beam_width]
    V = log_probs.shape[1]
    return order // V, (order % V).astype(np.int32), total[order]


def beam_search(step_fn, state, *, beam_width, start_id, end_id, max_length,
                length_penalty=1.0, constants=None, pad_id=0, n_best=1):
    """Beam search with length-normalised scores (see the module docstring).

    Args:
        step_fn, state, start_id, end_id, max_length, constants, pad_id: as in
            :func:`greedy_decode`.
        beam_width: live hypotheses per source (1 gives greedy decoding).
        length_penalty: exponent ``alpha`` of the length normalisation
            ``log_prob / length ** alpha``; 0 ranks by raw log-probability.
        n_best: how many hypotheses to keep per source in ``hypotheses``.

    Returns:
        :class:`Decoded` with the best hypothesis per source, and ``hypotheses``.
        A source that finishes no hypothesis within ``max_length`` returns its best
        unfinished ones (``finished`` False).
    """
    start_id, end_id, pad_id, max_length = _check_ids(start_id, end_id, pad_id, max_length)
    K = check_int(beam_width, "beam_width", minimum=1)
    alpha = check_float(length_penalty, "length_penalty", minimum=0.0)
    n_best = check_int(n_best, "n_best", minimum=1, maximum=K)
    state = _tree_map(_to_numpy, state)
    constants = _tree_map(_to_numpy, constants)
    B = _rows(state, constants)
    state = _tree_map(lambda a: np.repeat(a, K, axis=0), state)
    constants = _tree_map(lambda a: np.repeat(a, K, axis=0), constants)
    scores = np.full((B, K), NEG_INF)
    scores[:, 0] = 0.0                                  # one live hypothesis at the start
    history = np.full((B, K, 0), pad_id, dtype=np.int32)
    prev = np.full(B * K, start_id, dtype=np.int32)
    n_live = np.ones(B, dtype=np.int64)
    n_done = np.zeros(B, dtype=np.int64)                # finished hypotheses per source
    finished = [[] for _ in range(B)]                   # (score, log_prob, tokens)
    rows = np.arange(B)[:, None]
    for t in range(max_length):
        lp, state = _call(step_fn, prev, state, constants, B * K)
        V = lp.shape[1]
        total = scores[:, :, None] + lp.reshape(B, K, V)        # dead slots stay -inf
        flat = total.reshape(B, K * V)
        order = np.argsort(-flat, axis=1, kind="stable")[:, :K]
        cand = np.take_along_axis(flat, order, axis=1)           # (B, K), best first
        parent, token = order // V, (order % V).astype(np.int32)
        # the beam of a source holds K - (its finished hypotheses) live ones
        valid = (np.arange(K)[None, :] < (K - n_done)[:, None]) & np.isfinite(cand)
        ends = valid & (token == end_id)
        n_done += ends.sum(axis=1)
        seqs = np.concatenate([history[rows, parent], token[..., None]], axis=2)
        for b, k in zip(*np.nonzero(ends)):
            finished[b].append((float(normalized_score(cand[b, k], t + 1, alpha)),
                                float(cand[b, k]), seqs[b, k].copy()))
        keep = valid & ~ends
        n_live = keep.sum(axis=1)
        slot = np.argsort(~keep, axis=1, kind="stable")          # live candidates first
        parent = np.take_along_axis(parent, slot, axis=1)
        token = np.take_along_axis(token, slot, axis=1)
        scores = np.where(np.take_along_axis(keep, slot, axis=1),
                          np.take_along_axis(cand, slot, axis=1), NEG_INF)
        history = seqs[rows, slot]
        src_rows = (np.arange(B)[:, None] * K + parent).ravel()
        state = _tree_map(lambda a, r=src_rows: a[r], state)
        prev = np.where(np.isfinite(scores), token, end_id).ravel().astype(np.int32)
        if not n_live.any():
            break
    hypotheses = []
    for b in range(B):
        hyps = [Hypothesis(tok, lp_, s, True) for s, lp_, tok in finished[b]]
        if not hyps:                                     # nothing finished within max_length
            hyps = [Hypothesis(history[b, k].copy(), float(scores[b, k]),
                               float(normalized_score(scores[b, k], history.shape[2], alpha)),
                               False)
                    for k in range(K) if np.isfinite(scores[b, k])]
        hyps.sort(key=lambda h: -h.score)
        hypotheses.append(hyps[:n_best])
    tokens = np.full((B, max_length), pad_id, dtype=np.int32)
    lengths = np.zeros(B, dtype=np.int64)
    for b, hyps in enumerate(hypotheses):
        tokens[b, : len(hyps[0].tokens)] = hyps[0].tokens
        lengths[b] = len(hyps[0].tokens)
    return Decoded(tokens, lengths, np.array([h[0].log_prob for h in hypotheses]),
                   np.array([h[0].score for h in hypotheses]),
                   np.array([h[0].finished for h in hypotheses]), end_id, hypotheses)


# ---------------------------------------------------------------------------------------------
# Exact search and scoring (small models)
# ---------------------------------------------------------------------------------------------

def sequence_log_prob(step_fn, state, sequences, *, start_id, constants=None):
    """Log-probability of each given output sequence (teacher forcing, no search).

    Args:
        sequences: int array ``(n, L)``: the tokens to score (end token included);
            every row is scored over all ``L`` positions.

    Returns:
        ``(n,)`` sums of the log-probabilities of the tokens.
    """
    seqs = np.asarray(sequences)
    if seqs.ndim != 2 or not np.issubdtype(seqs.dtype, np.integer):
        raise ValueError(f"sequences must be an int array (n, L), got {seqs.dtype} {seqs.shape}")
    state = _tree_map(_to_numpy, state)
    constants = _tree_map(_to_numpy, constants)
    n = _rows(state, constants)
    if seqs.shape[0] != n:
        raise ValueError(f"sequences must have one row per state row ({n}), got {seqs.shape[0]}")
    total = np.zeros(n)
    prev = np.full(n, start_id, dtype=np.int32)
    for t in range(seqs.shape[1]):
        lp, state = _call(step_fn, prev, state, constants, n)
        total += lp[np.arange(n), seqs[:, t]]
        prev = seqs[:, t].astype(np.int32)
    return total


def exhaustive_search(step_fn, state, *, vocab_size, start_id, end_id, max_length,
                      length_penalty=1.0, constants=None, exclude=()):
    """The exact highest-scoring finished output of ONE source, by enumerating all prefixes.

    Scores every sequence that ends with ``end_id`` within ``max_length`` tokens
    by ``log_prob / length ** length_penalty``. Cost grows as ``vocab_size **
    max_length``: for tiny models only.

    Args:
        state, constants: one row each.
        exclude: token ids never generated (e.g. padding and the start token).

    Returns:
        ``(tokens, score)``: the best sequence (end token included) and its score.
    """
    vocab_size = check_int(vocab_size, "vocab_size", minimum=2)
    max_length = check_int(max_length, "max_length", minimum=1)
    if vocab_size ** max_length > 2_000_000:
        raise ValueError(f"vocab_size ** max_length = {vocab_size ** max_length} is too large "
                         "for exhaustive search (at most 2,000,000)")
    state = _tree_map(_to_numpy, state)
    constants = _tree_map(_to_numpy, constants)
    if _rows(state, constants) != 1:
        raise ValueError("exhaustive_search decodes one source: state must have one row")
    allowed = np.array([v for v in range(vocab_size) if v not in set(exclude)])
    best = (NEG_INF, None)
    prefixes = np.zeros((1, 0), dtype=np.int32)
    cum = np.zeros(1)
    st, const = state, constants
    prev = np.array([start_id], dtype=np.int32)
    for t in range(max_length):
        n = len(prefixes)
        lp, st = _call(step_fn, prev, st, const, n)
        lp = lp[:, allowed]
        total = cum[:, None] + lp
        is_end = allowed == end_id
        if is_end.any():
            end_scores = normalized_score(total[:, is_end][:, 0], t + 1, length_penalty)
            i = int(np.argmax(end_scores))
            if end_scores[i] > best[0]:
                best = (float(end_scores[i]), np.r_[prefixes[i], end_id].astype(np.int32))
        cont = allowed[~is_end]
        parent = np.repeat(np.arange(n), len(cont))
        tok = np.tile(cont, n)
        cum = total[:, ~is_end].ravel()
        prefixes = np.concatenate([prefixes[parent], tok[:, None]], axis=1).astype(np.int32)
        st = _tree_map(lambda a, p=parent: a[p], st)
        const = _tree_map(lambda a, p=parent: a[p], const)
        prev = tok.astype(np.int32)
    return best[1], best[0]


# ---------------------------------------------------------------------------------------------
# Keras boundary
# ---------------------------------------------------------------------------------------------

def keras_step_fn(step_model, *, n_states=1, outputs="probabilities"):
    """A step function around a Keras decoder step model.

    The model takes ``[tokens (n, 1), *states, *constants]`` and returns
    ``[next-token output (n, 1, V) or (n, V), *new_states]`` (``n_states`` of
    them). The returned function passes NumPy in and gets NumPy out, so the
    decoding loops never mix tensors and arrays. ``state`` is a list of
    ``n_states`` arrays, ``constants`` a list of arrays or ``None`` (e.g. the
    encoder outputs and the source mask: pass the mask explicitly, it is not
    carried through ``keras.Input``).

    Args:
        step_model: a Keras model with the inputs and outputs above.
        n_states: how many state tensors the model returns after its output.
        outputs: ``"probabilities"`` (a softmax output) or ``"logits"``.
    """
    n_states = check_int(n_states, "n_states", minimum=0)
    if outputs not in ("probabilities", "logits"):
        raise ValueError(f"outputs must be 'probabilities' or 'logits', got {outputs!r}")

    def step_fn(tokens, state, constants):
        state = list(state) if isinstance(state, (list, tuple)) else [state]
        if len(state) != n_states:
            raise ValueError(f"the step model has {n_states} state(s), got {len(state)}")
        consts = [] if constants is None else (
            list(constants) if isinstance(constants, (list, tuple)) else [constants])
        result = step_model([np.asarray(tokens, dtype=np.int32)[:, None], *state, *consts],
                            training=False)
        result = list(result) if isinstance(result, (list, tuple)) else [result]
        out = _to_numpy(result[0]).astype(np.float64)
        if out.ndim == 3:
            out = out[:, -1]
        if outputs == "probabilities":
            out = np.log(np.clip(out, 1e-30, None))
        else:
            out = out - out.max(axis=1, keepdims=True)
            out = out - np.log(np.exp(out).sum(axis=1, keepdims=True))
        new_state = [_to_numpy(s) for s in result[1:1 + n_states]]
        return out, new_state

    return step_fn


__all__ = ["greedy_decode", "beam_search", "beam_step", "exhaustive_search",
           "sequence_log_prob", "normalized_score", "keras_step_fn", "Decoded", "Hypothesis"]
