"""The contract every recurrent cell of ``course_utils.layers`` keeps.

One parametrised test per clause, run for every entry of ``CELLS``:

- equivalence with its Keras reference layer (where there is one), given the same weights;
- masking: a padded, masked batch gives what each sequence gives alone;
- initial states: a given initial state is used (and zeros equal the default);
- ``go_backwards``: the same as running forward over the time-reversed input;
- a ``.keras`` round trip in safe mode gives the same outputs;
- ``get_config()`` holds every constructor argument and rebuilds an equal cell;
- every documented error is a ``ValueError`` with the documented message, and bad inputs
  (wrong rank, wrong number of features, an initial state of the wrong batch size or
  width) are refused with a message that names the cell, not a TensorFlow traceback.

**A new cell joins by adding one ``Case`` to ``CELLS``**: how to make it (``make``, with
small sizes), optionally its Keras reference (``reference``, a layer that takes the same
weights through ``set_weights``), and its documented constructor errors (``errors``: pairs of
keyword arguments for ``cls`` and the message they must raise). The same file runs under
``KERAS_BACKEND=jax`` in ``make test`` (``make layers-jax``), with the same tolerances.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np
import pytest

from course_utils.layers import ClockworkCell, ElmanCell, GRUCell, JordanCell, LSTMCell, ReservoirCell
from tests.conftest import to_numpy as _np

FEATURES, TIME, BATCH = 3, 7, 4
RNG = np.random.default_rng(0)
X = RNG.standard_normal((BATCH, TIME, FEATURES)).astype("float32")
LENGTHS = np.array([7, 5, 2, 6])
MASK = np.arange(TIME)[None, :] < LENGTHS[:, None]
ATOL = 1e-5


@dataclass
class Case:
    """One recurrent cell under contract."""

    id: str
    cls: type
    make: Callable[[], keras.layers.Layer]
    reference: Callable[[], keras.layers.Layer] | None = None
    errors: list[tuple[dict[str, Any], str]] = field(default_factory=list)


CELLS = [
    Case("elman", ElmanCell, lambda: ElmanCell(5, bias_initializer="random_normal"),
         reference=lambda: keras.layers.SimpleRNN(5),
         errors=[({"units": 0}, "units must be >= 1"),
                 ({"units": 3, "activation": "no_such"}, "activation must be the name of a Keras activation"),
                 ({"units": 3, "use_bias": "yes"}, "use_bias must be True or False"),
                 ({"units": 3, "kernel_initializer": "nope"}, "kernel_initializer must be the name")]),
    Case("jordan", JordanCell,
         lambda: JordanCell(5, output_units=2, state_decay=0.5, bias_initializer="random_normal"),
         errors=[({"units": 3, "output_units": 0}, "output_units must be >= 1"),
                 ({"units": 3, "output_units": 1, "state_decay": 1.0}, "state_decay must be < 1.0"),
                 ({"units": 3, "output_units": 1, "output_activation": 3}, "output_activation must be")]),
    Case("lstm", LSTMCell, lambda: LSTMCell(4), reference=lambda: keras.layers.LSTM(4),
         errors=[({"units": -2}, "units must be >= 1"),
                 ({"units": 2, "peephole": 1}, "peephole must be True or False"),
                 ({"units": 2, "recurrent_activation": "nope"}, "recurrent_activation must be")]),
    Case("lstm-peephole-coupled", LSTMCell,
         lambda: LSTMCell(4, peephole=True, coupled=True, peephole_initializer="random_normal")),
    Case("gru", GRUCell, lambda: GRUCell(4, bias_initializer="random_normal"),
         reference=lambda: keras.layers.GRU(4),
         errors=[({"units": 0}, "units must be >= 1"),
                 ({"units": 2, "reset_after": None}, "reset_after must be True or False")]),
    Case("gru-reset-before", GRUCell, lambda: GRUCell(4, reset_after=False),
         reference=lambda: keras.layers.GRU(4, reset_after=False)),
    Case("reservoir", ReservoirCell,
         lambda: ReservoirCell(6, leak_rate=0.5, bias_scaling=0.2, connectivity=0.5, seed=1),
         errors=[({"units": 0}, "units must be >= 1"),
                 ({"units": 5, "connectivity": 0.0}, "connectivity must be > 0.0"),
                 ({"units": 5, "connectivity": 1.5}, "connectivity must be <= 1.0"),
                 ({"units": 5, "spectral_radius": -0.5}, "spectral_radius must be >= 0.0"),
                 ({"units": 5, "input_scaling": -1.0}, "input_scaling must be >= 0.0"),
                 ({"units": 5, "leak_rate": 0.0}, "leak_rate must be > 0.0"),
                 ({"units": 5, "leak_rate": 1.5}, "leak_rate must be <= 1.0")]),
    Case("reservoir-feedback", ReservoirCell,
         lambda: ReservoirCell(6, feedback_dim=2, connectivity=0.5, seed=2)),
    Case("clockwork", ClockworkCell,
         lambda: ClockworkCell(6, periods=(1, 2, 4), bias_initializer="random_normal"),
         errors=[({"units": 10, "periods": (1, 2, 4, 8)}, "units must be a multiple of the number of modules"),
                 ({"units": 4, "periods": (1, 0)}, r"periods\[1\] must be >= 1"),
                 ({"units": 4, "periods": (1, 2.5)}, r"periods\[1\] must be a whole number"),
                 ({"units": 4, "periods": (2, 1)}, "periods must be non-decreasing")]),
]

IDS = [c.id for c in CELLS]


def _rnn(case, **kwargs):
    layer = keras.layers.RNN(case.make(), **kwargs)
    layer(X[:1])
    return layer


def _state_sizes(cell):
    sizes = cell.state_size
    return list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]


def _random_states(cell, batch=BATCH, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((batch, n)).astype("float32") * 0.5 for n in _state_sizes(cell)]


@pytest.mark.parametrize("case", [c for c in CELLS if c.reference], ids=lambda c: c.id)
def test_equals_its_keras_reference_with_the_same_weights(case):
    ours = _rnn(case, return_sequences=True, return_state=True)
    ref = case.reference()
    ref = type(ref).from_config({**ref.get_config(), "return_sequences": True, "return_state": True})
    ref(X[:1])
    assert [tuple(w.shape) for w in ours.get_weights()] == [tuple(w.shape) for w in ref.get_weights()]
    ours.set_weights(ref.get_weights())
    for kwargs in ({}, {"mask": MASK}, {"initial_state": _random_states(ours.cell)}):
        got, want = ours(X, **kwargs), ref(X, **kwargs)
        for g, w in zip(got, want):
            np.testing.assert_allclose(_np(g), _np(w), atol=ATOL)


@pytest.mark.parametrize("case", CELLS, ids=IDS)
def test_masked_batch_equals_each_sequence_alone(case):
    layer = _rnn(case, return_sequences=True)
    batched = _np(layer(X, mask=MASK))
    last = _np(keras.layers.RNN(layer.cell)(X, mask=MASK))
    for i, n in enumerate(LENGTHS):
        alone = _np(layer(X[i:i + 1, :n]))[0]
        np.testing.assert_allclose(batched[i, :n], alone, atol=ATOL)
        # a masked step repeats the last real output, so the final output is that of step n
        np.testing.assert_allclose(batched[i, n:], np.broadcast_to(alone[-1], batched[i, n:].shape),
                                   atol=ATOL)
        np.testing.assert_allclose(last[i], alone[-1], atol=ATOL)


@pytest.mark.parametrize("case", CELLS, ids=IDS)
def test_initial_state_is_used_and_zeros_are_the_default(case):
    layer = _rnn(case, return_sequences=True)
    zeros = [np.zeros_like(s) for s in _random_states(layer.cell)]
    default = _np(layer(X))
    np.testing.assert_allclose(_np(layer(X, initial_state=zeros)), default, atol=ATOL)
    other = _np(layer(X, initial_state=_random_states(layer.cell)))
    assert np.abs(other - default).max() > 1e-3, "a non-zero initial state changed nothing"


@pytest.mark.parametrize("case", CELLS, ids=IDS)
def test_go_backwards_is_forward_over_the_reversed_input(case):
    forward = _rnn(case, return_sequences=True)
    backward = keras.layers.RNN(forward.cell, return_sequences=True, go_backwards=True)
    np.testing.assert_allclose(_np(backward(X)), _np(forward(X[:, ::-1])), atol=ATOL)


@pytest.mark.parametrize("case", CELLS, ids=IDS)
def test_keras_file_round_trip_in_safe_mode(case, tmp_path):
    model = keras.Sequential([keras.Input((None, FEATURES)),
                              keras.layers.RNN(case.make(), return_sequences=True)])
    path = tmp_path / f"{case.id}.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    assert type(loaded.layers[0].cell) is case.cls
    np.testing.assert_allclose(_np(loaded(X)), _np(model(X)), atol=1e-6)


@pytest.mark.parametrize("case", CELLS, ids=IDS)
def test_get_config_holds_every_constructor_argument(case):
    cell = case.make()
    config = cell.get_config()
    params = [p for p in inspect.signature(case.cls.__init__).parameters.values()
              if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    missing = [p.name for p in params if p.name not in config]
    assert not missing, f"get_config() lacks {missing}"
    rebuilt = case.cls.from_config(config)
    assert rebuilt.get_config() == config


@pytest.mark.parametrize("case, kwargs, message",
                         [(c, kw, m) for c in CELLS for kw, m in c.errors],
                         ids=[f"{c.id}-{m[:30]}" for c in CELLS for _, m in c.errors])
def test_documented_constructor_errors(case, kwargs, message):
    with pytest.raises(ValueError, match=message):
        case.cls(**kwargs)


def _name(case):
    return case.cls.__name__


@pytest.mark.parametrize("case", CELLS, ids=IDS)
def test_a_step_input_of_the_wrong_rank_is_refused_by_name(case):
    cell = case.make()
    with pytest.raises(ValueError, match=f"{_name(case)}.*(batch, features)|{_name(case)}.*shape"):
        cell.build((BATCH, TIME, FEATURES))
    with pytest.raises(ValueError, match=_name(case)):
        keras.layers.RNN(case.make())(X[:, :, :, None])


@pytest.mark.parametrize("case", CELLS, ids=IDS)
def test_inputs_with_another_number_of_features_are_refused_by_name(case):
    layer = _rnn(case)
    wrong = RNG.standard_normal((BATCH, TIME, FEATURES + 2)).astype("float32")
    with pytest.raises(ValueError, match=rf"{_name(case)} was built for inputs with {FEATURES} features, "
                                         rf"got inputs with {FEATURES + 2} features"):
        layer(wrong)


@pytest.mark.parametrize("case", CELLS, ids=IDS)
def test_an_initial_state_of_the_wrong_batch_size_or_width_is_refused_by_name(case):
    layer = _rnn(case)
    states = _random_states(layer.cell, batch=BATCH + 1)
    with pytest.raises(ValueError, match=rf"{_name(case)}: the state .* has batch size {BATCH + 1} "
                                         rf"but the input has batch size {BATCH}"):
        layer(X, initial_state=states)
    states = _random_states(layer.cell)
    states[0] = np.zeros((BATCH, states[0].shape[1] + 1), "float32")
    with pytest.raises(ValueError, match=rf"{_name(case)}: the state .* must have shape"):
        layer(X, initial_state=states)
