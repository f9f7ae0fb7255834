"""The report figures, drawn with matplotlib without pyplot's global state.

``journey_map`` (the one-page map), ``figures`` (emotion curve, heatmaps), ``comparison`` (the
cross-persona figures), ``saving`` (PNG with fixed metadata) and ``style`` (what they share).
"""

from cjm_research.report.charts.comparison import (
    divergence_figure,
    persona_curves_figure,
    persona_styles,
    touchpoint_persona_heatmap,
)
from cjm_research.report.charts.figures import (
    emotion_curve_figure,
    emotion_heatmap,
    touchpoint_heatmap,
)
from cjm_research.report.charts.journey_map import journey_map
from cjm_research.report.charts.saving import save_figure, save_figures
from cjm_research.report.charts.style import OKABE_ITO, stage_colors

__all__ = [
    "OKABE_ITO",
    "divergence_figure",
    "emotion_curve_figure",
    "emotion_heatmap",
    "journey_map",
    "persona_curves_figure",
    "persona_styles",
    "save_figure",
    "save_figures",
    "stage_colors",
    "touchpoint_heatmap",
    "touchpoint_persona_heatmap",
]
