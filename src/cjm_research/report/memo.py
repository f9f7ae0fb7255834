"""What every persona notebook of a batch shares, computed once per warm kernel.

A warm kernel (``kernels.py``) runs one persona's notebook after another, and each report needs
the same study-wide pieces: the pseudonym key alone loads every transcript, which at 1,000
interviews costs more than drawing a report. A value is kept here under a name with the state
(size and modification time) of the files it was computed from, and recomputed as soon as that
state differs, so a study edited between runs (in JupyterLab, or between batches) is read afresh.
One value per name: a kernel pointed at another study replaces it rather than accumulating.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from cjm_research.study import find_transcripts

T = TypeVar("T")
_kept: dict[str, tuple[object, object]] = {}


def files_state(paths: Iterable[Path | str]) -> tuple[tuple[str, int, int], ...]:
    """``(path, size, mtime_ns)`` of each file, sorted; a missing file counts as size -1."""
    state = []
    for path in sorted({str(Path(p).resolve()) for p in paths}):
        try:
            info = os.stat(path)
        except OSError:
            state.append((path, -1, 0))
            continue
        state.append((path, info.st_size, info.st_mtime_ns))
    return tuple(state)


def study_state(root: Path | str) -> tuple[tuple[str, int, int], ...]:
    """The state of what loading a study reads: transcripts, persona notes, top-level files."""
    root = Path(root)
    paths = set(find_transcripts(root))
    if (root / "personas").is_dir():
        paths.update(p for p in (root / "personas").rglob("*") if p.is_file())
    paths.update(p for p in root.iterdir() if p.is_file())
    return files_state(paths)


def remember(name: str, state: object, compute: Callable[[], T]) -> T:
    """The value kept under ``name`` if it was computed in ``state``; else ``compute()``, kept."""
    kept = _kept.get(name)
    if kept is not None and kept[0] == state:
        return kept[1]  # type: ignore[return-value]
    value = compute()
    _kept[name] = (state, value)
    return value


def forget() -> None:
    """Drop every kept value (tests; a caller that must not hold a study's key any longer)."""
    _kept.clear()
