"""Echo state networks in NumPy: a fixed random reservoir and a ridge-regression readout.

- :func:`ridge_readout`: the closed-form ridge regression of the readout, with an
  unpenalised bias (the same solution as reservoirpy's ``Ridge`` and scikit-learn's
  ``Ridge``).
- :func:`nrmse`: root mean squared error divided by the standard deviation of the target.
- :class:`ESN`: reservoir + readout, with ``fit`` (washout discarded), one-step
  ``predict`` and closed-loop ``generate``.

The reservoir update is that of :class:`course_utils.layers.ReservoirCell` (the two
draw their matrices from the same seed with :func:`course_utils.layers.reservoir.reservoir_weights`
and compute the same states; the chapter checks it). This NumPy version is the fast
path: the input drive :math:`W x_t + b` is computed for all steps in one matrix
product, and the loop over time does one sparse product :math:`U h_{t-1}` per step.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.linalg.blas

from ..layers.reservoir import check_reservoir_args, reservoir_weights
from ..validation import check_array, check_bool, check_float, check_int, check_positive_int

try:  # the compiled kernel behind ``csr_matrix @ vector``, without its Python overhead
    from scipy.sparse._sparsetools import csr_matvec as _csr_matvec
except ImportError:  # pragma: no cover - other SciPy layouts
    _csr_matvec = None


def _as_2d(value, name):
    arr = check_array(value, name, ndim=(1, 2), dtype=np.float64)
    return arr[:, None] if arr.ndim == 1 else arr


def ridge_readout(states, targets, ridge=1e-8):
    """Closed-form ridge regression of ``targets`` on ``states``, with a bias.

    Solves :math:`\\min_{W_y, b_y} \\sum_t \\lVert y_t - W_y h_t - b_y\\rVert^2 + \\nu \\lVert W_y\\rVert_F^2`:
    the bias :math:`b_y` is not penalised. With the design matrix :math:`[\\mathbf 1, H]` this
    is :math:`\\begin{bmatrix} b_y^T \\\\ W_y^T \\end{bmatrix} = ([\\mathbf 1, H]^T [\\mathbf 1, H]
    + \\nu\\, \\mathrm{diag}(0, 1, \\dots, 1))^{-1} [\\mathbf 1, H]^T Y`, computed here by
    centring: :math:`W_y^T = (H_c^T H_c + \\nu I)^{-1} H_c^T Y_c`, :math:`b_y = \\bar y - W_y \\bar h`
    (Gram matrix by BLAS ``syrk``, solve by Cholesky; least squares if the matrix is singular).

    Args:
        states: array (T, n), one reservoir state :math:`h_t` per row.
        targets: array (T, k) or (T,), the targets :math:`y_t`.
        ridge: non-negative float, the regulariser :math:`\\nu`.

    Returns:
        ``(kernel, bias)``: ``kernel`` = :math:`W_y^T` of shape (n, k), ``bias`` = :math:`b_y`
        of shape (k,), so that predictions are ``states @ kernel + bias``.
    """
    H = check_array(states, "states", ndim=2, dtype=np.float64)
    Y = _as_2d(targets, "targets")
    if Y.shape[0] != H.shape[0]:
        raise ValueError(f"states and targets need the same number of rows (time steps), got "
                         f"{H.shape[0]} and {Y.shape[0]}")
    ridge = check_float(ridge, "ridge", minimum=0.0)
    h_mean, y_mean = H.mean(axis=0), Y.mean(axis=0)
    Hc = H - h_mean
    # Gram matrix H_c^T H_c by BLAS syrk (one triangle: half the work of H_c.T @ H_c)
    gram = scipy.linalg.blas.dsyrk(1.0, Hc, trans=1, lower=0)
    gram[np.diag_indices_from(gram)] += ridge
    cross = Hc.T @ (Y - y_mean)
    try:
        kernel = scipy.linalg.cho_solve(scipy.linalg.cho_factor(gram, lower=False, check_finite=False),
                                        cross, check_finite=False)
    except np.linalg.LinAlgError:   # singular without a regulariser: least squares instead
        full = np.triu(gram) + np.triu(gram, 1).T
        kernel = scipy.linalg.lstsq(full, cross)[0]
    return kernel, y_mean - h_mean @ kernel


def nrmse(prediction, target, *, scale=None):
    """Root mean squared error divided by ``scale`` (default: the std of ``target``)."""
    pred = np.asarray(prediction, dtype=np.float64)
    targ = np.asarray(target, dtype=np.float64)
    if pred.shape != targ.shape:
        raise ValueError(f"prediction and target must have the same shape, got {pred.shape} "
                         f"and {targ.shape}")
    scale = float(np.std(targ)) if scale is None else check_float(scale, "scale", minimum=0.0,
                                                                 min_inclusive=False)
    return float(np.sqrt(np.mean((pred - targ) ** 2)) / scale)


class ESN:
    """An echo state network: fixed random reservoir, linear readout trained in closed form.

    .. math::

        h_t = (1 - \\text{lr})\\, h_{t-1} + \\text{lr} \\tanh(W x_t + U h_{t-1} + W_{\\text{back}}\\, y_{t-1} + b),
        \\qquad \\hat y_t = W_y h_t + b_y,

    with :math:`h_0 = 0`. :math:`U, W, b, W_{\\text{back}}` are drawn once from ``seed``
    (:func:`~course_utils.layers.reservoir.reservoir_weights`); only :math:`W_y, b_y` are
    learned, by :func:`ridge_readout` on the states after the washout.

    Args:
        units, spectral_radius, input_scaling, connectivity, leak_rate, bias_scaling, seed:
            the reservoir, as in :class:`course_utils.layers.ReservoirCell`.
        ridge: the regulariser :math:`\\nu` of the readout (default 1e-8).
        washout: int >= 0, initial steps whose states are discarded by ``fit``
            (they still depend on the arbitrary :math:`h_0`).
        feedback: if True, the previous output is fed back through :math:`W_{\\text{back}}`
            (scale ``feedback_scaling``); during ``fit`` and ``predict`` the fed-back value is
            the previous *target* (teacher forcing), in ``generate`` the previous prediction.

    Methods: ``run`` (states), ``fit`` (washout, ridge), ``predict`` (one step ahead,
    teacher-forced, continuing from the last state), ``generate`` (closed loop).
    Attributes after ``fit``: ``kernel`` (n, k) = :math:`W_y^T`, ``bias`` (k,) = :math:`b_y`,
    ``state`` (the last reservoir state), ``last_output``.
    """

    def __init__(self, units=500, *, spectral_radius=0.9, input_scaling=1.0, connectivity=0.1,
                 leak_rate=1.0, bias_scaling=0.0, ridge=1e-8, washout=100, feedback=False,
                 feedback_scaling=1.0, seed=0):
        (self.units, self.spectral_radius, self.input_scaling, self.connectivity,
         self.leak_rate, self.bias_scaling, self.feedback_scaling) = check_reservoir_args(
            units, spectral_radius, input_scaling, connectivity, leak_rate, bias_scaling,
            feedback_scaling)
        self.ridge = check_float(ridge, "ridge", minimum=0.0)
        self.washout = check_int(washout, "washout", minimum=0)
        self.feedback = check_bool(feedback, "feedback")
        self.seed = check_int(seed, "seed", minimum=0)
        self.weights = None
        self.kernel = self.bias = self.state = self.last_output = None

    # ------------------------------------------------------------------ reservoir
    def _init_weights(self, input_dim, output_dim):
        if self.weights is not None:
            fb = self.weights["W_back"].shape[1]
            if self.feedback and output_dim is not None and fb != output_dim:
                raise ValueError(f"this ESN feeds back {fb} outputs, got targets with {output_dim}")
            if self.weights["W"].shape[1] != input_dim:
                raise ValueError(f"this ESN was set up for inputs with {self.weights['W'].shape[1]} "
                                 f"features, got {input_dim}")
            return
        self.weights = reservoir_weights(
            self.units, input_dim, spectral_radius=self.spectral_radius,
            input_scaling=self.input_scaling, connectivity=self.connectivity,
            bias_scaling=self.bias_scaling, feedback_dim=output_dim if self.feedback else 0,
            feedback_scaling=self.feedback_scaling, seed=self.seed)

    def _loop(self, drive, h, feedback=None):
        """States for a precomputed drive (T, n) = W x_t + b (+ W_back y_{t-1})."""
        U, a = self.weights["U"], self.leak_rate
        n = self.units
        out = np.empty_like(drive)
        z = np.empty(n)
        h = np.array(h, dtype=np.float64)
        for t in range(drive.shape[0]):
            np.copyto(z, drive[t])
            if _csr_matvec is not None:          # z += U h, in place
                _csr_matvec(n, n, U.indptr, U.indices, U.data, h, z)
            else:  # pragma: no cover
                z += U @ h
            np.tanh(z, out=z)
            h_new = out[t]                       # written in place: no temporary arrays
            if a == 1.0:
                np.copyto(h_new, z)
            else:
                np.multiply(h, 1.0 - a, out=h_new)
                z *= a
                h_new += z
            h = h_new
        return out

    def run(self, inputs, h0=None, teacher=None):
        """Reservoir states (T, n) for ``inputs`` (T, d), starting from ``h0`` (default zeros).

        With ``feedback=True``, ``teacher`` (T, k) holds the outputs to feed back
        (:math:`y_{t-1}` at step t is ``teacher[t-1]``, and 0 at the first step).
        """
        X = _as_2d(inputs, "inputs")
        if self.weights is None:
            if self.feedback and teacher is None:
                raise ValueError("an ESN with feedback=True needs teacher outputs to run on")
            self._init_weights(X.shape[1], 1 if teacher is None else _as_2d(teacher, "teacher").shape[1])
        else:
            self._init_weights(X.shape[1], None)
        h = np.zeros(self.units) if h0 is None else check_array(h0, "h0", shape=(self.units,),
                                                                 dtype=np.float64)
        drive = X @ self.weights["W"].T + self.weights["b"]
        if self.feedback:
            if teacher is None:
                raise ValueError("an ESN with feedback=True needs teacher outputs to run on")
            Y = _as_2d(teacher, "teacher")
            if Y.shape[0] != X.shape[0]:
                raise ValueError(f"teacher needs {X.shape[0]} rows like inputs, got {Y.shape[0]}")
            prev = np.vstack([np.zeros((1, Y.shape[1])), Y[:-1]])
            drive += prev @ self.weights["W_back"].T
        return self._loop(drive, h)

    # ------------------------------------------------------------------ training
    def fit(self, inputs, targets):
        """Run the reservoir on ``inputs`` (T, d) from :math:`h_0 = 0`, drop the first
        ``washout`` states and fit the readout to ``targets`` (T, k) by ridge regression."""
        X = _as_2d(inputs, "inputs")
        Y = _as_2d(targets, "targets")
        if X.shape[0] != Y.shape[0]:
            raise ValueError(f"inputs and targets need the same number of time steps, got "
                             f"{X.shape[0]} and {Y.shape[0]}")
        if self.washout >= X.shape[0]:
            raise ValueError(f"washout must be shorter than the data: washout={self.washout} but "
                             f"the inputs have {X.shape[0]} time steps, so no state would be left "
                             f"to fit the readout on")
        self._init_weights(X.shape[1], Y.shape[1])   # drawn on the first fit, then kept
        H = self.run(X, teacher=Y if self.feedback else None)
        self.kernel, self.bias = ridge_readout(H[self.washout:], Y[self.washout:], self.ridge)
        self.state = H[-1].copy()
        self.last_output = self.state @ self.kernel + self.bias
        self._last_target = Y[-1].copy()
        return self

    def _check_fitted(self):
        if self.kernel is None:
            raise ValueError("fit the ESN first (ESN.fit(inputs, targets))")

    def predict(self, inputs, h0=None, teacher=None):
        """One-step-ahead predictions (T, k) for ``inputs`` (T, d), teacher-forced.

        Continues from the last state (after ``fit`` or an earlier ``predict``) unless
        ``h0`` is given. With feedback, ``teacher`` holds the true outputs to feed back
        (the first fed-back value is the last target seen).
        """
        self._check_fitted()
        X = _as_2d(inputs, "inputs")
        h = self.state if h0 is None else h0
        if self.feedback:
            if teacher is None:
                raise ValueError("an ESN with feedback=True needs the true outputs (teacher) to "
                                 "predict one step ahead; use generate() to run in closed loop")
            Y = _as_2d(teacher, "teacher")
            drive = X @ self.weights["W"].T + self.weights["b"]
            prev = np.vstack([self._last_target[None], Y[:-1]])
            drive += prev @ self.weights["W_back"].T
            H = self._loop(drive, np.asarray(h, dtype=np.float64))
            self._last_target = Y[-1].copy()
        else:
            H = self.run(X, h0=h)
        self.state = H[-1].copy()
        out = H @ self.kernel + self.bias
        self.last_output = out[-1].copy()
        return out

    def generate(self, n_steps, inputs=None, h0=None, y0=None):
        """Closed-loop generation of ``n_steps`` outputs from the current state.

        Without feedback the ESN must predict its own next input (input and output of the
        same size): ``out[0]`` is the last one-step prediction (made from true inputs),
        and each later output is computed from the reservoir driven by the previous
        prediction, so ``out[k]`` is a (k+1)-step-ahead forecast. With feedback, the
        previous prediction is fed back through :math:`W_{\\text{back}}` and ``inputs``
        (n_steps, d) gives the external inputs of the steps (zeros if omitted).

        ``h0`` and ``y0`` start the loop from another reservoir state and last output (for
        example a state stored during a teacher-forced ``predict``); ``y0`` defaults to the
        readout of ``h0``.
        """
        self._check_fitted()
        n_steps = check_positive_int(n_steps, "n_steps")
        d, k = self.weights["W"].shape[1], self.kernel.shape[1]
        W, b, U, a = self.weights["W"], self.weights["b"], self.weights["U"], self.leak_rate
        if h0 is None:
            h, y = self.state.copy(), self.last_output.copy()
        else:
            h = check_array(h0, "h0", shape=(self.units,), dtype=np.float64).copy()
            y = h @ self.kernel + self.bias if y0 is None else check_array(
                y0, "y0", shape=(k,), dtype=np.float64).copy()
        out = np.empty((n_steps, k))
        if self.feedback:
            X = np.zeros((n_steps, d)) if inputs is None else check_array(
                inputs, "inputs", shape=(n_steps, d), dtype=np.float64)
            W_back = self.weights["W_back"]
            # the fed-back previous output: the last teacher-forced target, or y0 (by default
            # the readout of h0) when the loop starts from another state
            fb = self._last_target.copy() if h0 is None else y.copy()
            for t in range(n_steps):
                z = W @ X[t] + b + W_back @ fb + U @ h
                h = (1.0 - a) * h + a * np.tanh(z)
                y = h @ self.kernel + self.bias
                out[t] = fb = y
        else:
            if d != k:
                raise ValueError(f"closed-loop generation feeds each prediction back as the next "
                                 f"input, so inputs and outputs must have the same size; got {d} "
                                 f"input features and {k} outputs")
            n = self.units
            for t in range(n_steps):
                out[t] = y
                if t == n_steps - 1:
                    break
                z = W @ y + b
                if _csr_matvec is not None:      # z += U h
                    _csr_matvec(n, n, U.indptr, U.indices, U.data, h, z)
                else:  # pragma: no cover
                    z += U @ h
                h = (1.0 - a) * h + a * np.tanh(z)
                y = h @ self.kernel + self.bias
        self.state, self.last_output = h, y
        return out


__all__ = ["ESN", "ridge_readout", "nrmse"]
