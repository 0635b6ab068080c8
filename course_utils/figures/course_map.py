"""The course map of chapter 0: chapters as boxes, arrows from each prerequisite."""

from __future__ import annotations

from ..syllabus import CHAPTERS
from .plots import draw_diagram


def draw_course_map(ax=None):
    """Draw the chapters as boxes with arrows from each prerequisite.

    Chapters still being written are drawn grey with a dashed arrow, and the title
    says so only when there is one.
    """
    columns = {0: 0, 1: 1, 2: 1, 3: 1, 4: 2, 6: 2, 5: 3, 7: 3, 8: 3, 9: 4, 10: 5}
    rows = {0: 0, 1: 1.3, 2: 0, 3: -1.3, 4: -0.6, 6: -2.0, 5: 0.6, 7: -0.6, 8: -1.8, 9: -1.8,
            10: -1.8}
    nodes, edges = {}, []
    any_planned = any(ch.status != "available" for ch in CHAPTERS)
    for ch in CHAPTERS:
        planned = ch.status != "available"
        label = f"{ch.number}. " + "\n".join(_wrap(ch.title, 22))
        nodes[ch.number] = {"xy": (columns[ch.number] * 2.6, rows[ch.number]), "label": label,
                            "size": (2.3, 0.95),
                            "color": "#EEEEEE" if planned else "#DCEBF7"}
        for p in ch.prerequisites:
            edges.append((p, ch.number, {"style": "--" if planned else "-"}))
    title = "Course map: an arrow points from a chapter to one that builds on it"
    if any_planned:   # say what grey means only when the map has a grey box
        title += " (grey: planned)"
    return draw_diagram(nodes, edges, ax=ax, figsize=(12, 4.4), fontsize=8, title=title)


def _wrap(text, width):
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return lines
