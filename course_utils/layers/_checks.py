"""Argument checks shared by the recurrent cells of ``course_utils.layers``.

They turn a bad constructor argument or input shape into a ``ValueError`` that
names the argument, the value received and what was expected.
"""

from __future__ import annotations

from keras import activations, initializers


def _activation(value, name):
    try:
        return activations.get(value)
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be the name of a Keras activation (e.g. 'tanh', "
                         f"'sigmoid', 'relu', 'linear'), a callable or None, got {value!r}"
                         ) from None


def _initializer(value, name):
    try:
        init = initializers.get(value)
    except (ValueError, TypeError):
        init = None
    if init is None:
        raise ValueError(f"{name} must be the name of a Keras initializer (e.g. "
                         f"'glorot_uniform', 'orthogonal', 'zeros'), an Initializer or a "
                         f"config dict, got {value!r}")
    return init


def _check_bool(value, name):
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return value


def _input_dim(input_shape, layer):
    shape = tuple(input_shape) if input_shape is not None else ()
    if len(shape) < 2 or shape[-1] is None:
        raise ValueError(f"{layer} needs inputs of shape (batch, features) with a known number "
                         f"of input features; got input shape {shape}. Wrap the cell in "
                         f"keras.layers.RNN to run it over (batch, time, features) sequences")
    return int(shape[-1])


def _check_state(state, units, name, layer):
    size = state.shape[-1] if state.shape is not None and len(state.shape) else None
    if size is not None and size != units:
        raise ValueError(f"{layer}: the state {name} must have shape (batch, {units}) "
                         f"(units={units}), got {tuple(state.shape)}")
