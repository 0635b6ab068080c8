"""course_utils.models.esn: ridge readout, ESN fit/predict/generate, agreement with
reservoirpy (same matrices give the same states and the same readout), errors."""

import warnings

import numpy as np
import pytest

from course_utils.data import mackey_glass
from course_utils.models.esn import ESN, nrmse, ridge_readout

RNG = np.random.default_rng(0)
SERIES = mackey_glass(1500, seed=1) - 1.0
U_IN, Y_OUT = SERIES[:-1, None], SERIES[1:, None]


def test_ridge_readout_equals_the_augmented_normal_equations():
    H = RNG.standard_normal((80, 6))
    Y = H @ RNG.standard_normal((6, 2)) + 5.0
    kernel, bias = ridge_readout(H, Y, 0.7)
    A = np.hstack([np.ones((80, 1)), H])
    P = 0.7 * np.eye(7)
    P[0, 0] = 0.0
    sol = np.linalg.solve(A.T @ A + P, A.T @ Y)
    np.testing.assert_allclose(kernel, sol[1:], atol=1e-10)
    np.testing.assert_allclose(bias, sol[0], atol=1e-10)


def test_ridge_readout_equals_scikit_learn_ridge():
    from sklearn.linear_model import Ridge

    H = RNG.standard_normal((100, 5))
    y = H @ RNG.standard_normal(5) + 2.0 + 0.1 * RNG.standard_normal(100)
    kernel, bias = ridge_readout(H, y, 0.3)
    ref = Ridge(alpha=0.3).fit(H, y)
    np.testing.assert_allclose(kernel[:, 0], ref.coef_, atol=1e-10)
    np.testing.assert_allclose(bias[0], ref.intercept_, atol=1e-10)


def _reservoirpy_pair(units=80, leak_rate=0.3):
    pytest.importorskip("reservoirpy")
    from reservoirpy.nodes import Reservoir, Ridge

    esn = ESN(units, spectral_radius=1.05, input_scaling=0.8, connectivity=0.1, leak_rate=leak_rate,
              bias_scaling=0.3, ridge=1e-5, washout=200, seed=5).fit(U_IN, Y_OUT)
    w = esn.weights
    reservoir = Reservoir(W=w["U"], Win=w["W"], bias=w["b"], lr=leak_rate)
    return esn, reservoir, Ridge(ridge=1e-5)


@pytest.mark.parametrize("leak_rate", [1.0, 0.3])
def test_states_and_readout_equal_reservoirpy(leak_rate):
    esn, reservoir, ridge = _reservoirpy_pair(leak_rate=leak_rate)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        states = reservoir.run(U_IN)
    ours = esn.run(U_IN)
    assert np.abs(states - ours).max() < 1e-12
    ridge.fit(ours[esn.washout:], Y_OUT[esn.washout:])
    # the two solve the same linear system in different orders of operations: the weights
    # agree to within what its condition number allows for float64 rounding
    Hc = ours[esn.washout:] - ours[esn.washout:].mean(0)
    kappa = np.linalg.cond(Hc.T @ Hc + 1e-5 * np.eye(esn.units))
    rel = np.linalg.norm(esn.kernel - ridge.Wout) / np.linalg.norm(ridge.Wout)
    assert rel < 10 * kappa * np.finfo(float).eps, (rel, kappa)
    # and their predictions on the states they were fitted to agree to rounding error
    fitted = ours[esn.washout:]
    assert np.abs((fitted @ esn.kernel + esn.bias) - (fitted @ ridge.Wout + ridge.bias)).max() < 1e-8


def test_float64_keras_cell_equals_the_numpy_esn_to_rounding_error():
    import keras

    from course_utils.layers import ReservoirCell

    if keras.backend.backend() != "tensorflow":
        pytest.skip("float64 Keras layers are checked on the TensorFlow backend")
    kwargs = dict(spectral_radius=1.1, input_scaling=0.5, connectivity=0.1, leak_rate=0.4,
                  bias_scaling=0.2, seed=9)
    x = RNG.uniform(-1, 1, (300, 2))
    layer = keras.layers.RNN(ReservoirCell(50, dtype="float64", **kwargs), return_sequences=True,
                             dtype="float64")
    keras_states = keras.ops.convert_to_numpy(layer(x[None]))[0]
    assert np.abs(keras_states - ESN(50, **kwargs).run(x)).max() < 1e-12


