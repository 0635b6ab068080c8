"""The self-check framework behind every coding exercise.

A chapter registers one checker per exercise with :func:`exercise`. A reader
passes their function (or value) to :func:`check`, which runs it against the
reference and prints one of

- ``[pass] ch04.lstm_step: ...`` — correct;
- ``[try again] ch04.lstm_step: your gate order is i, f, o, c; Keras uses i, f, c, o`` —
  specific feedback on what is wrong;
- ``[not attempted yet] ch04.lstm_step: ...`` — the stub still raises
  ``NotImplementedError`` (or the answer is still ``None`` / ``...``).

In the chapter notebooks a failed check only prints, so the notebook keeps
running. The solutions notebooks call ``set_strict(True)`` (or pass
``strict=True``): then anything but a pass raises :class:`ExerciseFailure`.

Writing a checker::

    @exercise("ch00.one_hot", "one-hot encode integer ids")
    def _(candidate):
        got = call(candidate, np.array([2, 0]), 3)          # runs the reader's code
        expect_shape(got, (2, 3), "one_hot(ids, 3)")
        expect_close(got, np.eye(3)[[2, 0]], "one_hot(ids, 3)")
        return "one row per id, a single 1 in the id's column"

A checker signals a wrong answer by raising :class:`Feedback` (the helpers
``expect_*`` do so) and returns a short success message.

No degenerate answer may pass, and each gets feedback that names it:
:func:`call` reports an exception at the reader's own line (not a line inside
NumPy or Keras) and a ``None`` return as a missing ``return``; :func:`to_numpy`
gives feedback for ``None``, strings, ragged lists and complex numbers (and,
with ``finite=True``, NaN and infinity), the ``expect_*`` helpers always require
finite values; :func:`expect_close` says when an answer is all zeros or constant
while the reference varies, :func:`expect_varying` checks that directly, and
:func:`expect_distribution` checks a probability distribution (non-negative,
sums to 1, not uniform where the reference is not). Convert the reader's answer
with ``to_numpy(..., finite=True)`` unless the checker gives its own, more
specific feedback for NaN or infinity.
"""

from __future__ import annotations

import functools
import importlib
import os
import site
import sysconfig
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

PASS, FAIL, NOT_ATTEMPTED = "pass", "try again", "not attempted yet"
_STRICT = False


class Feedback(Exception):
    """Raised by a checker: the candidate is wrong, and here is why."""


class NotAttempted(Exception):
    """The candidate is still the stub."""


class ExerciseFailure(AssertionError):
    """Raised in strict mode when a check does not pass."""


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    checker: Callable
    hint: str = ""


@dataclass(frozen=True)
class Result:
    """The outcome of one check: ``status`` is "pass", "try again" or "not attempted yet"."""

    exercise_id: str
    status: str
    message: str

    @property
    def passed(self) -> bool:
        return self.status == PASS

    def __str__(self):
        return f"[{self.status}] {self.exercise_id}: {self.message}"


REGISTRY: dict[str, Exercise] = {}


def exercise(exercise_id, title, *, hint=""):
    """Decorator registering ``checker(candidate) -> success message``.

    ``hint`` is what :func:`hint` shows a reader who is stuck: a nudge towards
    the idea (which function, which axis, which equation), never the answer.
    """
    if not isinstance(exercise_id, str) or "." not in exercise_id:
        raise ValueError(f"exercise_id must look like 'ch04.lstm_step', got {exercise_id!r}")
    if not isinstance(hint, str):
        raise ValueError(f"hint must be a string, got {type(hint).__name__}")

    def decorate(checker):
        REGISTRY[exercise_id] = Exercise(exercise_id, title, checker, hint)
        return checker

    return decorate


def hint(exercise_id) -> None:
    """Print the hint of exercise ``exercise_id`` (a nudge, not the answer)."""
    ex = get_exercise(exercise_id)
    print(f"Hint for {exercise_id} ({ex.title}): {ex.hint or 'no hint for this one; re-read the section above.'}")


def set_strict(strict=True):
    """Make every later :func:`check` raise unless it passes (solutions notebooks)."""
    global _STRICT
    _STRICT = bool(strict)


