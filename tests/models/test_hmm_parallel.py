"""course_utils.models._hmm_parallel: engine="parallel" gives the textbook engine's results."""

import warnings

import numpy as np
import pytest

from course_utils.models import _hmm_parallel
from course_utils.models.hmm import CategoricalHMM

pytest.importorskip("hmmlearn.hmm")


def parallel(model):
    fast = model.copy()
    fast.engine = "parallel"
    return fast


def path_log_prob(model, path, x):
    with np.errstate(divide="ignore"):
        return (np.log(model.startprob_[path[0]]) + np.log(model.transmat_[path[:-1], path[1:]]).sum()
                + np.log(model.emissionprob_[path, x]).sum())


CASINO = CategoricalHMM([0.5, 0.5], [[0.95, 0.05], [0.10, 0.90]], [[1 / 6] * 6, [0.1] * 5 + [0.5]])

AWKWARD = {
    # two blocks that never mix: the filter never forgets which block it is in
    "reducible": CategoricalHMM([0.25] * 4, [[0.9, 0.1, 0, 0], [0.2, 0.8, 0, 0],
                                             [0, 0, 0.5, 0.5], [0, 0, 0.3, 0.7]],
                                [[0.5, 0.5, 0], [0.1, 0.9, 0], [0.4, 0, 0.6], [0.3, 0.3, 0.4]]),
    # very sticky states with weak evidence: forgetting takes hundreds of steps
    "sticky": CategoricalHMM([0.5, 0.5, 0.0], [[0.998, 0.001, 0.001], [0.001, 0.998, 0.001],
                                               [0.01, 0.01, 0.98]],
                             [[0.35, 0.33, 0.32], [0.32, 0.33, 0.35], [0.3, 0.4, 0.3]]),
    # a deterministic cycle: it never forgets, so the parallel passes fall back
    "cycle": CategoricalHMM([1, 0, 0], [[0, 1, 0], [0, 0, 1], [1, 0, 0]],
                            [[0.6, 0.4], [0.5, 0.5], [0.2, 0.8]]),
    "casino": CASINO,
    "many states": CategoricalHMM.random(20, 5, random_state=9, concentration=0.3),
}


@pytest.mark.parametrize("name", sorted(AWKWARD))
@pytest.mark.parametrize("T", [1, 7, 200, 5_000])
def test_parallel_equals_textbook(name, T):
    model = AWKWARD[name]
    fast = parallel(model)
    x, _ = model.sample(T, random_state=T)
    assert fast.score(x) == pytest.approx(model.score(x), rel=1e-10)
    phi_hat, log_z = fast.forward(x)
    phi_ref, log_z_ref = model.forward(x)
    np.testing.assert_allclose(phi_hat, phi_ref, atol=1e-9)
    np.testing.assert_allclose(log_z, log_z_ref, atol=1e-9)
    np.testing.assert_allclose(fast.predict_proba(x), model.predict_proba(x), atol=1e-9)
    np.testing.assert_array_equal(fast.decode(x, algorithm="map")[1],
                                  model.decode(x, algorithm="map")[1])
    log_prob, path = fast.decode(x)
    log_prob_ref, path_ref = model.decode(x)
    assert np.isfinite(log_prob) and log_prob == pytest.approx(log_prob_ref, rel=1e-10)
    # equal paths, or different paths of exactly the same probability (ties)
    assert np.array_equal(path, path_ref) or path_log_prob(model, path, x) == pytest.approx(
        path_log_prob(model, path_ref, x), rel=1e-12)


def test_many_sequences_and_fit_agree_with_textbook_and_hmmlearn():
    true = CategoricalHMM.random(3, 5, random_state=1)
    lengths = [1, 2, 500, 37, 1200, 3]
    x = np.concatenate([true.sample(n, random_state=i)[0] for i, n in enumerate(lengths)])
    assert parallel(true).score(x, lengths) == pytest.approx(true.score(x, lengths), rel=1e-12)
    start = CategoricalHMM.random(3, 5, random_state=7)
    slow = start.copy().fit(x, lengths, n_iter=15, tol=None)
    fast = parallel(start).fit(x, lengths, n_iter=15, tol=None)
    ref = start.to_hmmlearn(params="ste", n_iter=15, tol=-np.inf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.fit(x[:, None], lengths)
    np.testing.assert_allclose(fast.monitor_.history, slow.monitor_.history, rtol=1e-11)
    np.testing.assert_allclose(fast.monitor_.history, ref.monitor_.history, rtol=1e-10)
    for name in ("startprob_", "transmat_", "emissionprob_"):
        np.testing.assert_allclose(getattr(fast, name), getattr(slow, name), atol=1e-10)
        np.testing.assert_allclose(getattr(fast, name), getattr(ref, name), atol=1e-8)


def test_long_sequence_agrees_with_hmmlearn():
    model = CategoricalHMM.random(4, 6, random_state=0, engine="parallel")
    x, _ = model.sample(100_000, random_state=1)
    ref = model.to_hmmlearn()
    assert model.score(x) == pytest.approx(ref.score(x[:, None]), rel=1e-12)
    log_prob, path = model.decode(x)
    log_prob_ref, path_ref = ref.decode(x[:, None])
    assert log_prob == pytest.approx(log_prob_ref, rel=1e-12)
    assert np.array_equal(path, path_ref) or path_log_prob(model, path, x) == pytest.approx(
        path_log_prob(model, path_ref, x), rel=1e-13)


def test_impossible_sequences_and_fallback():
    model = parallel(AWKWARD["reducible"])
    impossible = CategoricalHMM([0.5, 0.5, 0, 0], model.transmat_, model.emissionprob_,
                                engine="parallel")
    x = np.array([0, 1] * 300 + [2] + [0] * 40)
    assert impossible.score(x) == -np.inf
    assert impossible.decode(x)[0] == -np.inf
    with pytest.raises(ValueError, match="probability zero"):
        impossible.predict_proba(x)
    # the cycle never forgets its start: the parallel passes give up (None) ...
    cycle = AWKWARD["cycle"]
    x, _ = cycle.sample(20_000, random_state=0)
    with np.errstate(divide="ignore"):
        logs = [np.log(p) for p in cycle._params()]
    assert _hmm_parallel.viterbi(*logs, x) is None
    # ... and the model falls back to the textbook recursions
    assert parallel(cycle).score(x) == pytest.approx(cycle.score(x), rel=1e-12)
