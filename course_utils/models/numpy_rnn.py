"""A vanilla recurrent network in NumPy with hand-written backpropagation through time.

The model of chapter 3, in the course notation (column vectors)::

    a_t = W x_t + U h_{t-1} + b          pre-activation
    h_t = tanh(a_t)                      hidden state, h_0 = 0 unless given
    u_t = W_y h_t + b_y                  logits (unnormalised log-probabilities)
    y_t = softmax(u_t)                   output distribution at every step

with the same ``W, U, b, W_y, b_y`` at every time step. The loss is the mean
cross-entropy over the counted time steps::

    L = (1 / N) * sum_{b, t} m_{b,t} * (-log y_{b,t}[target_{b,t}]),   N = sum m_{b,t}

where ``m`` is an optional 0/1 mask (1 on real steps, 0 on padding).

Everything is vectorised over the batch. Arrays are stored row-wise, so in
code a batch of hidden states is ``H`` of shape ``(batch, n_hidden)`` and the
update reads ``H_t = tanh(X_t W^T + H_{t-1} U^T + b)``. The weights map onto
Keras as ``SimpleRNN(kernel=W.T, recurrent_kernel=U.T, bias=b)`` followed by
``Dense(kernel=W_y.T, bias=b_y)`` (see :meth:`NumpyRNN.keras_weights`).

Gradients (:meth:`NumpyRNN.loss_and_grads`):

- full BPTT: the usual backward recursion
  ``dL/dh_t = W_y^T dL/du_t + U^T dL/da_{t+1}``, ``dL/da_t = dL/dh_t * (1 - h_t^2)``;
- truncated BPTT with window ``k`` (``truncation="window"``, Williams &
  Peng's BPTT(k)): the loss at step t sends its error back through at most
  ``k`` steps (to ``a_t, ..., a_{t-k+1}``), wherever t is. ``k = 1`` keeps
  only the immediate term; ``k >= T`` is full BPTT;
- chunked truncated BPTT (``truncation="chunks"``, what stateful Keras
  layers and most training code do): the sequence is cut into consecutive
  chunks of ``k`` steps, the state is carried forward from chunk to chunk,
  and errors flow back only within a chunk. The loss at the j-th step of a
  chunk (j = 1..k) reaches back j steps.

:meth:`NumpyRNN.lag_contributions` splits the gradients of ``W``, ``U`` and
``b`` by the lag ``t - s`` between the step ``t`` whose loss is
differentiated and the step ``s`` at which the shared weight is used; the
contributions sum to the full gradient. :meth:`NumpyRNN.lag_pair_sizes` gives
the mean size of a single (t, s) pair's contribution to ``dL/dU`` per lag and
the number of pairs, which the summed contributions mix up.

References: Rumelhart, Hinton & Williams (1986); Werbos (1990),
"Backpropagation through time: what it does and how to do it"; Williams &
Peng (1990) on truncated BPTT; Elman (1990), "Finding structure in time".
"""

from __future__ import annotations

import numbers

import numpy as np

from ..validation import check_array, check_choice, check_float, check_positive_int, rng_from

PARAM_NAMES = ("W", "U", "b", "W_y", "b_y")
TRUNCATIONS = ("window", "chunks")


def softmax(z, axis=-1):
    """Numerically stable softmax along ``axis``."""
    z = np.asarray(z, dtype="float64")
    z = z - z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def global_norm(grads):
    """The Euclidean norm of all gradients taken together (a dict or a list of arrays)."""
    values = grads.values() if isinstance(grads, dict) else grads
    return float(np.sqrt(sum(float(np.sum(np.square(g))) for g in values)))


def _check_truncation(truncate, truncation):
    if truncate is not None:
        if isinstance(truncate, bool) or not isinstance(truncate, numbers.Integral) \
                or truncate < 1:
            raise ValueError(f"truncate (the truncation length k) must be None or an int >= 1, "
                             f"got {truncate!r}")
        truncate = int(truncate)
    truncation = check_choice(truncation, "truncation", TRUNCATIONS)
    return truncate, truncation


