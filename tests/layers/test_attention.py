"""course_utils.layers.attention: equal to Keras' layers and to NumPy, masks give exact zeros."""

import keras
import numpy as np
import pytest

from course_utils.layers import (
    BahdanauAttention,
    LuongAttention,
    MultiHeadAttention,
    SinusoidalPositionalEncoding,
    causal_mask,
    scaled_dot_product_attention,
    sinusoidal_encoding,
)
from tests.conftest import softmax
from tests.conftest import to_numpy as _np

RNG = np.random.default_rng(0)
B, T, S, D = 3, 4, 6, 5
QUERY = RNG.standard_normal((B, T, D)).astype("float32")
VALUES = RNG.standard_normal((B, S, D)).astype("float32")
LENGTHS = np.array([6, 3, 1])
VALUE_MASK = np.arange(S)[None, :] < LENGTHS[:, None]
ATOL = 1e-5


def test_thinking_machines_scores_scale_and_weights():
    # one query against two keys whose dot products are 112 and 96, with d_k = 64
    q = np.zeros((1, 64), "float32")
    q[0, 0] = 1.0
    k = np.zeros((2, 64), "float32")
    k[0, 0], k[1, 0] = 112.0, 96.0
    v = np.eye(2, dtype="float32")
    out, w = scaled_dot_product_attention(q, k, v)
    np.testing.assert_allclose(_np(w), [[np.exp(14) / (np.exp(14) + np.exp(12)),
                                         np.exp(12) / (np.exp(14) + np.exp(12))]], rtol=1e-6)
    np.testing.assert_allclose(np.round(_np(w), 2), [[0.88, 0.12]], atol=1e-6)
    np.testing.assert_allclose(_np(out), _np(w), rtol=1e-6)
    _, unscaled = scaled_dot_product_attention(q, k, v, scale=False)
    assert _np(unscaled)[0, 0] > 0.999999       # softmax(112, 96) is saturated


def test_masked_keys_get_exactly_zero_weight_and_a_fully_masked_row_gets_zeros():
    mask = np.ones((B, T, S), bool)
    mask[:, :, 2] = False
    mask[0, 1, :] = False
    out, w = scaled_dot_product_attention(QUERY, VALUES, VALUES, mask)
    w = _np(w)
    assert np.all(w[:, :, 2] == 0.0)
    assert np.all(w[0, 1] == 0.0) and np.all(_np(out)[0, 1] == 0.0)
    np.testing.assert_allclose(np.delete(w.sum(-1), 1, axis=1)[0], 1.0, atol=1e-6)


def test_causal_mask_lets_step_t_see_steps_up_to_t():
    m = _np(causal_mask(4))
    assert m.tolist() == np.tril(np.ones((4, 4), bool)).tolist()
    with pytest.raises(ValueError, match="length must be >= 1"):
        causal_mask(0)


def _bahdanau_numpy(layer, query, values, mask):
    W, U, v = (_np(w) for w in (layer.query_kernel, layer.value_kernel, layer.score_vector))
    e = np.tanh((query @ W)[:, :, None, :] + (values @ U)[:, None, :, :]) @ v    # (B, T, S)
    e = np.where(mask[:, None, :], e, -np.inf)
    alpha = softmax(e)
    return alpha @ values, alpha


def test_bahdanau_equals_numpy_for_one_step_and_for_all_steps():
    layer = BahdanauAttention(7)
    context, alpha = layer(QUERY, VALUES, value_mask=VALUE_MASK)
    want_c, want_a = _bahdanau_numpy(layer, QUERY, VALUES, VALUE_MASK)
    np.testing.assert_allclose(_np(context), want_c, atol=ATOL)
    np.testing.assert_allclose(_np(alpha), want_a, atol=ATOL)
    assert np.all(_np(alpha)[~np.broadcast_to(VALUE_MASK[:, None], alpha.shape)] == 0.0)
    c1, a1 = layer(QUERY[:, 0], VALUES, value_mask=VALUE_MASK)
    np.testing.assert_allclose(_np(c1), want_c[:, 0], atol=ATOL)
    np.testing.assert_allclose(_np(a1), want_a[:, 0], atol=ATOL)


