"""Figures of a persona's journey: the journey map, the emotion curve and code-by-stage heatmaps.

Figures are built on :class:`matplotlib.figure.Figure` with an Agg canvas, never through pyplot's
global state, so building many in a batch neither leaks memory nor depends on the session's backend.
Every style setting is fixed here (``_RC``) so the same journey always gives the same pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle
from matplotlib.textpath import text_to_path
from matplotlib.ticker import MaxNLocator

from cjm_research.analysis import MIN_EVIDENCE, Journey, plural, signed, top_counts
from cjm_research.compare import Comparison
from cjm_research.iorw import atomic_path
from cjm_research.model import Codebook

#: Okabe & Ito's colour-blind-safe palette (black last: it is the default text colour).
OKABE_ITO: tuple[str, ...] = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
)
NEGATIVE = "#D55E00"  # vermillion
POSITIVE = "#009E73"  # bluish green
LINE = "#0072B2"  # blue
MUTED = "#6B6B6B"
GRID = "#D9D9D9"
LOW_EVIDENCE_FILL = "#F2F2F2"
TITLE_COLOR = "#1F4E5A"  # dark teal, as the Word headings
WARN = "#8A3B00"  # dark vermillion: readable on grey

#: File names :func:`save_journey_figures` writes, by the key the renderers look them up with.
FIGURE_FILES: dict[str, str] = {
    "journey_map": "journey_map.png",
    "emotion_curve": "emotion_curve.png",
    "touchpoint_heatmap": "touchpoint_heatmap.png",
    "emotion_heatmap": "emotion_heatmap.png",
}

_FONT = "DejaVu Sans"
# DejaVu Sans ships with matplotlib, so every machine renders (and measures) the same glyphs;
# hashsalt keeps SVG ids stable between runs; participants' "$5" must not turn into mathtext.
_RC: dict[str, object] = {
    "font.family": "sans-serif",
    "font.sans-serif": [_FONT],
    "text.parse_math": False,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "axes.edgecolor": "#444444",
    "axes.linewidth": 0.8,
    "text.color": "#222222",
    "axes.labelcolor": "#222222",
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "axes.unicode_minus": True,
    "figure.dpi": 100,
    "svg.hashsalt": "cjm-research",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
}

_MAP_SIZE = (11.7, 7.4)  # A4 landscape, the page the journey map is designed for
_PAGE_WIDTH = 6.7  # inches of text width on A4 portrait with 2 cm margins


def _new_figure(width: float, height: float, *, constrained: bool = False) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained" if constrained else None)
    FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")
    return fig


@cache
def _width_pt(text: str, size: float, weight: str = "normal", style: str = "normal") -> float:
    """The rendered width of ``text`` in points (measured, not guessed from character counts)."""
    prop = FontProperties(family=_FONT, size=size, weight=weight, style=style)
    return float(text_to_path.get_text_width_height_descent(text, prop, ismath=False)[0])


def _wrap(
    text: str,
    width_in: float,
    size: float,
    *,
    max_lines: int = 0,
    weight: str = "normal",
    style: str = "normal",
) -> list[str]:
    """``text`` broken into lines no wider than ``width_in`` inches at ``size`` points.

    With ``max_lines``, the last kept line ends with an ellipsis so a cut is never silent; the
    cut falls between words ("Offer paid two-hour…" would read as a word that does not exist).
    """
    limit = width_in * 72

    def fits(line: str) -> bool:
        return _width_pt(line, size, weight, style) <= limit

    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if fits(candidate):
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while not fits(current) and len(current) > 1:  # a word wider than the column
            cut = 1
            while cut + 1 < len(current) and fits(current[: cut + 1] + "-"):
                cut += 1
            lines.append(current[:cut] + "-")
            current = current[cut:]
    if current:
        lines.append(current)
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while " " in last and not fits(last + "…"):
            last = last.rsplit(" ", 1)[0].rstrip(" ,;:—–-")
        while last and not fits(last + "…"):  # one word wider than the column
            last = last[:-1]
        lines[-1] = last + "…"
    return lines


def _fitting_size(
    labels: Sequence[str], width_in: float, base: float, floor: float, *, weight: str = "normal"
) -> float:
    """The largest size up to ``base`` (in half points) at which every word fits ``width_in``."""
    words = (w for label in labels for w in label.split())
    widest = max((_width_pt(w, base, weight) for w in words), default=0.0)
    if widest <= width_in * 72:
        return base
    return max(floor, math.floor(base * width_in * 72 / widest * 2) / 2)


def stage_colors(codebook: Codebook, stages: Sequence[str]) -> dict[str, str]:
    """A colour per stage: the codebook's where given, else Okabe-Ito in stage order."""
    given = {c.id: c.color for c in codebook.stages if c.color}
    return {s: given.get(s) or OKABE_ITO[i % len(OKABE_ITO)] for i, s in enumerate(stages)}


def _lighten(color: str, amount: float) -> tuple[float, float, float]:
    r, g, b = matplotlib.colors.to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def _curve(journey: Journey) -> pd.DataFrame:
    """The emotion curve in stage order with plain float columns (NaN where unknown)."""
    curve = journey.emotion_curve.reindex(journey.stages)
    out = pd.DataFrame(index=journey.stages)
    for column in (
        "mean_valence",
        "ci_low",
        "ci_high",
        "negative_share",
        "positive_share",
        "lowest",
        "highest",
    ):
        out[column] = pd.to_numeric(curve.get(column), errors="coerce").astype(float)
    out["n"] = pd.to_numeric(curve.get("n"), errors="coerce").fillna(0).astype(int)
    return out


