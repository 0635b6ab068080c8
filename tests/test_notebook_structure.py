"""Every notebook follows the chapter structure of COURSE_GUIDE.md.

These checks read the notebooks as JSON; executing them is nbval's job.
"""

import json
import re
from pathlib import Path

import pytest

import course_utils

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*_solutions.ipynb"))
ALL = CHAPTERS + SOLUTIONS
BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
CLONE = f"https://github.com/{course_utils.REPO}"


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _markdown(nb):
    return "\n".join(_source(c) for c in nb["cells"] if c["cell_type"] == "markdown")


def _code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


def test_there_are_chapters_and_each_has_its_solutions():
    assert CHAPTERS, "no chapter notebooks found"
    chapter_stems = {p.stem for p in CHAPTERS}
    solution_stems = {p.stem.removesuffix("_solutions") for p in SOLUTIONS}
    assert chapter_stems == solution_stems, (
        f"chapters without solutions: {sorted(chapter_stems - solution_stems)}; "
        f"solutions without chapter: {sorted(solution_stems - chapter_stems)}")
    others = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")} - {p.name for p in CHAPTERS}
    assert not others, f"notebooks not named NN_short_name.ipynb: {others}"


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_title_cell_has_badge_run_time_and_prerequisites(path):
    nb = _load(path)
    first = nb["cells"][0]
    assert first["cell_type"] == "markdown", "the first cell must be the title (markdown)"
    text = _source(first)
    number = int(path.name[:2])
    pattern = (rf"^# Solutions to chapter {number}\b" if path in SOLUTIONS
               else rf"^# Chapter {number}\b")
    assert re.search(pattern, text, re.M), f"title must start with {pattern!r}"
    rel = path.relative_to(ROOT).as_posix()
    assert f"[![Open In Colab]({BADGE})]({course_utils.colab_url(rel)})" in text, \
        "Colab badge missing or pointing at another notebook"
    assert re.search(r"[Rr]un time[^\n]*\d+\s*(min|minutes|s\b)", text), "no expected run time"
    if path in CHAPTERS:
        assert re.search(r"[Pp]rerequisites", text), "no prerequisites in the title cell"


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_first_code_cell_is_the_setup_cell(path):
    nb = _load(path)
    setup = _source(_code_cells(nb)[0])
    assert "course_utils.setup(" in setup
    assert "google.colab" in setup and CLONE in setup, \
        "the setup cell must fetch the course in Colab (from the course's repository)"
    assert "pip install" not in setup or "--no-deps" in setup, \
        "the setup cell must not (re)install TensorFlow in Colab"


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_chapter_sections(path):
    md = _markdown(_load(path))
    for heading in ("Learning objectives", "Summary", "Exercises", "References"):
        assert re.search(rf"^#+ .*{heading}", md, re.M | re.I), f"no '{heading}' heading"
    objectives = md.split("Learning objectives", 1)[1].split("\n#", 1)[0]
    bullets = re.findall(r"^\s*[-*] ", objectives, re.M)
    assert 3 <= len(bullets) <= 6, f"{len(bullets)} learning objectives (want 3-6)"
    references = re.split(r"^#+ .*References.*$", md, flags=re.M | re.I)[1]
    assert re.search(r"(19|20)\d\d", references), "references without years"


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_chapter_claims_are_asserted_and_exercises_check_themselves(path):
    nb = _load(path)
    code = "\n".join(_source(c) for c in _code_cells(nb))
    assert len(re.findall(r"^\s*assert\b", code, re.M)) >= 3, "fewer than 3 asserts"
    assert re.search(r"\bcheck\(\s*[\"']ch\d\d\.", code), "no exercise checks"


@pytest.mark.parametrize("path", SOLUTIONS, ids=_ids(SOLUTIONS))
def test_solutions_are_strict_and_cover_every_exercise(path):
    code = "\n".join(_source(c) for c in _code_cells(_load(path)))
    assert re.search(r"set_strict\(True\)", code), "solutions must call set_strict(True)"
    chapter = ROOT / "notebooks" / (path.stem.removesuffix("_solutions") + ".ipynb")
    chapter_code = "\n".join(_source(c) for c in _code_cells(_load(chapter)))
    asked = set(re.findall(r"check\(\s*[\"'](ch\d\d\.\w+)", chapter_code))
    solved = set(re.findall(r"check\(\s*[\"'](ch\d\d\.\w+)", code))
    assert asked <= solved, f"exercises without a solution: {sorted(asked - solved)}"
    assert asked, "the chapter has no checked exercises"


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_notebook_is_stored_executed_without_errors(path):
    nb = _load(path)
    cells = [c for c in _code_cells(nb) if _source(c).strip()]
    unexecuted = [i for i, c in enumerate(cells) if c.get("execution_count") is None]
    assert not unexecuted, f"code cells {unexecuted} have no stored outputs; run `make execute`"
    counts = [c["execution_count"] for c in cells]
    assert counts == list(range(1, len(cells) + 1)), \
        "cells were not executed top to bottom in one run; run `make execute`"
    errors = [o.get("ename") for c in cells for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors, f"stored error outputs: {errors}"
    stderr = [o for c in cells for o in c.get("outputs", [])
              if o.get("output_type") == "stream" and o.get("name") == "stderr"
              and re.search(r"(W|I|E)0000|oneDNN|cuda|Traceback", "".join(o.get("text", "")))]
    assert not stderr, "TensorFlow log lines or tracebacks in stored outputs"
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_images_are_drawn_or_shipped_never_linked(path):
    md = _markdown(_load(path))
    targets = re.findall(r"!\[[^\]]*\]\(([^)\s]+)", md) + re.findall(
        r"<img[^>]+src=[\"']([^\"']+)", md, re.I)
    for target in targets:
        if target == BADGE:
            continue
        assert not target.startswith(("http://", "https://")), f"image from the web: {target}"
        if not target.startswith(("attachment:", "data:")):
            assert (path.parent / target).is_file(), f"image file missing: {target}"


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_no_progress_bars_downloads_or_machine_paths(path):
    nb = _load(path)
    code = "\n".join(_source(c) for c in _code_cells(nb))
    bars = [i for i, c in enumerate(_code_cells(nb)) for o in c.get("outputs", [])
            if re.search("\u2501|\r(?!\n)|\x08", "".join(o.get("text", "")))]
    assert not bars, (f"progress bars in the outputs of code cells {sorted(set(bars))}: "
                      "use verbose=0 or verbose=2 in fit/predict/evaluate")
    forbidden = re.compile(r"keras\.datasets|tensorflow_datasets|tfds\.|get_file\(|urlopen|"
                           r"urlretrieve|requests\.get|wget |curl ")
    found = forbidden.search(code)
    assert not found, f"downloads at run time: {found.group(0)}"
    text = code + _markdown(nb)
    for out in (o for c in _code_cells(nb) for o in c.get("outputs", [])):
        text += "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
    machine = re.search(r"/work/|/root/|/tmp/|/home/\w+|\.venv/", text)
    assert not machine, f"mentions a path of the build machine: {machine.group(0)}"
