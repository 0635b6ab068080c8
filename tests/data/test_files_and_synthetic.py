"""course_utils.data: generators, packaged loaders, checksummed files."""

import shutil

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import data
from course_utils.data import files

# --- synthetic generators ------------------------------------------------------------------

SYNTHETIC = [data.delayed_echo, data.adding_problem, data.noisy_sines, data.variable_length_sums,
             data.temporal_xor, data.fill_in_the_blank, data.tagged_sentences]


@pytest.mark.parametrize("generator", SYNTHETIC, ids=lambda g: g.__name__)
def test_generators_are_deterministic_per_seed(generator):
    a, b, c = generator(seed=1), generator(seed=1), generator(seed=2)

    def flat(x):
        if isinstance(x, tuple):
            return np.concatenate([flat(v) for v in x])
        if isinstance(x, list):
            return np.concatenate([np.ravel(v) for v in x])
        return np.ravel(x).astype("float64")

    np.testing.assert_array_equal(flat(a), flat(b))
    assert not np.array_equal(flat(a), flat(c))


def test_delayed_echo_targets_are_shifted_inputs():
    x, y = data.delayed_echo(n_sequences=7, length=12, delay=3, seed=0)
    assert x.shape == y.shape == (7, 12, 1) and x.dtype == np.float32
    np.testing.assert_array_equal(y[:, 3:], x[:, :-3])
    assert np.all(y[:, :3] == 0)


@given(delay=st.integers(0, 9), length=st.integers(10, 30))
@settings(max_examples=25, deadline=None)
def test_delayed_echo_any_delay(delay, length):
    x, y = data.delayed_echo(n_sequences=3, length=length, delay=delay, seed=0)
    np.testing.assert_array_equal(y[:, delay:], x[:, : length - delay])


def test_adding_problem_target_is_sum_of_marked_values():
    x, y = data.adding_problem(n_sequences=50, length=20, seed=3)
    assert x.shape == (50, 20, 2) and y.shape == (50, 1)
    assert np.all(x[:, :, 1].sum(axis=1) == 2)
    np.testing.assert_allclose((x[:, :, 0] * x[:, :, 1]).sum(axis=1), y[:, 0], rtol=1e-6)
    # one mark in each half
    assert np.all(x[:, :10, 1].sum(axis=1) == 1)


def test_noisy_sines_shape_and_scale():
    s = data.noisy_sines(n_sequences=4, length=64, noise=0.0, seed=0)
    assert s.shape == (4, 64) and np.abs(s).max() <= 1.0


def test_variable_length_sums():
    seqs, labels = data.variable_length_sums(n_sequences=40, min_length=2, max_length=6, seed=0)
    assert len(seqs) == 40 and {len(s) for s in seqs} <= set(range(2, 7))
    assert all(s.shape[1] == 1 for s in seqs)
    np.testing.assert_array_equal(labels, [int(s[:, 0].sum() > 0) for s in seqs])


@pytest.mark.parametrize("call, message", [
    (lambda: data.delayed_echo(delay=20, length=20), "delay must be smaller than length"),
    (lambda: data.delayed_echo(n_sequences=0), "n_sequences must be >= 1, got 0"),
    (lambda: data.delayed_echo(length=2.5), "length must be an int"),
    (lambda: data.adding_problem(seed=-1), "seed must be >= 0"),
    (lambda: data.noisy_sines(noise=-0.1), "noise must be >= 0.0"),
    (lambda: data.variable_length_sums(min_length=5, max_length=2), "max_length must be >= min_length"),
    (lambda: data.first_names(sex="other"), "sex must be one of"),
])
def test_generators_reject_bad_arguments_by_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- packaged data (offline) ---------------------------------------------------------------

def test_packaged_loaders_return_real_offline_data(monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("a packaged loader tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    sun = data.sunspots()
    assert len(sun) == 309 and sun.index[0] == 1700 and sun.notna().all()
    co2 = data.co2()
    assert co2.notna().all() and 300 < co2.mean() < 400
    temps = data.seattle_temps()
    assert len(temps) > 8000 and isinstance(temps.index, pd.DatetimeIndex)
    assert data.seattle_weather().shape[0] > 1000
    assert set(data.monthly_stocks().columns) == {"AAPL", "AMZN", "GOOG", "IBM", "MSFT"}
    sp = data.sp500_daily()
    assert len(sp) > 5000 and "Adj Close" in sp.columns
    names = data.first_names()
    assert len(names) > 5000 and names["name"].str.fullmatch("[a-z]+").all()
    assert set(data.first_names("female")["sex"]) == {"female"}


# --- shipped files and their checksums -----------------------------------------------------

def test_every_shipped_file_matches_the_manifest_and_is_documented():
    manifest = files.read_manifest()
    readme = (files.datasets_dir() / "README.md").read_text()
    assert manifest, "datasets/SHA256SUMS is empty"
    for name, digest in manifest.items():
        assert files.sha256(files.datasets_dir() / name) == digest
        assert name in readme and digest in readme, f"datasets/README.md does not document {name}"
    on_disk = {p.name for p in files.datasets_dir().iterdir()} - {"README.md", "SHA256SUMS"}
    assert on_disk == set(manifest), f"files not in the manifest: {on_disk - set(manifest)}"


def test_timeline_loads():
    df = data.rnn_timeline()
    assert {"year", "model", "authors", "contribution", "reference"} <= set(df.columns)
    assert df["year"].is_monotonic_increasing and df["year"].min() == 1982


@pytest.fixture
def copy_of_datasets(tmp_path, monkeypatch):
    target = tmp_path / "datasets"
    shutil.copytree(files.datasets_dir(), target)
    monkeypatch.setenv("COURSE_DATASETS_DIR", str(target))
    return target


def test_corrupted_file_is_refused_with_both_checksums(copy_of_datasets):
    path = copy_of_datasets / "rnn_timeline.csv"
    expected = files.read_manifest()["rnn_timeline.csv"]
    path.write_text(path.read_text() + "2099,Fake,Nobody,nothing,none\n")
    with pytest.raises(data.DatasetFileError) as err:
        data.rnn_timeline()
    message = str(err.value)
    assert "rnn_timeline.csv" in message and expected in message
    assert files.sha256(path) in message and "git checkout" in message


def test_missing_file_is_reported_by_name(copy_of_datasets):
    (copy_of_datasets / "rnn_timeline.csv").unlink()
    with pytest.raises(data.DatasetFileError, match=r"'rnn_timeline.csv' is missing .*expected SHA-256 [0-9a-f]{64}"):
        data.rnn_timeline()


def test_unknown_file_and_missing_manifest(copy_of_datasets):
    with pytest.raises(data.DatasetFileError, match="not one of the course's data files"):
        files.dataset_path("nope.csv")
    (copy_of_datasets / "SHA256SUMS").unlink()
    with pytest.raises(data.DatasetFileError, match="manifest .* is missing"):
        files.dataset_path("rnn_timeline.csv")


def test_write_manifest_round_trip(copy_of_datasets):
    (copy_of_datasets / "extra.txt").write_text("hello\n")
    entries = files.write_manifest()
    assert entries["extra.txt"] == files.sha256(copy_of_datasets / "extra.txt")
    assert files.dataset_path("extra.txt").read_text() == "hello\n"
