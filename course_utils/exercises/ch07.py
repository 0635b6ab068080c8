"""Checkers for the exercises of chapter 7 (the clockwork RNN).

The mask exercise compares the reader's connectivity matrix block by block with
the clockwork RNN's (slower modules feed faster ones, in Keras' layout: rows are
source units, columns target units) and names the usual mistakes: the transposed,
fast-to-slow mask, a triangle over units instead of modules, a block-diagonal mask
with no exchange between modules. The parameter-count exercise names the terms
that are forgotten or counted twice.
"""

from __future__ import annotations

import numpy as np

from .core import Feedback, call, exercise, expect_equal, to_numpy


def block_mask_reference(units, n_modules):
    """(units, units) mask, rows = source units, columns = target units (Keras layout)."""
    module = np.repeat(np.arange(n_modules), units // n_modules)
    return (module[:, None] >= module[None, :]).astype(float)


def _wrong_masks(units, g):
    right = block_mask_reference(units, g)
    k = units // g
    return [
        (right.T, "your mask is transposed: it lets fast modules feed slow ones. In Keras' layout "
                  "a row is a source unit (h_{t-1}) and a column a target unit, and a module may "
                  "only read modules that are at least as slow: mask[j, i] = 1 when module(j) >= "
                  "module(i), so with the fastest module first the ones lie on and below the "
                  "block diagonal"),
        (np.tril(np.ones((units, units))),
         "your mask is triangular over single units, not over modules: inside a module every "
         "unit must read every other unit of the module (whole k x k blocks on the diagonal)"),
        (np.triu(np.ones((units, units))),
         "your mask is triangular over single units (and fast-to-slow): the blocks must be "
         "whole k x k modules, and slower modules feed faster ones"),
        (np.kron(np.eye(g), np.ones((k, k))),
         "your mask is block-diagonal: the modules never exchange information. Slower modules "
         "must also feed the faster ones"),
        (np.ones((units, units)), "your mask connects everything: that is a simple RNN"),
        (1.0 - right, "your mask is the complement of the right one (ones where the zeros "
                      "belong)"),
    ]


@exercise("ch07.block_mask", "the block-triangular recurrent mask of a clockwork RNN",
          hint="Give every unit its module number, module = unit // k with k = units // "
               "n_modules. Then decide, for a source unit j (row) and a target unit i (column), "
               "whether module(j) may feed module(i); np.repeat and broadcasting build the whole "
               "matrix in one line.")
def _block_mask(candidate):
    for units, g in ((8, 4), (12, 3), (6, 1), (10, 5)):
        got = to_numpy(call(candidate, units, g), f"block_mask({units}, {g})")
        what = f"block_mask(units={units}, n_modules={g})"
        if got.shape != (units, units):
            raise Feedback(f"{what} should have shape (units, units) = {(units, units)}, "
                           f"got {got.shape}")
        right = block_mask_reference(units, g)
        if np.array_equal(got, right):
            continue
        for wrong, message in _wrong_masks(units, g):
            if g > 1 and np.array_equal(got, wrong):
                raise Feedback(f"{what}: {message}")
        if not np.all(np.isin(got, (0.0, 1.0))):
            raise Feedback(f"{what} should hold only 0s and 1s")
        k = units // g
        for s in range(g):
            for t in range(g):
                block = got[s * k:(s + 1) * k, t * k:(t + 1) * k]
                want = 1.0 if s >= t else 0.0
                if not np.all(block == want):
                    raise Feedback(f"{what}: the block from module {s} (rows {s * k}-{(s + 1) * k - 1}) "
                                   f"to module {t} (columns {t * k}-{(t + 1) * k - 1}) should be all "
                                   f"{int(want)}s: module {s} is "
                                   f"{'at least as slow as' if s >= t else 'faster than'} module {t}")
    return ("mask[j, i] = 1 when module(j) >= module(i): whole blocks, slower modules feed "
            "faster ones, block-lower-triangular in Keras' layout")


def count_params_reference(input_dim, units, n_modules, use_bias=True):
    """Effective parameters of a clockwork layer (input, recurrent within the mask, bias)."""
    k = units // n_modules
    return input_dim * units + k * k * n_modules * (n_modules + 1) // 2 + (units if use_bias else 0)


@exercise("ch07.count_params", "parameters of a clockwork RNN layer",
          hint="Three terms: the input weights (every module reads the whole input), the "
               "recurrent weights and one bias per unit. For the recurrent part, count k x k "
               "blocks: the fastest module reads itself and every slower module, the next one "
               "one module fewer, and so on.")
def _count_params(candidate):
    cases = ((3, 256, 4, True), (1, 32, 8, True), (5, 12, 3, False), (2, 7, 1, True),
             (4, 30, 5, False))
    for d, n, g, bias in cases:
        got = call(candidate, d, n, g, bias)
        if isinstance(got, float) and got.is_integer():
            got = int(got)
        what = f"count_params(input_dim={d}, units={n}, n_modules={g}, use_bias={bias})"
        if not isinstance(got, (int, np.integer)):
            raise Feedback(f"{what} should be an int, got {got!r}")
        want = count_params_reference(d, n, g, bias)
        if got == want:
            continue
        k, b = n // g, (n if bias else 0)
        if got == d * n + n * n + b:
            raise Feedback(f"{what} = {got}: you counted the full n x n recurrent matrix; the "
                           f"mask keeps only the blocks from slower (or the same) modules, "
                           f"k^2 g(g+1)/2 = {k * k * g * (g + 1) // 2} weights")
        if got == k * k * g * (g + 1) // 2:
            raise Feedback(f"{what} = {got}: that is the recurrent part only; add the input "
                           f"weights and the biases")
        if got == d * n + k * k * g * (g - 1) // 2 + b:
            raise Feedback(f"{what} = {got}: you left out the blocks inside each module "
                           "(a module also reads itself)")
        if got == d * n + k * k * g * (g + 1) // 2:
            raise Feedback(f"{what} = {got}: you forgot the biases")
        if got == d * k + k * k * g * (g + 1) // 2 + b:
            raise Feedback(f"{what} = {got}: every module reads the whole input, so the input "
                           f"matrix is input_dim x units, not input_dim x k")
        if got == d * n + n * (n + 1) // 2 + b and k != 1:
            raise Feedback(f"{what} = {got}: you counted a triangle of single units, n(n+1)/2; "
                           f"the triangle is one of whole k x k blocks")
        expect_equal(got, want, what)
    return ("input_dim * n + k^2 g(g+1)/2 + n: for 256 units in 4 modules the recurrent part "
            "is 40960 weights, 62.5% of a dense 256 x 256 matrix")


__all__ = ["block_mask_reference", "count_params_reference"]
