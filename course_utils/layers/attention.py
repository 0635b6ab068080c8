"""Attention layers of chapters 9 and 10, written with ``keras.ops`` only.

- :func:`scaled_dot_product_attention`: softmax(Q Kᵀ / √d_k) V with a boolean mask.
- :class:`BahdanauAttention`: additive attention, e = vᵀ tanh(W s + U h) (Bahdanau et al. 2014).
- :class:`LuongAttention`: multiplicative attention with the ``dot``, ``general`` and
  ``concat`` scores of Luong et al. (2015).
- :class:`MultiHeadAttention`: multi-head attention with the same weights, in the same
  layout, as ``keras.layers.MultiHeadAttention`` (Vaswani et al. 2017).
- :class:`SinusoidalPositionalEncoding` and :func:`sinusoidal_encoding`: the fixed
  positional encoding of Vaswani et al. (2017), sin and cos interleaved as in the paper.

Masks are boolean and ``True`` where a position may be attended to. A masked position
gets a weight of exactly zero (not merely a small one): the scores there are replaced by
the most negative float before the softmax and the weights are zeroed after it, so a
query whose every key is masked gets all-zero weights and a zero context.

Keras' conventions apply: row vectors times kernels, so a ``kernel`` of shape
``(d_in, d_out)`` is Wᵀ for the W of the equations.
"""

from __future__ import annotations

import math

import keras
from keras import initializers, ops

from ..validation import check_bool, check_choice, check_float, check_initializer, check_positive_int


def _shape_error(layer, what, got, want):
    return ValueError(f"{layer}: {what} must have shape {want}, got {tuple(got)}")


def _masked_softmax(scores, mask):
    """Softmax over the last axis; ``mask`` (broadcastable, bool) True = attend."""
    if mask is None:
        return ops.softmax(scores, axis=-1)
    mask = ops.cast(mask, "bool")
    lowest = ops.cast(-3.0e38 if scores.dtype == "float32" else -6.0e4, scores.dtype)
    weights = ops.softmax(ops.where(mask, scores, lowest), axis=-1)
    return ops.where(mask, weights, ops.zeros_like(weights))


def _check_mask(layer, mask, batch, length, name="value_mask"):
    if mask is None:
        return None
    shape = tuple(mask.shape)
    if len(shape) != 2 or (shape[1] is not None and length is not None and shape[1] != length) or (
            shape[0] is not None and batch is not None and shape[0] != batch):
        raise _shape_error(layer, name, shape, f"(batch, source length) = ({batch}, {length})")
    return mask


def scaled_dot_product_attention(query, key, value, mask=None, *, scale=True):
    """Scaled dot-product attention: ``softmax(Q Kᵀ / √d_k) V``.

    Args:
        query: ``(..., T_q, d_k)``.
        key: ``(..., T_k, d_k)``.
        value: ``(..., T_k, d_v)``.
        mask: optional boolean, broadcastable to ``(..., T_q, T_k)``; True = may attend.
        scale: divide the scores by √d_k (the point of the "scaled"; False shows why).

    Returns:
        ``(output, weights)`` of shapes ``(..., T_q, d_v)`` and ``(..., T_q, T_k)``.
    """
    d_k = query.shape[-1]
    if d_k is None or key.shape[-1] != d_k:
        raise ValueError(f"query and key must have the same known last dimension d_k, got "
                         f"{tuple(query.shape)} and {tuple(key.shape)}")
    scores = ops.matmul(query, ops.swapaxes(key, -1, -2))
    if scale:
        scores = scores / math.sqrt(d_k)
    weights = _masked_softmax(scores, mask)
    return ops.matmul(weights, value), weights


def causal_mask(length):
    """Boolean ``(length, length)`` lower-triangular mask: step t may attend to steps ≤ t."""
    length = check_positive_int(length, "length")
    i = ops.arange(length)
    return ops.expand_dims(i, 1) >= ops.expand_dims(i, 0)


