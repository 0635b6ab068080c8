"""Checkers for the exercises of chapter 2 (hidden Markov models)."""

from __future__ import annotations

import itertools

import numpy as np

from .core import Feedback, NotAttempted, call, exercise, expect_close, expect_shape, to_numpy


def _call(candidate, *args):
    """The reader's result; feedback if the function returns nothing."""
    got = call(candidate, *args)
    if got is None:
        raise Feedback("your function returned None: is a `return` statement missing?")
    return got


def _array(value, what, shape):
    """A finite float array of ``shape`` (feedback otherwise)."""
    arr = expect_shape(value, shape, what)
    if np.any(np.isnan(arr)):
        raise Feedback(f"{what} contains NaN: look for 0/0 or log of a negative number")
    return arr


def _random_model(seed, N=3, M=4):
    rng = np.random.default_rng(seed)
    return (rng.dirichlet(np.ones(N)), rng.dirichlet(np.ones(N), size=N),
            rng.dirichlet(np.ones(M), size=N))


def _sample(pi, A, B, T, seed):
    rng = np.random.default_rng(seed)
    h = [rng.choice(len(pi), p=pi)]
    for _ in range(T - 1):
        h.append(rng.choice(len(pi), p=A[h[-1]]))
    return np.array([rng.choice(B.shape[1], p=B[s]) for s in h])


def _scaled_forward(pi, A, B, x):
    """Reference: normalised filters (T, N) and log P(x)."""
    phi_hat = np.empty((len(x), len(pi)))
    log_p, a = 0.0, pi * B[:, x[0]]
    for t in range(len(x)):
        if t:
            a = (phi_hat[t - 1] @ A) * B[:, x[t]]
        phi_hat[t] = a / a.sum()
        log_p += np.log(a.sum())
    return phi_hat, log_p


def _posteriors(pi, A, B, x):
    phi_hat, _ = _scaled_forward(pi, A, B, x)
    beta = np.ones_like(phi_hat)
    for t in range(len(x) - 2, -1, -1):
        b = A @ (B[:, x[t + 1]] * beta[t + 1])
        beta[t] = b / b.sum()
    g = phi_hat * beta
    return g / g.sum(axis=1, keepdims=True)


def _brute_force_log_p(pi, A, B, x):
    total = 0.0
    for path in itertools.product(range(len(pi)), repeat=len(x)):
        p = pi[path[0]] * B[path[0], x[0]]
        for t in range(1, len(x)):
            p *= A[path[t - 1], path[t]] * B[path[t], x[t]]
        total += p
    return np.log(total)


def _as_float(value, what):
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    try:
        arr = np.asarray(value, dtype="float64")
    except (TypeError, ValueError):
        raise Feedback(f"{what} should be a single number, got {type(value).__name__}") from None
    if arr.ndim != 0:
        raise Feedback(f"{what} should be a single number, log P(x); got an array of shape "
                       f"{arr.shape} (sum over the states at the last step)")
    if np.isnan(arr):
        raise Feedback(f"{what} is NaN: look for 0/0, inf - inf or the log of a negative number")
    return float(arr)


@exercise("ch02.forward_log", "the forward algorithm in log space",
          hint="Write the forward recursion of section 3 with every product replaced by a sum of "
               "logs and every sum over states by a log-sum-exp. Broadcasting "
               "log_phi[:, None] + np.log(A) gives all (previous i, next j) pairs at once; reduce "
               "over axis 0. Subtract the maximum before exponentiating, and return one number.")
