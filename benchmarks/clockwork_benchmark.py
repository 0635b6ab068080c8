"""Training speed of the clockwork RNN against Keras' SimpleRNN and LSTM at equal parameter counts.

For each setting it builds three models that differ only in the recurrent layer,

    Input(length, features) -> recurrent layer -> Dense(1) at every step,   MSE loss, Adam

with ``RNN(ClockworkCell)``, ``keras.layers.SimpleRNN`` and ``keras.layers.LSTM`` sized
so that their effective parameter counts (for the clockwork cell: the weights the block
mask keeps, ``count_effective_params()``) agree to within a few percent, and times full
training steps (forward, backward and the Adam update, via ``train_on_batch``) after a
warm-up, once with ``jit_compile=False`` and once with ``jit_compile=True`` (XLA). The
models take turns step by step so that a change of machine load hits all alike; the table
reports the median time per step.

Settings: chapter 7's sequence-generation task (320 steps, batch 1, one input feature,
about 670 parameters) and a larger one (100 steps, batch 32, 8 features, about 43 000
parameters: the worked example's 256 units in 4 modules).

Run it with ``make benchmarks`` (or ``python benchmarks/clockwork_benchmark.py``). It
writes ``benchmarks/results/clockwork_benchmark.md`` and prints the same table.
Options: ``--quick`` (few repeats, the small setting only, nothing written).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import keras
import numpy as np

import course_utils  # noqa: F401  (quiets TensorFlow before it is imported)
from course_utils.layers import ClockworkCell, exponential_periods

RESULTS = Path(__file__).resolve().parent / "results" / "clockwork_benchmark.md"

# (name, batch, length, features, {model: (make layer, units label)})
SETTINGS = [
    ("sequence generation", 1, 320, 1, {
        "RNN(ClockworkCell)": (lambda: keras.layers.RNN(
            ClockworkCell(32, periods=exponential_periods(8)), return_sequences=True),
            "32 (8 modules x 4, periods 1-128)"),
        "SimpleRNN": (lambda: keras.layers.SimpleRNN(24, return_sequences=True), "24"),
        "LSTM": (lambda: keras.layers.LSTM(12, return_sequences=True), "12"),
    }),
    ("larger", 32, 100, 8, {
        "RNN(ClockworkCell)": (lambda: keras.layers.RNN(
            ClockworkCell(256, periods=(1, 2, 4, 8)), return_sequences=True),
            "256 (4 modules x 64, periods 1-8)"),
        "SimpleRNN": (lambda: keras.layers.SimpleRNN(204, return_sequences=True), "204"),
        "LSTM": (lambda: keras.layers.LSTM(100, return_sequences=True), "100"),
    }),
]


from _machine import machine_info  # noqa: E402 - benchmarks/ is on the path when a script runs


def effective_params(model):
    total = 0
    for layer in model.layers:
        cell = getattr(layer, "cell", None)
        total += (cell.count_effective_params() if isinstance(cell, ClockworkCell)
                  else layer.count_params())
    return total


def _model(make_layer, length, features, jit):
    model = keras.Sequential([keras.Input((length, features)), make_layer(),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse", jit_compile=jit)
    return model


def time_setting(models, batch, length, features, *, warmup, repeats, seed=0):
    """Median seconds per training step of each model, with and without XLA."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, length, features)).astype("float32")
    y = rng.standard_normal((batch, length, 1)).astype("float32")
    built, params = {}, {}
    for name, (make, _) in models.items():
        for jit in (False, True):
            keras.utils.set_random_seed(seed)
            built[name, jit] = _model(make, length, features, jit)
        params[name] = effective_params(built[name, False])
    for model in built.values():
        for _ in range(warmup):
            model.train_on_batch(x, y)
    times = {key: [] for key in built}
    keys = list(built)
    for r in range(repeats):
        for key in (keys if r % 2 == 0 else keys[::-1]):
            start = time.perf_counter()
            built[key].train_on_batch(x, y)
            times[key].append(time.perf_counter() - start)
    return {key: statistics.median(t) for key, t in times.items()}, params


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="few repeats, small setting only")
    parser.add_argument("--no-write", action="store_true", help="print only, do not write")
    args = parser.parse_args(argv)
    settings = SETTINGS[:1] if args.quick else SETTINGS
    warmup, repeats = (2, 4) if args.quick else (3, 20)

    info = machine_info()
    started = time.perf_counter()
    rows = []
    for setting, batch, length, features, models in settings:
        medians, params = time_setting(models, batch, length, features, warmup=warmup,
                                       repeats=repeats)
        for name, (_, units) in models.items():
            off, on = medians[name, False], medians[name, True]
            rows.append(f"| {setting} (batch {batch}, length {length}, {features} "
                        f"feature{'s' if features > 1 else ''}) | `{name}` | {units} "
                        f"| {params[name]} | {1e3 * off:.1f} | {1e3 * on:.1f} | {off / on:.1f} |")
            print(rows[-1], flush=True)
    elapsed = time.perf_counter() - started

    lines = [
        "# Training speed: clockwork RNN vs SimpleRNN and LSTM at equal parameter counts",
        "",
        "Time of one training step (forward, backward, Adam update; `train_on_batch`), median "
        f"over {repeats} steps per model after {warmup} warm-up steps; all models take turns "
        "step by step. Model: `Input(length, features)` → recurrent layer (sequences) → "
        "`Dense(1)`, MSE loss, float32. Parameters are effective counts including the "
        "`Dense` readout (for the clockwork cell, the weights its block mask keeps). "
        "`ClockworkCell` stores its recurrent matrix dense and masks it at every step, so it "
        "does at least the arithmetic of a simple RNN of the same width: the saving of the "
        "clockwork schedule is not realised by this implementation (chapter 7, section 6).",
        "",
        "| setting | layer | units | parameters | ms/step, no XLA | ms/step, `jit_compile=True` "
        "| speed-up from XLA |",
        "|---|---|---|---:|---:|---:|---:|",
        *rows,
        "",
        "Machine:",
        "",
        *info,
        f"- Benchmark wall time: {elapsed:.0f} s" + (" (--quick)" if args.quick else ""),
        "",
    ]
    text = "\n".join(lines)
    print()
    print(text)
    if not args.no_write and not args.quick:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text, encoding="utf-8")
        print(f"written to {RESULTS.relative_to(RESULTS.parents[2])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
