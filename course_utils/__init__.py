"""Shared code of the course *Recurrent neural networks, from hidden Markov
models to self-attention*.

Importing this package is cheap and imports neither Keras nor TensorFlow; it
only sets the environment variables that keep TensorFlow's C++ logging quiet,
so that they are in place before TensorFlow is imported. Submodules are
imported on first use::

    import course_utils
    course_utils.setup(seed=0)          # first cell of every notebook
    from course_utils import data, figures
    from course_utils.exercises import check

Layout
------
env         ``setup()``: seeds, TensorFlow's environment, plot style, versions, device.
validation  the argument checks every public function and layer uses.
syllabus    the chapter table (number, title, prerequisites, status).
layers/     custom Keras layers (recurrent cells, reservoir, attention), ``keras.ops`` only.
models/     from-scratch NumPy models (Hopfield network, HMM, NumPy RNN with BPTT).
data/       synthetic generators, data shipped in pip packages, the files in
            ``datasets/``, tokenisation, forecasting splits and baselines.
figures/    every figure helper: plot style, plots, diagrams, timeline, course map.
exercises/  the self-check framework and each chapter's checkers.
"""

import importlib as _importlib

from .env import set_tensorflow_environment as _set_tensorflow_environment
from .env import setup

# Must happen before TensorFlow is imported anywhere (see env.TF_ENVIRONMENT).
_set_tensorflow_environment()

__version__ = "0.1.0"

#: GitHub ``owner/name`` of the course; the Colab badges and the Colab install use it.
REPO = "rnn-course/rnn-course"
#: The branch the Colab badges open.
BRANCH = "main"


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
