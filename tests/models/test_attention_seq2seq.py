"""The attention encoder-decoder of chapter 9: the decoder step is Bahdanau attention plus
a GRU cell, masks give exactly zero weight, the step model agrees with the training model,
and bad arguments raise clear errors."""

import keras
import numpy as np
import pytest

from course_utils.models import attention_seq2seq as a2s

RNG = np.random.default_rng(9)
B, S, T, E, UNITS = 3, 6, 4, 5, 8


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def _inputs():
    y = RNG.normal(size=(B, T, E)).astype("float32")
    values = RNG.normal(size=(B, S, UNITS)).astype("float32")
    s0 = RNG.normal(size=(B, UNITS)).astype("float32")
    mask = np.arange(S)[None] < np.array([[6], [4], [2]])
    return y, values, s0, mask


def test_decoder_step_is_bahdanau_attention_then_a_gru_cell():
    y, values, s0, mask = _inputs()
    decoder = a2s.AttentionDecoder(UNITS, 4)
    (states, contexts, weights), final = decoder(y, values, s0, value_mask=mask)
    assert states.shape == (B, T, UNITS) and contexts.shape == (B, T, UNITS) and weights.shape == (B, T, S)
    s = s0
    for t in range(T):
        c, a = decoder.attention(s, values, value_mask=mask)
        np.testing.assert_allclose(_np(a), _np(weights[:, t]), atol=1e-5)
        np.testing.assert_allclose(_np(c), _np(contexts[:, t]), atol=1e-5)
        s, _ = decoder.cell(keras.ops.concatenate([y[:, t], c], axis=-1), [s])
        np.testing.assert_allclose(_np(s), _np(states[:, t]), atol=1e-5)
    np.testing.assert_allclose(_np(final), _np(states[:, -1]), atol=1e-6)


def test_masked_positions_get_exactly_zero_weight():
    y, values, s0, mask = _inputs()
    (_, _, weights), _ = a2s.AttentionDecoder(UNITS, 4)(y, values, s0, value_mask=mask)
    w = _np(weights)
    assert np.all(w[~np.broadcast_to(mask[:, None], w.shape)] == 0.0)
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-5)


def test_config_round_trip():
    layer = a2s.AttentionDecoder(UNITS, 4, name="dec")
    clone = a2s.AttentionDecoder.from_config(layer.get_config())
    assert (clone.units, clone.attention_units, clone.name) == (UNITS, 4, "dec")


@pytest.mark.parametrize("attention_units", [None, 4])
def test_step_model_reproduces_the_training_model(attention_units):
    keras.utils.set_random_seed(0)
    parts = a2s.build_seq2seq(9, 7, units=UNITS, attention_units=attention_units, embedding_dim=4)
    source = np.array([[3, 4, 5, 6, 0, 0], [5, 6, 7, 8, 3, 4]], dtype="int32")
    previous = np.array([[1, 4, 5, 6], [1, 3, 3, 6]], dtype="int32")
    probs = _np(parts.model([source, previous]))
    assert probs.shape == (2, 4, 7)
    s, annotations = (_np(t) for t in parts.encoder(source))
    assert s.shape == (2, UNITS) and annotations.shape == (2, 6, UNITS)
    constants = [annotations, a2s.source_mask(source)] if attention_units else []
    for t in range(previous.shape[1]):
        p, s = parts.step_model([previous[:, t:t + 1], s, *constants])
        p, s = _np(p), _np(s)
        np.testing.assert_allclose(p[:, 0], probs[:, t], atol=1e-5)
    decoded = a2s.greedy_translate(parts, source, start_id=1, end_id=2, max_length=5)
    assert decoded.tokens.shape == (2, 5)
    if attention_units:
        w = a2s.attention_weights(parts, source, previous)
        assert w.shape == (2, 4, 6) and np.all(w[0, :, 4:] == 0.0)
    else:
        with pytest.raises(ValueError, match="attention_units"):
            a2s.attention_weights(parts, source, previous)


def test_padding_does_not_change_the_attention_model():
    keras.utils.set_random_seed(0)
    parts = a2s.build_seq2seq(9, 7, units=UNITS, attention_units=4, embedding_dim=4)
    short = np.array([[3, 4, 5]], dtype="int32")
    padded = np.array([[3, 4, 5, 0, 0, 0]], dtype="int32")
    previous = np.array([[1, 4, 5]], dtype="int32")
    np.testing.assert_allclose(_np(parts.model([short, previous])), _np(parts.model([padded, previous])),
                               atol=1e-5)


@pytest.mark.parametrize("kwargs, words", [
    ({"units": 7}, "units must be even"),
    ({"units": 0}, "units"),
    ({"attention_units": -1}, "attention_units"),
    ({"embedding_dim": 1.5}, "embedding_dim"),
])
def test_bad_arguments_raise(kwargs, words):
    with pytest.raises(ValueError, match=words):
        a2s.build_seq2seq(9, 7, **kwargs)


def test_decoder_rejects_bad_shapes():
    y, values, s0, mask = _inputs()
    with pytest.raises(ValueError, match="initial_state"):
        a2s.AttentionDecoder(UNITS + 2, 4)(y, values, np.zeros((B, UNITS + 1), "float32"))
    with pytest.raises(ValueError, match="inputs"):
        a2s.AttentionDecoder(UNITS, 4)(y[:, 0], values, s0)
    with pytest.raises(ValueError, match="units"):
        a2s.AttentionDecoder(0, 4)
    with pytest.raises(ValueError, match="encoder_input"):
        a2s.source_mask(np.zeros(3))


def test_fit_runs_and_validates_its_arguments():
    from course_utils import data

    vocab = data.digit_vocabulary()
    src, tgt = data.digit_task(16, min_length=3, max_length=5, seed=0)
    arrays = data.teacher_forcing_arrays(src, tgt, vocab, vocab)
    keras.utils.set_random_seed(0)
    parts = a2s.build_seq2seq(vocab.size, vocab.size, units=UNITS, attention_units=4, embedding_dim=4)
    history = a2s.fit(parts, arrays, epochs=1, batch_size=8)
    assert np.isfinite(history.history["loss"][0])
    with pytest.raises(ValueError, match="clipnorm"):
        a2s.fit(parts, arrays, epochs=1, clipnorm=0.0)
    with pytest.raises(ValueError, match="epochs"):
        a2s.fit(parts, arrays, epochs=0)
