"""Speed of course_utils.models.hmm against hmmlearn: log-likelihood and Viterbi.

For every number of states N and sequence length T, a random categorical HMM
(Dirichlet(1) rows, 16 symbols) and a sequence sampled from it are given to
both libraries. Each call is timed several times and the median is kept.
hmmlearn is timed with its default ``implementation="log"`` and, for the
log-likelihood, also with ``implementation="scaling"``. The ratio column is
course_utils time / hmmlearn time: below 1 means course_utils is faster.

The script also checks that both libraries agree (relative difference of the
log-likelihoods, and whether the Viterbi paths are identical or differ only
where two paths have exactly the same probability), prints the table and
writes it to benchmarks/results/hmm_benchmark.md.

Run with ``make benchmarks`` or ``python benchmarks/hmm_benchmark.py``
(``--quick`` for a smaller grid). It takes about two minutes on a laptop.
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

import hmmlearn  # noqa: E402 - after the environment is set for TensorFlow
from hmmlearn import hmm as hl  # noqa: E402 - after the environment is set for TensorFlow

import course_utils  # noqa: E402  (sets the TensorFlow variables; imports nothing heavy)
from course_utils.models.hmm import CategoricalHMM  # noqa: E402 - after the environment is set for TensorFlow

STATES = (2, 4, 8, 16, 32)
LENGTHS = (1_000, 10_000, 100_000)
N_SYMBOLS = 16
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
    return float(np.median(times)), len(times)


def reference(model, implementation):
    ref = hl.CategoricalHMM(n_components=model.n_states, n_features=model.n_symbols,
                            implementation=implementation, init_params="", params="")
    ref.startprob_ = model.startprob
    ref.transmat_ = model.transmat
    ref.emissionprob_ = model.emissionprob
    return ref


def path_log_prob(model, path, x):
    with np.errstate(divide="ignore"):
        return (np.log(model.startprob[path[0]]) + np.log(model.transmat[path[:-1], path[1:]]).sum()
                + np.log(model.emissionprob[path, x]).sum())


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
            model = CategoricalHMM.random(N, N_SYMBOLS, seed=1000 * N + T % 997)
            _, x = model.sample(T, seed=N + T)
            X = x[:, None]
            ref_log, ref_scaling = reference(model, "log"), reference(model, "scaling")
            t_ours, n1 = median_time(lambda model=model, x=x: model.log_likelihood(x))
            t_log, n2 = median_time(lambda ref_log=ref_log, X=X: ref_log.score(X))
            t_sc, n3 = median_time(lambda ref_scaling=ref_scaling, X=X: ref_scaling.score(X))
            v_ours, n4 = median_time(lambda model=model, x=x: model.viterbi(x))
            v_ref, n5 = median_time(lambda ref_log=ref_log, X=X: ref_log.decode(X))
            ll, ll_ref = model.log_likelihood(x), ref_log.score(X)
            path, _ = model.viterbi(x)
            _, path_ref = ref_log.decode(X)
            differ = int(np.sum(path != path_ref))
            tie = abs(path_log_prob(model, path, x) - path_log_prob(model, path_ref, x)) \
                <= 1e-12 * abs(ll_ref)
            rows.append(dict(N=N, T=T, ll=t_ours, ll_log=t_log, ll_scaling=t_sc, vit=v_ours,
                             vit_ref=v_ref, rel=abs(ll - ll_ref) / abs(ll_ref), differ=differ,
                             tie=tie, repeats=min(n1, n2, n3, n4, n5)))
            r = rows[-1]
            print(f"N={N:2d} T={T:6d}  log-lik {r['ll']*1e3:8.2f} ms (hmmlearn log "
                  f"{r['ll_log']*1e3:8.2f}, scaling {r['ll_scaling']*1e3:7.2f})  Viterbi "
                  f"{r['vit']*1e3:8.2f} ms (hmmlearn {r['vit_ref']*1e3:7.2f})", flush=True)
    return rows


def table(rows):
    lines = [
        "| states N | length T | log-lik, course_utils (ms) | hmmlearn log (ms) | ratio | "
        "hmmlearn scaling (ms) | ratio | Viterbi, course_utils (ms) | hmmlearn (ms) | ratio | "
        "rel. diff. log-lik | Viterbi paths |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        if r["differ"] == 0:
            paths = "identical"
        elif r["tie"]:
            paths = f"{r['differ']} steps differ, equal probability (ties)"
        else:
            paths = f"**{r['differ']} steps differ**"
        lines.append(
            f"| {r['N']} | {r['T']:,} | {r['ll']*1e3:.2f} | {r['ll_log']*1e3:.2f} | "
            f"{r['ll']/r['ll_log']:.2f} | {r['ll_scaling']*1e3:.2f} | "
            f"{r['ll']/r['ll_scaling']:.2f} | "
            f"{r['vit']*1e3:.2f} | {r['vit_ref']*1e3:.2f} | {r['vit']/r['vit_ref']:.2f} | "
            f"{r['rel']:.1e} | {paths} |")
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
    slower_ll = [r for r in rows if r["ll"] > r["ll_log"]]
    slower_vit = [r for r in rows if r["vit"] > r["vit_ref"]]
    summary = [
        f"log-likelihood: course_utils is faster than hmmlearn's default (log) in "
        f"{len(rows) - len(slower_ll)} of {len(rows)} cells and faster than hmmlearn's "
        f"scaling implementation in {sum(r['ll'] <= r['ll_scaling'] for r in rows)} of "
        f"{len(rows)}.",
        f"Viterbi: course_utils is faster than hmmlearn in {len(rows) - len(slower_vit)} of "
        f"{len(rows)} cells" + (f"; slower by a factor of up to "
                                f"{max(r['vit'] / r['vit_ref'] for r in slower_vit):.1f}"
                                if slower_vit else "") + ".",
        f"Largest relative difference of the log-likelihoods: {max(r['rel'] for r in rows):.1e}.",
    ]
    text = [
        "# course_utils.models.hmm against hmmlearn",
        "",
        "Written by `benchmarks/hmm_benchmark.py`. Times are medians over repeated calls, in "
        "milliseconds, on one sequence sampled from a random categorical HMM with "
        f"{N_SYMBOLS} symbols. A ratio below 1 means course_utils is faster. hmmlearn's "
        "loops are compiled C++; course_utils is NumPy only and runs the recursions "
        "parallel in time (see the docstring of `course_utils/hmm.py`).",
        "",
        *[f"- {line}" for line in info],
        f"- load average at the end: {load}; the benchmark took {elapsed:.0f} s",
        "",
        *table(rows),
        "",
        *[f"- {line}" for line in summary],
        "",
    ]
    print()
    print("\n".join(text[text.index(table(rows)[0]):]))
    if not args.no_write and not args.quick:
        RESULT.parent.mkdir(parents=True, exist_ok=True)
        RESULT.write_text("\n".join(text), encoding="utf-8")
        print(f"written to {RESULT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
