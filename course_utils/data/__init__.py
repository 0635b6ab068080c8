"""Data of the course, of three kinds, and the code that prepares it.

- **synthetic** generators take a ``seed`` and return NumPy arrays; the same
  seed gives the same data on every machine (``synthetic``, ``temporal_xor``,
  ``fill_in``, ``tagging``).
- **packaged**: real data shipped inside pip packages the course depends on
  (``sunspots``, ``seattle_temps``, ``sp500_daily``, ``first_names``, ...).
- **files** in the course's ``datasets/`` folder, verified against the
  SHA-256 manifest ``datasets/SHA256SUMS`` on every load (``shipped``).

Preparation: ``text`` (character corpora), ``forecasting`` (time-ordered
windows, a scaler fitted on training data, baselines and metrics).
Nothing downloads at run time.
"""

from .files import DatasetFileError, dataset_path, datasets_dir, read_manifest, sha256
from .fill_in import fill_in_the_blank
from .g2p import G2PSplit, cmudict_subset, g2p_split, phoneme_error_rate, word_error_rate
from .mackey_glass import mackey_glass
from .packaged import co2, first_names, monthly_stocks, seattle_temps, seattle_weather, sp500_daily, sunspots
from .seq2seq import (
                      Seq2SeqArrays,
                      Vocabulary,
                      accuracy_by_length,
                      digit_task,
                      digit_vocabulary,
                      edit_distance,
                      exact_match,
                      teacher_forcing_arrays,
                      token_accuracy,
)
from .shipped import rnn_timeline
from .synthetic import adding_problem, delayed_echo, noisy_sines, variable_length_sums
from .tagging import tagged_sentences
from .temporal_xor import temporal_xor
from .text import CharCorpus, first_name_corpus

__all__ = [
    "DatasetFileError",
    "dataset_path", "datasets_dir", "read_manifest", "sha256",
    "adding_problem", "delayed_echo", "noisy_sines",
    "variable_length_sums",
    "co2", "first_names", "monthly_stocks", "seattle_temps", "seattle_weather", "sp500_daily",
    "sunspots", "rnn_timeline",
    "CharCorpus", "first_name_corpus",
    "temporal_xor",
    "fill_in_the_blank",
    "mackey_glass",
    "tagged_sentences",
    "Vocabulary", "Seq2SeqArrays", "teacher_forcing_arrays", "digit_task", "digit_vocabulary",
    "exact_match", "token_accuracy", "accuracy_by_length", "edit_distance",
    "cmudict_subset", "g2p_split", "G2PSplit", "word_error_rate", "phoneme_error_rate",
]
