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
"""

from __future__ import annotations

import importlib
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

def call(candidate, *args, **kwargs):
    """Call the reader's function; turn its exceptions into feedback.

    ``NotImplementedError`` means the stub is untouched. Any other exception
    becomes feedback naming the exception and the line of the reader's code
    that raised it.
    """
    if not callable(candidate):
        raise Feedback(f"expected a function, got {type(candidate).__name__}")
    try:
        return candidate(*args, **kwargs)
    except NotImplementedError:
        raise NotAttempted("the stub still raises NotImplementedError: write your code in its "
                           "place, then re-run the cell") from None
    except Exception as exc:
        frames = traceback.extract_tb(exc.__traceback__)
        where = f" (at line {frames[-1].lineno}: {frames[-1].line})" if frames else ""
        raise Feedback(f"your code raised {type(exc).__name__}: {exc}{where}") from None


def to_numpy(value, what="your result"):
    """Convert a tensor or array-like to a float64 NumPy array, or give feedback."""
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    try:
        arr = np.asarray(value, dtype="float64")
    except (TypeError, ValueError):
        raise Feedback(f"{what} should be numeric array-like, got {type(value).__name__}") from None
    return arr


def expect_shape(value, shape, what="your result"):
    """Feedback unless ``value`` has ``shape`` (``None`` entries match anything)."""
    arr = to_numpy(value, what)
    if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
        want = tuple("any" if s is None else s for s in shape)
        raise Feedback(f"{what} has shape {arr.shape}, expected {want}")
    return arr


def expect_close(value, expected, what="your result", *, atol=1e-5, rtol=1e-5):
    """Feedback unless ``value`` is elementwise close to ``expected``; says where it differs."""
    arr = to_numpy(value, what)
    exp = np.asarray(expected, dtype="float64")
    if arr.shape != exp.shape:
        raise Feedback(f"{what} has shape {arr.shape}, expected {exp.shape}")
    if not np.all(np.isfinite(arr)):
        raise Feedback(f"{what} contains NaN or infinity")
    close = np.isclose(arr, exp, atol=atol, rtol=rtol)
    if not close.all():
        idx = np.unravel_index(np.argmax(~close), arr.shape)
        diff = np.abs(arr - exp).max()
        at = f" at index {tuple(int(i) for i in idx)}" if arr.ndim else ""
        raise Feedback(f"{what} differs from the reference{at}: got {arr[idx]:.6g}, "
                       f"expected {exp[idx]:.6g} (max abs difference {diff:.3g}, "
                       f"{(~close).sum()} of {close.size} entries wrong)")
    return arr


def expect_equal(value, expected, what="your answer"):
    """Feedback unless ``value == expected`` (exact, for ints, strings, tuples)."""
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
