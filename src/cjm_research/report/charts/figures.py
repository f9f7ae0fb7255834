"""The persona report's other figures: the emotion curve and the touchpoint and emotion heatmaps."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from cjm_research.analysis import Journey
from cjm_research.model import Codebook
from cjm_research.report.charts.journey_map import curve_points, draw_curve
from cjm_research.report.charts.style import (
    GRID,
    MUTED,
    PAGE_WIDTH,
    RC,
    fitting_size,
    new_figure,
    share_label,
    wrap,
)


def emotion_curve_figure(journey: Journey) -> Figure:
    """Mean valence by stage with its 95 % band and n per stage, on a fixed -1..1 scale."""
    with matplotlib.rc_context(RC):
        fig = new_figure(PAGE_WIDTH, 3.3, constrained=True)
        ax = fig.add_subplot()
        curve = curve_points(journey)
        n = len(curve)
        ax.set_xlim(-0.5, max(1, n) - 0.5)
        ax.set_ylim(-1.05, 1.05)
        ax.set_yticks([-1, -0.5, 0, 0.5, 1], ["−1", "−0.5", "0", "+0.5", "+1"])
        ax.set_ylabel("Mean valence (−1 negative … +1 positive)")
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
        col_in = (PAGE_WIDTH - 1.0) / max(1, n) - 0.08
        names = [journey.stage_labels.get(s, s) for s in curve.index]
        size = fitting_size(names, col_in, 8.5, 6.5)

        def shares(row: object) -> str:
            # A tick label may grow downwards: the shares go on two lines when one is too wide.
            return share_label(row.negative_share, row.positive_share, col_in, size, stacked=True)

        labels = [
            "\n".join(wrap(name, col_in, size, max_lines=2))
            + ("\n(no data)" if row.n == 0 else f"\n(n = {row.n})\n{shares(row)}")
            for name, row in zip(names, curve.itertuples(), strict=True)
        ]
        ax.set_xticks(range(n), labels, fontsize=size)
        if n:
            draw_curve(ax, curve, set(journey.low_evidence), journey.neutral_band)
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
    with matplotlib.rc_context(RC):
        fig = new_figure(PAGE_WIDTH, max(2.2, 0.3 * len(table) + 1.6), constrained=True)
        ax = fig.add_subplot()
        if table.empty:
            empty_note(ax, f"No {dimension} coded for this persona")
            return fig
        shown = table.copy()
        shown.index = [codebook.label(dimension, c) for c in table.index]
        shown.columns = [journey.stage_labels.get(s, s) for s in stages]
        counts = table.to_numpy()
        count_heatmap(
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


def empty_note(ax: Axes, message: str) -> None:
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


def count_heatmap(
    ax: Axes,
    shown: pd.DataFrame,
    annot: np.ndarray,
    *,
    vmax: float,
    colorbar: dict[str, object],
    xticklabels: list[str] | None = None,
    yticklabels: list[str] | None = None,
) -> None:
    """The report's heatmap style: blues on a white grid, column names on top like a table.

    ``annot`` is blank where the value is zero, so the eye goes to where people actually spoke.
    Tick labels default to the frame's column and row names.
    """
    # seaborn.heatmap's look, drawn directly: seaborn renders the whole figure once more to
    # rotate tick labels that this style then sets itself, a tenth of a second per heatmap.
    rows, cols = len(shown.index), len(shown.columns)
    mesh = ax.pcolormesh(
        np.ma.masked_invalid(shown.to_numpy(float)),
        cmap=matplotlib.colormaps["Blues"],
        vmin=0,
        vmax=vmax,
        linewidths=0.6,
        edgecolor="white",
    )
    ax.set(xlim=(0, cols), ylim=(0, rows))
    ax.invert_yaxis()
    bar = ax.figure.colorbar(mesh, None, ax, shrink=0.8, **colorbar)
    bar.outline.set_linewidth(0)
    ax.set(xticks=np.arange(cols) + 0.5, yticks=np.arange(rows) + 0.5)
    ax.set_xticklabels(list(shown.columns) if xticklabels is None else xticklabels)
    names = list(shown.index) if yticklabels is None else yticklabels
    ax.set_yticklabels(names, va="center", rotation="vertical")
    # Vertical labels and one layout pass reproduce the state seaborn drew in: constrained layout
    # refines the positions it starts from, so every pixel stays as it was. The labels are set
    # level at the end.
    if (layout := ax.figure.get_layout_engine()) is not None:
        layout.execute(ax.figure)
    mesh.update_scalarmappable()
    for (y, x), text, colour in zip(
        np.ndindex(rows, cols), np.asarray(annot).flat, mesh.get_facecolors(), strict=True
    ):
        # Dark text on light cells, white on dark (W3C relative luminance, seaborn's threshold).
        ax.text(x + 0.5, y + 0.5, text, color=".15" if _luminance(colour) > 0.408 else "w",
                ha="center", va="center", fontsize=8.5)  # fmt: skip
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="both", length=0)
    ax.xaxis.tick_top()
    ax.tick_params(axis="y", rotation=0)


def _luminance(rgba: np.ndarray) -> float:
    rgb = np.asarray(rgba[:3], dtype=float)
    rgb = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(rgb @ [0.2126, 0.7152, 0.0722])
