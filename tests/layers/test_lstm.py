"""course_utils.layers.LSTMCell: equivalence with keras.layers.LSTM and with a NumPy loop
(plain, peephole, coupled), shapes, masking, initial states, saving, errors."""

import inspect

import keras
import numpy as np
import pytest

import course_utils  # noqa: F401  (quiet TensorFlow before it is imported)
from course_utils.layers import LSTMCell
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
    """Give every weight of ``layer`` random values (biases too, so gate order matters)."""
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in layer.weights])


def _pair(**rnn_kwargs):
    """A keras.layers.LSTM and an RNN(LSTMCell) holding the same random weights."""
    ref = keras.layers.LSTM(UNITS, **rnn_kwargs)
    mine = keras.layers.RNN(LSTMCell(UNITS), **rnn_kwargs)
    ref.build(X.shape)
    mine.build(X.shape)
    _random_weights(ref)
    mine.cell.set_weights(ref.get_weights())
    return mine, ref


def _numpy_lstm(cell, x, h0=None, c0=None, mask=None):
    """An independent NumPy LSTM over a batch of sequences (all variants)."""
    W, U = _np(cell.kernel), _np(cell.recurrent_kernel)
    b = _np(cell.bias) if cell.use_bias else 0.0
    p = {g: _np(getattr(cell, f"peephole_{g}")) if getattr(cell, f"peephole_{g}") is not None
         else 0.0 for g in "ifo"}
    n, u = x.shape[0], cell.units
    h = np.zeros((n, u)) if h0 is None else h0
    c = np.zeros((n, u)) if c0 is None else c0
    out = []
    for t in range(x.shape[1]):
        z = x[:, t] @ W + h @ U + b
        if cell.coupled:
            zf, zc, zo = np.split(z, 3, axis=1)
            f = sigmoid(zf + p["f"] * c)
            i = 1 - f
        else:
            zi, zf, zc, zo = np.split(z, 4, axis=1)
            i = sigmoid(zi + p["i"] * c)
            f = sigmoid(zf + p["f"] * c)
        c_new = f * c + i * np.tanh(zc)
        o = sigmoid(zo + p["o"] * c_new)
        h_new = o * np.tanh(c_new)
        if mask is not None:   # masked steps keep the state and repeat the previous output
            keep = mask[:, t:t + 1]
            h_new, c_new = np.where(keep, h_new, h), np.where(keep, c_new, c)
        h, c = h_new, c_new
        out.append(h)
    return np.stack(out, 1), h, c


# --- equivalence with keras.layers.LSTM --------------------------------------------------------

@pytest.mark.parametrize("return_sequences", [True, False])
def test_equals_keras_lstm_with_the_same_weights(return_sequences):
    mine, ref = _pair(return_sequences=return_sequences)
    assert [w.shape for w in mine.weights] == [w.shape for w in ref.weights]
    assert [w.name for w in mine.weights] == [w.name for w in ref.weights]
    diff = np.abs(_np(mine(X)) - _np(ref(X))).max()
    assert diff < TOL, diff


def test_equals_keras_lstm_with_return_state_and_go_backwards():
    mine, ref = _pair(return_sequences=True, return_state=True, go_backwards=True)
    for a, b in zip(mine(X), ref(X)):              # sequence, h_T, c_T
        assert np.abs(_np(a) - _np(b)).max() < TOL


def test_equals_keras_lstm_on_padded_sequences_with_a_mask():
    mine, ref = _pair(return_sequences=True, return_state=True)
    for a, b in zip(mine(X_PADDED, mask=MASK), ref(X_PADDED, mask=MASK)):
        assert np.abs(_np(a) - _np(b)).max() < TOL
    # and through a Masking layer, as a reader would write it
    inputs = keras.Input((None, 3))
    masked = keras.layers.Masking(0.0)(inputs)
    both = keras.Model(inputs, [mine(masked), ref(masked)])
    outs = both(X_PADDED)
    assert np.abs(_np(outs[0][0]) - _np(outs[1][0])).max() < TOL


def test_equals_keras_lstm_with_initial_states():
    mine, ref = _pair(return_sequences=True)
    h0 = RNG.standard_normal((6, UNITS)).astype("float32")
    c0 = RNG.standard_normal((6, UNITS)).astype("float32")
    diff = np.abs(_np(mine(X, initial_state=[h0, c0])) - _np(ref(X, initial_state=[h0, c0])))
    assert diff.max() < TOL
    # the initial state matters (else the test above would prove little)
    assert np.abs(_np(mine(X, initial_state=[h0, c0])) - _np(mine(X))).max() > 1e-3


