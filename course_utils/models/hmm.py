r"""A hidden Markov model with categorical emissions, in vectorised NumPy.

The model has :math:`N` hidden states and :math:`M` observable symbols. A
sequence of hidden states :math:`h_1, \dots, h_T` is a Markov chain with start
probabilities :math:`\pi_i = P(h_1 = i)` and transition matrix
:math:`A_{ij} = P(h_{t+1} = j \mid h_t = i)`; each state emits a symbol
:math:`x_t` with probability :math:`B_{ik} = P(x_t = k \mid h_t = i)`, so

.. math::

    P(x_{1:T}, h_{1:T}) = \pi_{h_1} B_{h_1 x_1} \prod_{t=2}^{T} A_{h_{t-1} h_t} B_{h_t x_t}.

:class:`CategoricalHMM` samples from the model, computes the likelihood
(forward algorithm), the posteriors :math:`P(h_t \mid x_{1:T})`
(forward-backward), the most likely state path (Viterbi), fits the parameters
to many unlabelled sequences of different lengths (Baum-Welch) and estimates
them by counting from labelled sequences. States and symbols are integers
``0 .. N-1`` and ``0 .. M-1``.

Numerics. The forward variables are kept in *scaled* probability space: after
every step :math:`\hat\alpha_t` is divided by its sum :math:`c_t`, so it is the
filtering distribution :math:`P(h_t \mid x_{1:t})` and
:math:`\log P(x_{1:T}) = \sum_t \log c_t`. Viterbi works in log space. Neither
underflows, whatever the sequence length.

Speed: parallel in time. The textbook recursions loop over the time steps one
by one and pay NumPy's per-call overhead at every step; hmmlearn runs the same
loops in compiled C++. Here the loops over time are shortened in two ways,
both exact.

- Chunks. The sequence is cut into chunks that are all advanced at once, each
  starting from a guess after a warm-up over the last ``WARM_UP`` steps of its
  predecessor. This works because an HMM *forgets* where it started: two
  filters (or two Viterbi lattices, up to a constant) started from different
  vectors become equal after a few dozen steps. A repair pass then restarts
  every chunk from the true end of its predecessor and stops as soon as the
  recomputed vector agrees with the stored one (to about 1e-12); a chunk that
  does not agree by its end passes the repair on to its successor. Viterbi's
  backtrack is repaired the same way (back-pointer paths that meet stay
  together). A model that never forgets (a deterministic cycle, say) would
  need one repair round per chunk, so after a few rounds the plain recursion
  takes over.
- A tree. For short sequences of small models, the products of the per-step
  matrices (sums and products for the likelihood, maxima and sums for Viterbi)
  are formed pairwise, level by level: associativity turns T steps into
  log2(T) vectorised levels.

``method="sequential"`` runs the plain step-by-step recursions instead (same
results, to rounding). Where two state paths have exactly the same
probability, the parallel and the sequential Viterbi may return different (but
equally probable) paths, because they round differently.

Reference: L. R. Rabiner (1989), A tutorial on hidden Markov models and selected
applications in speech recognition, Proc. IEEE 77(2). The parallel scheme
follows S. Maleki, M. Musuvathi, T. Mytkowicz (2014), Parallelizing dynamic
programming through rank convergence, PPoPP.
"""

from __future__ import annotations

import contextlib
import functools
import numbers

import numpy as np

from ..validation import (
    check_array,
    check_choice,
    check_float,
    check_int,
    check_positive_int,
    check_stochastic,
    rng_from,
)

#: Steps each chunk first runs over the end of its predecessor (so it starts nearly right).
WARM_UP = 48
_REL_TOL = 1e-12       # forward: relative agreement of two filters
_LOG_TOL = 1e-10       # Viterbi: agreement of two log lattices up to a constant
_MAX_ROUNDS = 6        # more repair rounds: the model does not forget; go sequential
_METHODS = ("parallel", "sequential")


# ---------------------------------------------------------------------------
# Validation of observation sequences
# ---------------------------------------------------------------------------

