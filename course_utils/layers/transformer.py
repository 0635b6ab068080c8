"""Transformer encoder and decoder blocks of chapter 10, written with ``keras.ops`` only.

- :class:`TransformerEncoderBlock`: self-attention and a position-wise feed-forward
  network, each wrapped in a residual connection and a layer normalisation.
- :class:`TransformerDecoderBlock`: causal self-attention, attention over the encoder's
  outputs (cross-attention) and the feed-forward network, wrapped the same way.

Both take ``norm_first``:

- ``norm_first=False`` (**post-norm**, Vaswani et al. 2017): ``x = LN(x + F(x))``. The
  normalisation sits on the residual path, so the output of every block is normalised.
- ``norm_first=True`` (**pre-norm**, the layout of GPT-2 and of most code written since,
  analysed by Xiong et al. 2020): ``x = x + F(LN(x))``. The residual path from input to
  output is the identity, gradients reach the first blocks unattenuated, and training is
  stable without a learning-rate warm-up; the outputs are *not* normalised, so a stack of
  pre-norm blocks ends with one more ``LayerNormalization``.

Masks are boolean and ``True`` at real (not padded) positions, as in
:mod:`course_utils.layers.attention`, whose :class:`MultiHeadAttention` both blocks use.
"""

from __future__ import annotations

import keras
from keras import ops

from ..validation import check_activation, check_bool, check_float, check_positive_int
from .attention import MultiHeadAttention


def _check_sequence(layer, what, x, features=None):
    if len(x.shape) != 3 or x.shape[-1] is None or (features is not None and x.shape[-1] != features):
        want = "(batch, length, features)" if features is None else f"(batch, length, {features})"
        raise ValueError(f"{layer}: {what} must have shape {want}, got {tuple(x.shape)}")


def _check_padding_mask(layer, what, mask, x):
    if mask is None:
        return None
    shape = tuple(mask.shape)
    if len(shape) != 2 or (shape[1] is not None and x.shape[1] is not None and shape[1] != x.shape[1]):
        raise ValueError(f"{layer}: {what} must have shape (batch, {x.shape[1]}) (True at real "
                         f"positions), got {shape}")
    return ops.cast(mask, "bool")


def _key_mask(mask, query_length):
    """``(batch, S)`` key mask -> ``(batch, T, S)`` attention mask (every query sees the real keys)."""
    if mask is None:
        return None
    return ops.repeat(ops.expand_dims(mask, 1), query_length, axis=1)


class _Block(keras.layers.Layer):
    """What the two blocks share: arguments, the feed-forward network, config."""

    def __init__(self, num_heads, key_dim, ff_dim, dropout=0.0, norm_first=False, activation="relu",
                 epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = check_positive_int(num_heads, "num_heads")
        self.key_dim = check_positive_int(key_dim, "key_dim")
        self.ff_dim = check_positive_int(ff_dim, "ff_dim")
        self.dropout = check_float(dropout, "dropout", minimum=0.0, maximum=1.0, max_inclusive=False)
        self.norm_first = check_bool(norm_first, "norm_first")
        self.activation = check_activation(activation, "activation")
        self.epsilon = check_float(epsilon, "epsilon", minimum=0.0, min_inclusive=False)
        self.supports_masking = False

    def _ff(self):
        self.ff_in = keras.layers.Dense(self.ff_dim, activation=self.activation, name="ff_in")
        self.ff_out = keras.layers.Dense(self._d, name="ff_out")

    def _norm(self, name):
        return keras.layers.LayerNormalization(epsilon=self.epsilon, name=name)

    def _sublayer(self, x, norm, fn, training):
        """One residual sub-layer, post-norm or pre-norm."""
        if self.norm_first:
            return x + self.drop(fn(norm(x)), training=training)
        return norm(x + self.drop(fn(x), training=training))

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "ff_dim": self.ff_dim, "dropout": self.dropout, "norm_first": self.norm_first,
                "activation": keras.activations.serialize(self.activation), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="course_utils")
