"""Chapter 2 checkers: the reference passes, typical mistakes get specific feedback."""

import numpy as np
import pytest

from course_utils.exercises import FAIL, NOT_ATTEMPTED, PASS, evaluate


def _stub(*args):
    raise NotImplementedError


def _logsumexp(a, axis):
    m = np.max(a, axis=axis, keepdims=True)
    return np.squeeze(m, axis) + np.log(np.sum(np.exp(a - m), axis=axis))


# --- forward in log space ----------------------------------------------------------------

def forward_log(pi, A, B, x):
    a = np.log(pi) + np.log(B[:, x[0]])
    for t in range(1, len(x)):
        a = _logsumexp(a[:, None] + np.log(A), axis=0) + np.log(B[:, x[t]])
    return _logsumexp(a, axis=0)


def forward_prob(pi, A, B, x):                      # underflows, and is not a log
    a = pi * B[:, x[0]]
    for t in range(1, len(x)):
        a = (a @ A) * B[:, x[t]]
    return a.sum()


def forward_naive_log(pi, A, B, x):                 # log of the unscaled product: -inf
    with np.errstate(divide="ignore"):
        return np.log(forward_prob(pi, A, B, x))


def forward_transposed(pi, A, B, x):
    a = np.log(pi) + np.log(B[:, x[0]])
    for t in range(1, len(x)):
        a = _logsumexp(a[None, :] + np.log(A), axis=1) + np.log(B[:, x[t]])
    return _logsumexp(a, axis=0)


def forward_no_first_emission(pi, A, B, x):
    a = np.log(pi)
    for t in range(1, len(x)):
        a = _logsumexp(a[:, None] + np.log(A), axis=0) + np.log(B[:, x[t]])
    return _logsumexp(a, axis=0)


def forward_vector(pi, A, B, x):                    # forgot to sum at the end
    a = np.log(pi) + np.log(B[:, x[0]])
    for t in range(1, len(x)):
        a = _logsumexp(a[:, None] + np.log(A), axis=0) + np.log(B[:, x[t]])
    return a


# --- posteriors ----------------------------------------------------------------------------

def _scaled(pi, A, B, x):
    alpha = np.empty((len(x), len(pi)))
    a = pi * B[:, x[0]]
    for t in range(len(x)):
        if t:
            a = (alpha[t - 1] @ A) * B[:, x[t]]
        alpha[t] = a / a.sum()
    beta = np.ones_like(alpha)
    for t in range(len(x) - 2, -1, -1):
        b = A @ (B[:, x[t + 1]] * beta[t + 1])
        beta[t] = b / b.sum()
    return alpha, beta


def posteriors(pi, A, B, x):
    alpha, beta = _scaled(pi, A, B, x)
    g = alpha * beta
    return g / g.sum(axis=1, keepdims=True)


def log_posteriors(pi, A, B, x):
    la = np.empty((len(x), len(pi)))
    lb = np.zeros((len(x), len(pi)))
    la[0] = np.log(pi) + np.log(B[:, x[0]])
    for t in range(1, len(x)):
        la[t] = _logsumexp(la[t - 1][:, None] + np.log(A), axis=0) + np.log(B[:, x[t]])
    for t in range(len(x) - 2, -1, -1):
        lb[t] = _logsumexp(np.log(A) + np.log(B[:, x[t + 1]]) + lb[t + 1], axis=1)
    return la + lb - _logsumexp(la[-1], axis=0)


def log_posteriors_unscaled(pi, A, B, x):          # exponentiates: NaN on long sequences
    T, N = len(x), len(pi)
    alpha, beta = np.zeros((T, N)), np.ones((T, N))
    alpha[0] = pi * B[:, x[0]]
    for t in range(1, T):
        alpha[t] = (alpha[t - 1] @ A) * B[:, x[t]]
    for t in range(T - 2, -1, -1):
        beta[t] = A @ (B[:, x[t + 1]] * beta[t + 1])
    with np.errstate(invalid="ignore", divide="ignore"):
        g = alpha * beta
        return np.log(g / g.sum(axis=1, keepdims=True))


