"""course_utils.layers.ReservoirCell and its random matrices: equivalence with a NumPy loop
and with the NumPy ESN, spectral radius, sparsity, seeds, feedback, saving, errors."""

import keras
import numpy as np
import pytest
import scipy.sparse as sp

import course_utils  # noqa: F401  (quiet TensorFlow before it is imported)
from course_utils.layers import ReservoirCell
from course_utils.layers.reservoir import reservoir_weights, sparse_recurrent_matrix, spectral_radius
from course_utils.models.esn import ESN
from tests.conftest import to_numpy as _np

RNG = np.random.default_rng(0)
X = RNG.uniform(-1, 1, (3, 40, 2)).astype("float32")


def _numpy_states(cell, x, h0=None):
    W, U, b = (_np(w).astype("float64") for w in (cell.kernel, cell.recurrent_kernel, cell.bias))
    h = np.zeros((x.shape[0], cell.units)) if h0 is None else h0
    out = []
    for t in range(x.shape[1]):
        h = (1 - cell.leak_rate) * h + cell.leak_rate * np.tanh(x[:, t] @ W + h @ U + b)
        out.append(h)
    return np.stack(out, 1)


@pytest.mark.parametrize("leak_rate", [1.0, 0.3])
def test_states_equal_a_numpy_loop(leak_rate):
    cell = ReservoirCell(20, spectral_radius=0.95, input_scaling=0.7, connectivity=0.2,
                         leak_rate=leak_rate, bias_scaling=0.3, seed=4)
    got = _np(keras.layers.RNN(cell, return_sequences=True)(X))
    np.testing.assert_allclose(got, _numpy_states(cell, X.astype("float64")), atol=1e-5)


def test_cell_equals_the_numpy_esn():
    kwargs = dict(spectral_radius=1.1, input_scaling=0.5, connectivity=0.1, leak_rate=0.4,
                  bias_scaling=0.2, seed=9)
    x = RNG.uniform(-1, 1, (200, 2))
    cell = ReservoirCell(50, **kwargs)
    keras_states = _np(keras.layers.RNN(cell, return_sequences=True)(x[None].astype("float32")))[0]
    esn_states = ESN(50, **kwargs).run(x)
    assert np.abs(keras_states - esn_states).max() < 1e-5


def test_weights_are_not_trainable_and_in_keras_layout():
    cell = ReservoirCell(30, connectivity=0.1, seed=1)
    layer = keras.layers.RNN(cell)
    layer(X)
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 3
    mats = reservoir_weights(30, 2, connectivity=0.1, seed=1)
    np.testing.assert_allclose(_np(cell.kernel), mats["W"].T, rtol=1e-6)
    np.testing.assert_allclose(_np(cell.recurrent_kernel), mats["U"].toarray().T, rtol=1e-6)
    # training a model around the reservoir leaves it unchanged
    model = keras.Sequential([keras.Input((40, 2)), layer, keras.layers.Dense(1)])
    model.compile("adam", "mse")
    before = _np(cell.recurrent_kernel).copy()
    model.fit(X, np.ones((3, 1)), epochs=2, verbose=0)
    np.testing.assert_array_equal(_np(cell.recurrent_kernel), before)


@pytest.mark.parametrize("units, connectivity, radius", [(50, 0.1, 0.9), (400, 0.02, 1.3),
                                                         (1000, 0.01, 0.5)])
def test_recurrent_matrix_is_sparse_with_the_requested_spectral_radius(units, connectivity, radius):
    U = sparse_recurrent_matrix(units, connectivity, radius, seed=3)
    assert sp.issparse(U)
    assert U.nnz == round(connectivity * units * units)
    dense_radius = np.abs(np.linalg.eigvals(U.toarray())).max()
    assert abs(dense_radius - radius) < 1e-8 * max(1, radius)
    assert abs(spectral_radius(U) - radius) < 1e-8