class NumpyRNN:
    """Vanilla (Elman) RNN with a softmax output at every step, in plain NumPy.

    Args:
        n_inputs: size of ``x_t``. Integer inputs are token ids in
            ``[0, n_inputs)`` and stand for one-hot vectors (``W x_t`` is then
            the column ``W[:, id]``).
        n_hidden: number of hidden units.
        n_outputs: number of output classes.
        seed: seed of the initial weights.
        weight_scale: standard deviation of ``W`` and ``W_y`` is
            ``weight_scale / sqrt(fan_in)``; ``U`` is a random orthogonal
            matrix times ``recurrent_scale``. Biases start at zero.
        recurrent_scale: gain of the initial recurrent matrix (its spectral
            radius and all its singular values equal this value).

    Attributes:
        params: dict ``{"W", "U", "b", "W_y", "b_y"}`` of float64 arrays with
            shapes ``(n_hidden, n_inputs)``, ``(n_hidden, n_hidden)``,
            ``(n_hidden,)``, ``(n_outputs, n_hidden)``, ``(n_outputs,)``.

    Example:
        >>> rnn = NumpyRNN(n_inputs=5, n_hidden=8, n_outputs=5, seed=0)
        >>> x = np.array([[0, 3, 1], [2, 2, 4]])            # (batch, time) token ids
        >>> loss, grads = rnn.loss_and_grads(x, np.roll(x, -1, axis=1))
        >>> grads["U"].shape
        (8, 8)
    """

    def __init__(self, n_inputs, n_hidden, n_outputs, *, seed=0, weight_scale=1.0,
                 recurrent_scale=1.0):
        self.n_inputs = check_positive_int(n_inputs, "n_inputs")
        self.n_hidden = check_positive_int(n_hidden, "n_hidden")
        self.n_outputs = check_positive_int(n_outputs, "n_outputs")
        weight_scale = check_float(weight_scale, "weight_scale", minimum=0.0)
        recurrent_scale = check_float(recurrent_scale, "recurrent_scale", minimum=0.0)
        rng = rng_from(seed)
        H = self.n_hidden
        q, r = np.linalg.qr(rng.standard_normal((H, H)))
        q = q * np.sign(np.diag(r))  # a uniformly random orthogonal matrix
        self.params = {
            "W": rng.standard_normal((H, self.n_inputs)) * weight_scale / np.sqrt(self.n_inputs),
            "U": q * recurrent_scale,
            "b": np.zeros(H),
            "W_y": rng.standard_normal((self.n_outputs, H)) * weight_scale / np.sqrt(H),
            "b_y": np.zeros(self.n_outputs),
        }

    # ------------------------------------------------------------------ weights
    def set_params(self, **params):
        """Replace some or all weights (copied to float64 after a shape check)."""
        shapes = self.param_shapes()
        for name, value in params.items():
            if name not in shapes:
                raise ValueError(f"unknown parameter {name!r}; expected one of {PARAM_NAMES}")
            self.params[name] = check_array(value, name, shape=shapes[name], dtype="float64").copy()
        return self

    def param_shapes(self):
        """``{name: shape}`` of the five weight arrays."""
        H, I, K = self.n_hidden, self.n_inputs, self.n_outputs
        return {"W": (H, I), "U": (H, H), "b": (H,), "W_y": (K, H), "b_y": (K,)}

    def keras_weights(self):
        """Weights in Keras layout: ``([W.T, U.T, b], [W_y.T, b_y])`` for
        ``SimpleRNN(n_hidden)`` and ``Dense(n_outputs)``."""
        p = self.params
        return [p["W"].T, p["U"].T, p["b"]], [p["W_y"].T, p["b_y"]]

    # ------------------------------------------------------------------ inputs
    def _check_inputs(self, x, h0=None):
        arr = np.asarray(x)
        if arr.dtype == object:
            raise ValueError(f"x must be a numeric array, got {type(x).__name__} with ragged "
                             "or non-numeric entries")
        if np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool:
            if arr.ndim != 2:
                raise ValueError(f"x of integer token ids must have shape (batch, time), "
                                 f"got {arr.shape}")
            if arr.size and (arr.min() < 0 or arr.max() >= self.n_inputs):
                raise ValueError(f"x holds token ids in [{arr.min()}, {arr.max()}], but they "
                                 f"must be in [0, {self.n_inputs}) (n_inputs={self.n_inputs})")
            arr = arr.astype(np.int64)
            tokens = True
        else:
            arr = check_array(arr, "x", ndim=3, dtype="float64")
            if arr.shape[-1] != self.n_inputs:
                raise ValueError(f"x must have shape (batch, time, {self.n_inputs}) "
                                 f"(n_inputs={self.n_inputs}), got {arr.shape}")
            tokens = False
        if arr.shape[0] < 1 or arr.shape[1] < 1:
            raise ValueError(f"x must have at least one sequence and one time step, "
                             f"got shape {arr.shape}")
        if h0 is not None:
            h0 = check_array(h0, "h0", shape=(arr.shape[0], self.n_hidden), dtype="float64")
        return arr, tokens, h0

    def _check_targets(self, y, mask, batch, time):
        y = np.asarray(y)
        if not (np.issubdtype(y.dtype, np.integer) or
                (np.issubdtype(y.dtype, np.floating) and np.all(np.mod(y, 1) == 0))):
            raise ValueError(f"y must hold integer class ids, got dtype {y.dtype}")
        if y.shape != (batch, time):
            raise ValueError(f"y must have shape (batch, time) = ({batch}, {time}) like x, "
                             f"got {y.shape}")
        y = y.astype(np.int64)
        if y.min() < 0 or y.max() >= self.n_outputs:
            raise ValueError(f"y holds class ids in [{y.min()}, {y.max()}], but they must be in "
                             f"[0, {self.n_outputs}) (n_outputs={self.n_outputs})")
        if mask is None:
            m = np.ones((batch, time))
        else:
            m = check_array(mask, "mask", shape=(batch, time), dtype="float64")
            if not np.all((m == 0) | (m == 1)):
                raise ValueError("mask must hold only 0/1 (or False/True) values")
            if m.sum() == 0:
                raise ValueError("mask is zero everywhere: there is no time step to compute "
                                 "a loss on")
        return y, m

    # ------------------------------------------------------------------ forward
    def _input_term(self, x, tokens):
        """``W x_t`` for every step: shape (batch, time, n_hidden)."""
        W = self.params["W"]
        return W.T[x] if tokens else x @ W.T

    def forward(self, x, h0=None):
        """Run the network over whole sequences.

        Args:
            x: token ids ``(batch, time)`` (ints) or features
                ``(batch, time, n_inputs)`` (floats).
            h0: initial hidden state ``(batch, n_hidden)``; zeros if None.

        Returns:
            ``(probs, hs)``: output distributions ``(batch, time, n_outputs)``
            and hidden states ``(batch, time, n_hidden)`` (``hs[:, t]`` is h_t).
        """
        x, tokens, h0 = self._check_inputs(x, h0)
        hs = self._hidden_states(x, tokens, h0)
        return self._probs(hs), hs

    def _hidden_states(self, x, tokens, h0):
        U, b = self.params["U"], self.params["b"]
        B, T = x.shape[:2]
        xin = self._input_term(x, tokens)
        hs = np.empty((B, T, self.n_hidden))
        h = np.zeros((B, self.n_hidden)) if h0 is None else h0
        for t in range(T):
            h = np.tanh(xin[:, t] + h @ U.T + b)
            hs[:, t] = h
        return hs

    def _probs(self, hs):
        return softmax(hs @ self.params["W_y"].T + self.params["b_y"])

    def step(self, x_t, h):
        """One step for generation: token ids ``(batch,)`` (or features
        ``(batch, n_inputs)``) and state ``(batch, n_hidden)`` ->
        ``(probs (batch, n_outputs), new state)``."""
        x_t = np.asarray(x_t)
        if x_t.ndim not in (1, 2):
            raise ValueError(f"x_t must have shape (batch,) for token ids or (batch, "
                             f"{self.n_inputs}) for features, got {x_t.shape}")
        probs, hs = self.forward(x_t[:, None], h)
        return probs[:, 0], hs[:, 0]

    def loss(self, x, y, mask=None, h0=None):
        """Mean cross-entropy (nats per counted step)."""
        x, tokens, h0 = self._check_inputs(x, h0)
        y, m = self._check_targets(y, mask, *x.shape[:2])
        probs = self._probs(self._hidden_states(x, tokens, h0))
        return self._cross_entropy(probs, y, m)

    @staticmethod
    def _cross_entropy(probs, y, m):
        p = np.take_along_axis(probs, y[..., None], axis=-1)[..., 0]
        return float(-(m * np.log(np.maximum(p, 1e-300))).sum() / m.sum())

    # ------------------------------------------------------------------ backward
    def _output_errors(self, probs, y, m):
        """dL/du_t for the logits u_t = W_y h_t + b_y: (probs - onehot(y)) * m / N."""
        du = probs.copy()
        B, T = y.shape
        du[np.arange(B)[:, None], np.arange(T)[None, :], y] -= 1.0
        return du * (m / m.sum())[..., None]

    def loss_and_grads(self, x, y, mask=None, *, truncate=None, truncation="window", h0=None):
        """Loss and gradients of every weight by (truncated) BPTT.

        Args:
            x: token ids ``(batch, time)`` or features ``(batch, time, n_inputs)``.
            y: target class ids ``(batch, time)``.
            mask: optional 0/1 weights ``(batch, time)``; padded steps get 0.
            truncate: None for full BPTT, or the truncation length ``k >= 1``.
            truncation: what ``k`` means. ``"window"`` (BPTT(k) of Williams &
                Peng 1990): the loss at every step t is backpropagated through
                the steps t, t-1, ..., t-k+1. ``"chunks"``: the sequence is cut
                into consecutive chunks of ``k`` steps (the last may be
                shorter); the forward pass runs through all of them, but
                errors are backpropagated only within a chunk, so the loss at
                the j-th step of a chunk reaches back j steps. This is what
                training a stateful Keras layer on consecutive chunks computes.
                Either way ``k >= time`` is full BPTT.
            h0: initial state ``(batch, n_hidden)``; zeros if None.

        Returns:
            ``(loss, grads)`` with ``grads`` a dict shaped like ``params``.
        """
        x, tokens, h0 = self._check_inputs(x, h0)
        B, T = x.shape[:2]
        y, m = self._check_targets(y, mask, B, T)
        truncate, truncation = _check_truncation(truncate, truncation)
        hs = self._hidden_states(x, tokens, h0)
        probs = self._probs(hs)
        loss = self._cross_entropy(probs, y, m)
        du = self._output_errors(probs, y, m)
        grads = {"W_y": np.einsum("btk,bth->kh", du, hs), "b_y": du.sum(axis=(0, 1))}
        h_prev = self._previous_states(hs, h0)
        if truncate is None or truncate >= T or truncation == "chunks":
            da = self._full_backward(du, hs, chunk=truncate)
            grads.update(self._weight_grads(da, x, tokens, h_prev))
        else:
            parts = self._lag_terms(du, hs, x, tokens, h_prev, n_lags=truncate)
            grads.update({k: v.sum(axis=0) for k, v in parts.items()})
        return loss, grads

    def _previous_states(self, hs, h0):
        h_prev = np.zeros_like(hs)
        h_prev[:, 1:] = hs[:, :-1]
        if h0 is not None:
            h_prev[:, 0] = h0
        return h_prev

    def _full_backward(self, du, hs, chunk=None):
        """dL/da_t for every t by the backward recursion (full BPTT); with
        ``chunk = k`` the recursion is cut at the start of every chunk of k steps."""
        U, W_y = self.params["U"], self.params["W_y"]
        dh_out = du @ W_y                     # W_y^T dL/du_t, row-wise
        da = np.empty_like(hs)
        carry = np.zeros_like(hs[:, 0])       # U^T dL/da_{t+1}
        for t in range(hs.shape[1] - 1, -1, -1):
            da[:, t] = (dh_out[:, t] + carry) * (1.0 - hs[:, t] ** 2)
            carry = da[:, t] @ U
            if chunk is not None and t % chunk == 0:
                carry = np.zeros_like(carry)  # no error crosses into the previous chunk
        return da

    def _weight_grads(self, da, x, tokens, h_prev):
        """Gradients of W, U, b from the errors dL/da_s at the steps s where they are used."""
        if tokens:
            dW = np.zeros_like(self.params["W"])
            np.add.at(dW.T, x.ravel(), da.reshape(-1, self.n_hidden))
        else:
            dW = np.einsum("bth,bti->hi", da, x)
        return {"W": dW, "U": np.einsum("bth,btj->hj", da, h_prev), "b": da.sum(axis=(0, 1))}

    def _lag_terms(self, du, hs, x, tokens, h_prev, n_lags):
        """Per-lag gradients of W, U, b, each stacked to shape (n_lags, *param shape).

        ``E_l[:, s] = dL_{s+l}/da_s``: the error the loss at step s + l sends to
        the pre-activation at step s. ``E_0 = (W_y^T du_s) * (1 - h_s^2)`` and
        ``E_{l+1}[:, s] = (U^T E_l[:, s+1]) * (1 - h_s^2)``.
        """
        U, W_y = self.params["U"], self.params["W_y"]
        T = hs.shape[1]
        deriv = 1.0 - hs ** 2
        out = {k: np.zeros((n_lags, *self.params[k].shape)) for k in ("W", "U", "b")}
        E = (du @ W_y) * deriv                # lag 0, for s = 0..T-1
        for lag in range(min(n_lags, T)):
            S = T - lag                       # source steps s = 0..S-1 have a loss at s + lag
            g = self._weight_grads(E, x[:, :S], tokens, h_prev[:, :S])
            for k in out:
                out[k][lag] = g[k]
            if lag + 1 < n_lags and S > 1:
                E = (E[:, 1:] @ U) * deriv[:, : S - 1]
        return out

    def lag_contributions(self, x, y, mask=None, *, h0=None):
        """Split the gradients of ``W``, ``U`` and ``b`` by time lag.

        Returns:
            dict ``{"W", "U", "b"}`` of arrays of shape ``(time, *param shape)``:
            entry ``[l]`` is the part of the gradient that flows from the loss
            at step t to the use of the weight at step t - l, summed over t.
            ``sum(axis=0)`` is the full BPTT gradient; the first ``k``
            entries sum to the truncated gradient with window ``k``.
        """
        x, tokens, h0 = self._check_inputs(x, h0)
        B, T = x.shape[:2]
        y, m = self._check_targets(y, mask, B, T)
        hs = self._hidden_states(x, tokens, h0)
        du = self._output_errors(self._probs(hs), y, m)
        return self._lag_terms(du, hs, x, tokens, self._previous_states(hs, h0), n_lags=T)

    def lag_pair_sizes(self, x, y, mask=None, *, h0=None):
        """The typical size of one (t, s) pair's contribution to ``dL/dU``, by lag.

        The gradient of ``U`` is a sum over pairs (t, s): the loss at step t
        reaching the use of ``U`` at step s = t - l, with contribution
        ``dL_t/da_s h_{s-1}^T``. Sequences of different lengths have fewer
        pairs at long lags, so the norm of the summed per-lag gradient
        (:meth:`lag_contributions`) mixes two things: how many pairs there are
        and how large each one is. This method separates them.

        Returns:
            ``(mean_norm, n_pairs)``, arrays of length ``time``: the mean
            Frobenius norm of one pair's contribution at lag l (NaN where there
            is none), over the pairs whose loss step is counted by the mask and
            whose ``h_{s-1}`` is not zero (with ``h_0 = 0`` the first step adds
            nothing to ``dL/dU``), and the number of such pairs.
        """
        x, tokens, h0 = self._check_inputs(x, h0)
        B, T = x.shape[:2]
        y, m = self._check_targets(y, mask, B, T)
        hs = self._hidden_states(x, tokens, h0)
        du = self._output_errors(self._probs(hs), y, m)
        U, W_y = self.params["U"], self.params["W_y"]
        deriv = 1.0 - hs ** 2
        h_prev_norm = np.linalg.norm(self._previous_states(hs, h0), axis=-1)   # (B, T)
        E = (du @ W_y) * deriv                # dL_{s+l}/da_s for lag l = 0
        mean_norm, n_pairs = np.full(T, np.nan), np.zeros(T, dtype=int)
        for lag in range(T):
            S = T - lag
            counted = (m[:, lag:] > 0) & (h_prev_norm[:, :S] > 0)
            sizes = np.linalg.norm(E, axis=-1) * h_prev_norm[:, :S]     # ||e h^T|| = ||e|| ||h||
            n_pairs[lag] = counted.sum()
            if n_pairs[lag]:
                mean_norm[lag] = sizes[counted].mean()
            if S > 1:
                E = (E[:, 1:] @ U) * deriv[:, : S - 1]
        return mean_norm, n_pairs

    # ------------------------------------------------------------------ training
    def fit(self, x, y, mask=None, *, epochs=1, batch_size=32, learning_rate=0.01,
            truncate=None, truncation="window", clip_norm=None, validation_data=None, seed=0):
        """Train with Adam on mini-batches (shuffled each epoch).

        Args:
            x, y, mask: as in :meth:`loss_and_grads`.
            epochs, batch_size, learning_rate: the usual.
            truncate, truncation: truncated BPTT, as in :meth:`loss_and_grads`
                (``truncate=None``: full BPTT).
            clip_norm: if given, rescale the gradients so that their global
                norm is at most this value (Pascanu et al. 2013).
            validation_data: optional ``(x, y)`` or ``(x, y, mask)`` evaluated
                after every epoch.
            seed: seed of the shuffling.

        Returns:
            dict with ``"loss"`` (mean training loss per epoch), ``"batch_loss"``
            (every step) and ``"val_loss"`` when validation data are given.
        """
        x, _, _ = self._check_inputs(x)
        y, m = self._check_targets(y, mask, *x.shape[:2])
        epochs = check_positive_int(epochs, "epochs")
        batch_size = check_positive_int(batch_size, "batch_size")
        lr = check_float(learning_rate, "learning_rate", minimum=0.0, min_inclusive=False)
        truncate, truncation = _check_truncation(truncate, truncation)
        if clip_norm is not None:
            clip_norm = check_float(clip_norm, "clip_norm", minimum=0.0, min_inclusive=False)
        if validation_data is not None and len(validation_data) not in (2, 3):
            raise ValueError("validation_data must be (x, y) or (x, y, mask), got "
                             f"{len(validation_data)} items")
        rng = rng_from(seed)
        adam = Adam(self.params, learning_rate=lr)
        history = {"loss": [], "batch_loss": []}
        if validation_data is not None:
            history["val_loss"] = []
        n = x.shape[0]
        for _ in range(epochs):
            order = rng.permutation(n)
            losses, weights = [], []
            for start in range(0, n, batch_size):
                idx = order[start : start + batch_size]
                if m[idx].sum() == 0:
                    continue
                loss, grads = self.loss_and_grads(x[idx], y[idx], m[idx], truncate=truncate,
                                                  truncation=truncation)
                if clip_norm is not None:
                    norm = global_norm(grads)
                    if norm > clip_norm:
                        grads = {k: g * (clip_norm / norm) for k, g in grads.items()}
                adam.update(self.params, grads)
                history["batch_loss"].append(loss)
                losses.append(loss)
                weights.append(m[idx].sum())
            history["loss"].append(float(np.average(losses, weights=weights)))
            if validation_data is not None:
                history["val_loss"].append(self.loss(*validation_data))
        return history