def get_exercise(exercise_id) -> Exercise:
    """Look an exercise up, importing its chapter's module on first use."""
    if not isinstance(exercise_id, str) or "." not in exercise_id:
        raise ValueError(f"exercise_id must look like 'ch04.lstm_step', got {exercise_id!r}")
    if exercise_id not in REGISTRY:
        chapter = exercise_id.split(".", 1)[0]
        try:
            importlib.import_module(f"{__package__}.{chapter}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{chapter}":
                raise
    if exercise_id not in REGISTRY:
        known = sorted(k for k in REGISTRY if k.startswith(exercise_id.split(".", 1)[0] + "."))
        raise ValueError(f"unknown exercise {exercise_id!r}; this chapter has: {known or 'none'}")
    return REGISTRY[exercise_id]


def _is_stub(candidate):
    return candidate is None or candidate is Ellipsis


def evaluate(exercise_id, candidate) -> Result:
    """Run the checker on ``candidate`` and return a :class:`Result` (prints nothing)."""
    ex = get_exercise(exercise_id)
    if _is_stub(candidate):
        return Result(exercise_id, NOT_ATTEMPTED,
                      "replace the placeholder (None or ...) with your answer, then re-run")
    try:
        message = ex.checker(candidate)
    except NotAttempted as exc:
        return Result(exercise_id, NOT_ATTEMPTED, str(exc))
    except Feedback as exc:
        return Result(exercise_id, FAIL, str(exc))
    except Exception as exc:
        return Result(exercise_id, FAIL, f"the check could not use your answer "
                                         f"({type(exc).__name__}: {exc})")
    return Result(exercise_id, PASS, message or "correct")


def check(exercise_id, candidate, *, strict=None) -> None:
    """Check ``candidate`` for exercise ``exercise_id`` and print the verdict.

    Args:
        exercise_id: e.g. ``"ch00.one_hot"``.
        candidate: the reader's function or value.
        strict: raise :class:`ExerciseFailure` unless it passes; defaults to
            the mode set by :func:`set_strict` (off in chapter notebooks).

    Returns nothing (so a notebook shows the verdict once); use
    :func:`evaluate` to get the :class:`Result` as a value.
    """
    result = evaluate(exercise_id, candidate)
    print(result)
    if (_STRICT if strict is None else strict) and not result.passed:
        raise ExerciseFailure(str(result))


# ---------------------------------------------------------------------------
# Helpers for writing checkers
# ---------------------------------------------------------------------------
#
# Every answer goes through the same gate before a checker compares it with the
# reference: ``call`` turns an exception into feedback that points at the
# reader's own line and a ``None`` return into "is a return missing?";
# ``to_numpy`` and the ``expect_*`` helpers turn None, strings, ragged lists,
# complex numbers, NaN and infinity into feedback that says so, and
# ``expect_close``, ``expect_varying`` and ``expect_distribution`` say so when
# an answer is all zeros, constant or uniform where the reference is not.

_MAX_ERROR_CHARS = 600


@functools.lru_cache(maxsize=1)
def _library_dirs():
    """Directories whose code is not the reader's: the standard library,
    installed packages (NumPy, Keras, TensorFlow, ...) and course_utils itself."""
    dirs = set()
    paths = sysconfig.get_paths()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        if paths.get(key):
            dirs.add(paths[key])
    try:
        dirs.update(site.getsitepackages())
        dirs.add(site.getusersitepackages())
    except AttributeError:      # site.getsitepackages is missing in some virtualenvs
        pass
    dirs.add(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))   # course_utils/
    return tuple(sorted({os.path.realpath(d) for d in dirs}))


def _is_reader_code(filename):
    """True if a traceback frame's file is the reader's (a notebook cell, a script)."""
    if filename.startswith("<"):        # <frozen importlib._bootstrap>, <__array_function__ ...>
        return filename.startswith(("<ipython-input", "<stdin>"))
    if any(part in filename for part in ("site-packages", "dist-packages",
                                         "__autograph_generated")):     # tf.function's rewrite
        return False
    path = os.path.realpath(filename)
    return not any(path == d or path.startswith(d + os.sep) for d in _library_dirs())


def _library_name(filename):
    """'numpy' for .../site-packages/numpy/_core/shape_base.py; which library a file is in."""
    parts = os.path.realpath(filename).split(os.sep)
    for marker in ("site-packages", "dist-packages"):
        if marker in parts[:-1]:
            return parts[parts.index(marker) + 1].split(".")[0]
    if "course_utils" in parts[:-1]:
        return "course_utils"
    stdlib = os.path.realpath(sysconfig.get_paths()["stdlib"])
    if os.path.realpath(filename).startswith(stdlib + os.sep):
        return f"the Python standard library ({os.path.relpath(filename, stdlib)})"
    return os.path.basename(filename)


