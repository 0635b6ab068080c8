"""course_utils.validation: every bad argument gets a ValueError naming it."""

import numpy as np
import pytest

from course_utils import validation as v


@pytest.mark.parametrize("call, message", [
    (lambda: v.check_int(2.0, "units"), r"units must be an int, got 2.0"),
    (lambda: v.check_int(True, "units"), r"units must be an int, got True"),
    (lambda: v.check_int(0, "units", minimum=1), r"units must be >= 1, got 0"),
    (lambda: v.check_int(9, "k", maximum=8), r"k must be <= 8, got 9"),
    (lambda: v.check_float("a", "rate"), r"rate must be a number, got 'a'"),
    (lambda: v.check_float(float("nan"), "rate"), r"rate must be finite"),
    (lambda: v.check_float(0.0, "rate", minimum=0.0, min_inclusive=False), r"rate must be > 0.0"),
    (lambda: v.check_choice("x", "mode", ("a", "b")), r"mode must be one of \['a', 'b'\], got 'x'"),
    (lambda: v.check_array([[1, 2]], "x", ndim=3), r"x must have 3 dimensions, got shape \(1, 2\)"),
    (lambda: v.check_array(np.ones((2, 3)), "W", shape=(2, 4)), r"W must have shape \(2, 4\), got \(2, 3\)"),
    (lambda: v.check_array([1.0, np.inf], "x"), r"x contains NaN or infinite"),
    (lambda: v.check_array([[1], [1, 2]], "x"), r"x must be"),
    (lambda: v.check_stochastic([[0.5, 0.6]], "A"), r"A must sum to 1 along axis -1; entries \[0\] sum to \[1.1\]"),
    (lambda: v.check_stochastic([[1.5, -0.5]], "A"), r"A must be non-negative"),
    (lambda: v.rng_from(-3), r"seed must be >= 0, got -3"),
])
def test_messages_name_argument_value_and_expectation(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_valid_values_pass_through():
    assert v.check_int(np.int64(3), "n") == 3
    assert v.check_float(1, "x") == 1.0
    assert v.check_array([[1, 2]], "x", shape=(None, 2)).shape == (1, 2)
    assert v.check_stochastic([[0.25, 0.75]], "A").sum() == 1.0
    rng = np.random.default_rng(0)
    assert v.rng_from(rng) is rng