class TransformerEncoderBlock(_Block):
    """One Transformer encoder block (Vaswani et al. 2017, section 3.1).

    With self-attention :math:`\\mathrm{MHA}(X) = \\mathrm{MultiHead}(X W^Q, X W^K, X W^V)`
    and the position-wise network :math:`\\mathrm{FF}(x) = \\max(0, x W_1 + b_1) W_2 + b_2`:

    .. math::

        \\text{post-norm:}\\quad Z = \\mathrm{LN}(X + \\mathrm{MHA}(X)), \\qquad
        Y = \\mathrm{LN}(Z + \\mathrm{FF}(Z)) \\\\
        \\text{pre-norm:}\\quad Z = X + \\mathrm{MHA}(\\mathrm{LN}(X)), \\qquad
        Y = Z + \\mathrm{FF}(\\mathrm{LN}(Z))

    (dropout, if any, on the output of each sub-layer before the residual sum). The
    output has the input's size ``d``; the attention has ``num_heads`` heads of size
    ``key_dim`` (the paper uses ``num_heads * key_dim = d``).

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head's queries, keys and values.
        ff_dim: hidden size of the feed-forward network (4 d in the paper).
        dropout: dropout rate on each sub-layer's output (0 = none).
        norm_first: False for post-norm (the paper), True for pre-norm.
        activation: activation of the feed-forward hidden layer (default ``"relu"``).
        epsilon: the layer normalisations' epsilon.

    Call arguments:
        inputs: ``(batch, T, d)``.
        padding_mask: optional boolean ``(batch, T)``, True at real positions; padded
            positions get zero attention weight as keys.
        training: enables dropout.

    Returns:
        ``(batch, T, d)``.

    Example::

        block = TransformerEncoderBlock(num_heads=4, key_dim=16, ff_dim=128)
        y = block(x, padding_mask=tokens != 0)

    References: A. Vaswani et al. (2017). Attention is all you need. NeurIPS 2017.
    R. Xiong et al. (2020). On layer normalization in the Transformer architecture. ICML 2020.
    """

    def build(self, inputs_shape, padding_mask_shape=None):
        input_shape = inputs_shape
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(f"TransformerEncoderBlock: inputs must have shape (batch, length, features), "
                             f"got {tuple(input_shape)}")
        self._d = int(input_shape[-1])
        self.attention = MultiHeadAttention(self.num_heads, self.key_dim, name="self_attention")
        self.attention.build(input_shape, input_shape)
        self.norm1, self.norm2 = self._norm("norm1"), self._norm("norm2")
        self.norm1.build(input_shape)
        self.norm2.build(input_shape)
        self._ff()
        self.ff_in.build(input_shape)
        self.ff_out.build((*input_shape[:-1], self.ff_dim))
        self.drop = keras.layers.Dropout(self.dropout)

    def call(self, inputs, padding_mask=None, training=None):
        _check_sequence("TransformerEncoderBlock", "inputs", inputs, self._d)
        mask = _key_mask(_check_padding_mask("TransformerEncoderBlock", "padding_mask", padding_mask, inputs),
                         ops.shape(inputs)[1])
        x = self._sublayer(inputs, self.norm1, lambda z: self.attention(z, z, attention_mask=mask), training)
        return self._sublayer(x, self.norm2, lambda z: self.ff_out(self.ff_in(z)), training)

    def compute_output_shape(self, inputs_shape, padding_mask_shape=None):
        return tuple(inputs_shape)


