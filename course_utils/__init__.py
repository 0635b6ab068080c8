"""Shared code of the course *Recurrent neural networks, from hidden Markov
models to self-attention*.

Importing this package is cheap and imports neither Keras nor TensorFlow; it
only sets the environment variables that keep TensorFlow's C++ logging quiet,
so that they are in place before TensorFlow is imported. Submodules are
imported on first use::

    import course_utils
    course_utils.setup(seed=0)          # first cell of every notebook
    from course_utils import data, plotting
    from course_utils.exercises import check

Submodules
----------
env         ``setup()``: seeds, logging, plot style, versions, device.
data        a registry of datasets: synthetic generators, data shipped in
            pip packages, and the checksummed files in ``datasets/``.
plotting    figure helpers shared by the chapters.
exercises   the self-check framework of the exercises.
"""

import importlib as _importlib
import os as _os

# Must happen before TensorFlow is imported anywhere (see env.quiet_tensorflow).
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
_os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
_os.environ.setdefault("KERAS_BACKEND", "tensorflow")

__version__ = "0.1.0"

#: GitHub ``owner/name`` of the course; the Colab badges and the Colab install use it.
REPO = "rnn-course/rnn-course"
#: The branch the Colab badges open.
BRANCH = "main"

from .env import setup  # noqa: E402  (light: imports Keras only when called)


def __getattr__(name):
    # ``course_utils.data`` etc. work without an explicit import of the submodule.
    if not name.startswith("_"):
        try:
            return _importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module 'course_utils' has no attribute {name!r}")


def colab_url(notebook_path):
    """The Colab address that opens ``notebook_path`` (relative to the course root)."""
    return f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/{notebook_path}"


__all__ = ["setup", "colab_url", "REPO", "BRANCH", "__version__"]
