"""course_utils.models.hmm: checked against hmmlearn, brute force and its own sequential recursions."""

import itertools
import warnings

import numpy as np
import pytest

from course_utils.models.hmm import CategoricalHMM

hl = pytest.importorskip("hmmlearn.hmm")

CASINO = CategoricalHMM([0.5, 0.5], [[0.95, 0.05], [0.10, 0.90]],
                        [[1 / 6] * 6, [0.1] * 5 + [0.5]])


def reference(model, **kwargs):
    kwargs.setdefault("params", "")
    ref = hl.CategoricalHMM(n_components=model.n_states, n_features=model.n_symbols,
                            init_params="", **kwargs)
    ref.startprob_ = model.startprob.copy()
    ref.transmat_ = model.transmat.copy()
    ref.emissionprob_ = model.emissionprob.copy()
    return ref


def path_log_prob(model, path, x):
    with np.errstate(divide="ignore"):
        return (np.log(model.startprob[path[0]]) + np.log(model.transmat[path[:-1], path[1:]]).sum()
                + np.log(model.emissionprob[path, x]).sum())


def brute_force(model, x):
    """Joint probabilities of all N^T state paths: likelihood, posteriors, best path."""
    T, N = len(x), model.n_states
    paths = np.array(list(itertools.product(range(N), repeat=T)))
    p = model.startprob[paths[:, 0]] * model.emissionprob[paths[:, 0], x[0]]
    for t in range(1, T):
        p = p * model.transmat[paths[:, t - 1], paths[:, t]] * model.emissionprob[paths[:, t], x[t]]
    gamma = np.stack([np.bincount(paths[:, t], weights=p, minlength=N) for t in range(T)]) / p.sum()
    return p.sum(), gamma, paths[np.argmax(p)], p.max()


# --- agreement with hmmlearn on random models -------------------------------------------

RANDOM_CASES = [(seed, N, M, T) for seed, (N, M, T) in enumerate(
    [(2, 3, 1), (2, 6, 2), (3, 4, 50), (3, 5, 300), (4, 4, 500), (5, 7, 400), (6, 3, 250),
     (8, 10, 500), (12, 6, 300), (16, 16, 500), (32, 8, 300), (2, 2, 3000), (4, 6, 2500)])]


@pytest.mark.parametrize("seed, N, M, T", RANDOM_CASES)
def test_agrees_with_hmmlearn_on_random_models(seed, N, M, T):
    model = CategoricalHMM.random(N, M, seed=seed)
    _, x = model.sample(T, seed=seed + 100)
    ref = reference(model)
    X = x[:, None]
    ll_ref = ref.score(X)
    lp_ref, path_ref = ref.decode(X)
    gamma_ref = ref.predict_proba(X)
    for method in ("parallel", "sequential"):
        assert model.log_likelihood(x, method=method) == pytest.approx(ll_ref, rel=1e-9)
        alpha, log_c = model.forward(x, method=method)
        assert log_c.sum() == pytest.approx(ll_ref, rel=1e-9)
        np.testing.assert_allclose(alpha.sum(axis=1), 1.0, atol=1e-12)
        path, log_prob = model.viterbi(x, method=method)
        assert log_prob == pytest.approx(lp_ref, rel=1e-9)
        if method == "sequential":                      # the same arithmetic as hmmlearn
            np.testing.assert_array_equal(path, path_ref)
        else:
            assert_same_path_or_exact_tie(model, x, path, path_ref)
        np.testing.assert_allclose(model.posteriors(x, method=method), gamma_ref, atol=1e-9)


def assert_same_path_or_exact_tie(model, x, path, path_ref):
    """Identical paths, or paths that differ only where two paths are equally probable.

    Exact ties are common: a -> b -> a -> a and a -> a -> b -> a over two equal
    symbols multiply the same factors. Which one a program returns then depends on
    its rounding; the parallel passes round differently from hmmlearn's loop.
    """
    if np.array_equal(path, path_ref):
        return
    assert path_log_prob(model, path, x) == pytest.approx(path_log_prob(model, path_ref, x),
                                                         rel=1e-13, abs=1e-12)


