"""No checker of chapters 0-5 passes a degenerate answer.

Every registered exercise of chapters 0-5 is fed the answers a reader produces
before the real work is done: a function that returns ``None`` (a missing
``return``), one that returns ``None`` in place of every part of a tuple
answer, all zeros of the right shape, a constant (uniform along the last axis,
so a "distribution" that ignores its input), NaN of the right shape, and one
that raises inside NumPy. None of them may pass; the ``None`` answers must be
asked about a missing ``return``, and the raising one must be shown its own
line, not a line inside NumPy.

Exercises whose answer is a value rather than a function (a dict of choices, a
list of states) get the same six kinds translated explicitly (see
``_value_candidate``). An exercise of chapters 0-5 without a row in ``SPECS``
fails the test: add the row when you add the exercise.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from course_utils.exercises import FAIL, NOT_ATTEMPTED, PASS, REGISTRY, ch00, ch01, ch04, evaluate

CHAPTERS = ("ch00", "ch01", "ch02", "ch03", "ch04", "ch05")
for _chapter in CHAPTERS:
    importlib.import_module(f"course_utils.exercises.{_chapter}")

KINDS = ("returns_none", "none_parts", "zeros", "constant", "nan", "raises_in_numpy")


@dataclass(frozen=True)
class Code:
    """The answer is a function; ``zeros(*args)`` returns an answer of the right
    structure (tuple/list of arrays, array, or number) filled with zeros."""

    zeros: Callable


@dataclass(frozen=True)
class Choices:
    """The answer is a dict ``key -> one of choices`` (matching exercises)."""

    keys: tuple
    choices: tuple


@dataclass(frozen=True)
class States:
    """The answer is a list of ``length`` integers (a path worked out by hand)."""

    length: int


def _split_sizes(series, L, vs):
    return vs - L, len(series) - max(vs, L)


def _z(*shape):
    return np.zeros(shape)


SPECS = {
    "ch00.one_hot": Code(lambda ids, v: _z(*np.shape(ids), v)),
    "ch00.embed": Code(lambda ids, table: _z(*np.shape(ids), np.shape(table)[1])),
    "ch00.pad_and_mask": Code(lambda seqs: (
        _z(len(seqs), max(len(s) for s in seqs), np.shape(seqs[0])[1]),
        _z(len(seqs), max(len(s) for s in seqs)))),
    "ch00.receptive_field": Code(lambda k, dilations: 0),
    "ch00.patterns": Choices(tuple(ch00._PATTERNS), ch00.PATTERN_CHOICES),
    "ch01.hopfield_energy": Code(lambda W, states: _z(len(states))),
    "ch01.jordan_step": Code(lambda x, s, p, mu=0.0: (_z(*np.shape(s)), _z(*np.shape(s)))),
    "ch01.what_changed": Choices(tuple(ch01._MILESTONES), ch01.CHANGES),
    "ch02.forward_log": Code(lambda pi, A, B, x: 0.0),
    "ch02.log_posteriors": Code(lambda pi, A, B, x: _z(len(x), len(pi))),
    "ch02.count_hmm": Code(lambda tags, words, K, V, s=1.0: (_z(K), _z(K, K), _z(K, V))),
    "ch02.stationary": Code(lambda A: _z(len(A))),
    "ch02.viterbi_by_hand": States(4),
    "ch03.grad_W_y": Code(lambda hs, probs, targets: _z(probs.shape[-1], hs.shape[-1])),
    "ch03.softmax_temperature": Code(lambda logits, t: _z(*np.shape(logits))),
    "ch03.clip_by_global_norm": Code(lambda grads, max_norm: [_z(*np.shape(g)) for g in grads]),
    "ch04.lstm_step": Code(lambda x, h, c, *weights: (_z(*np.shape(h)), _z(*np.shape(c)))),
    "ch04.gru_step": Code(lambda x, h, *weights: _z(*np.shape(h))),
    "ch04.count_params": Code(lambda kind, d, u: 0),
    "ch04.keep_memory": Choices(tuple(ch04._KEEP), (0, 1)),
    "ch04.half_life": Code(lambda f: 0.0),
    "ch05.split_windows": Code(lambda series, L, vs: (
        _z(_split_sizes(series, L, vs)[0], L), _z(_split_sizes(series, L, vs)[0]),
        _z(_split_sizes(series, L, vs)[1], L), _z(_split_sizes(series, L, vs)[1]))),
    "ch05.scale_train_only": Code(lambda series, vs: _z(len(series))),
    "ch05.seasonal_naive": Code(lambda x, H, m: _z(len(x), H)),
    "ch05.stateful_layout": Code(lambda series, B, C: (
        _z((len(series) - 1) // (B * C) * B, C), _z((len(series) - 1) // (B * C) * B, C))),
    "ch05.bidirectional_outputs": Code(lambda forward_layer, backward_layer, x: _z(
        np.shape(x)[0], np.shape(x)[1], forward_layer.units + backward_layer.units)),
}


# --------------------------------------------------------------------------- candidates

def _fill(structure, value):
    """``structure`` (zeros) with every array and number replaced by ``value``;
    ``value`` may be a function of the array's shape."""
    if isinstance(structure, (tuple, list)):
        return type(structure)(_fill(part, value) for part in structure)
    if isinstance(structure, np.ndarray):
        return value(structure.shape) if callable(value) else np.full(structure.shape, value)
    return value(()) if callable(value) else value


