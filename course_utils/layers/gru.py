"""The gated recurrent unit (GRU) cell, in both of Keras' conventions.

:class:`GRUCell` follows the cell contract of ``keras.layers.RNN``, uses
``keras.ops`` only, and computes exactly what ``keras.layers.GRU`` computes,
for ``reset_after=True`` (Keras' default) and ``reset_after=False``, with the
same weight layout, so ``cell.set_weights(keras_gru.get_weights())`` works.
"""

from __future__ import annotations

import keras
from keras import activations, initializers, ops

from ..validation import (
    check_activation,
    check_bool,
    check_cell_input_shape,
    check_cell_step,
    check_initializer,
    check_positive_int,
)


@keras.saving.register_keras_serializable(package="course_utils")
class GRUCell(keras.layers.Layer):
    """Gated recurrent unit (Cho et al. 2014), written with ``keras.ops``.

    One step maps the input :math:`x_t` and the state :math:`h_{t-1}` to :math:`h_t`:

    .. math::

        z_t &= \\sigma(W_z x_t + U_z h_{t-1} + b_z)                 && \\text{update gate}\\\\
        r_t &= \\sigma(W_r x_t + U_r h_{t-1} + b_r)                 && \\text{reset gate}\\\\
        \\tilde h_t &= \\tanh\\big(W_h x_t + U_h (r_t \\odot h_{t-1}) + b_h\\big)
                                                 && \\text{candidate, reset\\_after=False}\\\\
        \\tilde h_t &= \\tanh\\big(W_h x_t + b_h + r_t \\odot (U_h h_{t-1} + b'_h)\\big)
                                                 && \\text{candidate, reset\\_after=True}\\\\
        h_t &= z_t \\odot h_{t-1} + (1 - z_t) \\odot \\tilde h_t

    **Update-gate convention.** As in Keras (and in equation 7 of Cho et al. 2014),
    :math:`z_t` weighs the **old** state: :math:`z_t \\to 1` keeps :math:`h_{t-1}`
    unchanged, :math:`z_t \\to 0` replaces it by the candidate. Some papers and
    tutorials (e.g. Chung et al. 2014) write
    :math:`h_t = (1 - z_t) \\odot h_{t-1} + z_t \\odot \\tilde h_t`, where the roles
    of 0 and 1 are swapped; the two are the same model with :math:`z \\leftrightarrow 1 - z`.

    **Weight layout (as in Keras).** ``kernel`` ``(input_dim, 3 * units)`` and
    ``recurrent_kernel`` ``(units, 3 * units)`` hold the transposed matrices in the
    column blocks **z, r, h**. With ``reset_after=False`` the bias has shape
    ``(3 * units,)``; with ``reset_after=True`` it has shape ``(2, 3 * units)``:
    row 0 is the input bias :math:`b`, row 1 the recurrent bias :math:`b'` (which
    for z and r simply adds to :math:`b`, and for the candidate sits inside the
    reset gate's product). ``reset_after=True`` is the form cuDNN implements.

    Args:
        units: positive int, size of the hidden state :math:`h_t`.
        activation: nonlinearity of the candidate (default ``"tanh"``).
        recurrent_activation: nonlinearity of the gates (default ``"sigmoid"``).
        use_bias: whether to add the biases (default True).
        kernel_initializer: initializer of ``kernel`` (default ``"glorot_uniform"``).
        recurrent_initializer: initializer of ``recurrent_kernel``
            (default ``"orthogonal"``).
        bias_initializer: initializer of the bias (default ``"zeros"``).
        reset_after: apply the reset gate after the recurrent matrix product
            (True, Keras' default) or before it (False).
        **kwargs: passed to ``keras.layers.Layer`` (``name``, ``dtype``, ...).

    Call arguments:
        inputs: tensor ``(batch, input_dim)``, the input :math:`x_t` of one step.
        states: list ``[h_{t-1}]`` with one tensor ``(batch, units)``.
        training: unused (the cell has no dropout); accepted for the cell contract.

    Returns:
        ``(h_t, [h_t])``.

    Example::

        import keras, numpy as np
        from course_utils.layers import GRUCell

        layer = keras.layers.RNN(GRUCell(32, reset_after=False))
        y = layer(np.zeros((8, 50, 2), "float32"))         # (8, 32)

    References:
        K. Cho, B. van Merrienboer, C. Gulcehre, D. Bahdanau, F. Bougares,
        H. Schwenk, Y. Bengio (2014). Learning phrase representations using RNN
        encoder-decoder for statistical machine translation. *EMNLP 2014*, 1724-1734.
        J. Chung, C. Gulcehre, K. Cho, Y. Bengio (2014). Empirical evaluation of
        gated recurrent neural networks on sequence modeling. arXiv:1412.3555.
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 reset_after=True, **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int(units, "units")
        self.activation = check_activation(activation, "activation")
        self.recurrent_activation = check_activation(recurrent_activation, "recurrent_activation")
        self.use_bias = check_bool(use_bias, "use_bias")
        self.kernel_initializer = check_initializer(kernel_initializer, "kernel_initializer")
        self.recurrent_initializer = check_initializer(recurrent_initializer, "recurrent_initializer")
        self.bias_initializer = check_initializer(bias_initializer, "bias_initializer")
        self.reset_after = check_bool(reset_after, "reset_after")
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        input_dim = check_cell_input_shape(input_shape, "GRUCell")
        self.kernel = self.add_weight(shape=(input_dim, 3 * self.units), name="kernel",
                                      initializer=self.kernel_initializer)
        self.recurrent_kernel = self.add_weight(shape=(self.units, 3 * self.units),
                                                name="recurrent_kernel",
                                                initializer=self.recurrent_initializer)
        if self.use_bias:
            shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
            self.bias = self.add_weight(shape=shape, name="bias",
                                        initializer=self.bias_initializer)
        else:
            self.bias = None

    def call(self, inputs, states, training=None):
        nested = isinstance(states, (list, tuple))
        h_prev = states[0] if nested else states
        check_cell_step("GRUCell", inputs, [h_prev], input_dim=self.kernel.shape[0],
                        state_sizes=[self.units], state_names=["h_{t-1}"])
        u = self.units
        x_proj = ops.matmul(inputs, self.kernel)                  # (batch, 3u): z, r, h
        if self.use_bias:
            x_proj = ops.add(x_proj, self.bias[0] if self.reset_after else self.bias)
        x_z, x_r, x_h = ops.split(x_proj, 3, axis=-1)

        if self.reset_after:
            h_proj = ops.matmul(h_prev, self.recurrent_kernel)    # all three blocks at once
            if self.use_bias:
                h_proj = h_proj + self.bias[1]
        else:
            h_proj = ops.matmul(h_prev, self.recurrent_kernel[:, : 2 * u])
        h_z, h_r = h_proj[:, :u], h_proj[:, u : 2 * u]

        z = self.recurrent_activation(x_z + h_z)
        r = self.recurrent_activation(x_r + h_r)
        if self.reset_after:
            h_h = r * h_proj[:, 2 * u :]
        else:
            h_h = ops.matmul(r * h_prev, self.recurrent_kernel[:, 2 * u :])
        candidate = self.activation(x_h + h_h)
        h = z * h_prev + (1 - z) * candidate
        return h, [h] if nested else h

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, self.units), dtype=self.compute_dtype)]

    def get_config(self):
        config = {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "reset_after": self.reset_after,
        }
        return {**super().get_config(), **config}


__all__ = ["GRUCell"]