def _forward_log(candidate):
    pi, A, B = _random_model(1)
    x_short = np.array([0, 3, 1, 1, 2, 0])
    want = _brute_force_log_p(pi, A, B, x_short)
    got = _as_float(_call(candidate, pi, A, B, x_short), "forward_log(pi, A, B, x)")
    if np.isclose(got, np.exp(want), rtol=1e-6):
        raise Feedback("you returned P(x) itself; the exercise asks for log P(x)")
    if np.isclose(got, _transposed_log_p(pi, A, B, x_short), rtol=1e-6):
        raise Feedback("the transition matrix is used transposed: the new score of state j sums "
                       "over the previous states i of log phi_{t-1}(i) + log A[i, j]")
    if np.isclose(got, _no_first_emission(pi, A, B, x_short), rtol=1e-6):
        raise Feedback("the first step misses its emission: log phi_1(i) = log pi_i + "
                       "log B[i, x_1]")
    if not np.isclose(got, want, rtol=1e-8, atol=1e-10):
        raise Feedback(f"forward_log on a 6-step sequence gives {got:.6f}; summing the "
                       f"probabilities of all 3^6 state paths gives {want:.6f}")
    x_long = _sample(pi, A, B, 3000, seed=2)
    _, want_long = _scaled_forward(pi, A, B, x_long)
    got_long = _as_float(_call(candidate, pi, A, B, x_long), "forward_log on 3000 steps")
    if not np.isfinite(got_long):
        raise Feedback(f"on a 3000-step sequence your result is {got_long}: something underflowed. "
                       "Keep every quantity in log space and combine with logsumexp "
                       "(subtract the maximum before exponentiating)")
    if not np.isclose(got_long, want_long, rtol=1e-9):
        raise Feedback(f"correct on a short sequence, but on a 3000-step sequence you get "
                       f"{got_long:.4f} instead of {want_long:.4f}: look for a loss of precision "
                       "(exponentiating without subtracting the maximum?)")
    return (f"log P(x) matches brute force ({want:.4f}) and stays finite over 3000 steps "
            f"({want_long:.1f})")


def _transposed_log_p(pi, A, B, x):
    a = np.log(pi) + np.log(B[:, x[0]])
    for t in range(1, len(x)):
        m = a[None, :] + np.log(A)                 # uses A[j, i] instead of A[i, j]
        a = np.log(np.exp(m - m.max(1, keepdims=True)).sum(1)) + m.max(1) + np.log(B[:, x[t]])
    return np.log(np.exp(a - a.max()).sum()) + a.max()


def _no_first_emission(pi, A, B, x):
    a = np.log(pi)
    for t in range(1, len(x)):
        m = a[:, None] + np.log(A)
        a = np.log(np.exp(m - m.max(0)).sum(0)) + m.max(0) + np.log(B[:, x[t]])
    return np.log(np.exp(a - a.max()).sum()) + a.max()


@exercise("ch02.log_posteriors", "forward-backward in log space: log P(h_t = i | x)",
          hint="Keep every row of the log forward pass of exercise 2.1, shape (T, N). Run the "
               "backward recursion of section 4 in logs from log beta_T = 0, combining over the "
               "next state j with a log-sum-exp. log P(x) is the log-sum-exp of the last forward "
               "row; subtract it so that every row of exp(result) sums to 1.")
def _log_posteriors(candidate):
    pi, A, B = _random_model(3)
    x = np.array([2, 2, 0, 1, 3, 3, 0])
    got = to_numpy(_call(candidate, pi, A, B, x), "log_posteriors(pi, A, B, x)")
    if got.shape == (3, 7):
        raise Feedback("log_posteriors has shape (N, T) = (3, 7); return one row per time step, "
                       "shape (T, N) = (7, 3)")
    got = _array(got, "log_posteriors(pi, A, B, x)", (7, 3))
    want = _posteriors(pi, A, B, x)
    if np.all(got >= 0) and np.allclose(got, want, atol=1e-6):
        raise Feedback("these are the probabilities themselves; return their logarithms")
    with np.errstate(over="ignore"):
        probs = np.exp(got)
    phi_hat, _ = _scaled_forward(pi, A, B, x)
    if np.allclose(probs, phi_hat, atol=1e-6):
        raise Feedback("these are the filtering probabilities log P(h_t | x_1..t) of the "
                       "forward pass alone; add the backward pass: log gamma_t = log phi_t + "
                       "log beta_t - log P(x)")
    if np.all(np.isfinite(probs)) and not np.allclose(probs.sum(axis=1), 1, atol=1e-6):
        if np.allclose(probs / probs.sum(axis=1, keepdims=True), want, atol=1e-6):
            raise Feedback("right up to a constant per step: subtract log P(x) (the logsumexp "
                           "of log phi_T), so that every row of exp(result) sums to 1")
        raise Feedback(f"every row of exp(result) should sum to 1; yours sum to "
                       f"{np.round(probs.sum(axis=1), 4).tolist()}")
    expect_close(probs, want, "exp(log_posteriors(pi, A, B, x))", atol=1e-6)
    x_long = _sample(pi, A, B, 2000, seed=4)
    got_long = to_numpy(_call(candidate, pi, A, B, x_long), "log_posteriors on 2000 steps")
    if got_long.shape != (2000, 3) or not np.all(np.isfinite(got_long) | (got_long == -np.inf)) \
            or np.any(np.isnan(got_long)) or np.all(np.isneginf(got_long), axis=1).any():
        raise Feedback("correct on a short sequence, but on 2000 steps the result has NaN or "
                       "-inf rows: stay in log space throughout and combine with logsumexp")
    expect_close(np.exp(got_long), _posteriors(pi, A, B, x_long),
                 "exp(log_posteriors) on 2000 steps", atol=1e-6)
    return "log gamma_t = log phi_t + log beta_t - log P(x), stable over 2000 steps"


