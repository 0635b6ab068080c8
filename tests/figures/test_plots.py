"""course_utils.figures draws what it is asked to, and refuses bad input clearly."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_utils import figures


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_use_style_sets_the_course_palette():
    figures.use_style()
    colours = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    assert [c.upper() for c in colours[:3]] == [c.upper() for c in figures.PALETTE[:3]]


def test_plot_history_single_and_several_runs():
    h = {"loss": [3, 2, 1], "val_loss": [3.5, 2.5, 2]}
    ax = figures.plot_history(h)
    assert len(ax.lines) == 2 and list(ax.lines[0].get_ydata()) == [3, 2, 1]
    ax = figures.plot_history({"RNN": h, "LSTM": {"loss": [1, 0.5]}}, validation=False, logy=True)
    assert len(ax.lines) == 2 and ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["RNN train", "LSTM train"]


def test_plot_history_errors():
    with pytest.raises(ValueError, match="metric 'accuracy' was not recorded"):
        figures.plot_history({"loss": [1]}, metric="accuracy")
    with pytest.raises(ValueError, match="keras History or a dict"):
        figures.plot_history([1, 2, 3])


def test_plot_sequences_aligns_forecasts_to_the_end():
    ax = figures.plot_sequences(np.arange(10.0), series={"forecast": [1.0, 2.0]})
    x_forecast = ax.lines[1].get_xdata()
    assert list(x_forecast) == [8, 9]
    with pytest.raises(ValueError, match="needs x or series"):
        figures.plot_sequences()
    with pytest.raises(ValueError, match="must have 1 dimensions"):
        figures.plot_sequences(np.ones((3, 2)))


def test_plot_heatmap_labels_and_annotations():
    m = np.array([[0.1, 0.9], [0.6, 0.4]])
    ax = figures.plot_heatmap(m, xlabels=["a", "b"], ylabels=["r1", "r2"], annotate=True)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert sorted(t.get_text() for t in ax.texts) == ["0.10", "0.40", "0.60", "0.90"]
    with pytest.raises(ValueError, match="xlabels has 3 entries but the matrix has 2 columns"):
        figures.plot_heatmap(m, xlabels=["a", "b", "c"])


def test_draw_diagram():
    nodes = {"x": {"xy": (0, 0)}, "h": {"xy": (2, 0), "label": "$h_t$", "shape": "circle",
                                        "size": (0.8, 0.8)}}
    ax = figures.draw_diagram(nodes, [("x", "h", {"label": "W"}), ("h", "h", {"rad": 0.5})])
    texts = [t.get_text() for t in ax.texts]
    assert {"x", "$h_t$", "W"} <= set(texts)
    with pytest.raises(ValueError, match="unknown node 'y'"):
        figures.draw_diagram(nodes, [("x", "y")])
    with pytest.raises(ValueError, match="has no 'xy'"):
        figures.draw_diagram({"a": {}})


def test_grid_hides_unused_axes():
    fig, axes = figures.grid(5, ncols=3)
    assert len(axes) == 5 and len(fig.axes) == 6
    assert sum(a.get_visible() for a in fig.axes) == 5
