"""course_utils.data.mackey_glass: RK4 order, convergence against h/10, the delay and the
history, seeds, errors."""

import numpy as np
import pytest

from course_utils.data import mackey_glass


def _errors(hs, horizon=300, ref_h=0.01):
    ref = mackey_glass(horizon, x0=1.2, h=ref_h, transient=0)
    return [np.abs(mackey_glass(horizon, x0=1.2, h=h, transient=0) - ref).max() for h in hs]


def test_default_step_agrees_with_a_ten_times_smaller_step():
    ref = mackey_glass(500, x0=1.2, h=0.01, transient=0)
    got = mackey_glass(500, x0=1.2, h=0.1, transient=0)
    assert np.abs(got - ref).max() < 1e-7


def test_fourth_order_convergence():
    e = _errors([0.2, 0.1])
    order = np.log2(e[0] / e[1])
    assert 3.5 < order < 4.5, (e, order)


def test_first_steps_follow_the_constant_history():
    # for 0 <= t <= tau the delayed value is the history x0, so the equation is linear:
    # m(t) = c / gamma + (x0 - c / gamma) exp(-gamma t), with c = beta x0 / (1 + x0^n)
    x0, beta, gamma = 1.2, 0.2, 0.1
    c = beta * x0 / (1 + x0 ** 10)
    t = np.arange(18.0)
    exact = c / gamma + (x0 - c / gamma) * np.exp(-gamma * t)
    got = mackey_glass(18, x0=x0, transient=0)
    np.testing.assert_allclose(got, exact, atol=1e-9)


def test_chaotic_series_has_the_known_range_and_seeds_work():
    m = mackey_glass(3000, seed=0)
    assert 0.2 < m.min() < 0.5 and 1.2 < m.max() < 1.45, (m.min(), m.max())
    np.testing.assert_array_equal(m, mackey_glass(3000, seed=0))
    assert not np.allclose(m[:100], mackey_glass(3000, seed=1)[:100])


def test_sampling_and_transient():
    fine = mackey_glass(200, x0=1.0, sample_every=0.5, transient=0)
    coarse = mackey_glass(100, x0=1.0, sample_every=1.0, transient=0)
    np.testing.assert_array_equal(fine[::2], coarse)
    shifted = mackey_glass(50, x0=1.0, transient=30)
    np.testing.assert_array_equal(shifted, mackey_glass(80, x0=1.0, transient=0)[30:])


@pytest.mark.parametrize("kwargs, message", [
    ({"n_samples": 0}, "n_samples must be >= 1"),
    ({"h": 0.3}, "h=0.3 must divide tau=17.0"),
    ({"h": 0.5, "sample_every": 0.75}, "must divide sample_every"),
    ({"tau": 0.0}, "tau must be > 0.0"),
    ({"x0": -1.0}, "x0 must be > 0.0"),
    ({"transient": -1}, "transient must be >= 0"),
])
def test_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mackey_glass(**{"n_samples": 10, **kwargs})