# Repeated transitions (0 -> 1 three times in the first sentence, 2 -> 2 twice in the third),
# repeated (tag, word) pairs, and uneven first tags (0, 0, 2, 0): the mistakes below all
# change the answer on these data.
_TAGS = [np.array([0, 1, 0, 1, 0, 1]), np.array([0, 2]), np.array([2, 2, 2, 1]),
         np.array([0, 1, 1])]
_WORDS = [np.array([3, 0, 3, 0, 3, 1]), np.array([2, 4]), np.array([4, 4, 1, 0]),
          np.array([3, 0, 0])]


def _count_reference(tags, words, K, V, s, *, across=False, fancy=False, pi_smoothing=None):
    """The counted model; ``across``, ``fancy`` and ``pi_smoothing`` reproduce three mistakes."""
    if across:
        tags, words = [np.concatenate(tags)], [np.concatenate(words)]
    pi = np.full(K, s if pi_smoothing is None else pi_smoothing)
    A = np.full((K, K), s)
    B = np.full((K, V), s)
    for t, w in zip(tags, words):
        pi[t[0]] += 1
        if fancy:                                   # buffered: a repeated pair counts once
            A[t[:-1], t[1:]] += 1
            B[t, w] += 1
        else:
            np.add.at(A, (t[:-1], t[1:]), 1)
            np.add.at(B, (t, w), 1)
    return tuple(m / m.sum(axis=-1, keepdims=True) for m in (pi, A, B))


def _same(got, want):
    return all(np.allclose(g, w, atol=1e-9) for g, w in zip(got, want))


@exercise("ch02.count_hmm", "estimate an HMM by counting tagged sentences (add-k smoothing)",
          hint="Start pi, A and B as arrays filled with `smoothing`, then, sentence by sentence, "
               "add 1 for the first tag, for every transition t[:-1] -> t[1:] and for every "
               "(tag, word) pair; divide every row by its sum at the end. A sentence can repeat "
               "a pair: `A[t[:-1], t[1:]] += 1` adds 1 only once per distinct pair, while "
               "np.add.at adds every occurrence.")
