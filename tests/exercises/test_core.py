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


# --- the reader's own line when their code raises -------------------------------------------

def _line_of(function, text):
    """The line number of the first line of ``function`` that contains ``text``."""
    import inspect

    lines, start = inspect.getsourcelines(function)
    return next(start + i for i, line in enumerate(lines) if text in line)


def test_error_inside_numpy_points_at_the_readers_line(square_exercise):
    def stacks(x):
        rows = [x[0], np.ones(3)]
        return np.stack(rows)                   # raises deep inside numpy

    result = ex.evaluate(square_exercise, stacks)
    assert result.status == ex.FAIL
    assert result.message.startswith("your code raised ValueError: all input arrays")
    assert "raised inside numpy" in result.message
    assert (f"called from your function stacks, line {_line_of(stacks, 'np.stack(rows)')} of "
            "test_core.py: `return np.stack(rows)" in result.message)
    assert "shape_base" not in result.message   # no line of numpy's own source


def test_error_inside_keras_points_at_the_readers_line(square_exercise):
    import keras

    def matmul(x):
        return keras.ops.matmul(keras.ops.convert_to_tensor(x), keras.ops.ones((3, 4)))

    result = ex.evaluate(square_exercise, matmul)
    assert result.status == ex.FAIL
    assert result.message.startswith("your code raised")
    assert f"your function matmul, line {_line_of(matmul, 'keras.ops.matmul')}" in result.message
    assert "keras.ops.matmul(keras.ops.convert_to_tensor(x)" in result.message
    assert len(result.message) < 1000           # TensorFlow's long messages are cut


def test_error_in_a_helper_of_the_reader_points_at_the_helper(square_exercise):
    def helper(v):
        return v / 0 if isinstance(v, int) else v[10]

    def outer(x):
        return helper(x)

    result = ex.evaluate(square_exercise, outer)
    assert result.status == ex.FAIL and "IndexError" in result.message
    assert f"(in your function helper, line {_line_of(helper, 'v[10]')} of" in result.message


def test_error_in_a_lambda_names_the_line_of_code():
    def checker(candidate):
        return ex.call(candidate, 1)

    with pytest.raises(ex.Feedback, match=r"ZeroDivisionError: division by zero \(in your code, "
                                          r"line \d+ of test_core.py: `checker\(lambda v: v / 0\)`\)"):
        checker(lambda v: v / 0)


def test_frames_of_libraries_and_course_utils_are_not_the_readers():
    import os

    import course_utils

    assert not core._is_reader_code(np.__file__)
    assert not core._is_reader_code(os.__file__)
    assert not core._is_reader_code(core.__file__)
    assert not core._is_reader_code(course_utils.__file__)
    assert not core._is_reader_code("/usr/local/lib/python3.12/dist-packages/keras/src/ops/nn.py")
    assert not core._is_reader_code("<frozen importlib._bootstrap>")
    assert not core._is_reader_code("<__array_function__ internals>")
    assert core._is_reader_code(__file__)
    assert core._is_reader_code("/tmp/ipykernel_4242/1234567.py")   # a notebook cell
    assert core._is_reader_code("<ipython-input-3-0123456789ab>")
    assert core._library_name(np.__file__) == "numpy"
    assert core._library_name(os.__file__) == "the Python standard library (os.py)"
    assert not core._is_reader_code("/tmp/__autograph_generated_filez1x2.py")
    assert not core._is_reader_code("<string>")     # e.g. the __init__ a dataclass generates


def test_where_names_a_notebook_cell():
    import traceback

    cell = traceback.FrameSummary("/tmp/ipykernel_42/123.py", 7, "one_hot", line="return x")
    assert core._where(cell) == "your function one_hot, line 7 of its cell: `return x`"
    lam = traceback.FrameSummary("<ipython-input-3-ab>", 2, "<lambda>", line="")
    assert core._where(lam) == "your code, line 2 of its cell"


