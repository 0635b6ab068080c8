"""The dataset registry: one place that lists every dataset of the course."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

KINDS = ("synthetic", "packaged", "file")


@dataclass(frozen=True)
class DatasetInfo:
    """One entry of the registry.

    Attributes:
        name: registry key, used by :func:`load`.
        kind: ``"synthetic"`` (generated from a seed), ``"packaged"`` (ships
            inside a pip package the course depends on) or ``"file"`` (a
            checksummed file in ``datasets/``).
        description: one line on what it is.
        source: where it comes from.
        licence: its licence.
        loader: the function that returns it.
    """

    name: str
    kind: str
    description: str
    source: str
    licence: str
    loader: Callable


DATASETS: dict[str, DatasetInfo] = {}


def register(name, *, kind, description, source, licence):
    """Decorator that adds a loader or generator to the registry."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")

    def decorate(func):
        if name in DATASETS and DATASETS[name].loader.__qualname__ != func.__qualname__:
            raise ValueError(f"dataset name {name!r} is already registered")
        DATASETS[name] = DatasetInfo(name, kind, description, source, licence, func)
        return func

    return decorate


def load(name, **kwargs):
    """Load or generate the registered dataset ``name``.

    Keyword arguments go to its loader (for generators: ``seed``, sizes).
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; registered: {sorted(DATASETS)}")
    return DATASETS[name].loader(**kwargs)


def catalog():
    """A pandas DataFrame describing every registered dataset."""
    import pandas as pd

    rows = [
        {"name": d.name, "kind": d.kind, "description": d.description, "source": d.source,
         "licence": d.licence}
        for d in sorted(DATASETS.values(), key=lambda d: (KINDS.index(d.kind), d.name))
    ]
    return pd.DataFrame(rows).set_index("name")