def test_bahdanau_is_keras_additive_attention_after_two_dense_projections():
    layer = BahdanauAttention(7)
    context, alpha = layer(QUERY, VALUES, value_mask=VALUE_MASK)
    additive = keras.layers.AdditiveAttention(use_scale=True)
    q = keras.ops.matmul(QUERY, layer.query_kernel)
    k = keras.ops.matmul(VALUES, layer.value_kernel)
    additive([q, VALUES, k])
    additive.set_weights([_np(layer.score_vector)])
    ref_c, ref_a = additive([q, VALUES, k], mask=[None, VALUE_MASK], return_attention_scores=True)
    np.testing.assert_allclose(_np(context), _np(ref_c), atol=ATOL)
    np.testing.assert_allclose(_np(alpha), _np(ref_a), atol=ATOL)


def test_luong_dot_is_keras_attention():
    layer = LuongAttention("dot")
    context, alpha = layer(QUERY, VALUES, value_mask=VALUE_MASK)
    ref_c, ref_a = keras.layers.Attention()([QUERY, VALUES], mask=[None, VALUE_MASK],
                                             return_attention_scores=True)
    np.testing.assert_allclose(_np(context), _np(ref_c), atol=ATOL)
    np.testing.assert_allclose(_np(alpha), _np(ref_a), atol=ATOL)


@pytest.mark.parametrize("score", ["general", "concat"])
def test_luong_general_and_concat_equal_numpy(score):
    values = RNG.standard_normal((B, S, 3)).astype("float32")      # d_h != d_s is allowed
    layer = LuongAttention(score, units=4 if score == "concat" else None)
    context, alpha = layer(QUERY, values, value_mask=VALUE_MASK)
    if score == "general":
        e = QUERY @ _np(layer.score_kernel) @ values.transpose(0, 2, 1)
    else:
        Wq, Wh, v = (_np(w) for w in (layer.query_kernel, layer.value_kernel, layer.score_vector))
        e = np.tanh((QUERY @ Wq)[:, :, None] + (values @ Wh)[:, None]) @ v
    want = softmax(np.where(VALUE_MASK[:, None], e, -np.inf))
    np.testing.assert_allclose(_np(alpha), want, atol=ATOL)
    np.testing.assert_allclose(_np(context), want @ values, atol=ATOL)


def _mha_pair(**kwargs):
    ours = MultiHeadAttention(num_heads=2, key_dim=3, **kwargs)
    ref = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, **kwargs)
    ours(QUERY, VALUES)
    ref(QUERY, VALUES, return_attention_scores=True)   # see the note on Keras' JAX kernel below
    assert [tuple(w.shape) for w in ours.get_weights()] == [tuple(w.shape) for w in ref.get_weights()]
    ours.set_weights([RNG.standard_normal(w.shape).astype("float32") * 0.5 for w in ref.get_weights()])
    ref.set_weights(ours.get_weights())
    return ours, ref


@pytest.mark.parametrize("kwargs", [{}, {"value_dim": 4, "use_bias": False}],
                         ids=["default", "value_dim-no-bias"])
def test_multi_head_attention_equals_keras_with_and_without_masks(kwargs):
    ours, ref = _mha_pair(**kwargs)
    mask = np.broadcast_to(VALUE_MASK[:, None, :], (B, T, S))
    for call in ({}, {"attention_mask": mask}):
        got, got_w = ours(QUERY, VALUES, return_attention_scores=True, **call)
        want, want_w = ref(QUERY, VALUES, return_attention_scores=True, **call)
        assert np.abs(_np(got) - _np(want)).max() < 1e-5
        assert np.abs(_np(got_w) - _np(want_w)).max() < 1e-5
    # return_attention_scores=True keeps Keras on its explicit path: its fused JAX kernel
    # rejects value_dim != key_dim (Keras 3.15.1)
    self_ours, _ = ours(QUERY, QUERY, use_causal_mask=True, return_attention_scores=True)
    self_ref, _ = ref(QUERY, QUERY, use_causal_mask=True, return_attention_scores=True)
    assert np.abs(_np(self_ours) - _np(self_ref)).max() < 1e-5


def test_causal_self_attention_output_at_t_ignores_later_inputs():
    ours, _ = _mha_pair()
    changed = QUERY.copy()
    changed[:, 2:] += 5.0
    a, b = _np(ours(QUERY, QUERY, use_causal_mask=True)), _np(ours(changed, changed, use_causal_mask=True))
    np.testing.assert_allclose(a[:, :2], b[:, :2], atol=1e-6)
    assert np.abs(a[:, 2:] - b[:, 2:]).max() > 1e-2


