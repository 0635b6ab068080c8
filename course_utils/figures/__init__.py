"""Every figure of the course is drawn by code in this package.

- :mod:`.plots`: the course's plot style and the general helpers
  (training curves, sequences, heatmaps, a grid of panels, box-and-arrow diagrams).
- :mod:`.diagrams`: the input/output patterns of chapter 0.
- :mod:`.timeline`: chapter 1's timeline, Hopfield patterns and classic networks.
- :mod:`.course_map`: the course map of chapter 0, drawn from ``course_utils.syllabus``.

All names are importable from ``course_utils.figures`` directly::

    from course_utils import figures
    figures.plot_history(history)
"""

from .clockwork import plot_clockwork_connectivity, plot_clockwork_schedule
from .course_map import draw_course_map
from .diagrams import IO_PATTERNS, draw_io_patterns
from .plots import PALETTE, draw_diagram, grid, plot_heatmap, plot_history, plot_sequences, use_style
from .timeline import THEME_COLORS, draw_classic_networks, plot_patterns, plot_timeline

__all__ = [
    "PALETTE", "use_style", "plot_history", "plot_sequences", "plot_heatmap", "draw_diagram", "grid",
    "IO_PATTERNS", "draw_io_patterns",
    "THEME_COLORS", "plot_timeline", "plot_patterns", "draw_classic_networks",
    "draw_course_map",
    "plot_clockwork_schedule", "plot_clockwork_connectivity",
]