class Adam:
    """The Adam optimiser (Kingma & Ba 2015) for a dict of NumPy arrays."""

    def __init__(self, params, *, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.learning_rate = check_float(learning_rate, "learning_rate", minimum=0.0)
        self.beta_1 = check_float(beta_1, "beta_1", minimum=0.0, maximum=1.0, max_inclusive=False)
        self.beta_2 = check_float(beta_2, "beta_2", minimum=0.0, maximum=1.0, max_inclusive=False)
        self.epsilon = check_float(epsilon, "epsilon", minimum=0.0)
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.iterations = 0

    def update(self, params, grads):
        """Apply one Adam step in place."""
        self.iterations += 1
        t = self.iterations
        lr = self.learning_rate * np.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)
        for k, g in grads.items():
            self.m[k] = self.beta_1 * self.m[k] + (1 - self.beta_1) * g
            self.v[k] = self.beta_2 * self.v[k] + (1 - self.beta_2) * g * g
            params[k] -= lr * self.m[k] / (np.sqrt(self.v[k]) + self.epsilon)


def numerical_gradients(model, x, y, mask=None, *, eps=1e-6, params=PARAM_NAMES, h0=None):
    """Central finite differences ``(L(w + eps) - L(w - eps)) / (2 eps)`` of
    :meth:`NumpyRNN.loss` for every entry of the named weights (slow: two
    forward passes per entry; use small models)."""
    eps = check_float(eps, "eps", minimum=0.0, min_inclusive=False)
    grads = {}
    for name in params:
        if name not in model.params:
            raise ValueError(f"unknown parameter {name!r}; expected one of {PARAM_NAMES}")
        w = model.params[name]
        g = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            old = w[idx]
            w[idx] = old + eps
            up = model.loss(x, y, mask, h0=h0)
            w[idx] = old - eps
            down = model.loss(x, y, mask, h0=h0)
            w[idx] = old
            g[idx] = (up - down) / (2 * eps)
        grads[name] = g
    return grads


def relative_error(a, b):
    """``||a - b|| / max(||a|| + ||b||, 1e-300)``: 0 for equal arrays, at most 1."""
    a = np.asarray(a, dtype="float64")
    b = np.asarray(b, dtype="float64")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


__all__ = ["NumpyRNN", "Adam", "softmax", "global_norm", "numerical_gradients",
           "relative_error", "PARAM_NAMES"]