@keras.saving.register_keras_serializable(package="course_utils")
class TransformerDecoderBlock(_Block):
    """One Transformer decoder block (Vaswani et al. 2017, section 3.1).

    For the decoder's inputs :math:`X` (the embedded previous tokens) and the encoder's
    outputs :math:`M` (the "memory"), post-norm:

    .. math::

        Z_1 = \\mathrm{LN}(X + \\mathrm{MHA}_{\\text{causal}}(X, X)), \\quad
        Z_2 = \\mathrm{LN}(Z_1 + \\mathrm{MHA}(Z_1, M)), \\quad
        Y = \\mathrm{LN}(Z_2 + \\mathrm{FF}(Z_2)),

    and pre-norm ``Z = X + F(LN(X))`` for each of the three sub-layers. The causal mask
    lets step ``t`` attend to steps ``≤ t`` only, so the output at ``t`` does not depend on
    later inputs and a whole teacher-forced sequence trains in one pass. The queries of
    the cross-attention come from the decoder, its keys and values from ``M``.

    Args:
        num_heads, key_dim, ff_dim, dropout, norm_first, activation, epsilon: as for
            :class:`TransformerEncoderBlock`.

    Call arguments:
        inputs: ``(batch, T, d)``.
        memory: the encoder's outputs ``(batch, S, d_m)``.
        padding_mask: optional boolean ``(batch, T)``, True at real decoder positions.
        memory_mask: optional boolean ``(batch, S)``, True at real source positions.
        training: enables dropout.
        return_attention_scores: also return the cross-attention weights ``(batch, H, T, S)``.

    Returns:
        ``(batch, T, d)`` (and the weights).

    Example::

        block = TransformerDecoderBlock(num_heads=4, key_dim=16, ff_dim=128)
        y = block(x, encoder_outputs, memory_mask=source != 0)

    References: A. Vaswani et al. (2017). Attention is all you need. NeurIPS 2017.
    R. Xiong et al. (2020). On layer normalization in the Transformer architecture. ICML 2020.
    """

    def build(self, inputs_shape, memory_shape=None, padding_mask_shape=None, memory_mask_shape=None):
        input_shape = inputs_shape
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(f"TransformerDecoderBlock: inputs must have shape (batch, length, features), "
                             f"got {tuple(input_shape)}")
        if memory_shape is None or len(memory_shape) != 3 or memory_shape[-1] is None:
            raise ValueError(f"TransformerDecoderBlock: memory must have shape (batch, source length, "
                             f"features), got {memory_shape}")
        self._d, self._d_memory = int(input_shape[-1]), int(memory_shape[-1])
        self.self_attention = MultiHeadAttention(self.num_heads, self.key_dim, name="self_attention")
        self.self_attention.build(input_shape, input_shape)
        self.cross_attention = MultiHeadAttention(self.num_heads, self.key_dim, name="cross_attention")
        self.cross_attention.build(input_shape, memory_shape)
        self.norm1, self.norm2, self.norm3 = self._norm("norm1"), self._norm("norm2"), self._norm("norm3")
        for norm in (self.norm1, self.norm2, self.norm3):
            norm.build(input_shape)
        self._ff()
        self.ff_in.build(input_shape)
        self.ff_out.build((*input_shape[:-1], self.ff_dim))
        self.drop = keras.layers.Dropout(self.dropout)

    def call(self, inputs, memory, padding_mask=None, memory_mask=None, training=None,
             return_attention_scores=False):
        name = "TransformerDecoderBlock"
        _check_sequence(name, "inputs", inputs, self._d)
        _check_sequence(name, "memory", memory, self._d_memory)
        T = ops.shape(inputs)[1]
        self_mask = _key_mask(_check_padding_mask(name, "padding_mask", padding_mask, inputs), T)
        cross_mask = _key_mask(_check_padding_mask(name, "memory_mask", memory_mask, memory), T)
        x = self._sublayer(inputs, self.norm1, lambda z: self.self_attention(
            z, z, attention_mask=self_mask, use_causal_mask=True), training)
        scores = []

        def cross(z):
            out, w = self.cross_attention(z, memory, attention_mask=cross_mask, return_attention_scores=True)
            scores.append(w)
            return out

        x = self._sublayer(x, self.norm2, cross, training)
        y = self._sublayer(x, self.norm3, lambda z: self.ff_out(self.ff_in(z)), training)
        return (y, scores[0]) if return_attention_scores else y

    def compute_output_shape(self, inputs_shape, memory_shape=None, padding_mask_shape=None,
                             memory_mask_shape=None):
        return tuple(inputs_shape)