def log_posteriors_not_normalised(pi, A, B, x):
    return log_posteriors(pi, A, B, x) + 0.7


def log_filtering_only(pi, A, B, x):
    return np.log(_scaled(pi, A, B, x)[0])


# --- counting ------------------------------------------------------------------------------

def count_hmm(tags, words, n_tags, n_words, smoothing=1.0, *, across=False, axis=1,
              smooth=True, renormalise=True, fancy=False, smooth_pi=True,
              fancy_a=False, fancy_b=False):
    if across:
        tags, words = [np.concatenate(tags)], [np.concatenate(words)]
    s = smoothing if smooth else 0.0
    pi, A, B = np.full(n_tags, s), np.full((n_tags, n_tags), s), np.full((n_tags, n_words), s)
    if not smooth_pi:
        pi[:] = 0.0
    for t, w in zip(tags, words):
        pi[t[0]] += 1
        if fancy:                                    # the buffered-indexing mistake
            A[t[:-1], t[1:]] += 1
            B[t, w] += 1
            continue
        if fancy_a:                                  # the mistake in A only
            A[t[:-1], t[1:]] += 1
        else:
            for a, b in zip(t[:-1], t[1:]):
                A[a, b] += 1
        if fancy_b:                                  # the mistake in B only
            B[t, w] += 1
        else:
            for k, v in zip(t, w):
                B[k, v] += 1
    if not renormalise:                              # smoothing added after normalising
        out = []
        for m in (pi, A, B):
            raw = m - s
            out.append(raw / raw.sum(axis=-1, keepdims=True) + s)
        return tuple(out)
    if axis == 0:
        return pi / pi.sum(), A / A.sum(axis=0), B / B.sum(axis=0)
    return tuple(m / m.sum(axis=-1, keepdims=True) for m in (pi, A, B))


# --- stationary ----------------------------------------------------------------------------

def stationary(A):
    w, v = np.linalg.eig(A.T)
    p = np.real(v[:, np.argmin(np.abs(w - 1))])
    return p / p.sum()


def stationary_right(A):
    w, v = np.linalg.eig(A)
    p = np.real(v[:, np.argmin(np.abs(w - 1))])
    return p / p.sum()


def stationary_unnormalised(A):
    w, v = np.linalg.eig(A.T)
    p = np.real(v[:, np.argmin(np.abs(w - 1))])
    return p / np.linalg.norm(p) * np.sign(p.sum())


def stationary_first(A):                             # first eigenvector, eigenvalue ignored
    w, v = np.linalg.eig(A.T)
    p = np.real(v[:, 0])
    return p / p.sum()


def stationary_complex(A):
    w, v = np.linalg.eig(A.T)
    p = v[:, np.argmin(np.abs(w - 1))]
    return p / p.sum()


