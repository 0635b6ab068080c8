"""course_utils.setup: seeds, repeatable, reports versions and device."""

import os
import random

import numpy as np
import pytest

import course_utils


def test_importing_course_utils_quiets_tensorflow_first():
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0"


def test_setup_seeds_everything_and_can_be_called_twice(capsys):
    import keras

    info = course_utils.setup(seed=123)
    # NumPy's legacy global generator on purpose: setup() must seed it for older code.
    a = (random.random(), np.random.rand(), float(keras.random.uniform(()).numpy()))  # noqa: NPY002 - the legacy global generator on purpose
    info2 = course_utils.setup(seed=123)  # re-running the cell must not fail
    b = (random.random(), np.random.rand(), float(keras.random.uniform(()).numpy()))  # noqa: NPY002 - the legacy global generator on purpose
    assert a == b
    assert info == info2 and info.seed == 123
    out = capsys.readouterr().out
    assert f"Keras {keras.__version__}" in out and "Device:" in out
    assert info.backend == "tensorflow"
    import tensorflow as tf

    assert not tf.config.experimental.tensor_float_32_execution_enabled()
    assert info.device.startswith("GPU") == info.gpu


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_setup_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        course_utils.setup(seed=seed)


def test_setup_rejects_bad_determinism_flag():
    with pytest.raises(ValueError, match="deterministic must be True, False or 'auto', got 'yes'"):
        course_utils.setup(deterministic="yes")


def test_auto_determinism_is_on_for_a_cpu(monkeypatch):
    import tensorflow as tf

    from course_utils import env

    calls = []
    monkeypatch.setattr(tf.config.experimental, "enable_op_determinism", lambda: calls.append(1))
    monkeypatch.setattr(env, "device_description", lambda: ("CPU (test)", False))
    env.setup(verbose=False)
    assert calls == [1]
    monkeypatch.setattr(env, "device_description", lambda: ("GPU (test)", True))
    env.setup(verbose=False)
    assert calls == [1]                     # not on a GPU ...
    env.setup(verbose=False, deterministic=True)
    assert calls == [1, 1]                  # ... unless asked for


def test_colab_extras_are_only_reference_libraries():
    from course_utils import env

    names = " ".join(spec for _, spec in env.COLAB_EXTRAS)
    assert "tensorflow" not in names and "keras" not in names


def test_install_colab_extras_installs_nothing_when_present(monkeypatch):
    from course_utils import env

    called = []
    monkeypatch.setattr(env.subprocess, "run", lambda *a, **k: called.append(a))
    assert env.install_colab_extras() == []
    assert not called
    assert env.install_colab_extras((("surely_not_a_module_xyz", "xyz>=1"),)) == ["xyz>=1"]
    assert called and "xyz>=1" in called[0][0]


def test_colab_url():
    url = course_utils.colab_url("notebooks/00_sequences.ipynb")
    assert url == (f"https://colab.research.google.com/github/{course_utils.REPO}/blob/"
                   f"{course_utils.BRANCH}/notebooks/00_sequences.ipynb")


def test_submodules_load_lazily():
    assert course_utils.data.delayed_echo is not None
    with pytest.raises(AttributeError):
        course_utils.no_such_module  # noqa: B018 - the attribute access is what is tested