def test_viterbi_differs_from_hmmlearn_only_at_exact_ties_on_long_sequences():
    model = CategoricalHMM.random(4, 6, seed=0)
    _, x = model.sample(100_000, seed=1)
    lp_ref, path_ref = reference(model).decode(x[:, None])
    path, log_prob = model.viterbi(x)
    assert log_prob == pytest.approx(lp_ref, rel=1e-12)
    # where the paths differ, both have exactly the same probability
    assert_same_path_or_exact_tie(model, x, path, path_ref)
    path_seq, _ = model.viterbi(x, method="sequential")
    np.testing.assert_array_equal(path_seq, path_ref)   # same arithmetic as hmmlearn


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_brute_force_on_a_tiny_model(seed):
    model = CategoricalHMM.random(3, 4, seed=seed)
    _, x = model.sample(6, seed=seed)
    likelihood, gamma, best_path, best_p = brute_force(model, x)
    for method in ("parallel", "sequential"):
        assert model.log_likelihood(x, method=method) == pytest.approx(np.log(likelihood),
                                                                       rel=1e-12)
        np.testing.assert_allclose(model.posteriors(x, method=method), gamma, atol=1e-12)
        path, log_prob = model.viterbi(x, method=method)
        np.testing.assert_array_equal(path, best_path)
        assert log_prob == pytest.approx(np.log(best_p), rel=1e-12)
    # the backward rows are proportional to P(x_{t+1:T} | h_t = i)
    beta = model.backward(x)
    alpha, _ = model.forward(x)
    post = alpha * beta
    np.testing.assert_allclose(post / post.sum(1, keepdims=True), gamma, atol=1e-12)


# --- long sequences: no underflow ---------------------------------------------------------