def test_self_attention_without_positions_is_permutation_equivariant():
    ours, _ = _mha_pair()
    perm = np.array([2, 0, 3, 1])
    out = _np(ours(QUERY, QUERY))
    np.testing.assert_allclose(_np(ours(QUERY[:, perm], QUERY[:, perm])), out[:, perm], atol=1e-5)
    pe = SinusoidalPositionalEncoding()
    with_pos = _np(ours(pe(QUERY), pe(QUERY)))
    permuted = _np(ours(pe(QUERY[:, perm]), pe(QUERY[:, perm])))
    assert np.abs(permuted - with_pos[:, perm]).max() > 1e-2


def test_sinusoidal_encoding_is_interleaved_sin_cos():
    pe = _np(sinusoidal_encoding(50, 8))
    pos, i = np.arange(50)[:, None], np.arange(4)[None, :]
    angle = pos / 10000 ** (2 * i / 8)
    np.testing.assert_allclose(pe[:, 0::2], np.sin(angle), atol=1e-5)
    np.testing.assert_allclose(pe[:, 1::2], np.cos(angle), atol=1e-5)
    x = RNG.standard_normal((2, 50, 8)).astype("float32")
    np.testing.assert_allclose(_np(SinusoidalPositionalEncoding()(x)), x + pe, atol=1e-5)


@pytest.mark.parametrize("make, inputs", [
    (lambda: BahdanauAttention(4), lambda q, v: BahdanauAttention(4)(q, v)[0]),
    (lambda: LuongAttention("general"), None),
    (lambda: LuongAttention("concat", units=3), None),
    (lambda: MultiHeadAttention(2, 3, value_dim=2), None),
], ids=["bahdanau", "luong-general", "luong-concat", "mha"])
def test_keras_file_round_trip_in_safe_mode(tmp_path, make, inputs):
    layer = make()
    q_in, v_in = keras.Input((T, D)), keras.Input((S, D))
    out = layer(q_in, v_in)
    out = out[0] if isinstance(out, (list, tuple)) else out
    model = keras.Model([q_in, v_in], out)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_allclose(_np(loaded([QUERY, VALUES])), _np(model([QUERY, VALUES])), atol=1e-6)
    rebuilt = type(layer).from_config(layer.get_config())
    assert rebuilt.get_config() == layer.get_config()


@pytest.mark.parametrize("call, message", [
    (lambda: BahdanauAttention(0), "units must be >= 1"),
    (lambda: LuongAttention("cosine"), "score must be one of"),
    (lambda: LuongAttention("concat"), "units must be a positive int for score='concat'"),
    (lambda: LuongAttention("dot")(QUERY, VALUES[..., :3]), "needs queries and values of the same size"),
    (lambda: BahdanauAttention(3)(QUERY, VALUES[0]), r"values must have shape \(batch, S, d_h\)"),
    (lambda: BahdanauAttention(3)(QUERY, VALUES, value_mask=VALUE_MASK[:, :4]), "value_mask must have shape"),
    (lambda: MultiHeadAttention(0, 3), "num_heads must be >= 1"),
    (lambda: MultiHeadAttention(2, 3, use_bias="no"), "use_bias must be True or False"),
    (lambda: MultiHeadAttention(2, 3)(QUERY[0], VALUES), "query must have shape"),
    (lambda: scaled_dot_product_attention(QUERY, VALUES[..., :2], VALUES), "same known last dimension"),
    (lambda: sinusoidal_encoding(0, 4), "length must be >= 1"),
    (lambda: SinusoidalPositionalEncoding(base=1.0), "base must be > 1.0"),
])
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_built_layer_refuses_inputs_of_another_size_by_name():
    layer = BahdanauAttention(3)
    layer(QUERY, VALUES)
    with pytest.raises(ValueError, match="BahdanauAttention was built for queries with 5"):
        layer(QUERY[..., :4], VALUES)
    mha = MultiHeadAttention(2, 3)
    mha(QUERY, VALUES)
    with pytest.raises(ValueError, match=r"MultiHeadAttention: value must have shape \(batch, length, 5\)"):
        mha(QUERY, VALUES[..., :4])
