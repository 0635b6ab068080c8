"""The first cell of every notebook: ``course_utils.setup()``.

It quiets TensorFlow (before TensorFlow is imported), seeds Python, NumPy and
the Keras backend, turns on deterministic ops (on a CPU) and full float32
precision (no TensorFloat-32 on recent GPUs), sets the course's plot style,
and prints the library versions and the device in use. In Colab it first
installs the reference libraries the course compares against if they are
missing, leaving Colab's own TensorFlow and Keras alone. Calling it again is
harmless: it re-seeds and prints the same report.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import platform
import subprocess
import sys
import warnings
from dataclasses import dataclass

# Libraries the course needs that Colab does not ship: (import name, pip name).
COLAB_EXTRAS = (
    ("hmmlearn", "hmmlearn>=0.3.3"),
    ("reservoirpy", "reservoirpy>=0.4.2"),
    ("vega_datasets", "vega_datasets>=0.9.0"),
    ("arch", "arch>=7.0"),
    ("names", "names>=0.3.0"),
)


#: The environment TensorFlow must see before it is imported: no C++ log lines (they
#: would make stored notebook outputs differ between runs), no oneDNN custom ops
#: (their float rounding differs by machine), and Keras on TensorFlow unless the
#: reader chose another backend. The one place the course sets them.
TF_ENVIRONMENT = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "KERAS_BACKEND": "tensorflow",
}


def set_tensorflow_environment() -> None:
    """Set :data:`TF_ENVIRONMENT` (keeping any value the reader set already)."""
    for name, value in TF_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


@dataclass(frozen=True)
class SetupInfo:
    """What :func:`setup` found: library versions and the compute device."""

    python: str
    numpy: str
    keras: str
    backend: str
    backend_version: str
    device: str
    gpu: bool
    seed: int

    def lines(self):
        return [
            f"Python {self.python} | NumPy {self.numpy} | Keras {self.keras} | "
            f"{self.backend} {self.backend_version}",
            f"Device: {self.device} | seed {self.seed}",
        ]


def in_colab() -> bool:
    """True when running inside Google Colab."""
    return "google.colab" in sys.modules


def quiet_tensorflow() -> None:
    """Silence TensorFlow's C++ and Python logging.

    The environment variables only work if they are set before TensorFlow is
    imported; importing ``course_utils`` sets them too, so they are in place
    as long as ``import course_utils`` comes first.
    """
    set_tensorflow_environment()
    for name in ("tensorflow", "absl", "h5py"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message=".*np.object.*", category=FutureWarning)
    warnings.filterwarnings("ignore", module="google.protobuf")


def install_colab_extras(packages=COLAB_EXTRAS) -> list[str]:
    """pip-install the reference libraries that are missing (Colab only).

    TensorFlow and Keras are never installed or upgraded here.
    Returns the pip requirements that were installed.
    """
    missing = [spec for mod, spec in packages if importlib.util.find_spec(mod) is None]
    if missing:
        print("Installing for this Colab session:", ", ".join(missing))
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)
        importlib.invalidate_caches()
    return missing


def _import_keras():
    try:
        import keras
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise ImportError(
            "Keras is not installed. From the top of the course run `make lab` "
            "(or `pip install -e '.[tf]'`) to install Keras and TensorFlow."
        ) from exc
    return keras


def device_description():
    """(text, gpu_used) for the device Keras will run on."""
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    cores = os.cpu_count() or 1
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            names = []
            for gpu in gpus:
                details = tf.config.experimental.get_device_details(gpu)
                names.append(details.get("device_name", gpu.name))
            return "GPU (" + ", ".join(names) + ")", True
    return f"CPU ({cores} cores, {platform.machine()}), no GPU", False


def setup(seed: int = 0, *, deterministic="auto", style: bool = True,
          verbose: bool = True, colab_install: bool = True) -> SetupInfo:
    """Prepare a notebook: quiet logs, seeds, plot style, version report.

    Args:
        seed: seed for Python's ``random``, NumPy and the Keras backend.
        deterministic: ask TensorFlow for deterministic ops, so that a re-run
            gives the same numbers on the same machine. ``"auto"`` (default)
            does so on a CPU only: on a GPU, a few TensorFlow ops have no
            deterministic kernel and would raise, and the course's asserts do
            not depend on bitwise repeatability. ``True`` forces it anyway.
        style: apply the course's matplotlib style.
        verbose: print versions and the device.
        colab_install: in Colab, install the reference libraries if missing.

    Returns:
        A :class:`SetupInfo` with the versions and the device.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if deterministic not in (True, False, "auto"):
        raise ValueError(f"deterministic must be True, False or 'auto', got {deterministic!r}")
    quiet_tensorflow()
    if colab_install and in_colab():
        install_colab_extras()
    keras = _import_keras()
    import numpy as np

    keras.utils.set_random_seed(seed)
    backend = keras.backend.backend()
    backend_version = "?"
    device, gpu = device_description()
    if backend == "tensorflow":
        import tensorflow as tf

        backend_version = tf.__version__
        tf.get_logger().setLevel(logging.ERROR)
        if deterministic is True or (deterministic == "auto" and not gpu):
            tf.config.experimental.enable_op_determinism()
        # Recent GPUs would otherwise multiply float32 matrices in TensorFloat-32
        # (10-bit mantissa): fine for training, but the course compares its
        # layers with Keras' to 1e-5, which needs full float32 precision.
        tf.config.experimental.enable_tensor_float_32_execution(False)
    else:  # pragma: no cover - the course runs on TensorFlow
        backend_version = getattr(importlib.import_module(backend), "__version__", "?")
    if style:
        from .figures import plots

        plots.use_style()
    info = SetupInfo(
        python=platform.python_version(),
        numpy=np.__version__,
        keras=keras.__version__,
        backend=backend,
        backend_version=backend_version,
        device=device,
        gpu=gpu,
        seed=seed,
    )
    if verbose:
        print("\n".join(info.lines()))
    return info
