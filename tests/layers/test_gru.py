"""course_utils.layers.GRUCell: equivalence with keras.layers.GRU (reset_after True and
False) and with a NumPy loop, the update-gate convention, shapes, masking, saving, errors."""

import inspect

import keras
import numpy as np
import pytest

import course_utils  # noqa: F401  (quiet TensorFlow before it is imported)
from course_utils.layers import GRUCell
from tests.conftest import sigmoid
from tests.conftest import to_numpy as _np

RNG = np.random.default_rng(0)
X = RNG.standard_normal((6, 9, 3)).astype("float32")
LENGTHS = np.array([9, 7, 4, 9, 1, 5])
MASK = np.arange(9)[None, :] < LENGTHS[:, None]
X_PADDED = np.where(MASK[..., None], X, 0.0).astype("float32")
UNITS = 5
TOL = 1e-5


def _random_weights(layer, seed=1):
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in layer.weights])


def _pair(reset_after, **rnn_kwargs):
    ref = keras.layers.GRU(UNITS, reset_after=reset_after, **rnn_kwargs)
    mine = keras.layers.RNN(GRUCell(UNITS, reset_after=reset_after), **rnn_kwargs)
    ref.build(X.shape)
    mine.build(X.shape)
    _random_weights(ref)
    mine.cell.set_weights(ref.get_weights())
    return mine, ref


def _numpy_gru(cell, x, h0=None, mask=None):
    """An independent NumPy GRU, Keras' convention h = z h_prev + (1 - z) candidate."""
    W, U = _np(cell.kernel), _np(cell.recurrent_kernel)
    u = cell.units
    if not cell.use_bias:
        b_in, b_rec = np.zeros(3 * u), np.zeros(3 * u)
    elif cell.reset_after:
        b_in, b_rec = _np(cell.bias)
    else:
        b_in, b_rec = _np(cell.bias), np.zeros(3 * u)
    h = np.zeros((x.shape[0], u)) if h0 is None else h0
    out = []
    for t in range(x.shape[1]):
        xz, xr, xh = np.split(x[:, t] @ W + b_in, 3, axis=1)
        hz, hr, hh = np.split(h @ U + b_rec, 3, axis=1)
        z, r = sigmoid(xz + hz), sigmoid(xr + hr)
        if cell.reset_after:
            cand = np.tanh(xh + r * hh)
        else:
            cand = np.tanh(xh + (r * h) @ U[:, 2 * u:])
        h_new = z * h + (1 - z) * cand
        if mask is not None:
            h_new = np.where(mask[:, t:t + 1], h_new, h)
        h = h_new
        out.append(h)
    return np.stack(out, 1), h


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_equals_keras_gru_with_the_same_weights(reset_after, return_sequences):
    mine, ref = _pair(reset_after, return_sequences=return_sequences)
    assert [w.shape for w in mine.weights] == [w.shape for w in ref.weights]
    assert [w.name for w in mine.weights] == [w.name for w in ref.weights]
    assert np.abs(_np(mine(X)) - _np(ref(X))).max() < TOL


@pytest.mark.parametrize("reset_after", [True, False])
def test_equals_keras_gru_with_mask_initial_state_and_return_state(reset_after):
    mine, ref = _pair(reset_after, return_sequences=True, return_state=True)
    for a, b in zip(mine(X_PADDED, mask=MASK), ref(X_PADDED, mask=MASK)):
        assert np.abs(_np(a) - _np(b)).max() < TOL
    h0 = RNG.standard_normal((6, UNITS)).astype("float32")
    for a, b in zip(mine(X, initial_state=[h0]), ref(X, initial_state=[h0])):
        assert np.abs(_np(a) - _np(b)).max() < TOL
    assert np.abs(_np(mine(X, initial_state=[h0])[0]) - _np(mine(X)[0])).max() > 1e-3


def test_equals_keras_gru_through_a_masking_layer_and_go_backwards():
    mine, ref = _pair(True, go_backwards=True)
    inputs = keras.Input((None, 3))
    masked = keras.layers.Masking(0.0)(inputs)
    out = keras.Model(inputs, [mine(masked), ref(masked)])(X_PADDED)
    assert np.abs(_np(out[0]) - _np(out[1])).max() < TOL


@pytest.mark.parametrize("options", [dict(reset_after=True), dict(reset_after=False),
                                     dict(use_bias=False), dict(use_bias=False, reset_after=False)],
                         ids=["after", "before", "after-nobias", "before-nobias"])
def test_equals_a_numpy_loop(options):
    cell = GRUCell(UNITS, **options)
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    layer.build(X.shape)
    _random_weights(layer, seed=4)
    h0 = RNG.standard_normal((6, UNITS)).astype("float32")
    seq, h = layer(X, initial_state=[h0])
    want_seq, want_h = _numpy_gru(cell, X, h0)
    np.testing.assert_allclose(_np(seq), want_seq, atol=TOL)
    np.testing.assert_allclose(_np(h), want_h, atol=TOL)
    seq, h = layer(X_PADDED, mask=MASK)
    want_seq, want_h = _numpy_gru(cell, X_PADDED, mask=MASK)
    np.testing.assert_allclose(_np(seq), want_seq, atol=TOL)


