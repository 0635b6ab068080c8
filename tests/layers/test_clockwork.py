"""course_utils.layers.ClockworkCell: the block mask block by block (catching the transposed,
fast-to-slow mask and a unit-level triangular mask), exactly zero gradient through masked
weights, inactive modules keeping their state, equivalence with a NumPy reference loop,
masking, initial states, saving, errors."""

import inspect

import keras
import numpy as np
import pytest

import course_utils  # noqa: F401  (quiet TensorFlow before it is imported)
from course_utils.layers import ClockworkCell, clockwork_mask, exponential_periods

RNG = np.random.default_rng(0)
X = RNG.standard_normal((5, 19, 3)).astype("float32")
LENGTHS = np.array([19, 12, 7, 19, 1])
MASK = np.arange(19)[None, :] < LENGTHS[:, None]
X_PADDED = np.where(MASK[..., None], X, 0.0).astype("float32")
UNITS, PERIODS = 8, (1, 2, 4, 8)        # 4 modules of 2 units
TOL = 1e-5


def _np(t):
    return keras.ops.convert_to_numpy(t)


def _layer(units=UNITS, periods=PERIODS, seed=1, **rnn_kwargs):
    """An RNN(ClockworkCell) with random weights everywhere (masked entries included)."""
    layer = keras.layers.RNN(ClockworkCell(units, periods=periods), **rnn_kwargs)
    layer.build((None, None, X.shape[-1]))
    rng = np.random.default_rng(seed)
    layer.cell.set_weights([rng.normal(0, 0.6, w.shape).astype("float32")
                            for w in layer.cell.weights])
    return layer


def numpy_clockwork(kernel, recurrent_kernel, bias, periods, x, h0=None, t0=None,
                    seq_mask=None):
    """An independent reference loop written from the paper's equations, module by module.

    Module i (0 = fastest) is updated at step t when t mod T_i == 0, from the input and
    from modules j >= i only; other modules copy their previous value. ``recurrent_kernel``
    is in Keras' layout (rows = source units); the loop reads only the blocks the paper
    allows and never looks at a mask.
    """
    n, steps, _ = x.shape
    g, units = len(periods), recurrent_kernel.shape[0]
    k = units // g
    block = [slice(i * k, (i + 1) * k) for i in range(g)]
    h = np.zeros((n, units)) if h0 is None else h0.astype("float64").copy()
    clock = np.zeros(n, int) if t0 is None else t0.astype(int).ravel().copy()
    out = []
    for t in range(steps):
        new = h.copy()
        for b in range(n):
            if seq_mask is not None and not seq_mask[b, t]:
                continue
            for i in range(g):
                if clock[b] % periods[i]:
                    continue
                z = x[b, t] @ kernel[:, block[i]] + bias[block[i]]
                for j in range(i, g):                       # slower (or same) modules only
                    z = z + h[b, block[j]] @ recurrent_kernel[block[j], block[i]]
                new[b, block[i]] = np.tanh(z)
            clock[b] += 1
        h = new
        out.append(h.copy())
    return np.stack(out, 1), h, clock


# --- the mask, block by block -------------------------------------------------------------------

def _wrong_blocks(mask, g):
    """The (source module, target module) blocks of ``mask`` that are not what a clockwork
    RNN needs: all ones when source >= target (slower or same module feeds faster), all
    zeros otherwise. Rows of ``mask`` are source units, columns target units (Keras)."""
    k = mask.shape[0] // g
    return [(s, t) for s in range(g) for t in range(g)
            if not np.all(mask[s * k:(s + 1) * k, t * k:(t + 1) * k] == (1.0 if s >= t else 0.0))]


def test_mask_is_block_lower_triangular_in_keras_layout():
    units, g = 12, 4
    mask = clockwork_mask(units, g)
    assert mask.shape == (units, units) and mask.dtype == np.float32
    assert _wrong_blocks(mask, g) == []
    np.testing.assert_array_equal(ClockworkCell(units, periods=(1, 2, 4, 8)).mask, mask)


def _recurrent_shapes(mask, g):
    """The recurrent matrix each module receives, (k, number of source units), per module."""
    k = mask.shape[0] // g
    return [(k, int(mask[:, i * k].sum())) for i in range(g)]


def test_worked_example_256_units_4_modules():
    mask = clockwork_mask(256, 4)
    # paper layout U = mask.T (rows = targets): the fastest module reads all 256 units
    assert _recurrent_shapes(mask, 4) == [(64, 256), (64, 192), (64, 128), (64, 64)]
    assert mask.sum() == 64 ** 2 * 4 * 5 // 2 == 40960


