"""The long short-term memory (LSTM) cell, with peephole and coupled-gate variants.

:class:`LSTMCell` follows the cell contract of ``keras.layers.RNN``
(``state_size``, ``output_size``, ``call(inputs, states, training=None)``), so
``keras.layers.RNN(LSTMCell(32))`` works with masking, ``return_sequences``,
``return_state``, ``go_backwards`` and initial states like any built-in layer.
It uses ``keras.ops`` only and runs on every Keras backend.

With its default options it computes exactly what ``keras.layers.LSTM`` computes
and stores its weights in the same layout, so weights copy between the two with
``cell.set_weights(keras_layer.get_weights())``. Two classic variants are options:
``peephole=True`` (Gers & Schmidhuber 2000) and ``coupled=True`` (input gate
tied to the forget gate, i = 1 - f).
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
class LSTMCell(keras.layers.Layer):
    """Long short-term memory cell (Hochreiter & Schmidhuber 1997, with the forget
    gate of Gers, Schmidhuber & Cummins 2000), written with ``keras.ops``.

    One step maps the input :math:`x_t` and the state :math:`(h_{t-1}, c_{t-1})` to
    :math:`(h_t, c_t)`:

    .. math::

        i_t &= \\sigma(W_i x_t + U_i h_{t-1} + b_i)            && \\text{input gate}\\\\
        f_t &= \\sigma(W_f x_t + U_f h_{t-1} + b_f)            && \\text{forget gate}\\\\
        \\tilde c_t &= \\tanh(W_c x_t + U_c h_{t-1} + b_c)     && \\text{candidate}\\\\
        c_t &= f_t \\odot c_{t-1} + i_t \\odot \\tilde c_t      && \\text{cell state}\\\\
        o_t &= \\sigma(W_o x_t + U_o h_{t-1} + b_o)            && \\text{output gate}\\\\
        h_t &= o_t \\odot \\tanh(c_t)                          && \\text{hidden state}

    where :math:`\\sigma` is ``recurrent_activation`` and :math:`\\tanh` is ``activation``.

    **Weight layout (as in Keras).** Keras multiplies row vectors from the right, so
    the four input matrices are stored transposed side by side in one ``kernel`` of
    shape ``(input_dim, 4 * units)`` whose column blocks are, in this order,
    **i, f, c, o**: ``kernel = [W_i^T | W_f^T | W_c^T | W_o^T]``. The same holds for
    ``recurrent_kernel`` ``(units, 4 * units)`` and ``bias`` ``(4 * units,)``. The
    weights are ``[kernel, recurrent_kernel, bias]``, exactly those of
    ``keras.layers.LSTM``, so ``cell.set_weights(keras_lstm.get_weights())`` works.

    **Forget-gate bias.** With ``unit_forget_bias=True`` the bias block of the
    forget gate starts at 1 (the others use ``bias_initializer``), so that
    :math:`f_t \\approx \\sigma(1) \\approx 0.73` at the start of training and the
    cell state is not wiped out before the network has learned what to keep
    (Gers et al. 2000; Jozefowicz et al. 2015).

    **Variants.**

    - ``peephole=True`` (Gers & Schmidhuber 2000): the gates also look at the cell
      state through diagonal (element-wise) weights :math:`p`,
      :math:`i_t = \\sigma(\\dots + p_i \\odot c_{t-1})`,
      :math:`f_t = \\sigma(\\dots + p_f \\odot c_{t-1})` and
      :math:`o_t = \\sigma(\\dots + p_o \\odot c_t)` (the output gate sees the new
      cell state). Adds the weights ``peephole_i``, ``peephole_f``, ``peephole_o``
      of shape ``(units,)`` after the three of the plain cell; with zero peephole
      weights (the default initializer) the cell equals the plain LSTM.
    - ``coupled=True`` (the CIFG variant of Greff et al. 2017): no separate input
      gate, :math:`i_t = 1 - f_t`, so the cell writes new content exactly where it
      forgets old content. The kernels then have three column blocks **f, c, o**
      (``3 * units`` columns) and the layer has a quarter fewer parameters.
      Combined with ``peephole=True`` there is no ``peephole_i``.

    Args:
        units: positive int, size of the hidden state :math:`h_t` and of the cell
            state :math:`c_t`.
        activation: nonlinearity of the candidate and of the cell output
            (default ``"tanh"``; ``None`` is linear).
        recurrent_activation: nonlinearity of the gates (default ``"sigmoid"``).
        use_bias: whether to add the biases :math:`b` (default True).
        kernel_initializer: initializer of ``kernel`` (default ``"glorot_uniform"``).
        recurrent_initializer: initializer of ``recurrent_kernel``
            (default ``"orthogonal"``).
        bias_initializer: initializer of the bias (default ``"zeros"``).
        unit_forget_bias: start the forget-gate bias at 1 (default True); ignored
            when ``use_bias=False``.
        peephole: add peephole connections (default False).
        coupled: couple the input gate to the forget gate, :math:`i_t = 1 - f_t`
            (default False).
        peephole_initializer: initializer of the peephole weights (default
            ``"zeros"``); used only when ``peephole=True``.
        **kwargs: passed to ``keras.layers.Layer`` (``name``, ``dtype``, ...).

    Call arguments:
        inputs: tensor ``(batch, input_dim)``, the input :math:`x_t` of one step.
        states: list ``[h_{t-1}, c_{t-1}]`` of two tensors ``(batch, units)``.
        training: unused (the cell has no dropout); accepted for the cell contract.

    Returns:
        ``(h_t, [h_t, c_t])``.

    Example::

        import keras, numpy as np
        from course_utils.layers import LSTMCell

        layer = keras.layers.RNN(LSTMCell(32), return_sequences=True)
        y = layer(np.zeros((8, 50, 2), "float32"))        # (8, 50, 32)

        reference = keras.layers.LSTM(32, return_sequences=True)
        reference.build((None, 50, 2))
        layer.cell.set_weights(reference.get_weights())   # now layer == reference

    References:
        S. Hochreiter, J. Schmidhuber (1997). Long short-term memory. *Neural
        Computation* 9(8), 1735-1780.
        F. A. Gers, J. Schmidhuber, F. Cummins (2000). Learning to forget: continual
        prediction with LSTM. *Neural Computation* 12(10), 2451-2471.
        F. A. Gers, J. Schmidhuber (2000). Recurrent nets that time and count.
        *IJCNN 2000*, vol. 3, 189-194.
        K. Greff, R. K. Srivastava, J. Koutnik, B. R. Steunebrink, J. Schmidhuber
        (2017). LSTM: a search space odyssey. *IEEE TNNLS* 28(10), 2222-2232.
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, peephole=False, coupled=False,
                 peephole_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int(units, "units")
        self.activation = check_activation(activation, "activation")
        self.recurrent_activation = check_activation(recurrent_activation, "recurrent_activation")
        self.use_bias = check_bool(use_bias, "use_bias")
        self.kernel_initializer = check_initializer(kernel_initializer, "kernel_initializer")
        self.recurrent_initializer = check_initializer(recurrent_initializer, "recurrent_initializer")
        self.bias_initializer = check_initializer(bias_initializer, "bias_initializer")
        self.unit_forget_bias = check_bool(unit_forget_bias, "unit_forget_bias")
        self.peephole = check_bool(peephole, "peephole")
        self.coupled = check_bool(coupled, "coupled")
        self.peephole_initializer = check_initializer(peephole_initializer, "peephole_initializer")
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    @property
    def gates(self):
        """The names of the column blocks of the kernels, in order."""
        return ("f", "c", "o") if self.coupled else ("i", "f", "c", "o")

    def build(self, input_shape):
        input_dim = check_cell_input_shape(input_shape, "LSTMCell")
        n = len(self.gates)
        self.kernel = self.add_weight(shape=(input_dim, n * self.units), name="kernel",
                                      initializer=self.kernel_initializer)
        self.recurrent_kernel = self.add_weight(shape=(self.units, n * self.units),
                                                name="recurrent_kernel",
                                                initializer=self.recurrent_initializer)
        if self.use_bias:
            bias_initializer = self.bias_initializer
            if self.unit_forget_bias:
                f_block = self.gates.index("f")

                def bias_initializer(_, *args, **kwargs):
                    blocks = [self.bias_initializer((self.units,), *args, **kwargs)
                              for _ in self.gates]
                    blocks[f_block] = initializers.get("ones")((self.units,), *args, **kwargs)
                    return ops.concatenate(blocks)

            self.bias = self.add_weight(shape=(n * self.units,), name="bias",
                                        initializer=bias_initializer)
        else:
            self.bias = None
        self.peephole_i = self.peephole_f = self.peephole_o = None
        if self.peephole:
            for gate in ("f", "o") if self.coupled else ("i", "f", "o"):
                setattr(self, f"peephole_{gate}",
                        self.add_weight(shape=(self.units,), name=f"peephole_{gate}",
                                        initializer=self.peephole_initializer))

    def call(self, inputs, states, training=None):
        if not isinstance(states, (list, tuple)) or len(states) != 2:
            count = len(states) if isinstance(states, (list, tuple)) else "a single tensor"
            raise ValueError(f"LSTMCell needs two states [h_{{t-1}}, c_{{t-1}}], each of shape "
                             f"(batch, {self.units}); got {count}. Pass initial_state=[h0, c0]")
        h_prev, c_prev = states[0], states[1]
        check_cell_step("LSTMCell", inputs, [h_prev, c_prev], input_dim=self.kernel.shape[0],
                        state_sizes=[self.units, self.units], state_names=["h_{t-1}", "c_{t-1}"])
        # All gates at once: (batch, n_gates * units), then one block per gate.
        z = ops.matmul(inputs, self.kernel)
        z = ops.add(z, ops.matmul(h_prev, self.recurrent_kernel))
        if self.use_bias:
            z = ops.add(z, self.bias)
        blocks = dict(zip(self.gates, ops.split(z, len(self.gates), axis=1)))

        z_f = blocks["f"]
        if self.peephole:
            z_f = z_f + self.peephole_f * c_prev
        f = self.recurrent_activation(z_f)
        if self.coupled:
            i = 1.0 - f
        else:
            z_i = blocks["i"]
            if self.peephole:
                z_i = z_i + self.peephole_i * c_prev
            i = self.recurrent_activation(z_i)

        c = f * c_prev + i * self.activation(blocks["c"])
        z_o = blocks["o"]
        if self.peephole:
            z_o = z_o + self.peephole_o * c
        o = self.recurrent_activation(z_o)
        h = o * self.activation(c)
        return h, [h, c]

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, d), dtype=self.compute_dtype) for d in self.state_size]

    def get_config(self):
        config = {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias,
            "peephole": self.peephole,
            "coupled": self.coupled,
            "peephole_initializer": initializers.serialize(self.peephole_initializer),
        }
        return {**super().get_config(), **config}


__all__ = ["LSTMCell"]
