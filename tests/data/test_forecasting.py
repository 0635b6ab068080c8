"""course_utils.data.forecasting: splits without leakage, training-only scaling, baselines, metrics."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.data import forecasting as fc

# --- windows and the time-ordered split ------------------------------------------------------

def test_windows_hold_the_values_just_before_their_targets():
    series = np.arange(30.0)
    w = fc.windows_with_targets_in(series, 4, 3, 10, 20)
    assert w.x.shape == (8, 4, 1) and w.y.shape == (8, 3) and w.x.dtype == np.float32
    np.testing.assert_array_equal(w.t, np.arange(10, 18))
    np.testing.assert_array_equal(w.x[:, :, 0], w.t[:, None] - 4 + np.arange(4))
    np.testing.assert_array_equal(w.y, w.t[:, None] + np.arange(3))


@given(T=st.integers(40, 80), L=st.integers(1, 8), H=st.integers(1, 5),
       vs=st.integers(14, 20), gap=st.integers(6, 9))
@settings(max_examples=40, deadline=None)
def test_split_has_no_leakage_and_uses_every_window(T, L, H, vs, gap):
    ts = vs + gap
    series = np.arange(T, dtype=float)
    parts = fc.time_split_windows(series, L, H, val_start=vs, test_start=ts)
    bounds = {"train": (0, vs), "val": (vs, ts), "test": (ts, T)}
    for name, (a, b) in bounds.items():
        w = parts[name]
        targets = w.y.astype(int)
        assert targets.min() >= a and targets.max() < b          # every target inside its part
        np.testing.assert_array_equal(w.t, targets[:, 0])
        np.testing.assert_array_equal(w.x[:, -1, 0] + 1, targets[:, 0])   # no gap, no overlap
        assert len(w.t) == b - max(a, L) - H + 1                   # every window that fits
    # inputs of validation windows may come from the training part
    assert parts["val"].x[0, 0, 0] < vs


def test_one_step_windows_hold_each_run_of_six_and_the_next_value():
    series = np.sin(np.arange(50) / 3)
    w = fc.windows_with_targets_in(series, 6, 1, 0, 50)
    assert w.x.shape == (44, 6, 1) and w.y.shape == (44, 1)
    for i in (0, 17, 43):
        np.testing.assert_allclose(w.x[i, :, 0], series[i:i + 6])
        np.testing.assert_allclose(w.y[i, 0], series[i + 6])


@pytest.mark.parametrize("kwargs, match", [
    ({"val_start": 20, "test_start": 20}, "test_start must be greater than val_start"),
    ({"val_start": 0, "test_start": 20}, "val_start must be >= 1"),
    ({"val_start": 10, "test_start": 40}, "test_start must be <= 29"),
    ({"val_start": 10, "test_start": 12}, "no window of input_length=5 and horizon=3"),
])
def test_split_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fc.time_split_windows(np.arange(30.0), 5, 3, **kwargs)


def test_series_errors():
    with pytest.raises(ValueError, match="must be a 1-D series"):
        fc.time_split_windows(np.ones((30, 2)), 5, 1, val_start=10, test_start=20)
    with pytest.raises(ValueError, match="contains NaN"):
        fc.windows_with_targets_in([1.0, np.nan, 2.0], 1, 1, 0, 3)
    with pytest.raises(ValueError, match="input_length must be >= 1"):
        fc.windows_with_targets_in(np.arange(10.0), 0, 1, 0, 10)
    with pytest.raises(ValueError, match="stop must be <= 10"):
        fc.windows_with_targets_in(np.arange(10.0), 2, 1, 0, 11)


# --- the scaler -------------------------------------------------------------------------------

def test_scaler_uses_only_what_it_is_fitted_on():
    series = np.array([1.0, 2.0, 3.0, 10.0, 20.0])
    scaler = fc.Scaler().fit(series[:3])
    assert scaler.mean_ == 2.0 and np.isclose(scaler.std_, np.std([1.0, 2.0, 3.0]))
    z = scaler.transform(series)
    np.testing.assert_allclose(z[:3].mean(), 0.0, atol=1e-12)
    assert z[3] > 5                                   # the test part is far from the train range
    np.testing.assert_allclose(scaler.inverse_transform(z), series)
    assert "Scaler(mean=2" in repr(scaler) and repr(fc.Scaler()) == "Scaler(not fitted)"


def test_scaler_errors():
    with pytest.raises(ValueError, match="not fitted yet"):
        fc.Scaler().transform([1.0])
    with pytest.raises(ValueError, match="not fitted yet"):
        fc.Scaler().inverse_transform([1.0])
    with pytest.raises(ValueError, match="is constant"):
        fc.Scaler().fit([3.0, 3.0, 3.0])
    with pytest.raises(ValueError, match="at least 2 values"):
        fc.Scaler().fit([3.0])
    with pytest.raises(ValueError, match="contains NaN"):
        fc.Scaler().fit([1.0, np.inf])


# --- baselines --------------------------------------------------------------------------------

def test_naive_forecast_repeats_the_last_value():
    x = np.arange(12.0).reshape(2, 6)
    np.testing.assert_array_equal(fc.naive_forecast(x, 3), [[5, 5, 5], [11, 11, 11]])
    np.testing.assert_array_equal(fc.naive_forecast(x[..., None], 1), [[5], [11]])


@pytest.mark.parametrize("period", [1, 2, 3, 7])
def test_seasonal_naive_copies_the_latest_value_of_the_same_phase(period):
    # a series with exact period: the seasonal naive forecast is perfect at every horizon
    t = np.arange(40)
    series = np.sin(2 * np.pi * t / period) + (t % period)
    L, H = 8, 10
    w = fc.windows_with_targets_in(series, L, H, 0, 40)
    forecast = fc.seasonal_naive_forecast(w.x, H, period)
    np.testing.assert_allclose(forecast, w.y, atol=1e-5)


def test_seasonal_naive_indices():
    x = np.arange(6.0)[None]            # x_T = 5
    np.testing.assert_array_equal(fc.seasonal_naive_forecast(x, 7, 3), [[3, 4, 5, 3, 4, 5, 3]])
    np.testing.assert_array_equal(fc.seasonal_naive_forecast(x, 2, 1),
                                  fc.naive_forecast(x, 2))


def test_baseline_errors():
    with pytest.raises(ValueError, match="period must be <= input_length"):
        fc.seasonal_naive_forecast(np.ones((2, 5)), 3, 6)
    with pytest.raises(ValueError, match=r"batch of windows of shape \(n_windows, input_length\)"):
        fc.naive_forecast(np.ones(5), 1)
    with pytest.raises(ValueError, match="horizon must be >= 1"):
        fc.naive_forecast(np.ones((2, 5)), 0)


# --- linear AR and recursive forecasts ---------------------------------------------------------

def _ar_series(n=300, seed=0):
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    for t in range(2, n):
        x[t] = 0.5 + 1.2 * x[t - 1] - 0.5 * x[t - 2] + 0.1 * rng.standard_normal()
    return x


def test_linear_ar_matches_statsmodels_forecast_and_recovers_coefficients():
    series = _ar_series()
    ar = fc.LinearAR(2).fit(series[:250])
    np.testing.assert_allclose(ar.coefs, [1.2, -0.5], atol=0.1)
    ours = ar.forecast(series[240:250][None], 8)[0]
    np.testing.assert_allclose(ours, ar.results.forecast(8), rtol=1e-10, atol=1e-10)
    # one-step predictions equal statsmodels' in-sample fitted values
    w = fc.windows_with_targets_in(series[:250], 5, 1, 0, 250)
    np.testing.assert_allclose(ar.predict_next(w.x), ar.results.fittedvalues[3:], atol=1e-5)


def test_recursive_forecast_feeds_forecasts_back():
    seen = []

    def step(w):
        seen.append(w[:, :, 0].copy())
        return w[:, -1, 0] + 1          # "tomorrow = today + 1"

    out = fc.recursive_forecast(step, np.zeros((2, 3)), 4)
    np.testing.assert_array_equal(out, [[1, 2, 3, 4]] * 2)
    np.testing.assert_array_equal(seen[2][0], [0, 1, 2])       # window slides over forecasts
    assert all(s.shape == (2, 3) for s in seen)


def test_recursive_forecast_with_a_keras_model():
    import keras

    model = keras.Sequential([keras.Input((4, 1)), keras.layers.LSTM(3), keras.layers.Dense(1)])
    out = fc.recursive_forecast(lambda w: model(w, training=False), np.random.default_rng(1).random((5, 4)), 3)
    assert out.shape == (5, 3) and out.dtype == np.float64
    first = model.predict(np.random.default_rng(0).random((1, 4, 1)), verbose=0)
    assert first.shape == (1, 1)


def test_ar_and_recursive_errors():
    with pytest.raises(ValueError, match="not fitted yet"):
        fc.LinearAR(2).predict_next(np.ones((1, 3)))
    with pytest.raises(ValueError, match="needs more than 8"):
        fc.LinearAR(4).fit(np.arange(8.0))
    with pytest.raises(ValueError, match="lags must be >= 1"):
        fc.LinearAR(0)
    ar = fc.LinearAR(3).fit(_ar_series(60))
    with pytest.raises(ValueError, match="at least lags=3 steps"):
        ar.predict_next(np.ones((2, 2)))
    with pytest.raises(ValueError, match="one value per window"):
        fc.recursive_forecast(lambda w: np.ones((w.shape[0], 2)), np.ones((2, 3)), 2)


# --- stateful layout ----------------------------------------------------------------------------

def test_stateful_batches_continue_row_by_row():
    series = np.arange(50.0)
    x, y = fc.stateful_batches(series, batch_size=3, chunk=4)
    per_stream = 49 // 12 * 4                          # 16 steps per stream, 4 chunks
    assert x.shape == y.shape == (12, 4, 1)
    np.testing.assert_array_equal(y, x + 1)
    for i in range(3):                                 # row i of consecutive batches: stream i
        stream = np.concatenate([x[k * 3 + i, :, 0] for k in range(4)])
        np.testing.assert_array_equal(stream, np.arange(i * per_stream, (i + 1) * per_stream))


def test_stateful_batches_match_a_stateful_keras_run():
    import keras

    series = np.random.default_rng(0).standard_normal(61)
    x, _ = fc.stateful_batches(series, batch_size=2, chunk=5)
    layer = keras.layers.LSTM(3, return_state=True)
    _, h_full, _ = layer(x[0::2].reshape(1, -1, 1))                  # stream 0 in one pass
    stateful = keras.layers.LSTM(3, stateful=True)
    stateful(np.zeros((2, 5, 1), "float32"))
    stateful.set_weights(layer.get_weights())
    stateful.reset_state()
    for k in range(len(x) // 2):
        out = stateful(x[2 * k:2 * k + 2])
    np.testing.assert_allclose(out.numpy()[0], h_full.numpy()[0], atol=1e-5)


def test_stateful_batches_errors():
    with pytest.raises(ValueError, match="too short for batch_size=4"):
        fc.stateful_batches(np.arange(12.0), 4, 3)
    with pytest.raises(ValueError, match="chunk must be >= 1"):
        fc.stateful_batches(np.arange(12.0), 2, 0)


# --- metrics and the results table ---------------------------------------------------------------

def test_metrics():
    y, f = np.array([1.0, -2.0, 3.0]), np.array([2.0, -1.0, -3.0])
    assert fc.mae(y, f) == pytest.approx(8 / 3)
    assert fc.rmse(y, f) == pytest.approx(np.sqrt(38 / 3))
    assert fc.direction_accuracy(y, f) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="must have the shape of y_true"):
        fc.mae(y, f[:2])
    with pytest.raises(ValueError, match="y_true is empty"):
        fc.rmse([], [])


def test_forecast_table():
    y = np.arange(12.0).reshape(4, 3)
    table = fc.forecast_table(y, {"naive": y + 2.0, "good": y + 0.5, "bad": y - 4.0})
    assert isinstance(table, pd.DataFrame) and list(table.index) == ["good", "naive", "bad"]
    assert table.loc["naive", "MAE vs naive"] == 1.0
    assert table.loc["good", "MAE 1 step"] == 0.5 and table.loc["bad", "RMSE 1-H steps"] == 4.0
    with pytest.raises(ValueError, match="baseline must be one of"):
        fc.forecast_table(y, {"good": y}, baseline="naive")
    with pytest.raises(ValueError, match=r"forecasts\['naive'\] has shape"):
        fc.forecast_table(y, {"naive": y[:, :2]})
