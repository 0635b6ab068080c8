"""Training speed of the course's recurrent cells against Keras' built-in layers.

For each cell (LSTM, GRU, Elman) and each size (batch, length, width) it builds two
models that differ only in the recurrent layer,

    Input(length, 8) -> recurrent layer (width units) -> Dense(1),   MSE loss, Adam

one with the Keras built-in (``keras.layers.LSTM``, ``GRU``, ``SimpleRNN``) and one
with the ``course_utils`` cell wrapped in ``keras.layers.RNN`` (``LSTMCell``,
``GRUCell``, ``ElmanCell``), copies the weights of the first into the second, and
times full training steps (forward, backward and optimizer update, via
``train_on_batch``) after a warm-up. The two models take turns step by step so
that a change of machine load hits both alike; the table reports the median time
per step and the ratio course_utils / Keras.

Both sides use the same settings: float32, ``unroll=False``, ``jit_compile=False``
(XLA off; Keras' own default on a CPU-only machine). On a CPU, Keras' LSTM and GRU
layers cannot use cuDNN and run the same generic ``keras.layers.RNN`` loop over
their cell as the course's cells do, so a ratio near 1 is expected.

Run it with ``make benchmarks`` (or ``python benchmarks/rnn_cells_benchmark.py``).
It writes ``benchmarks/results/rnn_cells_benchmark.md`` and prints the same table.
Options: ``--quick`` (one small size, few repeats, for a smoke test).
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
from course_utils.layers import GRUCell, LSTMCell

try:  # written for chapter 1; the benchmark still runs the other cells without it
    from course_utils.layers import ElmanCell
except ImportError:  # pragma: no cover - depends on the state of the package
    ElmanCell = None

RESULTS = Path(__file__).resolve().parent / "results" / "rnn_cells_benchmark.md"
FEATURES = 8
SIZES = [(32, 50, 32), (64, 100, 64), (128, 50, 128)]       # (batch, length, width)
SETTINGS = dict(unroll=False, jit_compile=False)

CELLS = [
    ("LSTM", "keras.layers.LSTM", lambda w: keras.layers.LSTM(w, unroll=SETTINGS["unroll"]),
     "LSTMCell", lambda w: keras.layers.RNN(LSTMCell(w), unroll=SETTINGS["unroll"])),
    ("GRU", "keras.layers.GRU", lambda w: keras.layers.GRU(w, unroll=SETTINGS["unroll"]),
     "GRUCell", lambda w: keras.layers.RNN(GRUCell(w), unroll=SETTINGS["unroll"])),
    ("Elman", "keras.layers.SimpleRNN",
     lambda w: keras.layers.SimpleRNN(w, unroll=SETTINGS["unroll"]),
     "ElmanCell", None if ElmanCell is None else
     (lambda w: keras.layers.RNN(ElmanCell(w), unroll=SETTINGS["unroll"]))),
]


from _machine import machine_info  # noqa: E402 - benchmarks/ is on the path when a script runs


def _model(layer, length):
    model = keras.Sequential([keras.Input((length, FEATURES)), layer, keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse",
                  jit_compile=SETTINGS["jit_compile"])
    return model


def _time_step(model, x, y):
    start = time.perf_counter()
    model.train_on_batch(x, y)
    return time.perf_counter() - start


def compare(make_reference, make_course, batch, length, width, *, warmup, repeats, seed=0):
    """Seconds per training step of the two models: (median, minimum) for each side.

    The two models take turns step by step (A B B A A B ...), so that a change of load
    on a shared machine falls on both sides alike.
    """
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, length, FEATURES)).astype("float32")
    y = rng.standard_normal((batch, 1)).astype("float32")
    reference, course = _model(make_reference(width), length), _model(make_course(width), length)
    course.set_weights(reference.get_weights())        # the same computation on both sides
    diff = np.abs(course.predict_on_batch(x) - reference.predict_on_batch(x)).max()
    if diff > 1e-4:
        raise AssertionError(f"the two models disagree before timing (max abs diff {diff:.2e})")
    for model in (reference, course):
        for _ in range(warmup):
            model.train_on_batch(x, y)
    times = {"reference": [], "course": []}
    for r in range(repeats):
        order = ("reference", "course") if r % 2 == 0 else ("course", "reference")
        for side in order:
            times[side].append(_time_step(reference if side == "reference" else course, x, y))
    return {side: (statistics.median(t), min(t)) for side, t in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one small size, few repeats")
    parser.add_argument("--no-write", action="store_true", help="print only, do not write")
    args = parser.parse_args(argv)
    sizes = SIZES[:1] if args.quick else SIZES
    warmup, repeats = (2, 6) if args.quick else (5, 60)

    info = machine_info()
    started = time.perf_counter()
    rows = []
    for _name, ref_name, make_ref, course_name, make_course in CELLS:
        for batch, length, width in sizes:
            if make_course is None:
                rows.append(f"| `{ref_name}` vs `RNN({course_name})` | {batch} | {length} "
                            f"| {width} | n/a | not available | n/a | n/a |")
                continue
            t = compare(make_ref, make_course, batch, length, width, warmup=warmup,
                        repeats=repeats)
            (ref_med, ref_min), (course_med, course_min) = t["reference"], t["course"]
            rows.append(f"| `{ref_name}` vs `RNN({course_name})` | {batch} | {length} "
                        f"| {width} | {1e3 * ref_med:.1f} | {1e3 * course_med:.1f} "
                        f"| **{course_med / ref_med:.2f}** | {course_min / ref_min:.2f} |")
            print(rows[-1], flush=True)
    elapsed = time.perf_counter() - started

    lines = [
        "# Training speed: `course_utils` cells vs Keras built-in layers",
        "",
        "Time of one training step (forward, backward, Adam update; `train_on_batch`), "
        f"median over {repeats} steps per side after {warmup} warm-up steps; the two models "
        "take turns step by step so that changes of machine load hit both alike. "
        f"Model: `Input(length, {FEATURES})` → recurrent layer → `Dense(1)`, MSE loss, "
        "float32. "
        f"Both sides use `unroll={SETTINGS['unroll']}` and `jit_compile={SETTINGS['jit_compile']}` "
        "and hold the same weights. Ratio = course_utils / Keras (below 1: the course's cell "
        "is faster), from the medians; the last column is the ratio of the fastest steps, a "
        "second estimate that is less sensitive to other processes. On a CPU, Keras' LSTM "
        "and GRU layers cannot use cuDNN and run the same generic `keras.layers.RNN` loop as "
        "the course's cells, so a ratio near 1 is expected; on a shared machine, deviations "
        "of 10-20% are noise.",
        "",
        "| layers compared | batch | length | width | Keras ms/step | course_utils ms/step "
        "| ratio (median) | ratio (fastest) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        "Machine:",
        "",
        *info,
        f"- Benchmark wall time: {elapsed:.0f} s"
        + (" (--quick)" if args.quick else ""),
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