def test_same_seed_same_matrices_other_seed_other_matrices():
    a, b, c = (reservoir_weights(40, 3, bias_scaling=0.5, seed=s) for s in (5, 5, 6))
    for key in ("W", "b"):
        np.testing.assert_array_equal(a[key], b[key])
        assert not np.allclose(a[key], c[key])
    assert (a["U"] != b["U"]).nnz == 0 and (a["U"] != c["U"]).nnz > 0
    # the recurrent matrix does not depend on the number of inputs
    assert (reservoir_weights(40, 1, seed=5)["U"] != a["U"]).nnz == 0


def test_a_matrix_without_cycles_is_refused():
    with pytest.raises(ValueError, match="spectral radius 0"):
        sparse_recurrent_matrix(10, 0.01, 0.9, seed=0)      # one non-zero entry off the diagonal


def test_feedback_cell_runs_in_closed_loop_like_a_numpy_loop():
    cell = ReservoirCell(15, feedback_dim=1, connectivity=0.3, feedback_scaling=0.5, seed=2)
    layer = keras.layers.RNN(cell, return_sequences=True)
    x = RNG.uniform(-1, 1, (1, 30, 1)).astype("float32")
    layer(x)
    V, c = RNG.normal(0, 0.3, (15, 1)), np.array([0.1])
    cell.set_readout(V, c)
    got = _np(layer(x))[0]
    W, U, b, Wb = (_np(w).astype("float64") for w in (cell.kernel, cell.recurrent_kernel, cell.bias,
                                                        cell.feedback_kernel))
    h, y, out = np.zeros(15), np.zeros(1), []
    for t in range(30):
        h = np.tanh(x[0, t] @ W + h @ U + y @ Wb + b)
        y = h @ V + c
        out.append(h)
    np.testing.assert_allclose(got, np.array(out), atol=1e-5)


def test_set_readout_errors():
    with pytest.raises(ValueError, match="feedback_dim > 0"):
        ReservoirCell(5).set_readout(np.zeros((5, 1)), np.zeros(1))
    cell = ReservoirCell(5, feedback_dim=1, connectivity=0.5)
    with pytest.raises(ValueError, match="build the cell first"):
        cell.set_readout(np.zeros((5, 1)), np.zeros(1))
    keras.layers.RNN(cell)(X[:, :, :1])
    with pytest.raises(ValueError, match=r"shapes \(5, 1\)"):
        cell.set_readout(np.zeros((4, 1)), np.zeros(1))


@pytest.mark.parametrize("kwargs, message", [
    ({"units": 0}, "units must be >= 1"),
    ({"units": -3}, "units must be >= 1"),
    ({"units": 5, "connectivity": 0.0}, "connectivity must be > 0.0"),
    ({"units": 5, "connectivity": 1.01}, "connectivity must be <= 1.0"),
    ({"units": 5, "spectral_radius": -0.1}, "spectral_radius must be >= 0.0"),
    ({"units": 5, "input_scaling": -2}, "input_scaling must be >= 0.0"),
    ({"units": 5, "bias_scaling": -2}, "bias_scaling must be >= 0.0"),
    ({"units": 5, "leak_rate": 0}, "leak_rate must be > 0.0"),
    ({"units": 5, "leak_rate": 1.5}, "leak_rate must be <= 1.0"),
    ({"units": 5, "feedback_dim": -1}, "feedback_dim must be >= 0"),
    ({"units": 5, "seed": -1}, "seed must be >= 0"),
])
def test_documented_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ReservoirCell(**kwargs)


def test_keras_round_trip_keeps_the_reservoir(tmp_path):
    model = keras.Sequential([keras.Input((None, 2)),
                              keras.layers.RNN(ReservoirCell(12, connectivity=0.4, leak_rate=0.6,
                                                             seed=7), return_sequences=True)])
    model.save(tmp_path / "r.keras")
    loaded = keras.models.load_model(tmp_path / "r.keras", safe_mode=True)
    assert loaded.layers[0].cell.get_config()["leak_rate"] == 0.6
    np.testing.assert_allclose(_np(loaded(X)), _np(model(X)), atol=1e-6)
