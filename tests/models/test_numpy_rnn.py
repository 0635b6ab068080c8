"""course_utils.models.numpy_rnn: hand-written (truncated) BPTT against finite differences and
TensorFlow autodiff, truncation semantics, training, and input validation."""

import numpy as np
import pytest

from course_utils.models import numpy_rnn
from course_utils.models.numpy_rnn import Adam, NumpyRNN, global_norm, numerical_gradients, relative_error

I, H, K, B, T = 5, 4, 3, 3, 6


def small_model(seed=0):
    rng = np.random.default_rng(100 + seed)
    model = NumpyRNN(I, H, K, seed=seed, recurrent_scale=1.3)
    model.set_params(b=0.3 * rng.standard_normal(H), b_y=0.3 * rng.standard_normal(K))
    return model


def batch(seed=0, floats=False):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, T, I)) if floats else rng.integers(0, I, size=(B, T))
    y = rng.integers(0, K, size=(B, T))
    mask = np.ones((B, T))
    mask[0, 4:] = 0  # a padded sequence
    mask[2, 5:] = 0
    return x, y, mask


# --- forward pass ------------------------------------------------------------------------

def test_forward_shapes_and_the_recurrence():
    model = small_model()
    x, _, _ = batch()
    probs, hs = model.forward(x)
    assert probs.shape == (B, T, K) and hs.shape == (B, T, H)
    np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-12)
    p = model.params
    h = np.zeros((B, H))
    for t in range(T):
        h = np.tanh(p["W"][:, x[:, t]].T + h @ p["U"].T + p["b"])
        np.testing.assert_allclose(hs[:, t], h, atol=1e-14)
    z = hs[:, -1] @ p["W_y"].T + p["b_y"]
    np.testing.assert_allclose(probs[:, -1], np.exp(z) / np.exp(z).sum(-1, keepdims=True),
                               atol=1e-14)


def test_token_ids_are_one_hot_inputs():
    model = small_model()
    x, y, mask = batch()
    onehot = np.eye(I)[x]
    np.testing.assert_allclose(model.forward(x)[0], model.forward(onehot)[0], atol=1e-14)
    l1, g1 = model.loss_and_grads(x, y, mask)
    l2, g2 = model.loss_and_grads(onehot, y, mask)
    assert l1 == pytest.approx(l2, abs=1e-14)
    for name in g1:
        np.testing.assert_allclose(g1[name], g2[name], atol=1e-14)


def test_step_matches_forward():
    model = small_model()
    x, _, _ = batch()
    probs, hs = model.forward(x)
    h = np.zeros((B, H))
    for t in range(T):
        p, h = model.step(x[:, t], h)
        np.testing.assert_allclose(p, probs[:, t], atol=1e-14)
        np.testing.assert_allclose(h, hs[:, t], atol=1e-14)


def test_loss_is_masked_mean_cross_entropy():
    model = small_model()
    x, y, mask = batch()
    probs, _ = model.forward(x)
    picked = np.take_along_axis(probs, y[..., None], -1)[..., 0]
    expected = -(np.log(picked) * mask).sum() / mask.sum()
    assert model.loss(x, y, mask) == pytest.approx(expected, rel=1e-13)
    # padded targets do not matter
    y2 = y.copy()
    y2[mask == 0] = (y2[mask == 0] + 1) % K
    assert model.loss(x, y2, mask) == pytest.approx(expected, rel=1e-13)


# --- gradients against finite differences and autodiff ---------------------------------------

@pytest.mark.parametrize("floats", [False, True])
def test_bptt_matches_finite_differences(floats):
    model = small_model()
    x, y, mask = batch(1, floats=floats)
    h0 = 0.5 * np.random.default_rng(9).standard_normal((B, H))
    _, grads = model.loss_and_grads(x, y, mask, h0=h0)
    numeric = numerical_gradients(model, x, y, mask, h0=h0)
    for name in numpy_rnn.PARAM_NAMES:
        assert relative_error(grads[name], numeric[name]) < 1e-6, name


