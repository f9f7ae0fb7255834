"""Journey figures: content, layout (nothing spills out of its column), empty journeys, saving."""

from __future__ import annotations

import math
import os

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from cjm_research.analysis import build_journey
from cjm_research.model import Code, Codebook
from cjm_research.report import charts
from journey_data import FIGURES, make_codebook, make_journey, make_segments, save_journey_figures

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def journey():
    return make_journey()


@pytest.fixture(scope="module")
def codebook():
    return make_codebook()


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


def _lane(fig: Figure, name: str) -> matplotlib.axes.Axes:
    (ax,) = [ax for ax in fig.axes if ax.get_label() == name]
    return ax


def test_journey_map_has_stage_columns_and_lanes(journey, codebook):
    fig = charts.journey_map(journey, codebook, title="Busy parent")
    texts = _texts(fig)
    assert "Journey map: Busy parent" in texts
    assert [ax.get_label() for ax in fig.axes] == [
        "header",
        "actions",
        "touchpoints",
        "emotion",
        "pain",
        "opportunities",
        "evidence",
    ]
    header = [t.get_text() for t in _lane(fig, "header").texts]
    assert header == [c.label for c in codebook.stages]
    for lane in ("Customer\nactions", "Touch-\npoints", "Emotion\n(valence)", "Pain\npoints",
                 "Opportu-\nnities", "Evidence"):  # fmt: skip
        assert lane in texts
    touchpoints = [t.get_text() for t in _lane(fig, "touchpoints").texts]
    assert "Phone support (3)" in touchpoints
    pain = [t.get_text() for t in _lane(fig, "pain").texts]
    assert "Phone support" in pain and "3 participants" in pain
    evidence = [t.get_text() for t in _lane(fig, "evidence").texts]
    assert evidence.count("low evidence") == len(journey.low_evidence) == 3
    assert "6 segments" in evidence and "5 of 5 participants" in evidence
    # no curated opportunity at all: one line says so, not a dash in every column
    empty = [t.get_text() for t in _lane(fig, "opportunities").texts]
    assert len(empty) == 1 and empty[0].startswith("No opportunities curated for this persona yet")
    some = charts.journey_map(journey, codebook, opportunities={"support": ["Call back"]})
    lane = [t.get_text() for t in _lane(some, "opportunities").texts]
    assert "Call back" in lane and lane.count("—") == len(journey.stages) - 1


def test_journey_map_emotion_lane_leaves_a_gap_for_stages_without_data(journey, codebook):
    fig = charts.journey_map(journey, codebook)
    emotion = _lane(fig, "emotion")
    curve_line = max(emotion.get_lines(), key=lambda line: len(line.get_xdata()))
    y = np.asarray(curve_line.get_ydata(), dtype=float)
    usage = journey.stages.index("usage")
    assert math.isnan(y[usage]), "a stage nobody spoke of must not be drawn as zero"
    assert y[journey.stages.index("support")] == pytest.approx(-0.4833, abs=1e-3)
    labels = [t.get_text() for t in emotion.texts]
    assert "no data" in labels and "−0.48 · n = 6" in labels
    assert emotion.get_ylim()[0] < -1 and emotion.get_ylim()[1] > 1