def test_describe_exception_without_a_frame_of_the_reader():
    try:
        np.stack([np.ones(2), np.ones(3)])      # raised from this test file: reader's code
    except ValueError as exc:
        text = core.describe_exception(exc)
    assert "raised inside numpy" in text and "np.stack([np.ones(2), np.ones(3)])" in text
    exc = ValueError("x" * 2000)
    assert core.describe_exception(exc).endswith(" ...")
    assert core.describe_exception(ValueError()) == "your code raised ValueError"


# --- a missing return, None, NaN and malformed answers ---------------------------------------

def test_none_return_asks_for_a_return_before_any_shape_check(square_exercise):
    def forgets_to_return(x):
        x * x

    result = ex.evaluate(square_exercise, forgets_to_return)
    assert result.status == ex.FAIL
    assert result.message.startswith("your function forgets_to_return returned None")
    assert "`return`" in result.message
    assert "shape" not in result.message and "NaN" not in result.message
    assert "your function returned None" in ex.evaluate(square_exercise, lambda x: None).message


def test_a_stub_raising_not_implemented_is_still_not_attempted():
    def stub(x):
        raise NotImplementedError("write me")

    with pytest.raises(ex.NotAttempted):
        ex.call(stub, 1)


def test_to_numpy_rejects_none_and_malformed_answers():
    with pytest.raises(ex.Feedback, match=r"h_t is None: is a `return` missing"):
        ex.to_numpy(None, "h_t")
    with pytest.raises(ex.Feedback, match=r"contains None: is a `return` missing"):
        ex.to_numpy([1.0, None], "y")                 # np.asarray would make it NaN silently
    with pytest.raises(ex.Feedback, match=r"x is ragged \(the shapes of its parts are "
                                          r"\[\(2,\), \(3,\)\]\)"):
        ex.to_numpy([[1, 2], [1, 2, 3]], "x")
    with pytest.raises(ex.Feedback, match="ragged or mixes arrays and numbers"):
        ex.to_numpy(np.array([np.ones(2), np.ones(3)], dtype=object), "x")
    with pytest.raises(ex.Feedback, match="holds strings"):
        ex.to_numpy(["1", "2"])                       # np.asarray(..., float) would parse them
    with pytest.raises(ex.Feedback, match="got the string 'abc'"):
        ex.to_numpy("abc")
    with pytest.raises(ex.Feedback, match="non-zero imaginary part"):
        ex.to_numpy(np.array([1 + 1j, 2]))
    np.testing.assert_array_equal(ex.to_numpy(np.array([1 + 0j, 2])), [1.0, 2.0])
    np.testing.assert_array_equal(ex.to_numpy([True, False]), [1.0, 0.0])
    assert ex.to_numpy(3).shape == ()


def test_to_numpy_accepts_tensors():
    import keras

    arr = ex.to_numpy(keras.ops.ones((2, 3)))
    assert arr.dtype == np.float64 and arr.shape == (2, 3)


def test_finite_checks():
    assert np.isnan(ex.to_numpy([np.nan])).all()      # the default lets a checker handle NaN
    with pytest.raises(ex.Feedback, match=r"y contains NaN, 1 of 3 entries, the first at index "
                                          r"\(1,\)"):
        ex.to_numpy([0.0, np.nan, 1.0], "y", finite=True)
    with pytest.raises(ex.Feedback, match=r"contains \+inf and -inf"):
        ex.expect_finite([np.inf, -np.inf], "z")
    with pytest.raises(ex.Feedback, match=r"^s contains NaN: look for"):
        ex.expect_finite(float("nan"), "s")           # a number has no index
    with pytest.raises(ex.Feedback, match="contains NaN"):
        ex.expect_shape([[np.nan, 1.0]], (1, 2), "x")  # before the shape is compared
    with pytest.raises(ex.Feedback, match="contains NaN"):
        ex.expect_shape([np.nan], (2,), "x")
    assert np.isneginf(ex.expect_shape([-np.inf, 0.0], (2,), "log p", finite=False)[0])
    with pytest.raises(ex.Feedback, match="contains -inf"):
        ex.expect_close([-np.inf, 0.0], [0.0, 0.0])


def test_expect_equal_on_none():
    with pytest.raises(ex.Feedback, match="is None: is a `return` missing"):
        ex.expect_equal(None, 4, "count")
    assert ex.expect_equal(None, None) is None


