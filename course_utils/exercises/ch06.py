"""Checkers for the exercises of chapter 6 (echo state networks).

- ``ch06.ridge_readout``: the closed-form ridge readout with an unpenalised bias; the
  check recognises a missing regulariser, a missing bias column, a penalised bias and a
  transposed result.
- ``ch06.scale_spectral_radius``: rescale a matrix to a requested spectral radius; the
  check recognises the largest singular value (norm) used in place of the eigenvalue
  modulus, the largest real eigenvalue, and the largest row sum.
- ``ch06.tune_spectral_radius``: choose the spectral radius on validation data; the check
  runs the reader's search on two delayed-recall tasks of its own (delays 12 and 2, whose
  best radii differ), with the candidates in shuffled order, and recognises an index, a
  choice by the largest error and one by the training error.
"""

from __future__ import annotations

import numpy as np

from ..models.esn import ESN, nrmse, ridge_readout
from .core import Feedback, call, exercise, expect_close, to_numpy

# ----------------------------------------------------------------------------------------------
# Exercise 6.1: the ridge readout
# ----------------------------------------------------------------------------------------------


def _readout_case(seed=6, T=60, N=8, k=2):
    rng = np.random.default_rng(seed)
    H = np.tanh(rng.normal(0.3, 1.0, (T, N)))
    Y = H @ rng.normal(0, 1, (N, k)) + np.array([3.0, -2.0])[:k] + 0.3 * rng.standard_normal((T, k))
    return H, Y


def _solve(H, Y, ridge, *, bias=True, penalise_bias=False, free_index=0):
    if not bias:
        return np.linalg.solve(H.T @ H + ridge * np.eye(H.shape[1]), H.T @ Y), np.zeros(Y.shape[1])
    A = np.hstack([np.ones((H.shape[0], 1)), H])
    P = ridge * np.eye(A.shape[1])
    if not penalise_bias:
        P[free_index, free_index] = 0.0
    sol = np.linalg.solve(A.T @ A + P, A.T @ Y)
    return sol[1:], sol[0]


def _split(got, N, k, what):
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Feedback(f"{what} must return a tuple (kernel, bias): kernel of shape (n, k) = "
                       f"({N}, {k}) and bias of shape (k,) = ({k},); got {type(got).__name__}")
    kernel, bias = to_numpy(got[0], "kernel"), to_numpy(got[1], "bias")
    if np.shape(bias) == (N, k) and kernel.reshape(-1).shape == (k,) and (N, k) != (k,):
        raise Feedback("you returned (bias, kernel): the order is swapped; return "
                       f"(kernel, bias), kernel of shape (n, k) = ({N}, {k}) first")
    bias = bias.reshape(-1)
    if kernel.shape == (k, N) and kernel.shape != (N, k):
        raise Feedback(f"kernel has shape {kernel.shape}: that is W_y, the course wants its "
                       f"transpose W_y^T of shape (n, k) = ({N}, {k}), so that predictions are "
                       "states @ kernel + bias")
    if kernel.shape != (N, k):
        raise Feedback(f"kernel should have shape (n, k) = ({N}, {k}), got {kernel.shape}")
    if bias.shape != (k,):
        raise Feedback(f"bias should have shape (k,) = ({k},), got {bias.shape}")
    return kernel, bias


def _same(a, b, atol=1e-6):
    return all(np.allclose(x, y, atol=atol, rtol=1e-6) for x, y in zip(a, b))


@exercise("ch06.ridge_readout", "the ridge-regression readout in closed form, with a bias",
          hint="append a column of ones to the states so the bias is one more weight; add "
               "ridge times an identity to the Gram matrix A^T A, except on the entry that "
               "belongs to the bias; solve the linear system (np.linalg.solve) rather than "
               "inverting")
