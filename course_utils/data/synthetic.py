"""Synthetic sequence tasks. Each takes a ``seed`` and returns NumPy arrays;
the same seed gives the same data on every machine (``np.random.default_rng``).

Shapes follow Keras: ``(batch, time, features)`` for inputs.
"""

from __future__ import annotations

import numpy as np

from ..validation import check_float, check_int, check_positive_int, rng_from


def delayed_echo(n_sequences=1000, length=20, delay=3, seed=0):
    """Random bit sequences whose target is the input ``delay`` steps earlier.

    ``y[:, t] = x[:, t - delay]`` for ``t >= delay`` and 0 before. A model that
    sees one step at a time with no memory can do no better than chance on
    this task; a recurrent network only has to remember ``delay`` bits.

    Returns:
        ``x`` of shape ``(n_sequences, length, 1)`` and ``y`` of the same
        shape, both float32 with values 0 or 1.
    """
    n = check_positive_int(n_sequences, "n_sequences")
    T = check_positive_int(length, "length")
    d = check_int(delay, "delay", minimum=0)
    if d >= T:
        raise ValueError(f"delay must be smaller than length ({T}), got {d}")
    rng = rng_from(seed)
    x = rng.integers(0, 2, size=(n, T, 1)).astype("float32")
    y = np.zeros_like(x)
    y[:, d:] = x[:, : T - d]
    return x, y


def adding_problem(n_sequences=1000, length=50, seed=0):
    """The adding problem: two of ``length`` uniform values are marked; the
    target is their sum.

    Input channel 0 holds values in [0, 1), channel 1 is 1 at the two marked
    positions (one in the first half, one in the second half) and 0 elsewhere.
    Predicting the constant 1.0 gives a mean squared error of about 1/6.

    Returns:
        ``x`` of shape ``(n_sequences, length, 2)`` and ``y`` of shape
        ``(n_sequences, 1)``, float32.
    """
    n = check_positive_int(n_sequences, "n_sequences")
    T = check_int(length, "length", minimum=2)
    rng = rng_from(seed)
    values = rng.random((n, T))
    half = T // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, T, size=n)
    marks = np.zeros((n, T))
    marks[np.arange(n), first] = 1.0
    marks[np.arange(n), second] = 1.0
    x = np.stack([values, marks], axis=-1).astype("float32")
    y = (values[np.arange(n), first] + values[np.arange(n), second])[:, None].astype("float32")
    return x, y


def noisy_sines(n_sequences=100, length=200, n_components=2, noise=0.05, seed=0):
    """Series that are sums of ``n_components`` sines with random periods
    (8 to 40 steps), phases and amplitudes, plus Gaussian noise.

    Returns:
        an array of shape ``(n_sequences, length)``, float32.
    """
    n = check_positive_int(n_sequences, "n_sequences")
    T = check_positive_int(length, "length")
    k = check_positive_int(n_components, "n_components")
    noise = check_float(noise, "noise", minimum=0.0)
    rng = rng_from(seed)
    t = np.arange(T)
    periods = rng.uniform(8, 40, size=(n, k, 1))
    phases = rng.uniform(0, 2 * np.pi, size=(n, k, 1))
    amps = rng.uniform(0.5, 1.0, size=(n, k, 1))
    clean = (amps * np.sin(2 * np.pi * t / periods + phases)).sum(axis=1) / k
    return (clean + noise * rng.standard_normal((n, T))).astype("float32")


def variable_length_sums(n_sequences=500, min_length=3, max_length=15, n_features=1, seed=0):
    """Sequences whose lengths vary between ``min_length`` and ``max_length``.

    Every time step has ``n_features`` standard-normal features; the label is
    1 when the sum of the first feature over the whole sequence is positive.

    Returns:
        ``(sequences, labels)``: a list of ``n_sequences`` arrays of shape
        ``(length_i, n_features)`` (float32) and an int array of labels.
    """
    n = check_positive_int(n_sequences, "n_sequences")
    lo = check_positive_int(min_length, "min_length")
    hi = check_positive_int(max_length, "max_length")
    f = check_positive_int(n_features, "n_features")
    if hi < lo:
        raise ValueError(f"max_length must be >= min_length ({lo}), got {hi}")
    rng = rng_from(seed)
    lengths = rng.integers(lo, hi + 1, size=n)
    sequences = [rng.standard_normal((L, f)).astype("float32") for L in lengths]
    labels = np.array([int(s[:, 0].sum() > 0) for s in sequences])
    return sequences, labels
