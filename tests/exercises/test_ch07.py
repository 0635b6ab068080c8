"""Chapter 7 checkers: the reference passes, the usual wrong masks and parameter counts get
specific feedback, untouched stubs are "not attempted"."""

import numpy as np
import pytest

from course_utils.exercises import FAIL, NOT_ATTEMPTED, PASS, evaluate, get_exercise
from course_utils.layers import ClockworkCell, clockwork_mask


def _stub(*args):
    raise NotImplementedError


def block_mask(units, n_modules):
    module = np.arange(units) // (units // n_modules)
    return (module[:, None] >= module[None, :]).astype(float)


def count_params(d, n, g, use_bias=True):
    k = n // g
    return d * n + k * k * g * (g + 1) // 2 + (n if use_bias else 0)


def _kron(units, g):
    k = units // g
    return np.kron(np.eye(g), np.ones((k, k)))


CASES = [
    ("ch07.block_mask", block_mask, PASS, "slower modules feed faster"),
    ("ch07.block_mask", lambda n, g: block_mask(n, g).T, FAIL,
     "your mask is transposed: it lets fast modules feed slow ones"),
    ("ch07.block_mask", lambda n, g: np.tril(np.ones((n, n))), FAIL,
     "triangular over single units, not over modules"),
    ("ch07.block_mask", lambda n, g: np.triu(np.ones((n, n))), FAIL, "triangular over single units"),
    ("ch07.block_mask", _kron, FAIL, "block-diagonal: the modules never exchange information"),
    ("ch07.block_mask", lambda n, g: np.ones((n, n)), FAIL, "connects everything"),
    ("ch07.block_mask", lambda n, g: np.zeros((n, n)), FAIL, "should be all 1s"),
    ("ch07.block_mask", lambda n, g: 1 - block_mask(n, g), FAIL, "complement"),
    ("ch07.block_mask", lambda n, g: block_mask(n, g)[:-1], FAIL, "should have shape"),
    ("ch07.block_mask", lambda n, g: block_mask(8, 4), FAIL, "should have shape (units, units)"),
    ("ch07.block_mask", lambda n, g: None, FAIL, "return"),
    ("ch07.block_mask", _stub, NOT_ATTEMPTED, "NotImplementedError"),
    ("ch07.count_params", count_params, PASS, "k^2 g(g+1)/2"),
    ("ch07.count_params", lambda d, n, g, b=True: d * n + n * n + (n if b else 0), FAIL,
     "full n x n recurrent matrix"),
    ("ch07.count_params", lambda d, n, g, b=True: (n // g) ** 2 * g * (g + 1) // 2, FAIL,
     "recurrent part only"),
    ("ch07.count_params", lambda d, n, g, b=True: d * n + (n // g) ** 2 * g * (g - 1) // 2
     + (n if b else 0), FAIL, "blocks inside each module"),
    ("ch07.count_params", lambda d, n, g, b=True: d * n + (n // g) ** 2 * g * (g + 1) // 2, FAIL,
     "forgot the biases"),
    ("ch07.count_params", lambda d, n, g, b=True: d * (n // g) + (n // g) ** 2 * g * (g + 1) // 2
     + (n if b else 0), FAIL, "input_dim x units, not input_dim x k"),
    ("ch07.count_params", lambda d, n, g, b=True: d * n + n * (n + 1) // 2 + (n if b else 0), FAIL,
     "triangle of single units"),
    ("ch07.count_params", lambda d, n, g, b=True: d * n + (n // g) ** 2 * g * (g + 1) // 2 + n, FAIL,
     "use_bias=False"),
    ("ch07.count_params", lambda d, n, g, b=True: str(count_params(d, n, g, b)), FAIL,
     "should be an int"),
    ("ch07.count_params", lambda d, n, g, b=True: float(count_params(d, n, g, b)), PASS, ""),
    ("ch07.count_params", _stub, NOT_ATTEMPTED, "NotImplementedError"),
]


@pytest.mark.parametrize("exercise_id, candidate, status, phrase", CASES)
def test_checker_verdicts(exercise_id, candidate, status, phrase):
    result = evaluate(exercise_id, candidate)
    assert result.status == status, result
    assert phrase in result.message, result


def test_references_agree_with_the_layer():
    for units, g in ((8, 4), (256, 4), (12, 3)):
        np.testing.assert_array_equal(block_mask(units, g), clockwork_mask(units, g))
    for d, n, periods in ((3, 256, (1, 2, 4, 8)), (1, 32, tuple(2 ** i for i in range(8)))):
        cell = ClockworkCell(n, periods=periods)
        cell.build((None, d))
        assert cell.count_effective_params() == count_params(d, n, len(periods))


def test_every_exercise_has_a_hint_that_does_not_give_the_answer():
    for exercise_id in ("ch07.block_mask", "ch07.count_params"):
        text = get_exercise(exercise_id).hint
        assert len(text) > 40
        assert "g + 1" not in text and ">=" not in text