def _ridge_readout(candidate):
    H, Y = _readout_case()
    N, k = H.shape[1], Y.shape[1]
    ridge = 2.0
    got = _split(call(candidate, H.copy(), Y.copy(), ridge), N, k, "ridge_readout")
    want = ridge_readout(H, Y, ridge)
    if not _same(got, want):
        if _same(got, _solve(H, Y, 0.0)):
            raise Feedback("your result is ordinary least squares: the regulariser is missing. "
                           "Add ridge * I to the Gram matrix (not to the bias entry)")
        if _same(got, _solve(H, Y, ridge, bias=False)) or _same(got, _solve(H, Y, 0.0, bias=False)):
            raise Feedback("your readout has no bias: prepend a column of ones to the states "
                           "(the targets here have a mean far from 0, which a readout without "
                           "a bias must fake with the states)")
        if _same(got, _solve(H, Y, ridge, penalise_bias=True)):
            raise Feedback("you penalised the bias too (ridge * I over the whole augmented "
                           "matrix). The course, reservoirpy and scikit-learn leave the bias "
                           "unpenalised: put 0 on the diagonal entry of the ones column")
        T = H.shape[0]
        for factor, how in ((T, "multiplied by T"), (1 / T, "divided by T"), (0.5, "halved"),
                            (2.0, "doubled")):
            if _same(got, _solve(H, Y, ridge * factor)):
                raise Feedback(f"your regulariser is {how}: the objective here is the *sum* of "
                               "squared errors plus ridge * ||W_y||^2, so add exactly ridge * I "
                               "to A^T A (no 1/2, no averaging over T)")
        if _same(got, _solve(H, Y, ridge, free_index=-1)):
            raise Feedback("the penalty sits on the wrong entry: you left the last weight "
                           "unpenalised and penalised the bias. The zero on the diagonal belongs "
                           "to the row/column of the ones column")
        if np.allclose(got[1], Y.mean(axis=0), atol=1e-6):
            raise Feedback("your bias is the mean of the targets, which is right only for "
                           "centred states: with centring, b_y = mean(Y) - mean(H) @ kernel")
        expect_close(got[0], want[0], "kernel")
        expect_close(got[1], want[1], "bias")
    # a second case with other sizes and a small regulariser, against reservoirpy's formula
    H2, Y2 = _readout_case(seed=11, T=90, N=5, k=1)
    got2 = _split(call(candidate, H2.copy(), Y2.copy(), 1e-3), 5, 1, "ridge_readout")
    want2 = ridge_readout(H2, Y2, 1e-3)
    expect_close(got2[0], want2[0], "kernel for T=90, N=5, k=1, ridge=1e-3")
    expect_close(got2[1], want2[1], "bias for T=90, N=5, k=1, ridge=1e-3")
    return ("[b_y^T; W_y^T] = (A^T A + ridge * diag(0, 1, ..., 1))^-1 A^T Y with A = [1, H]: "
            "a bias column, and a penalty on the weights only")


# ----------------------------------------------------------------------------------------------
# Exercise 6.2: rescale a matrix to a spectral radius
# ----------------------------------------------------------------------------------------------

def _radius(M):
    return float(np.abs(np.linalg.eigvals(M)).max())


@exercise("ch06.scale_spectral_radius", "rescale a reservoir matrix to a given spectral radius",
          hint="the spectral radius is the largest absolute value of the (complex) eigenvalues, "
               "np.abs(np.linalg.eigvals(U)).max(); multiplying a matrix by s multiplies every "
               "eigenvalue by s")
def _scale_spectral_radius(candidate):
    rng = np.random.default_rng(62)
    # a non-normal matrix: its norm, row sums and real eigenvalues all differ from its radius
    U = rng.uniform(-1, 1, (12, 12)) * (rng.random((12, 12)) < 0.4) + np.diag(np.full(11, 1.5), 1)
    for target in (0.9, 1.25):
        got = to_numpy(call(candidate, U.copy(), target), f"scale_spectral_radius(U, {target})")
        if got.shape != U.shape:
            raise Feedback(f"the result should have the shape of U, {U.shape}, got {got.shape}")
        if np.allclose(got, U * target / np.linalg.norm(U, 2), rtol=1e-6):
            raise Feedback("you divided by the largest singular value (the 2-norm). That bounds "
                           "the spectral radius but is larger than it for a non-normal matrix: "
                           "use the eigenvalues")
        if np.allclose(got, U * target / np.linalg.eigvals(U).real.max(), rtol=1e-6):
            raise Feedback("you used the largest real part of the eigenvalues; the spectral "
                           "radius is the largest modulus |lambda| (eigenvalues can be complex "
                           "or negative)")
        if np.allclose(got, U * target / np.abs(U).sum(axis=1).max(), rtol=1e-6):
            raise Feedback("you divided by the largest absolute row sum (the infinity norm), "
                           "an upper bound of the spectral radius, not the radius itself")
        zeros = U == 0
        if np.any(got[zeros] != 0):
            raise Feedback("rescaling must keep the zeros of U (the reservoir stays sparse): "
                           "multiply U by one number")
        expect_close(_radius(got), target, f"the spectral radius of your result for "
                                           f"target {target}", atol=1e-8, rtol=1e-8)
        expect_close(got, U * target / _radius(U), "the rescaled matrix", atol=1e-10, rtol=1e-8)
    return "U * target / max|eig(U)|: one factor, zeros kept, radius exactly the target"