# --- constant, all-zero and uniform answers -------------------------------------------------

def test_expect_close_names_a_constant_or_zero_answer():
    ref = np.array([[0.5, -1.0], [2.0, 0.0]])
    with pytest.raises(ex.Feedback, match=r"h differs from the reference: it is all zeros, but "
                                          r"the reference varies \(from -1 to 2\)"):
        ex.expect_close(np.zeros((2, 2)), ref, "h")
    with pytest.raises(ex.Feedback, match=r"it is constant \(every entry is 0.75\)"):
        ex.expect_close(np.full((2, 2), 0.75), ref, "h")
    # a constant reference: the usual located message
    with pytest.raises(ex.Feedback, match="differs from the reference at index"):
        ex.expect_close(np.zeros(3), np.ones(3), "h")
    # a single number is never "constant"
    with pytest.raises(ex.Feedback, match="got 0, expected 2"):
        ex.expect_close(0.0, 2.0, "n")
    np.testing.assert_array_equal(ex.expect_close(np.zeros(3), np.zeros(3)), np.zeros(3))


def test_expect_varying():
    ref = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(ex.expect_varying(ref, ref, "x"), ref)
    with pytest.raises(ex.Feedback, match=r"x is all zeros, but the reference varies"):
        ex.expect_varying(np.zeros((2, 2)), ref, "x")
    with pytest.raises(ex.Feedback, match=r"x is constant \(every entry is 3\): did you fill"):
        ex.expect_varying(np.full(4, 3.0), what="x")
    ex.expect_varying(np.ones((2, 2)), np.ones((2, 2)), "x")       # the reference is constant too
    ex.expect_varying([5.0], what="x")                              # one entry cannot vary
    same_rows = np.array([[1.0, 2.0], [1.0, 2.0]])                  # batch ignored
    with pytest.raises(ex.Feedback, match="does not change along axis 0, but the reference does"):
        ex.expect_varying(same_rows, ref, "h", axis=0)
    ex.expect_varying(same_rows, ref, "h", axis=1)
    with pytest.raises(ex.Feedback, match=r"has shape \(4,\), expected \(2, 2\)"):
        ex.expect_varying(np.arange(4.0), ref, "x")
    with pytest.raises(ex.Feedback, match="contains NaN"):
        ex.expect_varying([np.nan, 1.0], what="x")


def test_expect_distribution():
    ref = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    np.testing.assert_allclose(ex.expect_distribution(ref, -1, "p", reference=ref), ref)
    np.testing.assert_allclose(ex.expect_distribution(ref.T, 0, "p"), ref.T)
    with pytest.raises(ex.Feedback, match="p is uniform \\(every entry is 1/3\\), but the "
                                          "reference is not"):
        ex.expect_distribution(np.full((2, 3), 1 / 3), -1, "p", reference=ref)
    ex.expect_distribution(np.full((2, 3), 1 / 3), -1, "p", reference=np.full((2, 3), 1 / 3))
    with pytest.raises(ex.Feedback, match="p is all zeros; a probability distribution sums to 1"):
        ex.expect_distribution(np.zeros((2, 3)), -1, "p")
    with pytest.raises(ex.Feedback, match=r"p: the entries along axis -1 do not sum to 1 "
                                          r"\(sums: \[2.0, 2.0\]\)"):
        ex.expect_distribution(2 * ref, -1, "p")
    with pytest.raises(ex.Feedback, match=r"do not sum to 1.*"):
        ex.expect_distribution(ref, 0, "p")           # normalised along the other axis
    with pytest.raises(ex.Feedback, match=r"negative entry \(-0.2 at index \(0, 1\)\)"):
        ex.expect_distribution([[0.6, -0.2, 0.6]], -1, "p")
    with pytest.raises(ex.Feedback, match="contains NaN"):
        ex.expect_distribution([[np.nan, 1.0]], -1, "p")
    with pytest.raises(ex.Feedback, match="is a single number"):
        ex.expect_distribution(1.0, -1, "p")
    with pytest.raises(ex.Feedback, match=r"has shape \(3,\), expected \(2, 3\)"):
        ex.expect_distribution(ref[0], -1, "p", reference=ref)
