"""course_utils.models.hopfield: Hebbian storage, energy descent, recall, capacity and input checks."""

import numpy as np
import pytest

from course_utils.models.hopfield import (
    CAPACITY,
    HopfieldNetwork,
    corrupt,
    letter_patterns,
    overlap,
    random_patterns,
)


def _direct_energy(weights, states):
    return np.array([-0.5 * s @ weights @ s for s in np.atleast_2d(states)])


def test_hebbian_weights_are_symmetric_with_zero_diagonal():
    patterns = random_patterns(4, 30, seed=0)
    net = HopfieldNetwork(30).store(patterns)
    expected = sum(np.outer(p, p) for p in patterns) / 30
    np.fill_diagonal(expected, 0)
    np.testing.assert_allclose(net.weights, expected)
    np.testing.assert_array_equal(net.weights, net.weights.T)
    assert net.n_patterns == 4 and net.load == pytest.approx(4 / 30)


def test_store_is_incremental_and_clear_forgets():
    patterns = random_patterns(4, 30, seed=1)
    once = HopfieldNetwork(30).store(patterns)
    twice = HopfieldNetwork(30).store(patterns[:2]).store(patterns[2])
    twice.store(patterns[3:])
    np.testing.assert_allclose(once.weights, twice.weights)
    assert twice.n_patterns == 4
    twice.clear()
    assert twice.n_patterns == 0 and not twice.weights.any()


def test_energy_matches_the_formula_for_one_state_and_a_batch():
    patterns = random_patterns(3, 25, seed=2)
    net = HopfieldNetwork(25).store(patterns)
    states = random_patterns(6, 25, seed=3)
    np.testing.assert_allclose(net.energy(states), _direct_energy(net.weights, states), atol=1e-12)
    assert isinstance(net.energy(states[0]), float)
    assert net.energy(states[0]) == pytest.approx(_direct_energy(net.weights, states[0])[0])
    np.testing.assert_allclose(net.local_field(states), states @ net.weights)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_async_flip_lowers_the_energy_computed_from_the_states(seed):
    n = 60
    net = HopfieldNetwork(n).store(random_patterns(12, n, seed=seed))   # overloaded on purpose
    cues = random_patterns(8, n, seed=seed + 10)
    final, trace = net.recall(cues, seed=seed, return_trace=True)
    assert trace.states.shape == (trace.sweeps * n + 1, 8, n)
    np.testing.assert_array_equal(trace.states[0], cues)
    np.testing.assert_array_equal(trace.states[-1], final)
    # one unit at most changes per update, and flipped says which updates changed one
    changes = (np.diff(trace.states, axis=0) != 0).sum(axis=2)
    assert changes.max() == 1
    np.testing.assert_array_equal(changes == 1, trace.flipped)
    # the energy, recomputed here from the recorded states with the plain formula
    energies = np.stack([_direct_energy(net.weights, s) for s in trace.states])
    np.testing.assert_allclose(trace.energies, energies, atol=1e-9)
    steps = np.diff(energies, axis=0)
    assert np.all(steps[trace.flipped] < -1e-9)           # every flip strictly downhill
    assert np.all(steps[~trace.flipped] == 0)             # no flip, no change
    assert trace.flipped.any(axis=0).all()                # every cue moved
    assert trace.converged.all() and net.is_fixed_point(final).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_asymmetric_weights_break_the_energy_guarantee(seed):
    n = 40
    rng = np.random.default_rng(seed)
    weights = rng.standard_normal((n, n))
    np.fill_diagonal(weights, 0.0)
    net = HopfieldNetwork.from_weights(weights)
    assert not net.is_symmetric
    cues = random_patterns(6, n, seed=seed + 1)
    final, trace = net.recall(cues, seed=seed, max_sweeps=10, return_trace=True)
    energies = np.stack([_direct_energy(weights, s) for s in trace.states])
    np.testing.assert_allclose(trace.energies, energies, atol=1e-9)
    steps = np.diff(energies, axis=0)
    assert np.any(steps[trace.flipped] > 1e-9)            # some flips go uphill
    # the change formula -ds_i a_i, which assumes symmetry, would have reported none
    ds = np.diff(trace.states, axis=0)
    fields = np.einsum("kbj,ij->kbi", trace.states[:-1], weights)
    bookkeeping = -(ds * fields).sum(axis=2)
    assert np.all(bookkeeping <= 1e-12)
    assert not np.allclose(bookkeeping, steps)
    # and the symmetric control: the same formula is exact
    sym = HopfieldNetwork.from_weights((weights + weights.T) / 2)
    assert sym.is_symmetric
    _, trace = sym.recall(cues, seed=seed, return_trace=True)
    ds = np.diff(trace.states, axis=0)
    fields = np.einsum("kbj,ij->kbi", trace.states[:-1], sym.weights)
    np.testing.assert_allclose(-(ds * fields).sum(axis=2), np.diff(trace.energies, axis=0), atol=1e-9)
    assert trace.converged.all()


def test_recall_uses_the_row_of_the_weight_matrix():
    """Unit i follows sign(sum_j U[i, j] s_j); with asymmetric weights rows and columns differ."""
    weights = np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    net = HopfieldNetwork.from_weights(weights)
    state = np.array([1.0, 1.0, 1.0])
    np.testing.assert_allclose(net.local_field(state), weights @ state)
    assert not net.is_fixed_point(state)           # unit 1 has a_1 = -1 and would flip
    final, trace = net.recall(state, mode="sync", max_sweeps=1, return_trace=True)
    np.testing.assert_array_equal(final, [1.0, -1.0, 1.0])
    np.testing.assert_array_equal(trace.flipped, [[True]])