def _count_hmm(candidate):
    K, V, s = 3, 5, 0.5
    got = _call(candidate, _TAGS, _WORDS, K, V, s)
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        raise Feedback("count_hmm must return a tuple (pi, A, B)")
    pi = _array(got[0], "pi", (K,))
    A, B = to_numpy(got[1], "A"), to_numpy(got[2], "B")
    if A.shape == (K, K) and B.shape == (V, K):
        raise Feedback(f"B has shape {B.shape}; it should be (n_tags, n_words) = ({K}, {V}), "
                       "B[k, w] = P(word w | tag k)")
    A, B = _array(A, "A", (K, K)), _array(B, "B", (K, V))
    for name, m in (("pi", pi), ("A", A), ("B", B)):
        if np.ptp(m) == 0:
            raise Feedback(f"every entry of {name} is {m.flat[0]:.4g}: nothing was counted")
        if np.any(m < 0):
            raise Feedback(f"{name} has negative entries; counts and probabilities are >= 0")
    ref = _count_reference(_TAGS, _WORDS, K, V, s)
    buffered = _count_reference(_TAGS, _WORDS, K, V, s, fancy=True)
    for name, got_m, want_m, bad_m, index in (
            ("A", A, ref[1], buffered[1], "A[t[:-1], t[1:]] += 1"),
            ("B", B, ref[2], buffered[2], "B[t, w] += 1")):
        if not np.allclose(want_m, bad_m, atol=1e-9) and np.allclose(got_m, bad_m, atol=1e-9):
            raise Feedback(f"in {name}, a pair that occurs twice in a sentence was counted once: "
                           f"with repeated index pairs, `{index}` adds 1 only once per distinct "
                           f"pair (NumPy buffers the update). Use np.add.at for {name}, e.g. "
                           "np.add.at(A, (t[:-1], t[1:]), 1)")
    no_smooth = _count_reference(_TAGS, _WORDS, K, V, 0.0)
    if np.allclose(A, no_smooth[1], atol=1e-9) or np.allclose(B, no_smooth[2], atol=1e-9):
        raise Feedback("no smoothing: add `smoothing` to every count (seen or not) before "
                       "normalising, so unseen transitions and words keep a small probability")
    for name, m in (("pi", pi), ("A", A), ("B", B)):
        rows = m.sum(axis=-1)
        if not np.allclose(rows, 1, atol=1e-9):
            if m.ndim == 2 and np.allclose(m.sum(axis=0), 1, atol=1e-9):
                raise Feedback(f"{name} is normalised over columns; every row must sum to 1 "
                               f"(row k is a distribution given tag k)")
            raise Feedback(f"{name} sums to {np.round(rows, 4).tolist()} along its last axis, "
                           "not 1: after adding the smoothing, divide each row by its new total")
    if np.allclose(pi, _count_reference(_TAGS, _WORDS, K, V, s, pi_smoothing=0.0)[0], atol=1e-9):
        raise Feedback("pi is not smoothed: a tag that never starts a sentence gets probability "
                       "0 as a first tag; add `smoothing` to the first-tag counts too")
    if np.allclose(A, _count_reference(_TAGS, _WORDS, K, V, s, across=True)[1], atol=1e-9):
        raise Feedback("you counted transitions from the last tag of one sentence to the first "
                       "tag of the next; count transitions inside each sentence only")
    expect_close(pi, ref[0], "pi", atol=1e-9)
    expect_close(A, ref[1], "A", atol=1e-9)
    expect_close(B, ref[2], "B", atol=1e-9)
    return ("counts + smoothing, normalised per row, repeated pairs counted every time, "
            "transitions inside sentences only")


# Three chains whose stationary distributions are far from uniform; the first has complex
# eigenvalues, so np.linalg.eig returns complex vectors; for the second, np.linalg.eig lists
# the eigenvalue -0.7 before 1, so taking the first eigenvector without looking at the
# eigenvalues fails.
_CHAINS = (np.array([[0.6, 0.3, 0.1], [0.1, 0.6, 0.3], [0.4, 0.1, 0.5]]),
           np.array([[0.1, 0.9], [0.8, 0.2]]),
           np.array([[0.9, 0.1, 0.0, 0.0], [0.3, 0.5, 0.2, 0.0], [0.0, 0.4, 0.4, 0.2],
                     [0.5, 0.0, 0.0, 0.5]]))


def _stationary_reference(A):
    w, v = np.linalg.eig(A.T)
    p = np.real(v[:, np.argmin(np.abs(w - 1))])
    return p / p.sum()


@exercise("ch02.stationary", "the stationary distribution of a Markov chain",
          hint="p A = p says that p is a *left* eigenvector of A: transpose both sides, "
               "A.T @ p = p, and look among the eigenvectors of A.T (np.linalg.eig) for the "
               "eigenvalue closest to 1. Keep the real part and scale the vector to sum to 1.")
