"""Read interview transcripts of any supported format into :class:`~cjm_research.model.Transcript`.

A reader is a function ``(path) -> ReaderResult`` registered for a file suffix. Readers only find
turns; :func:`build_transcript` turns them into canonical text with offsets and speaker roles, the
same way for every format. Warnings that concern one place start with ``"line N: "``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cjm_research.exceptions import CJMInputError
from cjm_research.ingest.build import ReaderResult, assign_roles, build_transcript, matches_name
from cjm_research.ingest.docx import read_docx
from cjm_research.ingest.frontmatter import split_front_matter
from cjm_research.ingest.normalize import (
    MAX_TRANSCRIPT_BYTES,
    decode_bytes,
    normalize_text,
    read_text_file,
)
from cjm_research.ingest.personas import is_safe_id, load_participants, load_personas, read_persona
from cjm_research.ingest.speakers import fold_label, group_speakers, unlisted_group
from cjm_research.ingest.subtitles import read_sbv, read_srt, read_vtt
from cjm_research.ingest.text import read_text
from cjm_research.model import Transcript

Reader = Callable[[Path], ReaderResult]

__all__ = [
    "MAX_TRANSCRIPT_BYTES",
    "Reader",
    "ReaderResult",
    "assign_roles",
    "build_transcript",
    "decode_bytes",
    "fold_label",
    "group_speakers",
    "is_safe_id",
    "load_participants",
    "load_personas",
    "matches_name",
    "meta_names",
    "normalize_text",
    "read_persona",
    "read_raw",
    "read_text_file",
    "read_transcript",
    "readers",
    "register_reader",
    "split_front_matter",
    "unlisted_group",
]

_READERS: dict[str, Reader] = {}


def register_reader(suffix: str, reader: Reader) -> None:
    """Register ``reader`` for files ending in ``suffix`` (e.g. ``".txt"``; case-insensitive).

    A later registration for the same suffix replaces the earlier one.
    """
    suffix = suffix.lower()
    if not suffix.startswith(".") or len(suffix) < 2:
        raise CJMInputError(
            f"reader suffix must look like '.txt', not {suffix!r}", hint="start it with a dot"
        )
    _READERS[suffix] = reader


def readers() -> dict[str, Reader]:
    """A copy of the registry: suffix → reader."""
    return dict(_READERS)


def read_raw(path: Path | str) -> ReaderResult:
    """Run the reader registered for ``path``'s suffix (no roles or offsets yet)."""
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise CJMInputError(
            f"no reader for {path.suffix or 'files without a suffix'!r}",
            path,
            hint=f"supported: {', '.join(sorted(_READERS))}",
        )
    return reader(path)


def meta_names(meta: dict[str, Any], key: str) -> list[str]:
    """A front-matter name list: a YAML list, or one string split on ``;`` or ``,``."""
    value = meta.get(key)
    if isinstance(value, str):
        value = value.replace(";", ",").split(",")
    if not isinstance(value, list):
        return []
    return [v.strip() for v in value if isinstance(v, str) and v.strip()]


def read_transcript(
    path: Path | str,
    *,
    interview_id: str | None = None,
    interviewers: Sequence[str] = (),
    participant_names: Sequence[str] = (),
) -> Transcript:
    """Read one transcript of any registered format.

    ``interview_id`` defaults to front matter ``interview_id``, else the file stem. Interviewer
    and participant names from the front matter (``interviewers``, ``participant_name``) are
    added to the ones given. Raises :class:`CJMInputError` for unreadable input.
    """
    path = Path(path)
    result = read_raw(path)
    meta = result.meta
    return build_transcript(
        interview_id or _meta_id(meta) or path.stem,
        path,
        result.raw_turns,
        meta,
        interviewers=[*interviewers, *meta_names(meta, "interviewers")],
        participant_names=[*participant_names, *meta_names(meta, "participant_name")],
        warnings=result.warnings,
    )


def _meta_id(meta: dict[str, Any]) -> str:
    value = meta.get("interview_id")
    return value.strip() if isinstance(value, str) else ""


for _suffix, _reader in (
    (".txt", read_text),
    (".md", read_text),
    (".vtt", read_vtt),
    (".srt", read_srt),
    (".sbv", read_sbv),
    (".docx", read_docx),
):
    register_reader(_suffix, _reader)
