"""Chapter 9 checker: the reference passes, typical mistakes get specific feedback,
an untouched stub is "not attempted"."""

import numpy as np
import pytest

from course_utils.exercises import FAIL, NOT_ATTEMPTED, PASS, evaluate
from course_utils.exercises.ch09 import additive_problem, reference_additive_attention

ID = "ch09.additive_attention"


def _softmax(e, axis=-1):
    e = e - e.max(axis=axis, keepdims=True)
    p = np.exp(e)
    return p / p.sum(axis=axis, keepdims=True)


def attention(s, H, Wk, Uk, v, mask, *, use_mask=True, axis=-1, tanh=True, fill=-1e9,
              after=False, context_of="H", swap=False):
    pre = (s @ Wk)[:, None, :] + H @ Uk
    e = (np.tanh(pre) if tanh else pre) @ v
    if use_mask and not after:
        e = np.where(mask, e, fill)
    alpha = _softmax(e, axis=axis)
    if use_mask and (after or fill == -1e9):
        alpha = np.where(mask, alpha, 0.0)
    values = {"H": H, "keys": H @ Uk}[context_of]
    context = np.einsum("bs,bsd->bd", alpha, values)
    return (alpha, context) if swap else (context, alpha)


def _stub(*args):
    raise NotImplementedError


def test_reference_and_solution_pass():
    assert evaluate(ID, reference_additive_attention).status == PASS
    assert evaluate(ID, attention).status == PASS


def test_stub_is_not_attempted():
    assert evaluate(ID, _stub).status == NOT_ATTEMPTED


@pytest.mark.parametrize("kwargs, words", [
    ({"use_mask": False}, "apply the mask"),
    ({"fill": 0.0}, "setting the masked scores to 0"),
    ({"after": True}, "after the softmax"),
    ({"axis": 0}, "batch axis"),
    ({"axis": 0, "use_mask": False}, "batch axis"),
    ({"tanh": False}, "tanh"),
    ({"context_of": "keys"}, "projected keys"),
    ({"swap": True}, "(context, alpha)"),
])
def test_mistakes_get_specific_feedback(kwargs, words):
    result = evaluate(ID, lambda *a: attention(*a, **kwargs))
    assert result.status == FAIL
    assert words in result.message, result.message


def test_other_wrong_answers_fail():
    def rewritten(s, H, Wk, Uk, v, mask):
        return attention(s, H, Wk.T.T, Uk, v, mask)  # a correct answer written differently
    assert evaluate(ID, rewritten).status == PASS

    def mean_context(s, H, Wk, Uk, v, mask):
        _, alpha = attention(s, H, Wk, Uk, v, mask)
        return H.mean(axis=1), alpha
    assert evaluate(ID, mean_context).status == FAIL

    def no_return(s, H, Wk, Uk, v, mask):
        attention(s, H, Wk, Uk, v, mask)
    assert "return" in evaluate(ID, no_return).message

    def zeros(s, H, Wk, Uk, v, mask):
        return np.zeros((3, 6)), np.zeros((3, 7))
    assert evaluate(ID, zeros).status == FAIL

    def wrong_kernel(s, H, Wk, Uk, v, mask):
        return attention(s, H, Wk.T, Uk, v, mask)
    assert evaluate(ID, wrong_kernel).status == FAIL


def test_problem_is_deterministic_and_has_padding():
    a, b = additive_problem(), additive_problem()
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert (~a[-1]).sum() > 0