def _marker_color(value: float, band: float) -> str:
    """A valence's colour as the report reads it: neutral (grey) within the coder's band."""
    if value < -band:
        return NEGATIVE
    return POSITIVE if value > band else MUTED


def _draw_curve(ax: Axes, curve: pd.DataFrame, low: set[str], band: float) -> None:
    """Neutral band, each stage's range of single segments (its lowest and highest), the mean's
    95 % interval, line and markers; NaN stages break the line instead of faking a zero."""
    x = np.arange(len(curve))
    ax.axhspan(-band, band, color=MUTED, alpha=0.12, linewidth=0, zorder=0.6)
    ax.axhline(0, color=MUTED, linewidth=0.8, linestyle=(0, (4, 3)), zorder=1)
    # The highs and lows a mean hides: a stage where a third were furious must not look neutral.
    for i, row in enumerate(curve.itertuples()):
        if math.isnan(row.lowest):
            continue
        ax.plot([i, i], [row.lowest, row.highest], color=MUTED, linewidth=0.8, zorder=1.5)
        for value, marker in ((row.lowest, "v"), (row.highest, "^")):
            ax.plot([i], [value], marker=marker, markersize=4.5, linestyle="none",
                    color=_marker_color(value, band), zorder=1.6, clip_on=False)  # fmt: skip
    ax.fill_between(
        x,
        curve["ci_low"].to_numpy(),
        curve["ci_high"].to_numpy(),
        color=LINE,
        alpha=0.16,
        linewidth=0,
        zorder=2,
        label="95 % interval",
    )
    # fill_between needs two neighbouring intervals; a stage between gaps gets its band as a bar.
    known = (curve["ci_low"].notna() & curve["ci_high"].notna()).to_numpy()
    for i in np.flatnonzero(known):
        if (i > 0 and known[i - 1]) or (i + 1 < len(curve) and known[i + 1]):
            continue
        ax.fill_between(
            [i - 0.12, i + 0.12],
            curve["ci_low"].iloc[i],
            curve["ci_high"].iloc[i],
            color=LINE,
            alpha=0.16,
            linewidth=0,
            zorder=2,
        )
    ax.plot(x, curve["mean_valence"].to_numpy(), color=LINE, linewidth=2, zorder=3)
    for i, (stage, row) in enumerate(curve.iterrows()):
        value = row["mean_valence"]
        if math.isnan(value):
            continue
        color = _marker_color(value, band)
        # Hollow markers flag stages resting on too few segments to trust.
        face = "white" if stage in low else color
        ax.plot(
            [i],
            [value],
            marker="o",
            markersize=7,
            markerfacecolor=face,
            markeredgecolor=color,
            markeredgewidth=1.8,
            zorder=4,
            clip_on=False,
        )


# ---------------------------------------------------------------------------------- journey map

_Blocks = list[tuple[list[str], dict[str, object]]]
_LANES: tuple[tuple[str, str, float], ...] = (
    # (key, label on the left, relative height)
    ("header", "", 0.55),
    # Room for three short action phrases of two lines each ("rang the courier / number").
    ("actions", "Customer\nactions", 1.15),
    ("touchpoints", "Touch-\npoints", 0.8),
    ("emotion", "Emotion\n(valence)", 1.6),
    ("pain", "Pain\npoints", 1.3),
    ("opportunities", "Opportu-\nnities", 0.75),
    ("evidence", "Evidence", 0.8),
)
_LEFT, _RIGHT, _TOP, _BOTTOM, _GAP = 1.05, 0.15, 0.5, 0.1, 0.06  # inches
_BLOCK_GAP = 0.35  # space between stacked text blocks, in lines


def journey_map(
    journey: Journey,
    codebook: Codebook,
    *,
    title: str = "",
    opportunities: dict[str, list[str]] | None = None,
) -> Figure:
    """The journey map: stages as columns; lanes for what customers do, touchpoints, emotion,
    pain points, opportunities and evidence.

    ``title`` names the persona in the heading (the persona id when empty); ``opportunities``
    gives each stage's opportunity lines (see ``insights.opportunities_by_stage``).
    """
    with matplotlib.rc_context(_RC):
        fig = _new_figure(*_MAP_SIZE)
        stages = list(journey.stages)
        col_in = (_MAP_SIZE[0] - _LEFT - _RIGHT) / max(1, len(stages))
        heights = _lane_heights()
        # Labelled axes let callers and tests find a lane: fig.axes[i].get_label() == "emotion".
        axes = {key: fig.add_axes(_lane_rect(key, heights), label=key) for key, _, _ in _LANES}
        for ax in axes.values():
            ax.set_xlim(-0.5, max(1, len(stages)) - 0.5)
        low = set(journey.low_evidence)
        _map_title(fig, journey, title)
        _header_lane(axes["header"], journey, codebook, col_in, heights["header"])
        _list_lane(axes["actions"], journey.stages, journey.phrases, col_in, heights["actions"])
        _touchpoint_lane(axes["touchpoints"], journey, codebook, col_in, heights["touchpoints"])
        _emotion_lane(axes["emotion"], journey, low, col_in)
        _pain_lane(axes["pain"], journey, codebook, col_in, heights["pain"])
        _list_lane(
            axes["opportunities"],
            journey.stages,
            opportunities or {},
            col_in,
            heights["opportunities"],
            color=POSITIVE,
        )
        _evidence_lane(axes["evidence"], journey, low, col_in, heights["evidence"])
        for key, label, _ in _LANES:
            if label:
                top, size = _lane_box(key, heights)
                fig.text(
                    0.1 / _MAP_SIZE[0],
                    1 - (top + size / 2) / _MAP_SIZE[1],
                    label,
                    ha="left",
                    va="center",
                    fontsize=9.5,
                    fontweight="bold",
                    color=TITLE_COLOR,
                )
                _shade_low(axes[key], stages, low, hatch=key == "evidence")
    return fig