@keras.saving.register_keras_serializable(package="course_utils")
class BahdanauAttention(keras.layers.Layer):
    """Additive attention of Bahdanau, Cho & Bengio (2014).

    For a decoder state :math:`s_{t-1}` (the query) and encoder states
    :math:`h_1, \\dots, h_S` (the values):

    .. math::

        e_{tj} &= v^\\top \\tanh(W s_{t-1} + U h_j), \\\\
        \\alpha_{tj} &= \\frac{\\exp e_{tj}}{\\sum_{k} \\exp e_{tk}}, \\qquad
        c_t = \\sum_j \\alpha_{tj} h_j .

    The score is a one-hidden-layer network of ``units`` tanh units over the pair
    :math:`(s_{t-1}, h_j)`. ``keras.layers.AdditiveAttention`` computes
    :math:`\\sum \\text{scale} \\odot \\tanh(q + k)` with no projections: with
    :math:`q = W s`, :math:`k = U h` and ``scale`` = :math:`v` it is this layer.

    Args:
        units: size of the score network's hidden layer (the attention size).
        kernel_initializer: initializer of :math:`W`, :math:`U` and :math:`v`.

    Call arguments:
        query: ``(batch, d_s)`` for one decoder step, or ``(batch, T, d_s)`` for all.
        values: encoder states ``(batch, S, d_h)``.
        value_mask: optional boolean ``(batch, S)``, True at real (not padded) positions.
            Masked positions get exactly zero weight.

    Returns:
        ``(context, weights)``: ``(batch, d_h)`` and ``(batch, S)`` for a 2-D query,
        ``(batch, T, d_h)`` and ``(batch, T, S)`` for a 3-D query.

    Example::

        attention = BahdanauAttention(32)
        context, alpha = attention(s_prev, encoder_states, value_mask=source_mask)

    Reference: D. Bahdanau, K. Cho, Y. Bengio (2014). Neural machine translation by
    jointly learning to align and translate. arXiv:1409.0473 (ICLR 2015).
    """

    def __init__(self, units, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int(units, "units")
        self.kernel_initializer = check_initializer(kernel_initializer, "kernel_initializer")

    def build(self, query_shape, values_shape=None, value_mask_shape=None):
        if values_shape is None:
            raise ValueError("BahdanauAttention needs a query and values: call it as "
                             "attention(query, values)")
        if len(values_shape) != 3 or values_shape[-1] is None:
            raise _shape_error("BahdanauAttention", "values", values_shape, "(batch, S, d_h)")
        if len(query_shape) not in (2, 3) or query_shape[-1] is None:
            raise _shape_error("BahdanauAttention", "query", query_shape, "(batch, d_s) or (batch, T, d_s)")
        self.query_kernel = self.add_weight(shape=(query_shape[-1], self.units), name="query_kernel",
                                            initializer=self.kernel_initializer)
        self.value_kernel = self.add_weight(shape=(values_shape[-1], self.units), name="value_kernel",
                                            initializer=self.kernel_initializer)
        self.score_vector = self.add_weight(shape=(self.units,), name="score_vector",
                                            initializer=self.kernel_initializer)

    def scores(self, query, values):
        """The unnormalised scores e: ``(batch, T, S)`` for a 3-D query."""
        q = ops.matmul(query, self.query_kernel)                  # (B, T, units)
        k = ops.matmul(values, self.value_kernel)                 # (B, S, units)
        hidden = ops.tanh(ops.expand_dims(q, 2) + ops.expand_dims(k, 1))   # (B, T, S, units)
        return ops.sum(hidden * self.score_vector, axis=-1)

    def call(self, query, values, value_mask=None):
        one_step = len(query.shape) == 2
        if query.shape[-1] != self.query_kernel.shape[0] or values.shape[-1] != self.value_kernel.shape[0]:
            raise ValueError(f"BahdanauAttention was built for queries with {self.query_kernel.shape[0]} and "
                             f"values with {self.value_kernel.shape[0]} features, got query "
                             f"{tuple(query.shape)} and values {tuple(values.shape)}")
        value_mask = _check_mask("BahdanauAttention", value_mask, values.shape[0], values.shape[1])
        q = ops.expand_dims(query, 1) if one_step else query
        e = self.scores(q, values)
        mask = None if value_mask is None else ops.expand_dims(value_mask, 1)
        weights = _masked_softmax(e, mask)
        context = ops.matmul(weights, values)
        if one_step:
            return context[:, 0], weights[:, 0]
        return context, weights

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "kernel_initializer": initializers.serialize(self.kernel_initializer)}


