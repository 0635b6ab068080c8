"""Files that the course ships in ``datasets/``, verified against a SHA-256 manifest.

The manifest ``datasets/SHA256SUMS`` has the format of ``sha256sum``: one line
per file, ``<hex digest>  <file name>``. Every read goes through
:func:`dataset_path`, which refuses a file that is missing or whose checksum
differs, and says which file, what was expected and how to restore it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

MANIFEST_NAME = "SHA256SUMS"


class DatasetFileError(ValueError):
    """A course data file is missing, unknown or corrupted."""


def datasets_dir() -> Path:
    """The ``datasets/`` folder: ``$COURSE_DATASETS_DIR`` if set, else next to the package."""
    env = os.environ.get("COURSE_DATASETS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "datasets"


def sha256(path) -> str:
    """Hex SHA-256 digest of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(directory=None) -> dict[str, str]:
    """``{file name: expected sha256}`` from ``SHA256SUMS``."""
    directory = Path(directory) if directory is not None else datasets_dir()
    manifest = directory / MANIFEST_NAME
    if not manifest.is_file():
        raise DatasetFileError(
            f"the checksum manifest {manifest} is missing; the course's datasets/ folder "
            "is incomplete (restore it with `git checkout -- datasets`)")
    entries = {}
    for n, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2 or len(parts[0]) != 64:
            raise DatasetFileError(f"{manifest} line {n} is not '<sha256>  <file>': {line!r}")
        entries[parts[1].strip().lstrip("*")] = parts[0].lower()
    return entries


def dataset_path(filename, *, directory=None, verify=True) -> Path:
    """The path of a shipped data file, after checking it against the manifest.

    Raises:
        DatasetFileError: the file is not in the manifest, is missing, or its
            SHA-256 differs from the manifest's.
    """
    directory = Path(directory) if directory is not None else datasets_dir()
    manifest = read_manifest(directory)
    if filename not in manifest:
        raise DatasetFileError(
            f"{filename!r} is not one of the course's data files; known files: {sorted(manifest)}")
    path = directory / filename
    expected = manifest[filename]
    if not path.is_file():
        raise DatasetFileError(
            f"data file {filename!r} is missing from {directory} (expected SHA-256 {expected}); "
            "restore it with `git checkout -- datasets`")
    if verify:
        actual = sha256(path)
        if actual != expected:
            raise DatasetFileError(
                f"data file {filename!r} is corrupted or was modified: its SHA-256 is {actual} "
                f"but the manifest expects {expected}; restore it with "
                f"`git checkout -- datasets/{filename}`")
    return path


def write_manifest(directory=None) -> dict[str, str]:
    """Recompute ``SHA256SUMS`` for every file in ``directory`` (maintainers only).

    README.md and the manifest itself are not listed.
    """
    directory = Path(directory) if directory is not None else datasets_dir()
    entries = {
        p.name: sha256(p)
        for p in sorted(directory.iterdir())
        if p.is_file() and p.name not in (MANIFEST_NAME, "README.md") and not p.name.startswith(".")
    }
    text = "".join(f"{digest}  {name}\n" for name, digest in entries.items())
    (directory / MANIFEST_NAME).write_text(text, encoding="utf-8")
    return entries

