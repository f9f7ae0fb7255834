"""The cross-persona figures: emotion by persona and stage, touchpoints by persona, divergence."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from cjm_research.analysis import MIN_EVIDENCE
from cjm_research.compare import Comparison
from cjm_research.model import Codebook
from cjm_research.report.charts.figures import count_heatmap, empty_note
from cjm_research.report.charts.style import (
    GRID,
    LINE,
    MUTED,
    PAGE_WIDTH,
    RC,
    fitting_size,
    lighten,
    new_figure,
    width_pt,
    wrap,
)

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
    widest = max(width_pt(label, size) for label in labels) / 72 + 0.75
    return max(1, min(len(labels), int((width - 0.3) // widest)))


def _legend_height(labels: list[str], size: float = 8.5) -> float:
    """Inches a page-wide legend of ``labels`` takes: the figure grows by it, so 40 personas'
    legend never squeezes the plot under it to nothing."""
    rows = math.ceil(len(labels) / _legend_columns(labels, PAGE_WIDTH, size))
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
    size = fitting_size(names, col_in, 8.5, 6.5)
    labels = ["\n".join(wrap(name, col_in, size, max_lines=2)) for name in names]
    ax.set_xticks(range(len(names)), labels, fontsize=size)


def persona_curves_figure(comparison: Comparison) -> Figure:
    """Every persona's mean valence by stage on one chart, with 95 % intervals and n per stage.

    Points are dodged sideways so intervals do not hide each other; hollow markers flag a persona's
    stage with fewer than ``MIN_EVIDENCE`` segments; the table under the chart gives every n.
    """
    personas, stages = comparison.personas, comparison.stages
    styles = persona_styles(personas)
    curves = comparison.curves
    with matplotlib.rc_context(RC):
        names = [comparison.name(pid) for pid in personas]
        fig = new_figure(
            PAGE_WIDTH, 3.3 + 0.2 * len(personas) + _legend_height(names), constrained=True
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
        _stage_ticks(ax, comparison, (PAGE_WIDTH - 0.9) / max(1, n) - 0.08)
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
    with matplotlib.rc_context(RC):
        fig = new_figure(
            min(PAGE_WIDTH, 2.6 + 1.1 * len(personas)),
            max(2.2, 0.28 * len(table) + 1.4),
            constrained=True,
        )
        ax = fig.add_subplot()
        if table.empty:
            empty_note(ax, "No touchpoints coded")
            return fig
        values = table.fillna(0).to_numpy(float)
        annot = np.where(values > 0, [[f"{v:.0%}" for v in row] for row in values], "")
        shown = pd.DataFrame(
            values,
            index=[codebook.label("touchpoints", t) for t in table.index],
            columns=[comparison.name(p) for p in personas],
        )
        col_in = (fig.get_figwidth() - 2.4) / max(1, len(personas)) - 0.1
        headers = ["\n".join(wrap(c, col_in, 8.5, max_lines=3)) for c in shown.columns]
        count_heatmap(
            ax,
            shown,
            annot,
            vmax=max(0.05, float(values.max())),
            # Ticks on whole steps (5 %, 10 % …): 2.5 % steps printed as "2 %, 8 %, 12 %" read
            # as an uneven scale.
            colorbar={
                "label": "share of the persona's segments",
                "format": "{x:.0%}",
                "ticks": MaxNLocator(nbins=5, steps=[1, 2, 5, 10]),
            },
            # Explicit labels, wrapped to the column: every persona named however many there are.
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
    with matplotlib.rc_context(RC):
        names = [comparison.name(pid) for pid in personas] + ["95 % intervals apart"] * 2
        height = 1.0 + 0.42 * len(divergence) + _legend_height(names, 8)
        fig = new_figure(PAGE_WIDTH, height, constrained=True)
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
                    color=lighten(LINE, 0.55 if item.separated else 0.8),
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
            Rectangle((0, 0), 1, 1, facecolor=lighten(LINE, 0.55), edgecolor=LINE,
                      label="95 % intervals apart"),
            Rectangle((0, 0), 1, 1, facecolor=lighten(LINE, 0.8), label="intervals overlap"),
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