def _keras_pair(model):
    import keras

    rnn = keras.layers.SimpleRNN(model.n_hidden, return_sequences=True, dtype="float64")
    dense = keras.layers.Dense(model.n_outputs, dtype="float64")
    rnn.build((None, None, model.n_inputs))
    dense.build((None, None, model.n_hidden))
    rnn_w, dense_w = model.keras_weights()
    rnn.set_weights(rnn_w)
    dense.set_weights(dense_w)
    return rnn, dense


def _keras_loss_and_grads(model, x_onehot, y, mask):
    import keras
    import tensorflow as tf

    rnn, dense = _keras_pair(model)
    with tf.GradientTape() as tape:
        logits = dense(rnn(x_onehot))
        ce = keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
        loss = tf.reduce_sum(ce * mask) / mask.sum()
    variables = [rnn.cell.kernel, rnn.cell.recurrent_kernel, rnn.cell.bias, dense.kernel,
                 dense.bias]
    grads = tape.gradient(loss, variables)
    g = [v.numpy() for v in grads]
    return float(loss), {"W": g[0].T, "U": g[1].T, "b": g[2], "W_y": g[3].T, "b_y": g[4]}, logits


def test_bptt_matches_keras_simple_rnn_and_gradient_tape():
    model = small_model(2)
    x, y, mask = batch(2)
    loss, grads = model.loss_and_grads(x, y, mask)
    ref_loss, ref, logits = _keras_loss_and_grads(model, np.eye(I)[x], y, mask)
    probs, _ = model.forward(x)
    z = logits.numpy()
    np.testing.assert_allclose(probs, np.exp(z) / np.exp(z).sum(-1, keepdims=True), atol=1e-12)
    assert loss == pytest.approx(ref_loss, abs=1e-12)
    for name in numpy_rnn.PARAM_NAMES:
        np.testing.assert_allclose(grads[name], ref[name], atol=1e-12, err_msg=name)


def _truncated_reference(model, x, y, mask, k):
    """Truncated BPTT by autodiff: the loss at step t sees the state h_{t-k} as a constant
    and recomputes the last k steps with the (differentiated) weights."""
    import tensorflow as tf

    p = {n: tf.Variable(v) for n, v in model.params.items()}
    _, hs = model.forward(x)
    xin = np.eye(I)[x]
    total = 0.0
    with tf.GradientTape() as tape:
        for t in range(T):
            start = max(0, t - k + 1)
            h = tf.constant(hs[:, start - 1]) if start > 0 else tf.zeros((B, H), tf.float64)
            for s in range(start, t + 1):
                h = tf.tanh(xin[:, s] @ tf.transpose(p["W"]) + h @ tf.transpose(p["U"]) + p["b"])
            logits = h @ tf.transpose(p["W_y"]) + p["b_y"]
            logp = tf.nn.log_softmax(logits)
            picked = tf.gather(logp, y[:, t], batch_dims=1)
            total += -tf.reduce_sum(picked * mask[:, t])
        loss = total / mask.sum()
    g = tape.gradient(loss, [p[n] for n in numpy_rnn.PARAM_NAMES])
    return {n: v.numpy() for n, v in zip(numpy_rnn.PARAM_NAMES, g)}


@pytest.mark.parametrize("k", [1, 2, 4])
def test_truncated_bptt_matches_autodiff_with_stopped_gradients(k):
    model = small_model(3)
    x, y, mask = batch(3)
    _, grads = model.loss_and_grads(x, y, mask, truncate=k)
    ref = _truncated_reference(model, x, y, mask, k)
    for name in numpy_rnn.PARAM_NAMES:
        np.testing.assert_allclose(grads[name], ref[name], atol=1e-12, err_msg=f"{name}, k={k}")


