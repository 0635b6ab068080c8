"""The Hopfield network (1982): an associative memory of binary patterns.

A Hopfield network has :math:`n` binary units :math:`s_i \\in \\{-1, +1\\}`, all
connected to each other with **symmetric** weights :math:`U_{ij} = U_{ji}` and
no self-connections (:math:`U_{ii} = 0`). In the course notation these are
recurrent weights :math:`U` (they act on the network's own state; there is no
separate input), the pre-activation of unit :math:`i` (physicists' *local
field*) is :math:`a_i = \\sum_j U_{ij} s_j`, and the number of stored patterns
is :math:`p`, so the *load* is :math:`p / n`.

**Storage** (Hebb's rule). To store :math:`p` patterns
:math:`\\xi^1, \\dots, \\xi^p \\in \\{-1, +1\\}^n`,

.. math::  U = \\frac{1}{n} \\sum_{\\mu=1}^{p} \\xi^\\mu (\\xi^\\mu)^\\top,
           \\qquad U_{ii} = 0.

**Recall** (asynchronous updates). Starting from a cue, pick one unit at a time
(in a random order, every unit once per *sweep*) and set it to the sign of
:math:`a_i`; a unit whose pre-activation is zero (numerically,
:math:`|a_i| < 10^{-9}`) keeps its state. Stop when a whole sweep changes
nothing: the state is then a fixed point.

**Energy.**

.. math::  E(s) = -\\tfrac{1}{2}\\, s^\\top U s.

With symmetric weights and a zero diagonal, flipping unit :math:`i` changes the
energy by :math:`-\\Delta s_i\\, a_i = -2 |a_i| < 0`: every flip lowers it
strictly (the tie rule never flips a unit with :math:`a_i = 0`), so no state
can be visited twice and recall ends in a fixed point (a local minimum of
:math:`E`). With few stored patterns these minima are the patterns themselves;
retrieval breaks down at a load of about 0.138 (Amit, Gutfreund and
Sompolinsky 1985).

Neither guarantee holds for weights that are not symmetric (build such a network
with :meth:`HopfieldNetwork.from_weights`): the energy can then rise and recall
can cycle. Updating all units at once (``mode="sync"``) can oscillate between two
states even with symmetric weights. ``recall(..., return_trace=True)`` therefore
records the *states* after every update and computes the energy from them, so the
trace shows what really happened in every case.

Reference: J. J. Hopfield (1982). Neural networks and physical systems with
emergent collective computational abilities. *PNAS* 79(8), 2554-2558.

Example::

    from course_utils.models.hopfield import HopfieldNetwork, corrupt, overlap, random_patterns
    patterns = random_patterns(5, 100, seed=0)
    net = HopfieldNetwork(100).store(patterns)
    cues = corrupt(patterns, 0.2, seed=1)           # flip 20% of each pattern's bits
    recalled = net.recall(cues, seed=2)
    overlap(recalled, patterns)                      # -> array of 1.0: all recovered
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..validation import check_array, check_choice, check_float, check_int, rng_from

#: The critical load p / n of Hebbian storage for large n (Amit, Gutfreund, Sompolinsky 1985):
#: below it, recall ends near the cued pattern (with about 1.5% of the bits wrong near the
#: limit); above it, retrieval breaks down. Perfect recall needs a much lower load.
CAPACITY = 0.138

# Pre-activations closer to zero than this count as ties (the unit keeps its state): with
# weights k / n, exact ties are common and rounding would otherwise decide them.
_TIE = 1e-9


def _sign_or_keep(a, s):
    """The update rule: +1 where a > 0, -1 where a < 0, the current state where a is a tie."""
    return np.where(a > _TIE, 1.0, np.where(a < -_TIE, -1.0, s))


def _check_bipolar(value, name, n_units=None):
    """Return ``value`` as a float array of +1/-1 with shape (n,) or (batch, n)."""
    arr = check_array(value, name, ndim=(1, 2), dtype=float)
    if arr.size == 0:
        raise ValueError(f"{name} is empty, got shape {arr.shape}")
    if not np.all((arr == 1) | (arr == -1)):
        bad = np.unique(arr[(arr != 1) & (arr != -1)])[:5]
        hint = " (0/1 patterns: convert with 2 * x - 1)" if np.all((arr == 0) | (arr == 1)) else ""
        raise ValueError(f"{name} must contain only +1 and -1, got values such as "
                         f"{bad.tolist()}{hint}")
    if n_units is not None and arr.shape[-1] != n_units:
        raise ValueError(f"{name} must have {n_units} units in its last axis (the network's "
                         f"n_units), got shape {arr.shape}")
    return arr.astype(float)


#: 10 x 10 bitmaps of four letters ("#" is +1, "." is -1) for recall demonstrations.
LETTERS = {
    "R": ("########.." "#########." "##.....##." "##.....##." "#########."
          "########.." "##...##..." "##....##.." "##.....##." "##......##"),
    "N": ("##......##" "###.....##" "####....##" "##.##...##" "##..##..##"
          "##...##.##" "##....####" "##.....###" "##......##" "##......##"),
    "T": ("##########" "##########" "....##...." "....##...." "....##...."
          "....##...." "....##...." "....##...." "....##...." "....##...."),
    "X": ("##......##" ".##....##." "..##..##.." "...####..." "....##...."
          "...####..." "..##..##.." ".##....##." "##......##" "#........#"),
}


def letter_patterns(letters="RNTX"):
    """The bitmaps of :data:`LETTERS` as +1/-1 patterns of shape (len(letters), 100)."""
    unknown = [c for c in letters if c not in LETTERS]
    if not letters or unknown:
        raise ValueError(f"letters must be a non-empty string of {sorted(LETTERS)}, got "
                         f"{letters!r}")
    return np.array([[1.0 if ch == "#" else -1.0 for ch in LETTERS[c]] for c in letters])


def random_patterns(n_patterns, n_units, seed=0):
    """``n_patterns`` random patterns of +1/-1 (each unit a fair coin), shape (p, n)."""
    n_patterns = check_int(n_patterns, "n_patterns", minimum=1)
    n_units = check_int(n_units, "n_units", minimum=2)
    rng = rng_from(seed)
    return rng.choice(np.array([-1.0, 1.0]), size=(n_patterns, n_units))


def corrupt(patterns, fraction, seed=0):
    """Copies of ``patterns`` with ``round(fraction * n)`` randomly chosen bits flipped in each.

    Args:
        patterns: +1/-1 array of shape (n,) or (batch, n).
        fraction: share of bits to flip, in [0, 1].
        seed: int seed or ``np.random.Generator``.
    """
    arr = _check_bipolar(patterns, "patterns")
    fraction = check_float(fraction, "fraction", minimum=0.0, maximum=1.0)
    rng = rng_from(seed)
    flat = np.atleast_2d(arr).copy()
    n_flip = int(round(fraction * flat.shape[1]))
    # argsort of uniform noise gives an independent random subset of units per row
    idx = np.argsort(rng.random(flat.shape), axis=1)[:, :n_flip]
    np.put_along_axis(flat, idx, -np.take_along_axis(flat, idx, axis=1), axis=1)
    return flat.reshape(arr.shape)


def overlap(states, patterns):
    """Overlap :math:`m = \\frac{1}{n} s \\cdot \\xi` of each state with its pattern.

    1 means identical, -1 the inverted pattern, about 0 unrelated. ``states`` and
    ``patterns`` are +1/-1 arrays of the same shape (n,) or (batch, n); the
    result is a float or an array of shape (batch,).
    """
    s = _check_bipolar(states, "states")
    p = _check_bipolar(patterns, "patterns")
    if s.shape != p.shape:
        raise ValueError(f"states and patterns must have the same shape, got {s.shape} and "
                         f"{p.shape}")
    m = np.mean(s * p, axis=-1)
    return float(m) if m.ndim == 0 else m


@dataclass
class RecallTrace:
    """What :meth:`HopfieldNetwork.recall` did, when asked with ``return_trace=True``.

    Attributes:
        states: array (n_updates + 1, batch, n): the state after each
            single-unit update (async) or each whole-network update (sync),
            starting with the cue.
        energies: array (n_updates + 1, batch): :math:`E(s)` of each of those
            states, computed from the state itself (not from a formula for the
            change), so it is the true energy whatever the weights.
        flipped: bool array (n_updates, batch): whether the update changed the
            state (async: whether the visited unit flipped).
        sweeps: number of sweeps run (async) or updates run (sync).
        converged: bool array (batch,): the final state is a fixed point.
    """

    states: np.ndarray
    energies: np.ndarray
    flipped: np.ndarray
    sweeps: int
    converged: np.ndarray


def _energy(states, weights):
    """-1/2 s^T U s for every state in the last axis of ``states``."""
    return -0.5 * np.einsum("...i,ij,...j->...", states, weights, states)


class HopfieldNetwork:
    """A Hopfield network with Hebbian storage, vectorised over a batch of states.

    Args:
        n_units: number of binary units n (>= 2).

    Attributes:
        weights: the (n, n) weight matrix U; symmetric with a zero diagonal when
            built by :meth:`store`. Unit i's pre-activation is
            ``a_i = sum_j U[i, j] s_j`` (row i times the state).
        n_patterns: how many patterns have been stored.
    """

    def __init__(self, n_units):
        self.n_units = check_int(n_units, "n_units", minimum=2)
        self.weights = np.zeros((self.n_units, self.n_units))
        self.n_patterns = 0

    @classmethod
    def from_weights(cls, weights):
        """A network with the given (n, n) weight matrix, symmetric or not.

        Hebb's rule always gives symmetric weights; this constructor exists to
        show what the energy argument needs. With asymmetric weights recall
        still runs (unit i follows the sign of ``(U s)_i``), but the energy can
        rise and recall can cycle.
        """
        w = check_array(weights, "weights", ndim=2, dtype=float)
        if w.shape[0] != w.shape[1] or w.shape[0] < 2:
            raise ValueError(f"weights must be a square (n, n) matrix with n >= 2, got shape {w.shape}")
        net = cls(w.shape[0])
        net.weights = w.copy()
        return net

    def __repr__(self):
        return f"HopfieldNetwork(n_units={self.n_units}, n_patterns={self.n_patterns})"

    @property
    def load(self):
        """The memory load p / n."""
        return self.n_patterns / self.n_units

    @property
    def is_symmetric(self):
        """True when U = U^T and the diagonal is zero: the conditions of the energy argument."""
        w = self.weights
        return bool(np.array_equal(w, w.T) and not np.any(np.diag(w)))

    def store(self, patterns):
        """Add patterns to the memory with Hebb's rule; returns ``self``.

        Args:
            patterns: +1/-1 array of shape (n,) for one pattern or (p, n).

        Storing adds to the weights, so calling ``store`` twice stores both sets.
        """
        p = np.atleast_2d(_check_bipolar(patterns, "patterns", self.n_units))
        self.weights += p.T @ p / self.n_units
        np.fill_diagonal(self.weights, 0.0)
        self.n_patterns += p.shape[0]
        return self

    def clear(self):
        """Forget every stored pattern; returns ``self``."""
        self.weights[:] = 0.0
        self.n_patterns = 0
        return self

    def energy(self, states):
        """The energy :math:`E(s) = -\\frac{1}{2} s^\\top U s` of one state (a float) or a batch (B,)."""
        s = _check_bipolar(states, "states", self.n_units)
        e = _energy(s, self.weights)
        return float(e) if e.ndim == 0 else e

    def local_field(self, states):
        """The pre-activations (local fields) :math:`a = U s`, same shape as ``states``."""
        s = _check_bipolar(states, "states", self.n_units)
        return s @ self.weights.T

    def is_fixed_point(self, states):
        """True where no single-unit update would change the state (bool or (B,) array)."""
        s = _check_bipolar(states, "states", self.n_units)
        stable = np.all(_sign_or_keep(s @ self.weights.T, s) == s, axis=-1)
        return bool(stable) if stable.ndim == 0 else stable

    def recall(self, cues, *, mode="async", max_sweeps=50, seed=0, return_trace=False):
        """Run the network from ``cues`` until nothing changes (or ``max_sweeps``).

        Args:
            cues: +1/-1 array, (n,) or (batch, n).
            mode: ``"async"`` (one unit at a time in a random order, every unit
                once per sweep) or ``"sync"`` (all units at once).
            max_sweeps: the most sweeps (async) or updates (sync) to run.
            seed: int seed or ``np.random.Generator`` for the update order.
            return_trace: also return a :class:`RecallTrace` with the state and
                its energy after every update.

        Returns:
            The final states (same shape as ``cues``), and the trace if asked.
        """
        cue = _check_bipolar(cues, "cues", self.n_units)
        check_choice(mode, "mode", ("async", "sync"))
        max_sweeps = check_int(max_sweeps, "max_sweeps", minimum=1)
        rng = rng_from(seed)
        s = np.atleast_2d(cue).copy()
        w = self.weights
        states, flips = ([s.copy()], []) if return_trace else (None, None)
        sweeps = 0
        for sweeps in range(1, max_sweeps + 1):  # noqa: B007 - the count is returned after the loop
            if mode == "sync":
                new = _sign_or_keep(s @ w.T, s)
                flipped = np.any(new != s, axis=1)
                s = new
                if return_trace:
                    states.append(s.copy())
                    flips.append(flipped)
                changed = flipped.any()
            else:
                changed = False
                for i in rng.permutation(self.n_units):
                    new = _sign_or_keep(s @ w[i], s[:, i])      # a_i = sum_j U_ij s_j
                    flipped = new != s[:, i]
                    if flipped.any():
                        s[:, i] = new
                        changed = True
                    if return_trace:
                        states.append(s.copy())
                        flips.append(flipped)
            if not changed:
                break
        out = s.reshape(cue.shape)
        if not return_trace:
            return out
        states = np.array(states)
        trace = RecallTrace(states, _energy(states, w), np.array(flips).reshape(-1, s.shape[0]),
                            sweeps, np.atleast_1d(self.is_fixed_point(s)))
        return out, trace


__all__ = ["HopfieldNetwork", "RecallTrace", "random_patterns", "letter_patterns", "corrupt",
           "overlap", "CAPACITY", "LETTERS"]
