"""course_utils.models.hmm (textbook engine): checked against hmmlearn and brute force."""

import itertools
import warnings

import numpy as np
import pytest

from course_utils.models import hmm as hmm_module
from course_utils.models.hmm import CategoricalHMM

pytest.importorskip("hmmlearn.hmm")

CASINO = CategoricalHMM([0.5, 0.5], [[0.95, 0.05], [0.10, 0.90]],
                        [[1 / 6] * 6, [0.1] * 5 + [0.5]])


def path_log_prob(model, path, x):
    with np.errstate(divide="ignore"):
        return (np.log(model.startprob_[path[0]]) + np.log(model.transmat_[path[:-1], path[1:]]).sum()
                + np.log(model.emissionprob_[path, x]).sum())


def brute_force(model, x):
    """Joint probabilities of all N^T state paths: likelihood, posteriors, best path."""
    T, N = len(x), model.n_components
    paths = np.array(list(itertools.product(range(N), repeat=T)))
    p = model.startprob_[paths[:, 0]] * model.emissionprob_[paths[:, 0], x[0]]
    for t in range(1, T):
        p = p * model.transmat_[paths[:, t - 1], paths[:, t]] * model.emissionprob_[paths[:, t], x[t]]
    gamma = np.stack([np.bincount(paths[:, t], weights=p, minlength=N) for t in range(T)]) / p.sum()
    return p.sum(), gamma, paths[np.argmax(p)], p.max()


def assert_same_path_or_exact_tie(model, x, path, path_ref):
    """Identical paths, or paths that differ only where two paths are equally probable.

    Exact ties are common: a -> b -> a -> a and a -> a -> b -> a over two equal
    symbols multiply the same factors, and which one a program returns depends on
    its tie rule and its rounding.
    """
    if np.array_equal(path, path_ref):
        return
    assert path_log_prob(model, path, x) == pytest.approx(path_log_prob(model, path_ref, x),
                                                         rel=1e-12, abs=1e-12)


# --- agreement with hmmlearn on random models -------------------------------------------

RANDOM_CASES = [(seed, N, M, T) for seed, (N, M, T) in enumerate(
    [(2, 3, 1), (2, 6, 2), (3, 4, 50), (3, 5, 300), (4, 4, 500), (5, 7, 400), (6, 3, 250),
     (8, 10, 500), (12, 6, 300), (16, 16, 500), (32, 8, 300), (2, 2, 3000)])]


