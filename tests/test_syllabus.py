"""The syllabus table, the notebooks and the README stay in step."""

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest

from course_utils import figures, syllabus

ROOT = Path(__file__).resolve().parents[1]


def test_chapters_are_numbered_in_order_with_known_prerequisites():
    numbers = [c.number for c in syllabus.CHAPTERS]
    assert numbers == list(range(len(numbers)))
    for c in syllabus.CHAPTERS:
        assert all(p < c.number for p in c.prerequisites)
        assert c.status in ("available", "planned")


@pytest.mark.parametrize("chapter", syllabus.CHAPTERS, ids=lambda c: f"ch{c.number:02d}")
def test_available_chapters_have_notebooks_with_matching_titles(chapter):
    notebook, solutions = ROOT / chapter.notebook, ROOT / chapter.solutions
    if chapter.status == "planned":
        assert not notebook.exists(), f"{chapter.notebook} exists: mark the chapter available"
        return
    assert notebook.is_file() and solutions.is_file()
    title = "".join(json.loads(notebook.read_text())["cells"][0]["source"]).splitlines()[0]
    assert title == f"# Chapter {chapter.number}: {chapter.title}"
    readme = (ROOT / "README.md").read_text()
    assert f"[{chapter.title}]({chapter.notebook})" in readme


def test_every_notebook_is_in_the_syllabus():
    listed = {c.notebook for c in syllabus.CHAPTERS}
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        assert f"notebooks/{nb.name}" in listed, f"{nb.name} is not in course_utils.syllabus"


def test_chapter_lookup():
    assert syllabus.chapter(4).slug == "lstm_and_gru"
    with pytest.raises(ValueError, match="no chapter 42"):
        syllabus.chapter(42)


def test_course_map_draws_every_chapter_and_prerequisite():
    ax = figures.draw_course_map()
    texts = " ".join(t.get_text() for t in ax.texts)
    for c in syllabus.CHAPTERS:
        assert f"{c.number}. " in texts
    n_edges = sum(len(c.prerequisites) for c in syllabus.CHAPTERS)
    arrows = [p for p in ax.patches if isinstance(p, matplotlib.patches.FancyArrowPatch)]
    assert len(arrows) == n_edges


def test_io_patterns_figure_has_five_panels():
    fig = figures.draw_io_patterns()
    visible = [a for a in fig.axes if a.get_visible()]
    assert len(visible) == 5
    assert [a.get_title().split("\n")[0] for a in visible] == [p[0] for p in figures.IO_PATTERNS]