def test_window_at_least_T_is_full_bptt_and_k1_keeps_only_the_immediate_term():
    model = small_model(4)
    x, y, mask = batch(4)
    _, full = model.loss_and_grads(x, y, mask)
    for k in (T, T + 3):
        _, g = model.loss_and_grads(x, y, mask, truncate=k)
        for name in full:
            np.testing.assert_allclose(g[name], full[name], atol=1e-15)
    # k = 1: dL/dU = sum_t [(W_y^T du_t) * (1 - h_t^2)] h_{t-1}^T, the immediate term only
    _, g1 = model.loss_and_grads(x, y, mask, truncate=1)
    probs, hs = model.forward(x)
    dz = probs - np.eye(K)[y]
    dz *= (mask / mask.sum())[..., None]
    da = (dz @ model.params["W_y"]) * (1 - hs ** 2)
    h_prev = np.concatenate([np.zeros((B, 1, H)), hs[:, :-1]], axis=1)
    np.testing.assert_allclose(g1["U"], np.einsum("bth,btj->hj", da, h_prev), atol=1e-15)
    np.testing.assert_allclose(g1["b"], da.sum((0, 1)), atol=1e-15)
    assert relative_error(g1["U"], full["U"]) > 0.01  # truncation really drops terms
    np.testing.assert_allclose(g1["W_y"], full["W_y"], atol=1e-15)  # W_y, b_y: never truncated


def _chunked_reference(model, x, y, mask, k):
    """Chunked truncated BPTT by autodiff: the forward pass runs through all chunks, the state
    handed from one chunk to the next is a constant (what a stateful Keras layer does)."""
    import tensorflow as tf

    p = {n: tf.Variable(v) for n, v in model.params.items()}
    xin = np.eye(I)[x]
    total = 0.0
    with tf.GradientTape() as tape:
        h = tf.zeros((B, H), tf.float64)
        for t in range(T):
            if t % k == 0:
                h = tf.stop_gradient(h)
            h = tf.tanh(xin[:, t] @ tf.transpose(p["W"]) + h @ tf.transpose(p["U"]) + p["b"])
            logp = tf.nn.log_softmax(h @ tf.transpose(p["W_y"]) + p["b_y"])
            total += -tf.reduce_sum(tf.gather(logp, y[:, t], batch_dims=1) * mask[:, t])
        loss = total / mask.sum()
    g = tape.gradient(loss, [p[n] for n in numpy_rnn.PARAM_NAMES])
    return {n: v.numpy() for n, v in zip(numpy_rnn.PARAM_NAMES, g)}


@pytest.mark.parametrize("k", [1, 2, 4, 5])
def test_chunked_truncation_matches_autodiff_with_the_state_stopped_between_chunks(k):
    model = small_model(6)
    x, y, mask = batch(6)
    _, grads = model.loss_and_grads(x, y, mask, truncate=k, truncation="chunks")
    ref = _chunked_reference(model, x, y, mask, k)
    for name in numpy_rnn.PARAM_NAMES:
        np.testing.assert_allclose(grads[name], ref[name], atol=1e-12, err_msg=f"{name}, k={k}")


def test_chunked_truncation_is_the_sum_of_per_chunk_bptt_with_the_state_carried():
    model = small_model(7)
    x, y, mask = batch(7)
    k = 4                                          # chunks [0, 4) and [4, 6)
    _, grads = model.loss_and_grads(x, y, mask, truncate=k, truncation="chunks")
    _, hs = model.forward(x)
    total = {n: np.zeros_like(v) for n, v in model.params.items()}
    for start in range(0, T, k):
        part = slice(start, start + k)
        h0 = hs[:, start - 1] if start > 0 else None
        _, g = model.loss_and_grads(x[:, part], y[:, part], mask[:, part], h0=h0)
        weight = mask[:, part].sum() / mask.sum()  # each chunk's loss is a mean over its steps
        for n in total:
            total[n] += weight * g[n]
    for n in total:
        np.testing.assert_allclose(grads[n], total[n], atol=1e-14, err_msg=n)


