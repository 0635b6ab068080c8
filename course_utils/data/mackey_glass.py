"""The Mackey-Glass delay differential equation, integrated with RK4.

.. math::  \\frac{dm}{dt} = \\beta\\, \\frac{m(t - \\tau)}{1 + m(t - \\tau)^n} - \\gamma\\, m(t)

(Mackey & Glass 1977), with the classic chaotic setting :math:`\\beta = 0.2`,
:math:`\\gamma = 0.1`, :math:`n = 10`, :math:`\\tau = 17`.
The argument names ``beta``, ``gamma``, ``n`` and ``h`` follow the Mackey-Glass and
Runge-Kutta literature and are local to this module: in the course notation these letters
mean other things (HMM backward variable and posterior, hidden units, hidden state), so
chapter 6 writes the constants as numbers and the step as :math:`\\Delta t`.

**Scheme.** Classical fourth-order Runge-Kutta with a fixed step ``h`` (default 0.1)
that divides both :math:`\\tau` and the sampling interval. The delayed value is needed
at the start, the middle and the end of each step, i.e. at :math:`t - \\tau`,
:math:`t - \\tau + h/2` and :math:`t - \\tau + h`. The first and last are grid points
already computed; the middle one comes from the cubic Hermite interpolant through the
two neighbouring grid points and their derivatives (fourth-order accurate, like RK4
itself), :math:`m(t_j + h/2) \\approx \\tfrac12 (m_j + m_{j+1}) + \\tfrac{h}{8}(m'_j - m'_{j+1})`.

**History.** For :math:`t \\le 0` the solution is the constant :math:`m_0` (so its
derivative there is 0); at :math:`t = 0` the derivative jumps to the value the equation
gives, and the interpolation uses the one-sided derivative of each interval. Because
:math:`\\tau / h` is an integer, the kinks this causes at :math:`t = 0, \\tau, 2\\tau, ...`
fall on grid points and do not spoil the order of the method.

Only additions, multiplications and divisions of Python floats are used (the power
:math:`m^{10}` by repeated squaring), so the same arguments give the same series, bit for
bit, on every machine with IEEE 754 arithmetic.
"""

from __future__ import annotations

import math

import numpy as np

from ..validation import check_float, check_int, check_positive_int, rng_from


def _ratio(value, step, name_value, name_step):
    k = value / step
    if abs(k - round(k)) > 1e-9 * max(1.0, k) or round(k) < 1:
        raise ValueError(f"{name_step}={step} must divide {name_value}={value} a whole number of "
                         f"times (got {name_value} / {name_step} = {k:.6g})")
    return int(round(k))


def _power(x, n):
    """x ** n for a positive int n by repeated squaring (exact IEEE operations only)."""
    result, base = 1.0, x
    while n:
        if n & 1:
            result *= base
        base *= base
        n >>= 1
    return result


def mackey_glass(n_samples, *, tau=17.0, beta=0.2, gamma=0.1, n=10, h=0.1, sample_every=1.0,
                 x0=None, transient=1000, seed=0):
    """A Mackey-Glass series sampled every ``sample_every`` time units (RK4, step ``h``).

    Args:
        n_samples: positive int, number of samples returned.
        tau, beta, gamma, n: the equation's delay, production rate, decay rate and
            exponent (defaults 17, 0.2, 0.1, 10: the chaotic regime used by Jaeger 2001).
        h: the RK4 step; it must divide ``tau`` and ``sample_every`` (default 0.1).
        sample_every: time between two returned samples (default 1).
        x0: the constant history :math:`m(t) = x_0` for :math:`t \\le 0`; if None (default)
            it is drawn uniformly from [0.5, 1.5] with ``seed``.
        transient: number of samples integrated and dropped first, so that the series
            starts on the attractor (default 1000, i.e. 1000 time units at the default rate).
        seed: int >= 0, used only to draw ``x0`` when it is None.

    Returns:
        float64 array (n_samples,): :math:`m(t_0 + k \\cdot \\text{sample\\_every})`,
        with :math:`t_0` = ``transient * sample_every``.
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    tau = check_float(tau, "tau", minimum=0.0, min_inclusive=False)
    beta = check_float(beta, "beta", minimum=0.0)
    gamma = check_float(gamma, "gamma", minimum=0.0)
    n = check_positive_int(n, "n")
    h = check_float(h, "h", minimum=0.0, min_inclusive=False)
    sample_every = check_float(sample_every, "sample_every", minimum=0.0, min_inclusive=False)
    transient = check_int(transient, "transient", minimum=0)
    delay = _ratio(tau, h, "tau", "h")
    stride = _ratio(sample_every, h, "sample_every", "h")
    if x0 is None:
        x0 = float(rng_from(seed).uniform(0.5, 1.5))
    x0 = check_float(x0, "x0", minimum=0.0, min_inclusive=False)

    def rate(x, xd):
        return beta * xd / (1.0 + _power(xd, n)) - gamma * x

    total = (transient + n_samples - 1) * stride
    # xs[j + delay] = m(j h) for j = -delay ... total; ds the matching right derivative
    xs = [x0] * (delay + 1) + [0.0] * total
    ds = [0.0] * (delay + total + 1)
    ds[delay] = rate(x0, x0)             # right derivative at t = 0 (left derivative is 0)
    half, sixth = 0.5 * h, h / 6.0
    for k in range(total):
        i = k + delay                    # index of m(t_k)
        x = xs[i]
        j = i - delay                    # index of m(t_k - tau)
        xd0, xd1 = xs[j], xs[j + 1]
        d_left = ds[j]
        d_right = 0.0 if j + 1 == delay else ds[j + 1]   # the history's own derivative at t = 0-
        xdm = 0.5 * (xd0 + xd1) + 0.125 * h * (d_left - d_right)
        k1 = ds[i]
        k2 = rate(x + half * k1, xdm)
        k3 = rate(x + half * k2, xdm)
        k4 = rate(x + h * k3, xd1)
        x_new = x + sixth * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        xs[i + 1] = x_new
        ds[i + 1] = rate(x_new, xd1)
    series = np.asarray(xs[delay:], dtype=np.float64)[::stride]
    out = series[transient:transient + n_samples]
    if not np.all(np.isfinite(out)) or math.isnan(out[0]):  # pragma: no cover - guard
        raise ValueError("the integration diverged; use a smaller h")
    return out


__all__ = ["mackey_glass"]
