"""Forecasting without fooling yourself: time-ordered splits, a scaler fitted
on the training part only, baselines and metrics.

A forecast is honest only if, at the moment it is made, it uses nothing from
the future. Three rules follow, and this module implements each:

1. **Split in time order.** The training part comes first, then validation,
   then test (:func:`time_split_windows`). A window belongs to the part that
   holds *all of its targets*; its inputs may reach back into an earlier part,
   because at forecast time that past is known. A window whose targets
   straddle a boundary is dropped, so no target is seen in two parts.
2. **Fit preprocessing on the training part only** (:class:`Scaler`). A mean
   and standard deviation computed on the whole series leak the level and
   spread of the test period into training.
3. **Beat the baselines first**: the naive forecast (the last value, repeated),
   the seasonal naive forecast (the value one season earlier) and a linear
   autoregression (:class:`LinearAR`, fitted with statsmodels). A learned model
   that does not beat them has learned nothing useful.

Shapes: a batch of input windows is ``(n_windows, input_length)`` or
``(n_windows, input_length, 1)``; forecasts and targets are ``(n_windows,
horizon)``; column ``j - 1`` holds the forecast ``j`` steps ahead. The course
writes the window length ``input_length`` as :math:`T_w` (``L`` is the number of
stacked layers) and a window as :math:`x_{T-T_w+1}, \\dots, x_T`, ending at the
forecast origin :math:`T`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..validation import check_array, check_int, check_positive_int


class Windows(NamedTuple):
    """Input windows, their targets and where the targets start.

    Attributes:
        x: inputs of shape ``(n_windows, input_length, 1)``, float32.
        y: targets of shape ``(n_windows, horizon)``, float32; ``y[i, j - 1]`` is the
            value ``j`` steps after the end of ``x[i]``.
        t: int array ``(n_windows,)``, index in the series of each window's first target.
    """

    x: np.ndarray
    y: np.ndarray
    t: np.ndarray


def _series(series, name="series"):
    arr = check_array(series, name, dtype="float64")
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D series of shape (T,) or (T, 1), got shape "
                         f"{arr.shape}")
    return arr


def windows_with_targets_in(series, input_length, horizon, start, stop):
    """All windows whose targets lie in ``series[start:stop]``.

    Window ``i`` has first target index ``t`` with ``start <= t`` and
    ``t + horizon <= stop``, and inputs ``series[t - input_length : t]`` (which
    may lie before ``start``).

    Returns:
        :class:`Windows`; raises ``ValueError`` if no window fits.
    """
    arr = _series(series)
    T_w = check_positive_int(input_length, "input_length")
    H = check_positive_int(horizon, "horizon")
    start = check_int(start, "start", minimum=0)
    stop = check_int(stop, "stop", minimum=0, maximum=len(arr))
    first = max(start, T_w)
    ts = np.arange(first, stop - H + 1)
    if len(ts) == 0:
        raise ValueError(f"no window of input_length={T_w} and horizon={H} has all its targets "
                         f"in series[{start}:{stop}] (a series of length {len(arr)}); the part "
                         f"needs at least {H} steps that have {T_w} steps of history before them")
    x = np.stack([arr[t - T_w: t] for t in ts])[..., None].astype("float32")
    y = np.stack([arr[t: t + H] for t in ts]).astype("float32")
    return Windows(x, y, ts)


def time_split_windows(series, input_length, horizon, *, val_start, test_start):
    """Cut a series into training, validation and test windows in time order.

    The parts are ``series[:val_start]``, ``series[val_start:test_start]`` and
    ``series[test_start:]``. Each window goes to the part that holds all of its
    ``horizon`` targets; windows whose targets straddle a boundary are dropped.
    Inputs may reach back across a boundary: that past is known when the
    forecast is made, so it is not leakage.

    Args:
        series: 1-D array-like of length T (already scaled, if you scale).
        input_length: past steps in each input window.
        horizon: future steps to predict (1 for one-step forecasts).
        val_start: index of the first validation step.
        test_start: index of the first test step (> ``val_start``).

    Returns:
        dict ``{"train": Windows, "val": Windows, "test": Windows}``.

    Example:
        >>> parts = time_split_windows(np.arange(100.0), 10, 1, val_start=70, test_start=85)
        >>> val = parts["val"]
        >>> int(val.t[0]), float(val.x[0, -1, 0]), float(val.y[0, 0])
        (70, 69.0, 70.0)
    """
    arr = _series(series)
    T = len(arr)
    vs = check_int(val_start, "val_start", minimum=1, maximum=T - 1)
    ts = check_int(test_start, "test_start", minimum=1, maximum=T - 1)
    if ts <= vs:
        raise ValueError(f"test_start must be greater than val_start ({vs}), got {ts}")
    return {"train": windows_with_targets_in(arr, input_length, horizon, 0, vs),
            "val": windows_with_targets_in(arr, input_length, horizon, vs, ts),
            "test": windows_with_targets_in(arr, input_length, horizon, ts, T)}


class Scaler:
    """Standardise a series with the mean and standard deviation of its training part.

    ``z = (x - mean) / std``, with ``mean`` and ``std`` computed by :meth:`fit`
    on the data you pass (pass only the training part!).

    Example:
        >>> series = np.array([1.0, 2.0, 3.0, 10.0, 20.0])
        >>> scaler = Scaler().fit(series[:3])     # the training part only
        >>> scaler.transform(series).round(3)     # the whole series, same constants
        array([-1.225,  0.   ,  1.225,  9.798, 22.045])
        >>> float(scaler.inverse_transform(scaler.transform(series))[3])
        10.0
    """

    def __init__(self):
        self.mean_ = None
        self.std_ = None

    def fit(self, train):
        """Compute mean and std from ``train`` (1-D, at least 2 finite values)."""
        arr = check_array(train, "train", dtype="float64")
        if arr.size < 2:
            raise ValueError(f"train must hold at least 2 values to estimate a spread, got "
                             f"{arr.size}")
        std = float(arr.std())
        if std == 0.0:
            raise ValueError("train is constant (standard deviation 0): it cannot be standardised")
        self.mean_, self.std_ = float(arr.mean()), std
        return self

    def _check_fitted(self):
        if self.mean_ is None:
            raise ValueError("this Scaler is not fitted yet: call fit(train) first")

    def transform(self, values):
        """``(values - mean) / std`` as float64."""
        self._check_fitted()
        return (check_array(values, "values", dtype="float64") - self.mean_) / self.std_

    def inverse_transform(self, values):
        """``values * std + mean``: back to the original units."""
        self._check_fitted()
        return check_array(values, "values", dtype="float64") * self.std_ + self.mean_

    def __repr__(self):
        if self.mean_ is None:
            return "Scaler(not fitted)"
        return f"Scaler(mean={self.mean_:.4g}, std={self.std_:.4g})"


def _windows(x, name="x"):
    arr = check_array(x, name, dtype="float64")
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a batch of windows of shape (n_windows, input_length) "
                         f"or (n_windows, input_length, 1), got shape {arr.shape}")
    return arr


def naive_forecast(x, horizon):
    """The naive forecast: the last observed value, for every step ahead.

    Args:
        x: input windows ``(n_windows, input_length)`` or ``(n_windows, input_length, 1)``.
        horizon: number of steps ahead.

    Returns:
        ``(n_windows, horizon)`` array: ``x[:, -1]`` repeated.
    """
    arr = _windows(x)
    H = check_positive_int(horizon, "horizon")
    return np.repeat(arr[:, -1:], H, axis=1)


def seasonal_naive_forecast(x, horizon, period):
    """The seasonal naive forecast: the value one season before the target.

    The forecast ``j`` steps after the window's last value ``x_T`` is
    ``x_{T + j - period * ceil(j / period)}``, the most recent observed value
    at the same phase of the season. For ``period = 1`` this is the naive
    forecast.

    Args:
        x: input windows ``(n_windows, input_length)`` or ``(n_windows,
            input_length, 1)``, with ``input_length >= period``.
        horizon: number of steps ahead.
        period: season length in steps.

    Returns:
        ``(n_windows, horizon)`` array.
    """
    arr = _windows(x)
    H = check_positive_int(horizon, "horizon")
    m = check_positive_int(period, "period")
    T_w = arr.shape[1]
    if T_w < m:
        raise ValueError(f"period must be <= input_length ({T_w}) so a full season is observed, "
                         f"got {m}")
    j = np.arange(1, H + 1)                      # steps ahead
    idx = T_w - 1 + j - m * -(-j // m)           # back ceil(j / m) whole periods
    return arr[:, idx]


def recursive_forecast(step, x, horizon):
    """Multi-step forecasts from a one-step model, feeding each forecast back in.

    Args:
        step: a function mapping windows ``(n_windows, input_length, 1)``
            (float64) to the next value ``(n_windows,)`` or ``(n_windows, 1)``: a
            Keras model, or :meth:`LinearAR.predict_next`.
        x: input windows ``(n_windows, input_length)`` or ``(n_windows, input_length, 1)``.
        horizon: number of steps ahead.

    Returns:
        ``(n_windows, horizon)`` float64 array.
    """
    arr = _windows(x)
    H = check_positive_int(horizon, "horizon")
    n, T_w = arr.shape
    history = arr
    out = np.empty((n, H))
    for j in range(H):
        nxt = np.asarray(step(history[:, -T_w:, None]), dtype="float64").reshape(-1)
        if nxt.shape != (n,):
            raise ValueError(f"step must return one value per window, shape ({n},) or ({n}, 1); "
                             f"got {nxt.size} values")
        out[:, j] = nxt
        history = np.concatenate([history, nxt[:, None]], axis=1)
    return out


class LinearAR:
    """A linear autoregression of order ``p``, fitted by statsmodels' ``AutoReg``.

    .. math:: \\hat x_t = c + \\sum_{i=1}^{p} \\phi_i x_{t-i}

    Args:
        lags: the order ``p``.

    Attributes (after :meth:`fit`):
        const: ``c``. coefs: ``(p,)`` array, ``coefs[i - 1] = phi_i`` (lag ``i``).
        results: the statsmodels ``AutoRegResults``.
    """

    def __init__(self, lags):
        self.lags = check_positive_int(lags, "lags")
        self.const = None
        self.coefs = None
        self.results = None

    def fit(self, train):
        """Least-squares fit on the 1-D training series."""
        from statsmodels.tsa.ar_model import AutoReg

        arr = _series(train, "train")
        if len(arr) <= 2 * self.lags:
            raise ValueError(f"train has {len(arr)} values; an AR({self.lags}) needs more than "
                             f"{2 * self.lags}")
        self.results = AutoReg(arr, lags=self.lags, trend="c").fit()
        params = np.asarray(self.results.params, dtype="float64")
        self.const, self.coefs = float(params[0]), params[1:]
        return self

    def predict_next(self, x):
        """One-step forecasts ``(n_windows,)`` for windows ``(n_windows, input_length)`` or
        ``(n_windows, input_length, 1)`` with ``input_length >= p``."""
        if self.coefs is None:
            raise ValueError("this LinearAR is not fitted yet: call fit(train) first")
        arr = _windows(x)
        if arr.shape[1] < self.lags:
            raise ValueError(f"windows must hold at least lags={self.lags} steps, got "
                             f"{arr.shape[1]}")
        return self.const + arr[:, ::-1][:, : self.lags] @ self.coefs

    def forecast(self, x, horizon):
        """Recursive multi-step forecasts ``(n_windows, horizon)``."""
        return recursive_forecast(self.predict_next, x, horizon)


def stateful_batches(series, batch_size, chunk):
    """Lay one long series out for a stateful recurrent model.

    A stateful layer hands the final state of row ``i`` of one batch to row ``i``
    of the next. So the series is cut into ``batch_size`` consecutive streams of
    equal length, each stream into chunks of ``chunk`` steps, and each batch
    holds the same chunk of every stream (in stream order): the first batch the
    first chunk, the second batch the second, and so on. The targets are the
    next values: ``y[r, s] = series[index of x[r, s] + 1]``. Values at the end
    that do not fill a whole chunk in every stream are dropped (one value is
    kept back as the last target).

    Args:
        series: 1-D array-like.
        batch_size: number of parallel streams (the model's fixed batch size).
        chunk: time steps per chunk (the model's input length).

    Returns:
        ``(x, y)`` float32 arrays of shape ``(n_chunks * batch_size, chunk, 1)``;
        train with ``fit(x, y, batch_size=batch_size, shuffle=False)``.

    Example:
        >>> x, y = stateful_batches(np.arange(13), batch_size=2, chunk=3)
        >>> x[:, :, 0].astype(int).tolist()
        [[0, 1, 2], [6, 7, 8], [3, 4, 5], [9, 10, 11]]
    """
    arr = _series(series)
    B = check_positive_int(batch_size, "batch_size")
    C = check_positive_int(chunk, "chunk")
    per_stream = (len(arr) - 1) // (B * C) * C
    if per_stream == 0:
        raise ValueError(f"series of length {len(arr)} is too short for batch_size={B} streams "
                         f"of at least one chunk of {C} steps (needs {B * C + 1} values)")
    n = per_stream // C
    streams_x = arr[: B * per_stream].reshape(B, n, C)
    streams_y = arr[1: B * per_stream + 1].reshape(B, n, C)
    x = streams_x.transpose(1, 0, 2).reshape(n * B, C, 1)
    y = streams_y.transpose(1, 0, 2).reshape(n * B, C, 1)
    return x.astype("float32"), y.astype("float32")


def mae(y_true, y_pred):
    """Mean absolute error over all entries."""
    a, b = _pair(y_true, y_pred)
    return float(np.mean(np.abs(a - b)))


def rmse(y_true, y_pred):
    """Root mean squared error over all entries."""
    a, b = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((a - b) ** 2)))


def direction_accuracy(y_true, y_pred):
    """Fraction of entries where forecast and truth have the same sign (ties count
    as wrong unless both are exactly zero)."""
    a, b = _pair(y_true, y_pred)
    return float(np.mean(np.sign(a) == np.sign(b)))


def _pair(y_true, y_pred):
    a = check_array(y_true, "y_true", dtype="float64")
    b = check_array(y_pred, "y_pred", dtype="float64")
    if a.shape != b.shape:
        raise ValueError(f"y_pred must have the shape of y_true {a.shape}, got {b.shape}")
    if a.size == 0:
        raise ValueError("y_true is empty")
    return a, b


def forecast_table(y_true, forecasts, *, baseline="naive"):
    """A pandas table comparing forecasts of the same targets.

    Args:
        y_true: targets ``(n_windows, horizon)``.
        forecasts: mapping ``name -> (n_windows, horizon)`` forecasts.
        baseline: name of the forecast the last column is relative to.

    Returns:
        DataFrame indexed by model name with columns ``MAE 1 step``,
        ``MAE 1-H steps`` (mean over all horizons), ``RMSE 1-H steps`` and
        ``MAE vs <baseline>`` (mean 1-H MAE divided by the baseline's),
        sorted by mean MAE.
    """
    import pandas as pd

    y = check_array(y_true, "y_true", ndim=2, dtype="float64")
    if baseline not in forecasts:
        raise ValueError(f"baseline must be one of the forecasts {list(forecasts)}, got "
                         f"{baseline!r}")
    rows = {}
    for name, f in forecasts.items():
        f = check_array(f, f"forecasts[{name!r}]", dtype="float64")
        if f.shape != y.shape:
            raise ValueError(f"forecasts[{name!r}] has shape {f.shape}, expected {y.shape} "
                             "like y_true")
        rows[name] = {"MAE 1 step": mae(y[:, 0], f[:, 0]), "MAE 1-H steps": mae(y, f),
                      "RMSE 1-H steps": rmse(y, f)}
    table = pd.DataFrame(rows).T
    table[f"MAE vs {baseline}"] = table["MAE 1-H steps"] / table.loc[baseline, "MAE 1-H steps"]
    table.index.name = "model"
    return table.sort_values("MAE 1-H steps")


__all__ = ["Windows", "windows_with_targets_in", "time_split_windows", "Scaler",
           "naive_forecast", "seasonal_naive_forecast", "recursive_forecast", "LinearAR",
           "stateful_batches", "mae",
           "rmse", "direction_accuracy", "forecast_table"]