def _uniform(shape):
    """1 / n along the last axis (a uniform distribution), 1 for a number."""
    return np.full(shape, 1.0 / shape[-1]) if shape else 1


def _nan(shape):
    return np.full(shape, np.nan) if shape else float("nan")


def _none(shape):
    return None


def _raises_in_numpy(*args, **kwargs):
    parts = [np.ones(2), np.ones(3)]
    return np.stack(parts)                  # ValueError inside numpy: shapes differ


_RAISING_SOURCE = "return np.stack(parts)"
_RAISING_LINE = next(inspect.getsourcelines(_raises_in_numpy)[1] + i
                     for i, line in enumerate(inspect.getsourcelines(_raises_in_numpy)[0])
                     if _RAISING_SOURCE in line)


def _code_candidate(spec, kind):
    if kind == "raises_in_numpy":
        return _raises_in_numpy
    if kind == "returns_none":
        def returns_none(*args, **kwargs):
            np.zeros(1)                     # does some work, then forgets to return
        return returns_none
    value = {"none_parts": _none, "zeros": 0, "constant": _uniform, "nan": _nan}[kind]

    def degenerate(*args, **kwargs):
        return _fill(spec.zeros(*args, **kwargs), value)
    return degenerate


def _value_candidate(spec, kind):
    """The six kinds for an answer that is a value, not a function.

    - ``returns_none`` and ``none_parts``: the untouched placeholder (every entry
      None), which must be "not attempted", not a pass;
    - ``zeros`` / ``constant`` / ``nan``: every entry 0, the first choice (1 for
      states), NaN;
    - ``raises_in_numpy``: a function where a value is expected (no code of the
      reader runs, so the feedback must say what to answer with).
    """
    n = len(spec.keys) if isinstance(spec, Choices) else spec.length
    entry = {"returns_none": None, "none_parts": None, "zeros": 0, "nan": float("nan"),
             "constant": spec.choices[0] if isinstance(spec, Choices) else 1}.get(kind)
    if kind == "raises_in_numpy":
        return _raises_in_numpy
    if isinstance(spec, Choices):
        return dict.fromkeys(spec.keys, entry)
    return [entry] * n


def _cases():
    ids = sorted(k for k in REGISTRY if k.split(".", 1)[0] in CHAPTERS)
    return [pytest.param(exercise_id, kind, id=f"{exercise_id}-{kind}")
            for exercise_id in ids for kind in KINDS]


def test_every_exercise_of_chapters_0_to_5_has_a_spec():
    ids = {k for k in REGISTRY if k.split(".", 1)[0] in CHAPTERS}
    assert ids, "no exercises registered for chapters 0-5"
    missing = sorted(ids - set(SPECS))
    assert not missing, f"add a row to SPECS for {missing}"
    assert not sorted(set(SPECS) - ids), "SPECS names exercises that do not exist"


@pytest.mark.parametrize("exercise_id, kind", _cases())
def test_degenerate_answer_does_not_pass(exercise_id, kind):
    spec = SPECS.get(exercise_id)
    assert spec is not None, f"add a row to SPECS for {exercise_id}"
    if isinstance(spec, Code):
        candidate = _code_candidate(spec, kind)
    else:
        candidate = _value_candidate(spec, kind)
    with np.errstate(all="ignore"):
        result = evaluate(exercise_id, candidate)
    assert result.status != PASS, f"{kind} answer passed: {result}"
    if not isinstance(spec, Code):
        if kind in ("returns_none", "none_parts"):
            assert result.status == NOT_ATTEMPTED, result
        else:
            assert result.status == FAIL, result
        if kind == "raises_in_numpy":
            assert "dict" in result.message or "list" in result.message, result.message
        return
    assert result.status == FAIL, result
    if kind in ("zeros", "constant", "nan"):            # the answer has the right shape
        assert "shape" not in result.message, result.message
    if kind in ("returns_none", "none_parts"):
        assert "`return`" in result.message, result.message
    if kind == "returns_none":
        assert "returned None" in result.message, result.message
    if kind == "raises_in_numpy":
        assert result.message.startswith("your code raised ValueError"), result.message
        assert (f"raised inside numpy, called from your function _raises_in_numpy, line "
                f"{_RAISING_LINE} of test_degenerate_answers.py: `{_RAISING_SOURCE}"
                in result.message), result.message
    if kind == "nan":
        assert "nan" in result.message.lower(), result.message
