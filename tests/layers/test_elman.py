"""course_utils.layers.ElmanCell and JordanCell: equivalence, shapes, masking, saving, errors."""

import keras
import numpy as np
import pytest

import course_utils  # noqa: F401  (quiet TensorFlow before it is imported)
from course_utils.layers import ElmanCell, JordanCell
from tests.conftest import sigmoid
from tests.conftest import to_numpy as _np

RNG = np.random.default_rng(0)
X = RNG.standard_normal((6, 9, 3)).astype("float32")
LENGTHS = np.array([9, 7, 4, 9, 1, 5])
MASK = np.arange(9)[None, :] < LENGTHS[:, None]


def _elman_and_simple_rnn(units=5, **kwargs):
    ref = keras.layers.SimpleRNN(units, **kwargs)
    elman = keras.layers.RNN(ElmanCell(units), **kwargs)
    ref(X)
    elman(X)
    elman.set_weights(ref.get_weights())
    return elman, ref


@pytest.mark.parametrize("return_sequences", [True, False])
def test_elman_equals_simple_rnn_with_the_same_weights(return_sequences):
    elman, ref = _elman_and_simple_rnn(return_sequences=return_sequences)
    assert [w.shape for w in elman.weights] == [w.shape for w in ref.weights]
    diff = np.abs(_np(elman(X)) - _np(ref(X))).max()
    assert diff < 1e-5, diff
    diff = np.abs(_np(elman(X, mask=MASK)) - _np(ref(X, mask=MASK))).max()
    assert diff < 1e-5, diff


def test_elman_equals_a_numpy_loop():
    cell = ElmanCell(4, activation="tanh")
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    seq, last = layer(X)
    W, U, b = (_np(w) for w in (cell.kernel, cell.recurrent_kernel, cell.bias))
    h = np.zeros((X.shape[0], 4))
    out = []
    for t in range(X.shape[1]):
        h = np.tanh(X[:, t] @ W + h @ U + b)
        out.append(h)
    np.testing.assert_allclose(_np(seq), np.stack(out, 1), atol=1e-5)
    np.testing.assert_allclose(_np(last), h, atol=1e-5)


def _jordan_numpy(cell, x, mask=None):
    W, U, b, V, c = (_np(w) for w in (cell.kernel, cell.recurrent_kernel, cell.bias,
                                      cell.output_kernel, cell.output_bias))
    s = np.zeros((x.shape[0], cell.output_units))
    y_prev = np.zeros_like(s)
    out = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ W + s @ U + b)
        y = sigmoid(h @ V + c)
        s_new = cell.state_decay * s + y
        if mask is not None:   # masked steps keep the state and repeat the previous output
            keep = mask[:, t:t + 1]
            y, s_new = np.where(keep, y, y_prev), np.where(keep, s_new, s)
        out.append(y)
        s, y_prev = s_new, y
    return np.stack(out, 1), s


@pytest.mark.parametrize("state_decay", [0.0, 0.6])
def test_jordan_equals_a_numpy_loop_with_and_without_mask(state_decay):
    cell = JordanCell(5, output_units=2, output_activation="sigmoid", state_decay=state_decay,
                      bias_initializer="random_normal")
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    seq, y_last, state = layer(X)
    want_seq, want_state = _jordan_numpy(cell, X)
    np.testing.assert_allclose(_np(seq), want_seq, atol=1e-5)
    np.testing.assert_allclose(_np(y_last), want_seq[:, -1], atol=1e-5)
    np.testing.assert_allclose(_np(state), want_state, atol=1e-5)
    seq, y_last, state = layer(X, mask=MASK)
    want_seq, want_state = _jordan_numpy(cell, X, MASK)
    np.testing.assert_allclose(_np(seq), want_seq, atol=1e-5)
    np.testing.assert_allclose(_np(y_last), want_seq[:, -1], atol=1e-5)
    np.testing.assert_allclose(_np(state), want_state, atol=1e-5)


def test_jordan_with_identity_output_is_an_elman_network():
    units = 4
    jordan = keras.layers.RNN(JordanCell(units, output_units=units), return_sequences=True)
    ref = keras.layers.SimpleRNN(units, return_sequences=True)
    jordan(X)
    ref(X)
    W, U, b = ref.get_weights()
    jordan.set_weights([W, U, np.eye(units, dtype="float32"), b, np.zeros(units, "float32")])
    assert np.abs(_np(jordan(X)) - _np(ref(X))).max() < 1e-5


