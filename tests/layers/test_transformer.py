"""Transformer encoder and decoder blocks: shapes, masks, causality, post- vs pre-norm,
config and saving, argument checks. Runs on TensorFlow and JAX."""

import keras
import numpy as np
import pytest

from course_utils.layers import TransformerDecoderBlock, TransformerEncoderBlock

B, T, S, D = 3, 5, 7, 16


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


@pytest.fixture
def xs():
    rng = np.random.default_rng(0)
    return rng.normal(size=(B, T, D)).astype("float32"), rng.normal(size=(B, S, D)).astype("float32")


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_shape_and_padding(xs, norm_first):
    x, m = xs
    block = TransformerEncoderBlock(4, 4, 32, norm_first=norm_first)
    mask = np.arange(S)[None] < np.array([[7], [4], [2]])
    y = _np(block(m, padding_mask=mask))
    assert y.shape == (B, S, D)
    m2 = m.copy()
    m2[~mask] = 100.0                                   # change the padded positions only
    y2 = _np(block(m2, padding_mask=mask))
    assert np.allclose(y[mask], y2[mask], atol=1e-5)   # real positions do not see the padding


def test_post_norm_output_is_normalised_pre_norm_is_not(xs):
    x, _ = xs
    post = _np(TransformerEncoderBlock(4, 4, 32, norm_first=False)(3.0 * x))
    pre = _np(TransformerEncoderBlock(4, 4, 32, norm_first=True)(3.0 * x))
    assert np.allclose(post.mean(-1), 0.0, atol=1e-4) and np.allclose(post.std(-1), 1.0, atol=1e-2)
    assert np.abs(pre.std(-1) - 1.0).max() > 0.5        # the residual stream keeps the input's scale


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_is_causal_and_masks_memory(xs, norm_first):
    x, m = xs
    block = TransformerDecoderBlock(4, 4, 32, norm_first=norm_first)
    mem_mask = np.arange(S)[None] < np.array([[7], [4], [2]])
    y, w = block(x, m, memory_mask=mem_mask, return_attention_scores=True)
    y, w = _np(y), _np(w)
    assert y.shape == (B, T, D) and w.shape == (B, 4, T, S)
    assert np.all(w[np.broadcast_to(~mem_mask[:, None, None, :], w.shape)] == 0.0)
    x2 = x.copy()
    x2[:, 3:] += 5.0                                    # change steps 3 and 4
    y2 = _np(block(x2, m, memory_mask=mem_mask))
    assert np.allclose(y[:, :3], y2[:, :3], atol=1e-5)  # steps 0..2 do not change
    assert np.abs(y[:, 3:] - y2[:, 3:]).max() > 1e-2
    m2 = m.copy()
    m2[~mem_mask] = 50.0
    assert np.allclose(y, _np(block(x, m2, memory_mask=mem_mask)), atol=1e-5)


def test_dropout_only_in_training(xs):
    x, _ = xs
    block = TransformerEncoderBlock(4, 4, 32, dropout=0.5)
    assert np.allclose(_np(block(x)), _np(block(x, training=False)), atol=1e-6)
    assert np.abs(_np(block(x, training=True)) - _np(block(x))).max() > 1e-3


@pytest.mark.parametrize("cls", [TransformerEncoderBlock, TransformerDecoderBlock])
def test_config_round_trip(cls):
    block = cls(2, 8, 24, dropout=0.1, norm_first=True, activation="gelu", epsilon=1e-6)
    config = block.get_config()
    for key, value in dict(num_heads=2, key_dim=8, ff_dim=24, dropout=0.1, norm_first=True,
                           epsilon=1e-6).items():
        assert config[key] == value
    clone = cls.from_config(config)
    assert clone.get_config() == config


def test_model_saves_and_loads(tmp_path, xs):
    x, m = xs
    src, tgt = keras.Input((S, D)), keras.Input((T, D))
    enc = TransformerEncoderBlock(4, 4, 32)(src)
    out = TransformerDecoderBlock(4, 4, 32, norm_first=True)(tgt, enc)
    model = keras.Model([src, tgt], out)
    path = tmp_path / "t.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    assert np.allclose(_np(model([m, x])), _np(loaded([m, x])), atol=1e-6)


@pytest.mark.parametrize("kwargs, name", [
    (dict(num_heads=0, key_dim=4, ff_dim=8), "num_heads"),
    (dict(num_heads=2, key_dim=-1, ff_dim=8), "key_dim"),
    (dict(num_heads=2, key_dim=4, ff_dim=2.5), "ff_dim"),
    (dict(num_heads=2, key_dim=4, ff_dim=8, dropout=1.0), "dropout"),
    (dict(num_heads=2, key_dim=4, ff_dim=8, norm_first="yes"), "norm_first"),
    (dict(num_heads=2, key_dim=4, ff_dim=8, activation="nope"), "activation"),
])
def test_bad_arguments_name_themselves(kwargs, name):
    with pytest.raises(ValueError, match=name):
        TransformerEncoderBlock(**kwargs)


def test_bad_inputs_raise_value_errors(xs):
    x, m = xs
    enc = TransformerEncoderBlock(2, 4, 8)
    enc(x)
    with pytest.raises(ValueError, match="inputs"):
        enc(x[..., :8])
    with pytest.raises(ValueError, match="padding_mask"):
        enc(x, padding_mask=np.ones((B, T + 1), bool))
    dec = TransformerDecoderBlock(2, 4, 8)
    with pytest.raises(ValueError, match="memory"):
        dec(x, m[0])
    dec(x, m)
    with pytest.raises(ValueError, match="memory_mask"):
        dec(x, m, memory_mask=np.ones((B, S + 2), bool))
