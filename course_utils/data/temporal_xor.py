"""Elman's temporal XOR (1990): predict the next bit of a stream of XOR triples."""

from __future__ import annotations

import numpy as np

from ..validation import check_int, rng_from


def temporal_xor(n_sequences=500, n_triples=10, seed=0):
    """Sequences of bit triples ``a, b, a XOR b`` and the next-bit targets.

    Each sequence is ``n_triples`` triples in a row, with ``a`` and ``b`` fair
    coin flips; every sequence starts at the beginning of a triple. The input at
    step ``t`` is the bit ``x_t`` and the target is the next bit ``x_{t+1}``
    (for the last step, the first bit of one more triple). Only the targets at
    steps ``t % 3 == 1`` are predictable (the XOR of the two bits just seen);
    the others are coin flips.

    Args:
        n_sequences: number of sequences (>= 1).
        n_triples: triples per sequence (>= 1); the length is ``3 * n_triples``.
        seed: int seed.

    Returns:
        ``(x, y)``, float32 arrays of shape ``(n_sequences, 3 * n_triples, 1)``.
    """
    n_sequences = check_int(n_sequences, "n_sequences", minimum=1)
    n_triples = check_int(n_triples, "n_triples", minimum=1)
    rng = rng_from(seed)
    ab = rng.integers(0, 2, size=(n_sequences, n_triples + 1, 2))
    triples = np.concatenate([ab, ab[..., :1] ^ ab[..., 1:]], axis=-1)
    bits = triples.reshape(n_sequences, -1).astype("float32")
    length = 3 * n_triples
    return bits[:, :length, None], bits[:, 1:length + 1, None]


__all__ = ["temporal_xor"]
