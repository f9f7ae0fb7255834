"""The human layer: researchers' codes, kept apart from the machine's and never overwritten.

Each coder has one append-only file ``STUDY/coding/<coder>.csv``. A row is one person's complete
judgement of one segment at one time (stage, touchpoints, emotion, optional valence and note);
the latest row per (segment, coder) is that coder's current code. Re-coding replaces only the
machine layer (``reports/``); merging puts the latest human code over the machine's everywhere
downstream. Rows whose segment no longer exists are reported, never dropped from the file.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from cjm_research.exceptions import CJMInputError

FOLDER = "coding"
COLUMNS = (
    "segment_id",
    "interview_id",
    "coder",
    "coded_at",
    "stage",
    "touchpoints",
    "emotion",
    "valence",
    "text_sha",
    "note",
)
_REQUIRED = ("segment_id", "coder", "coded_at")
_CODER_FILE = re.compile(r"[^A-Za-z0-9_.-]+")


def text_sha(text: str) -> str:
    """A short fingerprint of a segment's text, to notice when the coded words changed."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def coder_file(study_root: Path | str, coder: str) -> Path:
    """``STUDY/coding/<coder>.csv``; the name is made file-safe, the coder column keeps it as is."""
    name = _CODER_FILE.sub("-", coder.strip()).strip("-.") or "coder"
    return Path(study_root) / FOLDER / f"{name}.csv"


def read_human_codes(study_root: Path | str) -> pd.DataFrame:
    """Every row of every coder file under ``STUDY/coding/`` (empty table when there are none).

    A malformed file raises :class:`CJMInputError` naming the file and line; nothing is skipped
    silently, because these are a researcher's own codes.
    """
    folder = Path(study_root) / FOLDER
    frames = [_read_file(path) for path in sorted(folder.glob("*.csv"))] if folder.is_dir() else []
    if not frames:
        return pd.DataFrame(columns=list(COLUMNS)).astype(str)
    return pd.concat(frames, ignore_index=True)


def _read_file(path: Path) -> pd.DataFrame:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in _REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise CJMInputError(
                    f"human code file lacks column(s) {', '.join(missing)}",
                    path,
                    1,
                    f"the header must include {', '.join(COLUMNS)}",
                )
            rows = []
            for row in reader:
                if not (row.get("segment_id") or "").strip():
                    raise CJMInputError(
                        "row has no segment_id",
                        path,
                        reader.line_num,
                        "fill it in or delete the row",
                    )
                rows.append(
                    {c: (row.get(c) or "").strip() for c in COLUMNS} | {"_line": reader.line_num}
                )
    except UnicodeDecodeError as exc:
        raise CJMInputError(
            "human code file is not UTF-8", path, hint="save it as UTF-8 CSV"
        ) from exc
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "_line"])
    frame["_file"] = str(path)
    return frame


def latest_human_codes(human: pd.DataFrame) -> pd.DataFrame:
    """One row per (segment, coder): the latest by ``coded_at``, file order breaking ties."""
    if human.empty:
        return human
    ordered = human.assign(_order=range(len(human))).sort_values(["coded_at", "_order"])
    latest = ordered.drop_duplicates(["segment_id", "coder"], keep="last")
    return latest.drop(columns="_order").reset_index(drop=True)


def append_human_codes(study_root: Path | str, coder: str, rows: pd.DataFrame) -> Path:
    """Append ``rows`` (columns as :data:`COLUMNS`; coder and time filled in) to the coder's file.

    Appending never rewrites earlier rows; the file is flushed and fsynced before returning.
    """
    path = coder_file(study_root, coder)
    path.parent.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    frame = rows.reindex(columns=list(COLUMNS)).astype(object).fillna("").astype(str)
    frame["coder"] = coder
    frame["coded_at"] = frame["coded_at"].where(frame["coded_at"] != "", now)
    new_file = not path.exists() or path.stat().st_size == 0
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if new_file:
            writer.writerow(COLUMNS)
        writer.writerows(frame.itertuples(index=False, name=None))
        handle.flush()
        os.fsync(handle.fileno())
    return path


def apply_human_codes(
    segments: pd.DataFrame,
    human: pd.DataFrame,
    emotion_valence: dict[str, float] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Put each segment's latest human code over the machine's; return (merged, orphans).

    When several people coded a segment, the most recent judgement wins. Human codes get
    confidence 1.0 and evidence naming the coder and time. A human emotion without a valence
    takes the codebook valence of that emotion (``emotion_valence``) when it differs from the
    machine's. ``orphans`` are human rows whose segment id is not in ``segments`` (the
    transcript changed): shown to the researcher, kept in the file.
    """
    latest = latest_human_codes(human)
    if latest.empty:
        return segments, latest
    known = latest["segment_id"].isin(segments["segment_id"])
    orphans = latest[~known].reset_index(drop=True)
    winners = latest[known].sort_values("coded_at").drop_duplicates("segment_id", keep="last")
    merged = segments.copy()
    position = pd.Series(range(len(merged)), index=merged["segment_id"])
    for row in winners.itertuples(index=False):
        i = position[row.segment_id]
        updates: dict[str, object] = {
            "stage": row.stage,
            "touchpoints": row.touchpoints,
            "emotion": row.emotion,
            "coder": row.coder,
            "stage_confidence": 1.0,
            "touchpoint_confidence": 1.0,
            "emotion_confidence": 1.0,
            "evidence": f"human: {row.coder} at {row.coded_at}"
            + (f"; {row.note}" if row.note else ""),
        }
        machine_emotion = merged.iat[i, merged.columns.get_loc("emotion")]
        if not row.valence and emotion_valence and row.emotion != machine_emotion:
            updates["valence"] = emotion_valence.get(row.emotion, 0.0)
        if row.valence:
            try:
                updates["valence"] = max(-1.0, min(1.0, float(row.valence)))
            except ValueError as exc:
                raise CJMInputError(
                    f"valence {row.valence!r} is not a number",
                    getattr(row, "_file", None),
                    getattr(row, "_line", None),
                    "use a number between -1 and 1, or leave it empty",
                ) from exc
        for column, value in updates.items():
            merged.iat[i, merged.columns.get_loc(column)] = value
    return merged, orphans


def is_human(coder: str) -> bool:
    """True for a person's name, False for a machine coder id (``auto:<method>@<version>``)."""
    return bool(coder) and not coder.startswith("auto:")
