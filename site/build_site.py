"""Gather the course's pages for Sphinx: ``python site/build_site.py SRC``.

Copies into ``SRC`` (normally ``build/site-src``), never changing the originals:

- ``README.md`` as ``index.md``, the landing page, with the table of contents in
  chapter order (from ``course_utils.syllabus``);
- every chapter and solutions notebook, with its stored outputs, plus on each
  chapter page a line linking its solutions and Colab;
- the topic map (``notebooks/README.md``), ``datasets/README.md`` and ``CONTRIBUTING.md``.

Links are rewritten for the site only: the Colab badge image points to a local copy
(the site loads nothing from the network), an anchor such as ``#Course-map`` becomes
the anchor Sphinx gives that heading (``#course-map``), ``README.md`` becomes the
landing page, and a link to a file that is not a page (a module of ``course_utils``, a
data file) points to that file in the repository on GitHub. In the notebooks
themselves the links stay as they are, so they keep working in JupyterLab and on GitHub.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils import REPO, colab_url  # noqa: E402 - after the path is set
from course_utils.syllabus import CHAPTERS  # noqa: E402 - after the path is set

BADGE_URL = "https://colab.research.google.com/assets/colab-badge.svg"
GITHUB_BLOB = f"https://github.com/{REPO}/blob/main/"
# A markdown link or image; its text may hold one level of brackets (a badge image in a link).
LINK = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(([^)\s]+)\)")
PAGES = {"README.md": "index.md"}                 # repository path -> site path
RAW_ANCHOR = re.compile(r'<a\s+(?:id|name)="([^"]+)"\s*>\s*</a>')
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.M)


def slug(anchor):
    """The anchor MyST gives a heading: GitHub's rule (lower case, punctuation dropped,
    spaces to hyphens). Jupyter's anchors keep case and punctuation ("Course-map")."""
    text = anchor.strip().lower().replace("-", " ")
    text = re.sub(r"[^\w\s]", "", text)
    return re.sub(r"\s+", "-", text.strip())


def _markdown_of(rel):
    path = ROOT / rel
    if rel.endswith(".ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        return "\n\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    return path.read_text(encoding="utf-8")


@functools.cache
def anchors(rel):
    """Map the explicit anchors of a page (``<a id="Notation"></a>`` before a heading, which
    JupyterLab and GitHub use) to the anchor Sphinx gives the heading that follows them."""
    text, found = _markdown_of(rel), {}
    for match in RAW_ANCHOR.finditer(text):
        heading = HEADING.search(text, match.end())
        if heading:
            found[match.group(1)] = slug(heading.group(1))
    return found


def _site_pages():
    pages = dict(PAGES)
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb")):
        rel = path.relative_to(ROOT).as_posix()
        pages[rel] = rel
    for rel in ("notebooks/README.md", "datasets/README.md", "CONTRIBUTING.md"):
        pages[rel] = rel
    return pages


def rewrite(text, source, pages):
    """Rewrite the links and images of one page's markdown, ``source`` being its repository path."""
    here = (ROOT / source).parent
    site_here = (Path("/") / pages[source]).parent

    def site_relative(site_path):
        return Path(_relpath(Path("/") / site_path, site_here)).as_posix()

    def target_of(target, is_image):
        if is_image:
            return site_relative("_static/colab-badge.svg") if target == BADGE_URL else target
        if re.match(r"^[a-z]+:", target):
            return target
        path, _, anchor = target.partition("#")
        if not path:                                              # same page
            return f"#{anchors(source).get(anchor, slug(anchor))}"
        try:
            rel = (here / path).resolve().relative_to(ROOT).as_posix()
        except ValueError:
            return target
        if rel not in pages:
            return f"{GITHUB_BLOB}{rel}" + (f"#{anchor}" if anchor else "")
        suffix = f"#{anchors(rel).get(anchor, slug(anchor))}" if anchor else ""
        return site_relative(pages[rel]) + suffix

    def link(match):
        bang, label, target = match.groups()
        return f"{bang}[{LINK.sub(link, label)}]({target_of(target, bool(bang))})"

    return LINK.sub(link, text)


def _relpath(target, start):
    return os.path.relpath(target, start)


def _chapter_of(rel):
    for ch in CHAPTERS:
        if rel == ch.notebook:
            return ch
    return None


def copy_notebook(rel, dest, pages):
    nb = json.loads((ROOT / rel).read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        cell.setdefault("id", f"cell-{i}")         # nbformat 4.5 wants an id on every cell
        if cell["cell_type"] == "markdown":
            text = "".join(cell["source"])
            cell["source"] = rewrite(text, rel, pages)
    ch = _chapter_of(rel)
    if ch is not None:
        solutions = Path(_relpath(Path("/") / ch.solutions, (Path("/") / rel).parent)).as_posix()
        line = (f"**On this page:** chapter {ch.number} &middot; "
                f"[solutions to its exercises]({solutions}) &middot; "
                f"[open it in Colab]({colab_url(ch.notebook)}) &middot; "
                f"prerequisites: "
                + (", ".join(f"chapter {p}" for p in ch.prerequisites) or "none"))
        nb["cells"].insert(1, {"cell_type": "markdown", "id": "site-chapter-links", "metadata": {},
                               "source": line})
    dest.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def index_page(pages):
    text = rewrite((ROOT / "README.md").read_text(encoding="utf-8"), "README.md", pages)
    chapters = [ch for ch in CHAPTERS if (ROOT / ch.notebook).exists()]
    toc = ["", "```{toctree}", ":hidden:", ":caption: Chapters", ""]
    toc += [ch.notebook[:-len(".ipynb")] for ch in chapters]
    toc += ["```", "", "```{toctree}", ":hidden:", ":caption: Solutions", ""]
    toc += [ch.solutions[:-len(".ipynb")] for ch in CHAPTERS if (ROOT / ch.solutions).exists()]
    toc += ["```", "", "```{toctree}", ":hidden:", ":caption: About the course", "",
            "notebooks/README", "datasets/README", "CONTRIBUTING", "```", ""]
    return text + "\n".join(toc)


def build(dest):
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "_static").mkdir(parents=True)
    shutil.copy(ROOT / "site" / "conf.py", dest / "conf.py")
    for asset in (ROOT / "site" / "static").iterdir():
        shutil.copy(asset, dest / "_static" / asset.name)
    pages = _site_pages()
    for rel, site_rel in pages.items():
        target = dest / site_rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel == "README.md":
            target.write_text(index_page(pages), encoding="utf-8")
        elif rel.endswith(".ipynb"):
            copy_notebook(rel, target, pages)
        else:
            target.write_text(rewrite((ROOT / rel).read_text(encoding="utf-8"), rel, pages),
                              encoding="utf-8")
    return sorted(pages.values())


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "build" / "site-src")
    written = build(out)
    print(f"{len(written)} pages gathered into {Path(out).relative_to(ROOT) if Path(out).is_absolute() else out}")