def _lane_heights() -> dict[str, float]:
    """Lane heights in inches: the relative heights scaled to fill the figure."""
    free = _MAP_SIZE[1] - _TOP - _BOTTOM - _GAP * (len(_LANES) - 1)
    total = sum(weight for _, _, weight in _LANES)
    return {key: weight * free / total for key, _, weight in _LANES}


def _lane_box(key: str, heights: dict[str, float]) -> tuple[float, float]:
    """(top, height) of a lane in inches from the top edge of the figure."""
    top = _TOP
    for other, _, _ in _LANES:
        if other == key:
            break
        top += heights[other] + _GAP
    return top, heights[key]


def _lane_rect(key: str, heights: dict[str, float]) -> tuple[float, float, float, float]:
    width, height = _MAP_SIZE
    top, size = _lane_box(key, heights)
    return (_LEFT / width, 1 - (top + size) / height, 1 - (_LEFT + _RIGHT) / width, size / height)


def _map_title(fig: Figure, journey: Journey, title: str) -> None:
    width, height = _MAP_SIZE
    fig.text(
        0.1 / width,
        1 - 0.22 / height,
        f"Journey map: {title or journey.persona_id}",
        ha="left",
        va="center",
        fontsize=13,
        fontweight="bold",
        color=TITLE_COLOR,
    )
    facts = (
        f"{plural(journey.n_participants, 'participant')} · "
        f"{plural(journey.n_interviews, 'interview')} · "
        f"{plural(journey.n_segments, 'coded segment')}"
    )
    key = (
        f"Blue band: 95 % interval of the mean · grey strip: neutral (±{journey.neutral_band:g}) · "
        "▲ ▼ highest and lowest segment · hollow marker, grey column: low evidence "
        f"(< {MIN_EVIDENCE} segments)"
    )
    # The key on its own line under the title: long enough to reach under it.
    for offset, text, size in ((0.2, facts, 8.5), (0.41, key, 8)):
        fig.text(
            1 - _RIGHT / width,
            1 - offset / height,
            text,
            ha="right",
            va="center",
            fontsize=size,
            color=MUTED,
        )


def _text_lane(ax: Axes, n: int) -> None:
    """A lane of text cells: unit height, no ticks, light column separators."""
    ax.set_ylim(0, 1)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.axhline(1, color=GRID, linewidth=0.8)
    for i in range(n - 1):
        ax.axvline(i + 0.5, color=GRID, linewidth=0.8, zorder=0.5)


def _stack(ax: Axes, x: float, blocks: _Blocks, lane_in: float, *, top: float = 0.93) -> None:
    """Place lines of text top-down in a column, each block with its own text style."""
    y = top
    for lines, style in blocks:
        size = float(style.get("fontsize", 8.5))  # type: ignore[arg-type]
        step = size * 1.3 / 72 / lane_in
        for line in lines:
            ax.text(x, y, line, ha="center", va="top", **{"fontsize": size, **style})
            y -= step
        y -= step * _BLOCK_GAP


def _capacity(lane_in: float, fontsize: float) -> int:
    """How many lines of ``fontsize`` fit in a lane ``lane_in`` inches high."""
    return max(1, int((lane_in - 0.12) * 72 / (fontsize * 1.3)))


def _header_lane(
    ax: Axes, journey: Journey, codebook: Codebook, col_in: float, lane_in: float
) -> None:
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    colors = stage_colors(codebook, journey.stages)
    names = [journey.stage_labels.get(s, s) for s in journey.stages]
    # Many stages or long names: a smaller font and a third line before any word is cut.
    size = _fitting_size(names, col_in - 0.12, 10, 8, weight="bold")
    lines = max(1, min(3, int((lane_in * 72 * 0.88 - 4) / (size * 1.15))))
    for i, stage in enumerate(journey.stages):
        color = colors[stage]
        ax.add_patch(Rectangle((i - 0.48, 0.0), 0.96, 1.0, facecolor=_lighten(color, 0.78)))
        ax.add_patch(Rectangle((i - 0.48, 0.0), 0.96, 0.12, facecolor=color))
        label = "\n".join(_wrap(names[i], col_in - 0.12, size, max_lines=lines, weight="bold"))
        ax.text(
            i,
            0.56,
            label,
            ha="center",
            va="center",
            fontsize=size,
            fontweight="bold",
            color="#1A1A1A",
            linespacing=1.1,
        )


def _touchpoint_lane(
    ax: Axes, journey: Journey, codebook: Codebook, col_in: float, lane_in: float
) -> None:
    _text_lane(ax, len(journey.stages))
    budget = _capacity(lane_in, 8.5)
    for i, stage in enumerate(journey.stages):
        top = top_counts(journey.touchpoint_stage, stage, 3)
        entries = [f"{codebook.label('touchpoints', code)} ({count})" for code, count in top]
        blocks: _Blocks = [(["—"], {"color": MUTED})]
        if entries:
            wrapped = _share_lines(entries, col_in - 0.12, 8.5, budget)
            blocks = [(lines, {"fontsize": 8.5}) for lines in wrapped]
        _stack(ax, i, blocks, lane_in)