@pytest.mark.parametrize("wrong", [
    lambda m: m.T.copy(),                                   # fast-to-slow (transposed)
    lambda m: np.tril(np.ones_like(m)),                     # unit-level triangle
    lambda m: np.triu(np.ones_like(m)),                     # unit-level, other way round
    lambda m: np.kron(np.eye(4), np.ones((3, 3))),          # modules never exchange
    lambda m: np.ones_like(m),                              # no mask at all
], ids=["transposed", "unit-triangular", "unit-triangular-upper", "block-diagonal", "dense"])
def test_the_block_check_catches_the_usual_wrong_masks(wrong):
    """The check used above must fail on the masks found in public implementations."""
    assert _wrong_blocks(wrong(clockwork_mask(12, 4)), 4)


def test_cell_uses_slow_to_fast_connections_only():
    """Behavioural check of the mask: a perturbation of a slow module's state reaches the
    fast modules one step later; a perturbation of a fast module never reaches slower ones."""
    layer = _layer(periods=(1, 1, 1, 1), return_sequences=True)
    cell = layer.cell
    x = np.zeros((1, 1, 3), "float32")
    base = np.full((1, UNITS), 0.3, "float32")
    t0 = np.zeros((1, 1), "float32")
    k = cell.module_size
    out0 = _np(layer(x, initial_state=[base, t0]))[0, 0]
    for module in range(4):
        h0 = base.copy()
        h0[0, module * k:(module + 1) * k] += 0.5
        changed = np.abs(_np(layer(x, initial_state=[h0, t0]))[0, 0] - out0) > 1e-7
        per_module = changed.reshape(4, k).any(axis=1)
        # module m's state affects modules 0..m (itself and the faster ones) only
        np.testing.assert_array_equal(per_module, np.arange(4) <= module)


# --- gradients ----------------------------------------------------------------------------------

def _recurrent_gradient(layer, x):
    """d(sum of squared outputs) / d recurrent_kernel, on the TensorFlow or the JAX backend."""
    if keras.backend.backend() == "jax":
        import jax

        names = [v.path for v in layer.trainable_variables]
        index = names.index(layer.cell.recurrent_kernel.path)
        values = [v.value for v in layer.trainable_variables]

        def loss(recurrent):
            trainable = values[:index] + [recurrent] + values[index + 1:]
            out, _ = layer.stateless_call(trainable, [], x)
            return jax.numpy.sum(out ** 2)

        return np.asarray(jax.grad(loss)(values[index]))
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = keras.ops.sum(layer(x) ** 2)
    return _np(tape.gradient(loss, layer.cell.recurrent_kernel.value))


def test_masked_weights_get_exactly_zero_gradient_and_never_change():
    layer = _layer(return_sequences=True)
    grad = _recurrent_gradient(layer, X)
    mask = layer.cell.mask
    assert np.all(grad[mask == 0] == 0.0)                 # exactly zero, not just small
    assert np.all(np.abs(grad[mask == 1]) > 0)            # every allowed weight learns
    # and a short training run leaves the masked entries where they started
    model = keras.Sequential([keras.Input((19, 3)), layer, keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.05), "mse")
    before = _np(layer.cell.recurrent_kernel)
    model.fit(X, RNG.standard_normal((5, 19, 1)).astype("float32"), epochs=5, verbose=0)
    after = _np(layer.cell.recurrent_kernel)
    np.testing.assert_array_equal(after[mask == 0], before[mask == 0])
    assert np.abs(after - before)[mask == 1].min() > 0


def test_masked_weights_do_not_change_the_output():
    layer = _layer(return_sequences=True)
    out = _np(layer(X))
    kernel, recurrent, bias = layer.cell.get_weights()
    recurrent = np.where(layer.cell.mask == 0, 100.0, recurrent).astype("float32")
    layer.cell.set_weights([kernel, recurrent, bias])
    np.testing.assert_allclose(_np(layer(X)), out, atol=1e-6)


# --- the clock ----------------------------------------------------------------------------------

def test_inactive_modules_keep_their_state_exactly():
    layer = _layer(return_sequences=True)
    seq = _np(layer(X))                                    # (batch, T, units)
    k = layer.cell.module_size
    for i, period in enumerate(PERIODS):
        block = seq[:, :, i * k:(i + 1) * k]
        for t in range(1, X.shape[1]):
            if t % period:
                np.testing.assert_array_equal(block[:, t], block[:, t - 1])
            else:   # an active step changes the module (random inputs, random weights)
                assert np.abs(block[:, t] - block[:, t - 1]).max() > 1e-4, (i, t)
    # the slowest module (period 8) takes exactly 3 values over 19 steps (t = 0, 8, 16)
    slow = seq[0, :, -k:]
    assert len(np.unique(slow.round(7), axis=0)) == 3


