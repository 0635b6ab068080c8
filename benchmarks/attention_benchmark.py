"""Speed of the course's multi-head attention, and self-attention against an LSTM.

Two tables, measured in one run:

1. **course vs Keras.** ``course_utils.layers.MultiHeadAttention`` against
   ``keras.layers.MultiHeadAttention`` with the same shapes and the same weights (copied
   with ``set_weights``), used as self-attention in ``Input(T, d) -> attention -> Dense(1)``
   with an MSE loss and Adam. The table gives the median time of a training step
   (forward, backward, update, via ``train_on_batch``) and the ratio course / Keras.
2. **self-attention vs LSTM against sequence length.** The same self-attention model
   (course layer) and ``Input(T, d) -> keras.layers.LSTM(d, return_sequences=True) ->
   Dense(1)``, for T = 16 ... 1,024, batch 8, d = 64: median time per training step and
   the size of the largest activation each layer keeps for the backward pass (attention:
   the weights, batch × heads × T × T floats; LSTM: its states, batch × T × d floats, one
   step at a time).

The models take turns step by step, so that a change of machine load hits both alike.
Settings: float32, ``jit_compile=False`` (XLA off), ``unroll=False`` for the LSTM.

Run it with ``make benchmarks`` or ``python benchmarks/attention_benchmark.py``; it writes
``benchmarks/results/attention_benchmark.md`` and prints the same tables. ``--quick``
uses few repeats and lengths up to 256, for a smoke test.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import keras
import numpy as np

import course_utils  # noqa: F401  (quiets TensorFlow before it is imported)
from course_utils.layers import MultiHeadAttention

RESULTS = Path(__file__).resolve().parent / "results" / "attention_benchmark.md"
MHA_SIZES = [(32, 32, 64, 4), (16, 128, 64, 4), (8, 256, 128, 8)]     # (batch, T, d, heads)
LENGTHS = [16, 32, 64, 128, 256, 512, 1024]
SWEEP_BATCH, SWEEP_D, SWEEP_HEADS = 8, 64, 4


def self_attention_model(layer, T, d):
    x = keras.Input((T, d))
    model = keras.Model(x, keras.layers.Dense(1)(layer(x, x)))
    model.compile(optimizer="adam", loss="mse", jit_compile=False)
    return model


def lstm_model(T, d):
    x = keras.Input((T, d))
    model = keras.Model(x, keras.layers.Dense(1)(keras.layers.LSTM(d, return_sequences=True)(x)))
    model.compile(optimizer="adam", loss="mse", jit_compile=False)
    return model


def time_in_turns(models, x, y, repeats, warmup=3):
    """Median seconds per ``train_on_batch`` of each model, the models taking turns."""
    for _ in range(warmup):
        for m in models:
            m.train_on_batch(x, y)
    times = [[] for _ in models]
    for _ in range(repeats):
        for i, m in enumerate(models):
            start = time.perf_counter()
            m.train_on_batch(x, y)
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def course_vs_keras(repeats, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for batch, T, d, heads in MHA_SIZES:
        x = rng.normal(size=(batch, T, d)).astype("float32")
        y = rng.normal(size=(batch, T, 1)).astype("float32")
        keras.utils.set_random_seed(seed)
        theirs = self_attention_model(keras.layers.MultiHeadAttention(heads, d // heads), T, d)
        ours = self_attention_model(MultiHeadAttention(heads, d // heads), T, d)
        ours.set_weights(theirs.get_weights())
        gap = float(np.abs(ours.predict_on_batch(x) - theirs.predict_on_batch(x)).max())
        t_keras, t_ours = time_in_turns([theirs, ours], x, y, repeats)
        rows.append((batch, T, d, heads, t_keras * 1e3, t_ours * 1e3, t_ours / t_keras, gap))
    return rows


def attention_vs_lstm(repeats, lengths, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    B, d, H = SWEEP_BATCH, SWEEP_D, SWEEP_HEADS
    for T in lengths:
        x = rng.normal(size=(B, T, d)).astype("float32")
        y = rng.normal(size=(B, T, 1)).astype("float32")
        keras.utils.set_random_seed(seed)
        att = self_attention_model(MultiHeadAttention(H, d // H), T, d)
        lstm = lstm_model(T, d)
        t_att, t_lstm = time_in_turns([att, lstm], x, y, repeats)
        rows.append((T, t_att * 1e3, t_lstm * 1e3, t_lstm / t_att, B * H * T * T * 4 / 2**20,
                     B * T * d * 4 / 2**20))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats, lengths up to 256")
    args = parser.parse_args(argv)
    repeats = 5 if args.quick else 20
    lengths = [L for L in LENGTHS if L <= 256] if args.quick else LENGTHS
    start = time.perf_counter()
    mha = course_vs_keras(repeats)
    sweep = attention_vs_lstm(max(3, repeats // 2), lengths)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "# Attention benchmark",
        "",
        f"Keras {keras.__version__}, backend {keras.backend.backend()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPU cores, load average {load:.1f} at the end; float32, jit_compile=False; "
        f"median of {repeats} training steps (forward, backward, Adam update) per row; "
        f"whole run {time.perf_counter() - start:.0f} s. Produced by `benchmarks/attention_benchmark.py`.",
        "",
        "## course_utils.layers.MultiHeadAttention vs keras.layers.MultiHeadAttention (self-attention)",
        "",
        "| batch | T | d | heads | Keras (ms/step) | course (ms/step) | course / Keras | max abs output difference |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        *[f"| {b} | {T} | {d} | {h} | {tk:.2f} | {to:.2f} | {r:.2f} | {g:.1e} |"
          for b, T, d, h, tk, to, r, g in mha],
        "",
        f"## Self-attention vs LSTM against sequence length (batch {SWEEP_BATCH}, d = {SWEEP_D}, "
        f"{SWEEP_HEADS} heads)",
        "",
        "| T | self-attention (ms/step) | LSTM (ms/step) | LSTM / attention | attention weights (MiB) | "
        "LSTM states (MiB) |",
        "|---:|---:|---:|---:|---:|---:|",
        *[f"| {T} | {ta:.2f} | {tl:.2f} | {r:.2f} | {ma:.3f} | {ml:.3f} |" for T, ta, tl, r, ma, ml in sweep],
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.quick:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