def _list_lane(
    ax: Axes,
    stages: list[str],
    items: dict[str, list[str]],
    col_in: float,
    lane_in: float,
    *,
    color: str = "#1d2528",
) -> None:
    """A lane of short text items per stage (a dash where a stage has none)."""
    _text_lane(ax, len(stages))
    budget = _capacity(lane_in, 8.5)
    for i, stage in enumerate(stages):
        entries = [str(t) for t in items.get(stage, [])][:3]
        blocks: _Blocks = [(["—"], {"color": MUTED})]
        if entries:
            wrapped = _share_lines(entries, col_in - 0.12, 8.5, budget)
            blocks = [(lines, {"fontsize": 8.5, "color": color}) for lines in wrapped]
        _stack(ax, i, blocks, lane_in)


def _share_lines(texts: list[str], width_in: float, size: float, budget: int) -> list[list[str]]:
    """Wrap each text; while they overflow ``budget`` lines, cut the longest by a line."""
    wrapped = [_wrap(text, width_in, size) for text in texts]

    def used() -> float:
        return sum(len(lines) for lines in wrapped) + _BLOCK_GAP * (len(wrapped) - 1)

    while used() > budget:
        longest = max(range(len(wrapped)), key=lambda j: len(wrapped[j]))
        if len(wrapped[longest]) == 1:
            break
        keep = len(wrapped[longest]) - 1
        wrapped[longest] = _wrap(texts[longest], width_in, size, max_lines=keep)
    return wrapped


def _emotion_lane(ax: Axes, journey: Journey, low: set[str], col_in: float) -> None:
    curve = _curve(journey)
    ax.set_ylim(-1.8, 1.12)
    for spine in ("top", "right", "bottom"):
        ax.spines[spine].set_visible(False)
    ax.spines["left"].set_bounds(-1, 1)
    ax.set_xticks([])
    ax.set_yticks([-1, 0, 1], ["−1", "0", "+1"])
    for i in range(len(curve) - 1):
        ax.axvline(i + 0.5, color=GRID, linewidth=0.8, zorder=0.5)
    ax.axhline(1.12, color=GRID, linewidth=0.8)
    if len(curve):
        _draw_curve(ax, curve, low, journey.neutral_band)
    if not (curve["n"] > 0).any():
        ax.text(
            0.5,
            0.5,
            "No coded segments for this persona",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color=MUTED,
            fontsize=10,
        )
    for i, row in enumerate(curve.itertuples()):
        text, color = "no data", MUTED
        if row.n:
            text, color = f"{signed(row.mean_valence)} · n = {row.n}", "#333333"
            _share_bar(ax, i, row.negative_share, row.positive_share)
            neg, pos = round(100 * row.negative_share), round(100 * row.positive_share)
            line = next(
                (t for t in (f"{neg} % neg · {pos} % pos", f"{neg} % · {pos} %", f"{neg}·{pos}")
                 if _width_pt(t, 8) <= (col_in - 0.08) * 72),
                "",
            )  # fmt: skip
            ax.text(i, -1.5, line, ha="center", va="top", fontsize=8, color="#333333")
        line = _wrap(text, col_in - 0.08, 8, max_lines=1)[0]
        ax.text(i, -1.36, line, ha="center", va="bottom", fontsize=8, color=color)


def _share_bar(ax: Axes, x: float, negative: float, positive: float) -> None:
    """A diverging bar under a stage: negative segments' share to the left, positive to the
    right of the stage's centre (half a column each at 100 %)."""
    for share, sign, color in ((negative, -1, NEGATIVE), (positive, 1, POSITIVE)):
        if share > 0:
            ax.barh(-1.44, sign * 0.42 * share, left=x, height=0.07, color=color, zorder=2)
    ax.plot([x, x], [-1.48, -1.40], color=MUTED, linewidth=0.8, zorder=2.1)


def _segment_texts(journey: Journey) -> dict[str, str]:
    segments = journey.segments
    if segments.empty:
        return {}
    return dict(zip(segments["segment_id"].astype(str), segments["text"].astype(str), strict=True))


def _pain_lane(
    ax: Axes, journey: Journey, codebook: Codebook, col_in: float, lane_in: float
) -> None:
    _text_lane(ax, len(journey.stages))
    texts = _segment_texts(journey)
    pains = journey.pain_points
    width = col_in - 0.12
    for i, stage in enumerate(journey.stages):
        rows = pains[pains["stage"] == stage] if len(pains) else pains
        if rows.empty:
            _stack(ax, i, [(["—"], {"color": MUTED})], lane_in)
            continue
        row = rows.iloc[0]
        touchpoint = str(row["touchpoint"] or "")
        label = codebook.label("touchpoints", touchpoint) if touchpoint else "(no touchpoint)"
        head = _wrap(label, width, 9, max_lines=2, weight="bold")
        blocks: _Blocks = [
            (head, {"fontsize": 9, "fontweight": "bold", "color": NEGATIVE}),
            ([plural(int(row["participants"]), "participant")], {"fontsize": 8}),
        ]
        example = texts.get(str(row["example"]), "")
        room = _capacity(lane_in, 8) - len(head) - 2
        if example and room > 0:
            quoted = _wrap(f"“{example}”", width, 8, max_lines=room, style="italic")
            blocks.append((quoted, {"fontsize": 8, "fontstyle": "italic", "color": "#333333"}))
        _stack(ax, i, blocks, lane_in)


