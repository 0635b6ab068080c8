"""Speed and accuracy of the course's echo state network against reservoirpy.

For each reservoir size N (100, 500, 1000, 2000) both libraries get **the same
matrices** (the course's ``reservoir_weights``: sparse U with 5 % connectivity and
spectral radius 0.9, W, b) and the same Mackey-Glass series (the course's RK4
integrator, tau = 17, sampled every time unit, minus 1). Timed, side by side:

- **fit**: state collection over 3000 training steps and the ridge readout on the
  last 2000 (washout 1000), i.e. ``ESN.fit`` vs ``(Reservoir >> Ridge).fit(warmup=1000)``;
- **predict**: one-step predictions over 1000 test steps, continuing from the training
  state (``ESN.predict`` vs ``model.run``).

The two sides take turns (A B B A ...), so that a change of machine load hits both alike;
the table gives the median over the repeats and the ratio course / reservoirpy (below 1:
the course is faster), and the test NRMSE of both (one step ahead, normalised by the
standard deviation of the test targets), which must agree.

Run it with ``make benchmarks`` (or ``python benchmarks/esn_benchmark.py``); it writes
``benchmarks/results/esn_benchmark.md`` and prints the same table. ``--quick``: N = 100
and 500, one repeat.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

import course_utils  # noqa: F401  (quiets TensorFlow before anything imports it)
from course_utils.data import mackey_glass
from course_utils.models.esn import ESN, nrmse

RESULTS = Path(__file__).resolve().parent / "results" / "esn_benchmark.md"
SIZES = [100, 500, 1000, 2000]
TRAIN, WASHOUT, TEST = 3000, 1000, 1000
SETTINGS = dict(spectral_radius=0.9, input_scaling=1.0, connectivity=0.05, leak_rate=0.5,
                bias_scaling=0.2, ridge=1e-8)


def _series():
    m = mackey_glass(TRAIN + TEST + 1, seed=0) - 1.0
    x, y = m[:-1, None], m[1:, None]
    return x[:TRAIN], y[:TRAIN], x[TRAIN:], y[TRAIN:]


def _course(esn, x, y, xt):
    start = time.perf_counter()
    esn.fit(x, y)
    fit = time.perf_counter() - start
    start = time.perf_counter()
    pred = esn.predict(xt)
    return fit, time.perf_counter() - start, pred


def _reservoirpy(esn, x, y, xt):
    from reservoirpy.nodes import Reservoir, Ridge

    w = esn.weights
    model = Reservoir(W=w["U"], Win=w["W"], bias=w["b"], lr=esn.leak_rate) >> Ridge(ridge=esn.ridge)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        model.fit(x, y, warmup=WASHOUT)
        fit = time.perf_counter() - start
        start = time.perf_counter()
        pred = model.run(xt)
    return fit, time.perf_counter() - start, np.asarray(pred)


def machine_info():
    import reservoirpy
    import scipy

    try:
        load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:  # pragma: no cover
        load = "n/a"
    return [f"- CPU: {os.cpu_count()} logical cores, {platform.machine()}, {platform.system()}",
            f"- Python {platform.python_version()}, NumPy {np.__version__}, SciPy {scipy.__version__}, "
            f"reservoirpy {reservoirpy.__version__}",
            f"- Load average (1/5/15 min) when the run started: {load}"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 100 and 500, one repeat")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = SIZES[:2] if args.quick else SIZES
    repeats = 1 if args.quick else args.repeats
    info = machine_info()
    began = time.perf_counter()
    x, y, xt, yt = _series()
    rows = []
    for units in sizes:
        times = {"cf": [], "cp": [], "rf": [], "rp": []}
        esn = ESN(units, washout=WASHOUT, seed=units, **SETTINGS)
        esn._init_weights(1, 1)      # draw the matrices once, outside the timed region
        for r in range(repeats):
            order = ("course", "rpy") if r % 2 == 0 else ("rpy", "course")
            for side in order:
                if side == "course":
                    cf, cp, pred_c = _course(esn, x, y, xt)
                    times["cf"].append(cf)
                    times["cp"].append(cp)
                else:
                    rf, rp, pred_r = _reservoirpy(esn, x, y, xt)
                    times["rf"].append(rf)
                    times["rp"].append(rp)
        med = {k: statistics.median(v) for k, v in times.items()}
        err_c, err_r = nrmse(pred_c[:, 0], yt[:, 0]), nrmse(pred_r[:, 0], yt[:, 0])
        rows.append((units, med, err_c, err_r, float(np.abs(pred_c - pred_r).max())))
        print(f"N={units}: fit {med['cf']:.3f} s vs {med['rf']:.3f} s, predict {med['cp']:.3f} s "
              f"vs {med['rp']:.3f} s, NRMSE {err_c:.3e} vs {err_r:.3e}", file=sys.stderr)
    wall = time.perf_counter() - began
    lines = [
        "# Echo state network: `course_utils` vs reservoirpy",
        "",
        f"Same reservoir matrices and the same Mackey-Glass series on both sides (sparse U, "
        f"{SETTINGS['connectivity']:.0%} connectivity, spectral radius {SETTINGS['spectral_radius']}, "
        f"leak rate {SETTINGS['leak_rate']}, ridge {SETTINGS['ridge']:g}, float64). **fit** = state "
        f"collection over {TRAIN} steps + ridge readout on the last {TRAIN - WASHOUT} (washout "
        f"{WASHOUT}); **predict** = one-step predictions over {TEST} test steps. Median of "
        f"{repeats} run(s) per side, the sides taking turns. Ratio = course / reservoirpy (below 1: "
        "the course is faster). NRMSE: one-step test error divided by the standard deviation "
        "of the test targets; the last column is the largest difference between the two "
        "libraries' predictions.",
        "",
        "| N | fit: course s | fit: reservoirpy s | fit ratio | predict: course s | "
        "predict: reservoirpy s | predict ratio | NRMSE course | NRMSE reservoirpy | max abs diff |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for units, med, err_c, err_r, diff in rows:
        lines.append(f"| {units} | {med['cf']:.3f} | {med['rf']:.3f} | **{med['cf'] / med['rf']:.2f}** | "
                     f"{med['cp']:.3f} | {med['rp']:.3f} | **{med['cp'] / med['rp']:.2f}** | "
                     f"{err_c:.3e} | {err_r:.3e} | {diff:.1e} |")
    lines += ["", "Machine:", "", *info, f"- Benchmark wall time: {wall:.0f} s", ""]
    text = "\n".join(lines)
    if not args.quick:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
