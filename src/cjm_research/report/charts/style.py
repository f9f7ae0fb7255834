"""What every figure shares: the palette, the fixed style settings, figure and text sizing.

Figures are built on :class:`matplotlib.figure.Figure` with an Agg canvas, never through pyplot's
global state, so building many in a batch neither leaks memory nor depends on the session's backend.
Every style setting is fixed here (``RC``) so the same journey always gives the same pixels.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

from cjm_research.model import Codebook

# A quote with an emoji or a script the font lacks draws a box; matplotlib also warns, and in a
# report notebook the warning (with this package's path) would print above the report's title.
MISSING_GLYPH = r"Glyph \d+ .* missing from font"
warnings.filterwarnings("ignore", message=MISSING_GLYPH, category=UserWarning)


@contextmanager
def glyphs_quiet() -> Iterator[None]:
    """No missing-glyph warnings inside, whatever filters the caller runs under."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=MISSING_GLYPH, category=UserWarning)
        yield


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


_FONT = "DejaVu Sans"
# DejaVu Sans ships with matplotlib, so every machine renders (and measures) the same glyphs;
# hashsalt keeps SVG ids stable between runs; participants' "$5" must not turn into mathtext.
RC: dict[str, object] = {
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

MAP_SIZE = (11.7, 7.4)  # A4 landscape, the page the journey map is designed for
PAGE_WIDTH = 6.7  # inches of text width on A4 portrait with 2 cm margins


def new_figure(width: float, height: float, *, constrained: bool = False) -> Figure:
    """A white ``width`` x ``height`` inch figure on its own Agg canvas (no pyplot state)."""
    fig = Figure(figsize=(width, height), layout="constrained" if constrained else None)
    FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")
    return fig


@cache
def width_pt(text: str, size: float, weight: str = "normal", style: str = "normal") -> float:
    """The rendered width of ``text`` in points (measured, not guessed from character counts)."""
    prop = FontProperties(family=_FONT, size=size, weight=weight, style=style)
    with glyphs_quiet():
        return float(text_to_path.get_text_width_height_descent(text, prop, ismath=False)[0])


def share_label(
    negative: float, positive: float, width_in: float, size: float, *, stacked: bool
) -> str:
    """A stage's shares of negative and positive segments, "31 % neg · 31 % pos", as fits
    ``width_in`` at ``size``: when one line is too wide, on two lines (``stacked``: where the
    label can grow downwards) or shorter ("31 % · 31 %", "31·31", else nothing)."""
    neg, pos = round(100 * negative), round(100 * positive)
    room = width_in * 72
    line = f"{neg} % neg · {pos} % pos"
    if width_pt(line, size) <= room:
        return line
    if stacked:
        return f"{neg} % neg\n{pos} % pos"
    shorter = (f"{neg} % · {pos} %", f"{neg}·{pos}")
    return next((t for t in shorter if width_pt(t, size) <= room), "")


#: Where a line may break: any white space but a no-break space ("nappies.\u00a0…").
_BREAKS = re.compile(r"[^\S\u00a0]+")


def wrap(
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
        return width_pt(line, size, weight, style) <= limit

    lines: list[str] = []
    current = ""
    for word in _BREAKS.split(text.strip()):
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


def fitting_size(
    labels: Sequence[str], width_in: float, base: float, floor: float, *, weight: str = "normal"
) -> float:
    """The largest size up to ``base`` (in half points) at which every word fits ``width_in``."""
    words = (w for label in labels for w in label.split())
    widest = max((width_pt(w, base, weight) for w in words), default=0.0)
    if widest <= width_in * 72:
        return base
    return max(floor, math.floor(base * width_in * 72 / widest * 2) / 2)


def stage_colors(codebook: Codebook, stages: Sequence[str]) -> dict[str, str]:
    """A colour per stage: the codebook's where given, else Okabe-Ito in stage order."""
    given = {c.id: c.color for c in codebook.stages if c.color}
    return {s: given.get(s) or OKABE_ITO[i % len(OKABE_ITO)] for i, s in enumerate(stages)}


def lighten(color: str, amount: float) -> tuple[float, float, float]:
    """``color`` moved ``amount`` (0 to 1) of the way towards white, as RGB."""
    r, g, b = matplotlib.colors.to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)
