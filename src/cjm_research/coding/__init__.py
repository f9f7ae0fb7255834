"""Coders turn transcripts into the coded segments table; a small registry picks one by name.

A coder is a factory ``(codebook) -> TranscriptCoder``; the returned callable codes one transcript
into table rows. Factories compile what they need from the codebook once, so coding many
transcripts costs only the per-turn work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

import pandas as pd

from cjm_research.exceptions import CJMInputError
from cjm_research.model import Codebook, Transcript
from cjm_research.segments import frame


class TranscriptCoder(Protocol):
    """Codes one transcript: one row (a dict keyed by ``segments.COLUMNS``) per turn.

    A coder may also have ``prepare(transcripts)``: :func:`code_transcripts` calls it once with
    every transcript before coding them one by one (the semantic coder batches a study's
    questions through its model there).
    """

    name: str
    version: str

    def __call__(self, transcript: Transcript) -> list[dict[str, object]]: ...


CoderFactory = Callable[..., TranscriptCoder]
_CODERS: dict[str, CoderFactory] = {}
_CACHED: set[str] = set()  # coders whose factory takes a ``cache_dir`` keyword
log = logging.getLogger(__name__)


def register_coder(name: str, factory: CoderFactory, *, cache: bool = False) -> None:
    """Make a coder available as ``cjm code --coder NAME``.

    ``cache``: the factory takes a ``cache_dir`` keyword (a folder it may keep work in).
    """
    _CODERS[name] = factory
    if cache:
        _CACHED.add(name)


def coders() -> list[str]:
    """Names of the registered coders."""
    return sorted(_CODERS)


def auto_coder() -> str:
    """The best coder installed: ``semantic`` with the semantic extra, else ``rules``."""
    return "semantic" if _embeddings.available() else "rules"


def get_coder(
    name: str, codebook: Codebook, *, cache_dir: Path | str | None = None
) -> TranscriptCoder:
    """Build the coder ``name`` for ``codebook``; ``auto`` picks the best installed coder.

    ``cache_dir`` is where a coder may keep reusable work (the semantic coder's embeddings).
    """
    if name == "auto":
        name = auto_coder()
        log.info(
            "coding with the %s coder%s",
            name,
            ""
            if name == "semantic"
            else " (pip install 'cjm-research[semantic]' for better codes)",
        )
    try:
        factory = _CODERS[name]
    except KeyError:
        raise CJMInputError(
            f"unknown coder {name!r}", hint=f"choose one of: auto, {', '.join(coders())}"
        ) from None
    if name in _CACHED and cache_dir is not None:
        return factory(codebook, cache_dir=cache_dir)
    return factory(codebook)


def code_transcripts(
    transcripts: Iterable[Transcript],
    coder: TranscriptCoder,
    *,
    progress: Callable[[Transcript, list[dict[str, object]]], None] | None = None,
) -> pd.DataFrame:
    """Code every transcript into one segments table (rows in transcript, then turn order).

    ``progress`` is called after each transcript with it and the rows it produced.
    """
    rows: list[dict[str, object]] = []
    for transcript in _prepared(coder, list(transcripts)):
        coded = coder(transcript)
        rows.extend(coded)
        if progress is not None:
            progress(transcript, coded)
    return frame(rows)


def code_with_review(
    transcripts: Iterable[Transcript], coder: TranscriptCoder, reviewed: pd.DataFrame
) -> pd.DataFrame | None:
    """Code ``transcripts`` again, the coder having learned from the study's ``reviewed`` turns
    (human-coded participant turns with their text); None when the coder cannot learn.

    A reviewed turn's own row is the coder's *audit* code: learned from every other interview's
    reviewed turns, never its own interview's, so agreement with the researcher on it is
    measured on a turn the machine had not seen coded.
    """
    teach = getattr(coder, "teach", None)
    if teach is None or reviewed.empty:
        return None
    transcripts = list(transcripts)
    teach(reviewed, transcripts)
    keep = set(reviewed["segment_id"])
    rows: list[dict[str, object]] = []
    for transcript in _prepared(coder, transcripts):
        coded = coder(transcript)
        if keep & {str(r["segment_id"]) for r in coded}:
            audit = {r["segment_id"]: r for r in coder.audit(transcript)}
            coded = [audit[r["segment_id"]] if r["segment_id"] in keep else r for r in coded]
        rows.extend(coded)
    return frame(rows)


def _prepared(coder: TranscriptCoder, transcripts: list[Transcript]) -> list[Transcript]:
    """``transcripts``, once the coder's optional study-wide ``prepare`` has seen them all."""
    prepare = getattr(coder, "prepare", None)
    if prepare is not None:
        prepare(transcripts)
    return transcripts


from cjm_research.coding import embeddings as _embeddings  # noqa: E402
from cjm_research.coding import rules as _rules  # noqa: E402  (registers the built-in coders)


def _semantic(codebook: Codebook, *, cache_dir: Path | str | None = None) -> TranscriptCoder:
    _embeddings.require()  # a clear install hint, before importing what is missing
    from cjm_research.coding.semantic import SemanticCoder

    return SemanticCoder(codebook, cache_dir=cache_dir)


register_coder("rules", _rules.RulesCoder)
register_coder("semantic", _semantic, cache=True)
