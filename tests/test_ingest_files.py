"""A study's transcript files: load order and copies of one interview."""

from __future__ import annotations

from pathlib import Path

from cjm_research.ingest.files import duplicate_transcripts, shallow_first
from cjm_research.model import Transcript, Turn


def transcript(root: Path, rel: str, *texts: str) -> Transcript:
    turns = [
        Turn(n, speaker, "participant", text, 0, len(text), n)
        for n, (speaker, text) in enumerate(zip(["Maya", "Kofi"] * 9, texts, strict=False), 1)
    ]
    return Transcript(interview_id=Path(rel).stem, path=root / rel, text="", turns=turns)


def test_shallow_first_keeps_each_depths_order(tmp_path):
    paths = [tmp_path / p for p in ("a/x.txt", "b/c/y.txt", "p01.txt", "old/p01.txt", "z.txt")]
    ordered = [p.relative_to(tmp_path).as_posix() for p in shallow_first(paths, tmp_path)]
    assert ordered == ["p01.txt", "z.txt", "a/x.txt", "old/p01.txt", "b/c/y.txt"]


def test_the_copy_is_the_file_named_like_one_else_the_deeper(tmp_path):
    words = ("How did you switch?", "Online, in ten minutes.")
    studies = [
        transcript(tmp_path, "p01-kofi (1).txt", *words),
        transcript(tmp_path, "p01-kofi.txt", *words),
        transcript(tmp_path, "old/p01-kofi.txt", *words),
        transcript(tmp_path, "p02.txt", "How did you switch?", "By phone."),
        transcript(tmp_path, "empty-a.txt"),
        transcript(tmp_path, "empty-b.txt"),
    ]
    pairs = duplicate_transcripts(studies, tmp_path)
    named = [tuple(t.path.relative_to(tmp_path).as_posix() for t in pair) for pair in pairs]
    # Kept: the top-level file not named as a copy. Empty files are not copies of each other,
    # and the differing p02 is nobody's copy. Pairs come in the copies' path order.
    assert named == [("p01-kofi.txt", "old/p01-kofi.txt"), ("p01-kofi.txt", "p01-kofi (1).txt")]
