"""Custom Keras 3 layers of the course, written with ``keras.ops`` only.

Every layer has a docstring with its equations and source paper, validates its
arguments, returns every constructor argument from ``get_config()`` and is
registered with ``@keras.saving.register_keras_serializable(package="course_utils")``
so that a model using it saves to ``.keras`` and loads back in safe mode.
"""

from .elman import ElmanCell, JordanCell  # noqa: F401  (chapter 1)
from .gru import GRUCell  # noqa: F401  (chapter 4)
from .lstm import LSTMCell  # noqa: F401  (chapter 4)