def _stationary(candidate):
    for A in _CHAINS:
        n = A.shape[0]
        got = _call(candidate, A.copy())
        arr = np.asarray(got)
        if np.iscomplexobj(arr):
            if np.allclose(arr.imag, 0):
                raise Feedback("your vector is complex (np.linalg.eig returns complex numbers); "
                               "take its real part")
            raise Feedback("your vector has a non-zero imaginary part")
        if arr.shape == (n,) and arr.dtype.kind == "f" and np.any(np.isinf(arr)):
            raise Feedback(f"stationary(A) for the chain {A.tolist()} is not finite: the vector "
                           "you divided by its sum sums to 0, as every eigenvector of an "
                           "eigenvalue other than 1 does. np.linalg.eig does not sort its "
                           "eigenvalues: take the eigenvector whose eigenvalue is 1, not the "
                           "first one")
        p = _array(arr, f"stationary(A) for a {n}-state chain", (n,))
        want = _stationary_reference(A)
        if np.allclose(p, 0):
            raise Feedback("your vector is all zeros; a distribution sums to 1")
        if np.allclose(p, p.mean(), rtol=1e-9, atol=1e-12):
            raise Feedback(f"your vector has equal entries ({p[0]:.4g} each), but p A = "
                           f"{np.round(p @ A, 4).tolist()} differs from p, so it is not "
                           "stationary. (Equal entries are what the right eigenvector of A "
                           "gives, A @ 1 = 1; the stationary distribution is a left eigenvector, "
                           "p A = p.)")
        if not np.isclose(p.sum(), 1):
            if np.allclose((p / p.sum()) @ A, p / p.sum(), atol=1e-8):
                raise Feedback(f"right direction, but it sums to {p.sum():.4f}; a probability "
                               "distribution sums to 1")
        if np.any(p < -1e-12):
            raise Feedback("a probability distribution has no negative entries")
        if not np.allclose(p @ A, p, atol=1e-8):
            raise Feedback(f"p A = {np.round(p @ A, 4).tolist()} differs from p = "
                           f"{np.round(p, 4).tolist()}: p is not stationary (np.linalg.eig "
                           "does not sort its eigenvalues: take the eigenvector whose "
                           "eigenvalue is 1, not the first one)")
        expect_close(p, want, f"stationary(A) for a {n}-state chain", atol=1e-8)
    return (f"p = {np.round(want, 4).tolist()} for the 4-state chain: one step of the chain "
            "leaves it unchanged")


#: The tiny model of exercise 2.5: states 0, 1; symbols 0, 1.
TINY = dict(pi=np.array([0.9, 0.1]), A=np.array([[0.6, 0.4], [0.1, 0.9]]),
            B=np.array([[0.5, 0.5], [0.4, 0.6]]), x=np.array([0, 0, 0, 1]))


@exercise("ch02.viterbi_by_hand", "the most likely state path of a tiny model",
          hint="Fill a table of delta_t(j) for t = 1..4 and j = 0, 1 (in probabilities: "
               "delta_t(j) = max_i delta_{t-1}(i) A[i, j] * B[j, x_t]), writing down which i won "
               "each maximum. Start the trace-back from the larger delta_4 and follow what you "
               "wrote down.")
def _viterbi_by_hand(candidate):
    if isinstance(candidate, (list, tuple, np.ndarray)) and all(
            v is None or v is Ellipsis for v in np.ravel(np.asarray(candidate, dtype=object))):
        raise NotAttempted("fill in the four states, then re-run")
    try:
        path = [int(v) for v in candidate]
    except (TypeError, ValueError):
        raise Feedback("answer with a list of 4 states, each 0 or 1") from None
    if len(path) != 4 or any(v not in (0, 1) for v in path):
        raise Feedback(f"answer with a list of 4 states, each 0 or 1; got {path}")
    pi, A, B, x = TINY["pi"], TINY["A"], TINY["B"], TINY["x"]
    score = {p: pi[p[0]] * B[p[0], x[0]] * np.prod([A[p[t - 1], p[t]] * B[p[t], x[t]]
                                                    for t in range(1, 4)])
             for p in itertools.product((0, 1), repeat=4)}
    best = max(score, key=score.get)
    post = tuple(int(v) for v in np.argmax(_posteriors(pi, A, B, x), axis=1))
    greedy = tuple(int(v) for v in np.argmax(B[:, x], axis=0))
    if tuple(path) == best:
        return (f"{list(best)} with probability {score[best]:.5f}; posterior decoding gives "
                f"{list(post)} and the emissions alone {list(greedy)}")
    if tuple(path) == greedy:
        raise Feedback("that picks the state that best explains each symbol on its own; "
                       "Viterbi also weighs the start and transition probabilities")
    if tuple(path) == post:
        raise Feedback("that is posterior decoding (the most probable state at each step); "
                       "Viterbi wants the single most probable whole path")
    raise Feedback(f"the path {path} has probability {score[tuple(path)]:.5f}; another path "
                   "is more probable. Compute delta_t for both states step by step")