def _where(frame):
    """'your function step, line 3 of its cell: `return np.dot(a, b)`'."""
    name = frame.name
    who = "your code" if name in ("<lambda>", "<module>") else f"your function {name}"
    base = os.path.basename(frame.filename)
    if base.startswith("<ipython-input") or "ipykernel_" in frame.filename:
        place = "its cell"              # a notebook cell: line numbers count from its top
    else:
        place = base
    where = f"{who}, line {frame.lineno} of {place}"
    return f"{where}: `{frame.line.strip()}`" if frame.line else where


def describe_exception(exc):
    """Feedback text for an exception raised by the reader's code.

    Names the exception and the innermost line of the reader's own code in the
    traceback (not a line inside NumPy, Keras, TensorFlow, the standard library
    or course_utils), and the library the error came from when it was raised
    inside one.
    """
    message = str(exc).strip()
    if len(message) > _MAX_ERROR_CHARS:
        message = message[:_MAX_ERROR_CHARS].rstrip() + " ..."
    text = f"your code raised {type(exc).__name__}" + (f": {message}" if message else "")
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if _is_reader_code(f.filename)]
    if not mine:
        return text
    ours = mine[-1]
    inner = frames[-1]
    if inner is not ours:
        text += f" (raised inside {_library_name(inner.filename)}, called from {_where(ours)})"
    else:
        text += f" (in {_where(ours)})"
    return text


def call(candidate, *args, **kwargs):
    """Call the reader's function; turn its exceptions and a missing return into feedback.

    ``NotImplementedError`` means the stub is untouched. Any other exception
    becomes feedback naming the exception and the line of the reader's code
    that raised it (the innermost line that is theirs, even when the error
    itself is raised deep inside NumPy or Keras). A function that returns
    ``None`` gets asked whether a ``return`` is missing, before any shape or
    NaN check can report something less helpful. (A checker for a function
    that is meant to return nothing calls the candidate itself.)
    """
    if not callable(candidate):
        raise Feedback(f"expected a function, got {type(candidate).__name__}")
    try:
        result = candidate(*args, **kwargs)
    except NotImplementedError:
        raise NotAttempted("the stub still raises NotImplementedError: write your code in its "
                           "place, then re-run the cell") from None
    except (Feedback, NotAttempted):
        raise
    except Exception as exc:
        raise Feedback(describe_exception(exc)) from None
    if result is None:
        name = getattr(candidate, "__name__", "")
        who = "your function" if not name or name == "<lambda>" else f"your function {name}"
        raise Feedback(f"{who} returned None: is a `return` statement missing (or does it "
                       "print the result, or change an array in place, instead of returning "
                       "it)?")
    return result


def _none_feedback(what):
    return Feedback(f"{what} is None: is a `return` missing somewhere, or a value you have "
                    "not filled in yet?")


def expect_finite(value, what="your result"):
    """Feedback unless every entry of ``value`` is a finite number (no NaN, no ±inf)."""
    arr = to_numpy(value, what)
    bad = ~np.isfinite(arr)
    if bad.any():
        kinds = [name for name, mask in (("NaN", np.isnan(arr)), ("+inf", arr == np.inf),
                                         ("-inf", arr == -np.inf)) if mask.any()]
        at = ""
        if arr.ndim:
            idx = tuple(int(i) for i in np.unravel_index(np.argmax(bad), arr.shape))
            at = f", {int(bad.sum())} of {arr.size} entries, the first at index {idx}"
        raise Feedback(f"{what} contains {' and '.join(kinds)}{at}: look for a division by "
                       "zero, the log of 0, an overflow in exp, or an array created with "
                       "np.empty and not filled")
    return arr


