"""Loaders for the files the course ships in ``datasets/`` (checksum-verified)."""

from __future__ import annotations

from .files import dataset_path


def rnn_timeline():
    """The timeline of recurrent networks as a pandas DataFrame (one row per milestone)."""
    import pandas as pd

    return pd.read_csv(dataset_path("rnn_timeline.csv"))