@pytest.mark.parametrize("reset_after", [True, False])
def test_update_gate_close_to_one_keeps_the_old_state(reset_after):
    """Keras' convention: z -> 1 copies h_{t-1}; z -> 0 takes the candidate."""
    cell = GRUCell(UNITS, reset_after=reset_after)
    layer = keras.layers.RNN(cell, return_sequences=True)
    layer.build(X.shape)
    _random_weights(layer)
    W, U, b = (_np(w) for w in cell.weights)
    W[:, :UNITS] = 0.0
    U[:, :UNITS] = 0.0
    h0 = RNG.uniform(-0.9, 0.9, (6, UNITS)).astype("float32")
    for z_bias, keeps in ((30.0, True), (-30.0, False)):
        b_new = b.copy()
        if reset_after:
            b_new[0, :UNITS], b_new[1, :UNITS] = z_bias, 0.0
        else:
            b_new[:UNITS] = z_bias
        cell.set_weights([W, U, b_new])
        seq = _np(layer(X, initial_state=[h0]))
        kept = np.abs(seq - h0[:, None]).max() < 1e-6
        assert kept == keeps


def test_weight_shapes_output_shapes_and_parameter_counts():
    d, u = 3, UNITS
    for reset_after, bias_shape in ((True, (2, 3 * u)), (False, (3 * u,))):
        cell = GRUCell(u, reset_after=reset_after)
        seq, h = keras.layers.RNN(cell, return_sequences=True, return_state=True)(X)
        assert tuple(seq.shape) == (6, 9, u) and tuple(h.shape) == (6, u)
        assert [tuple(w.shape) for w in cell.weights] == [(d, 3 * u), (u, 3 * u), bias_shape]
        assert cell.count_params() == 3 * (d * u + u * u + u) + (3 * u if reset_after else 0)
        assert cell.state_size == cell.output_size == u
    cell = GRUCell(u, use_bias=False)
    cell.build((None, d))
    assert [tuple(w.shape) for w in cell.weights] == [(d, 3 * u), (u, 3 * u)]


def test_masked_batch_equals_each_sequence_alone():
    layer = keras.layers.RNN(GRUCell(6, reset_after=False))
    batched = _np(layer(X, mask=MASK))
    alone = np.concatenate([_np(layer(X[i:i + 1, :n])) for i, n in enumerate(LENGTHS)])
    np.testing.assert_allclose(batched, alone, atol=TOL)


@pytest.mark.parametrize("make", [
    lambda: GRUCell(4),
    lambda: GRUCell(4, activation="relu", recurrent_activation="hard_sigmoid", use_bias=False,
                    kernel_initializer="he_normal", recurrent_initializer="zeros",
                    bias_initializer="ones", reset_after=False),
])
def test_get_config_holds_every_argument_and_round_trips(make):
    cell = make()
    config = cell.get_config()
    args = [p for p in inspect.signature(GRUCell.__init__).parameters
            if p not in ("self", "kwargs")]
    assert set(args) <= set(config), set(args) - set(config)
    assert GRUCell.from_config(config).get_config() == config


@pytest.mark.parametrize("reset_after", [True, False])
def test_keras_file_round_trip_in_safe_mode(tmp_path, reset_after):
    model = keras.Sequential([keras.Input((None, 3)), keras.layers.Masking(0.0),
                              keras.layers.RNN(GRUCell(UNITS, reset_after=reset_after,
                                                       bias_initializer="random_normal"),
                                               return_sequences=True),
                              keras.layers.Dense(1)])
    before = _np(model(X_PADDED))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_allclose(_np(loaded(X_PADDED)), before, atol=1e-6)
    assert type(loaded.layers[1].cell) is GRUCell
    assert loaded.layers[1].cell.reset_after is reset_after


def test_trains():
    x = RNG.standard_normal((64, 8, 1)).astype("float32")
    y = np.cumsum(x, axis=1)[:, -1]
    model = keras.Sequential([keras.Input((8, 1)), keras.layers.RNN(GRUCell(8)),
                              keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.02), "mse")
    history = model.fit(x, y, epochs=30, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


@pytest.mark.parametrize("call, message", [
    (lambda: GRUCell(0), "units must be >= 1, got 0"),
    (lambda: GRUCell(None), "units must be an int, got None"),
    (lambda: GRUCell(4, activation="tanhh"), "activation must be the name of a Keras activation"),
    (lambda: GRUCell(4, recurrent_activation="sigmoidd"), "recurrent_activation must be"),
    (lambda: GRUCell(4, use_bias="True"), "use_bias must be True or False"),
    (lambda: GRUCell(4, reset_after=0), "reset_after must be True or False, got 0"),
    (lambda: GRUCell(4, kernel_initializer="glorot"), "kernel_initializer must be"),
    (lambda: GRUCell(4, recurrent_initializer=1.5), "recurrent_initializer must be"),
    (lambda: GRUCell(4, bias_initializer=None), "bias_initializer must be"),
])
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_unknown_input_size_and_wrong_state_size_are_refused():
    with pytest.raises(ValueError, match="known number of features"):
        GRUCell(3).build((None, None))
    with pytest.raises(ValueError, match=r"state h_\{t-1\} must have shape \(batch, 5\)"):
        keras.layers.RNN(GRUCell(UNITS))(X, initial_state=[np.zeros((6, 2), "float32")])