def to_numpy(value, what="your result", *, finite=False):
    """Convert a tensor or array-like to a float64 NumPy array, or give feedback.

    Feedback (never a silent NaN) for ``None``, anything containing ``None``,
    strings, ragged nested lists, dicts and other non-numbers, and complex
    numbers with a non-zero imaginary part. With ``finite=True`` NaN and ±inf
    are feedback too; the ``expect_*`` helpers always require finite values, so
    only a checker that gives its own, more specific feedback for non-finite
    values (an overflow it wants to name, ``-inf`` as log 0) converts the
    reader's answer without it.
    """
    if value is None:
        raise _none_feedback(what)
    if isinstance(value, (str, bytes)):
        raise Feedback(f"{what} should be a number or an array of numbers, got the string "
                       f"{value[:40]!r}")
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    try:
        raw = np.asarray(value)
    except ValueError:                              # ragged: parts of different lengths
        shapes = ""
        if isinstance(value, (list, tuple)):
            shapes = f" (the shapes of its parts are {[np.shape(v) for v in value[:6]]})"
        raise Feedback(f"{what} is ragged{shapes}: its parts must all have the same shape "
                       "to form one array") from None
    except TypeError:
        raise Feedback(f"{what} should be numeric array-like, got "
                       f"{type(value).__name__}") from None
    if raw.dtype == object and any(v is None for v in raw.ravel()):
        raise Feedback(f"{what} contains None: is a `return` missing somewhere, or an entry "
                       "you have not filled in yet?")
    if raw.dtype.kind in "USa":
        raise Feedback(f"{what} holds strings; expected numbers")
    if raw.dtype.kind in "Mm":
        raise Feedback(f"{what} holds dates or times; expected numbers")
    if raw.dtype.kind == "c":
        if np.any(raw.imag != 0):
            raise Feedback(f"{what} is complex with a non-zero imaginary part; expected real "
                           "numbers")
        raw = raw.real
    try:
        arr = np.asarray(raw, dtype="float64")
    except (TypeError, ValueError):
        if raw.dtype == object and raw.ndim:
            raise Feedback(f"{what} is ragged or mixes arrays and numbers: expected one "
                           "rectangular array of numbers") from None
        raise Feedback(f"{what} should be numeric array-like, got "
                       f"{type(value).__name__}") from None
    if finite:
        expect_finite(arr, what)
    return arr


def expect_shape(value, shape, what="your result", *, finite=True):
    """Feedback unless ``value`` is finite and has ``shape`` (``None`` entries match anything).

    ``finite=False`` accepts NaN and ±inf (the checker then deals with them).
    """
    arr = to_numpy(value, what, finite=finite)
    if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
        want = tuple("any" if s is None else s for s in shape)
        raise Feedback(f"{what} has shape {arr.shape}, expected {want}")
    return arr


def _is_constant(arr, axis=None, *, tol=1e-12):
    """True where ``arr`` does not vary (along ``axis``, or at all)."""
    if arr.size == 0:
        return True
    spread = np.ptp(arr, axis=axis)
    scale = max(1.0, float(np.max(np.abs(arr))))
    return bool(np.all(spread <= tol * scale))


def _constant_feedback(arr, exp, what, axis=None, *, differs=False):
    """Feedback for an answer that is constant (along ``axis``) where ``exp`` is not."""
    head = f"{what} differs from the reference: it" if differs else what
    if axis is not None:
        return Feedback(f"{head} does not change along axis {axis}"
                        + (", but the reference does" if exp is not None else "")
                        + ": did you compute one value and repeat it, or leave that axis out?")
    value = float(arr.ravel()[0])
    varies = ("" if exp is None else
              f", but the reference varies (from {float(exp.min()):.4g} to {float(exp.max()):.4g})")
    if value == 0:
        return Feedback(f"{head} is all zeros{varies}: did you return an array created with "
                        "np.zeros before filling it, or a placeholder?")
    return Feedback(f"{head} is constant (every entry is {value:.6g}){varies}: did you fill "
                    "the array with one value, or broadcast a single number?")


def expect_varying(value, reference=None, what="your result", *, axis=None):
    """Feedback if ``value`` is constant (or all zeros) where ``reference`` is not.

    Without ``reference`` any constant array of more than one entry is feedback.
    With ``axis``, the test is per slice along that axis (e.g. ``axis=0``: the
    same row for every sequence of the batch). Returns the array.
    """
    arr = expect_finite(value, what)
    if reference is None:
        if arr.size > 1 and _is_constant(arr, axis):
            raise _constant_feedback(arr, None, what, axis)
        return arr
    exp = np.asarray(reference, dtype="float64")
    if arr.shape != exp.shape:
        raise Feedback(f"{what} has shape {arr.shape}, expected {exp.shape}")
    if arr.size > 1 and _is_constant(arr, axis) and not _is_constant(exp, axis):
        raise _constant_feedback(arr, exp, what, axis)
    return arr