def test_the_two_truncations_agree_only_at_the_extremes():
    model = small_model(8)
    x, y, mask = batch(8)
    _, full = model.loss_and_grads(x, y, mask)
    _, window1 = model.loss_and_grads(x, y, mask, truncate=1)
    _, chunks1 = model.loss_and_grads(x, y, mask, truncate=1, truncation="chunks")
    _, chunks_t = model.loss_and_grads(x, y, mask, truncate=T, truncation="chunks")
    _, window3 = model.loss_and_grads(x, y, mask, truncate=3)
    _, chunks3 = model.loss_and_grads(x, y, mask, truncate=3, truncation="chunks")
    for n in full:
        np.testing.assert_allclose(chunks1[n], window1[n], atol=1e-15)   # k = 1: the same
        np.testing.assert_allclose(chunks_t[n], full[n], atol=1e-15)     # k >= T: full BPTT
    # in between, a chunk drops more: its early steps see fewer than k steps back
    assert relative_error(chunks3["U"], window3["U"]) > 0.01
    assert relative_error(chunks3["U"], full["U"]) > relative_error(window3["U"], full["U"])


def test_fit_passes_the_truncation_on():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 3, size=(32, 9))
    runs = {}
    for truncation in ("window", "chunks"):
        model = NumpyRNN(3, 6, 3, seed=0)
        model.fit(x, np.roll(x, 2, axis=1), epochs=1, batch_size=32, truncate=3,
                  truncation=truncation)
        runs[truncation] = model.params["U"]
    assert not np.allclose(runs["window"], runs["chunks"])


def test_lag_contributions_sum_to_full_and_truncated_gradients():
    model = small_model(5)
    x, y, mask = batch(5)
    parts = model.lag_contributions(x, y, mask)
    _, full = model.loss_and_grads(x, y, mask)
    for name in ("W", "U", "b"):
        assert parts[name].shape == (T, *model.params[name].shape)
        np.testing.assert_allclose(parts[name].sum(0), full[name], atol=1e-15)
        for k in range(1, T):
            _, g = model.loss_and_grads(x, y, mask, truncate=k)
            np.testing.assert_allclose(parts[name][:k].sum(0), g[name], atol=1e-15)


def test_lag_pair_sizes_separate_the_number_of_pairs_from_their_size():
    model = small_model(9)
    x, y, mask = batch(9)
    # one sequence, one counted loss at step 4: at every lag there is at most one pair, so
    # its size is the norm of that lag's contribution
    one = np.zeros((1, T))
    one[0, 4] = 1
    mean_norm, n_pairs = model.lag_pair_sizes(x[:1], y[:1], one)
    parts = model.lag_contributions(x[:1], y[:1], one)["U"]
    assert n_pairs.tolist() == [1, 1, 1, 1, 0, 0]      # s = 4, 3, 2, 1; s = 0 sees h_0 = 0
    np.testing.assert_allclose(mean_norm[:4], np.linalg.norm(parts[:4], axis=(1, 2)), rtol=1e-12)
    assert np.all(np.isnan(mean_norm[4:]))
    # the batch: lengths 4, 6, 5 -> n - 1 - lag pairs per sequence
    mean_norm, n_pairs = model.lag_pair_sizes(x, y, mask)
    lengths = mask.sum(axis=1)
    expected = [int(np.maximum(lengths - 1 - lag, 0).sum()) for lag in range(T)]
    assert n_pairs.tolist() == expected
    assert np.all(mean_norm[:5] > 0)


# --- training -------------------------------------------------------------------------------