def test_100000_steps_do_not_underflow():
    model = CASINO
    _, x = model.sample(100_000, seed=3)
    ll = model.log_likelihood(x)
    assert np.isfinite(ll) and ll < -100_000            # P(x) itself is far below 1e-300
    assert np.exp(ll) == 0.0
    ref = reference(model)
    assert ll == pytest.approx(ref.score(x[:, None]), rel=1e-9)
    assert model.log_likelihood(x, method="sequential") == pytest.approx(ll, rel=1e-12)
    alpha, log_c = model.forward(x)
    assert np.all(np.isfinite(alpha)) and np.all(np.isfinite(log_c))
    gamma = model.posteriors(x)
    assert np.all(np.isfinite(gamma))
    np.testing.assert_allclose(gamma.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(gamma, ref.predict_proba(x[:, None]), atol=1e-8)
    path, log_prob = model.viterbi(x)
    assert np.isfinite(log_prob)
    assert path_log_prob(model, path, x) == pytest.approx(ref.decode(x[:, None])[0], rel=1e-10)


# --- the parallel passes against the sequential recursions on awkward models ---------------

AWKWARD = {
    # two blocks that never mix: the filter never forgets which block it is in
    "reducible": CategoricalHMM([0.25] * 4, [[0.9, 0.1, 0, 0], [0.2, 0.8, 0, 0],
                                             [0, 0, 0.5, 0.5], [0, 0, 0.3, 0.7]],
                                [[0.5, 0.5, 0], [0.1, 0.9, 0], [0.4, 0, 0.6], [0.3, 0.3, 0.4]]),
    # very sticky states with weak evidence: forgetting takes hundreds of steps
    "sticky": CategoricalHMM([0.5, 0.5, 0.0], [[0.998, 0.001, 0.001], [0.001, 0.998, 0.001],
                                               [0.01, 0.01, 0.98]],
                             [[0.35, 0.33, 0.32], [0.32, 0.33, 0.35], [0.3, 0.4, 0.3]]),
    # a deterministic cycle: period 3, zero transitions everywhere else
    "cycle": CategoricalHMM([1, 0, 0], [[0, 1, 0], [0, 0, 1], [1, 0, 0]],
                            [[0.6, 0.4], [0.5, 0.5], [0.2, 0.8]]),
    "casino": CASINO,
    "many states": CategoricalHMM.random(20, 5, seed=9, concentration=0.3),
}


@pytest.mark.parametrize("name", sorted(AWKWARD))
@pytest.mark.parametrize("T", [1, 7, 200, 20_000])
def test_parallel_equals_sequential(name, T):
    model = AWKWARD[name]
    _, x = model.sample(T, seed=T)
    ll_seq = model.log_likelihood(x, method="sequential")
    assert model.log_likelihood(x) == pytest.approx(ll_seq, rel=1e-10)
    alpha, log_c = model.forward(x)
    alpha_seq, log_c_seq = model.forward(x, method="sequential")
    np.testing.assert_allclose(alpha, alpha_seq, atol=1e-9)
    np.testing.assert_allclose(log_c, log_c_seq, atol=1e-9)
    np.testing.assert_allclose(model.backward(x), model.backward(x, method="sequential"),
                               atol=1e-9)
    np.testing.assert_allclose(model.posteriors(x), model.posteriors(x, method="sequential"),
                               atol=1e-9)
    path, lp = model.viterbi(x)
    path_seq, lp_seq = model.viterbi(x, method="sequential")
    assert lp == pytest.approx(lp_seq, rel=1e-10)
    assert np.isfinite(lp)
    # equal paths, or different paths of exactly the same probability (ties)
    assert np.array_equal(path, path_seq) or lp == lp_seq


def test_impossible_sequence():
    model = AWKWARD["reducible"]
    # symbol 2 can only come from states 2 and 3, which states 0 and 1 never reach
    impossible = CategoricalHMM([0.5, 0.5, 0, 0], model.transmat, model.emissionprob)
    x = np.array([0, 1] * 300 + [2] + [0] * 40)
    for method in ("parallel", "sequential"):
        assert impossible.log_likelihood(x, method=method) == -np.inf
        assert impossible.viterbi(x, method=method)[1] == -np.inf
        _, log_c = impossible.forward(x, method=method)
        assert log_c[600] == -np.inf and np.all(np.isfinite(log_c[:600]))
        with pytest.raises(ValueError, match="probability zero"):
            impossible.posteriors(x, method=method)
    with pytest.raises(ValueError, match="probability zero"):
        impossible.fit([x[:10], x], n_iter=2)


# --- Baum-Welch ------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_baum_welch_matches_hmmlearn_from_the_same_start(seed):
    true = CategoricalHMM.random(3, 5, seed=seed)
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 400, size=15)                 # includes very short sequences
    seqs = [true.sample(int(n), seed=100 * seed + i)[1] for i, n in enumerate(lengths)]
    start = CategoricalHMM.random(3, 5, seed=seed + 50)
    ref = reference(start, params="ste", n_iter=25, tol=-np.inf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.fit(np.concatenate(seqs)[:, None], lengths)
    fitted = start.copy().fit(seqs, n_iter=25, tol=-np.inf)
    X = np.concatenate(seqs)[:, None]
    assert fitted.total_log_likelihood(seqs) == pytest.approx(ref.score(X, lengths), rel=1e-9)
    np.testing.assert_allclose(fitted.history_, ref.monitor_.history, rtol=1e-10)
    np.testing.assert_allclose(fitted.transmat, ref.transmat_, atol=1e-8)
    np.testing.assert_allclose(fitted.emissionprob, ref.emissionprob_, atol=1e-8)
    np.testing.assert_allclose(fitted.startprob, ref.startprob_, atol=1e-8)


def test_baum_welch_never_decreases_the_likelihood_and_stops_at_tol():
    _, x = CASINO.sample(300, n_sequences=8, seed=0)
    model = CategoricalHMM.random(2, 6, seed=1).fit(list(x), n_iter=300, tol=1e-2)
    h = np.array(model.history_)
    assert np.all(np.diff(h) >= -1e-8)
    assert len(h) < 300 and 0 <= h[-1] - h[-2] < 1e-2 and np.all(np.diff(h)[:-1] >= 1e-2)


def test_baum_welch_params_selects_what_is_updated():
    _, x = CASINO.sample(200, n_sequences=4, seed=1)
    start = CategoricalHMM.random(2, 6, seed=2)
    fitted = start.copy().fit(list(x), n_iter=5, params="t")
    np.testing.assert_array_equal(fitted.emissionprob, start.emissionprob)
    np.testing.assert_array_equal(fitted.startprob, start.startprob)
    assert not np.allclose(fitted.transmat, start.transmat)


def test_baum_welch_recovers_the_casino():
    _, x = CASINO.sample(400, n_sequences=40, seed=4)
    start = CategoricalHMM([0.5, 0.5], [[0.8, 0.2], [0.2, 0.8]],
                           [[0.2, 0.2, 0.15, 0.15, 0.15, 0.15], [0.15, 0.15, 0.1, 0.1, 0.2, 0.3]])
    fitted = start.fit(list(x), n_iter=500, tol=1e-6)
    np.testing.assert_allclose(fitted.emissionprob, CASINO.emissionprob, atol=0.05)
    np.testing.assert_allclose(fitted.transmat, CASINO.transmat, atol=0.05)
    # maximum likelihood: the fitted model explains the data at least as well as the truth
    assert fitted.total_log_likelihood(list(x)) >= CASINO.total_log_likelihood(list(x))


# --- supervised estimation, sampling, helpers -----------------------------------------------

def test_from_labelled_counts_with_and_without_smoothing():
    states = [np.array([0, 0, 1]), np.array([1, 1])]
    symbols = [np.array([2, 0, 1]), np.array([1, 1])]
    ml = CategoricalHMM.from_labelled(states, symbols, 2, 3, smoothing=0)
    np.testing.assert_allclose(ml.startprob, [0.5, 0.5])
    # transitions 0->0, 0->1 in the first sequence, 1->1 in the second; none across them
    np.testing.assert_allclose(ml.transmat, [[0.5, 0.5], [0.0, 1.0]])
    np.testing.assert_allclose(ml.emissionprob, [[0.5, 0, 0.5], [0, 1, 0]])
    add1 = CategoricalHMM.from_labelled(states, symbols, 2, 3, smoothing=1)
    np.testing.assert_allclose(add1.transmat, [[2 / 4, 2 / 4], [1 / 3, 2 / 3]])
    np.testing.assert_allclose(add1.emissionprob, [[2 / 5, 1 / 5, 2 / 5], [1 / 6, 4 / 6, 1 / 6]])
    np.testing.assert_allclose(add1.startprob, [0.5, 0.5])


def test_from_labelled_recovers_a_model_from_its_samples():
    states, symbols = CASINO.sample(400, n_sequences=100, seed=5)
    est = CategoricalHMM.from_labelled(list(states), list(symbols), 2, 6, smoothing=1)
    np.testing.assert_allclose(est.transmat, CASINO.transmat, atol=0.02)
    np.testing.assert_allclose(est.emissionprob, CASINO.emissionprob, atol=0.02)


def test_sample_shapes_determinism_and_frequencies():
    h, x = CASINO.sample(50, seed=0)
    assert h.shape == x.shape == (50,) and h.dtype.kind == x.dtype.kind == "i"
    h2, x2 = CASINO.sample(50, n_sequences=3, seed=0)
    assert h2.shape == x2.shape == (3, 50)
    np.testing.assert_array_equal(CASINO.sample(50, seed=7)[1], CASINO.sample(50, seed=7)[1])
    assert not np.array_equal(CASINO.sample(50, seed=7)[1], CASINO.sample(50, seed=8)[1])
    h, x = CASINO.sample(200_000, seed=1)
    p = CASINO.stationary_distribution()
    np.testing.assert_allclose(p, [2 / 3, 1 / 3], atol=1e-12)
    np.testing.assert_allclose(np.bincount(h, minlength=2) / len(h), p, atol=0.02)
    np.testing.assert_allclose(np.bincount(x[h == 1], minlength=6) / np.sum(h == 1),
                               CASINO.emissionprob[1], atol=0.01)
    pairs = np.bincount(h[:-1] * 2 + h[1:], minlength=4).reshape(2, 2)
    np.testing.assert_allclose(pairs / pairs.sum(1, keepdims=True), CASINO.transmat, atol=0.01)
    # zero-probability entries are never sampled
    h, _ = AWKWARD["cycle"].sample(30, seed=0)
    np.testing.assert_array_equal(h, np.arange(30) % 3)


def test_decode_posterior_and_accepted_inputs():
    _, x = CASINO.sample(100, seed=2)
    np.testing.assert_array_equal(CASINO.decode_posterior(x), CASINO.posteriors(x).argmax(1))
    ll = CASINO.log_likelihood(x)
    assert CASINO.log_likelihood(list(x)) == ll                      # a list
    assert CASINO.log_likelihood(x.astype(float)) == ll              # integral floats
    assert CASINO.score(x) == ll
    assert CASINO.total_log_likelihood([x, x[:10]]) == pytest.approx(
        ll + CASINO.log_likelihood(x[:10]), rel=1e-12)
    assert repr(CASINO) == "CategoricalHMM(n_states=2, n_symbols=6)"


# --- documented errors ------------------------------------------------------------------------

GOOD = dict(startprob=[0.5, 0.5], transmat=[[0.9, 0.1], [0.2, 0.8]],
            emissionprob=[[0.5, 0.5, 0.0], [0.1, 0.2, 0.7]])


@pytest.mark.parametrize("change, message", [
    (dict(startprob=[0.6, 0.6]), "startprob must sum to 1"),
    (dict(startprob=[1.2, -0.2]), "startprob must be non-negative"),
    (dict(transmat=[[0.9, 0.2], [0.2, 0.8]]), "transmat must sum to 1 along axis 1"),
    (dict(transmat=[[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]), r"transmat must have shape \(n_states"),
    (dict(transmat=[0.5, 0.5]), "transmat must have 2 dimensions"),
    (dict(emissionprob=[[0.5, 0.5, 0.0]]), r"emissionprob must have shape \(n_states"),
    (dict(emissionprob=[[0.5, 0.6, 0.0], [0.1, 0.2, 0.7]]), "emissionprob must sum to 1"),
    (dict(emissionprob=[[1.5, -0.5, 0.0], [0.1, 0.2, 0.7]]), "emissionprob must be non-negative"),
    (dict(startprob=[[0.5, 0.5]]), "startprob must have 1 dimensions"),
    (dict(startprob=[0.5, np.nan]), "startprob contains NaN"),
])
def test_invalid_parameters(change, message):
    with pytest.raises(ValueError, match=message):
        CategoricalHMM(**{**GOOD, **change})


@pytest.mark.parametrize("obs, message", [
    ([0, 1, 3], "symbol 3 at position 2.*n_symbols=3, so symbols must be in 0..2"),
    ([0, -1], "symbol -1 at position 1"),
    ([], "at least one symbol"),
    ([[0, 1], [1, 0]], "must have 1 dimensions"),
    ([0.0, 1.5], "integer symbols, got 1.5 at position 1"),
    ([0, np.nan], "contains NaN"),
    ("abc", "got a string"),
    ([True, False], "integer symbols, got dtype bool"),
])
def test_invalid_observations(obs, message):
    model = CategoricalHMM(**GOOD)
    for call in (model.log_likelihood, model.viterbi, model.posteriors, model.forward,
                 model.backward):
        with pytest.raises(ValueError, match=message):
            call(obs)


def test_other_documented_errors():
    model = CategoricalHMM(**GOOD)
    with pytest.raises(ValueError, match="method must be one of"):
        model.log_likelihood([0, 1], method="fast")
    with pytest.raises(ValueError, match="params must be a string"):
        model.fit([[0, 1, 2]], params="stx")
    with pytest.raises(ValueError, match=r"sequences\[1\] holds symbol 5"):
        model.fit([[0, 1], [5]])
    with pytest.raises(ValueError, match="at least one sequence"):
        model.fit([])
    with pytest.raises(ValueError, match="n_iter must be >= 0"):
        model.fit([[0, 1]], n_iter=-1)
    with pytest.raises(ValueError, match="length must be >= 1"):
        model.sample(0)
    with pytest.raises(ValueError, match="n_states must be >= 1"):
        CategoricalHMM.random(0, 3)
    with pytest.raises(ValueError, match="concentration must be > 0"):
        CategoricalHMM.random(2, 3, concentration=0)
    with pytest.raises(ValueError, match=r"states\[0\] has length 2 but symbols\[0\] has 3"):
        CategoricalHMM.from_labelled([[0, 1]], [[0, 1, 2]], 2, 3)
    with pytest.raises(ValueError, match="states has 1 sequences but symbols has 2"):
        CategoricalHMM.from_labelled([[0, 1]], [[0, 1], [1]], 2, 3)
    with pytest.raises(ValueError, match=r"states\[0\] holds symbol 2"):
        CategoricalHMM.from_labelled([[0, 2]], [[0, 1]], 2, 3)
    with pytest.raises(ValueError, match="smoothing must be >= 0"):
        CategoricalHMM.from_labelled([[0, 1]], [[0, 1]], 2, 3, smoothing=-1)
