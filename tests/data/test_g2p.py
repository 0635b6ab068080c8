"""The shipped CMUdict subset and the grapheme-to-phoneme split and metrics."""

import numpy as np
import pytest

from course_utils.data import DatasetFileError, dataset_path, read_manifest, sha256
from course_utils.data.g2p import (
    FILENAME,
    cmudict_subset,
    g2p_split,
    phoneme_error_rate,
    word_error_rate,
)


def test_file_is_in_the_manifest_and_verified():
    assert FILENAME in read_manifest()
    assert sha256(dataset_path(FILENAME)) == read_manifest()[FILENAME]
    assert "cmudict_LICENSE.txt" in read_manifest()


def test_a_corrupted_copy_is_refused(tmp_path, monkeypatch):
    for name in ("SHA256SUMS", FILENAME):
        (tmp_path / name).write_bytes(dataset_path(name, verify=False).read_bytes()
                                      if name != "SHA256SUMS" else
                                      (dataset_path(FILENAME).parent / name).read_bytes())
    with open(tmp_path / FILENAME, "a", encoding="utf-8") as f:
        f.write("zzz\tZ IY1\n")
    monkeypatch.setenv("COURSE_DATASETS_DIR", str(tmp_path))
    with pytest.raises(DatasetFileError, match="corrupted"):
        cmudict_subset()


def test_contents():
    d = cmudict_subset()
    assert len(d) == 20000
    assert all(w.isascii() and w.isalpha() and w.islower() and 3 <= len(w) <= 12 for w in d)
    phones = {p for ps in d.values() for pr in ps for p in pr}
    assert len(phones) == 39 and not any(ch.isdigit() for p in phones for ch in p)
    stressed = cmudict_subset(stress=True)
    assert {p for ps in stressed.values() for pr in ps for p in pr} > {"AH0", "AH1", "AH2"}
    assert sum(len(v) for v in stressed.values()) >= sum(len(v) for v in d.values())
    assert d["aachen"] == [("AA", "K", "AH", "N")]
    assert max(len(v) for v in d.values()) >= 2                        # variants kept


def test_split_is_by_word_seeded_and_disjoint():
    a = g2p_split(seed=0)
    b = g2p_split(seed=0)
    c = g2p_split(seed=1)
    assert a.test_words == b.test_words and a.test_words != c.test_words
    train, val, test = set(a.train_words), set(a.validation_words), set(a.test_words)
    assert not (train & val or train & test or val & test)
    assert len(test) == 2000 and len(val) == 1000 and len(train) == 17000
    # every pronunciation of a test word is in the test part only
    refs = a.references("test")
    assert all(len(r) == len(a.pronunciations[w]) for w, r in zip(a.test_words, refs))
    assert a.phonemes.size == 42 and a.graphemes.size == 29


def test_arrays_first_and_all_variants():
    first = g2p_split(seed=0, variants="first")
    every = g2p_split(seed=0, variants="all")
    a1, a2 = first.arrays("train"), every.arrays("train")
    assert len(a1) == 17000 and len(a2) > len(a1)
    assert a1.encoder_input.shape[1] == 12 and a1.decoder_input.shape[1] == first.max_pronunciation_length + 1
    w = first.train_words[0]
    assert first.graphemes.decode_text(a1.encoder_input[0]) == w
    assert first.phonemes.decode(a1.decoder_target[0]) == list(first.pronunciations[w][0])
    small = g2p_split(seed=0, max_words=500)
    assert len(small.train_words) + len(small.validation_words) + len(small.test_words) == 500


def test_error_rates_accept_any_reference():
    refs = [[["T", "AH", "M", "EY", "T", "OW"], ["T", "AH", "M", "AA", "T", "OW"]],
            [["K", "AE", "T"]]]
    assert word_error_rate([["T", "AH", "M", "AA", "T", "OW"], ["K", "AE", "T"]], refs) == 0
    assert word_error_rate([["T", "AH", "M", "AA", "T", "OW"], ["K", "AE"]], refs) == 0.5
    # 1 deletion against the 3-phoneme reference, 0 against the closest variant: 1 / 9
    assert np.isclose(phoneme_error_rate([["T", "AH", "M", "EY", "T", "OW"], ["K", "AE"]], refs),
                      1 / 9)
    with pytest.raises(ValueError, match="same length"):
        word_error_rate([["K"]], refs)


@pytest.mark.parametrize("kwargs, match", [
    ({"test_fraction": 0.0}, "test_fraction"),
    ({"variants": "some"}, "variants"),
    ({"stress": "no"}, "stress"),
    ({"max_words": 3}, "max_words"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        g2p_split(**kwargs)
