"""Loaders for the files the course ships in ``datasets/`` (checksum-verified)."""

from __future__ import annotations

from .files import dataset_path
from .registry import register


@register("rnn_timeline", kind="file",
          description="milestones of recurrent networks, 1982-2017: year, model, authors, "
                      "contribution, theme, reference",
          source="compiled for this course from the cited papers", licence="CC BY 4.0")
def rnn_timeline():
    """The timeline of recurrent networks as a pandas DataFrame (one row per milestone)."""
    import pandas as pd

    return pd.read_csv(dataset_path("rnn_timeline.csv"))