@keras.saving.register_keras_serializable(package="course_utils")
class LuongAttention(keras.layers.Layer):
    """Multiplicative (and concat) attention of Luong, Pham & Manning (2015).

    Scores of a decoder state :math:`s_t` against encoder states :math:`h_j`:

    .. math::

        \\text{dot:}\\; e_{tj} = s_t^\\top h_j, \\qquad
        \\text{general:}\\; e_{tj} = s_t^\\top W_a h_j, \\qquad
        \\text{concat:}\\; e_{tj} = v_a^\\top \\tanh(W_a [s_t; h_j]),

    then :math:`\\alpha_t = \\mathrm{softmax}(e_t)` and :math:`c_t = \\sum_j \\alpha_{tj} h_j`.
    Luong's decoder uses the *current* state :math:`s_t` where Bahdanau's uses
    :math:`s_{t-1}`. With ``score="dot"`` this is ``keras.layers.Attention()``
    (``score_mode="dot"``, no scale).

    Args:
        score: ``"dot"`` (needs d_s = d_h), ``"general"`` or ``"concat"``.
        units: hidden size of the ``concat`` score (required for it, unused otherwise).
        kernel_initializer: initializer of :math:`W_a` (and :math:`v_a`).

    Call arguments:
        query: ``(batch, d_s)`` or ``(batch, T, d_s)``.
        values: ``(batch, S, d_h)``.
        value_mask: optional boolean ``(batch, S)``, True at real positions.

    Returns:
        ``(context, weights)`` as for :class:`BahdanauAttention`.

    Reference: M.-T. Luong, H. Pham, C. D. Manning (2015). Effective approaches to
    attention-based neural machine translation. EMNLP 2015.
    """

    SCORES = ("dot", "general", "concat")

    def __init__(self, score="dot", units=None, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.score = check_choice(score, "score", self.SCORES)
        if score == "concat":
            if units is None:
                raise ValueError("units must be a positive int for score='concat', got None")
            units = check_positive_int(units, "units")
        elif units is not None:
            units = check_positive_int(units, "units")
        self.units = units
        self.kernel_initializer = check_initializer(kernel_initializer, "kernel_initializer")

    def build(self, query_shape, values_shape=None, value_mask_shape=None):
        if values_shape is None:
            raise ValueError("LuongAttention needs a query and values: call it as attention(query, values)")
        if len(values_shape) != 3 or values_shape[-1] is None:
            raise _shape_error("LuongAttention", "values", values_shape, "(batch, S, d_h)")
        if len(query_shape) not in (2, 3) or query_shape[-1] is None:
            raise _shape_error("LuongAttention", "query", query_shape, "(batch, d_s) or (batch, T, d_s)")
        d_s, d_h = query_shape[-1], values_shape[-1]
        self._dims = (d_s, d_h)
        if self.score == "dot" and d_s != d_h:
            raise ValueError(f"LuongAttention(score='dot') needs queries and values of the same size, "
                             f"got d_s={d_s} and d_h={d_h}; use score='general'")
        if self.score == "general":
            self.score_kernel = self.add_weight(shape=(d_s, d_h), name="score_kernel",
                                                initializer=self.kernel_initializer)
        elif self.score == "concat":
            self.query_kernel = self.add_weight(shape=(d_s, self.units), name="query_kernel",
                                                initializer=self.kernel_initializer)
            self.value_kernel = self.add_weight(shape=(d_h, self.units), name="value_kernel",
                                                initializer=self.kernel_initializer)
            self.score_vector = self.add_weight(shape=(self.units,), name="score_vector",
                                                initializer=self.kernel_initializer)

    def scores(self, query, values):
        """The unnormalised scores e: ``(batch, T, S)`` for a 3-D query."""
        if self.score == "dot":
            return ops.matmul(query, ops.swapaxes(values, 1, 2))
        if self.score == "general":
            return ops.matmul(ops.matmul(query, self.score_kernel), ops.swapaxes(values, 1, 2))
        # concat: W_a [s; h] = W_s s + W_h h, the kernel split by its two inputs
        q = ops.matmul(query, self.query_kernel)
        k = ops.matmul(values, self.value_kernel)
        hidden = ops.tanh(ops.expand_dims(q, 2) + ops.expand_dims(k, 1))
        return ops.sum(hidden * self.score_vector, axis=-1)

    def call(self, query, values, value_mask=None):
        if (query.shape[-1], values.shape[-1]) != self._dims:
            raise ValueError(f"LuongAttention was built for queries with {self._dims[0]} and values with "
                             f"{self._dims[1]} features, got query {tuple(query.shape)} and values "
                             f"{tuple(values.shape)}")
        value_mask = _check_mask("LuongAttention", value_mask, values.shape[0], values.shape[1])
        one_step = len(query.shape) == 2
        q = ops.expand_dims(query, 1) if one_step else query
        e = self.scores(q, values)
        weights = _masked_softmax(e, None if value_mask is None else ops.expand_dims(value_mask, 1))
        context = ops.matmul(weights, values)
        if one_step:
            return context[:, 0], weights[:, 0]
        return context, weights

    def get_config(self):
        return {**super().get_config(), "score": self.score, "units": self.units,
                "kernel_initializer": initializers.serialize(self.kernel_initializer)}


@keras.saving.register_keras_serializable(package="course_utils")
class MultiHeadAttention(keras.layers.Layer):
    """Multi-head attention (Vaswani et al. 2017) in ``keras.layers.MultiHeadAttention``'s layout.

    With :math:`H` heads, for each head :math:`i`:

    .. math::

        Q_i = X_q W^Q_i + b^Q_i,\\quad K_i = X_k W^K_i + b^K_i,\\quad V_i = X_v W^V_i + b^V_i,\\\\
        A_i = \\mathrm{softmax}\\!\\left(Q_i K_i^\\top / \\sqrt{d_k}\\right) V_i, \\qquad
        Y = \\textstyle\\sum_i A_i W^O_i + b^O ,

    the last sum being the concatenation of the heads times one output matrix. The
    weights have Keras' names and shapes — ``query/kernel`` ``(d, H, d_k)``, ``query/bias``
    ``(H, d_k)``, the same for key and value (``d_v``), ``attention_output/kernel``
    ``(H, d_v, d_out)`` and ``attention_output/bias`` ``(d_out,)`` — in Keras' order, so
    ``ours.set_weights(keras_layer.get_weights())`` makes the two layers compute the same.

    Args:
        num_heads: number of heads H.
        key_dim: size d_k of each head's queries and keys.
        value_dim: size d_v of each head's values (default ``key_dim``).
        use_bias: whether the four projections have biases (default True).
        output_dim: size of the output (default: the query's feature size).
        kernel_initializer, bias_initializer: initializers of the projections.

    Call arguments:
        query: ``(batch, T, d_q)``.
        value: ``(batch, S, d_v_in)``.
        key: ``(batch, S, d_k_in)``, default ``value``.
        attention_mask: optional boolean ``(batch, T, S)``, True = may attend.
        use_causal_mask: also mask every key after the query's position.
        return_attention_scores: also return the weights ``(batch, H, T, S)``.

    Reference: A. Vaswani et al. (2017). Attention is all you need. NeurIPS 2017.
    """

    def __init__(self, num_heads, key_dim, value_dim=None, use_bias=True, output_dim=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.num_heads = check_positive_int(num_heads, "num_heads")
        self.key_dim = check_positive_int(key_dim, "key_dim")
        self.value_dim = self.key_dim if value_dim is None else check_positive_int(value_dim, "value_dim")
        self.use_bias = check_bool(use_bias, "use_bias")
        self.output_dim = None if output_dim is None else check_positive_int(output_dim, "output_dim")
        self.kernel_initializer = check_initializer(kernel_initializer, "kernel_initializer")
        self.bias_initializer = check_initializer(bias_initializer, "bias_initializer")

    def _projection(self, name, d_in, d_head):
        kernel = self.add_weight(shape=(d_in, self.num_heads, d_head), name=f"{name}_kernel",
                                 initializer=self.kernel_initializer)
        bias = (self.add_weight(shape=(self.num_heads, d_head), name=f"{name}_bias",
                                initializer=self.bias_initializer) if self.use_bias else None)
        return kernel, bias

    def build(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None:
            value_shape = query_shape
        key_shape = value_shape if key_shape is None else key_shape
        for what, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3 or shape[-1] is None:
                raise _shape_error("MultiHeadAttention", what, shape, "(batch, length, features)")
        d_out = self.output_dim or query_shape[-1]
        self.query_kernel, self.query_bias = self._projection("query", query_shape[-1], self.key_dim)
        self.key_kernel, self.key_bias = self._projection("key", key_shape[-1], self.key_dim)
        self.value_kernel, self.value_bias = self._projection("value", value_shape[-1], self.value_dim)
        self.output_kernel = self.add_weight(shape=(self.num_heads, self.value_dim, d_out),
                                             name="attention_output_kernel", initializer=self.kernel_initializer)
        self.output_bias = (self.add_weight(shape=(d_out,), name="attention_output_bias",
                                            initializer=self.bias_initializer) if self.use_bias else None)

    def _project(self, x, kernel, bias):
        y = ops.einsum("btd,dhk->bhtk", x, kernel)          # heads first: (B, H, T, d_head)
        if bias is not None:
            y = y + ops.expand_dims(bias, 1)                  # (H, 1, d_head)
        return y

    def call(self, query, value, key=None, attention_mask=None, use_causal_mask=False,
             return_attention_scores=False):
        key = value if key is None else key
        for what, x, kernel in (("query", query, self.query_kernel), ("value", value, self.value_kernel),
                                ("key", key, self.key_kernel)):
            if len(x.shape) != 3 or x.shape[-1] != kernel.shape[0]:
                raise _shape_error("MultiHeadAttention", what, x.shape, f"(batch, length, {kernel.shape[0]})")
        q = self._project(query, self.query_kernel, self.query_bias)
        k = self._project(key, self.key_kernel, self.key_bias)
        v = self._project(value, self.value_kernel, self.value_bias)
        mask = None
        if attention_mask is not None:
            mask = ops.expand_dims(ops.cast(attention_mask, "bool"), 1)      # (B, 1, T, S)
        if use_causal_mask:
            T, S = query.shape[1], value.shape[1]
            causal = ops.expand_dims(ops.arange(T), 1) + (S - T) >= ops.expand_dims(ops.arange(S), 0)
            mask = causal if mask is None else ops.logical_and(mask, causal)
        heads, weights = scaled_dot_product_attention(q, k, v, mask)       # (B, H, T, d_v)
        out = ops.einsum("bhtv,hvo->bto", heads, self.output_kernel)
        if self.output_bias is not None:
            out = out + self.output_bias
        return (out, weights) if return_attention_scores else out

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "use_bias": self.use_bias, "output_dim": self.output_dim,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer)}


def _sinusoid(length, depth, base):
    pos = ops.cast(ops.expand_dims(ops.arange(length), 1), "float32")
    i = ops.arange(depth)
    even = ops.cast(i - i % 2, "float32")                        # 2i for both members of a pair
    angle = pos / ops.power(ops.cast(base, "float32"), even / depth)
    return ops.where(i % 2 == 0, ops.sin(angle), ops.cos(angle))


def sinusoidal_encoding(length, depth, *, base=10000.0):
    """The sinusoidal positional encoding, ``(length, depth)``, sin and cos interleaved.

    ``PE[pos, 2i] = sin(pos / base^(2i/depth))`` and ``PE[pos, 2i+1] = cos(pos / base^(2i/depth))``,
    the layout of Vaswani et al. (2017) and of keras-hub's ``SinusoidalPositionEncoding``
    (some code puts all sines first and all cosines second instead).
    """
    return _sinusoid(check_positive_int(length, "length"), check_positive_int(depth, "depth"),
                     check_float(base, "base", minimum=1.0, min_inclusive=False))


@keras.saving.register_keras_serializable(package="course_utils")
class SinusoidalPositionalEncoding(keras.layers.Layer):
    """Adds the sinusoidal positional encoding of :func:`sinusoidal_encoding` to its input.

    Args:
        base: the base of the wavelengths (10000 in the paper).

    Call arguments:
        inputs: ``(batch, T, depth)`` embeddings.

    Returns:
        ``inputs + PE[:T]``, same shape. Keras masks pass through unchanged.

    Reference: A. Vaswani et al. (2017). Attention is all you need. NeurIPS 2017.
    """

    def __init__(self, base=10000.0, **kwargs):
        super().__init__(**kwargs)
        self.base = check_float(base, "base", minimum=1.0, min_inclusive=False)
        self.supports_masking = True

    def call(self, inputs):
        if len(inputs.shape) != 3 or inputs.shape[-1] is None:
            raise _shape_error("SinusoidalPositionalEncoding", "inputs", inputs.shape, "(batch, T, depth)")
        pe = _sinusoid(ops.shape(inputs)[1], inputs.shape[-1], self.base)
        return inputs + ops.cast(pe, inputs.dtype)

    def compute_output_shape(self, input_shape):
        # Keras cannot infer the shape symbolically when T is None (variable-length inputs).
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "base": self.base}
