"""A study's transcript files: how ``participants.csv`` names them, the order they are loaded in,
and one interview in two files (a browser's ``p01-kofi (1).txt`` beside ``p01-kofi.txt``, or a
copy kept in ``old/``).

Copies are compared by their turns (speaker and text after normalisation), so a copy saved with
other line ends, another encoding or a byte-order mark is still the same interview. Which copy
wins an interview id is decided by the load order: shallower paths first, so the current file at
the top of the study beats an archived one in a sub-folder whatever their names sort as.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from cjm_research.model import Transcript

# "p01 (1).txt", "p01 - Copy.txt", "p01 copy 2.txt", "Copy of p01.txt": names a copy gets.
_COPY_NAME = re.compile(
    r"(?:\s\(\d+\)|[\s_-]+copy(?:[\s_-]*\(?\d+\)?)?)$|^copy of\s", re.IGNORECASE
)


def posix_name(value: str) -> str:
    """A path as ``participants.csv`` writes it, made comparable: ``/``, no ``./``, NFC."""
    # NFC: macOS writes file names decomposed ("lucía" as "luci" + U+0301), editors compose them.
    return unicodedata.normalize("NFC", value.strip().replace("\\", "/").removeprefix("./"))


def case_match(root: Path, rel: str) -> str:
    """The one file under ``root`` that ``rel`` names when case is ignored, as on disk ("")."""
    folder, parts = root, Path(rel).parts
    for n, part in enumerate(parts):
        if not folder.is_dir():
            return ""
        want = unicodedata.normalize("NFC", part).casefold()
        same = [
            p for p in folder.iterdir() if unicodedata.normalize("NFC", p.name).casefold() == want
        ]
        if len(same) != 1 or (n == len(parts) - 1) != same[0].is_file():
            return ""
        folder = same[0]
    return folder.relative_to(root).as_posix()


def names_a_file(root: Path, rel: str) -> bool:
    """Whether ``rel`` names a file under ``root``, however either spells its accents."""
    if (root / rel).is_file():
        return True
    parent = (root / rel).parent
    name = unicodedata.normalize("NFC", Path(rel).name)
    return parent.is_dir() and any(
        unicodedata.normalize("NFC", p.name) == name and p.is_file() for p in parent.iterdir()
    )


def shallow_first(paths: Iterable[Path], root: Path) -> list[Path]:
    """``paths`` with the shallower ones first, each depth in its given order."""
    return sorted(paths, key=lambda path: len(path.relative_to(root).parts))


def content_key(transcript: Transcript) -> str:
    """A digest of ``transcript``'s turns: equal for two files holding the same interview."""
    digest = hashlib.sha256()
    for turn in transcript.turns:
        digest.update(f"{turn.speaker}\0{turn.text}\0".encode())
    return digest.hexdigest()


def duplicate_transcripts(
    transcripts: Iterable[Transcript], root: Path
) -> list[tuple[Transcript, Transcript]]:
    """``(kept, copy)`` pairs of transcripts with the same turns; in each group the copy is a
    file named like one (``(1)``, ``- Copy``), else the deeper, else the later path."""
    groups: dict[str, list[Transcript]] = {}
    for transcript in transcripts:
        if transcript.turns:  # empty files are warned about as such, not as copies
            groups.setdefault(content_key(transcript), []).append(transcript)
    pairs: list[tuple[Transcript, Transcript]] = []
    for group in groups.values():
        if len(group) < 2:
            continue
        kept, *copies = sorted(group, key=lambda t: _copy_rank(t.path, root))
        pairs += [(kept, copy) for copy in copies]
    return sorted(pairs, key=lambda pair: pair[1].path.as_posix())


def _copy_rank(path: Path, root: Path) -> tuple[bool, int, str]:
    rel = path.relative_to(root) if path.is_relative_to(root) else path
    return bool(_COPY_NAME.search(path.stem)), len(rel.parts), rel.as_posix()


#: Top-level folders of a study that hold no interviews.
SKIPPED_FOLDERS = frozenset({"personas", "coding", "reports"})
#: Document kinds a researcher may drop in that no reader reads: said, not silently passed over.
UNSUPPORTED = frozenset({".doc", ".rtf", ".odt", ".pdf", ".pages"})
#: What only a study's top level holds: a sub-folder with one of them is another study.
STUDY_MARKERS = ("participants.csv", "codebook.yaml", "personas")


def transcript_files(
    root: Path, suffixes: set[str]
) -> tuple[list[Path], list[tuple[Path, str, str]]]:
    """The files under ``root`` with a transcript ``suffix``, sorted by relative path, and what
    was passed over that a researcher should hear of (path, what, fix).

    Skips hidden files and folders, Word lock files (``~$…``), ``README*``, the top-level
    ``SKIPPED_FOLDERS`` and, said, any folder of cjm reports (a copy kept as ``reports-old/``
    was read as four interviews) or of another study (``--study`` forgotten in a folder of
    several). Symlinked folders are not followed."""
    found: list[Path] = []
    notes: list[tuple[Path, str, str]] = []

    def interviews(folder: Path) -> bool:
        reports = any(folder.glob("*.snapshot.json")) or (
            (folder / "index.html").is_file() and any(folder.glob("*/*.snapshot.json"))
        )
        study = any((folder / name).exists() for name in STUDY_MARKERS)
        rel = folder.relative_to(root).as_posix()
        if reports:
            notes.append((folder, f"{rel}/ holds cjm reports, not interviews: not read",
                          "move it out of the study folder"))  # fmt: skip
        elif study:
            notes.append((folder, f"{rel}/ is a study of its own: not read",
                          f"pass --study {folder} to work on it, or move it out"))  # fmt: skip
        return not (reports or study)

    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and not (here == root and d.lower() in SKIPPED_FOLDERS)
            and interviews(here / d)
        )
        for name in files:
            if name.startswith((".", "~$")) or name.upper().startswith("README"):
                continue
            suffix = Path(name).suffix.lower()
            if suffix in suffixes:
                found.append(here / name)
            elif suffix in UNSUPPORTED:
                readable = ", ".join(sorted(suffixes))
                fix = f"save it as .docx or .txt ({readable})"
                notes.append((here / name, f"{suffix} files are not read", fix))
    return sorted(found, key=lambda p: p.relative_to(root).as_posix()), notes