def test_stored_patterns_are_fixed_points_and_recalled_from_corrupted_cues():
    n = 100
    patterns = random_patterns(5, n, seed=4)                  # load 0.05, far below capacity
    net = HopfieldNetwork(n).store(patterns)
    assert net.is_fixed_point(patterns).all()
    np.testing.assert_array_equal(net.recall(patterns, seed=0), patterns)
    cues = corrupt(patterns, 0.2, seed=5)
    assert np.all(overlap(cues, patterns) == pytest.approx(0.6))
    np.testing.assert_array_equal(net.recall(cues, seed=6), patterns)
    # a single (N,) cue gives a single (N,) state
    single = net.recall(cues[0], seed=7)
    assert single.shape == (n,) and overlap(single, patterns[0]) == 1.0


def test_letters_are_recalled():
    letters = letter_patterns()
    net = HopfieldNetwork(100).store(letters)
    for seed in range(3):
        recalled = net.recall(corrupt(letters, 0.2, seed=seed), seed=seed)
        np.testing.assert_array_equal(recalled, letters)


def test_recall_collapses_above_capacity():
    n = 200

    def mean_overlap(alpha, seed):
        p = int(alpha * n)
        patterns = random_patterns(p, n, seed=seed)
        net = HopfieldNetwork(n).store(patterns)
        return overlap(net.recall(corrupt(patterns, 0.1, seed=seed + 1), seed=seed + 2),
                       patterns).mean()

    low = np.mean([mean_overlap(0.05, s) for s in range(3)])
    high = np.mean([mean_overlap(0.3, s) for s in range(3)])
    assert low > 0.99 and high < 0.7, (low, high)
    assert 0.1 < CAPACITY < 0.15


def test_sync_updates_can_oscillate_but_async_converge():
    net = HopfieldNetwork(2).store(np.array([1.0, 1.0]))
    cue = np.array([1.0, -1.0])
    final, trace = net.recall(cue, mode="sync", max_sweeps=10, return_trace=True)
    assert not trace.converged[0] and trace.sweeps == 10
    np.testing.assert_allclose(trace.energies[:, 0], 0.5)     # the energy stays constant
    assert trace.flipped.all()                                # while the state keeps changing
    np.testing.assert_array_equal(final, cue)                # an even number of flips: back to the cue
    final, trace = net.recall(cue, mode="async", return_trace=True)
    assert trace.converged[0] and abs(final.sum()) == 2      # both units agree


def test_recall_is_reproducible_with_a_seed():
    net = HopfieldNetwork(50).store(random_patterns(10, 50, seed=0))
    cues = random_patterns(5, 50, seed=1)
    np.testing.assert_array_equal(net.recall(cues, seed=3), net.recall(cues, seed=3))


def test_corrupt_flips_exactly_the_requested_number_of_bits():
    patterns = random_patterns(4, 40, seed=0)
    flipped = corrupt(patterns, 0.25, seed=1)
    assert np.all((flipped != patterns).sum(axis=1) == 10)
    assert np.array_equal(corrupt(patterns, 0.0, seed=1), patterns)
    np.testing.assert_array_equal(corrupt(patterns, 1.0, seed=1), -patterns)


@pytest.mark.parametrize("call, message", [
    (lambda: HopfieldNetwork(1), "n_units must be >= 2"),
    (lambda: HopfieldNetwork(3.5), "n_units must be an int"),
    (lambda: HopfieldNetwork(4).store(np.array([1, 0, 1, 0])), r"only \+1 and -1.*2 \* x - 1"),
    (lambda: HopfieldNetwork(4).store(np.array([1, 0.5, 1, -1])), r"only \+1 and -1"),
    (lambda: HopfieldNetwork(4).store(np.ones(5)), "must have 4 units"),
    (lambda: HopfieldNetwork(4).store(np.ones((2, 2, 4))), "must have 1 or 2 dimensions"),
    (lambda: HopfieldNetwork(4).store(np.ones((0, 4))), "is empty"),
    (lambda: HopfieldNetwork(4).store([[1, -1, "a", 1]]), "array-like|numeric"),
    (lambda: HopfieldNetwork(4).energy(np.ones(3)), "states must have 4 units"),
    (lambda: HopfieldNetwork(4).recall(np.ones(4), mode="parallel"), "mode must be one of"),
    (lambda: HopfieldNetwork(4).recall(np.ones(4), max_sweeps=0), "max_sweeps must be >= 1"),
    (lambda: HopfieldNetwork(4).recall(np.full(4, np.nan)), "NaN"),
    (lambda: HopfieldNetwork(4).recall(np.ones(4), seed=-1), "seed must be >= 0"),
    (lambda: corrupt(np.ones(4), 1.5), "fraction must be <= 1"),
    (lambda: overlap(np.ones(4), np.ones(5)), "same shape"),
    (lambda: random_patterns(0, 10), "n_patterns must be >= 1"),
    (lambda: letter_patterns("RZ"), "letters must be"),
    (lambda: HopfieldNetwork.from_weights(np.ones((3, 4))), "square"),
    (lambda: HopfieldNetwork.from_weights(np.ones(4)), "must have 2 dimensions"),
    (lambda: HopfieldNetwork.from_weights(np.full((3, 3), np.nan)), "NaN"),
])
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