@pytest.mark.parametrize("make", [lambda: ElmanCell(6), lambda: JordanCell(6, output_units=3)])
def test_masked_batch_equals_each_sequence_alone(make):
    layer = keras.layers.RNN(make())
    batched = _np(layer(X, mask=MASK))
    alone = np.concatenate([_np(layer(X[i:i + 1, :n])) for i, n in enumerate(LENGTHS)])
    np.testing.assert_allclose(batched, alone, atol=1e-5)


def test_shapes_and_weights():
    cell = JordanCell(7, output_units=2)
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    seq, y_last, state = layer(X)
    assert tuple(seq.shape) == (6, 9, 2) and tuple(y_last.shape) == tuple(state.shape) == (6, 2)
    assert [tuple(w.shape) for w in cell.weights] == [(3, 7), (2, 7), (7, 2), (7,), (2,)]
    cell = ElmanCell(7, use_bias=False)
    seq, state = keras.layers.RNN(cell, return_sequences=True, return_state=True)(X)
    assert tuple(seq.shape) == (6, 9, 7) and tuple(state.shape) == (6, 7)
    assert [tuple(w.shape) for w in cell.weights] == [(3, 7), (7, 7)]
    assert cell.state_size == cell.output_size == 7


@pytest.mark.parametrize("make", [
    lambda: ElmanCell(4, activation="relu", use_bias=False, recurrent_initializer="zeros"),
    lambda: JordanCell(4, output_units=2, output_activation="sigmoid", state_decay=0.3,
                       activation="relu", output_initializer="he_normal"),
])
def test_get_config_holds_every_argument_and_round_trips(make):
    cell = make()
    config = cell.get_config()
    import inspect
    args = [p for p in inspect.signature(type(cell).__init__).parameters if p not in ("self", "kwargs")]
    assert set(args) <= set(config), set(args) - set(config)
    clone = type(cell).from_config(config)
    assert clone.get_config() == config


@pytest.mark.parametrize("make", [lambda: ElmanCell(5),
                                  lambda: JordanCell(5, output_units=2, state_decay=0.4)])
def test_keras_file_round_trip_in_safe_mode(tmp_path, make):
    model = keras.Sequential([keras.Input((None, 3)), keras.layers.Masking(0.0),
                              keras.layers.RNN(make(), return_sequences=True),
                              keras.layers.Dense(1)])
    x = X.copy()
    x[2, 4:] = 0.0
    before = _np(model(x))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_allclose(_np(loaded(x)), before, atol=1e-6)
    assert type(loaded.layers[1].cell) is type(model.layers[1].cell)


def test_elman_trains():
    x = RNG.standard_normal((64, 8, 1)).astype("float32")
    y = np.cumsum(x, axis=1)[:, -1]                                   # sum of the inputs
    model = keras.Sequential([keras.Input((8, 1)), keras.layers.RNN(ElmanCell(8)),
                              keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.02), "mse")
    history = model.fit(x, y, epochs=30, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


@pytest.mark.parametrize("call, message", [
    (lambda: ElmanCell(0), "units must be >= 1, got 0"),
    (lambda: ElmanCell(-3), "units must be >= 1"),
    (lambda: ElmanCell(2.5), "units must be an int"),
    (lambda: ElmanCell(4, activation="tanhh"), "activation must be the name of a Keras activation.*'tanhh'"),
    (lambda: ElmanCell(4, use_bias="yes"), "use_bias must be True or False"),
    (lambda: ElmanCell(4, kernel_initializer="glorot"), "kernel_initializer must be"),
    (lambda: JordanCell(0, 1), "units must be >= 1"),
    (lambda: JordanCell(4, 0), "output_units must be >= 1"),
    (lambda: JordanCell(4, 1, output_activation="softmaxx"), "output_activation must be"),
    (lambda: JordanCell(4, 1, state_decay=1.0), "state_decay must be < 1.0"),
    (lambda: JordanCell(4, 1, state_decay=-0.1), "state_decay must be >= 0.0"),
    (lambda: JordanCell(4, 1, bias_initializer=3), "bias_initializer must be"),
])
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("cell", [ElmanCell(3), JordanCell(3, 1)])
def test_unknown_input_size_is_refused_at_build_time(cell):
    with pytest.raises(ValueError, match="known number of features"):
        cell.build((None, None))
