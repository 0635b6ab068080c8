"""The clockwork RNN (Koutník, Greff, Gomez & Schmidhuber 2014) as a Keras RNN cell.

:class:`ClockworkCell` follows the cell contract of ``keras.layers.RNN``
(``state_size``, ``output_size``, ``call(inputs, states, training=None)``), so
``keras.layers.RNN(ClockworkCell(32, periods=(1, 2, 4, 8)))`` works with masking,
``return_sequences``, ``return_state`` and initial states like any built-in layer.
It uses ``keras.ops`` only and runs on every Keras backend.

:func:`clockwork_mask` builds the block-triangular connectivity of the recurrent
matrix in Keras' layout, and :func:`exponential_periods` the paper's default
clock periods 1, 2, 4, ..., 2^(g-1).
"""

from __future__ import annotations

import numbers

import keras
import numpy as np
from keras import activations, initializers, ops

from ..validation import (
    check_activation,
    check_bool,
    check_cell_input_shape,
    check_cell_step,
    check_initializer,
    check_positive_int,
)


def exponential_periods(n_modules):
    """The periods of the paper's experiments, ``(1, 2, 4, ..., 2**(n_modules - 1))``."""
    n_modules = check_positive_int(n_modules, "n_modules")
    return tuple(2 ** i for i in range(n_modules))


def _check_periods(periods):
    if isinstance(periods, (str, bytes)) or not hasattr(periods, "__len__"):
        raise ValueError(f"periods must be a list or tuple of positive ints, one per module "
                         f"(for example (1, 2, 4, 8)), got {periods!r}")
    periods = list(periods)
    if not periods:
        raise ValueError("periods must name at least one module, got an empty sequence")
    clean = []
    for i, period in enumerate(periods):
        if isinstance(period, (bool, np.bool_)) or not isinstance(period, numbers.Real):
            raise ValueError(f"periods[{i}] must be a positive int (a number of time steps), "
                             f"got {period!r}")
        if isinstance(period, numbers.Integral):
            value = int(period)
        elif float(period).is_integer():
            raise ValueError(f"periods[{i}] must be an int, got the float {period!r}; "
                             f"write {int(period)}")
        else:
            raise ValueError(f"periods[{i}] must be a whole number of time steps, got {period!r}")
        if value < 1:
            raise ValueError(f"periods[{i}] must be >= 1 (a module updates every T_i steps), "
                             f"got {value}")
        clean.append(value)
    if any(b < a for a, b in zip(clean, clean[1:])):
        raise ValueError(f"periods must be non-decreasing, fastest module first (recurrent "
                         f"connections run from later, slower modules to earlier, faster "
                         f"ones), got {tuple(clean)}; sort them")
    return tuple(clean)


