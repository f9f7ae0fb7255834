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

from .analysis import MIN_EVIDENCE, Journey
from .iorw import atomic_path
from .model import Codebook

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

_MAP_SIZE = (11.7, 6.5)  # A4 landscape, the page the journey map is designed for
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

    With ``max_lines``, the last kept line ends with an ellipsis so a cut is never silent.
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
        while last and not fits(last + "…"):
            last = last[:-1].rstrip()
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
    for column in ("mean_valence", "ci_low", "ci_high"):
        out[column] = pd.to_numeric(curve.get(column), errors="coerce").astype(float)
    out["n"] = pd.to_numeric(curve.get("n"), errors="coerce").fillna(0).astype(int)
    return out


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _signed(value: float) -> str:
    """``+0.25`` / ``−0.38`` with a typographic minus."""
    return f"{value:+.2f}".replace("-", "−")


def _marker_color(value: float) -> str:
    if value < 0:
        return NEGATIVE
    return POSITIVE if value > 0 else MUTED


def _draw_curve(ax: Axes, curve: pd.DataFrame, low: set[str]) -> None:
    """Band, line, zero line and markers; NaN stages break the line instead of faking a zero."""
    x = np.arange(len(curve))
    ax.axhline(0, color=MUTED, linewidth=0.8, linestyle=(0, (4, 3)), zorder=1)
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
        color = _marker_color(value)
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
    ("touchpoints", "Touch-\npoints", 1.0),
    ("emotion", "Emotion\n(valence)", 1.75),
    ("pain", "Pain\npoints", 1.4),
    ("evidence", "Evidence", 0.85),
)
_LEFT, _RIGHT, _TOP, _BOTTOM, _GAP = 1.05, 0.15, 0.5, 0.1, 0.06  # inches
_BLOCK_GAP = 0.35  # space between stacked text blocks, in lines


def journey_map(journey: Journey, codebook: Codebook, *, title: str = "") -> Figure:
    """The journey map: stages as columns; touchpoint, emotion, pain-point and evidence lanes.

    ``title`` names the persona in the heading (the persona id when empty).
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
        _touchpoint_lane(axes["touchpoints"], journey, codebook, col_in, heights["touchpoints"])
        _emotion_lane(axes["emotion"], journey, low, col_in)
        _pain_lane(axes["pain"], journey, codebook, col_in, heights["pain"])
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
        f"{_plural(journey.n_participants, 'participant')} · "
        f"{_plural(journey.n_interviews, 'interview')} · "
        f"{_plural(journey.n_segments, 'coded segment')}"
    )
    key = (
        "Shaded band: 95 % interval of the mean · hollow marker, grey column: low evidence "
        f"(< {MIN_EVIDENCE} segments)"
    )
    for offset, text, size in ((0.13, facts, 8.5), (0.33, key, 8)):
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


def _top_counts(table: pd.DataFrame, stage: str, k: int) -> list[tuple[str, int]]:
    """The ``k`` largest non-zero counts in a stage's column; codebook order breaks ties."""
    if table.empty or stage not in table.columns:
        return []
    column = table[stage]
    column = column[column > 0]
    order = sorted(range(len(column)), key=lambda j: (-int(column.iloc[j]), j))
    return [(str(column.index[j]), int(column.iloc[j])) for j in order[:k]]


def _touchpoint_lane(
    ax: Axes, journey: Journey, codebook: Codebook, col_in: float, lane_in: float
) -> None:
    _text_lane(ax, len(journey.stages))
    budget = _capacity(lane_in, 8.5)
    for i, stage in enumerate(journey.stages):
        top = _top_counts(journey.touchpoint_stage, stage, 3)
        entries = [f"{codebook.label('touchpoints', code)} ({count})" for code, count in top]
        blocks: _Blocks = [(["—"], {"color": MUTED})]
        if entries:
            wrapped = _share_lines(entries, col_in - 0.12, 8.5, budget)
            blocks = [(lines, {"fontsize": 8.5}) for lines in wrapped]
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
    ax.set_ylim(-1.42, 1.12)
    for spine in ("top", "right", "bottom"):
        ax.spines[spine].set_visible(False)
    ax.spines["left"].set_bounds(-1, 1)
    ax.set_xticks([])
    ax.set_yticks([-1, 0, 1], ["−1", "0", "+1"])
    for i in range(len(curve) - 1):
        ax.axvline(i + 0.5, color=GRID, linewidth=0.8, zorder=0.5)
    ax.axhline(1.12, color=GRID, linewidth=0.8)
    if len(curve):
        _draw_curve(ax, curve, low)
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
            text, color = f"{_signed(row.mean_valence)} · n = {row.n}", "#333333"
        line = _wrap(text, col_in - 0.08, 8, max_lines=1)[0]
        ax.text(i, -1.36, line, ha="center", va="bottom", fontsize=8, color=color)


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
            ([_plural(int(row["participants"]), "participant")], {"fontsize": 8}),
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
            (_wrap(_plural(segments, "segment"), width, 8, max_lines=1), {"fontsize": 8}),
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
            + ("\n(no data)" if count == 0 else f"\n(n = {count})")
            for name, count in zip(names, curve["n"], strict=True)
        ]
        ax.set_xticks(range(n), labels, fontsize=size)
        if n:
            _draw_curve(ax, curve, set(journey.low_evidence))
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
            ax.set_axis_off()
            ax.text(
                0.5,
                0.5,
                f"No {dimension} coded for this persona",
                ha="center",
                va="center",
                transform=ax.transAxes,
                color=MUTED,
                fontsize=10,
            )
            return fig
        shown = table.copy()
        shown.index = [codebook.label(dimension, c) for c in table.index]
        shown.columns = [journey.stage_labels.get(s, s) for s in stages]
        counts = table.to_numpy()
        # Zeros are left blank so the eye goes to where people actually spoke.
        annot = np.where(counts > 0, counts.astype(str), "")
        sns.heatmap(
            shown,
            ax=ax,
            annot=annot,
            fmt="",
            cmap="Blues",
            linewidths=0.6,
            linecolor="white",
            vmin=0,
            vmax=max(1, int(counts.max())),
            annot_kws={"fontsize": 8.5},
            cbar_kws={"label": "segments", "shrink": 0.8, "ticks": MaxNLocator(integer=True)},
        )
        ax.set_xlabel("")
        ax.set_ylabel(axis_label)
        ax.tick_params(axis="both", length=0)
        # Slanted stage names on top read like a table header and never collide, however many.
        ax.xaxis.tick_top()
        ax.set_xticks(
            ax.get_xticks(), list(shown.columns), rotation=35, ha="left", rotation_mode="anchor"
        )
        ax.tick_params(axis="y", rotation=0)
    return fig


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

    The result is what :func:`cjm_research.render.docx.write_journey_docx` takes as ``figures``.
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