CASES = [
    ("ch02.forward_log", forward_log, PASS, "matches brute force"),
    ("ch02.forward_log", forward_prob, FAIL, "returned P(x) itself"),
    ("ch02.forward_log", forward_naive_log, FAIL, "underflowed"),
    ("ch02.forward_log", forward_transposed, FAIL, "used transposed"),
    ("ch02.forward_log", forward_no_first_emission, FAIL, "misses its emission"),
    ("ch02.forward_log", forward_vector, FAIL, "single number"),
    ("ch02.forward_log", lambda pi, A, B, x: forward_log(pi, A, B, x) + 0.1, FAIL,
     "3^6 state paths"),
    ("ch02.log_posteriors", log_posteriors, PASS, "stable over 2000 steps"),
    ("ch02.log_posteriors", log_filtering_only, FAIL, "filtering probabilities"),
    ("ch02.log_posteriors", log_posteriors_not_normalised, FAIL, "subtract log P(x)"),
    ("ch02.log_posteriors", log_posteriors_unscaled, FAIL, "NaN or -inf"),
    ("ch02.log_posteriors", posteriors, FAIL, "return their logarithms"),
    ("ch02.log_posteriors", lambda pi, A, B, x: log_posteriors(pi, A, B, x).T, FAIL,
     "shape (T, N)"),
    ("ch02.count_hmm", count_hmm, PASS, "transitions inside sentences only"),
    ("ch02.count_hmm", lambda *a: count_hmm(*a, across=True), FAIL, "next; count transitions"),
    ("ch02.count_hmm", lambda *a: count_hmm(*a, axis=0), FAIL, "normalised over columns"),
    ("ch02.count_hmm", lambda *a: count_hmm(*a, smooth=False), FAIL, "no smoothing"),
    ("ch02.count_hmm", lambda *a: count_hmm(*a, renormalise=False), FAIL, "divide each row"),
    ("ch02.count_hmm", lambda *a: count_hmm(*a)[:2], FAIL, "tuple (pi, A, B)"),
    ("ch02.count_hmm", lambda *a: count_hmm(*a, fancy=True), FAIL, "np.add.at"),
    ("ch02.count_hmm", lambda *a: count_hmm(*a, fancy_a=True), FAIL, "in A, a pair that occurs"),
    ("ch02.count_hmm", lambda *a: count_hmm(*a, fancy_b=True), FAIL, "in B, a pair that occurs"),
    ("ch02.count_hmm", lambda *a: count_hmm(*a, smooth_pi=False), FAIL, "pi is not smoothed"),
    ("ch02.count_hmm", lambda t, w, K, V, s: (np.full(K, 1 / K), np.full((K, K), 1 / K),
                                              np.full((K, V), 1 / V)), FAIL, "nothing was counted"),
    ("ch02.count_hmm", lambda t, w, K, V, s: (np.zeros(K), np.zeros((K, K)), np.zeros((K, V))),
     FAIL, "nothing was counted"),
    ("ch02.count_hmm", lambda t, w, K, V, s: tuple(np.full_like(m, np.nan) for m in
                                                   count_hmm(t, w, K, V, s)), FAIL, "NaN"),
    ("ch02.count_hmm", lambda *a: (count_hmm(*a)[0], count_hmm(*a)[1], count_hmm(*a)[2].T), FAIL,
     "B[k, w] = P(word w | tag k)"),
    ("ch02.stationary", stationary, PASS, "leaves it unchanged"),
    ("ch02.stationary", stationary_right, FAIL, "left eigenvector"),
    ("ch02.stationary", stationary_unnormalised, FAIL, "sums to 1"),
    ("ch02.stationary", stationary_complex, FAIL, "real part"),
    ("ch02.stationary", stationary_first, FAIL, "not the first one"),
    ("ch02.stationary", lambda A: np.array([0.5, 0.3, 0.2]), FAIL, "not stationary"),
    ("ch02.stationary", lambda A: np.full(len(A), 1 / len(A)), FAIL, "is not stationary"),
    ("ch02.stationary", lambda A: np.zeros(len(A)), FAIL, "all zeros"),
    ("ch02.stationary", lambda A: np.full(len(A), np.nan), FAIL, "NaN"),
    ("ch02.stationary", lambda A: stationary(A)[:2], FAIL, "shape"),
    ("ch02.forward_log", lambda pi, A, B, x: 0.0, FAIL, "3^6 state paths"),
    ("ch02.forward_log", lambda pi, A, B, x: np.nan, FAIL, "NaN"),
    ("ch02.log_posteriors", lambda pi, A, B, x: np.zeros((len(x), len(pi))), FAIL, "sum to 1"),
    ("ch02.log_posteriors", lambda pi, A, B, x: np.full((len(x), len(pi)), -np.log(len(pi))),
     FAIL, "differs from the reference"),
    ("ch02.log_posteriors", lambda pi, A, B, x: np.full((len(x), len(pi)), np.nan), FAIL, "NaN"),
]