@pytest.mark.parametrize("seed, N, M, T", RANDOM_CASES)
def test_agrees_with_hmmlearn_on_random_models(seed, N, M, T):
    model = CategoricalHMM.random(N, M, random_state=seed)
    x, _ = model.sample(T, random_state=seed + 100)
    ref, X = model.to_hmmlearn(), x[:, None]
    assert model.score(x) == pytest.approx(ref.score(X), rel=1e-10)
    phi_hat, log_z = model.forward(x)
    assert log_z.sum() == pytest.approx(ref.score(X), rel=1e-10)
    np.testing.assert_allclose(phi_hat.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(model.predict_proba(x), ref.predict_proba(X), atol=1e-10)
    np.testing.assert_allclose(phi_hat * model.backward(x), ref.predict_proba(X), atol=1e-10)
    log_prob, path = model.decode(x)
    log_prob_ref, path_ref = ref.decode(X)
    assert log_prob == pytest.approx(log_prob_ref, rel=1e-10)
    assert_same_path_or_exact_tie(model, x, path, path_ref)
    np.testing.assert_array_equal(model.predict(x), path)
    _, map_ref = ref.decode(X, algorithm="map")
    np.testing.assert_array_equal(model.decode(x, algorithm="map")[1], map_ref)


def test_several_sequences_with_lengths_like_hmmlearn():
    model = CategoricalHMM.random(3, 5, random_state=4)
    lengths = [1, 40, 7, 200]
    x = np.concatenate([model.sample(n, random_state=i)[0] for i, n in enumerate(lengths)])
    ref, X = model.to_hmmlearn(), x[:, None]
    assert model.score(x, lengths) == pytest.approx(ref.score(X, lengths), rel=1e-12)
    assert model.score(x, lengths) == pytest.approx(
        sum(model.score(s) for s in np.split(x, np.cumsum(lengths)[:-1])), rel=1e-12)
    log_prob, gamma = model.score_samples(X, lengths)                # hmmlearn's column works too
    ref_log_prob, ref_gamma = ref.score_samples(X, lengths)
    assert log_prob == pytest.approx(ref_log_prob, rel=1e-12)
    np.testing.assert_allclose(gamma, ref_gamma, atol=1e-10)
    log_prob, path = model.decode(x, lengths)
    assert log_prob == pytest.approx(ref.decode(X, lengths)[0], rel=1e-10)
    assert_same_path_or_exact_tie(model, x, path, ref.decode(X, lengths)[1])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_brute_force_on_a_tiny_model(seed):
    model = CategoricalHMM.random(3, 4, random_state=seed)
    x, _ = model.sample(6, random_state=seed)
    likelihood, gamma, best_path, best_p = brute_force(model, x)
    assert model.score(x) == pytest.approx(np.log(likelihood), rel=1e-12)
    np.testing.assert_allclose(model.predict_proba(x), gamma, atol=1e-12)
    log_prob, path = model.decode(x)
    np.testing.assert_array_equal(path, best_path)
    assert log_prob == pytest.approx(np.log(best_p), rel=1e-12)
    # the scaled backward variables times the filters are the posteriors, rows summing to 1
    phi_hat, _ = model.forward(x)
    np.testing.assert_allclose(phi_hat * model.backward(x), gamma, atol=1e-12)


def test_map_decoding_can_return_an_impossible_path():
    # paths (0, 1), (0, 2), (1, 0), (2, 0) have probabilities 0.2, 0.2, 0.3, 0.3
    tricky = CategoricalHMM([0.4, 0.3, 0.3], [[0, 0.5, 0.5], [1, 0, 0], [1, 0, 0]], np.ones((3, 1)))
    log_prob, states = tricky.decode([0, 0], algorithm="map")
    np.testing.assert_array_equal(states, [0, 0])
    assert log_prob == -np.inf
    log_prob, states = tricky.decode([0, 0])
    assert np.isclose(np.exp(log_prob), 0.3) and states[1] == 0


# --- long sequences: no underflow ---------------------------------------------------------

def test_100000_steps_do_not_underflow():
    x, _ = CASINO.sample(100_000, random_state=3)
    ref, X = CASINO.to_hmmlearn(), x[:, None]
    ll = CASINO.score(x)
    assert np.isfinite(ll) and ll < -100_000            # P(x) itself is about 10^-75000
    assert ll == pytest.approx(ref.score(X), rel=1e-10)
    gamma = CASINO.predict_proba(x)
    np.testing.assert_allclose(gamma.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(gamma, ref.predict_proba(X), atol=1e-8)
    log_prob, path = CASINO.decode(x)
    assert log_prob == pytest.approx(ref.decode(X)[0], rel=1e-10)
    assert_same_path_or_exact_tie(CASINO, x, path, ref.decode(X)[1])


def test_impossible_sequence():
    # symbol 2 can only come from states 2 and 3, which states 0 and 1 never reach
    model = CategoricalHMM([0.5, 0.5, 0, 0], [[0.9, 0.1, 0, 0], [0.2, 0.8, 0, 0],
                                              [0, 0, 0.5, 0.5], [0, 0, 0.3, 0.7]],
                           [[0.5, 0.5, 0], [0.1, 0.9, 0], [0.4, 0, 0.6], [0.3, 0.3, 0.4]])
    x = np.array([0, 1] * 30 + [2] + [0] * 4)
    assert model.score(x) == -np.inf
    assert model.decode(x)[0] == -np.inf
    phi_hat, log_z = model.forward(x)
    assert log_z[60] == -np.inf and np.all(np.isfinite(log_z[:60]))
    assert np.all(np.isnan(phi_hat[60:])) and np.all(np.isfinite(phi_hat[:60]))
    for call in (model.predict_proba, model.backward, lambda x: model.decode(x, algorithm="map")):
        with pytest.raises(ValueError, match="probability zero"):
            call(x)
    with pytest.raises(ValueError, match="sequence 1 of X has probability zero"):
        model.fit(np.concatenate([x[:10], x]), [10, len(x)], n_iter=2)


# --- Baum-Welch ------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_baum_welch_matches_hmmlearn_from_the_same_start(seed):
    true = CategoricalHMM.random(3, 5, random_state=seed)
    lengths = np.random.default_rng(seed).integers(1, 300, size=12)     # very short ones too
    x = np.concatenate([true.sample(int(n), random_state=100 * seed + i)[0]
                        for i, n in enumerate(lengths)])
    start = CategoricalHMM.random(3, 5, random_state=seed + 50)
    ref = start.to_hmmlearn(params="ste", n_iter=20, tol=-np.inf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                 # hmmlearn warns about rounding-level drops
        ref.fit(x[:, None], lengths)
    fitted = start.copy().fit(x, lengths, n_iter=20, tol=None)
    np.testing.assert_allclose(fitted.monitor_.history, ref.monitor_.history, rtol=1e-10)
    assert fitted.monitor_.iter == 20 and not fitted.monitor_.converged
    np.testing.assert_allclose(fitted.transmat_, ref.transmat_, atol=1e-8)
    np.testing.assert_allclose(fitted.emissionprob_, ref.emissionprob_, atol=1e-8)
    np.testing.assert_allclose(fitted.startprob_, ref.startprob_, atol=1e-8)


def test_baum_welch_never_decreases_the_likelihood_and_stops_at_tol():
    X, _ = CASINO.sample(300, n_sequences=8, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # no warning: the likelihood never drops
        model = CategoricalHMM.random(2, 6, random_state=1).fit(X.ravel(), [300] * 8, n_iter=300,
                                                               tol=1e-2)
    h = np.array(model.monitor_.history)
    assert np.all(np.diff(h) >= -1e-8)
    assert model.monitor_.converged and model.monitor_.iter == len(h) < 300
    assert 0 <= h[-1] - h[-2] < 1e-2 and np.all(np.diff(h)[:-1] >= 1e-2)


def test_fit_warns_when_the_likelihood_goes_down():
    class Broken(CategoricalHMM):
        def _m_step(self, start, trans, emis, params):      # a wrong M-step: moves away
            super()._m_step(start, trans, emis, params)
            self.emissionprob_ = np.roll(self.emissionprob_, 1, axis=1)

    X, _ = CASINO.sample(500, random_state=2)
    broken = Broken(CASINO.startprob_, CASINO.transmat_, CASINO.emissionprob_)
    with pytest.warns(RuntimeWarning, match="lowered the log-likelihood"):
        broken.fit(X, n_iter=3, tol=None)


def test_fit_params_selects_what_is_updated():
    X, _ = CASINO.sample(200, n_sequences=4, random_state=1)
    start = CategoricalHMM.random(2, 6, random_state=2)
    fitted = start.copy().fit(X.ravel(), [200] * 4, n_iter=5, params="t")
    np.testing.assert_array_equal(fitted.emissionprob_, start.emissionprob_)
    np.testing.assert_array_equal(fitted.startprob_, start.startprob_)
    assert not np.allclose(fitted.transmat_, start.transmat_)


def test_baum_welch_recovers_the_casino():
    X, _ = CASINO.sample(400, n_sequences=20, random_state=4)
    x, lengths = X.ravel(), [400] * 20
    start = CategoricalHMM([0.5, 0.5], [[0.8, 0.2], [0.2, 0.8]],
                           [[0.2, 0.2, 0.15, 0.15, 0.15, 0.15], [0.15, 0.15, 0.1, 0.1, 0.2, 0.3]],
                           engine="parallel")
    fitted = start.fit(x, lengths, n_iter=500, tol=1e-6)
    np.testing.assert_allclose(fitted.emissionprob_, CASINO.emissionprob_, atol=0.06)
    np.testing.assert_allclose(fitted.transmat_, CASINO.transmat_, atol=0.06)
    # maximum likelihood: the fitted model explains the data at least as well as the truth
    assert fitted.score(x, lengths) >= CASINO.score(x, lengths)


# --- supervised estimation, sampling, helpers -----------------------------------------------

def test_from_labelled_counts_with_and_without_smoothing():
    Z = [0, 0, 1, 1, 1]
    X = [2, 0, 1, 1, 1]
    ml = CategoricalHMM.from_labelled(X, Z, [3, 2], n_components=2, n_features=3, smoothing=0)
    np.testing.assert_allclose(ml.startprob_, [0.5, 0.5])
    # transitions 0->0, 0->1 in the first sequence, 1->1 in the second; none across them
    np.testing.assert_allclose(ml.transmat_, [[0.5, 0.5], [0.0, 1.0]])
    np.testing.assert_allclose(ml.emissionprob_, [[0.5, 0, 0.5], [0, 1, 0]])
    add1 = CategoricalHMM.from_labelled(X, Z, [3, 2], n_components=2, n_features=3, smoothing=1)
    np.testing.assert_allclose(add1.transmat_, [[2 / 4, 2 / 4], [1 / 3, 2 / 3]])
    np.testing.assert_allclose(add1.emissionprob_, [[2 / 5, 1 / 5, 2 / 5], [1 / 6, 4 / 6, 1 / 6]])
    np.testing.assert_allclose(add1.startprob_, [0.5, 0.5])
    one = CategoricalHMM.from_labelled(X, Z, n_components=2, n_features=3, smoothing=0)
    np.testing.assert_allclose(one.transmat_, [[0.5, 0.5], [0.0, 1.0]])     # one sequence
    np.testing.assert_allclose(one.startprob_, [1.0, 0.0])


def test_from_labelled_recovers_a_model_from_its_samples():
    X, Z = CASINO.sample(400, n_sequences=100, random_state=5)
    est = CategoricalHMM.from_labelled(X.ravel(), Z.ravel(), [400] * 100, n_components=2,
                                       n_features=6, smoothing=1)
    np.testing.assert_allclose(est.transmat_, CASINO.transmat_, atol=0.02)
    np.testing.assert_allclose(est.emissionprob_, CASINO.emissionprob_, atol=0.02)


def test_sample_shapes_determinism_and_frequencies():
    X, Z = CASINO.sample(50, random_state=0)
    assert X.shape == Z.shape == (50,) and X.dtype.kind == Z.dtype.kind == "i"
    X2, Z2 = CASINO.sample(50, n_sequences=3, random_state=0)
    assert X2.shape == Z2.shape == (3, 50)
    np.testing.assert_array_equal(CASINO.sample(50, random_state=7)[0],
                                  CASINO.sample(50, random_state=7)[0])
    assert not np.array_equal(CASINO.sample(50, random_state=7)[0],
                              CASINO.sample(50, random_state=8)[0])
    X, Z = CASINO.sample(200_000, random_state=1)
    p = CASINO.get_stationary_distribution()
    np.testing.assert_allclose(p, [2 / 3, 1 / 3], atol=1e-12)
    np.testing.assert_allclose(p, CASINO.to_hmmlearn().get_stationary_distribution(), atol=1e-12)
    np.testing.assert_allclose(np.bincount(Z, minlength=2) / len(Z), p, atol=0.02)
    np.testing.assert_allclose(np.bincount(X[Z == 1], minlength=6) / np.sum(Z == 1),
                               CASINO.emissionprob_[1], atol=0.01)
    pairs = np.bincount(Z[:-1] * 2 + Z[1:], minlength=4).reshape(2, 2)
    np.testing.assert_allclose(pairs / pairs.sum(1, keepdims=True), CASINO.transmat_, atol=0.01)
    cycle = CategoricalHMM([1, 0, 0], [[0, 1, 0], [0, 0, 1], [1, 0, 0]], np.eye(3))
    np.testing.assert_array_equal(cycle.sample(30)[1], np.arange(30) % 3)    # never a zero entry


def test_to_hmmlearn_copies_the_parameters_and_passes_options():
    ref = CASINO.to_hmmlearn(params="st", n_iter=7, implementation="scaling")
    assert (ref.n_components, ref.n_features, ref.params, ref.n_iter, ref.init_params) == \
        (2, 6, "st", 7, "")
    np.testing.assert_array_equal(ref.emissionprob_, CASINO.emissionprob_)
    ref.transmat_[0, 0] = 0.5                            # a copy: the model is unchanged
    assert CASINO.transmat_[0, 0] == 0.95


def test_accepted_inputs_copy_and_repr():
    x, _ = CASINO.sample(100, random_state=2)
    ll = CASINO.score(x)
    assert CASINO.score(list(x)) == ll                               # a list
    assert CASINO.score(x.astype(float)) == ll                       # integral floats
    assert CASINO.score(x[:, None]) == ll                            # hmmlearn's column
    copy = CASINO.copy()
    copy.transmat_[0] = [0.5, 0.5]
    assert CASINO.transmat_[0, 0] == 0.95
    assert repr(CASINO) == "CategoricalHMM(n_components=2, n_features=6, engine='textbook')"


def test_module_functions_are_the_textbook_recursions():
    x, _ = CASINO.sample(30, random_state=9)
    phi_hat, log_z = hmm_module.forward(*CASINO._params(), x)
    beta_hat = hmm_module.backward(CASINO.transmat_, CASINO.emissionprob_, x, log_z)
    gamma, start, trans, emis, log_prob = hmm_module.expected_counts(*CASINO._params(), x)
    np.testing.assert_allclose(gamma, phi_hat * beta_hat)
    np.testing.assert_allclose(start, gamma[0])
    assert trans.sum() == pytest.approx(len(x) - 1) and emis.sum() == pytest.approx(len(x))
    np.testing.assert_allclose(emis.sum(axis=0), np.bincount(x, minlength=6))
    assert log_prob == pytest.approx(CASINO.score(x))


# --- documented errors ------------------------------------------------------------------------

GOOD = dict(startprob=[0.5, 0.5], transmat=[[0.9, 0.1], [0.2, 0.8]],
            emissionprob=[[0.5, 0.5, 0.0], [0.1, 0.2, 0.7]])


@pytest.mark.parametrize("change, message", [
    (dict(startprob=[0.6, 0.6]), "startprob must sum to 1"),
    (dict(startprob=[1.2, -0.2]), "startprob must be non-negative"),
    (dict(transmat=[[0.9, 0.2], [0.2, 0.8]]), "transmat must sum to 1 along axis 1"),
    (dict(transmat=[[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]), r"transmat must have shape \(n_components"),
    (dict(transmat=[0.5, 0.5]), "transmat must have 2 dimensions"),
    (dict(emissionprob=[[0.5, 0.5, 0.0]]), r"emissionprob must have shape \(n_components"),
    (dict(emissionprob=[[0.5, 0.6, 0.0], [0.1, 0.2, 0.7]]), "emissionprob must sum to 1"),
    (dict(emissionprob=[[1.5, -0.5, 0.0], [0.1, 0.2, 0.7]]), "emissionprob must be non-negative"),
    (dict(startprob=[[0.5, 0.5]]), "startprob must have 1 dimensions"),
    (dict(startprob=[0.5, np.nan]), "startprob contains NaN"),
    (dict(engine="fast"), "engine must be one of"),
])
def test_invalid_parameters(change, message):
    with pytest.raises(ValueError, match=message):
        CategoricalHMM(**{**GOOD, **change})


@pytest.mark.parametrize("obs, message", [
    ([0, 1, 3], "symbol 3 at position 2.*n_features=3, so symbols must be in 0..2"),
    ([0, -1], "symbol -1 at position 1"),
    ([], "at least one symbol"),
    ([[0, 1], [1, 0]], r"column of shape \(n_samples, 1\), got shape \(2, 2\)"),
    ([0.0, 1.5], "integer symbols, got 1.5 at position 1"),
    ([0, np.nan], "contains NaN"),
    ("abc", "got a string"),
    ([True, False], "integer symbols, got dtype bool"),
])
def test_invalid_observations(obs, message):
    model = CategoricalHMM(**GOOD)
    for call in (model.score, model.decode, model.predict, model.predict_proba, model.forward,
                 model.backward, model.fit, model.score_samples):
        with pytest.raises(ValueError, match=message):
            call(obs)


@pytest.mark.parametrize("kwargs, message", [
    (dict(lengths=[2, 2]), r"lengths must sum to the number of symbols in X \(3\), got \[2, 2\]"),
    (dict(lengths=[3, 0]), "lengths must be a non-empty list of ints >= 1"),
    (dict(lengths=[1.5, 1.5]), "lengths must be a non-empty list of ints"),
    (dict(n_iter=0), "n_iter must be >= 1, got 0"),
    (dict(n_iter=2.5), "n_iter must be an int, got 2.5"),
    (dict(tol=-1.0), "tol must be >= 0, got -1.0"),
    (dict(tol="small"), "tol must be a number, got 'small'"),
    (dict(params="stx"), "params must be a non-empty string made of 's', 't' and 'e', got 'stx'"),
    (dict(params=""), "params must be a non-empty string"),
    (dict(verbose="yes"), "verbose must be"),
])
def test_fit_validates_every_argument(kwargs, message):
    model = CategoricalHMM(**GOOD)
    with pytest.raises(ValueError, match=message):
        model.fit([0, 1, 2], **kwargs)


def test_other_documented_errors():
    model = CategoricalHMM(**GOOD)
    with pytest.raises(ValueError, match="algorithm must be one of"):
        model.decode([0, 1], algorithm="best")
    with pytest.raises(ValueError, match="n_samples must be >= 1"):
        model.sample(0)
    with pytest.raises(ValueError, match="random_state must be >= 0"):
        model.sample(3, random_state=-1)
    with pytest.raises(ValueError, match="n_components must be >= 1"):
        CategoricalHMM.random(0, 3)
    with pytest.raises(ValueError, match="concentration must be > 0"):
        CategoricalHMM.random(2, 3, concentration=0)
    with pytest.raises(ValueError, match=r"Z must hold one state per symbol of X \(3\), got 2"):
        CategoricalHMM.from_labelled([0, 1, 2], [0, 1], n_components=2, n_features=3)
    with pytest.raises(ValueError, match="Z holds state 2 at position 1, but the model has n_components=2"):
        CategoricalHMM.from_labelled([0, 1], [0, 2], n_components=2, n_features=3)
    with pytest.raises(ValueError, match="smoothing must be >= 0"):
        CategoricalHMM.from_labelled([0, 1], [0, 1], n_components=2, n_features=3, smoothing=-1)
    with pytest.raises(ValueError, match="lengths must sum"):
        CategoricalHMM.from_labelled([0, 1], [0, 1], [3], n_components=2, n_features=3)
