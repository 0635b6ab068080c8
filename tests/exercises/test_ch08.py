"""Chapter 8 checkers: the reference passes, typical mistakes get specific feedback,
untouched stubs are "not attempted"."""

import numpy as np
import pytest

from course_utils.exercises import FAIL, NOT_ATTEMPTED, PASS, evaluate
from course_utils.exercises.ch08 import toy_decoder
from course_utils.models.decoding import beam_step as beam_step_reference


def _stub(*args):
    raise NotImplementedError


def greedy(step_fn, state, start_id, end_id, max_length, feed="own", carry=True, stop=True,
           keep_end=False, keep_start=False, targets=None, ignore_max=False, one_short=False,
           stop_all=False, sample=False):
    n = len(np.asarray(state[0]))
    prev = np.full(n, start_id)
    init = state
    out = [[start_id] if keep_start else [] for _ in range(n)]
    done = np.zeros(n, dtype=bool)
    rng = np.random.default_rng()
    t = 0
    while True:
        if ignore_max and done.all():
            break
        if not ignore_max and t >= max_length - one_short:
            break
        log_probs, new_state = step_fn(prev, state if carry else init)
        state = new_state if carry else state
        if sample:
            p = np.exp(log_probs)
            nxt = np.array([rng.choice(len(r), p=r / r.sum()) for r in p])
        else:
            nxt = log_probs.argmax(axis=1)
        for i in range(n):
            if done[i]:
                continue
            if nxt[i] == end_id and stop:
                done[i] = True
                if keep_end:
                    out[i].append(int(nxt[i]))
            else:
                out[i].append(int(nxt[i]))
        if feed == "own":
            prev = nxt
        elif feed == "start":
            prev = np.full(n, start_id)
        else:
            prev = np.array([tg[t] if t < len(tg) else end_id for tg in targets])
        t += 1
        if done.all() or (stop_all and done.any()):
            break
    return out


TOY = toy_decoder()


def _with(fn, **options):
    return lambda *args: fn(*args, **options)


def beam_step(scores, log_probs, width, mode="right"):
    K, V = log_probs.shape
    if mode == "no_scores":
        total = log_probs.ravel()
    elif mode == "multiply":
        total = (scores[:, None] * log_probs).ravel()
    else:
        total = (scores[:, None] + log_probs).ravel()
    order = np.argsort(-total, kind="stable")[:width]
    parents, tokens = order // V, order % V
    if mode == "swap":
        parents, tokens = tokens, parents
    if mode == "div_k":
        parents, tokens = order // K, order % K
    new = (scores[:, None] + log_probs).ravel()[order]
    if mode == "ascending":
        return parents[::-1], tokens[::-1], new[::-1]
    if mode == "ascending_sort":
        order = np.argsort(total, kind="stable")[:width]
        return order // V, order % V, (scores[:, None] + log_probs).ravel()[order]
    if mode == "bad_scores":
        new = log_probs.ravel()[order]
    if mode == "per_beam":
        parents = np.arange(width) % K
        tokens = log_probs[parents].argmax(axis=1)
        new = scores[parents] + log_probs[parents, tokens]
    return parents, tokens, new


CASES = [
    ("ch08.greedy_decode", greedy, PASS, "greedy decoding"),
    ("ch08.greedy_decode", _with(greedy, feed="truth", targets=TOY.targets), FAIL,
     "teacher forcing"),
    ("ch08.greedy_decode", lambda *a: [list(t) for t in TOY.targets], FAIL, "toy.targets"),
    ("ch08.greedy_decode", _with(greedy, feed="start"), FAIL, "start token at every step"),
    ("ch08.greedy_decode", _with(greedy, carry=False), FAIL, "initial state at every step"),
    ("ch08.greedy_decode", _with(greedy, stop=False), FAIL, "end token"),
    ("ch08.greedy_decode", _with(greedy, keep_end=True), FAIL, "include the end token"),
    ("ch08.greedy_decode", _with(greedy, keep_start=True), FAIL, "start with the start token"),
    ("ch08.greedy_decode", _with(greedy, ignore_max=True), FAIL, "max_length = 5"),
    ("ch08.greedy_decode", _with(greedy, one_short=True), FAIL, "max_length = 5"),
    ("ch08.greedy_decode", _with(greedy, stop_all=True), FAIL, "as soon as one row"),
    ("ch08.greedy_decode", _with(greedy, sample=True), FAIL, "you sample"),
    ("ch08.greedy_decode", lambda *a: greedy(*a)[:-1], FAIL, "one list of token ids per row"),
    ("ch08.greedy_decode", lambda *a: None, FAIL, "return"),
    ("ch08.greedy_decode", _stub, NOT_ATTEMPTED, "NotImplementedError"),
    ("ch08.beam_step", beam_step, PASS, "i // V"),
    ("ch08.beam_step", beam_step_reference, PASS, "i // V"),
    ("ch08.beam_step", _with(beam_step, mode="no_scores"), FAIL, "log_probs alone"),
    ("ch08.beam_step", _with(beam_step, mode="multiply"), FAIL, "multiplied"),
    ("ch08.beam_step", _with(beam_step, mode="swap"), FAIL, "swapped"),
    ("ch08.beam_step", _with(beam_step, mode="div_k"), FAIL, "divided by K"),
    ("ch08.beam_step", _with(beam_step, mode="ascending"), FAIL, "best (highest score) first"),
    ("ch08.beam_step", _with(beam_step, mode="bad_scores"), FAIL, "new_scores are wrong"),
    ("ch08.beam_step", _with(beam_step, mode="ascending_sort"), FAIL, "ascending sort"),
    ("ch08.beam_step", _with(beam_step, mode="per_beam"), FAIL, "its own best next token"),
    ("ch08.beam_step", lambda s, lp, w: (s, lp), FAIL, "tuple (parents, tokens, new_scores)"),
    ("ch08.beam_step", _stub, NOT_ATTEMPTED, ""),
]


@pytest.mark.parametrize("exercise_id, candidate, status, fragment", CASES)
def test_checker(exercise_id, candidate, status, fragment):
    result = evaluate(exercise_id, candidate)
    assert result.status == status, str(result)
    assert fragment in str(result), str(result)


def test_the_toy_decoder_errs_so_teacher_forcing_shows():
    from course_utils.exercises.ch08 import greedy_reference

    own = greedy_reference(TOY)
    assert own != TOY.targets
    assert greedy_reference(TOY, feed="truth") != own
    assert toy_decoder().targets == TOY.targets          # deterministic
