"""Argument checks that turn bad input into a clear ``ValueError``.

Every public function and layer of ``course_utils`` validates its arguments
with these helpers, so that a mistake is reported in the reader's terms (the
argument's name, the value received, what was expected) instead of as a shape
error from deep inside NumPy or TensorFlow.
"""

from __future__ import annotations

import numbers

import numpy as np


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_int(value, name, *, minimum=None, maximum=None):
    """Return ``value`` as an int, or raise if it is not an integer in range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an int, got {_describe(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_positive_int(value, name):
    """Return ``value`` if it is an int >= 1."""
    return check_int(value, name, minimum=1)


def check_float(value, name, *, minimum=None, maximum=None, min_inclusive=True,
                max_inclusive=True):
    """Return ``value`` as a float, or raise if it is not a real number in range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {_describe(value)}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if minimum is not None and (value < minimum or (not min_inclusive and value == minimum)):
        op = ">=" if min_inclusive else ">"
        raise ValueError(f"{name} must be {op} {minimum}, got {value}")
    if maximum is not None and (value > maximum or (not max_inclusive and value == maximum)):
        op = "<=" if max_inclusive else "<"
        raise ValueError(f"{name} must be {op} {maximum}, got {value}")
    return value


def check_choice(value, name, choices):
    """Return ``value`` if it is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(map(str, choices))}, got {value!r}")
    return value


def check_array(value, name, *, ndim=None, shape=None, dtype=None, finite=True):
    """Convert ``value`` to a NumPy array and check its rank and shape.

    Args:
        ndim: required number of dimensions (int or tuple of allowed ints).
        shape: required shape; ``None`` entries match any size.
        dtype: dtype to convert to (e.g. ``float`` or ``int``).
        finite: for float arrays, reject NaN and infinity.
    """
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be array-like of {dtype or 'numbers'}, "
                        f"got {_describe(value)} ({exc})") from None
    if arr.dtype == object:
        raise ValueError(f"{name} must be a numeric array, got {_describe(value)} "
                        "(ragged or non-numeric entries)")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(a) for a in allowed)
            raise ValueError(f"{name} must have {want} dimensions, got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if finite and np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def check_stochastic(matrix, name, *, axis=-1, atol=1e-6):
    """Check that ``matrix`` is non-negative and sums to 1 along ``axis``."""
    arr = check_array(matrix, name, dtype=float)
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative, got a minimum of {arr.min():.3g}")
    sums = arr.sum(axis=axis)
    if not np.allclose(sums, 1.0, atol=atol):
        bad = np.flatnonzero(~np.isclose(sums.ravel(), 1.0, atol=atol))
        raise ValueError(f"{name} must sum to 1 along axis {axis}; entries {bad[:5].tolist()} "
                         f"sum to {np.round(sums.ravel()[bad[:5]], 6).tolist()}")
    return arr


def check_bool(value, name):
    """Return ``value`` as a Python bool if it is ``True``/``False`` (NumPy bools included)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ValueError(f"{name} must be True or False, got {_describe(value)}")


def check_activation(value, name):
    """Return the Keras activation function named or given by ``value``."""
    from keras import activations

    try:
        return activations.get(value)
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be the name of a Keras activation (e.g. 'tanh', "
                         f"'sigmoid', 'relu', 'linear'), a callable or None, got {value!r}"
                         ) from None


def check_initializer(value, name):
    """Return the Keras initializer named or given by ``value``."""
    from keras import initializers

    try:
        init = initializers.get(value)
    except (ValueError, TypeError):
        init = None
    if init is None:
        raise ValueError(f"{name} must be the name of a Keras initializer (e.g. "
                         f"'glorot_uniform', 'orthogonal', 'zeros'), an Initializer or a "
                         f"config dict, got {value!r}")
    return init


def _static_shape(tensor):
    shape = getattr(tensor, "shape", None)
    return tuple(shape) if shape is not None else None


def check_cell_input_shape(input_shape, layer):
    """The number of input features a recurrent cell is built for.

    ``input_shape`` is what ``keras.layers.RNN`` passes to the cell's ``build``:
    ``(batch, features)``. Raises a ``ValueError`` naming ``layer`` if the rank is
    wrong or the number of features is unknown.
    """
    shape = tuple(input_shape) if input_shape is not None else ()
    if len(shape) != 2 or shape[-1] is None:
        raise ValueError(f"{layer} is built for one time step of shape (batch, features) with a "
                         f"known number of features, got an input shape of {shape}. Wrap the cell "
                         f"in keras.layers.RNN and give the RNN sequences of shape "
                         f"(batch, time, features)")
    return int(shape[-1])


def check_cell_step(layer, inputs, states, *, input_dim, state_sizes, state_names):
    """Check one step's inputs and states against what a cell was built for.

    Args:
        layer: the cell's name, for the message.
        inputs: the step's input, expected shape ``(batch, input_dim)``.
        states: the list of state tensors, expected shapes ``(batch, size)``.
        input_dim: the number of features the cell was built for.
        state_sizes: the expected width of each state.
        state_names: a name for each state (``"h_{t-1}"``, ``"c_{t-1}"``).

    Sizes that are unknown while tracing (``None``) are not compared.
    """
    shape = _static_shape(inputs)
    if shape is not None and len(shape) != 2:
        raise ValueError(f"{layer}: one step's input must have shape (batch, {input_dim}), got "
                         f"{shape}. Run the cell through keras.layers.RNN on sequences of shape "
                         f"(batch, time, {input_dim})")
    if shape is not None and shape[-1] is not None and shape[-1] != input_dim:
        raise ValueError(f"{layer} was built for inputs with {input_dim} features, got inputs "
                         f"with {shape[-1]} features (one step's shape {shape}); expected "
                         f"(batch, {input_dim})")
    if len(states) != len(state_sizes):
        raise ValueError(f"{layer} expects {len(state_sizes)} state tensor(s) "
                         f"({', '.join(state_names)}), got {len(states)}")
    batch = shape[0] if shape is not None else None
    for state, size, name in zip(states, state_sizes, state_names):
        st = _static_shape(state)
        if st is None:
            continue
        if len(st) != 2 or (st[-1] is not None and st[-1] != size):
            raise ValueError(f"{layer}: the state {name} must have shape (batch, {size}), got {st}")
        if batch is not None and st[0] is not None and st[0] != batch:
            raise ValueError(f"{layer}: the state {name} has batch size {st[0]} but the input has "
                             f"batch size {batch}; an initial state needs one row per sequence, "
                             f"shape ({batch}, {size})")


def rng_from(seed, name="seed"):
    """A ``np.random.Generator`` from an int seed (or pass a Generator through)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(check_int(seed, name, minimum=0))


__all__ = ["check_int", "check_positive_int", "check_float", "check_choice", "check_array",
           "check_stochastic", "check_bool", "check_activation", "check_initializer", "check_cell_input_shape",
           "check_cell_step", "rng_from"]
