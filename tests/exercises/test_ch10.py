"""Chapter 10 checker: the reference passes, typical mistakes get specific feedback,
an untouched stub is "not attempted"."""

import numpy as np
import pytest

from course_utils.exercises import FAIL, NOT_ATTEMPTED, PASS, evaluate
from course_utils.exercises.ch10 import attention_problem, reference_masked_attention

ID = "ch10.masked_attention"


def _softmax(e, axis=-1):
    e = e - e.max(axis=axis, keepdims=True)
    p = np.exp(e)
    return p / p.sum(axis=axis, keepdims=True)


def attention(Q, K, V, mask, *, scale="sqrt", where="before", fill=-1e9, axis=-1, swap=False):
    s = Q @ np.swapaxes(K, -1, -2)
    s = s / {"sqrt": np.sqrt(Q.shape[-1]), "none": 1.0, "d": Q.shape[-1]}[scale]
    if where == "before":
        w = np.where(mask, _softmax(np.where(mask, s, fill), axis=axis), 0.0)
    elif where == "fill0":
        w = _softmax(np.where(mask, s, 0.0), axis=axis)
    elif where == "after":
        w = np.where(mask, _softmax(s, axis=axis), 0.0)
    else:
        w = _softmax(s, axis=axis)
    out = w @ V
    return (w, out) if swap else (out, w)


def test_reference_and_solution_pass():
    assert evaluate(ID, reference_masked_attention).status == PASS
    assert evaluate(ID, attention).status == PASS


def test_stub_is_not_attempted():
    def stub(*args):
        raise NotImplementedError
    assert evaluate(ID, stub).status == NOT_ATTEMPTED


@pytest.mark.parametrize("kwargs, words", [
    ({"scale": "none"}, "not scaled"),
    ({"scale": "d"}, "1/√d_k"),
    ({"where": "after"}, "after the softmax"),
    ({"where": "after", "scale": "none"}, "two mistakes"),
    ({"where": "fill0"}, "setting the masked scores to 0"),
    ({"where": "none"}, "masked keys get weight"),
    ({"axis": -2}, "over the queries"),
    ({"swap": True}, "(output, weights)"),
])
def test_mistakes_get_specific_feedback(kwargs, words):
    result = evaluate(ID, lambda *a: attention(*a, **kwargs))
    assert result.status == FAIL
    assert words in result.message, result.message


def test_degenerate_answers_fail():
    Q, K, V, mask = attention_problem()
    zeros = (np.zeros((2, 5, 3)), np.zeros((2, 5, 6)))
    assert evaluate(ID, lambda *a: zeros).status == FAIL
    assert evaluate(ID, lambda *a: None).status == FAIL
    uniform = np.where(mask, 1.0, 0.0)
    uniform = uniform / uniform.sum(-1, keepdims=True)
    assert evaluate(ID, lambda *a: (uniform @ V, uniform)).status == FAIL


def test_problem_needs_the_scale():
    """The unscaled weights differ clearly from the scaled ones (the check can tell them apart)."""
    Q, K, V, mask = attention_problem()
    _, w = reference_masked_attention(Q, K, V, mask)
    _, w_raw = attention(Q, K, V, mask, scale="none")
    assert np.abs(w - w_raw).max() > 0.1