def test_fit_learns_a_one_step_echo_and_reports_history():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, size=(200, 8))
    y = np.roll(x, 1, axis=1)
    mask = np.ones_like(x)
    mask[:, 0] = 0
    model = NumpyRNN(3, 16, 3, seed=0)
    before = model.loss(x, y, mask)
    hist = model.fit(x, y, mask, epochs=15, batch_size=20, learning_rate=0.02,
                     validation_data=(x, y, mask), clip_norm=5.0, seed=1)
    assert set(hist) == {"loss", "batch_loss", "val_loss"}
    assert len(hist["loss"]) == 15 and len(hist["batch_loss"]) == 150
    assert hist["val_loss"][-1] < 0.1 * before


def test_fit_with_clipping_never_takes_a_step_longer_than_the_threshold():
    model = NumpyRNN(3, 8, 3, seed=0, recurrent_scale=2.0)
    x = np.random.default_rng(1).integers(0, 3, size=(16, 10))
    before = {k: v.copy() for k, v in model.params.items()}
    # one plain gradient step via Adam is bounded by lr anyway; check the clipping arithmetic
    _, grads = model.loss_and_grads(x, x)
    norm = global_norm(grads)
    clipped = {k: g * min(1.0, 0.01 / norm) for k, g in grads.items()}
    assert global_norm(clipped) == pytest.approx(min(norm, 0.01))
    model.fit(x, x, epochs=1, batch_size=16, learning_rate=0.01, clip_norm=0.01, truncate=3)
    assert any(not np.array_equal(before[k], model.params[k]) for k in before)


def test_adam_first_steps_follow_the_keras_formula():
    params = {"a": np.array([1.0, -2.0]), "b": np.array([[0.5]])}
    grads = {"a": np.array([3.0, -0.1]), "b": np.array([[1e-3]])}
    opt = Adam(params, learning_rate=0.1)
    opt.update(params, grads)
    # the first step moves every weight by about the learning rate, against its gradient
    np.testing.assert_allclose(params["a"], [0.9, -1.9], atol=1e-5)
    # exactly: lr * sqrt(1 - b2) / (1 - b1) * m / (sqrt(v) + eps), as in keras.optimizers.Adam
    g = 1e-3
    m, v = 0.1 * g, 0.001 * g * g
    step = 0.1 * np.sqrt(1 - 0.999) / (1 - 0.9) * m / (np.sqrt(v) + 1e-7)
    np.testing.assert_allclose(params["b"], [[0.5 - step]], rtol=1e-12)
    assert opt.iterations == 1


def test_adam_matches_keras_adam_over_several_steps():
    import keras

    rng = np.random.default_rng(0)
    start = rng.standard_normal((3, 2))
    params = {"w": start.copy()}
    ours = Adam(params, learning_rate=0.05)
    var = keras.Variable(start.copy(), dtype="float64")
    theirs = keras.optimizers.Adam(learning_rate=0.05)
    for _ in range(5):
        g = rng.standard_normal((3, 2))
        ours.update(params, {"w": g})
        theirs.apply_gradients([(keras.ops.convert_to_tensor(g), var)])
    # Keras keeps the learning rate and step counter in float32, hence the tolerance
    np.testing.assert_allclose(params["w"], var.numpy(), rtol=2e-5, atol=1e-6)


def test_helpers():
    assert global_norm([np.array([3.0]), np.array([[4.0]])]) == pytest.approx(5.0)
    assert global_norm({"a": np.array([3.0, 4.0])}) == pytest.approx(5.0)
    assert relative_error(np.ones(3), np.ones(3)) == 0.0
    assert relative_error(np.ones(3), -np.ones(3)) == pytest.approx(1.0)
    p = numpy_rnn.softmax(np.array([[1000.0, 1000.0, -1000.0]]))
    np.testing.assert_allclose(p, [[0.5, 0.5, 0.0]])
    rnn_w, dense_w = small_model().keras_weights()
    assert [w.shape for w in rnn_w] == [(I, H), (H, H), (H,)]
    assert [w.shape for w in dense_w] == [(H, K), (K,)]


