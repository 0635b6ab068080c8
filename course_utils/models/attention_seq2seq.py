"""Encoder-decoder models with and without Bahdanau attention (chapters 9 and 10).

The models share everything but the attention, so that an accuracy difference is
the attention's doing:

- the **encoder** embeds the source tokens and runs a bidirectional GRU over them
  (``units // 2`` per direction); its per-position outputs are the annotations
  :math:`h_1, \\dots, h_S` (``units`` features each) and its two final states,
  concatenated, are the decoder's initial state :math:`s_0`;
- the **plain decoder** (``attention_units=None``) is the Sutskever hand-over of
  chapter 8: :math:`s_t = \\mathrm{GRU}(s_{t-1}, y_{t-1})`,
  :math:`P(y_t \\mid \\cdot) = \\mathrm{softmax}(W_o s_t + b_o)`. This is exactly
  chapter 8's grapheme-to-phoneme model;
- the **attention decoder** (:class:`AttentionDecoder`) computes a context per step
  from the previous state, :math:`c_t = \\sum_j \\alpha_{tj} h_j` with
  :math:`\\alpha_t = \\mathrm{softmax}_j\\, v^\\top \\tanh(W s_{t-1} + U h_j)`, then
  :math:`s_t = \\mathrm{GRU}(s_{t-1}, [y_{t-1}; c_t])` and
  :math:`P(y_t \\mid \\cdot) = \\mathrm{softmax}(W_o [s_t; y_{t-1}; c_t] + b_o)`
  (Bahdanau, Cho & Bengio 2014, eq. 4-6, with a GRU and a linear readout).

Public API
----------
``AttentionDecoder(units, attention_units)``
    Keras layer: ``(states, contexts, weights), final_state = layer(y_prev, values,
    initial_state, value_mask=None)`` over a whole (teacher-forced) target sequence.
``build_seq2seq(source_vocab_size, target_vocab_size, *, units=64, attention_units=None,
embedding_dim=32) -> Seq2SeqParts``
    The training model ``[source, decoder_input] -> probabilities``, the encoder
    model ``source -> [s_0, annotations]``, the one-step decoder model for
    :mod:`course_utils.models.decoding`, and (with attention) a model that returns
    the attention weights of a teacher-forced pass.
``fit(parts, arrays, *, epochs, batch_size=128, learning_rate=3e-3, jit_compile="auto")``
    Adam on the cross-entropy of the real target steps (``decoder_mask`` as sample weights).
``greedy_translate(parts, encoder_input, *, start_id, end_id, max_length)``
    Greedy decoding with :func:`course_utils.models.decoding.greedy_decode`.
``attention_weights(parts, encoder_input, decoder_input)``
    ``(n, T, S)`` weights of a teacher-forced pass (pass ``<s>`` + the model's own
    greedy output to see the weights greedy decoding used).

Masks: the source mask is ``encoder_input != pad_id`` (padding id 0); the attention
gives padded source positions exactly zero weight. It is an explicit input of the
step model, because a Keras mask does not travel through ``keras.Input``.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
from keras import ops

from ..layers.attention import BahdanauAttention
from ..validation import check_array, check_bool, check_float, check_int, check_positive_int
from . import decoding

__all__ = ["AttentionDecoder", "Seq2SeqParts", "build_seq2seq", "fit", "greedy_translate",
           "attention_weights", "source_mask"]


def source_mask(encoder_input, pad_id=0):
    """Boolean ``(n, S)`` mask, True at real (not padded) source positions."""
    encoder_input = check_array(encoder_input, "encoder_input", ndim=2)
    return encoder_input != pad_id


@keras.saving.register_keras_serializable(package="course_utils")
class AttentionDecoder(keras.layers.Layer):
    """A GRU decoder that attends over the encoder's annotations at every step.

    .. math::

        \\alpha_t &= \\mathrm{softmax}_j\\big(v^\\top \\tanh(W s_{t-1} + U h_j)\\big), \\qquad
        c_t = \\textstyle\\sum_j \\alpha_{tj} h_j, \\\\
        s_t &= \\mathrm{GRU}\\big(s_{t-1}, [y_{t-1}; c_t]\\big).

    The score network is a :class:`course_utils.layers.BahdanauAttention` (sub-layer
    ``attention``); :math:`U h_j` does not depend on :math:`t` and is computed once
    per sequence, not once per step. The recurrence runs with ``keras.ops.scan``.

    Args:
        units: size of the decoder state :math:`s_t`.
        attention_units: hidden size of the score network.

    Call arguments:
        inputs: embedded previous tokens ``(batch, T, d_y)``.
        values: annotations ``(batch, S, d_h)``.
        initial_state: :math:`s_0`, ``(batch, units)``.
        value_mask: optional boolean ``(batch, S)``, True at real source positions.

    Returns:
        ``(states, contexts, weights), final_state``: ``(batch, T, units)``,
        ``(batch, T, d_h)``, ``(batch, T, S)`` and ``(batch, units)``.

    Example::

        decoder = AttentionDecoder(64, 32)
        (s, c, alpha), s_T = decoder(embedded_prev, annotations, s0, value_mask=mask)

    Reference: D. Bahdanau, K. Cho, Y. Bengio (2014). Neural machine translation by
    jointly learning to align and translate. arXiv:1409.0473 (ICLR 2015).
    """

    def __init__(self, units, attention_units, **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int(units, "units")
        self.attention_units = check_positive_int(attention_units, "attention_units")
        self.attention = BahdanauAttention(self.attention_units, name="attention")
        self.cell = keras.layers.GRUCell(self.units, name="gru_cell")

    def build(self, inputs_shape, values_shape=None, initial_state_shape=None, value_mask_shape=None):
        if len(inputs_shape) != 3 or inputs_shape[-1] is None:
            raise ValueError(f"AttentionDecoder: inputs must have shape (batch, T, d_y), got {tuple(inputs_shape)}")
        if values_shape is None or len(values_shape) != 3 or values_shape[-1] is None:
            raise ValueError(f"AttentionDecoder: values must have shape (batch, S, d_h), got {values_shape}")
        self.attention.build((None, self.units), values_shape)
        self.cell.build((None, inputs_shape[-1] + values_shape[-1]))

    def call(self, inputs, values, initial_state, value_mask=None):
        if initial_state.shape[-1] != self.units:
            raise ValueError(f"AttentionDecoder: initial_state must have {self.units} features, got "
                             f"shape {tuple(initial_state.shape)}")
        att = self.attention
        keys = ops.matmul(values, att.value_kernel)                        # U_a h_j, once per sequence: (B, S, a)
        mask = None if value_mask is None else ops.cast(value_mask, "bool")

        def step(carry, y_prev):
            s_prev = carry[0]
            q = ops.matmul(s_prev, att.query_kernel)                       # W_a s_{t-1}: (B, a)
            e = ops.sum(ops.tanh(ops.expand_dims(q, 1) + keys) * att.score_vector, axis=-1)  # v_a . tanh: (B, S)
            if mask is None:
                alpha = ops.softmax(e, axis=-1)
            else:
                alpha = ops.softmax(ops.where(mask, e, ops.full_like(e, -1e9)), axis=-1)
                alpha = ops.where(mask, alpha, ops.zeros_like(alpha))      # exactly zero when padded
            context = ops.sum(ops.expand_dims(alpha, -1) * values, axis=1)  # (B, d_h)
            s, _ = self.cell(ops.concatenate([y_prev, context], axis=-1), [s_prev])
            return (s, context, alpha), (s, context, alpha)

        # TensorFlow's scan stacks outputs with the carry's structure: carry all three.
        init = (initial_state, ops.zeros_like(values[:, 0, :]), ops.zeros_like(values[:, :, 0]))
        last, (states, contexts, weights) = ops.scan(step, init, ops.swapaxes(inputs, 0, 1))
        final = last[0]
        return (ops.swapaxes(states, 0, 1), ops.swapaxes(contexts, 0, 1),
                ops.swapaxes(weights, 0, 1)), final

    def get_config(self):
        return {**super().get_config(), "units": self.units, "attention_units": self.attention_units}


@dataclass
class Seq2SeqParts:
    """The models of :func:`build_seq2seq`, sharing their layers.

    Attributes:
        model: ``[source (n, S), decoder_input (n, T)] -> probabilities (n, T, V)``.
        encoder: ``source -> [s_0 (n, units), annotations (n, S, units)]``.
        step_model: ``[token (n, 1), s_prev (n, units), annotations, source mask] ->
            [probabilities (n, 1, V), s_new]`` (the plain model has only the first two inputs).
        weights_model: ``[source, decoder_input] -> attention weights (n, T, S)``, or
            ``None`` without attention.
        units, attention_units: the sizes.
    """

    model: keras.Model
    encoder: keras.Model
    step_model: keras.Model
    weights_model: keras.Model | None
    units: int
    attention_units: int | None

    @property
    def uses_attention(self):
        return self.attention_units is not None


def build_seq2seq(source_vocab_size, target_vocab_size, *, units=64, attention_units=None,
                  embedding_dim=32, name=None):
    """An encoder-decoder with a bidirectional GRU encoder, with or without attention.

    Args:
        source_vocab_size, target_vocab_size: vocabulary sizes (padding id 0 included).
        units: decoder state size; the encoder has ``units // 2`` per direction (even).
        attention_units: hidden size of the additive score, or ``None`` for the plain
            Sutskever decoder of chapter 8.
        embedding_dim: size of the token embeddings on both sides.
        name: name of the training model.
    """
    source_vocab_size = check_int(source_vocab_size, "source_vocab_size", minimum=4)
    target_vocab_size = check_int(target_vocab_size, "target_vocab_size", minimum=4)
    units = check_positive_int(units, "units")
    if units % 2:
        raise ValueError(f"units must be even (units // 2 per encoder direction), got {units}")
    if attention_units is not None:
        attention_units = check_positive_int(attention_units, "attention_units")
    embedding_dim = check_positive_int(embedding_dim, "embedding_dim")

    source = keras.Input((None,), dtype="int32", name="source")
    previous = keras.Input((None,), dtype="int32", name="decoder_input")
    source_embedding = keras.layers.Embedding(source_vocab_size, embedding_dim, mask_zero=True,
                                              name="source_embedding")
    target_embedding = keras.layers.Embedding(target_vocab_size, embedding_dim, name="target_embedding")
    encoder_rnn = keras.layers.Bidirectional(
        keras.layers.GRU(units // 2, return_sequences=True, return_state=True), name="encoder")
    readout = keras.layers.Dense(target_vocab_size, activation="softmax", name="readout")

    annotations, h_fwd, h_bwd = encoder_rnn(source_embedding(source))
    s0 = keras.layers.Concatenate(name="s0")([h_fwd, h_bwd])
    mask = ops.not_equal(source, 0)

    if attention_units is None:
        decoder_rnn = keras.layers.GRU(units, return_sequences=True, return_state=True, name="decoder")

        def decode(y_prev, s_prev, values, value_mask):
            emb = target_embedding(y_prev)
            states, s_last = decoder_rnn(emb, initial_state=s_prev)
            return readout(states), s_last, None
    else:
        decoder = AttentionDecoder(units, attention_units, name="decoder")
        concat = keras.layers.Concatenate(name="readout_input")

        def decode(y_prev, s_prev, values, value_mask):
            emb = target_embedding(y_prev)
            (states, contexts, weights), s_last = decoder(emb, values, s_prev, value_mask=value_mask)
            return readout(concat([states, emb, contexts])), s_last, weights

    probs, _, weights = decode(previous, s0, annotations, mask)
    model = keras.Model([source, previous], probs, name=name or
                        ("attention_seq2seq" if attention_units else "plain_seq2seq"))
    encoder = keras.Model(source, [s0, annotations], name="encoder_model")
    token = keras.Input((1,), dtype="int32", name="token")
    s_prev = keras.Input((units,), name="s_prev")
    values = keras.Input((None, units), name="annotations")
    value_mask = keras.Input((None,), dtype="bool", name="source_mask")
    p_next, s_next, _ = decode(token, s_prev, values, value_mask)
    step_inputs = [token, s_prev] + ([values, value_mask] if attention_units else [])
    step_model = keras.Model(step_inputs, [p_next, s_next], name="step_model")
    weights_model = None if weights is None else keras.Model([source, previous], weights,
                                                            name="weights_model")
    return Seq2SeqParts(model, encoder, step_model, weights_model, units, attention_units)


def fit(parts, arrays, *, epochs, batch_size=128, learning_rate=3e-3, clipnorm=1.0, jit_compile="auto",
        verbose=0):
    """Train ``parts.model`` with Adam on teacher-forcing ``arrays`` (a ``Seq2SeqArrays``).

    The loss is the cross-entropy of the real target steps (``arrays.decoder_mask`` is
    the sample weight, so padding after ``</s>`` does not count). Gradients are clipped
    to norm ``clipnorm`` (``None``: no clipping): without it, a learning rate that suits
    the first epochs can make the loss jump back up later. Returns the Keras ``History``.
    """
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    if jit_compile != "auto":
        jit_compile = check_bool(jit_compile, "jit_compile")
    if clipnorm is not None:
        clipnorm = check_float(clipnorm, "clipnorm", minimum=0.0, min_inclusive=False)
    parts.model.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=clipnorm),
                        loss="sparse_categorical_crossentropy", jit_compile=jit_compile)
    return parts.model.fit(list(arrays.inputs), arrays.decoder_target,
                           sample_weight=arrays.decoder_mask.astype("float32"),
                           batch_size=batch_size, epochs=epochs, verbose=verbose)


def _to_numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def greedy_translate(parts, encoder_input, *, start_id, end_id, max_length, beam_width=1):
    """Decode a batch of sources greedily (or with beam search if ``beam_width > 1``).

    Returns the :class:`course_utils.models.decoding.Decoded` of the decoding loop.
    """
    encoder_input = check_array(encoder_input, "encoder_input", ndim=2)
    s0, annotations = (_to_numpy(t) for t in parts.encoder(encoder_input.astype("int32"), training=False))
    step_fn = decoding.keras_step_fn(parts.step_model, n_states=1)
    constants = [annotations, source_mask(encoder_input)] if parts.uses_attention else None
    ids = dict(start_id=start_id, end_id=end_id, max_length=max_length)
    if beam_width == 1:
        return decoding.greedy_decode(step_fn, [s0], constants=constants, **ids)
    return decoding.beam_search(step_fn, [s0], constants=constants, beam_width=beam_width, **ids)


def attention_weights(parts, encoder_input, decoder_input, *, batch_size=256):
    """Attention weights ``(n, T, S)`` of a teacher-forced pass over ``decoder_input``."""
    if parts.weights_model is None:
        raise ValueError("attention_weights needs a model built with attention_units, got a plain model")
    encoder_input = check_array(encoder_input, "encoder_input", ndim=2)
    decoder_input = check_array(decoder_input, "decoder_input", ndim=2)
    return _to_numpy(parts.weights_model.predict([encoder_input.astype("int32"), decoder_input.astype("int32")],
                                                 batch_size=batch_size, verbose=0))
