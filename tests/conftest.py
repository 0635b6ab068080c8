"""Helpers shared by the unit tests (import them: ``from tests.conftest import sigmoid``).

Reference formulas live here once, so that every test compares against the same
NumPy definition.
"""

import keras
import numpy as np


def sigmoid(z):
    """The logistic sigmoid 1 / (1 + exp(-z)) in NumPy."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype="float64")))


def softmax(z, axis=-1):
    """A numerically stable softmax in NumPy."""
    z = np.asarray(z, dtype="float64")
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def to_numpy(tensor):
    """A backend tensor (TensorFlow or JAX) as a NumPy array."""
    return keras.ops.convert_to_numpy(tensor)