def _check_obs(obs, n_symbols, name="obs"):
    """A 1-D int64 array of symbols in 0..n_symbols-1 (raises ValueError otherwise)."""
    if isinstance(obs, (str, bytes)):
        raise ValueError(f"{name} must be a 1-D array of integer symbols, got a string")
    arr = check_array(obs, name, ndim=1)
    if arr.size == 0:
        raise ValueError(f"{name} must hold at least one symbol, got an empty sequence")
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer)
                                 or np.issubdtype(arr.dtype, np.floating)):
        raise ValueError(f"{name} must hold integer symbols, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(arr == np.round(arr)):
            bad = int(np.flatnonzero(arr != np.round(arr))[0])
            raise ValueError(f"{name} must hold integer symbols, got {float(arr[bad])} at "
                             f"position {bad}")
    arr = arr.astype(np.int64)
    bad = np.flatnonzero((arr < 0) | (arr >= n_symbols))
    if bad.size:
        raise ValueError(f"{name} holds symbol {arr[bad[0]]} at position {bad[0]}, but the model "
                         f"has n_symbols={n_symbols}, so symbols must be in 0..{n_symbols - 1}")
    return arr


def _check_sequences(sequences, n_symbols, name="sequences"):
    """A list of 1-D symbol arrays (a single 1-D sequence is accepted too)."""
    if isinstance(sequences, np.ndarray) and sequences.ndim == 1 and sequences.dtype != object:
        sequences = [sequences]
    elif isinstance(sequences, np.ndarray) and sequences.ndim == 2:
        sequences = list(sequences)
    if isinstance(sequences, (str, bytes)) or not hasattr(sequences, "__len__"):
        raise ValueError(f"{name} must be a list of 1-D symbol arrays, got "
                         f"{type(sequences).__name__}")
    if len(sequences) == 0:
        raise ValueError(f"{name} must hold at least one sequence, got none")
    if all(isinstance(s, numbers.Integral) for s in sequences):
        sequences = [sequences]
    return [_check_obs(s, n_symbols, f"{name}[{i}]") for i, s in enumerate(sequences)]


# ---------------------------------------------------------------------------
# Parallel-in-time engines
# ---------------------------------------------------------------------------

_BLAS = None


def _single_blas_thread(func):
    """Run ``func`` with one BLAS thread.

    Each step multiplies small matrices; BLAS threads only add synchronisation,
    and on a busy machine (a shared 2-core laptop or Colab) they can make these
    loops ten times slower. threadpoolctl comes with scikit-learn.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        global _BLAS
        if _BLAS is None:
            try:
                from threadpoolctl import ThreadpoolController
                _BLAS = ThreadpoolController()
            except ImportError:                     # pragma: no cover - scikit-learn ships it
                _BLAS = False
        limit = _BLAS.limit(limits=1, user_api="blas") if _BLAS else contextlib.nullcontext()
        with limit:
            return func(*args, **kwargs)
    return wrapper


def _chunks(lengths, L):
    """Cut sequences (concatenated) into chunks of at most L steps.

    Returns ``idx`` (L, C) positions into the concatenation (clipped to a
    valid position where a chunk is shorter than L), ``valid`` (L, C),
    ``first`` (C,) True where a chunk starts a sequence, and ``seq`` (C,) the
    sequence each chunk belongs to.
    """
    lengths = np.asarray(lengths)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    per_seq = -(-lengths // L)
    seq = np.repeat(np.arange(len(lengths)), per_seq)
    k = np.arange(per_seq.sum()) - np.repeat(np.cumsum(per_seq) - per_seq, per_seq)
    start = offsets[seq] + k * L
    stop = offsets[seq] + lengths[seq]
    pos = start[None, :] + np.arange(L)[:, None]
    valid = pos < stop[None, :]
    return np.where(valid, pos, 0), valid, k == 0, seq


def _chunk_length(total, n_states):
    """Steps per chunk for ``total`` steps of an ``n_states`` model.

    A pass costs about (L + WARM_UP) vectorised steps, each with a fixed
    per-call overhead, plus (1 + WARM_UP / L) times the arithmetic of the
    plain recursion. Balancing the two gives L of order N sqrt(T); L is also
    long enough that a step's (N, N, chunks) work array stays inside the CPU
    cache (about 2 MB).
    """
    return int(min(total, max(16, np.ceil(0.12 * n_states * np.sqrt(total)),
                              np.ceil(total * n_states ** 2 / 2 ** 18))))


def _warm_up(B1, obs, idx, first, L):
    """Emission columns of the ``WARM_UP`` steps before every chunk: (W, (N, W, C)).

    A chunk that starts a sequence has no such steps; it reads the neutral
    last column of ``B1`` (ones, or zeros in log space) and restarts exactly.
    """
    W = min(WARM_UP, L)
    pos = idx[0][None, :] - W + np.arange(W)[:, None]
    return W, B1[:, np.where(first[None, :], B1.shape[1] - 1, obs[np.maximum(pos, 0)])]


@_single_blas_thread
def _filter_parallel(start, trans, B, obs, lengths, *, vectors=True):
    """Normalised forward filter of several sequences, parallel in time.

    For every sequence, ``v_1 = normalise(start * e_1)`` and
    ``v_t = normalise((v_{t-1} @ trans) * e_t)`` with ``e_t = B[:, x_t]``.
    The work arrays are state-major, ``(L, N, C)`` for L steps of C chunks,
    so every step is one small matrix product and a few operations on
    contiguous rows.

    Args:
        start: (N,) start vector; trans: (N, N); B: (N, M) emission matrix;
        obs: the concatenated symbol sequences; lengths: their lengths.
        vectors: also return the vectors and the per-step log normalisers.

    Returns:
        ``(v, log_c, log_lik, possible)``: ``v`` (len(obs), N) the normalised
        vectors and ``log_c`` (len(obs),) the logs of the normalisers (both
        None if ``vectors`` is False), ``log_lik`` (n_sequences,) the sums of
        ``log c`` per sequence, ``possible`` (n_sequences,) False for a
        sequence of probability zero (its values are then undefined). None if
        the repairs do not settle within ``_MAX_ROUNDS`` rounds.
    """
    N = trans.shape[0]
    L = _chunk_length(len(obs), N)
    idx, valid, first, seq = _chunks(lengths, L)
    C = idx.shape[1]
    all_valid = bool(valid.all())
    # (N, L, C): one gather for all steps; padding reads an extra all-ones column
    B1 = np.hstack([B, np.ones((N, 1))])
    E = B1[:, np.where(valid, obs[idx], B.shape[1])]
    W, Ew = _warm_up(B1, obs, idx, first, L)        # (N, W, C) steps before each chunk
    At = np.ascontiguousarray(trans.T)
    V = np.empty((L, N, C))
    S = np.empty((L, C))
    dead = np.zeros(len(lengths), bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        # guess a flat vector W steps before each chunk, run the filter up to the chunk
        v = trans.mean(axis=0)[:, None] * np.ones(C)
        for k in range(W):
            v *= Ew[:, k]
            s = v.sum(axis=0)
            v /= s
            dead[seq[~(s > 0)]] = True
            v = At @ v
        V[0] = np.where(first[None, :], start[:, None], v) * E[:, 0]
        S[0] = V[0].sum(axis=0)
        V[0] /= S[0]
        for j in range(1, L):
            np.matmul(At, V[j - 1], out=V[j])
            V[j] *= E[:, j]
            V[j].sum(axis=0, out=S[j])
            V[j] /= S[j]
        # A guessed start has full support, so a zero normaliser here means that no
        # state path can produce the chunk's symbols: the whole sequence is impossible.
        dead[seq[np.any(valid & ~(S > 0), axis=0)]] = True
        pending = np.flatnonzero(~first & ~dead[seq])
        for _ in range(_MAX_ROUNDS):                # repair rounds
            if not pending.size:
                break
            active = pending
            v = At @ V[L - 1][:, active - 1]        # restart from the predecessor's end
            reached_end = np.zeros(0, dtype=int)
            for j in range(L):
                if j:
                    v = At @ v
                v *= E[:, j, active]
                s = v.sum(axis=0)
                v /= s
                old = V[j][:, active]
                same = np.all(np.abs(v - old) <= _REL_TOL * np.maximum(v, old), axis=0)
                V[j][:, active] = v
                S[j, active] = s                    # the normaliser can differ even if v agrees
                zero = valid[j, active] & ~(s > 0)
                if np.any(zero):                    # the true filter died: impossible sequence
                    dead[seq[active[zero]]] = True
                keep = ~same & ~dead[seq[active]]
                active, v = active[keep], v[:, keep]
                if not active.size:
                    break
            else:
                reached_end = active
            # a chunk repaired to its very end changed its last vector: its successor
            # (if it continues the same sequence) must be repaired again
            nxt = reached_end + 1
            nxt = nxt[nxt < C]
            pending = nxt[~first[nxt] & ~dead[seq[nxt]]]
        if pending.size:
            return None                             # a model that does not forget its start
        log_S = np.log(S)
    if not all_valid:
        log_S[~valid] = 0.0
    log_lik = np.bincount(seq, weights=log_S.sum(axis=0), minlength=len(lengths))
    if not vectors:
        return None, None, log_lik, ~dead
    # chunk c holds positions c*L ... in order, so (C, L) order is time order
    v = V.transpose(2, 0, 1).reshape(C * L, N)
    log_c = log_S.T.reshape(C * L)
    if not all_valid:
        keep = valid.T.reshape(C * L)
        v, log_c = v[keep], log_c[keep]
    return v, log_c, log_lik, ~dead


def _filter(start, trans, B, obs, lengths, *, vectors=True):
    """:func:`_filter_parallel`, or the sequential recursion where that does not settle.

    Same arguments and results as :func:`_filter_parallel`.
    """
    out = _filter_parallel(start, trans, B, obs, lengths, vectors=vectors)
    if out is not None:
        return out
    ends = np.cumsum(lengths)
    parts = [_forward_sequential(start, trans, B[:, x].T)
             for x in np.split(obs, ends[:-1])]
    log_c = np.concatenate([c for _, c in parts])
    possible = np.array([np.all(np.isfinite(c)) for _, c in parts])
    log_lik = np.array([c.sum() for _, c in parts])
    v = np.concatenate([a for a, _ in parts]) if vectors else None
    return v, (log_c if vectors else None), log_lik, possible


def _argmax_last(x):
    """Index of the last maximum along axis 0 (hmmlearn's backtrack tie rule).

    For a few rows, a loop of comparisons beats ``np.argmax(axis=0)``, which
    handles many short columns slowly.
    """
    n = x.shape[0]
    if n > 4 or x.ndim < 2 or x.shape[1] < 500:
        return n - 1 - np.argmax(x[::-1], axis=0)
    best = np.full(x.shape[1:], n - 1)
    value = x[n - 1].copy()
    for i in range(n - 2, -1, -1):
        better = x[i] > value                       # strictly: ties keep the higher index
        best[better] = i
        np.maximum(value, x[i], out=value)
    return best


def _use_tree(T, N):
    """Short sequences of small models: the tree's N^3 work is cheaper than the
    chunked passes' fixed number of vectorised steps."""
    return T * N * N <= 2 ** 14


def _transition_blocks(trans, cols):
    """(N, N, T-1) state-major blocks ``M_t[i, j] = trans[i, j] * cols[j, t]`` for t >= 1."""
    return trans[:, :, None] * cols[None, :, 1:]


@_single_blas_thread
def _loglik_tree(start, trans, B, obs):
    r"""Log-likelihood of one sequence by a tree of matrix products.

    :math:`P(x_{1:T}) = (\pi \odot e_1)^\top M_2 M_3 \cdots M_T \mathbf{1}` with
    :math:`M_t = A\,\mathrm{diag}(e_t)`. Matrix products are associative, so
    neighbours are multiplied pairwise, level by level: about
    :math:`\log_2 T` vectorised steps instead of :math:`T`, for
    :math:`N^3` instead of :math:`N^2` work per step: a good trade for few
    states. Every product is divided by the sum of its entries and the logs of
    these factors are accumulated, so nothing underflows.
    """
    cols = B[:, obs]
    v = start * cols[:, 0]
    log_scale = 0.0
    M = _transition_blocks(trans, cols)
    with np.errstate(divide="ignore", invalid="ignore"):
        while M.shape[2] > 1:
            n = M.shape[2]
            X, Y = M[:, :, 0:n - 1:2], M[:, :, 1:n:2]
            P = X[:, 0, None, :] * Y[None, 0, :, :]
            for k in range(1, M.shape[0]):
                P += X[:, k, None, :] * Y[None, k, :, :]
            s = P.sum(axis=(0, 1))
            if not np.all(s > 0):
                return -np.inf                      # no state path fits this stretch
            P /= s
            log_scale += np.log(s).sum()
            M = np.concatenate([P, M[:, :, n - 1:]], axis=2) if n % 2 else P
        total = v.sum() if M.shape[2] == 0 else (v @ M[:, :, 0]).sum()
        return float(np.log(total) + log_scale) if total > 0 else -np.inf


@_single_blas_thread
def _viterbi_tree(log_start, log_trans, log_B, obs):
    r"""Most likely path of one sequence by a tree of max-plus matrix products.

    The same tree as :func:`_loglik_tree` with :math:`(\max, +)` in place of
    :math:`(+, \times)`: a product of the blocks of steps a..m and m..b holds
    the best score from each state at a to each state at b, and the arg-max
    over the state at m is kept. Tracing back goes down the tree: the states at
    a and b give the state at m, level by level.
    """
    T = len(obs)
    cols = log_B[:, obs]
    first = log_start + cols[:, 0]
    if T == 1:
        return np.array([int(np.argmax(first))])
    M = log_trans[:, :, None] + cols[None, :, 1:]
    a, b = np.arange(T - 1), np.arange(1, T)        # each block spans steps a..b
    levels = []
    while M.shape[2] > 1:
        n = M.shape[2]
        X, Y = M[:, :, 0:n - 1:2], M[:, :, 1:n:2]
        P = X[:, 0, None, :] + Y[None, 0, :, :]
        K = np.zeros(P.shape, dtype=np.int8)
        for k in range(1, M.shape[0]):
            cand = X[:, k, None, :] + Y[None, k, :, :]
            K[cand > P] = k
            np.maximum(P, cand, out=P)
        levels.append((b[0:n - 1:2], K, a[0:n - 1:2], b[1:n:2]))
        a, b = (np.append(a[0:n - 1:2], a[n - 1]), np.append(b[1:n:2], b[n - 1])) if n % 2 \
            else (a[0:n - 1:2], b[1:n:2])
        M = np.concatenate([P, M[:, :, n - 1:]], axis=2) if n % 2 else P
    path = np.empty(T, dtype=np.int64)
    best = np.argmax(first[:, None] + M[:, :, 0])
    path[0], path[T - 1] = divmod(int(best), M.shape[0])
    for mid, K, left, right in reversed(levels):
        path[mid] = K[path[left], path[right], np.arange(len(mid))]
    return path


@_single_blas_thread
def _viterbi_parallel(log_start, log_trans, log_B, obs):
    """Most likely path of one sequence ``obs``, parallel in time (see the module docstring).

    Returns the path, or None if the sequence has probability zero or the
    repairs do not settle (a model that never forgets, such as a cycle).
    """
    N, T = log_trans.shape[0], len(obs)
    L = _chunk_length(T, N)
    idx, valid, first, _ = _chunks([T], L)
    C = idx.shape[1]
    # (N, W + L, C) log emission columns: the warm-up steps before each chunk, then the
    # chunk; padding reads an extra all-zeros column
    LB1 = np.hstack([log_B, np.zeros((N, 1))])
    W, LBw = _warm_up(LB1, obs, idx, first, L)
    LB = np.concatenate([LBw, LB1[:, np.where(valid, obs[idx], log_B.shape[1])]], axis=1)
    D = np.empty((W + L, N, C))
    tmp = np.empty((1 if N * N * C > 2 ** 18 else N, N, C))
    LA = log_trans[:, :, None]                      # LA[i, k, 0] = log A_ik

    rowwise = N * N * C > 2 ** 18                   # work array too big for the cache

    def step(d, out):                               # out[k, c] = max_i d[i, c] + log A_ik
        if not rowwise:
            np.add(d[:, None, :], LA, out=tmp)
            np.max(tmp, axis=0, out=out)
        else:                                       # the same, one row i at a time (in cache)
            np.add(d[0], LA[0], out=out)
            for i in range(1, N):
                np.add(d[i], LA[i], out=tmp[0])
                np.maximum(out, tmp[0], out=out)
        return out

    with np.errstate(invalid="ignore"):
        # W warm-up steps over the predecessor's end from a flat start, then the chunk;
        # a chunk that starts its sequence restarts exactly at its first step
        D[0] = log_trans.max(axis=0)[:, None] + LB[:, 0]
        for j in range(1, W + L):
            step(D[j - 1], D[j])
            if j == W:
                D[j] = np.where(first[None, :], log_start[:, None], D[j])
            D[j] += LB[:, j]
        D, LB = D[W:], LB[:, W:]
        # once every state is at -inf it stays there, so the last step tells
        if not np.all(np.isfinite(D[L - 1].max(axis=0))):
            return None
        pending = np.arange(1, C)
        for _ in range(_MAX_ROUNDS):                # repair rounds, as in _filter_parallel
            if not pending.size:
                break
            active = pending
            d = D[L - 1][:, active - 1]
            d = d - d.max(axis=0)
            reached_end = np.zeros(0, dtype=int)
            for j in range(L):
                d = (d[:, None, :] + LA).max(axis=0) + LB[:, j, active]
                old = D[j][:, active]
                inf_new, inf_old = np.isneginf(d), np.isneginf(old)
                diff = np.where(inf_new & inf_old, 0.0, d - old)
                # equal up to a constant: the same back-pointers from here on
                same = (np.all(inf_new == inf_old, axis=0)
                        & (diff.max(axis=0) - diff.min(axis=0) <= _LOG_TOL))
                D[j][:, active] = d
                keep = ~same
                active, d = active[keep], d[:, keep]
                if not active.size:
                    break
            else:
                reached_end = active
            nxt = reached_end + 1
            pending = nxt[nxt < C]
        if pending.size:
            return None
    # Backtrack, parallel over chunks: P[j, c] is the state at step j of chunk c.
    n_last = int(valid[:, -1].sum())                # steps in the last chunk
    end_state = int(np.argmax(D[n_last - 1][:, C - 1]))
    P = np.empty((L, C), dtype=np.int64)
    # Guess each chunk's last state by tracing back a few steps from inside the next chunk.
    Wb = min(16, W, n_last)                         # back-pointer paths meet quickly
    if C > 1:
        state = np.argmax(D[max(Wb - 1, 0)][:, 1:], axis=0)
        for k in range(Wb - 1, 0, -1):
            state = _argmax_last(D[k - 1][:, 1:] + np.take(log_trans, state, axis=1))
        P[L - 1, :-1] = _argmax_last(D[L - 1][:, :-1] + np.take(log_trans, state, axis=1))
    P[L - 1, C - 1] = end_state
    for j in range(L - 1, 0, -1):
        P[j - 1] = _argmax_last(D[j - 1] + np.take(log_trans, P[j], axis=1))
        if j - 1 >= n_last - 1:                     # padding of the last chunk
            P[j - 1, C - 1] = end_state
    pending = np.arange(C - 1)                      # every chunk but the last
    for _ in range(_MAX_ROUNDS):
        if not pending.size:
            break
        active = pending
        state_next = P[0, active + 1]               # first state of the following chunk
        reached_start = np.zeros(0, dtype=int)
        for j in range(L - 1, -1, -1):
            state = _argmax_last(D[j][:, active] + np.take(log_trans, state_next, axis=1))
            same = state == P[j, active]            # paths that meet stay together
            P[j, active] = state
            active, state_next = active[~same], state[~same]
            if not active.size:
                break
        else:
            reached_start = active
        prv = reached_start - 1                     # their predecessors see a new next state
        pending = prv[prv >= 0]
    if pending.size:
        return None
    return P.T.reshape(-1)[:T]                      # chunks are consecutive in time


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------

class CategoricalHMM:
    r"""A hidden Markov model with :math:`N` states and :math:`M` symbols.

    Args:
        startprob: (N,) start probabilities :math:`\pi_i = P(h_1 = i)`.
        transmat: (N, N) transition matrix, :math:`A_{ij} = P(h_{t+1} = j \mid h_t = i)`;
            every row sums to 1.
        emissionprob: (N, M) emission matrix, :math:`B_{ik} = P(x_t = k \mid h_t = i)`;
            every row sums to 1.

    Raises ``ValueError`` if a matrix is not stochastic (negative entries or
    rows that do not sum to 1) or the shapes do not fit together.

    Attributes:
        startprob, transmat, emissionprob: the parameters (float64 arrays).
        n_states, n_symbols: N and M.
        history_: after :meth:`fit`, the total log-likelihood of the training
            sequences before each update (non-decreasing for EM).

    Example:
        >>> hmm = CategoricalHMM([0.5, 0.5], [[0.9, 0.1], [0.2, 0.8]],
        ...                      [[0.7, 0.3], [0.1, 0.9]])
        >>> states, symbols = hmm.sample(100, seed=0)
        >>> path, log_prob = hmm.viterbi(symbols)
        >>> gamma = hmm.posteriors(symbols)          # (100, 2), rows sum to 1
    """

    def __init__(self, startprob, transmat, emissionprob):
        pi = check_stochastic(check_array(startprob, "startprob", ndim=1, dtype=float),
                              "startprob")
        N = pi.shape[0]
        A = check_array(transmat, "transmat", ndim=2, dtype=float)
        if A.shape != (N, N):
            raise ValueError(f"transmat must have shape (n_states, n_states) = ({N}, {N}) to match "
                             f"startprob of length {N}, got {A.shape}")
        A = check_stochastic(A, "transmat", axis=1)
        B = check_array(emissionprob, "emissionprob", ndim=2, dtype=float)
        if B.shape[0] != N:
            raise ValueError(f"emissionprob must have shape (n_states, n_symbols) with "
                             f"n_states = {N}, got {B.shape}")
        B = check_stochastic(B, "emissionprob", axis=1)
        self.startprob, self.transmat, self.emissionprob = pi, A, B
        self.history_ = []

    # -- construction -------------------------------------------------------

    @classmethod
    def random(cls, n_states, n_symbols, seed=0, *, concentration=1.0):
        """A model with Dirichlet(concentration) random rows (a Baum-Welch start).

        Larger ``concentration`` gives rows closer to uniform.
        """
        N = check_positive_int(n_states, "n_states")
        M = check_positive_int(n_symbols, "n_symbols")
        a = check_float(concentration, "concentration", minimum=0, min_inclusive=False)
        rng = rng_from(seed)
        return cls(rng.dirichlet(np.full(N, a)), rng.dirichlet(np.full(N, a), size=N),
                   rng.dirichlet(np.full(M, a), size=N))

    @classmethod
    def from_labelled(cls, states, symbols, n_states, n_symbols, *, smoothing=1.0):
        r"""Estimate the parameters by counting, from sequences with known states.

        With add-``smoothing`` (Laplace) smoothing,
        :math:`A_{ij} = (n_{ij} + s) / (\sum_j n_{ij} + N s)` where :math:`n_{ij}`
        counts transitions i -> j inside the sequences (never across two
        sequences), and likewise for the start and emission probabilities.
        With ``smoothing=0`` these are the maximum-likelihood estimates (a state
        never seen then gets uniform rows).

        Args:
            states, symbols: lists of 1-D int arrays of equal lengths.
        """
        N = check_positive_int(n_states, "n_states")
        M = check_positive_int(n_symbols, "n_symbols")
        s = check_float(smoothing, "smoothing", minimum=0)
        hs = _check_sequences(states, N, "states")
        xs = _check_sequences(symbols, M, "symbols")
        if len(hs) != len(xs):
            raise ValueError(f"states has {len(hs)} sequences but symbols has {len(xs)}")
        for i, (h, x) in enumerate(zip(hs, xs)):
            if len(h) != len(x):
                raise ValueError(f"states[{i}] has length {len(h)} but symbols[{i}] has {len(x)}")
        h_all, x_all = np.concatenate(hs), np.concatenate(xs)
        start = np.bincount([h[0] for h in hs], minlength=N) + s
        pairs = np.concatenate([h[:-1] * N + h[1:] for h in hs])
        trans = np.bincount(pairs, minlength=N * N).reshape(N, N) + s
        emis = np.bincount(h_all * M + x_all, minlength=N * M).reshape(N, M) + s
        return cls(_normalise_rows(start), _normalise_rows(trans), _normalise_rows(emis))

    # -- properties ---------------------------------------------------------

    @property
    def n_states(self):
        return self.transmat.shape[0]

    @property
    def n_symbols(self):
        return self.emissionprob.shape[1]

    def __repr__(self):
        return f"CategoricalHMM(n_states={self.n_states}, n_symbols={self.n_symbols})"

    def copy(self):
        """An independent copy of the model."""
        return CategoricalHMM(self.startprob.copy(), self.transmat.copy(),
                              self.emissionprob.copy())

    def stationary_distribution(self):
        """The distribution p with p A = p (left eigenvector for eigenvalue 1)."""
        w, v = np.linalg.eig(self.transmat.T)
        p = np.real(v[:, np.argmin(np.abs(w - 1))])
        return p / p.sum()

    # -- sampling -----------------------------------------------------------

    def sample(self, length, n_sequences=None, seed=0):
        """Sample hidden states and symbols.

        Returns:
            ``(states, symbols)``: int arrays of shape ``(length,)``, or
            ``(n_sequences, length)`` if ``n_sequences`` is given.
        """
        T = check_positive_int(length, "length")
        n = 1 if n_sequences is None else check_positive_int(n_sequences, "n_sequences")
        rng = rng_from(seed)
        cum_start = np.cumsum(self.startprob)
        cum_trans = np.cumsum(self.transmat, axis=1)
        cum_emis = np.cumsum(self.emissionprob, axis=1)
        cum_start[-1] = 1.0
        cum_trans[:, -1] = 1.0
        cum_emis[:, -1] = 1.0
        u_states, u_symbols = rng.random((T, n)), rng.random((n, T))
        states = np.empty((T, n), dtype=np.int64)
        states[0] = np.searchsorted(cum_start, u_states[0], side="right")
        for t in range(1, T):
            states[t] = (u_states[t][:, None] >= cum_trans[states[t - 1]]).sum(axis=1)
        states = states.T
        symbols = (u_symbols[..., None] >= cum_emis[states]).sum(axis=-1)
        if n_sequences is None:
            return states[0], symbols[0]
        return states, symbols

    # -- inference ----------------------------------------------------------

    def forward(self, obs, *, method="parallel"):
        r"""Scaled forward pass.

        Returns:
            ``(alpha, log_c)``: ``alpha`` (T, N) with rows
            :math:`\hat\alpha_t(i) = P(h_t = i \mid x_{1:t})` (each sums to 1),
            and ``log_c`` (T,) the logs of the scaling factors
            :math:`c_t = P(x_t \mid x_{1:t-1})`, so that
            ``log_c.sum()`` is :math:`\log P(x_{1:T})`. For a sequence of
            probability zero, ``log_c`` is ``-inf`` and ``alpha`` NaN from the
            first impossible step on.
        """
        obs = _check_obs(obs, self.n_symbols)
        check_choice(method, "method", _METHODS)
        if method == "parallel":
            alpha, log_c, _, possible = _filter(self.startprob, self.transmat, self.emissionprob,
                                                obs, [len(obs)])
            if possible[0]:
                return alpha, log_c
        return _forward_sequential(self.startprob, self.transmat, self.emissionprob[:, obs].T)

    def backward(self, obs, *, method="parallel"):
        r"""Backward pass: :math:`\beta_t(i) \propto P(x_{t+1:T} \mid h_t = i)`.

        Returns (T, N), each row scaled to sum to 1 (the scale of
        :math:`\beta_t` cancels in the posteriors); the last row is uniform.
        Raises ``ValueError`` if the sequence has probability zero.
        """
        obs = _check_obs(obs, self.n_symbols)
        check_choice(method, "method", _METHODS)
        if method == "sequential":
            beta = _backward_sequential(self.transmat, self.emissionprob[:, obs].T)
            if not np.all(np.isfinite(beta)):
                raise ValueError("obs has probability zero under this model")
            return beta
        _, beta = self._backward_batch(obs, [len(obs)])
        return beta / beta.sum(axis=1, keepdims=True)

    def _backward_batch(self, x, lengths):
        """``(u, beta)`` for concatenated sequences ``x``, with ``u_t ∝ e_t * beta_t``.

        With ``u_t = e_t * beta_t`` the backward recursion reads
        ``u_{t-1} ∝ (u_t @ A.T) * e_{t-1}``: the forward filter of the
        time-reversed sequences with ``A`` transposed, so :func:`_filter`
        computes it, parallel in time.
        """
        u_rev, _, _, possible = _filter(np.ones(self.n_states), self.transmat.T,
                                        self.emissionprob, x[::-1], list(lengths)[::-1])
        if not possible.all():
            raise ValueError("a sequence has probability zero under this model")
        u = u_rev[::-1]
        beta = np.empty_like(u)
        beta[:-1] = u[1:] @ self.transmat.T         # beta_t ∝ A @ (e_{t+1} * beta_{t+1})
        beta[np.cumsum(lengths) - 1] = 1.0          # the last step of every sequence
        return u, beta

    def log_likelihood(self, obs, *, method="parallel"):
        r""":math:`\log P(x_{1:T})` of one sequence (``-inf`` if it is impossible)."""
        obs = _check_obs(obs, self.n_symbols)
        check_choice(method, "method", _METHODS)
        if method == "sequential":
            E = self.emissionprob[:, obs].T
            return float(_forward_sequential(self.startprob, self.transmat, E)[1].sum())
        if _use_tree(len(obs), self.n_states):
            return _loglik_tree(self.startprob, self.transmat, self.emissionprob, obs)
        _, _, log_lik, possible = _filter(self.startprob, self.transmat, self.emissionprob, obs,
                                          [len(obs)], vectors=False)
        return float(log_lik[0]) if possible[0] else -np.inf

    score = log_likelihood

    def posteriors(self, obs, *, method="parallel"):
        r"""Posterior state probabilities :math:`\gamma_t(i) = P(h_t = i \mid x_{1:T})`, (T, N).

        Raises ``ValueError`` if the sequence has probability zero.
        """
        obs = _check_obs(obs, self.n_symbols)
        check_choice(method, "method", _METHODS)
        if method == "sequential":
            E = self.emissionprob[:, obs].T
            alpha, log_c = _forward_sequential(self.startprob, self.transmat, E)
            if not np.isfinite(log_c.sum()):
                raise ValueError("obs has probability zero under this model")
            gamma = alpha * _backward_sequential(self.transmat, E)
            return gamma / gamma.sum(axis=1, keepdims=True)
        return self._e_step([obs])[0]

    def decode_posterior(self, obs):
        """Posterior decoding: the most probable state at every step (argmax of the posteriors)."""
        return np.argmax(self.posteriors(obs), axis=1)

    def viterbi(self, obs, *, method="parallel"):
        r"""The most likely state path :math:`\arg\max_{h_{1:T}} P(h_{1:T} \mid x_{1:T})`.

        Returns:
            ``(path, log_prob)``: an int array (T,) and :math:`\log P(x_{1:T}, h^*_{1:T})`.
            Ties are broken like hmmlearn (lowest index for the last state, then
            the highest index while tracing back); the parallel and sequential
            methods round differently, so exact ties in the path scores may
            still be broken differently. ``log_prob`` is ``-inf`` if the
            sequence is impossible (the path is then meaningless).
        """
        obs = _check_obs(obs, self.n_symbols)
        check_choice(method, "method", _METHODS)
        with np.errstate(divide="ignore"):
            log_start, log_trans = np.log(self.startprob), np.log(self.transmat)
            log_B = np.log(self.emissionprob)
        path = None
        if method == "parallel" and _use_tree(len(obs), self.n_states):
            path = _viterbi_tree(log_start, log_trans, log_B, obs)
        elif method == "parallel":
            path = _viterbi_parallel(log_start, log_trans, log_B, obs)
        if path is None:
            path = _viterbi_sequential(log_start, log_trans, log_B[:, obs].T)
        log_prob = (log_start[path[0]] + log_trans[path[:-1], path[1:]].sum()
                    + log_B[path, obs].sum())
        return path, float(log_prob)

    # -- learning -----------------------------------------------------------

    def _e_step(self, seqs):
        """Posteriors and expected counts of many sequences in one batched pass.

        Returns ``(gamma, start, xi_sum, emis, log_lik)``: the posteriors of
        all steps (concatenated), the expected start counts, the expected
        transition counts, the expected emission counts (N, M) and the total
        log-likelihood.
        """
        lengths = [len(s) for s in seqs]
        x = np.concatenate(seqs)
        alpha, _, log_lik, possible = _filter(self.startprob, self.transmat, self.emissionprob,
                                              x, lengths)
        if not possible.all():
            bad = int(np.flatnonzero(~possible)[0])
            raise ValueError(f"sequence {bad} has probability zero under the current parameters")
        u, beta = self._backward_batch(x, lengths)
        gamma = alpha * beta                         # gamma_t ∝ alpha_t * beta_t
        z = gamma.sum(axis=1)
        gamma /= z[:, None]
        ends = np.cumsum(lengths) - 1
        inside = np.ones(len(x) - 1, bool)
        inside[ends[:-1]] = False                    # no transition between two sequences
        # xi_t(i, j) = alpha_t(i) A_ij e_{t+1}(j) beta_{t+1}(j) / z_t; with u_{t+1} scaled
        # as in beta_t = A @ u_{t+1}, the normaliser is z_t = alpha_t . beta_t
        left = alpha[:-1][inside] / z[:-1][inside, None]
        xi_sum = self.transmat * (left.T @ u[1:][inside])
        N, M = self.n_states, self.n_symbols
        starts = np.concatenate([[0], ends[:-1] + 1])
        flat = (x[:, None] * N + np.arange(N)).ravel()
        emis = np.bincount(flat, weights=gamma.ravel(), minlength=M * N).reshape(M, N).T
        return gamma, gamma[starts].sum(axis=0), xi_sum, emis, float(log_lik.sum())

    def fit(self, sequences, *, n_iter=100, tol=1e-6, params="ste", verbose=False):
        """Baum-Welch (EM) on one or many sequences of different lengths, in place.

        Each iteration computes the posteriors of all sequences with the
        current parameters (E-step) and sets every parameter to its expected
        relative frequency (M-step):
        ``startprob ∝ Σ_seq γ_1``, ``transmat_ij ∝ Σ_t ξ_t(i, j)``,
        ``emissionprob_ik ∝ Σ_{t: x_t = k} γ_t(i)``.

        Args:
            sequences: a list of 1-D symbol arrays (or one array).
            n_iter: maximum number of iterations.
            tol: stop when the log-likelihood improves by less than this.
            params: which parameters to update: any of "s" (start), "t"
                (transitions), "e" (emissions).

        Returns ``self``; ``self.history_`` holds the log-likelihood before each
        update (the same bookkeeping as hmmlearn's ``monitor_.history``).
        """
        seqs = _check_sequences(sequences, self.n_symbols)
        n_iter = check_int(n_iter, "n_iter", minimum=0)
        tol = float(tol)
        if not isinstance(params, str) or set(params) - set("ste"):
            raise ValueError(f"params must be a string made of 's', 't', 'e', got {params!r}")
        self.history_ = []
        for it in range(n_iter):
            _, start, xi_sum, emis, log_lik = self._e_step(seqs)
            self.history_.append(log_lik)
            if verbose:
                print(f"iteration {it:3d}: log-likelihood {log_lik:.6f}")
            if "s" in params:
                self.startprob = _normalise_rows(start)
            if "t" in params:
                self.transmat = _normalise_rows(xi_sum, keep=self.transmat)
            if "e" in params:
                self.emissionprob = _normalise_rows(emis, keep=self.emissionprob)
            if len(self.history_) >= 2 and self.history_[-1] - self.history_[-2] < tol:
                break
        return self

    def total_log_likelihood(self, sequences):
        """Sum of the log-likelihoods of many sequences (one batched pass)."""
        seqs = _check_sequences(sequences, self.n_symbols)
        _, _, log_lik, possible = _filter(self.startprob, self.transmat, self.emissionprob,
                                          np.concatenate(seqs), [len(q) for q in seqs],
                                          vectors=False)
        return float(log_lik.sum()) if possible.all() else -np.inf


def _normalise_rows(counts, keep=None):
    """Rows divided by their sums; an all-zero row keeps ``keep``'s row (or becomes uniform)."""
    counts = np.asarray(counts, dtype=float)
    sums = counts.sum(axis=-1, keepdims=True)
    out = np.divide(counts, sums, out=np.zeros_like(counts), where=sums > 0)
    empty = (sums == 0).squeeze(-1)
    if np.any(empty):
        if keep is None:
            out[empty] = 1.0 / counts.shape[-1]
        else:
            out[empty] = keep[empty]
    return out


# ---------------------------------------------------------------------------
# Plain step-by-step recursions (method="sequential"; also the fallback)
# ---------------------------------------------------------------------------

@_single_blas_thread
def _forward_sequential(start, trans, E):
    """The textbook scaled forward recursion, one step at a time; E is (T, N)."""
    T, N = E.shape
    alpha = np.full((T, N), np.nan)
    log_c = np.full(T, -np.inf)
    a = start * E[0]
    for t in range(T):
        if t:
            a = (a @ trans) * E[t]
        s = a.sum()
        if not s > 0:
            break                                   # probability zero from here on
        a = a / s
        alpha[t], log_c[t] = a, np.log(s)
    return alpha, log_c


@_single_blas_thread
def _backward_sequential(trans, E):
    T, N = E.shape
    beta = np.empty((T, N))
    b = np.full(N, 1.0 / N)
    beta[-1] = b
    with np.errstate(invalid="ignore"):
        for t in range(T - 2, -1, -1):
            b = trans @ (E[t + 1] * b)
            b = b / b.sum()
            beta[t] = b
    return beta


@_single_blas_thread
def _viterbi_sequential(log_start, log_trans, lb):
    T, N = lb.shape
    delta = np.empty((T, N))
    delta[0] = log_start + lb[0]
    for t in range(1, T):
        delta[t] = (delta[t - 1][:, None] + log_trans).max(axis=0) + lb[t]
    path = np.empty(T, dtype=np.int64)
    path[-1] = np.argmax(delta[-1])
    for t in range(T - 2, -1, -1):
        path[t] = _argmax_last((delta[t] + log_trans[:, path[t + 1]])[:, None])[0]
    return path


__all__ = ["CategoricalHMM", "WARM_UP"]
