"""The two classic simple recurrent networks as Keras RNN cells.

- :class:`ElmanCell` (Elman 1990) feeds the previous **hidden state** back.
- :class:`JordanCell` (Jordan 1986) feeds the previous **output** back.

Both follow the cell contract of ``keras.layers.RNN`` (``state_size``,
``output_size``, ``call(inputs, states, training=None)``), so
``keras.layers.RNN(ElmanCell(8), return_sequences=True)`` works with masking,
``return_state``, ``go_backwards`` and ``stateful`` like any built-in layer.
They use ``keras.ops`` only and run on every Keras backend.
"""

from __future__ import annotations

import keras
from keras import activations, initializers, ops

from ..validation import (
    check_activation,
    check_bool,
    check_cell_input_shape,
    check_cell_step,
    check_float,
    check_initializer,
    check_positive_int,
)


@keras.saving.register_keras_serializable(package="course_utils")
class ElmanCell(keras.layers.Layer):
    """Elman's simple recurrent network (SRN): the hidden state is fed back.

    At every step the new hidden state mixes the input with the previous hidden
    state (Elman's "context units" hold a copy of it):

    .. math::  h_t = f(W x_t + U h_{t-1} + b),

    with :math:`f` = ``activation`` and :math:`h_0 = 0`. The output of the cell is
    :math:`h_t` itself; put a ``Dense`` layer on top for the output
    :math:`y_t = g(W_y h_t + b_y)` (output weights :math:`W_y`, bias :math:`b_y`, output
    nonlinearity :math:`g`, as in the course notation).
    This is exactly the computation of ``keras.layers.SimpleRNNCell`` (without
    dropout), with the same weight names and shapes, so weights can be copied
    between the two with ``set_weights(get_weights())``.

    Args:
        units: positive int, size of the hidden state :math:`h_t`.
        activation: the nonlinearity :math:`f` (default ``"tanh"``; ``None`` is linear).
        use_bias: whether to add the bias :math:`b` (default True).
        kernel_initializer: initializer of :math:`W`, shape (input_dim, units).
        recurrent_initializer: initializer of :math:`U`, shape (units, units).
        bias_initializer: initializer of :math:`b`, shape (units,).

    Call arguments:
        inputs: tensor (batch, input_dim), the input :math:`x_t` of one step.
        states: list with one tensor (batch, units), :math:`h_{t-1}`.
        training: unused (the cell has no dropout); accepted for the cell contract.

    Returns:
        ``(h_t, [h_t])``.

    Example::

        layer = keras.layers.RNN(ElmanCell(8), return_sequences=True)
        y = layer(np.zeros((32, 10, 3), "float32"))      # (32, 10, 8)

    Reference: J. L. Elman (1990). Finding structure in time. *Cognitive Science*
    14(2), 179-211.
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int(units, "units")
        self.activation = check_activation(activation, "activation")
        self.use_bias = check_bool(use_bias, "use_bias")
        self.kernel_initializer = check_initializer(kernel_initializer, "kernel_initializer")
        self.recurrent_initializer = check_initializer(recurrent_initializer, "recurrent_initializer")
        self.bias_initializer = check_initializer(bias_initializer, "bias_initializer")
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        input_dim = check_cell_input_shape(input_shape, "ElmanCell")
        self.kernel = self.add_weight(shape=(input_dim, self.units), name="kernel",
                                      initializer=self.kernel_initializer)
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                name="recurrent_kernel",
                                                initializer=self.recurrent_initializer)
        self.bias = (self.add_weight(shape=(self.units,), name="bias",
                                     initializer=self.bias_initializer)
                     if self.use_bias else None)

    def call(self, inputs, states, training=None):
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        check_cell_step("ElmanCell", inputs, [h_prev], input_dim=self.kernel.shape[0],
                        state_sizes=[self.units], state_names=["h_{t-1}"])
        z = ops.matmul(inputs, self.kernel) + ops.matmul(h_prev, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        h = self.activation(z)
        return h, [h] if isinstance(states, (list, tuple)) else h

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, self.units), dtype=self.compute_dtype)]

    def get_config(self):
        config = {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
        }
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="course_utils")
class JordanCell(keras.layers.Layer):
    """Jordan's network: the previous **output** is fed back through state units.

    The cell holds state units :math:`s_t` (Jordan's "plan/state" units) that
    receive the previous output, with an optional self-connection of strength
    :math:`\\lambda` (``state_decay``; Jordan's 1986 report calls it :math:`\\mu`) that
    makes them a decaying trace of all past outputs:

    .. math::

        s_t &= \\lambda\\, s_{t-1} + y_{t-1}, \\qquad s_1 = 0,\\\\
        h_t &= f(W x_t + U s_t + b),\\\\
        y_t &= g(W_y h_t + b_y).

    With ``state_decay`` :math:`\\lambda = 0` the state is just :math:`y_{t-1}`. Unlike
    the Elman cell, the output layer :math:`W_y, b_y` is part of the cell, because its
    result is what recurs; the cell's output is :math:`y_t` and its state is
    :math:`s_{t+1}`. The memory of a Jordan network is therefore limited to what
    its outputs say: the hidden layer cannot keep information the outputs do not
    carry.

    Args:
        units: positive int, number of hidden units (size of :math:`h_t`).
        output_units: positive int, size of the output :math:`y_t` (and of :math:`s_t`).
        activation: hidden nonlinearity :math:`f` (default ``"tanh"``).
        output_activation: output nonlinearity :math:`g` (default ``None``, linear;
            ``"sigmoid"`` for probabilities of binary targets).
        state_decay: :math:`\\lambda` in [0, 1), the self-connection of the state units
            (default 0).
        use_bias: whether to add the biases :math:`b` and :math:`b_y` (default True).
        kernel_initializer: initializer of :math:`W`, shape (input_dim, units).
        recurrent_initializer: initializer of :math:`U`, shape (output_units, units).
        output_initializer: initializer of :math:`W_y`, shape (units, output_units).
        bias_initializer: initializer of :math:`b` and :math:`b_y`.

    Call arguments:
        inputs: tensor (batch, input_dim), the input :math:`x_t` of one step.
        states: list of two tensors (batch, output_units): the previous output
            :math:`y_{t-1}` and the state units :math:`s_t`. The previous output
            comes first because that is what ``keras.layers.RNN`` repeats as the
            output of a masked step on every backend (the JAX backend takes it
            from the first state), so masked runs agree across backends.
        training: unused (the cell has no dropout); accepted for the cell contract.

    Returns:
        ``(y_t, [y_t, s_{t+1}])`` with :math:`s_{t+1} = \\lambda s_t + y_t`.

    Example::

        layer = keras.layers.RNN(JordanCell(8, output_units=1, output_activation="sigmoid"),
                                 return_sequences=True)
        y = layer(np.zeros((32, 10, 3), "float32"))      # (32, 10, 1)

    Reference: M. I. Jordan (1986). Serial order: a parallel distributed processing
    approach. ICS Report 8604, Institute for Cognitive Science, UC San Diego.
    """

    def __init__(self, units, output_units, activation="tanh", output_activation=None,
                 state_decay=0.0, use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="glorot_uniform", output_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int(units, "units")
        self.output_units = check_positive_int(output_units, "output_units")
        self.activation = check_activation(activation, "activation")
        self.output_activation = check_activation(output_activation, "output_activation")
        self.state_decay = check_float(state_decay, "state_decay", minimum=0.0, maximum=1.0,
                                       max_inclusive=False)
        self.use_bias = check_bool(use_bias, "use_bias")
        self.kernel_initializer = check_initializer(kernel_initializer, "kernel_initializer")
        self.recurrent_initializer = check_initializer(recurrent_initializer, "recurrent_initializer")
        self.output_initializer = check_initializer(output_initializer, "output_initializer")
        self.bias_initializer = check_initializer(bias_initializer, "bias_initializer")
        self.state_size = [self.output_units, self.output_units]
        self.output_size = self.output_units

    def build(self, input_shape):
        input_dim = check_cell_input_shape(input_shape, "JordanCell")
        self.kernel = self.add_weight(shape=(input_dim, self.units), name="kernel",
                                      initializer=self.kernel_initializer)
        self.recurrent_kernel = self.add_weight(shape=(self.output_units, self.units),
                                                name="recurrent_kernel",
                                                initializer=self.recurrent_initializer)
        self.output_kernel = self.add_weight(shape=(self.units, self.output_units),
                                             name="output_kernel",
                                             initializer=self.output_initializer)
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), name="bias",
                                        initializer=self.bias_initializer)
            self.output_bias = self.add_weight(shape=(self.output_units,), name="output_bias",
                                               initializer=self.bias_initializer)
        else:
            self.bias = self.output_bias = None

    def call(self, inputs, states, training=None):
        if not isinstance(states, (list, tuple)) or len(states) != 2:
            count = len(states) if isinstance(states, (list, tuple)) else "a single tensor"
            raise ValueError(f"JordanCell needs two states [y_{{t-1}}, s_t], each of shape "
                             f"(batch, {self.output_units}); got {count}. Pass initial_state=[y0, s0]")
        s = states[1]
        check_cell_step("JordanCell", inputs, list(states), input_dim=self.kernel.shape[0],
                        state_sizes=[self.output_units, self.output_units],
                        state_names=["y_{t-1}", "s_t"])
        z = ops.matmul(inputs, self.kernel) + ops.matmul(s, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        h = self.activation(z)
        a = ops.matmul(h, self.output_kernel)
        if self.output_bias is not None:
            a = a + self.output_bias
        y = self.output_activation(a)
        s_next = y + self.state_decay * s if self.state_decay else y
        return y, [y, s_next]

    def get_initial_state(self, batch_size=None):
        zeros = ops.zeros((batch_size, self.output_units), dtype=self.compute_dtype)
        return [zeros, zeros]

    def get_config(self):
        config = {
            "units": self.units,
            "output_units": self.output_units,
            "activation": activations.serialize(self.activation),
            "output_activation": activations.serialize(self.output_activation),
            "state_decay": self.state_decay,
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "output_initializer": initializers.serialize(self.output_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
        }
        return {**super().get_config(), **config}


__all__ = ["ElmanCell", "JordanCell"]
