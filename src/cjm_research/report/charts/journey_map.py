"""The journey map: one A4 landscape page, stages across and lanes down.

The lanes: what customers did, touchpoints, the emotion curve, pain points, opportunities and
evidence; text is wrapped and cut at word boundaries to fit its lane.
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from cjm_research.analysis import (
    MIN_EVIDENCE,
    NO_TOUCHPOINT,
    Journey,
    excerpts,
    from_what_it_says,
    needs_question,
    plural,
    quote_words,
    repeats,
    saying_the_pain,
    signed,
    top_counts,
)
from cjm_research.model import Codebook
from cjm_research.report.charts.style import (
    GRID,
    LINE,
    LOW_EVIDENCE_FILL,
    MAP_SIZE,
    MUTED,
    NEGATIVE,
    POSITIVE,
    RC,
    TITLE_COLOR,
    WARN,
    fitting_size,
    lighten,
    new_figure,
    share_label,
    stage_colors,
    wrap,
)

_Blocks = list[tuple[list[str], dict[str, object]]]
_LEFT, _RIGHT, _TOP, _BOTTOM, _GAP = 1.05, 0.15, 0.5, 0.1, 0.06  # inches, around the lanes


def curve_points(journey: Journey) -> pd.DataFrame:
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


def draw_curve(ax: Axes, curve: pd.DataFrame, low: set[str], band: float) -> None:
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
    with matplotlib.rc_context(RC):
        fig = new_figure(*MAP_SIZE)
        stages = list(journey.stages)
        col_in = (MAP_SIZE[0] - _LEFT - _RIGHT) / max(1, len(stages))
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
            empty="No opportunities curated for this persona yet: the research team adds them "
            "in insights.yaml",
        )
        _evidence_lane(axes["evidence"], journey, low, col_in, heights["evidence"])
        for key, label, _ in _LANES:
            if label:
                top, size = _lane_box(key, heights)
                fig.text(
                    0.1 / MAP_SIZE[0],
                    1 - (top + size / 2) / MAP_SIZE[1],
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
    free = MAP_SIZE[1] - _TOP - _BOTTOM - _GAP * (len(_LANES) - 1)
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
    width, height = MAP_SIZE
    top, size = _lane_box(key, heights)
    return (_LEFT / width, 1 - (top + size) / height, 1 - (_LEFT + _RIGHT) / width, size / height)


def _map_title(fig: Figure, journey: Journey, title: str) -> None:
    width, height = MAP_SIZE
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
    size = fitting_size(names, col_in - 0.12, 10, 8, weight="bold")
    lines = max(1, min(3, int((lane_in * 72 * 0.88 - 4) / (size * 1.15))))
    for i, stage in enumerate(journey.stages):
        color = colors[stage]
        ax.add_patch(Rectangle((i - 0.48, 0.0), 0.96, 1.0, facecolor=lighten(color, 0.78)))
        ax.add_patch(Rectangle((i - 0.48, 0.0), 0.96, 0.12, facecolor=color))
        label = "\n".join(wrap(names[i], col_in - 0.12, size, max_lines=lines, weight="bold"))
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
    empty: str = "",
) -> None:
    """A lane of short text items per stage (a dash where a stage has none; ``empty``, when
    given, once across the lane when no stage has any: a row of dashes reads as a fault)."""
    _text_lane(ax, len(stages))
    if empty and not any(items.get(stage) for stage in stages):
        box = {"facecolor": "white", "edgecolor": "none"}  # over the column lines
        ax.text((len(stages) - 1) / 2, 0.5, empty, ha="center", va="center", fontsize=8.5,
                color=MUTED, style="italic", bbox=box)  # fmt: skip
        return
    budget = _capacity(lane_in, 8.5)
    for i, stage in enumerate(stages):
        entries = [str(t) for t in items.get(stage, [])][:3]
        blocks: _Blocks = [(["—"], {"color": MUTED})]
        if entries:
            wrapped = _share_lines(entries, col_in - 0.12, 8.5, budget)
            blocks = [(lines, {"fontsize": 8.5, "color": color}) for lines in wrapped]
        _stack(ax, i, blocks, lane_in)


def _share_lines(texts: list[str], width_in: float, size: float, budget: int) -> list[list[str]]:
    """Wrap each text; while they overflow ``budget`` lines, leave out the last (they come
    ranked) while a whole one would fit, then cut the longest by a line. Three phrases cut to
    stubs ("asked in a…", "answered a…") said less than two whole ones."""
    wrapped = [wrap(text, width_in, size) for text in texts]

    def used() -> float:
        return sum(len(lines) for lines in wrapped) + _BLOCK_GAP * (len(wrapped) - 1)

    while used() > budget and len(wrapped) > 1 and len(wrapped[0]) <= budget:
        wrapped.pop()
        texts = texts[: len(wrapped)]
    while used() > budget:
        longest = max(range(len(wrapped)), key=lambda j: len(wrapped[j]))
        if len(wrapped[longest]) == 1:
            break
        keep = len(wrapped[longest]) - 1
        wrapped[longest] = wrap(texts[longest], width_in, size, max_lines=keep)
    return wrapped


def _emotion_lane(ax: Axes, journey: Journey, low: set[str], col_in: float) -> None:
    curve = curve_points(journey)
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
        draw_curve(ax, curve, low, journey.neutral_band)
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
            # One line of room under the curve: a shorter label, never a second line.
            line = share_label(
                row.negative_share, row.positive_share, col_in - 0.08, 8, stacked=False
            )
            ax.text(i, -1.5, line, ha="center", va="top", fontsize=8, color="#333333")
        line = wrap(text, col_in - 0.08, 8, max_lines=1)[0]
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
    said: list[tuple[str, ...]] = []  # the lane's quotes so far: none printed twice on the map
    for i, stage in enumerate(journey.stages):
        rows = pains[pains["stage"] == stage] if len(pains) else pains
        if rows.empty:
            _stack(ax, i, [(["—"], {"color": MUTED})], lane_in)
            continue
        row = rows.iloc[0]
        touchpoint = str(row["touchpoint"] or "")
        label = codebook.label("touchpoints", touchpoint) if touchpoint else NO_TOUCHPOINT
        head = wrap(label, width, 9, max_lines=2, weight="bold")
        blocks: _Blocks = [
            (head, {"fontsize": 9, "fontweight": "bold", "color": NEGATIVE}),
            ([plural(int(row["participants"]), "participant")], {"fontsize": 8}),
        ]
        room = _capacity(lane_in, 8) - len(head) - 2
        quoted = _lane_quote(row, journey, texts, width, room, said)
        if quoted:
            blocks.append((quoted, {"fontsize": 8, "fontstyle": "italic", "color": "#333333"}))
        _stack(ax, i, blocks, lane_in)


def _lane_quote(
    row: pd.Series,
    journey: Journey,
    texts: dict[str, str],
    width: float,
    room: int,
    said: list[tuple[str, ...]] | None = None,
) -> list[str]:
    """The pain point's words in at most ``room`` lines, from the turns that say the pain
    (``saying_the_pain``: the clearly negative ones, the most negative first): of those, one
    understood without its question (``needs_question``: a map cell has no room for one, and
    "A bit, yeah. Because of the stairs." says nothing alone) before one needing it; a turn
    whole before an excerpt of whole sentences from where it starts saying something
    (``excerpts``: "…" where words are left out, opening replies and fillers such as "No,
    actually." or "Um... I mean." dropped); the more negative turn first. Else, cut between
    words, the most negative turn from there (its example when none is known): an excerpt
    starting later lost what the complaint was about ("…It is not their fault there is no
    parts." of a complaint about thieves). A mild turn that fitted whole once
    stood for a pain it contradicted ("No, actually. They came correct." at -0.23 beside turns
    at -0.6); a cut lost what the complaint was about ("…not at Harbour, at…": at the thieves);
    cut at a sentence end without leaving openings out, it kept "Um... I mean." and nothing of
    the complaint. A quote saying again what another cell quotes (``repeats``; ``said``,
    extended with the words printed) is left out: no quote when every turn's would be."""
    if room <= 0:
        return []

    def lines(text: str, cut: bool = False) -> list[str]:
        return wrap(f"“{text}”", width, 8, max_lines=room if cut else 0, style="italic")

    rows = journey.segments
    evidence = [str(s) for s in row.get("evidence", ()) if str(s) in texts]
    mine = rows[rows["segment_id"].astype(str).isin(evidence)]  # only the moment's turns
    valence = dict(zip(mine["segment_id"].astype(str), mine["valence"], strict=True))
    said = [] if said is None else said
    turns = [
        s
        for s in saying_the_pain(evidence, valence, journey.moment_valences[0])
        if not repeats(quote_words(texts[s]), said)
    ]
    if evidence and not turns:
        return []
    options = [texts[s] for s in turns] + [cut for s in turns for cut in excerpts(texts[s])]
    for alone in (True, False):
        for text in options:
            if needs_question(text) == alone or repeats(words := quote_words(text), said):
                continue
            if len(shown := lines(text)) <= room:
                said.append(words)
                return shown
    example = from_what_it_says(texts.get(turns[0] if turns else str(row["example"]), ""))
    said.append(quote_words(example))
    return lines(example, cut=True) if example else []


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
            (wrap(plural(segments, "segment"), width, 8, max_lines=1), {"fontsize": 8}),
            (wrap(f"{people} of {total} participants", width, 8, max_lines=2), {"fontsize": 8}),
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
