"""The machine facts every benchmark table starts with (shared by the scripts in this folder)."""

import os
import platform

import keras
import numpy as np


def machine_info():
    """Markdown lines: cores, GPU, library versions and the load average when the run started."""
    import tensorflow as tf

    try:
        load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:  # pragma: no cover - not on every OS
        load = "n/a"
    return [
        f"- CPU: {os.cpu_count()} logical cores, {platform.machine()}, {platform.system()}; "
        f"GPU: {'yes' if tf.config.list_physical_devices('GPU') else 'none'}",
        f"- Python {platform.python_version()}, NumPy {np.__version__}, Keras {keras.__version__}, "
        f"TensorFlow {tf.__version__} (backend {keras.backend.backend()})",
        f"- Load average (1/5/15 min) when the run started: {load}",
    ]
