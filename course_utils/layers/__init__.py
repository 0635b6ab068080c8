"""Custom Keras 3 layers of the course, written with ``keras.ops`` only.

Every layer has a docstring with its equations and source paper, validates its
arguments, returns every constructor argument from ``get_config()`` and is
registered with ``@keras.saving.register_keras_serializable(package="course_utils")``
so that a model using it saves to ``.keras`` and loads back in safe mode.
"""

from .attention import (  # noqa: F401  (chapters 9, 10)  # noqa: F401  (chapter 10)  # noqa: F401  (chapter 10)
    BahdanauAttention,
    LuongAttention,
    MultiHeadAttention,
    SinusoidalPositionalEncoding,
    causal_mask,
    scaled_dot_product_attention,
    sinusoidal_encoding,
)
from .clockwork import ClockworkCell, clockwork_mask, exponential_periods  # noqa: F401  (chapter 7)
from .elman import ElmanCell, JordanCell  # noqa: F401  (chapter 1)
from .gru import GRUCell  # noqa: F401  (chapter 4)
from .lstm import LSTMCell  # noqa: F401  (chapter 4)
from .reservoir import ReservoirCell  # noqa: F401  (chapter 6)
from .transformer import TransformerDecoderBlock, TransformerEncoderBlock  # noqa: F401  (chapter 10)