def _column_overflows(fig: Figure, lanes: tuple[str, ...]) -> list[str]:
    """Texts whose rendered box leaves their stage column or their lane."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    problems = []
    for name in lanes:
        ax = _lane(fig, name)
        lane_box = ax.get_window_extent(renderer)
        for text in ax.texts:
            if text.get_transform() != ax.transData:
                continue  # axes-relative messages span the lane on purpose
            box = text.get_window_extent(renderer)
            column = round(text.get_position()[0])
            left = ax.transData.transform((column - 0.5, 0))[0]
            right = ax.transData.transform((column + 0.5, 0))[0]
            inside = box.x0 >= left - 1 and box.x1 <= right + 1
            in_lane = box.y0 >= lane_box.y0 - 1 and box.y1 <= lane_box.y1 + 1
            if not (inside and in_lane):
                problems.append(f"{name}: {text.get_text()!r}")
    return problems


def test_journey_map_text_stays_inside_its_cell(journey, codebook):
    fig = charts.journey_map(journey, codebook)
    assert _column_overflows(fig, ("header", "touchpoints", "emotion", "pain", "evidence")) == []


def test_journey_map_wraps_long_labels_with_many_stages():
    long_names = [
        "Problem recognition and very first awareness",
        "Comparison of alternatives",
        "Purchase",
        "Onboarding and account configuration",
        "Everyday usage",
        "Troubleshooting",
        "Support escalation procedures",
        "Renewal",
        "Retention",
        "Advocacy and recommendation",
        "Win-back",
        "Offboarding",
    ]
    stages = tuple(Code(f"s{i}", name) for i, name in enumerate(long_names))
    base = make_codebook()
    touchpoints = (
        *base.touchpoints,
        Code("self_service_knowledge_base", "Self-service knowledge base"),
    )
    codebook = Codebook("Wide", "1", stages, touchpoints, base.emotions)
    segments = make_segments()
    mapping = dict(zip([c.id for c in base.stages], [c.id for c in stages], strict=False))
    segments["stage"] = segments["stage"].map(lambda s: mapping.get(s, s))
    segments.loc[segments["touchpoints"] == "chat", "touchpoints"] = "self_service_knowledge_base"
    journey = build_journey(segments, codebook, "busy-parent")
    fig = charts.journey_map(journey, codebook)
    assert fig.get_figwidth() == pytest.approx(11.7)
    assert _column_overflows(fig, ("header", "touchpoints", "emotion", "pain", "evidence")) == []
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
    assert min(sizes) >= 8, "the map must stay readable when printed on A4"


def test_stage_colors_prefer_the_codebook(codebook):
    colors = charts.stage_colors(codebook, codebook.stage_ids)
    assert colors["awareness"] == "#E69F00"  # given in the codebook
    assert colors["consideration"] == charts.OKABE_ITO[1]
    custom = Codebook("c", "1", (Code("a", "A", color="#123456"),), (), ())
    assert charts.stage_colors(custom, ["a"]) == {"a": "#123456"}


def test_emotion_curve_figure(journey):
    fig = charts.emotion_curve_figure(journey)
    (ax,) = fig.axes
    assert ax.get_ylim() == pytest.approx((-1.05, 1.05))
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks[journey.stages.index("support")] == "Support\n(n = 6)\n83 % neg\n17 % pos"
    # Every line of every stage's label fits its column (one line of shares ran into the next).
    from cjm_research.report.charts.style import PAGE_WIDTH, width_pt

    column = ((PAGE_WIDTH - 1.0) / len(ticks) - 0.08) * 72
    for label in ax.get_xticklabels():
        assert all(
            width_pt(line, label.get_fontsize()) <= column for line in label.get_text().split("\n")
        )
    assert ticks[journey.stages.index("usage")] == "Usage\n(no data)"
    # the band: one fill for neighbouring stages, a bar for a stage between gaps (Support)
    assert len(ax.collections) >= 2


def test_touchpoint_heatmap_shows_labels_of_used_touchpoints_only(journey, codebook):
    fig = charts.touchpoint_heatmap(journey, codebook)
    ax = fig.axes[0]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert "Phone support" in rows and "Word of mouth" in rows
    assert "Packaging" not in rows and "packaging" not in rows
    columns = [t.get_text() for t in ax.get_xticklabels()]
    assert columns == [c.label for c in make_codebook().stages]
    annotations = [t.get_text() for t in ax.texts]
    assert "3" in annotations and "0" not in annotations


def test_emotion_heatmap(journey, codebook):
    fig = charts.emotion_heatmap(journey, codebook)
    rows = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert rows[:2] == ["Joy", "Trust"] and "Sadness" not in rows


def test_empty_journey_draws_every_figure_without_raising(codebook, tmp_path):
    empty = make_journey("nobody-here")
    assert empty.n_segments == 0
    fig = charts.journey_map(empty, codebook)
    assert "No coded segments for this persona" in _texts(fig)
    assert "No touchpoints coded for this persona" in _texts(
        charts.touchpoint_heatmap(empty, codebook)
    )
    assert "No emotions coded for this persona" in _texts(charts.emotion_heatmap(empty, codebook))
    assert "No coded segments for this persona" in _texts(charts.emotion_curve_figure(empty))
    paths = save_journey_figures(empty, codebook, tmp_path)
    assert sorted(paths) == sorted(FIGURES)
    assert all(p.read_bytes().startswith(PNG_MAGIC) for p in paths.values())


def test_journey_with_no_stages_in_codebook(journey):
    bare = Codebook("bare", "1", (), (), ())
    empty = build_journey(make_segments(), bare, "busy-parent")
    # Segments without a stage of this codebook: each figure says there is nothing to draw.
    for fig, note in (
        (charts.journey_map(empty, bare), "No coded segments for this persona"),
        (charts.emotion_curve_figure(empty), "No coded segments for this persona"),
        (charts.touchpoint_heatmap(empty, bare), "No touchpoints coded for this persona"),
    ):
        assert note in _texts(fig)


def test_save_figure_writes_a_reproducible_png_and_closes(journey, codebook, tmp_path):
    first = charts.save_figure(charts.journey_map(journey, codebook), tmp_path / "a" / "map.png")
    second = charts.save_figure(charts.journey_map(journey, codebook), tmp_path / "b.png", dpi=200)
    data = first.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert b"Software" not in data and b"Creation Time" not in data
    assert data == second.read_bytes(), "the same journey must give the same pixels"
    assert os.listdir(tmp_path / "a") == ["map.png"]  # no temp file left behind
    fig = charts.emotion_curve_figure(journey)
    charts.save_figure(fig, tmp_path / "curve.png")
    assert fig.axes == []  # released


def test_saved_figures_are_readable_by_others(journey, tmp_path):
    old = os.umask(0o022)
    try:
        path = charts.save_figure(charts.emotion_curve_figure(journey), tmp_path / "curve.png")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


def test_save_figure_failure_keeps_the_previous_file(journey, tmp_path, monkeypatch):
    target = charts.save_figure(charts.emotion_curve_figure(journey), tmp_path / "curve.png")
    before = target.read_bytes()

    def broken(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(OSError, match="disk full"):
        charts.save_figure(charts.emotion_curve_figure(journey), target)
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["curve.png"]


def test_participant_dollars_are_not_mathtext(codebook):
    segments = make_segments()
    segments.loc[segments["segment_id"] == "p01-interview:10", "text"] = (
        # understood without its question ("It cost me…" would give way to a turn that is)
        "The call cost me $5 and then $10 more on hold, what a waste of an evening."
    )
    journey = build_journey(segments, codebook, "busy-parent")
    fig = charts.journey_map(journey, codebook)
    fig.canvas.draw()  # mathtext would fail or swallow the dollar signs
    pain = " ".join(t.get_text() for t in _lane(fig, "pain").texts)
    assert "$5" in pain


def test_segments_fixture_is_a_segments_table():
    from cjm_research import segments

    table = make_segments()
    assert tuple(table.columns) == segments.COLUMNS
    pd.testing.assert_frame_equal(segments.typed(table), table, check_dtype=False)
    assert (table["role"] == "participant").sum() == len(table) - 1


def test_text_cut_to_fit_ends_on_a_whole_word():
    from cjm_research.report.charts.style import wrap

    text = "Offer paid two-hour delivery slots for evenings and weekends"
    for width in (0.8, 1.0, 1.3, 1.6):
        lines = wrap(text, width, 8, max_lines=1)
        assert len(lines) == 1 and lines[0].endswith("…")
        kept = lines[0].removesuffix("…").split()
        assert kept == text.split()[: len(kept)], lines


def test_an_emoji_the_font_lacks_warns_nobody(tmp_path):
    # In a report notebook the warning (with a path of this package) prints above the title.
    import warnings

    from cjm_research.report.charts.saving import save_figure
    from cjm_research.report.charts.style import width_pt

    fig = Figure(figsize=(2, 1))
    fig.text(0.1, 0.5, "Loved it \U0001f642")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        width_pt("So slow \U0001f624", 9.0)
        save_figure(fig, tmp_path / "emoji.png")
    assert (tmp_path / "emoji.png").stat().st_size > 0
    assert not [w for w in caught if "missing from font" in str(w.message)]


def test_the_pain_lane_quotes_whole_words_of_the_complaint():
    from cjm_research.report.charts.journey_map import _lane_quote

    long = (
        "Quite sad, and a little bit angry, but not at Harbour, at the thieves who took it from "
        "outside my flat in the middle of the night. It is not their fault there is no parts."
    )
    short = "Three weeks and still nobody called me back."
    journey = make_journey()
    segments = pd.DataFrame(
        {"segment_id": ["a:1", "b:1"], "text": [long, short], "valence": [-0.85, -0.6]}
    )
    texts = dict(zip(segments["segment_id"], segments["text"], strict=True))
    journey.segments = segments
    row = pd.Series({"evidence": ("a:1", "b:1"), "example": "a:1"})
    # the most negative turn does not fit four lines; the next one does, whole
    assert " ".join(_lane_quote(row, journey, texts, 1.6, 4)) == f"“{short}”"
    # with only the long turn, it is cut between words, and the cut says so
    alone = pd.Series({"evidence": ("a:1",), "example": "a:1"})
    said = _lane_quote(alone, journey, texts, 1.6, 4)
    assert len(said) == 4 and said[0].startswith("“Quite sad") and said[-1].endswith("…")


def test_a_lane_leaves_out_its_last_phrase_before_cutting_phrases_to_stubs():
    from cjm_research.report.charts.journey_map import _share_lines

    phrases = ["asked in a forum thread", "got a few new clients", "answered a support ticket"]
    each = [len(charts.style.wrap(p, 0.9, 8.5)) for p in phrases]
    assert all(n == 2 for n in each)  # two lines each at this width
    kept = _share_lines(phrases, 0.9, 8.5, budget=5)
    assert [" ".join(lines) for lines in kept] == phrases[:2]  # whole, not "asked in a…"
    # one phrase longer than the lane is still cut, and says so
    [cut] = _share_lines(["a very long phrase " * 6], 0.9, 8.5, budget=2)
    assert len(cut) == 2 and cut[-1].endswith("…")


def test_the_pain_lane_quotes_a_turn_understood_without_its_question_first():
    from cjm_research.report.charts.journey_map import _lane_quote

    replies = "A bit, yeah. Because of the stairs."  # the most negative: needs its question
    alone = "The driver left the boxes on the drive in the rain."
    journey = make_journey()
    journey.segments = pd.DataFrame(  # both clearly negative (the rules coder's -0.5 or below)
        {"segment_id": ["a:1", "b:1"], "text": [replies, alone], "valence": [-0.8, -0.6]}
    )
    texts = dict(zip(journey.segments["segment_id"], journey.segments["text"], strict=True))
    row = pd.Series({"evidence": ("a:1", "b:1"), "example": "a:1"})
    assert " ".join(_lane_quote(row, journey, texts, 1.6, 4)) == f"“{alone}”"
    # Nothing else to show: the reply it is, as before.
    only = pd.Series({"evidence": ("a:1",), "example": "a:1"})
    assert " ".join(_lane_quote(only, journey, texts, 1.6, 4)) == f"“{replies}”"


def test_the_pain_lane_quotes_no_words_twice_across_the_map():
    from cjm_research.report.charts.journey_map import _lane_quote

    said = "Three weeks and still nobody called me back."
    journey = make_journey()
    journey.segments = pd.DataFrame(
        {
            "segment_id": ["a:1", "b:1", "c:1"],
            "text": [said, "three weeks, and STILL nobody called me back!", "The bot hung up."],
            "valence": [-0.6, -0.7, -0.5],
        }
    )
    texts = dict(zip(journey.segments["segment_id"], journey.segments["text"], strict=True))
    shown: list[tuple[str, ...]] = []
    assert " ".join(_lane_quote(pd.Series({"evidence": ("a:1",)}), journey, texts, 1.6, 4, shown))
    # another stage's pain point: its strongest turn says the same, so its next one is quoted
    other = pd.Series({"evidence": ("b:1", "c:1"), "example": "b:1"})
    assert " ".join(_lane_quote(other, journey, texts, 1.6, 4, shown)) == "“The bot hung up.”"
    assert _lane_quote(pd.Series({"evidence": ("b:1",)}), journey, texts, 1.6, 4, shown) == []


def test_the_pain_lane_quotes_a_turn_saying_the_pain_not_a_mild_one_that_fits_whole():
    # A recycling study's map quoted "No, actually. They came correct. But I was worried all
    # week." (-0.23) for Delivery during Onboarding while two turns at -0.6 said the pain.
    from cjm_research.report.charts.journey_map import _lane_quote

    late = (
        "Not that day. At six I rang and they said the crew ran out of time, they'd come "
        "tomorrow. Tomorrow I was handing the keys back. So I'm stood there with a wardrobe "
        "on the pavement and the letting agent ringing me every hour."
    )
    nappies = (
        "They took our stuff and left the nappies. Said they can only take what's booked. "
        "Which, I get it, but now I've got someone else's nappies in my dad's front garden."
    )
    mild = "No, actually. They came correct. But I was worried all week."
    journey = make_journey()
    journey.moment_valences = (-0.15, 0.2)  # the semantic coder's: clearly negative at -0.3
    journey.segments = pd.DataFrame(
        {"segment_id": ["a:1", "b:1", "c:1"], "text": [late, nappies, mild]}
    ).assign(valence=[-0.6, -0.6, -0.23])
    texts = dict(zip(journey.segments["segment_id"], journey.segments["text"], strict=True))
    row = pd.Series({"evidence": ("a:1", "b:1", "c:1"), "example": "a:1"})
    quoted = " ".join(_lane_quote(row, journey, texts, 1.6, 4))
    # the complaint's own sentences, the reply opening "Not that day." left out, and says so
    assert (
        quoted
        == "“…At six I rang and they said the crew ran out of time, they'd come tomorrow.\u00a0…”"
    )
    assert "came correct" not in quoted
    # with no clearly negative turn, the mild one is all there is to quote
    only = pd.Series({"evidence": ("c:1",), "example": "c:1"})
    assert " ".join(_lane_quote(only, journey, texts, 1.6, 4)) == f"“{mild}”"
    # nothing whole fits: cut between words from where it says something, never "Not that day."
    cut = _lane_quote(pd.Series({"evidence": ("a:1",)}), journey, texts, 1.0, 3)
    assert cut[0].startswith("“…At six I rang") and cut[-1].endswith("…")
