"""Datasets of the course: one registry, three kinds.

- **synthetic**: generators that take a ``seed`` and return NumPy arrays
  (``delayed_echo``, ``adding_problem``, ...).
- **packaged**: real data shipped inside pip packages the course depends on
  (``sunspots``, ``seattle_temps``, ``sp500_daily``, ``first_names``, ...).
- **file**: files in the course's ``datasets/`` folder, verified against the
  SHA-256 manifest ``datasets/SHA256SUMS`` on every load.

Nothing downloads at run time. ``catalog()`` lists everything;
``load(name, **kwargs)`` loads by name, or call the functions directly.
"""

from . import packaged, shipped, synthetic  # noqa: F401  (fill the registry)
from .files import DatasetFileError, dataset_path, datasets_dir, read_manifest, sha256
from .packaged import co2, first_names, monthly_stocks, seattle_temps, seattle_weather, sp500_daily, sunspots
from .registry import DATASETS, DatasetInfo, catalog, load, register
from .shipped import rnn_timeline
from .text import CharCorpus, first_name_corpus
from .temporal_xor import temporal_xor
from .fill_in import fill_in_the_blank
from .tagging import tagged_sentences
from .synthetic import (adding_problem, delayed_echo, make_windows, noisy_sines, pad_sequences,
                        variable_length_sums)

__all__ = [
    "DATASETS", "DatasetInfo", "DatasetFileError", "catalog", "load", "register",
    "dataset_path", "datasets_dir", "read_manifest", "sha256",
    "adding_problem", "delayed_echo", "make_windows", "noisy_sines", "pad_sequences",
    "variable_length_sums",
    "co2", "first_names", "monthly_stocks", "seattle_temps", "seattle_weather", "sp500_daily",
    "sunspots", "rnn_timeline",
    "CharCorpus", "first_name_corpus",
    "temporal_xor",
    "fill_in_the_blank",
    "tagged_sentences",
]
