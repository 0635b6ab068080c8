"""Self-checking exercises. See :mod:`course_utils.exercises.core`.

Each chapter's checkers live in ``chNN.py`` and are imported on first use, so
``check("ch04.lstm_step", my_function)`` works without importing anything else.
"""

from .core import (
                   FAIL,
                   NOT_ATTEMPTED,
                   PASS,
                   REGISTRY,
                   Exercise,
                   ExerciseFailure,
                   Feedback,
                   NotAttempted,
                   Result,
                   call,
                   check,
                   evaluate,
                   exercise,
                   expect_answers,
                   expect_close,
                   expect_distribution,
                   expect_equal,
                   expect_finite,
                   expect_shape,
                   expect_varying,
                   get_exercise,
                   hint,
                   set_strict,
                   to_numpy,
)

__all__ = ["check", "hint", "evaluate", "set_strict", "exercise", "call", "expect_answers", "expect_close",
           "expect_distribution", "expect_equal",
           "expect_finite", "expect_shape", "expect_varying", "to_numpy", "get_exercise", "Feedback",
           "NotAttempted", "ExerciseFailure", "Result", "Exercise", "REGISTRY", "PASS",
           "FAIL", "NOT_ATTEMPTED"]
