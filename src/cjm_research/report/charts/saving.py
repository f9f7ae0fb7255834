"""Saving figures: PNG with fixed metadata (the same figure gives the same bytes), closed after."""

from __future__ import annotations

from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from cjm_research.iorw import atomic_path
from cjm_research.report.charts.style import RC, glyphs_quiet


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
        with atomic_path(path) as tmp, matplotlib.rc_context(RC), glyphs_quiet():
            fig.savefig(tmp, format=fmt, dpi=dpi, facecolor="white", metadata=_metadata(fmt))
    finally:
        _close(fig)
    return path


def save_figures(
    drawn: dict[str, Figure], out_dir: Path | str, stem: str, *, dpi: int = 200
) -> dict[str, Path]:
    """Save each figure as ``<out_dir>/<stem>-<name>.png``; return the paths by name."""
    folder = Path(out_dir)
    return {
        name: save_figure(fig, folder / f"{stem}-{name}.png", dpi=dpi)
        for name, fig in drawn.items()
    }


def _close(fig: Figure) -> None:
    # Figures made here are not registered with pyplot; one a caller made through pyplot is.
    if fig.canvas.manager is not None:
        import matplotlib.pyplot as plt

        plt.close(fig)
    else:
        fig.clear()