def test_initial_recurrent_matrix_is_scaled_orthogonal():
    U = NumpyRNN(2, 6, 2, recurrent_scale=0.7, seed=3).params["U"]
    np.testing.assert_allclose(np.linalg.svd(U, compute_uv=False), 0.7, atol=1e-12)


# --- errors ---------------------------------------------------------------------------------

def _model():
    return NumpyRNN(I, H, K, seed=0)


X = np.zeros((B, T), dtype=int)
Y = np.zeros((B, T), dtype=int)


@pytest.mark.parametrize("call, message", [
    (lambda: NumpyRNN(0, H, K), "n_inputs must be >= 1, got 0"),
    (lambda: NumpyRNN(I, 2.5, K), "n_hidden must be an int"),
    (lambda: NumpyRNN(I, H, K, recurrent_scale=-1.0), "recurrent_scale must be >= 0.0"),
    (lambda: _model().forward(np.zeros(T, dtype=int)), r"must have shape \(batch, time\)"),
    (lambda: _model().forward(np.full((B, T), I)), r"token ids in \[5, 5\].*\[0, 5\)"),
    (lambda: _model().forward(np.full((B, T), -1)), r"must be in \[0, 5\)"),
    (lambda: _model().forward(np.zeros((B, T, I + 1))), r"x must have shape \(batch, time, 5\)"),
    (lambda: _model().forward(np.zeros((B, T))), "x must have 3 dimensions"),
    (lambda: _model().forward(np.zeros((0, T), dtype=int)), "at least one sequence"),
    (lambda: _model().forward(np.full((B, T, I), np.nan)), "NaN"),
    (lambda: _model().forward(X, h0=np.zeros((B, H + 1))), r"h0 must have shape \(3, 4\)"),
    (lambda: _model().loss(X, Y[:, :-1]), r"y must have shape \(batch, time\) = \(3, 6\)"),
    (lambda: _model().loss(X, Y + K), r"class ids in \[3, 3\].*\[0, 3\)"),
    (lambda: _model().loss(X, Y + 0.5), "y must hold integer class ids"),
    (lambda: _model().loss(X, Y, mask=np.ones((B, T + 1))), "mask must have shape"),
    (lambda: _model().loss(X, Y, mask=np.full((B, T), 0.5)), "mask must hold only 0/1"),
    (lambda: _model().loss(X, Y, mask=np.zeros((B, T))), "mask is zero everywhere"),
    (lambda: _model().loss_and_grads(X, Y, truncate=0), r"truncate .*>= 1, got 0"),
    (lambda: _model().loss_and_grads(X, Y, truncate=2.0), r"truncate .*got 2.0"),
    (lambda: _model().loss_and_grads(X, Y, truncate=True), r"truncate .*got True"),
    (lambda: _model().loss_and_grads(X, Y, truncate=2, truncation="chunk"),
     r"truncation must be one of \['chunks', 'window'\], got 'chunk'"),
    (lambda: _model().fit(X, Y, truncate=2, truncation="random"), "truncation must be one of"),
    (lambda: _model().lag_contributions(X, Y[:1]), "y must have shape"),
    (lambda: _model().fit(X, Y, epochs=0), "epochs must be >= 1"),
    (lambda: _model().fit(X, Y, learning_rate=0.0), "learning_rate must be > 0.0"),
    (lambda: _model().fit(X, Y, clip_norm=-1.0), "clip_norm must be > 0.0"),
    (lambda: _model().fit(X, Y, validation_data=(X,)), "validation_data must be"),
    (lambda: _model().set_params(U=np.zeros((H, H + 1))), r"U must have shape \(4, 4\)"),
    (lambda: _model().set_params(Z=np.zeros(2)), "unknown parameter 'Z'"),
    (lambda: _model().step(np.zeros((B, T, I)), np.zeros((B, H))), "x_t must have shape"),
    (lambda: numerical_gradients(_model(), X, Y, params=("Q",)), "unknown parameter 'Q'"),
])
def test_errors_name_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
