r"""The hidden Markov model of chapter 2, with categorical emissions, in NumPy.

The model has :math:`N` hidden states and :math:`M` observable symbols. The
hidden states :math:`h_1, \dots, h_T` form a Markov chain with start
probabilities :math:`\pi_i = P(h_1 = i)` and transition matrix
:math:`A_{ij} = P(h_{t+1} = j \mid h_t = i)`; each state emits a symbol
:math:`x_t` with probability :math:`B_{ik} = P(x_t = k \mid h_t = i)`, so

.. math::

    P(x_{1:T}, h_{1:T}) = \pi_{h_1} B_{h_1 x_1} \prod_{t=2}^{T} A_{h_{t-1} h_t} B_{h_t x_t}.

The algorithms are the textbook recursions, vectorised over the states and
looping over time (Rabiner 1989, in the course's notation):

- forward, scaled: :math:`\hat\phi_1 \propto \pi \odot B_{:, x_1}`,
  :math:`\hat\phi_t \propto (\hat\phi_{t-1} A) \odot B_{:, x_t}`, divided by their
  sums :math:`Z_t = P(x_t \mid x_{1:t-1})`, so that
  :math:`\hat\phi_t(j) = P(h_t = j \mid x_{1:t})` and
  :math:`\log P(x_{1:T}) = \sum_t \log Z_t`;
- backward, with the same factors: :math:`\hat\beta_T = 1`,
  :math:`\hat\beta_t = A (B_{:, x_{t+1}} \odot \hat\beta_{t+1}) / Z_{t+1}`, and the
  posteriors :math:`\gamma_t(i) = P(h_t = i \mid x_{1:T}) = \hat\phi_t(i) \hat\beta_t(i)`;
- Viterbi in logs: :math:`\delta_t(j) = \max_i [\delta_{t-1}(i) + \log A_{ij}] + \log B_{j x_t}`,
  back-pointers :math:`\psi_t(j)` (the arg-max), read backwards;
- Baum-Welch (EM): expected start, transition and emission counts from
  :math:`\gamma_t` and :math:`\zeta_t(i, j) = P(h_t = i, h_{t+1} = j \mid x_{1:T})`,
  normalised row by row.

Names and conventions follow hmmlearn's ``CategoricalHMM``, so that a reader
moving on to hmmlearn recognises everything: ``score``, ``score_samples``,
``predict_proba``, ``decode(X, lengths, algorithm)`` returning
``(log_prob, states)``, ``predict``, ``sample`` returning ``(X, Z)``, ``fit``,
the parameters ``startprob_``, ``transmat_``, ``emissionprob_``,
``n_components`` (N) and ``n_features`` (M), and several sequences passed as
one concatenated ``X`` with their ``lengths``. :meth:`CategoricalHMM.to_hmmlearn`
returns the same model as an hmmlearn object.

``engine="parallel"`` computes the same numbers with the parallel-in-time
passes of :mod:`course_utils.models._hmm_parallel` (much faster on long
sequences; ``benchmarks/hmm_benchmark.py`` compares both with hmmlearn).

Reference: L. R. Rabiner (1989), A tutorial on hidden Markov models and selected
applications in speech recognition, Proc. IEEE 77(2).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from ..validation import (
    check_array,
    check_bool,
    check_choice,
    check_float,
    check_positive_int,
    check_stochastic,
    rng_from,
)
from . import _hmm_parallel

ENGINES = ("textbook", "parallel")
ALGORITHMS = ("viterbi", "map")


# ---------------------------------------------------------------------------
# The textbook recursions, one sequence x (1-D int array) at a time
# ---------------------------------------------------------------------------

def forward(startprob, transmat, emissionprob, x):
    r"""Scaled forward pass: ``(phi_hat, log_z)``.

    ``phi_hat`` (T, N) holds the filters :math:`\hat\phi_t(j) = P(h_t = j \mid x_{1:t})`
    and ``log_z`` (T,) the logs of the scaling factors
    :math:`Z_t = P(x_t \mid x_{1:t-1})`. From the first step of probability
    zero on, ``phi_hat`` is NaN and ``log_z`` is ``-inf``.
    """
    T, N = len(x), len(startprob)
    phi_hat, log_z = np.full((T, N), np.nan), np.full(T, -np.inf)
    phi = startprob * emissionprob[:, x[0]]
    for t in range(T):
        if t > 0:
            phi = (phi_hat[t - 1] @ transmat) * emissionprob[:, x[t]]
        scale = phi.sum()
        if scale == 0:
            break                                   # no state can emit x_t: P(x) = 0
        phi_hat[t], log_z[t] = phi / scale, np.log(scale)
    return phi_hat, log_z


def backward(transmat, emissionprob, x, log_z):
    r"""Scaled backward pass with the forward pass's factors: ``beta_hat`` (T, N).

    :math:`\hat\beta_t(i) = P(x_{t+1:T} \mid h_t = i) / P(x_{t+1:T} \mid x_{1:t})`, so
    that ``phi_hat * beta_hat`` are the posteriors (every row sums to 1).
    """
    T, N = len(x), transmat.shape[0]
    scale = np.exp(log_z)
    beta_hat = np.ones((T, N))
    for t in range(T - 2, -1, -1):
        beta_hat[t] = transmat @ (emissionprob[:, x[t + 1]] * beta_hat[t + 1]) / scale[t + 1]
    return beta_hat


def viterbi(startprob, transmat, emissionprob, x):
    """The most likely state path of ``x`` (int array (T,)), in log space."""
    T, N = len(x), len(startprob)
    with np.errstate(divide="ignore"):              # log 0 = -inf: a forbidden step
        log_pi, log_A, log_B = np.log(startprob), np.log(transmat), np.log(emissionprob)
    delta, psi = np.empty((T, N)), np.zeros((T, N), dtype=np.int64)
    delta[0] = log_pi + log_B[:, x[0]]
    for t in range(1, T):
        scores = delta[t - 1][:, None] + log_A      # scores[i, j]: best path to i, then i -> j
        psi[t] = scores.argmax(axis=0)
        delta[t] = scores.max(axis=0) + log_B[:, x[t]]
    path = np.empty(T, dtype=np.int64)
    path[-1] = delta[-1].argmax()
    for t in range(T - 1, 0, -1):                   # follow the back-pointers
        path[t - 1] = psi[t, path[t]]
    return path


def expected_counts(startprob, transmat, emissionprob, x):
    r"""E-step of one sequence: ``(gamma, start, trans, emis, log_prob)``.

    ``gamma`` (T, N) are the posteriors; ``start`` = :math:`\gamma_1`,
    ``trans`` = :math:`\sum_t \zeta_t` (N, N) and ``emis`` (N, M) the expected
    emission counts; ``log_prob`` = :math:`\log P(x)`. The counts are None if
    the sequence has probability zero.
    """
    phi_hat, log_z = forward(startprob, transmat, emissionprob, x)
    log_prob = float(log_z.sum())
    if log_prob == -np.inf:
        return None, None, None, None, log_prob
    beta_hat = backward(transmat, emissionprob, x, log_z)
    gamma = phi_hat * beta_hat                                   # (T, N)
    # zeta_t(i, j) = phi_hat_t(i) A_ij B_{j x_{t+1}} beta_hat_{t+1}(j) / Z_{t+1}, summed over t
    right = emissionprob[:, x[1:]].T * beta_hat[1:] / np.exp(log_z[1:, None])
    trans = transmat * (phi_hat[:-1].T @ right)
    emis = gamma.T @ np.eye(emissionprob.shape[1])[x]           # sum of gamma_t over t with x_t = k
    return gamma, gamma[0], trans, emis, log_prob


# ---------------------------------------------------------------------------
# Checks of observations
# ---------------------------------------------------------------------------

def _check_symbols(X, n_features, name, count_name="n_features"):
    """``X`` as a 1-D int64 array of symbols in 0..n_features-1 (an (n, 1) column is accepted).

    For state sequences, ``count_name`` is ``"n_components"``.
    """
    if isinstance(X, (str, bytes)):
        raise ValueError(f"{name} must be an array of integer symbols, got a string")
    arr = check_array(X, name, ndim=(1, 2))
    if arr.ndim == 2:
        if arr.shape[1] != 1:
            raise ValueError(f"{name} must be 1-D or a column of shape (n_samples, 1), got shape "
                             f"{arr.shape}")
        arr = arr[:, 0]
    if arr.size == 0:
        raise ValueError(f"{name} must hold at least one symbol, got an empty sequence")
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer)
                                 or np.issubdtype(arr.dtype, np.floating)):
        raise ValueError(f"{name} must hold integer symbols, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating) and not np.all(arr == np.round(arr)):
        bad = int(np.flatnonzero(arr != np.round(arr))[0])
        raise ValueError(f"{name} must hold integer symbols, got {float(arr[bad])} at position "
                         f"{bad}")
    arr = arr.astype(np.int64)
    bad = np.flatnonzero((arr < 0) | (arr >= n_features))
    if bad.size:
        what = "state" if count_name == "n_components" else "symbol"
        raise ValueError(f"{name} holds {what} {arr[bad[0]]} at position {bad[0]}, but the model "
                         f"has {count_name}={n_features}, so {what}s must be in "
                         f"0..{n_features - 1}")
    return arr


def _check_lengths(lengths, n_samples):
    """``lengths`` as a list of ints >= 1 that sum to ``n_samples`` (None: one sequence)."""
    if lengths is None:
        return [n_samples]
    arr = check_array(lengths, "lengths", ndim=1)
    if arr.size == 0 or not np.issubdtype(arr.dtype, np.integer) or np.any(arr < 1):
        raise ValueError(f"lengths must be a non-empty list of ints >= 1, got {arr.tolist()}")
    if arr.sum() != n_samples:
        raise ValueError(f"lengths must sum to the number of symbols in X ({n_samples}), got "
                         f"{arr.tolist()} (sum {int(arr.sum())})")
    return arr.tolist()


def _split(x, lengths):
    return np.split(x, np.cumsum(lengths)[:-1])


@dataclass
class Monitor:
    """What :meth:`CategoricalHMM.fit` recorded (hmmlearn's ``monitor_``).

    ``history`` holds the total log-likelihood before each update; ``iter``
    the number of updates; ``converged`` is True if fitting stopped because the
    log-likelihood improved by less than ``tol`` and False if it ran out of
    iterations (hmmlearn also calls the second case converged).
    """

    tol: float
    n_iter: int
    history: list = field(default_factory=list)
    iter: int = 0
    converged: bool = False


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------

class CategoricalHMM:
    r"""A hidden Markov model with :math:`N` states and :math:`M` symbols.

    Args:
        startprob: (N,) start probabilities :math:`\pi_i = P(h_1 = i)`.
        transmat: (N, N) transition matrix, :math:`A_{ij} = P(h_{t+1} = j \mid h_t = i)`;
            every row sums to 1.
        emissionprob: (N, M) emission matrix, :math:`B_{ik} = P(x_t = k \mid h_t = i)`;
            every row sums to 1.
        engine: ``"textbook"`` (the recursions of this module) or ``"parallel"``
            (the same results from :mod:`course_utils.models._hmm_parallel`,
            faster on long sequences).

    Raises ``ValueError`` if a matrix is not stochastic (negative entries or
    rows that do not sum to 1), the shapes do not fit together or ``engine``
    is unknown.

    Observations ``X`` are integer symbols ``0 .. M-1``: a 1-D array (or
    hmmlearn's column of shape (n_samples, 1)); several sequences are passed
    concatenated, with their ``lengths``.

    Attributes:
        startprob_, transmat_, emissionprob_: the parameters (float64 arrays).
        n_components, n_features: N and M (hmmlearn's names).
        monitor_: after :meth:`fit`, a :class:`Monitor` with the log-likelihood
            history.

    Example:
        >>> hmm = CategoricalHMM([0.5, 0.5], [[0.9, 0.1], [0.2, 0.8]],
        ...                      [[0.7, 0.3], [0.1, 0.9]])
        >>> X, Z = hmm.sample(100, random_state=0)
        >>> log_prob, states = hmm.decode(X)
        >>> posteriors = hmm.predict_proba(X)        # (100, 2), rows sum to 1
    """

    def __init__(self, startprob, transmat, emissionprob, *, engine="textbook"):
        pi = check_stochastic(check_array(startprob, "startprob", ndim=1, dtype=float),
                              "startprob")
        N = pi.shape[0]
        A = check_array(transmat, "transmat", ndim=2, dtype=float)
        if A.shape != (N, N):
            raise ValueError(f"transmat must have shape (n_components, n_components) = ({N}, {N}) "
                             f"to match startprob of length {N}, got {A.shape}")
        B = check_array(emissionprob, "emissionprob", ndim=2, dtype=float)
        if B.shape[0] != N:
            raise ValueError(f"emissionprob must have shape (n_components, n_features) with "
                             f"n_components = {N}, got {B.shape}")
        self.startprob_ = pi
        self.transmat_ = check_stochastic(A, "transmat", axis=1)
        self.emissionprob_ = check_stochastic(B, "emissionprob", axis=1)
        self.engine = check_choice(engine, "engine", ENGINES)

    @property
    def n_components(self):
        return self.transmat_.shape[0]

    @property
    def n_features(self):
        return self.emissionprob_.shape[1]

    def __repr__(self):
        return (f"CategoricalHMM(n_components={self.n_components}, n_features={self.n_features}, "
                f"engine={self.engine!r})")

    # -- construction -------------------------------------------------------

    @classmethod
    def random(cls, n_components, n_features, *, random_state=0, concentration=1.0,
               engine="textbook"):
        """A model with Dirichlet(concentration) random rows (a Baum-Welch start).

        Larger ``concentration`` gives rows closer to uniform.
        """
        N = check_positive_int(n_components, "n_components")
        M = check_positive_int(n_features, "n_features")
        a = check_float(concentration, "concentration", minimum=0, min_inclusive=False)
        rng = rng_from(random_state, "random_state")
        return cls(rng.dirichlet(np.full(N, a)), rng.dirichlet(np.full(N, a), size=N),
                   rng.dirichlet(np.full(M, a), size=N), engine=engine)

    @classmethod
    def from_labelled(cls, X, Z, lengths=None, *, n_components, n_features, smoothing=1.0,
                      engine="textbook"):
        r"""Estimate the parameters by counting, from sequences with known states ``Z``.

        With add-:math:`\varepsilon` smoothing (:math:`\varepsilon` = ``smoothing``),
        :math:`A_{ij} = (n_{ij} + \varepsilon) / (\sum_j n_{ij} + N \varepsilon)`, where
        :math:`n_{ij}` counts transitions i -> j inside the sequences (never from
        the end of one to the start of the next), and likewise for the start and
        emission probabilities. ``smoothing=0`` gives the maximum-likelihood
        estimates (a state never seen then gets uniform rows).
        """
        N = check_positive_int(n_components, "n_components")
        M = check_positive_int(n_features, "n_features")
        eps = check_float(smoothing, "smoothing", minimum=0)
        x = _check_symbols(X, M, "X")
        z = _check_symbols(Z, N, "Z", "n_components")
        if len(z) != len(x):
            raise ValueError(f"Z must hold one state per symbol of X ({len(x)}), got {len(z)}")
        lengths = _check_lengths(lengths, len(x))
        first = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        inside = np.ones(len(z) - 1, bool)
        inside[first[1:] - 1] = False                # no transition across two sequences
        start = np.bincount(z[first], minlength=N) + eps
        trans = np.zeros((N, N))
        np.add.at(trans, (z[:-1][inside], z[1:][inside]), 1)
        emis = np.zeros((N, M))
        np.add.at(emis, (z, x), 1)
        return cls(_normalise(start), _normalise(trans + eps), _normalise(emis + eps),
                   engine=engine)

    def copy(self):
        """An independent copy of the model."""
        return CategoricalHMM(self.startprob_.copy(), self.transmat_.copy(),
                              self.emissionprob_.copy(), engine=self.engine)

    def to_hmmlearn(self, **kwargs):
        """The same model as an ``hmmlearn.hmm.CategoricalHMM`` (the course's reference).

        Keyword arguments go to hmmlearn's constructor (``params``, ``n_iter``,
        ``tol``, ``implementation``, ...). By default ``init_params=""`` keeps
        these parameters when hmmlearn's ``fit`` starts, and ``params=""``
        means that ``fit`` would update nothing: pass ``params="ste"`` to fit.
        """
        from hmmlearn import hmm

        kwargs = {"init_params": "", "params": "", **kwargs}
        ref = hmm.CategoricalHMM(n_components=self.n_components, n_features=self.n_features,
                                 **kwargs)
        ref.startprob_ = self.startprob_.copy()
        ref.transmat_ = self.transmat_.copy()
        ref.emissionprob_ = self.emissionprob_.copy()
        return ref

    def get_stationary_distribution(self):
        """The distribution p with p A = p (the left eigenvector of A for eigenvalue 1)."""
        w, v = np.linalg.eig(self.transmat_.T)
        p = np.real(v[:, np.argmin(np.abs(w - 1))])
        return p / p.sum()

    # -- sampling -----------------------------------------------------------

    def sample(self, n_samples=1, *, n_sequences=None, random_state=0):
        """Sample symbols ``X`` and hidden states ``Z``: ``(X, Z)``.

        Both are int arrays of shape ``(n_samples,)``, or
        ``(n_sequences, n_samples)`` if ``n_sequences`` is given (hmmlearn
        returns ``X`` as a column of shape (n_samples, 1); every method here
        accepts either).
        """
        T = check_positive_int(n_samples, "n_samples")
        n = 1 if n_sequences is None else check_positive_int(n_sequences, "n_sequences")
        rng = rng_from(random_state, "random_state")
        Z = np.empty((n, T), dtype=np.int64)
        Z[:, 0] = _draw(rng, self.startprob_[None, :].repeat(n, axis=0))
        for t in range(1, T):
            Z[:, t] = _draw(rng, self.transmat_[Z[:, t - 1]])
        X = _draw(rng, self.emissionprob_[Z])
        return (X[0], Z[0]) if n_sequences is None else (X, Z)

    # -- inference ----------------------------------------------------------

    def forward(self, X):
        r"""Scaled forward pass of one sequence: ``(phi_hat, log_z)``.

        ``phi_hat`` (T, N): the filters :math:`P(h_t = j \mid x_{1:t})` (rows sum
        to 1); ``log_z`` (T,): :math:`\log P(x_t \mid x_{1:t-1})`, whose sum is
        :math:`\log P(x_{1:T})`. For a sequence of probability zero,
        ``log_z`` is ``-inf`` and ``phi_hat`` NaN from the first impossible
        step on.
        """
        x = _check_symbols(X, self.n_features, "X")
        if self.engine == "parallel":
            out = _hmm_parallel.forward(*self._params(), x, [len(x)])
            if out is not None and out[3][0]:
                return out[0], out[1]
        return forward(*self._params(), x)

    def backward(self, X):
        r"""Scaled backward pass of one sequence: ``beta_hat`` (T, N).

        Scaled with the forward pass's factors, so that
        ``forward(X)[0] * backward(X)`` are the posteriors. Raises
        ``ValueError`` if the sequence has probability zero.
        """
        x = _check_symbols(X, self.n_features, "X")
        _, log_z = forward(*self._params(), x)
        if log_z[-1] == -np.inf:
            raise ValueError("X has probability zero under this model")
        return backward(self.transmat_, self.emissionprob_, x, log_z)

    def score(self, X, lengths=None):
        r"""Total log-likelihood :math:`\sum \log P(x_{1:T})` of the sequences (``-inf`` if impossible)."""
        x, lengths = self._check_X(X, lengths)
        if self.engine == "parallel":
            out = _hmm_parallel.log_likelihood(*self._params(), x, lengths)
            if out is not None:
                return float(out.sum())
        return float(sum(forward(*self._params(), s)[1].sum() for s in _split(x, lengths)))

    def score_samples(self, X, lengths=None):
        r"""``(log_prob, posteriors)``: :meth:`score` and :meth:`predict_proba` in one pass."""
        x, lengths = self._check_X(X, lengths)
        gamma, *_, log_prob = self._e_step(x, lengths)
        return float(log_prob.sum()), gamma

    def predict_proba(self, X, lengths=None):
        r"""Posteriors :math:`\gamma_t(i) = P(h_t = i \mid x_{1:T})`, shape (n_samples, N).

        Raises ``ValueError`` if a sequence has probability zero.
        """
        return self.score_samples(X, lengths)[1]

    def decode(self, X, lengths=None, algorithm="viterbi"):
        r"""``(log_prob, states)``: the decoded states of every sample.

        ``algorithm="viterbi"``: the most likely path
        :math:`\arg\max_{h_{1:T}} P(h_{1:T} \mid x_{1:T})`; ``"map"``: the most
        probable state at every step (posterior decoding). ``log_prob`` is
        :math:`\log P(x, \text{states})`, summed over the sequences: ``-inf``
        for a posterior-decoded path that contains a forbidden step (hmmlearn
        returns the sum of the chosen posteriors for ``"map"`` instead). Where
        two paths are exactly equally probable, the textbook Viterbi keeps the
        lowest state index at every back-pointer; hmmlearn and the parallel
        engine may pick the other path.
        """
        x, lengths = self._check_X(X, lengths)
        algorithm = check_choice(algorithm, "algorithm", ALGORITHMS)
        if algorithm == "map":
            states = self._e_step(x, lengths)[0].argmax(axis=1)
        else:
            states = np.concatenate([self._viterbi(s) for s in _split(x, lengths)])
        return self._log_joint(x, states, lengths), states

    def predict(self, X, lengths=None):
        """The Viterbi path (hmmlearn's default decoder): ``decode(X, lengths)[1]``."""
        return self.decode(X, lengths)[1]

    # -- learning -----------------------------------------------------------

    def fit(self, X, lengths=None, *, n_iter=100, tol=1e-6, params="ste", verbose=False):
        """Baum-Welch (EM) on one or many sequences, in place; returns ``self``.

        Each iteration computes the posteriors of all sequences with the
        current parameters (E-step) and sets every parameter in ``params`` to
        its expected relative frequency (M-step).

        Args:
            X, lengths: the concatenated sequences and their lengths.
            n_iter: the maximum number of iterations (>= 1).
            tol: stop when the log-likelihood improves by less than ``tol``
                (>= 0); ``None`` runs all ``n_iter`` iterations.
            params: the parameters to update, any of "s" (start), "t"
                (transitions) and "e" (emissions).
            verbose: print the log-likelihood at every iteration.

        EM never lowers the likelihood; if it goes down by more than rounding,
        ``fit`` warns (``RuntimeWarning``). ``monitor_`` records the history.
        """
        x, lengths = self._check_X(X, lengths)
        n_iter = check_positive_int(n_iter, "n_iter")
        tol = -np.inf if tol is None else check_float(tol, "tol", minimum=0)
        if not isinstance(params, str) or not params or set(params) - set("ste"):
            raise ValueError(f"params must be a non-empty string made of 's', 't' and 'e', got "
                             f"{params!r}")
        verbose = check_bool(verbose, "verbose")
        monitor = self.monitor_ = Monitor(tol=tol, n_iter=n_iter)
        for _ in range(n_iter):
            _, start, trans, emis, log_prob = self._e_step(x, lengths)
            log_prob = float(log_prob.sum())
            history = monitor.history
            if history and log_prob < history[-1] - 1e-9 * abs(history[-1]):
                warnings.warn(f"Baum-Welch lowered the log-likelihood from {history[-1]:.6f} to "
                              f"{log_prob:.6f} at iteration {monitor.iter}: EM never does; "
                              "check the E-step and M-step", RuntimeWarning, stacklevel=2)
            history.append(log_prob)
            if verbose:
                print(f"iteration {monitor.iter:3d}: log-likelihood {log_prob:.6f}")
            self._m_step(start, trans, emis, params)
            monitor.iter += 1
            if len(history) >= 2 and history[-1] - history[-2] < tol:
                monitor.converged = True
                break
        return self

    def _m_step(self, start, trans, emis, params):
        """Every parameter in ``params`` becomes its expected relative frequency."""
        if "s" in params:
            self.startprob_ = _normalise(start)
        if "t" in params:
            self.transmat_ = _normalise(trans, keep=self.transmat_)
        if "e" in params:
            self.emissionprob_ = _normalise(emis, keep=self.emissionprob_)

    # -- helpers ------------------------------------------------------------

    def _params(self):
        return self.startprob_, self.transmat_, self.emissionprob_

    def _check_X(self, X, lengths):
        x = _check_symbols(X, self.n_features, "X")
        return x, _check_lengths(lengths, len(x))

    def _e_step(self, x, lengths):
        """``(gamma, start, trans, emis, log_prob)`` of all sequences; ``log_prob`` per sequence.

        Raises ``ValueError`` if a sequence has probability zero.
        """
        out = None
        if self.engine == "parallel":
            out = _hmm_parallel.e_step(*self._params(), x, lengths)
        if out is None:
            parts = [expected_counts(*self._params(), s) for s in _split(x, lengths)]
            log_prob = np.array([p[4] for p in parts])
            if np.all(np.isfinite(log_prob)):
                out = (np.concatenate([p[0] for p in parts]),
                       *(sum(p[k] for p in parts) for k in (1, 2, 3)), log_prob)
            else:
                out = (None, None, None, None, log_prob)
        if out[0] is None:
            bad = int(np.flatnonzero(~np.isfinite(out[4]))[0])
            raise ValueError(f"sequence {bad} of X has probability zero under this model")
        return out

    def _viterbi(self, x):
        path = None
        if self.engine == "parallel":
            with np.errstate(divide="ignore"):
                path = _hmm_parallel.viterbi(*(np.log(p) for p in self._params()), x)
        return viterbi(*self._params(), x) if path is None else path

    def _log_joint(self, x, states, lengths):
        r""":math:`\sum \log P(x, \text{states})` over the sequences."""
        first = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        inside = np.ones(len(x), bool)
        inside[first] = False                        # steps that follow a step of the same sequence
        with np.errstate(divide="ignore"):
            return float(np.log(self.startprob_[states[first]]).sum()
                         + np.log(self.transmat_[states[:-1], states[1:]][inside[1:]]).sum()
                         + np.log(self.emissionprob_[states, x]).sum())


def _draw(rng, probs):
    """One index per row of ``probs`` (rows are distributions), by inverse CDF."""
    cdf = np.cumsum(probs, axis=-1)
    cdf[..., -1] = 1.0                               # guard against rounding
    u = rng.random(probs.shape[:-1])
    return (u[..., None] >= cdf).sum(axis=-1)


def _normalise(counts, keep=None):
    """Rows divided by their sums; an all-zero row keeps ``keep``'s row (or becomes uniform)."""
    counts = np.asarray(counts, dtype=float)
    sums = counts.sum(axis=-1, keepdims=True)
    out = np.divide(counts, sums, out=np.zeros_like(counts), where=sums > 0)
    empty = (sums == 0).squeeze(-1)
    if np.any(empty):
        out[empty] = 1.0 / counts.shape[-1] if keep is None else keep[empty]
    return out


__all__ = ["CategoricalHMM", "Monitor", "forward", "backward", "viterbi", "expected_counts"]