def _evidence_lane(
    ax: Axes, journey: Journey, low: set[str], col_in: float, lane_in: float
) -> None:
    stages = journey.stages
    _text_lane(ax, len(stages))
    ax.axhline(0, color=GRID, linewidth=0.8)
    coverage = journey.coverage.reindex(stages).fillna(0)
    total = journey.n_participants
    width = col_in - 0.08
    for i, stage in enumerate(stages):
        segments = int(coverage.loc[stage, "segments"])
        people = int(coverage.loc[stage, "participants"])
        blocks: _Blocks = [
            (_wrap(plural(segments, "segment"), width, 8, max_lines=1), {"fontsize": 8}),
            (_wrap(f"{people} of {total} participants", width, 8, max_lines=2), {"fontsize": 8}),
        ]
        if stage in low:
            blocks.append((["low evidence"], {"fontsize": 8, "fontweight": "bold", "color": WARN}))
        _stack(ax, i, blocks, lane_in)
        share = people / total if total else 0.0
        ax.add_patch(Rectangle((i - 0.4, 0.07), 0.8, 0.06, facecolor="#E6E6E6", linewidth=0))
        ax.add_patch(Rectangle((i - 0.4, 0.07), 0.8 * share, 0.06, facecolor=LINE, linewidth=0))


def _shade_low(ax: Axes, stages: list[str], low: set[str], *, hatch: bool) -> None:
    """Grey columns for stages whose evidence is too thin to read much into (hatched if asked).

    Hatching sits only behind short text: behind quotes and the curve it would hurt legibility.
    """
    y0, y1 = ax.get_ylim()
    for i, stage in enumerate(stages):
        if stage in low:
            ax.add_patch(
                Rectangle(
                    (i - 0.5, y0),
                    1,
                    y1 - y0,
                    facecolor=LOW_EVIDENCE_FILL,
                    edgecolor="#CFCFCF",
                    hatch="////" if hatch else None,
                    linewidth=0,
                    zorder=-1,
                )
            )


# ------------------------------------------------------------------------------ emotion curve


def emotion_curve_figure(journey: Journey) -> Figure:
    """Mean valence by stage with its 95 % band and n per stage, on a fixed -1..1 scale."""
    with matplotlib.rc_context(_RC):
        fig = _new_figure(_PAGE_WIDTH, 3.3, constrained=True)
        ax = fig.add_subplot()
        curve = _curve(journey)
        n = len(curve)
        ax.set_xlim(-0.5, max(1, n) - 0.5)
        ax.set_ylim(-1.05, 1.05)
        ax.set_yticks([-1, -0.5, 0, 0.5, 1], ["−1", "−0.5", "0", "+0.5", "+1"])
        ax.set_ylabel("Mean valence (−1 negative … +1 positive)")
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
        col_in = (_PAGE_WIDTH - 1.0) / max(1, n) - 0.08
        names = [journey.stage_labels.get(s, s) for s in curve.index]
        size = _fitting_size(names, col_in, 8.5, 6.5)
        labels = [
            "\n".join(_wrap(name, col_in, size, max_lines=2))
            + (
                "\n(no data)"
                if row.n == 0
                else f"\n(n = {row.n})\n{row.negative_share:.0%} neg · {row.positive_share:.0%} pos"
            ).replace("%", " %")
            for name, row in zip(names, curve.itertuples(), strict=True)
        ]
        ax.set_xticks(range(n), labels, fontsize=size)
        if n:
            _draw_curve(ax, curve, set(journey.low_evidence), journey.neutral_band)
        if not (curve["n"] > 0).any():
            ax.text(
                0.5,
                0.5,
                "No coded segments for this persona",
                transform=ax.transAxes,
                ha="center",
                va="center",
                color=MUTED,
            )
    return fig


# ----------------------------------------------------------------------------------- heatmaps


def touchpoint_heatmap(journey: Journey, codebook: Codebook) -> Figure:
    """Segments naming each touchpoint in each stage, touchpoints with any mention only."""
    return _code_heatmap(journey.touchpoint_stage, journey, codebook, "touchpoints", "Touchpoint")


def emotion_heatmap(journey: Journey, codebook: Codebook) -> Figure:
    """Segments coded with each emotion in each stage, emotions that occur only."""
    return _code_heatmap(journey.emotion_stage, journey, codebook, "emotions", "Emotion")


def _code_heatmap(
    table: pd.DataFrame, journey: Journey, codebook: Codebook, dimension: str, axis_label: str
) -> Figure:
    stages = list(journey.stages)
    table = table.reindex(columns=stages).fillna(0).astype(int)
    table = table[table.sum(axis=1) > 0]
    with matplotlib.rc_context(_RC):
        fig = _new_figure(_PAGE_WIDTH, max(2.2, 0.3 * len(table) + 1.6), constrained=True)
        ax = fig.add_subplot()
        if table.empty:
            _nothing(ax, f"No {dimension} coded for this persona")
            return fig
        shown = table.copy()
        shown.index = [codebook.label(dimension, c) for c in table.index]
        shown.columns = [journey.stage_labels.get(s, s) for s in stages]
        counts = table.to_numpy()
        _count_heatmap(
            ax,
            shown,
            np.where(counts > 0, counts.astype(str), ""),
            vmax=max(1, int(counts.max())),
            colorbar={"label": "segments", "ticks": MaxNLocator(integer=True)},
        )
        ax.set_ylabel(axis_label)
        # Slanted stage names on top read like a table header and never collide, however many.
        ax.set_xticks(
            ax.get_xticks(), list(shown.columns), rotation=35, ha="left", rotation_mode="anchor"
        )
    return fig


