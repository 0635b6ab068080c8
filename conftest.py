"""pytest configuration shared by the unit tests and the notebook runs.

- Quiets TensorFlow before anything imports it (nbval compares outputs, and
  TensorFlow's C++ log lines would differ between runs).
- Adds up the wall time of every notebook (nbval runs one test per cell) and,
  at the end of the run, prints a table and writes it to
  ``build/notebook_times.md``, flagging notebooks over the 3-minute budget.
"""

import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import course_utils  # noqa: F401 - sets TensorFlow's environment (course_utils.env) first

os.environ.setdefault("MPLBACKEND", "Agg")

BUDGET_S = 180.0  # COURSE_GUIDE.md: 3 minutes per notebook on a 2-core CPU
CEILING_S = 300.0  # hard ceiling
ROOT = Path(__file__).resolve().parent
TIMES_FILE = ROOT / "build" / "notebook_times.md"

_seconds = defaultdict(float)
_failed = set()
_started = time.time()


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _seconds[path] += report.duration
        if report.failed:
            _failed.add(path)


def _device():
    try:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
    except Exception:
        gpus = []
    return f"GPU ({len(gpus)})" if gpus else f"CPU only ({os.cpu_count()} cores)"


def _table():
    rows = ["| notebook | wall time | status |", "|---|---:|---|"]
    for path in sorted(_seconds):
        s = _seconds[path]
        if path in _failed:
            status = "FAILED"
        elif s > CEILING_S:
            status = "OVER the 5-minute ceiling"
        elif s > BUDGET_S:
            status = "OVER the 3-minute budget"
        else:
            status = "ok"
        rows.append(f"| {path} | {s:.1f} s | {status} |")
    total = sum(_seconds.values())
    rows.append(f"| **all notebooks** | {total:.1f} s | |")
    return rows


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _seconds or hasattr(config, "workerinput"):
        return
    rows = _table()
    header = (f"Notebook wall times (budget {BUDGET_S:.0f} s each); device: {_device()}; "
              f"Python {sys.version.split()[0]}; whole pytest run {time.time() - _started:.0f} s")
    terminalreporter.section("notebook wall times")
    terminalreporter.write_line(header)
    for row in rows:
        terminalreporter.write_line(row)
    TIMES_FILE.parent.mkdir(exist_ok=True)
    TIMES_FILE.write_text(header + "\n\n" + "\n".join(rows) + "\n", encoding="utf-8")
    terminalreporter.write_line(f"(written to {TIMES_FILE.relative_to(ROOT)})")
