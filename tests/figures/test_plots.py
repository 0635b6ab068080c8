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


def test_plot_timeline_draws_one_marker_per_milestone_and_year_ticks():
    from course_utils import data

    timeline = data.rnn_timeline()
    ax = figures.plot_timeline(timeline, title="t")
    labels = {t.get_text() for t in ax.texts}
    assert len(labels) == len(timeline)
    assert "2013 Exploding gradients and norm clipping" in labels      # norm clipping, not clipping itself
    lo, hi = ax.get_xlim()
    major = [t for t in ax.xaxis.get_majorticklocs() if lo <= t <= hi]
    assert np.allclose(np.diff(major), 5) and np.all(np.asarray(major) % 5 == 0)   # labelled every 5 years
    every = [t for t in np.union1d(major, ax.xaxis.get_minorticklocs()) if lo <= t <= hi]
    assert np.allclose(np.diff(every), 1)                               # and a small tick every year
    assert ax.get_xlabel() == "year of publication"
    assert lo < timeline["year"].min() and hi > timeline["year"].max()
    with pytest.raises(ValueError, match="missing \\['model'\\]"):
        figures.plot_timeline(timeline[["year"]])
    with pytest.raises(ValueError, match="unknown theme"):
        figures.plot_timeline(timeline.assign(theme="poetry"))


def test_timeline_attributes_norm_clipping_to_pascanu_and_elementwise_to_mikolov():
    from course_utils import data

    row = data.rnn_timeline().set_index("model").loc["Exploding gradients and norm clipping"]
    assert row["year"] == 2013 and row["authors"].startswith("R. Pascanu, T. Mikolov, Y. Bengio")
    assert "2012 thesis" in row["contribution"] and "element-wise" in row["contribution"]
    assert "ICML 2013" in row["reference"]


def test_draw_classic_networks_labels_and_the_jordan_self_loop():
    import matplotlib as mpl

    fig = figures.draw_classic_networks()
    hopfield, jordan, elman = fig.axes[:3]
    texts = [{t.get_text() for t in ax.texts} for ax in (hopfield, jordan, elman)]
    assert {"$s_1$", "$s_2$", "$s_3$", "$s_4$", "$U_{12} = U_{21}$"} <= texts[0]
    assert {r"$\lambda$", r"$s_t = \lambda s_{t-1} + y_{t-1}$", "$W$", "$U$", "$W_y$"} <= texts[1]
    assert {"$W$", "$U$", "$W_y$", "context\n$h_{t-1}$"} <= texts[2]
    arrows = [[p for p in ax.patches if isinstance(p, mpl.patches.FancyArrowPatch)]
              for ax in (hopfield, jordan, elman)]
    assert len(arrows[0]) == 6                                   # one symmetric arrow per pair of 4 units
    # Jordan: x->h, h->y, s->h, the dashed copy of y_t and the lambda self-loop on the state
    assert len(arrows[1]) == 5 and len(arrows[2]) == 4
    assert [a.get_gid() for a in arrows[1]].count("state_decay_loop") == 1   # the lambda loop
    assert [a.get_gid() for a in arrows[1]].count("copy") == 1                # y_t copied, dashed
    assert [a.get_gid() for a in arrows[2]].count("copy") == 1                # h_t copied, dashed
    assert all(a.get_linestyle() in ("--", "dashed") for ax_arrows in arrows[1:]
               for a in ax_arrows if a.get_gid() == "copy")
    # no label overlaps another label in the same panel
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in (hopfield, jordan, elman):
        boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text().strip()]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not a.overlaps(b), (ax.get_title(), a, b)


def test_draw_course_map_mentions_grey_only_when_a_chapter_is_planned(monkeypatch):
    import dataclasses

    from course_utils import syllabus
    from course_utils.figures import course_map

    ax = figures.draw_course_map()
    assert "planned" not in ax.get_title()
    assert len([t for t in ax.texts if t.get_text()[:1].isdigit()]) == len(syllabus.CHAPTERS)
    planned = tuple(dataclasses.replace(c, status="planned") if c.number == 10 else c
                    for c in syllabus.CHAPTERS)
    monkeypatch.setattr(course_map, "CHAPTERS", planned)
    assert "(grey: planned)" in figures.draw_course_map().get_title()


def test_draw_io_patterns_has_five_titled_panels():
    fig = figures.draw_io_patterns()
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert len(titles) == 5
    assert [t.split("\n")[0] for t in titles] == [p[0] for p in figures.IO_PATTERNS]
