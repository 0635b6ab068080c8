"""Checkers for the exercises of chapter 8 (encoder-decoder models).

Exercise 8.1 writes the greedy decoding loop. It runs on :func:`toy_decoder`, a
small hand-built recurrent decoder in NumPy whose outputs depend on the token it
is fed and on its state, and which makes mistakes: on some rows its greedy output
differs from the reference ``toy.targets``. So a loop that feeds the true targets
instead of its own predictions (teacher forcing at inference time, the classic
bug of evaluation code that looks too good) gives different outputs, and so do a
loop that never feeds its prediction back, one that forgets to carry the state,
one that does not stop at the end token, one that stops every row when any row
ends, one that samples, and one that ignores ``max_length`` (checked again with
``max_length=5``, before any toy row ends); the checker names each.

Exercise 8.2 computes one beam-search expansion (``beam_step``), checked against
:func:`course_utils.models.decoding.beam_step`, with feedback on the usual
mistakes (one best token per hypothesis instead of the best over all candidates,
an ascending sort, forgetting the scores so far, multiplying log-probabilities, mixing up parent and token).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models import decoding
from .core import Feedback, call, exercise, expect_close

# ----------------------------------------------------------------------------------------------
# Exercise 8.1: the greedy decoding loop
# ----------------------------------------------------------------------------------------------

START, END = 1, 2


@dataclass
class ToyDecoder:
    """A tiny decoder: ``log_probs, new_state = step(tokens, state)``.

    Attributes:
        step: the step function (NumPy in, NumPy out).
        state: its initial state, one row per sequence (an opaque tuple: pass it on).
        targets: the reference output of each row (lists of ids, without the end
            token); the toy decoder gets some of them wrong.
        start_id, end_id, vocab_size, max_length: as their names say.
    """

    step: object
    state: tuple
    targets: list
    start_id: int = START
    end_id: int = END
    vocab_size: int = 8
    max_length: int = 12


def toy_decoder(seed=8, n=6):
    """The decoder of exercise 8.1 (the same on every call with the same ``seed``)."""
    rng = np.random.default_rng(seed)
    V, H = 8, 5
    A = rng.normal(0, 0.6, (H, H))
    B = rng.normal(0, 1.5, (V, H))
    C = rng.normal(0, 2.0, (H, V))
    lengths = rng.integers(4, 9, n)

    def step(tokens, state):
        h, t, stop = state
        tokens = np.asarray(tokens).astype(int).ravel()
        h = np.tanh(h @ A + B[tokens])
        logits = h @ C
        logits[:, END] = 3.0 * (t + 1 - stop)  # the end becomes likely after `stop` steps
        logits[:, [0, START]] = -30.0          # never the padding or the start token
        logits = logits - logits.max(axis=1, keepdims=True)
        log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        return log_probs, (h, t + 1, stop)

    state = (rng.normal(0, 1.0, (n, H)), np.zeros(n), lengths.astype(float))
    greedy = decoding.greedy_decode(lambda tok, s, c: step(tok, s), state, start_id=START,
                                    end_id=END, max_length=12)
    targets = []
    for i, seq in enumerate(greedy.sequences()):
        seq = list(seq)
        if i % 2 == 0 and len(seq) > 2:        # the toy model errs on every other row
            k = len(seq) // 2
            seq[k] = 3 + (seq[k] - 3 + 1) % (V - 3)
        targets.append(seq)
    return ToyDecoder(step, state, targets)


def greedy_reference(toy, feed="own", carry_state=True, stop_at_end=True, max_length=None,
                     stop_all=False):
    """Greedy decoding of ``toy``; the keywords reproduce typical mistakes.

    ``stop_all=True`` stops every row as soon as any row produces the end token.
    """
    n = len(toy.targets)
    max_length = toy.max_length if max_length is None else max_length
    state = toy.state
    prev = np.full(n, toy.start_id)
    out = [[] for _ in range(n)]
    done = np.zeros(n, dtype=bool)
    for t in range(max_length):
        log_probs, new_state = toy.step(prev, state if carry_state else toy.state)
        if carry_state:
            state = new_state
        nxt = log_probs.argmax(axis=1)
        for i in range(n):
            if not done[i]:
                if nxt[i] == toy.end_id and stop_at_end:
                    done[i] = True
                else:
                    out[i].append(int(nxt[i]))
        if feed == "own":
            prev = nxt
        elif feed == "start":
            prev = np.full(n, toy.start_id)
        elif feed == "truth":
            prev = np.array([tg[t] if t < len(tg) else toy.end_id for tg in toy.targets])
        if done.all() or (stop_all and done.any()):
            break
    return out


def _as_lists(got, n, what="greedy_decode(...)"):
    if isinstance(got, np.ndarray) and got.ndim == 2:
        got = [row.tolist() for row in got]
    if not isinstance(got, (list, tuple)) or len(got) != n:
        raise Feedback(f"{what} should return one list of token ids per row ({n} rows), got "
                       f"{type(got).__name__}" + (f" of length {len(got)}" if hasattr(got, "__len__")
                                                  else ""))
    out = []
    for row in got:
        try:
            out.append([int(v) for v in np.asarray(row).ravel()])
        except (TypeError, ValueError):
            raise Feedback(f"each row of {what} should be a sequence of int ids, got "
                           f"{row!r}") from None
    return out


def _recording(toy):
    fed = []

    def step(tokens, state):
        fed.append(np.asarray(tokens).astype(int).ravel().copy())
        return toy.step(tokens, state)

    return step, fed


@exercise("ch08.greedy_decode", "the greedy decoding loop",
          hint="start every row with start_id; at each step call step_fn, take the argmax over "
               "the vocabulary axis, append it (unless it is the end token), and feed that "
               "prediction, and the new state, into the next call")
def _greedy(candidate):
    toy = toy_decoder()
    n = len(toy.targets)
    step, fed = _recording(toy)
    got = _as_lists(call(candidate, step, toy.state, toy.start_id, toy.end_id, toy.max_length), n)
    want = greedy_reference(toy)
    if got == want:
        if not fed or not np.all(fed[0] == toy.start_id):
            raise Feedback("your outputs are right, but the first call of step_fn must receive "
                           "the start token for every row")
        # Every toy row ends before max_length = 12; a short limit catches loops that ignore it.
        short = 5
        got_short = _as_lists(call(candidate, toy.step, toy.state, toy.start_id, toy.end_id,
                                   short), n, f"greedy_decode(..., max_length={short})")
        want_short = greedy_reference(toy, max_length=short)
        if got_short != want_short:
            longest = max(len(g) for g in got_short)
            raise Feedback(f"with max_length = {short} (rows that have not produced end_id by "
                           f"then) your rows hold up to {longest} tokens, expected at most "
                           f"{short}: stop after max_length steps even if a row has not ended, "
                           "and do not stop before")
        return ("the decoder reads its own previous prediction, carries its state, stops at "
                "the end token and at max_length: this is greedy decoding")
    if got == list(toy.targets):
        raise Feedback("your output equals toy.targets: the reference answers must never be used "
                       "at inference time; decode from the model alone")
    if got == greedy_reference(toy, feed="truth"):
        raise Feedback("you fed the ground-truth tokens (toy.targets) back into the decoder: that "
                       "is teacher forcing, which only training may use. At inference time the "
                       "targets are unknown, so feed the token the model has just predicted")
    if got == greedy_reference(toy, feed="start"):
        raise Feedback("you feed the start token at every step: feed the token predicted at the "
                       "previous step instead")
    if got == greedy_reference(toy, carry_state=False):
        raise Feedback("you pass the initial state at every step: keep the new state that "
                       "step_fn returns and pass it to the next call")
    if got == greedy_reference(toy, stop_all=True):
        raise Feedback("you stop every row as soon as one row produces end_id: rows finish at "
                       "different steps; mark each row done on its own and stop when all are")
    if [g[: len(w)] for g, w in zip(got, want)] == want and any(
            len(g) > len(w) for g, w in zip(got, want)):
        long = next(i for i, (g, w) in enumerate(zip(got, want)) if len(g) > len(w))
        if got[long][len(want[long])] == toy.end_id:
            raise Feedback("your rows include the end token: return the output without it")
        raise Feedback("you keep generating after the end token: a row is finished once it "
                       "produces end_id (return only the tokens before it)")
    if all(g and g[0] == toy.start_id for g in got) and [g[1:] for g in got] == want:
        raise Feedback("your rows start with the start token: return only generated tokens")
    if any(len(g) > toy.max_length for g in got):
        raise Feedback(f"a row has more than max_length = {toy.max_length} tokens")
    again = _as_lists(call(candidate, toy.step, toy.state, toy.start_id, toy.end_id,
                           toy.max_length), n)
    if again != got:
        raise Feedback("two runs on the same input gave different outputs: you sample the next "
                       "token; greedy decoding takes the most probable one (the argmax)")
    bad = next(i for i, (g, w) in enumerate(zip(got, want)) if g != w)
    raise Feedback(f"row {bad}: expected {want[bad]}, got {got[bad]} (check the argmax axis: "
                   "log_probs has shape (rows, vocabulary))")


# ----------------------------------------------------------------------------------------------
# Exercise 8.2: one beam step
# ----------------------------------------------------------------------------------------------

def _beam_case(seed, K, V):
    rng = np.random.default_rng(seed)
    scores = np.sort(rng.normal(-2.0, 1.0, K))[::-1]
    logits = rng.normal(0, 2.0, (K, V))
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return scores, log_probs


def _triples(got, width):
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        raise Feedback("beam_step should return a tuple (parents, tokens, new_scores), got "
                       f"{type(got).__name__}")
    arrs = []
    for name, value in zip(("parents", "tokens", "new_scores"), got):
        arr = np.asarray(value).ravel()
        if arr.shape != (width,):
            raise Feedback(f"{name} should have beam_width = {width} entries, got shape "
                           f"{np.asarray(value).shape}")
        arrs.append(arr)
    return arrs


@exercise("ch08.beam_step", "one beam-search expansion",
          hint="add each hypothesis's score to its row of log_probs (broadcasting (K, 1) + (K, V)), "
               "flatten to K * V candidates, take the beam_width largest, and recover the "
               "hypothesis and the token of each from its flat index with // and %")
def _beam(candidate):
    ambiguous = None
    for seed, K, V, width in ((1, 3, 5, 3), (2, 4, 7, 4), (3, 2, 6, 3)):
        scores, log_probs = _beam_case(seed, K, V)
        parents, tokens, new = _triples(
            call(candidate, scores.copy(), log_probs.copy(), width), width)
        want_p, want_t, want_s = decoding.beam_step(scores, log_probs, width)
        ok = (np.array_equal(parents.astype(int), want_p) and
              np.array_equal(tokens.astype(int), want_t) and np.allclose(new, want_s))
        if ok:
            continue
        what = f"beam_step(scores (K={K},), log_probs (K={K}, V={V}), beam_width={width})"
        got_set = set(zip(parents.astype(int).tolist(), tokens.astype(int).tolist()))
        if got_set == set(zip(want_t.tolist(), want_p.tolist())):
            raise Feedback(f"{what}: parents and tokens are swapped: for a flat index i over "
                           "the K * V candidates, the hypothesis is i // V and the token i % V")
        if got_set == set(zip(want_p.tolist(), want_t.tolist())):
            if np.allclose(np.sort(new), np.sort(want_s)):
                raise Feedback(f"{what}: the right candidates, in the wrong order: sort them "
                               "best (highest score) first")
            raise Feedback(f"{what}: the right candidates, but new_scores are wrong: a "
                           "candidate's score is scores[parent] + log_probs[parent, token]")
        total = (scores[:, None] + log_probs).ravel()
        worst = np.argsort(total, kind="stable")[:width]
        if got_set == set(zip((worst // V).tolist(), (worst % V).tolist())):
            raise Feedback(f"{what}: you kept the beam_width lowest-scoring candidates (an "
                           "ascending sort); keep the highest, best first")
        p_int, t_int = parents.astype(int), tokens.astype(int)
        flat_lp = np.argsort(-log_probs.ravel(), kind="stable")[:width]
        by_log_probs = set(zip((flat_lp // V).tolist(), (flat_lp % V).tolist()))
        per_hypothesis = (np.all((p_int >= 0) & (p_int < K))
                          and np.array_equal(t_int, log_probs[p_int].argmax(axis=1)))
        if per_hypothesis and got_set == by_log_probs:
            ambiguous = ambiguous or what      # both mistakes fit here: let the next case decide
            continue
        if per_hypothesis:
            raise Feedback(f"{what}: each hypothesis kept only its own best next token; the "
                           "beam keeps the best beam_width over all K * V candidates, so a "
                           "strong hypothesis may have several children and a weak one none")
        if got_set == by_log_probs:
            raise Feedback(f"{what}: you ranked the candidates by log_probs alone; add the "
                           "score of the hypothesis each one extends (scores[k] + log_probs[k, v])")
        mult = np.argsort(-(scores[:, None] * log_probs).ravel(), kind="stable")[:width]
        if got_set == set(zip((mult // V).tolist(), (mult % V).tolist())):
            raise Feedback(f"{what}: you multiplied scores by log_probs; log-probabilities "
                           "add up (probabilities multiply)")
        wrong_div = np.argsort(-(scores[:, None] + log_probs).ravel(), kind="stable")[:width]
        if got_set == set(zip((wrong_div // K).tolist(), (wrong_div % K).tolist())) and K != V:
            raise Feedback(f"{what}: the flat index runs over K * V = {K * V} candidates in "
                           f"rows of V = {V}: the hypothesis is i // V, the token i % V "
                           f"(you divided by K = {K})")
        if len({int(p) for p in parents}) == len(parents) and len(set(want_p.tolist())) < width:
            raise Feedback(f"{what}: every hypothesis got exactly one (or its own best) "
                           "candidates; the beam keeps the best beam_width over all K * V "
                           "candidates, so a strong hypothesis may have several children and "
                           "a weak one none")
        expect_close(new, want_s, f"new_scores of {what}")
        raise Feedback(f"{what}: expected parents {want_p.tolist()} and tokens "
                       f"{want_t.tolist()}, got {parents.tolist()} and {tokens.tolist()}")
    if ambiguous:
        raise Feedback(f"{ambiguous}: wrong candidates: either each hypothesis kept only its own "
                       "best next token, or you ranked by log_probs alone; keep the best "
                       "beam_width of scores[k] + log_probs[k, v] over all K * V candidates")
    return ("candidates scored by scores[k] + log_probs[k, v], the beam_width best over all "
            "K * V kept, parent = i // V and token = i % V")


__all__ = ["toy_decoder", "ToyDecoder", "greedy_reference"]
