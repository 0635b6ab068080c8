"""Chapter 6 checkers: the reference passes, typical mistakes get specific feedback,
untouched stubs are "not attempted"."""

import numpy as np
import pytest

from course_utils.exercises import FAIL, NOT_ATTEMPTED, PASS, evaluate
from course_utils.exercises.ch06 import make_esn
from course_utils.models.esn import nrmse


def _stub(*args):
    raise NotImplementedError


def ridge(H, Y, lam, bias=True, penalise_bias=False, transpose=False, ones_last=False):
    Y = Y.reshape(len(Y), -1)
    A = np.hstack([np.ones((len(H), 1)), H]) if bias else H
    P = lam * np.eye(A.shape[1])
    if bias and not penalise_bias:
        P[0, 0] = 0
    sol = np.linalg.solve(A.T @ A + P, A.T @ Y)
    if not bias:
        kernel, b = sol, np.zeros(Y.shape[1])
    else:
        kernel, b = sol[1:], sol[0]
    return (kernel.T, b) if transpose else (kernel, b)


def _wrong_index(H, Y, lam):
    A = np.hstack([np.ones((len(H), 1)), H])
    P = lam * np.eye(A.shape[1])
    P[-1, -1] = 0
    sol = np.linalg.solve(A.T @ A + P, A.T @ Y)
    return sol[1:], sol[0]


@pytest.mark.parametrize("fn, status, words", [
    (ridge, PASS, "bias column"),
    (lambda H, Y, lam: ridge(H, Y, 0.0), FAIL, "regulariser is missing"),
    (lambda H, Y, lam: ridge(H, Y, lam, bias=False), FAIL, "no bias"),
    (lambda H, Y, lam: ridge(H, Y, 0.0, bias=False), FAIL, "no bias"),
    (lambda H, Y, lam: ridge(H, Y, lam, penalise_bias=True), FAIL, "penalised the bias"),
    (lambda H, Y, lam: ridge(H, Y, lam, transpose=True), FAIL, "transpose"),
    (lambda H, Y, lam: ridge(H, Y, lam)[0], FAIL, "tuple"),
    (lambda H, Y, lam: ridge(H, Y, lam)[::-1], FAIL, "swapped"),
    (lambda H, Y, lam: ridge(H, Y, lam * len(H)), FAIL, "multiplied by T"),
    (lambda H, Y, lam: ridge(H, Y, lam / 2), FAIL, "halved"),
    (lambda H, Y, lam: _wrong_index(H, Y, lam), FAIL, "wrong entry"),
    (lambda H, Y, lam: (ridge(H, Y, lam)[0], Y.mean(axis=0)), FAIL, "mean of the targets"),
    (lambda H, Y, lam: (np.zeros((H.shape[1], Y.shape[1])), np.zeros(Y.shape[1])), FAIL, "differs"),
    (lambda H, Y, lam: None, FAIL, "return"),
    (_stub, NOT_ATTEMPTED, "stub"),
])
def test_ridge_readout(fn, status, words):
    result = evaluate("ch06.ridge_readout", fn)
    assert result.status == status, result
    assert words in result.message, result


def scale(U, rho):
    return U * rho / np.abs(np.linalg.eigvals(U)).max()


@pytest.mark.parametrize("fn, status, words", [
    (scale, PASS, "zeros kept"),
    (lambda U, rho: U * rho / np.linalg.norm(U, 2), FAIL, "singular value"),
    (lambda U, rho: U * rho / np.linalg.eigvals(U).real.max(), FAIL, "real part"),
    (lambda U, rho: U * rho / np.abs(U).sum(axis=1).max(), FAIL, "row sum"),
    (lambda U, rho: U + (rho - np.abs(np.linalg.eigvals(U)).max()) * np.eye(len(U)), FAIL, "zeros"),
    (lambda U, rho: U, FAIL, "spectral radius"),
    (lambda U, rho: None, FAIL, "return"),
    (_stub, NOT_ATTEMPTED, "stub"),
])
def test_scale_spectral_radius(fn, status, words):
    result = evaluate("ch06.scale_spectral_radius", fn)
    assert result.status == status, result
    assert words in result.message, result


def tune(train, val, radii, pick=np.argmin, on="val", index=False):
    errs = []
    for r in radii:
        esn = make_esn(r).fit(*train)
        if on == "val":
            errs.append(nrmse(esn.predict(val[0])[:, 0], val[1]))
        else:
            H = esn.run(train[0])[esn.washout:]
            errs.append(nrmse(H @ esn.kernel[:, 0] + esn.bias[0], train[1][esn.washout:]))
    k = int(pick(errs))
    return k if index else radii[k]


@pytest.mark.parametrize("fn, status, words", [
    (tune, PASS, "validation NRMSE"),
    (lambda t, v, r: tune(t, v, r, pick=np.argmax), FAIL, "largest validation error"),
    (lambda t, v, r: tune(t, v, r, index=True), FAIL, "index"),
    (lambda t, v, r: r[0], FAIL, "does better"),
    (lambda t, v, r: 0.9, FAIL, "delay-2"),                       # no search: a constant
    (lambda t, v, r: r[len(r) // 2], FAIL, "delay-12"),           # no search: the middle one
    (lambda t, v, r: 0.95, FAIL, "not one of"),
    (lambda t, v, r: "best", FAIL, "a number"),
    (_stub, NOT_ATTEMPTED, "stub"),
])
def test_tune_spectral_radius(fn, status, words):
    result = evaluate("ch06.tune_spectral_radius", fn)
    assert result.status == status, result
    assert words in result.message, result


@pytest.mark.parametrize("seed", [63, 64, 65])
def test_the_tuning_tasks_have_different_clear_best_radii(seed):
    from course_utils.exercises.ch06 import _tuning_task, validation_errors
    radii = [0.1, 0.4, 0.7, 0.9, 1.0, 1.2, 1.5]
    best = {}
    for delay in (12, 2):
        errs = validation_errors(radii, *_tuning_task(seed=seed, delay=delay))
        # the best radius is not at the edge of the grid and clearly beats the runner-up edge
        assert 0 < int(np.argmin(errs)) < len(radii) - 1, (delay, errs)
        assert errs.min() < 0.7 * max(errs[0], errs[-1]), (delay, errs)
        best[delay] = radii[int(np.argmin(errs))]
    assert best[12] > best[2], best      # the longer recall needs the larger radius
