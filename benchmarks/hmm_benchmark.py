"""Speed of course_utils.models.hmm against hmmlearn: log-likelihood and Viterbi.

Both engines of ``CategoricalHMM`` are timed: ``engine="textbook"``, the
step-by-step recursions chapter 2 teaches, and ``engine="parallel"``, the same
results from the parallel-in-time passes of ``course_utils/models/_hmm_parallel.py``.
For every number of states N and sequence length T, a random categorical HMM
(Dirichlet(1) rows, 16 symbols) and a sequence sampled from it are given to
both libraries. Each call is timed several times and the median is kept.
hmmlearn is timed with its default ``implementation="log"`` and, for the
log-likelihood, also with ``implementation="scaling"``. A ratio is
course_utils time / hmmlearn time: below 1 means course_utils is faster.

The script also checks that the libraries agree (relative difference of the
log-likelihoods, and whether the Viterbi paths are identical or differ only
where two paths have exactly the same probability), prints the tables and
writes them to benchmarks/results/hmm_benchmark.md.

Run with ``make benchmarks`` or ``python benchmarks/hmm_benchmark.py``
(``--quick`` for a smaller grid). It takes a few minutes on a laptop.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import hmmlearn  # noqa: E402 - after sys.path is set

import course_utils  # noqa: E402 - after sys.path is set (sets the TensorFlow variables, imports nothing heavy)
from course_utils.models.hmm import CategoricalHMM  # noqa: E402 - after sys.path is set

STATES = (2, 4, 8, 16, 32)
LENGTHS = (1_000, 10_000, 100_000)
N_SYMBOLS = 16
ENGINES = ("textbook", "parallel")
RESULT = ROOT / "benchmarks" / "results" / "hmm_benchmark.md"


def median_time(func, budget=1.0, min_repeats=3, max_repeats=25):
    """Median wall time of ``func()`` over repeats (more repeats for fast calls)."""
    func()                                          # warm up (imports, caches)
    times = []
    start = time.perf_counter()
    while len(times) < max_repeats:
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
        if len(times) >= min_repeats and time.perf_counter() - start > budget:
            break
    return float(np.median(times))


def path_log_prob(model, path, x):
    with np.errstate(divide="ignore"):
        return (np.log(model.startprob_[path[0]]) + np.log(model.transmat_[path[:-1], path[1:]]).sum()
                + np.log(model.emissionprob_[path, x]).sum())


def machine_info():
    try:
        import threadpoolctl
        blas = ", ".join(f"{i['internal_api']} {i['version']} ({i['num_threads']} threads)"
                         for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas")
    except ImportError:                             # pragma: no cover
        blas = "unknown"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return [
        f"CPU: {cpu}; {os.cpu_count()} logical cores; {platform.system()} {platform.machine()}",
        f"Python {platform.python_version()}, NumPy {np.__version__}, hmmlearn "
        f"{hmmlearn.__version__}, course_utils {course_utils.__version__}; BLAS: {blas}",
        f"load average (1, 5, 15 min) at the start: {load}",
    ]


def run(states, lengths):
    rows = []
    for N in states:
        for T in lengths:
            model = CategoricalHMM.random(N, N_SYMBOLS, random_state=1000 * N + T % 997)
            x, _ = model.sample(T, random_state=N + T)
            X = x[:, None]
            ref_log = model.to_hmmlearn(implementation="log")
            ref_scaling = model.to_hmmlearn(implementation="scaling")
            ll_ref, (_, path_ref) = ref_log.score(X), ref_log.decode(X)
            r = dict(N=N, T=T, ll_log=median_time(lambda r=ref_log, X=X: r.score(X)),
                     ll_scaling=median_time(lambda r=ref_scaling, X=X: r.score(X)),
                     vit_ref=median_time(lambda r=ref_log, X=X: r.decode(X)))
            for engine in ENGINES:
                model.engine = engine
                r[f"ll_{engine}"] = median_time(lambda m=model, x=x: m.score(x))
                r[f"vit_{engine}"] = median_time(lambda m=model, x=x: m.decode(x))
                _, path = model.decode(x)
                r[f"rel_{engine}"] = abs(model.score(x) - ll_ref) / abs(ll_ref)
                r[f"differ_{engine}"] = int(np.sum(path != path_ref))
                r[f"tie_{engine}"] = abs(path_log_prob(model, path, x)
                                         - path_log_prob(model, path_ref, x)) <= 1e-12 * abs(ll_ref)
            rows.append(r)
            print(f"N={N:2d} T={T:6d}  log-lik: hmmlearn log {r['ll_log']*1e3:8.2f} ms, scaling "
                  f"{r['ll_scaling']*1e3:7.2f}, textbook {r['ll_textbook']*1e3:8.2f}, parallel "
                  f"{r['ll_parallel']*1e3:7.2f}  Viterbi: hmmlearn {r['vit_ref']*1e3:7.2f} ms, "
                  f"textbook {r['vit_textbook']*1e3:8.2f}, parallel {r['vit_parallel']*1e3:7.2f}",
                  flush=True)
    return rows


def paths(r, engine):
    if r[f"differ_{engine}"] == 0:
        return "identical"
    if r[f"tie_{engine}"]:
        return f"{r[f'differ_{engine}']} steps differ, equal probability (ties)"
    return f"**{r[f'differ_{engine}']} steps differ**"


def tables(rows):
    ll = [
        "**Log-likelihood** (`score`), milliseconds; ratios against hmmlearn's default (log) "
        "and scaling implementations.",
        "",
        "| states N | length T | hmmlearn log | hmmlearn scaling | textbook | ratio log / scaling "
        "| parallel | ratio log / scaling | rel. diff. textbook | rel. diff. parallel |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ll.append(
            f"| {r['N']} | {r['T']:,} | {r['ll_log']*1e3:.2f} | {r['ll_scaling']*1e3:.2f} | "
            f"{r['ll_textbook']*1e3:.2f} | {r['ll_textbook']/r['ll_log']:.2f} / "
            f"{r['ll_textbook']/r['ll_scaling']:.2f} | {r['ll_parallel']*1e3:.2f} | "
            f"{r['ll_parallel']/r['ll_log']:.2f} / {r['ll_parallel']/r['ll_scaling']:.2f} | "
            f"{r['rel_textbook']:.1e} | {r['rel_parallel']:.1e} |")
    vit = [
        "**Viterbi** (`decode`), milliseconds; ratios against hmmlearn.",
        "",
        "| states N | length T | hmmlearn | textbook | ratio | parallel | ratio | "
        "paths, textbook | paths, parallel |",
        "|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        vit.append(
            f"| {r['N']} | {r['T']:,} | {r['vit_ref']*1e3:.2f} | {r['vit_textbook']*1e3:.2f} | "
            f"{r['vit_textbook']/r['vit_ref']:.2f} | {r['vit_parallel']*1e3:.2f} | "
            f"{r['vit_parallel']/r['vit_ref']:.2f} | {paths(r, 'textbook')} | "
            f"{paths(r, 'parallel')} |")
    return ll + [""] + vit


def summary(rows):
    lines = []
    for engine in ENGINES:
        ll_ratio = [r[f"ll_{engine}"] / r["ll_log"] for r in rows]
        sc_ratio = [r[f"ll_{engine}"] / r["ll_scaling"] for r in rows]
        vit_ratio = [r[f"vit_{engine}"] / r["vit_ref"] for r in rows]
        lines.append(
            f"{engine}: log-likelihood {min(ll_ratio):.2f} to {max(ll_ratio):.1f} times hmmlearn's "
            f"log implementation (faster in {sum(v < 1 for v in ll_ratio)} of {len(rows)} cells) "
            f"and {min(sc_ratio):.2f} to {max(sc_ratio):.1f} times its scaling implementation "
            f"(faster in {sum(v < 1 for v in sc_ratio)}); Viterbi {min(vit_ratio):.2f} to "
            f"{max(vit_ratio):.1f} times hmmlearn (faster in {sum(v < 1 for v in vit_ratio)}); "
            f"largest relative difference of the log-likelihoods "
            f"{max(r[f'rel_{engine}'] for r in rows):.1e}; Viterbi paths identical in "
            f"{sum(r[f'differ_{engine}'] == 0 for r in rows)} of {len(rows)} cells"
            + ("" if all(r[f"differ_{engine}"] == 0 for r in rows) else
               ", the others exact ties" if all(r[f"tie_{engine}"] for r in rows) else
               ", **some differ by more than ties**") + ".")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small grid (a few seconds)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", module="hmmlearn")
    states, lengths = ((2, 8), (1_000, 10_000)) if args.quick else (STATES, LENGTHS)
    info = machine_info()
    print("\n".join(info), flush=True)
    t0 = time.perf_counter()
    rows = run(states, lengths)
    elapsed = time.perf_counter() - t0
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    text = [
        "# course_utils.models.hmm against hmmlearn",
        "",
        "Written by `benchmarks/hmm_benchmark.py`. Times are medians over repeated calls, in "
        "milliseconds, on one sequence sampled from a random categorical HMM with "
        f"{N_SYMBOLS} symbols. A ratio below 1 means course_utils is faster. hmmlearn's "
        "loops are compiled C++. course_utils is NumPy only: `engine=\"textbook\"` runs the "
        "step-by-step recursions of chapter 2 (`course_utils/models/hmm.py`), "
        "`engine=\"parallel\"` the same computation parallel in time "
        "(`course_utils/models/_hmm_parallel.py`).",
        "",
        *[f"- {line}" for line in info],
        f"- load average at the end: {load}; the benchmark took {elapsed:.0f} s",
        "",
        *tables(rows),
        "",
        *[f"- {line}" for line in summary(rows)],
        "",
    ]
    print()
    print("\n".join(text[text.index(tables(rows)[0]):]))
    if not args.no_write and not args.quick:
        RESULT.parent.mkdir(parents=True, exist_ok=True)
        RESULT.write_text("\n".join(text), encoding="utf-8")
        print(f"written to {RESULT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