def _nothing(ax: Axes, message: str) -> None:
    """An empty chart's axes: no frame, just ``message`` in the middle."""
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        message,
        ha="center",
        va="center",
        transform=ax.transAxes,
        color=MUTED,
        fontsize=10,
    )


def _count_heatmap(
    ax: Axes,
    shown: pd.DataFrame,
    annot: np.ndarray,
    *,
    vmax: float,
    colorbar: dict[str, object],
    **labels: object,
) -> None:
    """The report's heatmap style: blues on a white grid, column names on top like a table.

    ``annot`` is blank where the value is zero, so the eye goes to where people actually spoke.
    """
    sns.heatmap(
        shown,
        ax=ax,
        annot=annot,
        fmt="",
        cmap="Blues",
        linewidths=0.6,
        linecolor="white",
        vmin=0,
        vmax=vmax,
        annot_kws={"fontsize": 8.5},
        cbar_kws={"shrink": 0.8, **colorbar},
        **labels,
    )
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="both", length=0)
    ax.xaxis.tick_top()
    ax.tick_params(axis="y", rotation=0)


# ------------------------------------------------------------------------------------ saving


def _metadata(fmt: str) -> dict[str, None]:
    # Timestamps and version strings make identical figures differ byte-wise; drop them.
    return {
        "png": {"Software": None, "Creation Time": None},
        "svg": {"Date": None, "Creator": None},
        "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
    }.get(fmt, {})


def save_figure(fig: Figure, path: Path | str, *, dpi: int = 200) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix) atomically, then close the figure."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    try:
        with atomic_path(path) as tmp, matplotlib.rc_context(_RC):
            fig.savefig(tmp, format=fmt, dpi=dpi, facecolor="white", metadata=_metadata(fmt))
    finally:
        _close(fig)
    return path


def save_figures(drawn: dict[str, Figure], out_dir: Path | str, stem: str) -> dict[str, Path]:
    """Save each figure as ``<out_dir>/<stem>-<name>.png``; return the paths by name."""
    return {
        name: save_figure(fig, Path(out_dir) / f"{stem}-{name}.png") for name, fig in drawn.items()
    }


def _close(fig: Figure) -> None:
    # Figures made here are not registered with pyplot; one a caller made through pyplot is.
    if fig.canvas.manager is not None:
        import matplotlib.pyplot as plt

        plt.close(fig)
    else:
        fig.clear()


def save_journey_figures(
    journey: Journey, codebook: Codebook, folder: Path | str, *, title: str = "", dpi: int = 200
) -> dict[str, Path]:
    """Render every journey figure into ``folder``; returns the paths by ``FIGURE_FILES`` key.

    The result is what :func:`cjm_research.report.render.docx.write_journey_docx` takes as ``figures``.
    """
    folder = Path(folder)
    figures = {
        "journey_map": journey_map(journey, codebook, title=title),
        "emotion_curve": emotion_curve_figure(journey),
        "touchpoint_heatmap": touchpoint_heatmap(journey, codebook),
        "emotion_heatmap": emotion_heatmap(journey, codebook),
    }
    return {
        key: save_figure(fig, folder / FIGURE_FILES[key], dpi=dpi) for key, fig in figures.items()
    }


# ------------------------------------------------------------------------- cross-persona figures

#: Persona colours: Okabe-Ito without yellow (too pale for lines on white), most distinct first.
PERSONA_COLORS: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
)
PERSONA_MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X")
PERSONA_LINESTYLES: tuple[object, ...] = ("-", (0, (5, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2)))


def persona_styles(personas: Sequence[str]) -> dict[str, dict[str, object]]:
    """Colour, marker and line style per persona: three cues, so no persona relies on colour."""
    return {
        pid: {
            "color": PERSONA_COLORS[i % len(PERSONA_COLORS)],
            "marker": PERSONA_MARKERS[i % len(PERSONA_MARKERS)],
            "linestyle": PERSONA_LINESTYLES[i % len(PERSONA_LINESTYLES)],
        }
        for i, pid in enumerate(personas)
    }