def test_default_initialisation_matches_keras_including_unit_forget_bias():
    keras.utils.set_random_seed(3)
    ref = keras.layers.LSTM(UNITS)
    ref.build(X.shape)
    keras.utils.set_random_seed(3)
    mine = keras.layers.RNN(LSTMCell(UNITS))
    mine.build(X.shape)
    bias = _np(mine.cell.bias)
    np.testing.assert_array_equal(bias, _np(ref.cell.bias))
    # blocks i, f, c, o: only the forget block starts at 1
    np.testing.assert_array_equal(bias.reshape(4, UNITS), np.repeat([[0], [1], [0], [0]], UNITS, 1))


# --- every variant against an independent NumPy loop --------------------------------------------

VARIANTS = [dict(), dict(peephole=True), dict(coupled=True), dict(peephole=True, coupled=True),
            dict(use_bias=False), dict(unit_forget_bias=False, peephole=True)]


@pytest.mark.parametrize("options", VARIANTS, ids=lambda o: "-".join(o) or "plain")
def test_every_variant_equals_a_numpy_loop(options):
    cell = LSTMCell(UNITS, **options)
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    layer.build(X.shape)
    _random_weights(layer, seed=2)
    h0 = RNG.standard_normal((6, UNITS)).astype("float32")
    c0 = RNG.standard_normal((6, UNITS)).astype("float32")
    seq, h, c = layer(X, initial_state=[h0, c0])
    want_seq, want_h, want_c = _numpy_lstm(cell, X, h0, c0)
    np.testing.assert_allclose(_np(seq), want_seq, atol=TOL)
    np.testing.assert_allclose(_np(h), want_h, atol=TOL)
    np.testing.assert_allclose(_np(c), want_c, atol=TOL)
    seq, h, c = layer(X_PADDED, mask=MASK)
    want_seq, want_h, want_c = _numpy_lstm(cell, X_PADDED, mask=MASK)
    np.testing.assert_allclose(_np(seq), want_seq, atol=TOL)
    np.testing.assert_allclose(_np(c), want_c, atol=TOL)


def test_peephole_with_zero_peephole_weights_is_the_plain_lstm():
    mine, ref = _pair(return_sequences=True)
    peep = keras.layers.RNN(LSTMCell(UNITS, peephole=True), return_sequences=True)
    peep.build(X.shape)
    peep.cell.set_weights(ref.get_weights() + [np.zeros(UNITS, "float32")] * 3)
    assert np.abs(_np(peep(X)) - _np(ref(X))).max() < TOL
    _random_weights(peep)                          # non-zero peepholes change the output
    assert np.abs(_np(peep(X)) - _np(ref(X))).max() > 1e-3


def test_coupled_cell_writes_exactly_where_it_forgets():
    """With i = 1 - f and a candidate of 1, the cell state stays at 1 whatever f is."""
    cell = LSTMCell(UNITS, coupled=True, activation="linear")
    layer = keras.layers.RNN(cell, return_state=True)
    layer.build(X.shape)
    _random_weights(layer)
    W, U, b = (_np(w) for w in cell.weights)
    b[UNITS:2 * UNITS] = 1.0                      # candidate block (f, c, o): constant 1
    W[:, UNITS:2 * UNITS] = 0.0
    U[:, UNITS:2 * UNITS] = 0.0
    cell.set_weights([W, U, b])
    c0 = np.ones((6, UNITS), "float32")
    _, _, c = layer(X, initial_state=[np.zeros((6, UNITS), "float32"), c0])
    np.testing.assert_allclose(_np(c), 1.0, atol=1e-6)


# --- shapes, weights, parameter counts ----------------------------------------------------------

@pytest.mark.parametrize("options, shapes", [
    (dict(), [(3, 20), (5, 20), (20,)]),
    (dict(use_bias=False), [(3, 20), (5, 20)]),
    (dict(peephole=True), [(3, 20), (5, 20), (20,), (5,), (5,), (5,)]),
    (dict(coupled=True), [(3, 15), (5, 15), (15,)]),
    (dict(coupled=True, peephole=True), [(3, 15), (5, 15), (15,), (5,), (5,)]),
])
def test_weight_shapes_and_output_shapes(options, shapes):
    cell = LSTMCell(UNITS, **options)
    seq, h, c = keras.layers.RNN(cell, return_sequences=True, return_state=True)(X)
    assert [tuple(w.shape) for w in cell.weights] == shapes
    assert tuple(seq.shape) == (6, 9, UNITS) and tuple(h.shape) == tuple(c.shape) == (6, UNITS)
    assert cell.state_size == [UNITS, UNITS] and cell.output_size == UNITS
    d, u = 3, UNITS
    gates = 3 if cell.coupled else 4
    expected = gates * (d * u + u * u + (u if cell.use_bias else 0))
    expected += (2 if cell.coupled else 3) * u if cell.peephole else 0
    assert cell.count_params() == expected


def test_coupled_unit_forget_bias_is_the_first_block():
    cell = LSTMCell(UNITS, coupled=True)
    cell.build((None, 3))
    assert cell.gates == ("f", "c", "o")
    np.testing.assert_array_equal(_np(cell.bias).reshape(3, UNITS)[:, 0], [1, 0, 0])
    cell = LSTMCell(UNITS, unit_forget_bias=False, bias_initializer="ones")
    cell.build((None, 3))
    np.testing.assert_array_equal(_np(cell.bias), 1.0)