def clockwork_mask(units, n_modules):
    """The recurrent connectivity of a clockwork RNN, in Keras' layout.

    Returns a ``(units, units)`` float32 array ``M`` with ``M[j, i] = 1`` when unit
    ``j`` (a row of ``recurrent_kernel``: the *source*, read at step t-1) may feed
    unit ``i`` (a column: the *target*, written at step t). With modules numbered
    0 (fastest) to g-1 (slowest), unit ``j`` of module ``m(j)`` feeds unit ``i`` of
    module ``m(i)`` if and only if ``m(j) >= m(i)``: connections run within a
    module and from slower modules to faster ones. In the paper's layout
    :math:`U = M^\\top` (rows = targets) this is block-upper-triangular; in Keras'
    layout it is block-lower-triangular.
    """
    units = check_positive_int(units, "units")
    n_modules = check_positive_int(n_modules, "n_modules")
    if units % n_modules:
        raise ValueError(f"units must be a multiple of the number of modules: {units} units "
                         f"cannot be split into {n_modules} modules of equal size")
    module = np.repeat(np.arange(n_modules), units // n_modules)
    return (module[:, None] >= module[None, :]).astype("float32")


@keras.saving.register_keras_serializable(package="course_utils")
class ClockworkCell(keras.layers.Layer):
    """Clockwork RNN cell (Koutník, Greff, Gomez & Schmidhuber 2014).

    The hidden state :math:`h_t` of ``units`` units is split into g modules of
    :math:`k = \\text{units} / g` units, module :math:`i` with clock period
    :math:`T_i` (``periods``, non-decreasing: module 0 is the fastest). At step
    :math:`t = 0, 1, 2, \\dots` module :math:`i` is **active** if
    :math:`t \\bmod T_i = 0`. An active module updates like a simple RNN, reading
    the input and the modules that are at least as slow as itself; an inactive
    module keeps its value:

    .. math::

        h_t^{(i)} = \\begin{cases}
            f\\big(W^{(i)} x_t + \\sum_{j \\ge i} U^{(i,j)} h_{t-1}^{(j)} + b^{(i)}\\big)
                & t \\bmod T_i = 0,\\\\
            h_{t-1}^{(i)} & \\text{otherwise.}
        \\end{cases}

    So the recurrent matrix :math:`U` (rows = targets) is block-upper-triangular:
    the fastest module (period :math:`T_1`) receives from all g modules, its block row
    is :math:`k \\times gk`; the slowest receives only from itself, :math:`k \\times k`;
    in all :math:`k^2 g (g + 1) / 2` recurrent weights. As in the paper, every module
    reads the whole input :math:`x_t` when it is active, and the output layer (put a
    ``Dense`` on top: :math:`y_t = f_O(V h_t)`) reads all modules.

    **Weight layout.** Keras multiplies row vectors from the right, so ``kernel`` is
    :math:`W^\\top`, shape ``(input_dim, units)``, and ``recurrent_kernel`` is
    :math:`U^\\top`, shape ``(units, units)``, rows = source units, columns = target
    units. It is stored dense, and the step uses ``recurrent_kernel * mask`` with the
    constant block-*lower*-triangular ``mask`` of :func:`clockwork_mask`; masked weights
    therefore never affect the output and receive a gradient of exactly zero (whatever
    values they hold). :meth:`count_effective_params` counts the weights that matter.

    **Step counter.** The cell's second state is the step counter :math:`t` of each
    sequence, shape ``(batch, 1)``, starting at 0 (every module is active at the first
    step). It is a state so that it travels with the sequence: a masked step keeps it,
    so padded sequences see the same clock as unpadded ones, and ``initial_state=[h0,
    t0]`` can resume a sequence at step ``t0`` (rounded to the nearest integer).

    **Cost.** Masking keeps the arithmetic of a dense step (the full product with a
    ``(units, units)`` matrix every step), so this implementation is no faster than a
    simple RNN of the same width; the saving of the paper needs code that computes only
    the active modules (chapter 7 shows how).

    Args:
        units: positive int, size of :math:`h_t`; a multiple of ``len(periods)``.
        periods: the clock period :math:`T_i` of each module, positive ints in
            non-decreasing order (default ``(1, 2, 4, 8)``; see
            :func:`exponential_periods`).
        activation: the nonlinearity :math:`f` (default ``"tanh"``).
        use_bias: whether to add the bias :math:`b` (default True; the paper's equations
            have none).
        kernel_initializer: initializer of ``kernel`` (default ``"glorot_uniform"``).
        recurrent_initializer: initializer of ``recurrent_kernel`` before masking
            (default ``"orthogonal"``).
        bias_initializer: initializer of the bias (default ``"zeros"``).
        **kwargs: passed to ``keras.layers.Layer`` (``name``, ``dtype``, ...).

    Call arguments:
        inputs: tensor ``(batch, input_dim)``, the input :math:`x_t` of one step.
        states: list ``[h_{t-1}, t]``: the hidden state ``(batch, units)`` and the step
            counter ``(batch, 1)``.
        training: unused (the cell has no dropout); accepted for the cell contract.

    Returns:
        ``(h_t, [h_t, t + 1])``.

    Example::

        import keras, numpy as np
        from course_utils.layers import ClockworkCell

        cell = ClockworkCell(256, periods=(1, 2, 4, 8))   # 4 modules of 64 units
        layer = keras.layers.RNN(cell, return_sequences=True)
        h = layer(np.zeros((2, 100, 3), "float32"))        # (2, 100, 256)
        cell.count_effective_params()    # 3*256 + 64*64*10 + 256 = 41_984

    Reference:
        J. Koutník, K. Greff, F. Gomez, J. Schmidhuber (2014). A clockwork RNN.
        *Proceedings of the 31st International Conference on Machine Learning (ICML)*,
        PMLR 32(2), 1863-1871.
    """

    def __init__(self, units, periods=(1, 2, 4, 8), activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int(units, "units")
        self.periods = _check_periods(periods)
        g = len(self.periods)
        if self.units % g:
            raise ValueError(f"units must be a multiple of the number of modules: {self.units} "
                             f"units cannot be split into {g} modules of equal size "
                             f"(periods {self.periods}); use for example "
                             f"{g * max(1, round(self.units / g))} units")
        self.module_size = self.units // g
        self.activation = check_activation(activation, "activation")
        self.use_bias = check_bool(use_bias, "use_bias")
        self.kernel_initializer = check_initializer(kernel_initializer, "kernel_initializer")
        self.recurrent_initializer = check_initializer(recurrent_initializer, "recurrent_initializer")
        self.bias_initializer = check_initializer(bias_initializer, "bias_initializer")
        self.state_size = [self.units, 1]
        self.output_size = self.units

    @property
    def n_modules(self):
        """The number of modules g."""
        return len(self.periods)

    @property
    def mask(self):
        """The ``(units, units)`` block mask applied to ``recurrent_kernel`` (NumPy)."""
        return clockwork_mask(self.units, self.n_modules)

    @property
    def unit_periods(self):
        """The clock period of every unit, shape ``(units,)`` (NumPy)."""
        return np.repeat(np.array(self.periods), self.module_size)

    def build(self, input_shape):
        input_dim = check_cell_input_shape(input_shape, "ClockworkCell")
        self.kernel = self.add_weight(shape=(input_dim, self.units), name="kernel",
                                      initializer=self.kernel_initializer)
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                name="recurrent_kernel",
                                                initializer=self.recurrent_initializer)
        self.bias = (self.add_weight(shape=(self.units,), name="bias",
                                     initializer=self.bias_initializer)
                     if self.use_bias else None)

    def count_effective_params(self):
        """Weights that can affect the output: input, unmasked recurrent and bias."""
        if not self.built:
            raise ValueError("count_effective_params() needs a built cell: call the RNN layer "
                             "on data or build it first, e.g. layer.build((None, None, features))")
        k, g = self.module_size, self.n_modules
        return (int(self.kernel.shape[0]) * self.units + k * k * g * (g + 1) // 2
                + (self.units if self.use_bias else 0))

    def call(self, inputs, states, training=None):
        if not isinstance(states, (list, tuple)) or len(states) != 2:
            count = len(states) if isinstance(states, (list, tuple)) else "a single tensor"
            raise ValueError(f"ClockworkCell needs two states [h_{{t-1}}, t]: the hidden state "
                             f"(batch, {self.units}) and the step counter (batch, 1); got "
                             f"{count}. Pass initial_state=[h0, t0] with t0 = zeros((batch, 1)) "
                             f"to start the clock at step 0")
        h_prev, step = states[0], states[1]
        check_cell_step("ClockworkCell", inputs, [h_prev, step], input_dim=self.kernel.shape[0],
                        state_sizes=[self.units, 1], state_names=["h_{t-1}", "t"])
        mask = ops.convert_to_tensor(self.mask, dtype=self.recurrent_kernel.dtype)
        z = ops.matmul(inputs, self.kernel) + ops.matmul(h_prev, self.recurrent_kernel * mask)
        if self.bias is not None:
            z = z + self.bias
        candidate = self.activation(z)
        # Module i is active at step t when t mod T_i = 0; its units take the new value,
        # the units of inactive modules keep theirs.
        periods = ops.convert_to_tensor(self.unit_periods, dtype=step.dtype)
        active = ops.equal(ops.mod(ops.round(step), periods), 0)      # (batch, units)
        h = ops.where(active, candidate, h_prev)
        return h, [h, step + 1]

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, self.units), dtype=self.compute_dtype),
                ops.zeros((batch_size, 1), dtype=self.compute_dtype)]

    def get_config(self):
        config = {
            "units": self.units,
            "periods": list(self.periods),
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
        }
        return {**super().get_config(), **config}


__all__ = ["ClockworkCell", "clockwork_mask", "exponential_periods"]