def _no_return(*args):
    np.zeros(3)                                      # computes something, forgets `return`


@pytest.mark.parametrize("exercise_id", ["ch02.forward_log", "ch02.log_posteriors",
                                         "ch02.count_hmm", "ch02.stationary"])
def test_a_function_without_return_is_told_so(exercise_id):
    result = evaluate(exercise_id, _no_return)
    assert result.status == FAIL and "return" in result.message, result


def test_the_uniform_guess_is_not_praised():
    message = evaluate("ch02.stationary", lambda A: np.full(len(A), 1 / len(A))).message
    assert "right eigenvector" not in message.split("(")[0]      # not "you found the right ..."
    assert "found" not in message


def test_the_test_data_expose_each_counting_mistake():
    from course_utils.exercises import ch02

    args = (ch02._TAGS, ch02._WORDS, 3, 5, 0.5)
    right = count_hmm(*args)
    for wrong in (count_hmm(*args, fancy=True), count_hmm(*args, smooth_pi=False),
                  count_hmm(*args, across=True)):
        assert not all(np.allclose(a, b) for a, b in zip(right, wrong))


@pytest.mark.parametrize("exercise_id", ["ch02.forward_log", "ch02.log_posteriors",
                                         "ch02.count_hmm", "ch02.stationary",
                                         "ch02.viterbi_by_hand"])
def test_every_exercise_has_a_hint(exercise_id, capsys):
    from course_utils.exercises import get_exercise, hint

    assert len(get_exercise(exercise_id).hint) > 40
    hint(exercise_id)
    assert get_exercise(exercise_id).hint in capsys.readouterr().out


@pytest.mark.parametrize("exercise_id, candidate, status, phrase", CASES)
def test_feedback(exercise_id, candidate, status, phrase):
    result = evaluate(exercise_id, candidate)
    assert result.status == status, result
    assert phrase in result.message, result.message


@pytest.mark.parametrize("exercise_id", ["ch02.forward_log", "ch02.log_posteriors",
                                         "ch02.count_hmm",
                                         "ch02.stationary"])
def test_stubs_are_not_attempted(exercise_id):
    assert evaluate(exercise_id, _stub).status == NOT_ATTEMPTED


def test_viterbi_by_hand():
    from course_utils.exercises.ch02 import TINY

    assert evaluate("ch02.viterbi_by_hand", [None] * 4).status == NOT_ATTEMPTED
    right = evaluate("ch02.viterbi_by_hand", [0, 1, 1, 1])
    assert right.status == PASS, right
    # the alternatives a reader is likely to give
    posterior = evaluate("ch02.viterbi_by_hand", [0, 0, 1, 1])
    assert posterior.status == FAIL and "posterior decoding" in posterior.message
    greedy = evaluate("ch02.viterbi_by_hand", [0, 0, 0, 1])
    assert greedy.status == FAIL and "each symbol on its own" in greedy.message
    other = evaluate("ch02.viterbi_by_hand", [1, 1, 1, 1])
    assert other.status == FAIL and "another path is more probable" in other.message
    assert "4 states" in evaluate("ch02.viterbi_by_hand", [0, 1, 2]).message
    assert "4 states" in evaluate("ch02.viterbi_by_hand", "0111x").message
    # the answer really is the arg-max over all 16 paths, and differs from the other decoders
    from course_utils.models.hmm import CategoricalHMM
    model = CategoricalHMM(TINY["pi"], TINY["A"], TINY["B"])
    np.testing.assert_array_equal(model.predict(TINY["x"]), [0, 1, 1, 1])
    np.testing.assert_array_equal(model.decode(TINY["x"], algorithm="map")[1], [0, 0, 1, 1])