def test_masked_batch_equals_each_sequence_alone():
    layer = keras.layers.RNN(LSTMCell(6, peephole=True, peephole_initializer="random_normal"))
    batched = _np(layer(X, mask=MASK))
    alone = np.concatenate([_np(layer(X[i:i + 1, :n])) for i, n in enumerate(LENGTHS)])
    np.testing.assert_allclose(batched, alone, atol=TOL)


# --- configuration and saving -------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: LSTMCell(4),
    lambda: LSTMCell(4, activation="relu", recurrent_activation="hard_sigmoid", use_bias=False,
                     kernel_initializer="he_normal", recurrent_initializer="zeros",
                     bias_initializer="ones", unit_forget_bias=False, peephole=True,
                     coupled=True, peephole_initializer="random_uniform"),
])
def test_get_config_holds_every_argument_and_round_trips(make):
    cell = make()
    config = cell.get_config()
    args = [p for p in inspect.signature(LSTMCell.__init__).parameters
            if p not in ("self", "kwargs")]
    assert set(args) <= set(config), set(args) - set(config)
    clone = LSTMCell.from_config(config)
    assert clone.get_config() == config


@pytest.mark.parametrize("options", [dict(), dict(peephole=True, peephole_initializer="ones"),
                                     dict(coupled=True), dict(coupled=True, peephole=True)],
                         ids=["plain", "peephole", "coupled", "coupled-peephole"])
def test_keras_file_round_trip_in_safe_mode(tmp_path, options):
    model = keras.Sequential([keras.Input((None, 3)), keras.layers.Masking(0.0),
                              keras.layers.RNN(LSTMCell(UNITS, **options), return_sequences=True),
                              keras.layers.Dense(1)])
    before = _np(model(X_PADDED))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_allclose(_np(loaded(X_PADDED)), before, atol=1e-6)
    cell = loaded.layers[1].cell
    assert type(cell) is LSTMCell
    assert cell.get_config() == model.layers[1].cell.get_config()


def test_trains_and_updates_the_peephole_weights():
    x = RNG.standard_normal((64, 8, 1)).astype("float32")
    y = np.cumsum(x, axis=1)[:, -1]
    model = keras.Sequential([keras.Input((8, 1)),
                              keras.layers.RNN(LSTMCell(8, peephole=True)),
                              keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.02), "mse")
    history = model.fit(x, y, epochs=30, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert np.abs(_np(model.layers[0].cell.peephole_o)).max() > 0


# --- errors -------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, message", [
    (lambda: LSTMCell(0), "units must be >= 1, got 0"),
    (lambda: LSTMCell(2.5), "units must be an int, got 2.5"),
    (lambda: LSTMCell("8"), "units must be an int"),
    (lambda: LSTMCell(4, activation="tanhh"),
     "activation must be the name of a Keras activation.*'tanhh'"),
    (lambda: LSTMCell(4, recurrent_activation=3), "recurrent_activation must be"),
    (lambda: LSTMCell(4, use_bias=1), "use_bias must be True or False, got 1"),
    (lambda: LSTMCell(4, unit_forget_bias="yes"), "unit_forget_bias must be True or False"),
    (lambda: LSTMCell(4, peephole=None), "peephole must be True or False, got None"),
    (lambda: LSTMCell(4, coupled="no"), "coupled must be True or False"),
    (lambda: LSTMCell(4, kernel_initializer="glorot"), "kernel_initializer must be.*'glorot'"),
    (lambda: LSTMCell(4, recurrent_initializer=None), "recurrent_initializer must be.*None"),
    (lambda: LSTMCell(4, bias_initializer=3), "bias_initializer must be"),
    (lambda: LSTMCell(4, peephole_initializer="nope"), "peephole_initializer must be"),
])
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_unknown_input_size_is_refused_at_build_time():
    with pytest.raises(ValueError, match="known number of features"):
        LSTMCell(3).build((None, None))


def test_initial_state_of_the_wrong_size_is_refused():
    layer = keras.layers.RNN(LSTMCell(UNITS))
    bad = np.zeros((6, UNITS + 1), "float32")
    with pytest.raises(ValueError, match=r"state h_\{t-1\} must have shape \(batch, 5\)"):
        layer(X, initial_state=[bad, np.zeros((6, UNITS), "float32")])
    with pytest.raises(ValueError, match=r"state c_\{t-1\} must have shape \(batch, 5\)"):
        layer(X, initial_state=[np.zeros((6, UNITS), "float32"), bad])
    with pytest.raises(ValueError, match=r"needs two states \[h_\{t-1\}, c_\{t-1\}\].*got 1"):
        layer(X, initial_state=[np.zeros((6, UNITS), "float32")])