def _legend_columns(labels: list[str], width: float, size: float = 8.5) -> int:
    """How many legend entries of ``labels`` fit side by side in ``width`` inches."""
    widest = max(_width_pt(label, size) for label in labels) / 72 + 0.75
    return max(1, min(len(labels), int((width - 0.3) // widest)))


def _legend_height(labels: list[str], size: float = 8.5) -> float:
    """Inches a page-wide legend of ``labels`` takes: the figure grows by it, so 40 personas'
    legend never squeezes the plot under it to nothing."""
    rows = math.ceil(len(labels) / _legend_columns(labels, _PAGE_WIDTH, size))
    return rows * size * 1.9 / 72


def _persona_legend(fig: Figure, handles: list, size: float = 8.5) -> None:
    """A legend above the plot in as many columns as fit the figure's width (measured text)."""
    ncol = _legend_columns([h.get_label() for h in handles], fig.get_figwidth(), size)
    fig.legend(
        handles=handles,
        loc="outside upper center",
        ncol=ncol,
        frameon=False,
        fontsize=size,
        handlelength=2.6,
        columnspacing=1.2,
    )


def _persona_handle(style: dict[str, object], label: str, *, line: bool) -> object:
    return matplotlib.lines.Line2D(
        [],
        [],
        color=style["color"],
        linestyle=style["linestyle"] if line else "none",
        marker=style["marker"],
        linewidth=1.8,
        markersize=6,
        label=label,
    )


def _stage_ticks(ax: Axes, comparison: Comparison, col_in: float) -> None:
    names = [comparison.stage_labels.get(s, s) for s in comparison.stages]
    size = _fitting_size(names, col_in, 8.5, 6.5)
    labels = ["\n".join(_wrap(name, col_in, size, max_lines=2)) for name in names]
    ax.set_xticks(range(len(names)), labels, fontsize=size)


def persona_curves_figure(comparison: Comparison) -> Figure:
    """Every persona's mean valence by stage on one chart, with 95 % intervals and n per stage.

    Points are dodged sideways so intervals do not hide each other; hollow markers flag a persona's
    stage with fewer than ``MIN_EVIDENCE`` segments; the table under the chart gives every n.
    """
    personas, stages = comparison.personas, comparison.stages
    styles = persona_styles(personas)
    curves = comparison.curves
    with matplotlib.rc_context(_RC):
        names = [comparison.name(pid) for pid in personas]
        fig = _new_figure(
            _PAGE_WIDTH, 3.3 + 0.2 * len(personas) + _legend_height(names), constrained=True
        )
        grid = fig.add_gridspec(2, 1, height_ratios=[3.2, 0.3 + 0.2 * len(personas)])
        ax = fig.add_subplot(grid[0], label="curves")
        table = fig.add_subplot(grid[1], sharex=ax, label="n")
        n = len(stages)
        ax.set_xlim(-0.5, max(1, n) - 0.5)
        ax.set_ylim(-1.05, 1.05)
        ax.set_yticks([-1, -0.5, 0, 0.5, 1], ["−1", "−0.5", "0", "+0.5", "+1"])
        ax.set_ylabel("Mean valence (−1 … +1)")
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.axhline(0, color=MUTED, linewidth=0.8, linestyle=(0, (4, 3)), zorder=1)
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
        _stage_ticks(ax, comparison, (_PAGE_WIDTH - 0.9) / max(1, n) - 0.08)
        width = min(0.36, 0.12 * len(personas))
        for i, pid in enumerate(personas):
            style = styles[pid]
            mine = curves[curves["persona"] == pid].set_index("stage").reindex(stages)
            x = np.arange(n) + (i - (len(personas) - 1) / 2) * width / max(1, len(personas) - 1)
            values = pd.to_numeric(mine["mean_valence"], errors="coerce").to_numpy(float)
            low = pd.to_numeric(mine["ci_low"], errors="coerce").to_numpy(float)
            high = pd.to_numeric(mine["ci_high"], errors="coerce").to_numpy(float)
            ax.vlines(x, low, high, color=style["color"], linewidth=1.1, alpha=0.55, zorder=2)
            ax.plot(
                x,
                values,
                color=style["color"],
                linestyle=style["linestyle"],
                linewidth=1.8,
                zorder=3,
                label=comparison.name(pid),
            )
            hollow = mine["low_evidence"].fillna(True).to_numpy(bool)
            for filled in (True, False):
                pick = (hollow != filled) & ~np.isnan(values)
                if not pick.any():
                    # An empty unclipped line sits at the figure's corner, and constrained
                    # layout then leaves a gap the height of the page under the plot.
                    continue
                ax.plot(
                    x[pick],
                    values[pick],
                    linestyle="none",
                    marker=style["marker"],
                    markersize=6.5,
                    markeredgewidth=1.5,
                    markeredgecolor=style["color"],
                    markerfacecolor=style["color"] if filled else "white",
                    zorder=4,
                    clip_on=False,
                )
        handles = [
            _persona_handle(styles[pid], comparison.name(pid), line=True) for pid in personas
        ]
        _persona_legend(fig, handles)
        _n_table(table, comparison, styles)
    return fig


def _n_table(ax: Axes, comparison: Comparison, styles: dict[str, dict[str, object]]) -> None:
    """Segments per persona and stage under the curve chart, one row per persona."""
    personas = comparison.personas
    ax.set_ylim(len(personas) - 0.5, -0.9)
    ax.tick_params(axis="x", labelbottom=False, length=0)
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.text(
        -0.5,
        -0.75,
        f"Segments per stage (italic grey, hollow marker: fewer than {MIN_EVIDENCE})",
        fontsize=8,
        color=MUTED,
        ha="left",
        va="center",
    )
    counts = comparison.curves.set_index(["persona", "stage"])["n"]
    for row, pid in enumerate(personas):
        # The persona's marker, left of the first column, links the row to the legend.
        ax.plot(
            [-0.62],
            [row],
            marker=styles[pid]["marker"],
            color=styles[pid]["color"],
            markersize=5.5,
            clip_on=False,
        )
        for col, stage in enumerate(comparison.stages):
            count = int(counts.get((pid, stage), 0))
            thin = count < MIN_EVIDENCE
            ax.text(
                col,
                row,
                str(count),
                ha="center",
                va="center",
                fontsize=8,
                color=MUTED if thin else "#222222",
                fontstyle="italic" if thin else "normal",
            )


def touchpoint_persona_heatmap(comparison: Comparison, codebook: Codebook) -> Figure:
    """Share of each persona's segments naming each touchpoint; rows ranked by the difference."""
    shares = comparison.touchpoint_shares
    order = list(comparison.touchpoint_differences["touchpoint"])
    personas = comparison.personas
    table = (
        shares.pivot(index="touchpoint", columns="persona", values="share").reindex(
            index=order, columns=personas
        )
        if len(shares)
        else pd.DataFrame()
    )
    with matplotlib.rc_context(_RC):
        fig = _new_figure(
            min(_PAGE_WIDTH, 2.6 + 1.1 * len(personas)),
            max(2.2, 0.28 * len(table) + 1.4),
            constrained=True,
        )
        ax = fig.add_subplot()
        if table.empty:
            _nothing(ax, "No touchpoints coded")
            return fig
        values = table.fillna(0).to_numpy(float)
        annot = np.where(values > 0, [[f"{v:.0%}" for v in row] for row in values], "")
        shown = pd.DataFrame(
            values,
            index=[codebook.label("touchpoints", t) for t in table.index],
            columns=[comparison.name(p) for p in personas],
        )
        col_in = (fig.get_figwidth() - 2.4) / max(1, len(personas)) - 0.1
        headers = ["\n".join(_wrap(c, col_in, 8.5, max_lines=3)) for c in shown.columns]
        _count_heatmap(
            ax,
            shown,
            annot,
            vmax=max(0.05, float(values.max())),
            colorbar={"label": "share of the persona's segments", "format": "{x:.0%}"},
            # Explicit labels: seaborn's "auto" thins them when there are many personas.
            xticklabels=headers,
            yticklabels=list(shown.index),
        )
        ax.tick_params(axis="x", rotation=0, labelsize=8.5)
    return fig


def divergence_figure(comparison: Comparison) -> Figure:
    """Where the journeys diverge: per stage, a bar from the lowest to the highest persona's mean.

    Stages are ranked by the bar's length (the spread); each persona's mean sits on it with its
    marker, hollow when too thin to compare. Stages nobody can be compared in are listed last.
    """
    personas, divergence = comparison.personas, comparison.divergence
    styles = persona_styles(personas)
    curves = comparison.curves.set_index(["persona", "stage"])
    with matplotlib.rc_context(_RC):
        names = [comparison.name(pid) for pid in personas] + ["95 % intervals apart"] * 2
        height = 1.0 + 0.42 * len(divergence) + _legend_height(names, 8)
        fig = _new_figure(_PAGE_WIDTH, height, constrained=True)
        ax = fig.add_subplot()
        ax.set_xlim(*_valence_range(comparison.curves["mean_valence"]))
        ax.set_ylim(len(divergence) - 0.45, -0.55)
        ax.xaxis.set_major_formatter(lambda v, _: f"{v:+g}".replace("-", "−") if v else "0")
        ax.set_xlabel("Mean valence (−1 negative … +1 positive)")
        ax.axvline(0, color=MUTED, linewidth=0.8, linestyle=(0, (4, 3)), zorder=1)
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        for spine in ("top", "right", "left"):
            ax.spines[spine].set_visible(False)
        labels = []
        for row, item in enumerate(divergence.itertuples()):
            name = comparison.stage_labels.get(item.stage, item.stage)
            if math.isnan(item.spread):
                labels.append(f"{name}\n(too little evidence)")
            else:
                labels.append(f"{name}\nspread {item.spread:.2f}")
                ax.barh(
                    row,
                    item.spread,
                    left=item.lowest_valence,
                    height=0.5,
                    color=_lighten(LINE, 0.55 if item.separated else 0.8),
                    edgecolor=LINE if item.separated else "none",
                    linewidth=0.8,
                    zorder=2,
                )
            for i, pid in enumerate(personas):
                point = curves.loc[(pid, item.stage)] if (pid, item.stage) in curves.index else None
                if point is None or int(point["n"]) == 0:
                    continue
                style = styles[pid]
                ax.plot(
                    [float(point["mean_valence"])],
                    # Dodged up and down so two personas at the same value both stay visible.
                    [row + (i - (len(personas) - 1) / 2) * 0.16],
                    linestyle="none",
                    marker=style["marker"],
                    markersize=7,
                    markeredgewidth=1.5,
                    markeredgecolor=style["color"],
                    markerfacecolor="white" if point["low_evidence"] else style["color"],
                    zorder=3,
                )
        ax.set_yticks(range(len(labels)), labels, fontsize=8.5)
        ax.tick_params(axis="y", length=0)
        handles = [_persona_handle(styles[p], comparison.name(p), line=False) for p in personas]
        handles += [
            Rectangle((0, 0), 1, 1, facecolor=_lighten(LINE, 0.55), edgecolor=LINE,
                      label="95 % intervals apart"),
            Rectangle((0, 0), 1, 1, facecolor=_lighten(LINE, 0.8), label="intervals overlap"),
        ]  # fmt: skip
        _persona_legend(fig, handles, 8)
    return fig


def _valence_range(values: pd.Series) -> tuple[float, float]:
    """An x range on quarter steps around the data, always holding zero, within −1 … +1."""
    known = pd.to_numeric(values, errors="coerce").dropna()
    if known.empty:
        return -1.05, 1.05
    low = max(-1.0, min(0.0, math.floor((known.min() - 0.05) * 4) / 4))
    high = min(1.0, max(0.0, math.ceil((known.max() + 0.05) * 4) / 4))
    return low - 0.02, high + 0.02