# ----------------------------------------------------------------------------------------------
# Exercise 6.3: tune the spectral radius on validation data
# ----------------------------------------------------------------------------------------------

def _tuning_task(seed=63, delay=12):
    """A delayed-recall task: y_t = x_{t-delay}; a long delay needs a slowly fading memory."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-0.5, 0.5, 1700)
    y = np.roll(x, delay)
    return (x[:1000], y[:1000]), (x[1000:], y[1000:])


# (delay, candidate radii in the order the reader's function receives them). The two delays
# have different best radii (0.9 for delay 12, 0.4 for delay 2), and the orders are shuffled,
# so a constant answer, the middle element or the first element cannot pass both.
_TUNING_CASES = ((12, (1.2, 0.4, 1.5, 0.1, 0.9, 0.7, 1.0)),
                 (2, (0.9, 1.5, 0.7, 1.2, 0.1, 1.0, 0.4)))


def make_esn(spectral_radius):
    """The reservoir of exercise 6.3: 60 units, everything fixed except the radius."""
    return ESN(60, spectral_radius=spectral_radius, input_scaling=0.5, connectivity=0.2,
               leak_rate=1.0, ridge=1e-6, washout=100, seed=3)


def validation_errors(radii, train, val, errors="validation"):
    """NRMSE of :func:`make_esn` for each radius, on the validation (or training) data."""
    out = []
    for r in radii:
        esn = make_esn(r).fit(train[0], train[1])
        if errors == "validation":
            out.append(nrmse(esn.predict(val[0])[:, 0], val[1]))
        else:
            H = esn.run(train[0])[esn.washout:]
            out.append(nrmse(H @ esn.kernel[:, 0] + esn.bias[0], train[1][esn.washout:]))
    return np.array(out)


@exercise("ch06.tune_spectral_radius", "choose the spectral radius on validation data",
          hint="for each radius: make_esn(radius), fit it on the training data, predict the "
               "validation inputs, compute nrmse against the validation targets; return the "
               "radius (not its index) with the smallest validation error")
def _tune(candidate):
    found = []
    for delay, order in _TUNING_CASES:
        train, val = _tuning_task(delay=delay)
        radii = list(order)
        got = call(candidate, train, val, list(radii))
        try:
            got = float(got)
        except (TypeError, ValueError):
            raise Feedback(f"return one spectral radius (a number), got {got!r}") from None
        errs = validation_errors(radii, train, val)
        best = radii[int(np.argmin(errs))]
        if got == best:
            found.append((delay, best, errs.min()))
            continue
        where = f"on the delay-{delay} task with radii {radii}"
        if got not in radii and float(int(got)) == got and 0 <= int(got) < len(radii):
            raise Feedback(f"{where} you returned {int(got)}, an index; return the radius "
                           f"itself, radii[{int(got)}]")
        if got not in radii:
            raise Feedback(f"{where}: {got} is not one of the candidate radii")
        if got == radii[int(np.argmax(errs))]:
            raise Feedback(f"{where}: radius {got} has the largest validation error; pick the "
                           "smallest (np.argmin, not np.argmax)")
        train_errs = validation_errors(radii, train, val, errors="training")
        if got == radii[int(np.argmin(train_errs))]:
            raise Feedback(f"{where}: radius {got} minimises the training error; choose on the "
                           "validation data, which the readout has not seen")
        raise Feedback(f"{where}: radius {got} has validation NRMSE "
                       f"{errs[radii.index(got)]:.3f}, but another candidate does better "
                       f"({errs.min():.3f}); the best radius depends on the task, so search "
                       "every candidate")
    (d1, r1, e1), (d2, r2, e2) = found
    return (f"delay {d1}: radius {r1} has the smallest validation NRMSE ({e1:.3f}); delay {d2}: "
            f"radius {r2} ({e2:.3f}). A longer recall needs a more slowly fading memory, a "
            "larger radius")


__all__ = ["make_esn", "validation_errors"]
