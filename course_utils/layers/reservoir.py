"""The reservoir of an echo state network as a Keras RNN cell, and its random matrices.

- :func:`reservoir_weights` draws the fixed random matrices of a reservoir from a seed:
  a sparse recurrent matrix rescaled to a requested spectral radius, the input matrix,
  the bias and (optionally) the output-feedback matrix. The NumPy echo state network
  of :mod:`course_utils.models.esn` and :class:`ReservoirCell` use the same function,
  so the same seed gives both the same reservoir.
- :func:`spectral_radius` is the largest eigenvalue modulus of a (sparse or dense) matrix.
- :class:`ReservoirCell` is one leaky-tanh reservoir step for ``keras.layers.RNN``, with
  non-trainable weights (``keras.ops`` only, every backend).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from ..validation import (
    check_cell_input_shape,
    check_cell_step,
    check_float,
    check_int,
    check_positive_int,
    rng_from,
)

#: above this size the spectral radius is computed with ARPACK on the sparse matrix
DENSE_EIG_MAX_UNITS = 300


def check_reservoir_args(units, spectral_radius, input_scaling, connectivity, leak_rate,
                         bias_scaling=0.0, feedback_scaling=0.0):
    """Validate the hyperparameters of a reservoir; return them as Python numbers."""
    units = check_positive_int(units, "units")
    spectral_radius = check_float(spectral_radius, "spectral_radius", minimum=0.0)
    input_scaling = check_float(input_scaling, "input_scaling", minimum=0.0)
    connectivity = check_float(connectivity, "connectivity", minimum=0.0, maximum=1.0,
                               min_inclusive=False)
    leak_rate = check_float(leak_rate, "leak_rate", minimum=0.0, maximum=1.0,
                            min_inclusive=False)
    bias_scaling = check_float(bias_scaling, "bias_scaling", minimum=0.0)
    feedback_scaling = check_float(feedback_scaling, "feedback_scaling", minimum=0.0)
    return units, spectral_radius, input_scaling, connectivity, leak_rate, bias_scaling, feedback_scaling


def spectral_radius(matrix):
    """Largest modulus of the eigenvalues of a square matrix (dense array or SciPy sparse).

    Small matrices use ``numpy.linalg.eigvals``; sparse matrices with more than
    ``DENSE_EIG_MAX_UNITS`` rows use ARPACK (``scipy.sparse.linalg.eigs``) with a
    fixed start vector, so the result is the same on every run.
    """
    import scipy.sparse as sp

    n = matrix.shape[0]
    if matrix.ndim != 2 or matrix.shape[1] != n:
        raise ValueError(f"matrix must be square, got shape {matrix.shape}")
    if sp.issparse(matrix) and n > DENSE_EIG_MAX_UNITS:
        from scipy.sparse.linalg import ArpackNoConvergence, eigs

        v0 = np.ones(n) / np.sqrt(n)
        try:
            vals = eigs(matrix.astype(np.float64), k=1, which="LM", v0=v0, tol=1e-10,
                        maxiter=20 * n, return_eigenvectors=False)
            return float(np.abs(vals).max())
        except ArpackNoConvergence:  # pragma: no cover - fall back to the dense solver
            matrix = matrix.toarray()
    dense = matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix, dtype=np.float64)
    return float(np.abs(np.linalg.eigvals(dense)).max())


def sparse_recurrent_matrix(units, connectivity, radius, seed):
    """A random sparse ``(units, units)`` matrix (SciPy CSR) with spectral radius ``radius``.

    Each entry is non-zero with probability ``connectivity``, and the non-zero entries are
    uniform on [-1, 1]; the matrix is then multiplied by ``radius / rho(U)``. The draw
    uses only ``numpy.random.Generator`` calls, so the same seed gives the same matrix on
    every machine (the eigenvalue solver may differ in the last digits).
    """
    import scipy.sparse as sp

    units = check_positive_int(units, "units")
    connectivity = check_float(connectivity, "connectivity", minimum=0.0, maximum=1.0,
                               min_inclusive=False)
    radius = check_float(radius, "spectral_radius", minimum=0.0)
    rng = rng_from(seed)
    nnz = max(1, int(round(connectivity * units * units)))
    flat = rng.choice(units * units, size=nnz, replace=False) if nnz < units * units else \
        np.arange(units * units)
    flat.sort()
    values = rng.uniform(-1.0, 1.0, size=nnz)
    matrix = sp.csr_matrix((values, (flat // units, flat % units)), shape=(units, units))
    rho = spectral_radius(matrix)
    if rho < 1e-12:
        raise ValueError(f"the random recurrent matrix with units={units} and connectivity="
                         f"{connectivity} has spectral radius 0 (it is nilpotent: too few "
                         f"connections to form a cycle); raise connectivity or units")
    return (matrix * (radius / rho)).tocsr()


def reservoir_weights(units, input_dim, *, spectral_radius=0.9, input_scaling=1.0,
                      connectivity=0.1, bias_scaling=0.0, feedback_dim=0,
                      feedback_scaling=1.0, seed=0):
    """The fixed random matrices of a reservoir, drawn from ``seed``.

    Returns a dict of NumPy float64 arrays in the course's (column-vector) notation:

    - ``"U"`` ``(units, units)``, SciPy CSR: recurrent matrix, fraction ``connectivity``
      of non-zero entries uniform on [-1, 1], rescaled to ``spectral_radius``;
    - ``"W"`` ``(units, input_dim)``: input matrix, uniform on [-input_scaling, input_scaling];
    - ``"b"`` ``(units,)``: bias, uniform on [-bias_scaling, bias_scaling];
    - ``"W_back"`` ``(units, feedback_dim)``: output-feedback matrix, uniform on
      [-feedback_scaling, feedback_scaling] (an empty array when ``feedback_dim`` is 0).

    The four come from independent child generators of ``seed`` (``Generator.spawn``), so
    changing ``input_dim`` does not change ``U``.
    """
    units = check_positive_int(units, "units")
    input_dim = check_positive_int(input_dim, "input_dim")
    feedback_dim = check_int(feedback_dim, "feedback_dim", minimum=0)
    check_reservoir_args(units, spectral_radius, input_scaling, connectivity, 1.0,
                         bias_scaling, feedback_scaling)
    rng_u, rng_w, rng_b, rng_fb = rng_from(seed).spawn(4)
    return {
        "U": sparse_recurrent_matrix(units, connectivity, spectral_radius, rng_u),
        "W": input_scaling * rng_w.uniform(-1.0, 1.0, size=(units, input_dim)),
        "b": bias_scaling * rng_b.uniform(-1.0, 1.0, size=units),
        "W_back": feedback_scaling * rng_fb.uniform(-1.0, 1.0, size=(units, feedback_dim)),
    }


@keras.saving.register_keras_serializable(package="course_utils")
class ReservoirCell(keras.layers.Layer):
    """The reservoir of an echo state network: a fixed, random, leaky-tanh recurrent cell.

    One step maps the input :math:`x_t` and the previous reservoir state :math:`h_{t-1}`
    (and, with output feedback, the previous output :math:`y_{t-1}`) to

    .. math::

        \\tilde h_t &= \\tanh(W x_t + U h_{t-1} + W_{\\text{back}}\\, y_{t-1} + b),\\\\
        h_t &= (1 - \\text{lr})\\, h_{t-1} + \\text{lr}\\, \\tilde h_t,

    with leak rate :math:`\\text{lr} \\in (0, 1]` (:math:`\\text{lr} = 1`: no leak). In the reservoir
    computing literature :math:`W` is called :math:`W_{in}`, :math:`U` is :math:`W` and
    :math:`h_t` is :math:`x(n)`. None of the weights is trained: they are drawn once from
    ``seed`` by :func:`reservoir_weights` (``U`` sparse, rescaled to ``spectral_radius``)
    and stored as non-trainable weights in Keras' layout, ``kernel`` = :math:`W^T`
    ``(input_dim, units)``, ``recurrent_kernel`` = :math:`U^T`, ``bias`` = :math:`b`.
    Only a linear readout :math:`y_t = W_y h_t + b_y` is trained, outside the cell, by ridge
    regression (:class:`course_utils.models.esn.ESN`).

    **Output feedback** (``feedback_dim > 0``): the cell also holds the readout
    (``readout_kernel`` = :math:`W_y^T` ``(units, feedback_dim)``, ``readout_bias`` = :math:`b_y`,
    zeros until set with :meth:`set_readout`) and a second state, the previous output
    :math:`y_{t-1} = W_y h_{t-1} + b_y`, fed back through ``feedback_kernel`` =
    :math:`W_{\\text{back}}^T`. The cell then runs in closed loop: its own output drives it.

    Args:
        units: positive int, number of reservoir units :math:`n`.
        spectral_radius: non-negative float, largest eigenvalue modulus of :math:`U`
            (default 0.9).
        input_scaling: non-negative float, entries of :math:`W` are uniform on
            [-input_scaling, input_scaling] (default 1).
        connectivity: float in (0, 1], fraction of non-zero entries of :math:`U`
            (default 0.1).
        leak_rate: float in (0, 1], :math:`\\text{lr}` (default 1).
        bias_scaling: non-negative float, entries of :math:`b` are uniform on
            [-bias_scaling, bias_scaling] (default 0: no bias).
        feedback_dim: int >= 0, size of the fed-back output :math:`y` (default 0: no feedback).
        feedback_scaling: non-negative float, scale of :math:`W_{\\text{back}}` (default 1).
        seed: int >= 0, the seed of every random matrix (default 0).

    Call arguments:
        inputs: tensor (batch, input_dim), the input :math:`x_t` of one step.
        states: list with :math:`h_{t-1}` (batch, units), and :math:`y_{t-1}`
            (batch, feedback_dim) when ``feedback_dim > 0``.
        training: unused; accepted for the cell contract.

    Returns:
        ``(h_t, [h_t])``, or ``(h_t, [h_t, y_t])`` with feedback.

    Example::

        layer = keras.layers.RNN(ReservoirCell(200, spectral_radius=0.9, leak_rate=0.3),
                                 return_sequences=True)
        h = layer(np.zeros((1, 500, 1), "float32"))      # (1, 500, 200) reservoir states

    References: H. Jaeger (2001). The "echo state" approach to analysing and training
    recurrent neural networks. GMD Report 148. H. Jaeger, M. Lukoševičius, D. Popovici,
    U. Siewert (2007). Optimization and applications of echo state networks with
    leaky-integrator neurons. *Neural Networks* 20(3), 335-352.
    """

    def __init__(self, units, spectral_radius=0.9, input_scaling=1.0, connectivity=0.1,
                 leak_rate=1.0, bias_scaling=0.0, feedback_dim=0, feedback_scaling=1.0,
                 seed=0, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        (self.units, self.spectral_radius, self.input_scaling, self.connectivity,
         self.leak_rate, self.bias_scaling, self.feedback_scaling) = check_reservoir_args(
            units, spectral_radius, input_scaling, connectivity, leak_rate, bias_scaling,
            feedback_scaling)
        self.feedback_dim = check_int(feedback_dim, "feedback_dim", minimum=0)
        self.seed = check_int(seed, "seed", minimum=0)
        self.state_size = [self.units, self.feedback_dim] if self.feedback_dim else self.units
        self.output_size = self.units

    def build(self, input_shape):
        input_dim = check_cell_input_shape(input_shape, "ReservoirCell")
        mats = reservoir_weights(self.units, input_dim, spectral_radius=self.spectral_radius,
                                 input_scaling=self.input_scaling, connectivity=self.connectivity,
                                 bias_scaling=self.bias_scaling, feedback_dim=self.feedback_dim,
                                 feedback_scaling=self.feedback_scaling, seed=self.seed)

        def fixed(name, value):
            weight = self.add_weight(shape=value.shape, name=name, initializer="zeros",
                                     trainable=False)
            weight.assign(value.astype(weight.dtype))
            return weight

        self.kernel = fixed("kernel", mats["W"].T)
        self.recurrent_kernel = fixed("recurrent_kernel", mats["U"].toarray().T)
        self.bias = fixed("bias", mats["b"])
        if self.feedback_dim:
            self.feedback_kernel = fixed("feedback_kernel", mats["W_back"].T)
            self.readout_kernel = fixed("readout_kernel", np.zeros((self.units, self.feedback_dim)))
            self.readout_bias = fixed("readout_bias", np.zeros(self.feedback_dim))

    def set_readout(self, kernel, bias):
        """Set the fed-back readout :math:`y = W_y h + b_y`: ``kernel`` = :math:`W_y^T` ``(units,
        feedback_dim)``, ``bias`` = :math:`b_y` ``(feedback_dim,)``. The cell must be built."""
        if not self.feedback_dim:
            raise ValueError("set_readout needs a cell with feedback_dim > 0 (this cell has no "
                             "output feedback)")
        if not self.built:
            raise ValueError("build the cell first (call the RNN layer once), then set_readout")
        kernel = np.asarray(kernel, dtype="float64")
        bias = np.asarray(bias, dtype="float64").reshape(-1)
        if kernel.shape != (self.units, self.feedback_dim) or bias.shape != (self.feedback_dim,):
            raise ValueError(f"readout kernel and bias must have shapes ({self.units}, "
                             f"{self.feedback_dim}) and ({self.feedback_dim},), got "
                             f"{kernel.shape} and {bias.shape}")
        self.readout_kernel.assign(kernel.astype(self.readout_kernel.dtype))
        self.readout_bias.assign(bias.astype(self.readout_bias.dtype))

    def call(self, inputs, states, training=None):
        listed = isinstance(states, (list, tuple))
        states = list(states) if listed else [states]
        sizes = [self.units] + ([self.feedback_dim] if self.feedback_dim else [])
        names = ["h_{t-1}"] + (["y_{t-1}"] if self.feedback_dim else [])
        check_cell_step("ReservoirCell", inputs, states, input_dim=self.kernel.shape[0],
                        state_sizes=sizes, state_names=names)
        h_prev = states[0]
        z = ops.matmul(inputs, self.kernel) + ops.matmul(h_prev, self.recurrent_kernel) + self.bias
        if self.feedback_dim:
            z = z + ops.matmul(states[1], self.feedback_kernel)
        h = ((1.0 - self.leak_rate) * h_prev + self.leak_rate * ops.tanh(z) if self.leak_rate != 1.0
             else ops.tanh(z))
        if self.feedback_dim:
            y = ops.matmul(h, self.readout_kernel) + self.readout_bias
            return h, [h, y]
        return h, [h] if listed else h

    def get_initial_state(self, batch_size=None):
        state = [ops.zeros((batch_size, self.units), dtype=self.compute_dtype)]
        if self.feedback_dim:
            state.append(ops.zeros((batch_size, self.feedback_dim), dtype=self.compute_dtype))
        return state

    def get_config(self):
        config = {
            "units": self.units,
            "spectral_radius": self.spectral_radius,
            "input_scaling": self.input_scaling,
            "connectivity": self.connectivity,
            "leak_rate": self.leak_rate,
            "bias_scaling": self.bias_scaling,
            "feedback_dim": self.feedback_dim,
            "feedback_scaling": self.feedback_scaling,
            "seed": self.seed,
        }
        return {**super().get_config(), **config}


__all__ = ["ReservoirCell", "reservoir_weights", "sparse_recurrent_matrix", "spectral_radius",
           "check_reservoir_args"]