def test_custom_periods_and_step_counter_in_the_state():
    layer = _layer(units=6, periods=(1, 3, 5), return_sequences=True, return_state=True)
    seq, h, clock = layer(X)
    np.testing.assert_array_equal(_np(clock), np.full((5, 1), 19.0))
    np.testing.assert_allclose(_np(h), _np(seq)[:, -1], atol=0)
    cell = layer.cell
    want, _, _ = numpy_clockwork(*(w.astype("float64") for w in cell.get_weights()),
                                 cell.periods, X.astype("float64"))
    np.testing.assert_allclose(_np(seq), want, atol=TOL)


def test_equals_the_numpy_reference_loop():
    layer = _layer(return_sequences=True, return_state=True)
    cell = layer.cell
    weights = [w.astype("float64") for w in cell.get_weights()]
    seq, h, clock = layer(X)
    want_seq, want_h, want_clock = numpy_clockwork(*weights, PERIODS, X.astype("float64"))
    np.testing.assert_allclose(_np(seq), want_seq, atol=TOL)
    np.testing.assert_allclose(_np(h), want_h, atol=TOL)
    np.testing.assert_array_equal(_np(clock)[:, 0], want_clock)


def test_equals_the_reference_with_an_initial_state_that_resumes_the_clock():
    layer = _layer(return_sequences=True)
    weights = [w.astype("float64") for w in layer.cell.get_weights()]
    h0 = RNG.standard_normal((5, UNITS)).astype("float32")
    t0 = np.array([[0], [1], [3], [6], [13]], "float32")
    want, _, _ = numpy_clockwork(*weights, PERIODS, X.astype("float64"), h0=h0, t0=t0)
    np.testing.assert_allclose(_np(layer(X, initial_state=[h0, t0])), want, atol=TOL)
    # resuming at t0 = 5 gives the second half of one run of 10 steps
    full = _np(layer(X[:, :10]))
    first = keras.layers.RNN(layer.cell, return_state=True)
    _, h5, t5 = first(X[:, :5])
    np.testing.assert_allclose(_np(layer(X[:, 5:10], initial_state=[h5, t5])), full[:, 5:],
                               atol=TOL)


def test_padded_batch_with_a_mask_equals_each_sequence_alone():
    layer = _layer(return_sequences=True, return_state=True)
    weights = [w.astype("float64") for w in layer.cell.get_weights()]
    seq, h, clock = layer(X_PADDED, mask=MASK)
    want_seq, want_h, want_clock = numpy_clockwork(*weights, PERIODS, X_PADDED.astype("float64"),
                                                   seq_mask=MASK)
    np.testing.assert_allclose(_np(h), want_h, atol=TOL)
    np.testing.assert_array_equal(_np(clock)[:, 0], LENGTHS)   # masked steps do not tick
    for b, n in enumerate(LENGTHS):
        np.testing.assert_allclose(_np(seq)[b, :n], want_seq[b, :n], atol=TOL)
    final = keras.layers.RNN(layer.cell)
    alone = np.concatenate([_np(final(X[i:i + 1, :n])) for i, n in enumerate(LENGTHS)])
    np.testing.assert_allclose(_np(final(X_PADDED, mask=MASK)), alone, atol=TOL)


def test_all_periods_one_is_a_masked_simple_rnn():
    layer = _layer(periods=(1, 1, 1, 1), return_sequences=True)
    kernel, recurrent, bias = layer.cell.get_weights()
    srn = keras.layers.SimpleRNN(UNITS, return_sequences=True)
    srn.build(X.shape)
    srn.set_weights([kernel, recurrent * layer.cell.mask, bias])
    np.testing.assert_allclose(_np(layer(X)), _np(srn(X)), atol=TOL)


# --- shapes, parameters, configuration, saving --------------------------------------------------

def test_shapes_and_effective_parameter_count():
    cell = ClockworkCell(256, periods=(1, 2, 4, 8))
    seq = keras.layers.RNN(cell, return_sequences=True)(np.zeros((2, 4, 3), "float32"))
    assert tuple(seq.shape) == (2, 4, 256)
    assert [tuple(w.shape) for w in cell.weights] == [(3, 256), (256, 256), (256,)]
    assert cell.state_size == [256, 1] and cell.output_size == 256
    assert cell.count_effective_params() == 3 * 256 + 64 * 64 * 10 + 256
    assert cell.count_params() == 3 * 256 + 256 * 256 + 256          # stored, dense
    no_bias = ClockworkCell(6, periods=(1, 2, 4), use_bias=False)
    no_bias.build((None, 2))
    assert no_bias.count_effective_params() == 2 * 6 + 4 * 6
    assert exponential_periods(5) == (1, 2, 4, 8, 16)
    with pytest.raises(ValueError, match="needs a built cell"):
        ClockworkCell(4, periods=(1, 2)).count_effective_params()


