"""course_utils.data.temporal_xor: Elman's XOR stream, its targets and its checks."""

import numpy as np
import pytest

from course_utils import data


def test_shapes_triples_and_next_bit_targets():
    x, y = data.temporal_xor(n_sequences=50, n_triples=4, seed=0)
    assert x.shape == y.shape == (50, 12, 1) and x.dtype == y.dtype == np.float32
    bits = x[..., 0].astype(int)
    assert set(np.unique(bits)) <= {0, 1}
    np.testing.assert_array_equal(bits[:, 2::3], bits[:, 0::3] ^ bits[:, 1::3])   # a, b, a XOR b
    np.testing.assert_array_equal(y[:, :-1], x[:, 1:])                             # next bit
    # the last target starts one more triple: a coin flip, not a copy of anything in x
    assert 0.3 < y[:, -1].mean() < 0.7


def test_only_every_third_target_is_predictable():
    x, y = data.temporal_xor(n_sequences=2000, n_triples=2, seed=1)
    bits, target = x[..., 0].astype(int), y[..., 0].astype(int)
    # the target after the second bit of a triple is the XOR of the last two inputs
    np.testing.assert_array_equal(target[:, 1::3], bits[:, 0::3] ^ bits[:, 1::3])
    # the other targets are independent of the two inputs before them
    for phase in (0, 2):
        t = np.arange(phase, 6, 3)
        t = t[t >= 1]
        xor_prev = bits[:, t - 1] ^ bits[:, t]
        assert abs((xor_prev == target[:, t]).mean() - 0.5) < 0.05


def test_seeded():
    a = data.temporal_xor(seed=3)
    b = data.temporal_xor(seed=3)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], data.temporal_xor(seed=4)[0])


@pytest.mark.parametrize("kwargs, message", [
    ({"n_sequences": 0}, "n_sequences must be >= 1"),
    ({"n_triples": 0}, "n_triples must be >= 1"),
    ({"n_triples": 2.5}, "n_triples must be an int"),
    ({"seed": -1}, "seed must be >= 0"),
])
def test_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.temporal_xor(**kwargs)