def expect_close(value, expected, what="your result", *, atol=1e-5, rtol=1e-5):
    """Feedback unless ``value`` is elementwise close to ``expected``; says where it differs.

    The answer must be finite and of the reference's shape; an answer that is
    all zeros or constant where the reference varies is told so.
    """
    arr = expect_finite(value, what)
    exp = np.asarray(expected, dtype="float64")
    if arr.shape != exp.shape:
        raise Feedback(f"{what} has shape {arr.shape}, expected {exp.shape}")
    close = np.isclose(arr, exp, atol=atol, rtol=rtol)
    if not close.all():
        if arr.size > 1 and _is_constant(arr) and not _is_constant(exp):
            raise _constant_feedback(arr, exp, what, differs=True)
        idx = np.unravel_index(np.argmax(~close), arr.shape)
        diff = np.abs(arr - exp).max()
        at = f" at index {tuple(int(i) for i in idx)}" if arr.ndim else ""
        raise Feedback(f"{what} differs from the reference{at}: got {arr[idx]:.6g}, "
                       f"expected {exp[idx]:.6g} (max abs difference {diff:.3g}, "
                       f"{(~close).sum()} of {close.size} entries wrong)")
    return arr


def expect_distribution(value, axis=-1, what="your result", *, reference=None, atol=1e-6):
    """Feedback unless ``value`` holds probability distributions along ``axis``.

    Every entry must be finite and non-negative and every slice along ``axis``
    must sum to 1. With ``reference`` (the right distributions) the shape must
    match, and a uniform answer where the reference is not uniform is feedback.
    Returns the array; compare its values with :func:`expect_close`.
    """
    arr = expect_finite(value, what)
    if arr.ndim == 0:
        raise Feedback(f"{what} is a single number; expected a probability distribution "
                       f"(an array whose entries along axis {axis} sum to 1)")
    if reference is not None:
        exp = np.asarray(reference, dtype="float64")
        if arr.shape != exp.shape:
            raise Feedback(f"{what} has shape {arr.shape}, expected {exp.shape}")
    if arr.min() < -atol:
        idx = tuple(int(i) for i in np.unravel_index(np.argmin(arr), arr.shape))
        raise Feedback(f"{what} has a negative entry ({arr[idx]:.4g} at index {idx}): "
                       "probabilities are never negative")
    sums = arr.sum(axis=axis)
    if not np.allclose(sums, 1.0, atol=max(atol, 1e-9) * arr.shape[axis], rtol=0):
        if not arr.any():
            raise Feedback(f"{what} is all zeros; a probability distribution sums to 1")
        shown = np.round(np.ravel(sums)[:6], 4).tolist()
        raise Feedback(f"{what}: the entries along axis {axis} do not sum to 1 (sums: {shown}"
                       f"{' ...' if np.size(sums) > 6 else ''}); divide by their sum")
    if reference is not None and arr.shape[axis] > 1:
        uniform = np.allclose(arr, 1.0 / arr.shape[axis], atol=atol, rtol=0)
        if uniform and not np.allclose(exp, 1.0 / exp.shape[axis], atol=atol, rtol=0):
            raise Feedback(f"{what} is uniform (every entry is 1/{arr.shape[axis]}), but the "
                           "reference is not: the answer must depend on its input")
    return arr


def expect_equal(value, expected, what="your answer"):
    """Feedback unless ``value == expected`` (exact, for ints, strings, tuples)."""
    if value is None and expected is not None:
        raise _none_feedback(what)
    if isinstance(expected, np.ndarray) or isinstance(value, np.ndarray):
        ok = np.array_equal(np.asarray(value), np.asarray(expected))
    else:
        ok = value == expected
    if not ok:
        raise Feedback(f"{what} is {value!r}, expected {expected!r}")
    return value


def expect_answers(candidate, keys, choices, *, key_name, value_name, choices_name,
                   not_attempted):
    """Common checks of a dict answer ``key -> chosen value`` (matching exercises).

    Feedback unless ``candidate`` is a dict with a value from ``choices`` for
    every key; :class:`NotAttempted` while every key is still ``None``.
    Returns the candidate, for the checker to compare with the right answers.
    """
    if not isinstance(candidate, dict):
        raise Feedback(f"answer with a dict {key_name} -> {value_name}, "
                       f"got {type(candidate).__name__}")
    if all(candidate.get(k) is None for k in keys):
        raise NotAttempted(not_attempted)
    missing = [k for k in keys if candidate.get(k) is None]
    if missing:
        raise Feedback(f"no answer yet for: {missing}")
    bad = [(k, candidate[k]) for k in keys if candidate[k] not in choices]
    if bad:
        k, v = bad[0]
        raise Feedback(f"{v!r} (for {k!r}) is not one of the {choices_name} {list(choices)}")
    return candidate