@pytest.mark.parametrize("make", [
    lambda: ClockworkCell(4),
    lambda: ClockworkCell(9, periods=[1, 5, 5], activation="relu", use_bias=False,
                          kernel_initializer="he_normal", recurrent_initializer="zeros",
                          bias_initializer="ones"),
])
def test_get_config_holds_every_argument_and_round_trips(make):
    cell = make()
    config = cell.get_config()
    args = [p for p in inspect.signature(ClockworkCell.__init__).parameters
            if p not in ("self", "kwargs")]
    assert set(args) <= set(config), set(args) - set(config)
    clone = ClockworkCell.from_config(config)
    assert clone.get_config() == config and clone.periods == cell.periods


def test_keras_file_round_trip_in_safe_mode(tmp_path):
    model = keras.Sequential([keras.Input((None, 3)), keras.layers.Masking(0.0),
                              keras.layers.RNN(ClockworkCell(6, periods=(1, 2, 7)),
                                               return_sequences=True),
                              keras.layers.Dense(1)])
    before = _np(model(X_PADDED))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_allclose(_np(loaded(X_PADDED)), before, atol=1e-6)
    cell = loaded.layers[1].cell
    assert type(cell) is ClockworkCell and cell.periods == (1, 2, 7)


def test_trains_under_jit_compile():
    x = RNG.standard_normal((32, 16, 1)).astype("float32")
    y = x[:, 0]                                   # recall the first input at the end
    model = keras.Sequential([keras.Input((16, 1)),
                              keras.layers.RNN(ClockworkCell(8, periods=(1, 2, 4, 16))),
                              keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.02), "mse", jit_compile=True)
    history = model.fit(x, y, epochs=40, verbose=0)
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]


# --- errors -------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, message", [
    (lambda: ClockworkCell(10, periods=(1, 2, 4, 8)),
     "units must be a multiple of the number of modules: 10 units cannot be split into 4"),
    (lambda: clockwork_mask(10, 4), "10 units cannot be split into 4 modules"),
    (lambda: ClockworkCell(0), "units must be >= 1, got 0"),
    (lambda: ClockworkCell(4.0), "units must be an int, got 4.0"),
    (lambda: ClockworkCell(4, periods=(1, 0)), r"periods\[1\] must be >= 1.*got 0"),
    (lambda: ClockworkCell(4, periods=(1, -2)), r"periods\[1\] must be >= 1.*got -2"),
    (lambda: ClockworkCell(4, periods=(1, 2.5)), r"periods\[1\] must be a whole number.*2.5"),
    (lambda: ClockworkCell(4, periods=(1, 2.0)), r"periods\[1\] must be an int, got the float 2.0"),
    (lambda: ClockworkCell(4, periods=(1, "2")), r"periods\[1\] must be a positive int.*'2'"),
    (lambda: ClockworkCell(4, periods=(1, True)), r"periods\[1\] must be a positive int"),
    (lambda: ClockworkCell(4, periods=4), "periods must be a list or tuple of positive ints"),
    (lambda: ClockworkCell(4, periods="1248"), "periods must be a list or tuple"),
    (lambda: ClockworkCell(4, periods=()), "at least one module"),
    (lambda: ClockworkCell(4, periods=(2, 1)), r"non-decreasing.*\(2, 1\)"),
    (lambda: ClockworkCell(4, periods=(1, 2), activation="tanhh"), "activation must be"),
    (lambda: ClockworkCell(4, periods=(1, 2), use_bias=1), "use_bias must be True or False"),
    (lambda: ClockworkCell(4, periods=(1, 2), kernel_initializer="glorot"),
     "kernel_initializer must be"),
    (lambda: exponential_periods(0), "n_modules must be >= 1"),
])
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_unknown_input_size_is_refused_at_build_time():
    with pytest.raises(ValueError, match="known number of features"):
        ClockworkCell(4, periods=(1, 2)).build((None, None))


def test_initial_state_errors_name_the_counter():
    layer = keras.layers.RNN(ClockworkCell(UNITS))
    h0 = np.zeros((5, UNITS), "float32")
    with pytest.raises(ValueError, match=r"needs two states \[h_\{t-1\}, t\].*got 1"):
        layer(X, initial_state=[h0])
    with pytest.raises(ValueError, match=r"state t must have shape \(batch, 1\)"):
        layer(X, initial_state=[h0, np.zeros((5, 2), "float32")])
    with pytest.raises(ValueError, match=r"state h_\{t-1\} must have shape \(batch, 8\)"):
        layer(X, initial_state=[np.zeros((5, 3), "float32"), np.zeros((5, 1), "float32")])
