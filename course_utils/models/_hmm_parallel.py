r"""The parallel-in-time engine of :class:`course_utils.models.hmm.CategoricalHMM`.

Chosen with ``CategoricalHMM(..., engine="parallel")``. It computes exactly
what the textbook recursions of :mod:`course_utils.models.hmm` compute (to
rounding), only faster: the textbook loops over the time steps one by one and
pay NumPy's per-call overhead at every step, while hmmlearn runs the same loops
in compiled C++. Here the loops over time are shortened in two ways, both exact.

- Chunks. The sequences are cut into chunks that are all advanced at once, each
  starting from a guess after a warm-up over the last ``WARM_UP`` steps of its
  predecessor. This works because an HMM *forgets* where it started: two
  filters (or two Viterbi lattices, up to a constant) started from different
  vectors become equal after a few dozen steps. A repair pass then restarts
  every chunk from the true end of its predecessor and stops as soon as the
  recomputed vector agrees with the stored one (to about 1e-12); a chunk that
  does not agree by its end passes the repair on to its successor. Viterbi's
  backtrack is repaired the same way (back-pointer paths that meet stay
  together). A model that never forgets (a deterministic cycle, say) would
  need one repair round per chunk, so after ``_MAX_ROUNDS`` rounds the
  functions here return ``None`` and the model falls back to the textbook
  recursions.
- A tree. For short sequences of small models, the products of the per-step
  matrices (sums and products for the likelihood, maxima and sums for Viterbi)
  are formed pairwise, level by level: associativity turns T steps into
  log2(T) vectorised levels.

Where two state paths have exactly the same probability, this Viterbi and the
textbook one may return different (but equally probable) paths, because they
round differently.

Reference: S. Maleki, M. Musuvathi, T. Mytkowicz (2014), Parallelizing dynamic
programming through rank convergence, PPoPP.
"""

from __future__ import annotations

import contextlib
import functools

import numpy as np

#: Steps each chunk first runs over the end of its predecessor (so it starts nearly right).
WARM_UP = 48
_REL_TOL = 1e-12       # forward: relative agreement of two filters
_LOG_TOL = 1e-10       # Viterbi: agreement of two log lattices up to a constant
_MAX_ROUNDS = 6        # more repair rounds: the model does not forget; give up


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
# What the model calls (each returns None where the repairs do not settle)
# ---------------------------------------------------------------------------

def forward(startprob, transmat, emissionprob, x, lengths):
    """Scaled forward pass of the concatenated sequences ``x``.

    Returns ``(phi_hat, log_z, log_prob, possible)`` as
    :func:`_filter_parallel`, or None.
    """
    return _filter_parallel(startprob, transmat, emissionprob, x, lengths)


def log_likelihood(startprob, transmat, emissionprob, x, lengths):
    """``log P(x)`` of every sequence (``-inf`` where impossible), or None."""
    if len(lengths) == 1 and _use_tree(len(x), transmat.shape[0]):
        return np.array([_loglik_tree(startprob, transmat, emissionprob, x)])
    out = _filter_parallel(startprob, transmat, emissionprob, x, lengths, vectors=False)
    if out is None:
        return None
    _, _, log_prob, possible = out
    return np.where(possible, log_prob, -np.inf)


def e_step(startprob, transmat, emissionprob, x, lengths):
    """Posteriors and expected counts of all sequences in one batched pass.

    Returns ``(gamma, start, trans, emis, log_prob)``: the posteriors of all
    steps (concatenated), the expected start, transition (N, N) and emission
    (N, M) counts, and the log-likelihood of every sequence; ``gamma`` and
    the counts are None if a sequence is impossible (its ``log_prob`` is then
    ``-inf``). None if the repairs do not settle.
    """
    fwd = _filter_parallel(startprob, transmat, emissionprob, x, lengths)
    if fwd is None:
        return None
    phi, _, log_prob, possible = fwd
    log_prob = np.where(possible, log_prob, -np.inf)
    if not possible.all():
        return None, None, None, None, log_prob
    # With u_t = e_t * beta_t the backward recursion reads u_{t-1} ∝ (u_t @ A.T) * e_{t-1}:
    # the forward filter of the time-reversed sequences with A transposed.
    bwd = _filter_parallel(np.ones(transmat.shape[0]), transmat.T, emissionprob, x[::-1],
                           list(lengths)[::-1])
    if bwd is None:
        return None
    u = bwd[0][::-1]
    beta = np.empty_like(u)
    beta[:-1] = u[1:] @ transmat.T                  # beta_t ∝ A @ (e_{t+1} * beta_{t+1})
    ends = np.cumsum(lengths) - 1
    beta[ends] = 1.0                                # the last step of every sequence
    gamma = phi * beta                              # gamma_t ∝ phi_hat_t * beta_t
    z = gamma.sum(axis=1)
    gamma /= z[:, None]
    inside = np.ones(len(x) - 1, bool)
    inside[ends[:-1]] = False                       # no transition between two sequences
    # zeta_t(i, j) = phi_t(i) A_ij e_{t+1}(j) beta_{t+1}(j) / z_t; with u_{t+1} scaled
    # as in beta_t = A @ u_{t+1}, the normaliser is z_t = phi_t . beta_t
    left = phi[:-1][inside] / z[:-1][inside, None]
    trans = transmat * (left.T @ u[1:][inside])
    N, M = emissionprob.shape
    starts = np.concatenate([[0], ends[:-1] + 1])
    flat = (x[:, None] * N + np.arange(N)).ravel()
    emis = np.bincount(flat, weights=gamma.ravel(), minlength=M * N).reshape(M, N).T
    return gamma, gamma[starts].sum(axis=0), trans, emis, log_prob


def viterbi(log_startprob, log_transmat, log_emissionprob, x):
    """The most likely state path of one sequence ``x``, or None."""
    if _use_tree(len(x), log_transmat.shape[0]):
        return _viterbi_tree(log_startprob, log_transmat, log_emissionprob, x)
    return _viterbi_parallel(log_startprob, log_transmat, log_emissionprob, x)


__all__ = ["WARM_UP", "forward", "log_likelihood", "e_step", "viterbi"]
