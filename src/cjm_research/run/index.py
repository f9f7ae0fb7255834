"""What a batch shows when it ends: the summary table the CLI prints and ``reports/index.html``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cjm_research.iorw import write_text
from cjm_research.run.notebooks import CROSS_PERSONA, BatchResult, RunResult

if TYPE_CHECKING:  # the summary table is printed on every run, even one with nothing to do
    import pandas as pd

    from cjm_research.study import Study


def summary_table(batch: BatchResult) -> str:
    """The end-of-run table: persona, status, seconds, outputs; each failure's cause and log."""
    lines = [f"{'persona':<24}{'status':<11}{'seconds':>8}  outputs"]
    runs = [*batch.results, *([batch.coding_log] if batch.coding_log else [])]
    runs += [batch.cross_persona] if batch.cross_persona else []
    for r in runs:
        kinds = ", ".join(sorted({Path(p).suffix.lstrip(".") for p in r.outputs}))
        outputs = (
            f"{len(r.outputs)} {'file' if len(r.outputs) == 1 else 'files'} ({kinds})"
            if r.outputs
            else "-"
        )
        lines.append(f"{r.persona_id:<24}{r.status:<11}{r.seconds:>8.1f}  {outputs}")
        if r.error:
            lines.append(f"{'':<24}cause: {r.error}")
        if r.log:
            lines.append(f"{'':<24}log: {r.log}")
    return "\n".join(lines)


#: The files of a persona's report folder an index links (its figures are shown, not listed).
_LINKED = frozenset({".docx", ".html", ".ipynb", ".png"})


def kept_files(folder: Path, stem: str) -> list[str]:
    """The report files named ``stem`` in ``folder`` that an index links, as on disk."""
    return [str(f) for f in sorted(folder.glob(f"{stem}*")) if f.suffix in _LINKED]


def write_index(
    out_dir: Path,
    study: Study,
    segments: pd.DataFrame,
    results: list[RunResult],
    cross: RunResult | None = None,
) -> Path:
    """``reports/index.html``: every persona's reports with counts and the small journey map.

    ``cross``, the cross-persona report's run, is linked at the top when given.
    """
    from cjm_research.analysis import participant_segments
    from cjm_research.report.render import html

    rows = participant_segments(segments)
    overview = None
    if cross is not None:
        compared = rows[rows["persona_id"].isin([r.persona_id for r in results])]
        overview = html.IndexEntry(
            persona_id=CROSS_PERSONA,
            name="Cross-persona comparison",
            interviews=compared["interview_id"].nunique(),
            participants=compared["participant_id"].nunique(),
            segments=len(compared),
            status=cross.status,
            error=cross.error,
            files=[Path(p).relative_to(out_dir).as_posix() for p in cross.outputs],
        )

    def entry(pid: str, status: str, files: list[str], error: str = "") -> html.IndexEntry:
        mine = rows[rows["persona_id"] == pid]
        return html.IndexEntry(
            persona_id=pid,
            name=study.personas[pid].name if pid in study.personas else pid,
            interviews=mine["interview_id"].nunique(),
            participants=mine["participant_id"].nunique(),
            segments=len(mine),
            status=status,
            error=error,
            files=files,
        )

    def relative(path: str) -> str:
        return Path(path).relative_to(out_dir).as_posix()

    entries = [entry(r.persona_id, r.status, [relative(p) for p in r.outputs], r.error)
               for r in results]  # fmt: skip
    # A run of some personas (--persona X) must not drop the others' reports from the index:
    # they stay linked as last built (they are on disk, unchanged by this run).
    built = {r.persona_id for r in results}
    for pid in sorted(set(rows["persona_id"].astype(str)) - built - {""}):
        if kept := kept_files(out_dir / pid, pid):
            entries.append(entry(pid, "unchanged", [relative(f) for f in kept]))
    page = html.index_page(study.root.resolve().name, entries, overview)
    return write_text(out_dir / "index.html", page)
