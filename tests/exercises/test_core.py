"""The self-check framework: pass, specific feedback, not attempted, strict mode."""

import numpy as np
import pytest

from course_utils import exercises as ex
from course_utils.exercises import core


@pytest.fixture
def square_exercise():
    @ex.exercise("test.square", "square every element")
    def _(candidate):
        x = np.array([[1.0, -2.0], [3.0, 0.5]])
        got = ex.call(candidate, x)
        ex.expect_shape(got, (2, 2), "square(x)")
        ex.expect_close(got, x**2, "square(x)")
        return "elementwise square"

    yield "test.square"
    core.REGISTRY.pop("test.square")
    ex.set_strict(False)


def test_correct_candidate_passes(square_exercise, capsys):
    assert ex.check(square_exercise, lambda x: x * x) is None  # prints, shows once in Jupyter
    assert "[pass] test.square: elementwise square" in capsys.readouterr().out
    result = ex.evaluate(square_exercise, lambda x: x * x)
    assert result.passed and result.status == ex.PASS


def test_untouched_stub_is_not_attempted_and_does_not_raise(square_exercise, capsys):
    def stub(x):
        raise NotImplementedError

    ex.check(square_exercise, stub)  # does not raise outside strict mode
    assert "[not attempted yet] test.square" in capsys.readouterr().out
    assert ex.evaluate(square_exercise, stub).status == ex.NOT_ATTEMPTED
    assert ex.evaluate(square_exercise, None).status == ex.NOT_ATTEMPTED
    assert ex.evaluate(square_exercise, ...).status == ex.NOT_ATTEMPTED


def test_wrong_values_get_located_feedback(square_exercise):
    result = ex.evaluate(square_exercise, lambda x: np.abs(x) * x)  # sign lost for x < 0
    assert result.status == ex.FAIL
    assert "differs from the reference at index (0, 1)" in result.message
    assert "got -4, expected 4" in result.message and "1 of 4 entries wrong" in result.message


def test_wrong_shape_gets_shape_feedback(square_exercise):
    result = ex.evaluate(square_exercise, lambda x: (x**2).ravel())
    assert result.status == ex.FAIL
    assert result.message == "square(x) has shape (4,), expected (2, 2)"


def test_exception_in_candidate_becomes_feedback_with_line(square_exercise):
    def broken(x):
        return x @ np.ones(3)

    result = ex.evaluate(square_exercise, broken)
    assert result.status == ex.FAIL
    assert result.message.startswith("your code raised ValueError")
    assert "x @ np.ones(3)" in result.message


def test_non_function_candidate(square_exercise):
    result = ex.evaluate(square_exercise, 42)
    assert result.status == ex.FAIL and "expected a function, got int" in result.message


def test_strict_mode_raises_on_failure_and_not_attempted(square_exercise):
    with pytest.raises(ex.ExerciseFailure, match="try again"):
        ex.check(square_exercise, lambda x: x, strict=True)
    ex.set_strict(True)
    with pytest.raises(ex.ExerciseFailure, match="not attempted yet"):
        ex.check(square_exercise, None)
    ex.check(square_exercise, np.square)  # a pass does not raise


def test_unknown_exercise_ids():
    with pytest.raises(ValueError, match="must look like"):
        ex.check("nodot", None)
    with pytest.raises(ValueError, match="unknown exercise 'ch00.nope'"):
        ex.check("ch00.nope", None)
    with pytest.raises(ValueError, match="unknown exercise 'ch99.x'"):
        ex.check("ch99.x", None)


def test_expect_equal_and_to_numpy():
    assert ex.expect_equal((1, 2), (1, 2)) == (1, 2)
    with pytest.raises(ex.Feedback, match="your answer is 3, expected 4"):
        ex.expect_equal(3, 4)
    with pytest.raises(ex.Feedback, match="should be numeric"):
        ex.to_numpy({"a": 1})
    with pytest.raises(ex.Feedback, match="NaN"):
        ex.expect_close([np.nan], [1.0])


def test_every_registered_chapter_exercise_has_a_title():
    import importlib
    import pkgutil

    import course_utils.exercises as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name.startswith("ch"):
            importlib.import_module(f"course_utils.exercises.{mod.name}")
    chapter_ids = [k for k in core.REGISTRY if k.startswith("ch")]
    assert chapter_ids
    for k in chapter_ids:
        assert core.REGISTRY[k].title.strip()


def test_expect_answers_for_matching_exercises():
    keys, choices = ("a", "b"), ("x", "y")
    kwargs = dict(key_name="item", value_name="label", choices_name="labels",
                  not_attempted="fill in every item")
    assert ex.expect_answers({"a": "x", "b": "y"}, keys, choices, **kwargs) == {"a": "x", "b": "y"}
    with pytest.raises(ex.NotAttempted, match="fill in every item"):
        ex.expect_answers({"a": None, "b": None}, keys, choices, **kwargs)
    with pytest.raises(ex.Feedback, match=r"no answer yet for: \['b'\]"):
        ex.expect_answers({"a": "x"}, keys, choices, **kwargs)
    with pytest.raises(ex.Feedback, match=r"'z' \(for 'b'\) is not one of the labels"):
        ex.expect_answers({"a": "x", "b": "z"}, keys, choices, **kwargs)
    with pytest.raises(ex.Feedback, match="answer with a dict item -> label, got list"):
        ex.expect_answers(["x"], keys, choices, **kwargs)