def test_fit_discards_the_washout_and_predict_continues_the_state():
    esn = ESN(100, spectral_radius=0.9, leak_rate=0.5, bias_scaling=0.2, washout=300, seed=2)
    esn.fit(U_IN[:1000], Y_OUT[:1000])
    H = esn.run(U_IN[:1000])
    kernel, bias = ridge_readout(H[300:], Y_OUT[300:1000], esn.ridge)
    np.testing.assert_allclose(esn.kernel, kernel)
    np.testing.assert_allclose(esn.bias, bias)
    # predicting the rest continues from the last training state: the same as one long run
    pred = esn.predict(U_IN[1000:])
    full = esn.run(U_IN) @ esn.kernel + esn.bias
    np.testing.assert_allclose(pred, full[1000:], atol=1e-12)
    assert nrmse(pred[:, 0], Y_OUT[1000:, 0]) < 0.01


def test_generate_starts_with_the_one_step_prediction_and_follows_the_series():
    esn = ESN(300, spectral_radius=0.9, leak_rate=0.5, bias_scaling=0.2, ridge=1e-8,
              connectivity=0.05, washout=300, seed=0)
    esn.fit(U_IN[:1200], Y_OUT[:1200])
    one_step = esn.last_output.copy()
    free = esn.generate(50)
    assert np.allclose(free[0], one_step)
    truth = Y_OUT[1199:1249, 0]
    assert nrmse(free[:, 0], truth, scale=SERIES.std()) < 0.05
    # a reservoir without recurrence (spectral radius 0) cannot run free for long
    poor = ESN(300, spectral_radius=0.0, bias_scaling=0.2, ridge=1e-8, connectivity=0.05,
               washout=300, seed=0).fit(U_IN[:1200], Y_OUT[:1200])
    assert nrmse(poor.generate(50)[:, 0], truth, scale=SERIES.std()) > 0.2


def test_generate_from_a_stored_state_equals_continuing():
    esn = ESN(60, washout=100, seed=3).fit(U_IN[:500], Y_OUT[:500])
    h, y = esn.state.copy(), esn.last_output.copy()
    a = esn.generate(20)
    b = esn.generate(20, h0=h, y0=y)
    np.testing.assert_allclose(a, b)


def test_feedback_esn_is_teacher_forced_in_fit_and_closed_loop_in_generate():
    esn = ESN(200, spectral_radius=0.9, leak_rate=0.5, feedback=True, feedback_scaling=1.0,
              input_scaling=0.0, bias_scaling=0.2, ridge=1e-8, connectivity=0.05, washout=300,
              seed=1)
    const = np.ones((1200, 1))
    esn.fit(const, Y_OUT[:1200])                      # the target itself is fed back
    h_fit = esn.state.copy()
    free = esn.generate(30, inputs=np.ones((30, 1)))
    assert nrmse(free[:, 0], Y_OUT[1200:1230, 0], scale=SERIES.std()) < 0.1
    with pytest.raises(ValueError, match="teacher"):
        esn.predict(const[:5])
    # generate(h0, y0) feeds y0 back: the stored state with the true last target reproduces
    # the default continuation, and another y0 changes the first step (control)
    same = esn.generate(5, inputs=np.ones((5, 1)), h0=h_fit, y0=Y_OUT[1199])
    other = esn.generate(5, inputs=np.ones((5, 1)), h0=h_fit, y0=Y_OUT[1199] + 0.5)
    np.testing.assert_allclose(same, free[:5], atol=1e-12)
    assert np.abs(other[0] - free[0]).max() > 1e-3


@pytest.mark.parametrize("kwargs, message", [
    ({"units": 0}, "units must be >= 1"),
    ({"connectivity": 0.0}, "connectivity must be > 0.0"),
    ({"connectivity": 2.0}, "connectivity must be <= 1.0"),
    ({"spectral_radius": -1.0}, "spectral_radius must be >= 0.0"),
    ({"input_scaling": -0.1}, "input_scaling must be >= 0.0"),
    ({"leak_rate": 0.0}, "leak_rate must be > 0.0"),
    ({"leak_rate": 1.1}, "leak_rate must be <= 1.0"),
    ({"ridge": -1e-3}, "ridge must be >= 0.0"),
    ({"washout": -1}, "washout must be >= 0"),
])
def test_documented_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ESN(**{"units": 10, **kwargs})


def test_washout_longer_than_the_data_is_refused():
    with pytest.raises(ValueError, match="washout must be shorter than the data: washout=100"):
        ESN(10, washout=100).fit(U_IN[:100], Y_OUT[:100])


def test_other_errors():
    with pytest.raises(ValueError, match="fit the ESN first"):
        ESN(10).predict(U_IN[:5])
    with pytest.raises(ValueError, match="same number of time steps"):
        ESN(10, washout=0).fit(U_IN[:50], Y_OUT[:40])
    esn = ESN(10, washout=10).fit(np.hstack([U_IN, U_IN])[:100], Y_OUT[:100])
    with pytest.raises(ValueError, match="same size"):
        esn.generate(5)
    with pytest.raises(ValueError, match="same shape"):
        nrmse(np.zeros(3), np.zeros(4))
