"""A curated insight's citations follow the words they cite when turn numbers shift.

``insights.yaml`` cites turns by segment id (``p02-katarzyna:12``), and an edited transcript
(two turns added at the top, a file renamed) moves words to other ids. The first time a report is
built from a citation, the cited turn's fingerprint is recorded in ``STUDY/.cjm/citations.json``
(the researcher's ``insights.yaml`` is never written); later, a citation whose words moved is
followed to the turn that holds them now, as human codes are (``coding.human.follow_words``),
with a warning naming its line, and one whose words are gone is left out: never a wrong quote.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from cjm_research.coding.human import CHANGED, follow_words, text_sha
from cjm_research.iorw import write_text
from cjm_research.study import WARNING, Problem, work_dir

FILE = "citations.json"
#: An edited cited turn still holds "its" words when this much of them survive (difflib's
#: ratio): a corrected typo or a filler taken out, not a new answer. Without it a researcher who
#: mended one word of a cited answer lost the quote until they deleted every fingerprint.
EDITED = 0.9


@dataclass(frozen=True)
class Followed:
    """Curated insights with their citations where the cited words are now."""

    #: the entries, each ``segments`` list followed (moved ids replaced, gone ones left out)
    curated: list[dict[str, Any]]
    #: one warning per citation that moved or whose words are gone
    problems: list[Problem]
    #: the fingerprints to keep: those recorded before, and the new citations' as they read now
    recorded: dict[str, dict[str, str]]


def citations_path(study_root: Path | str) -> Path:
    """``STUDY/.cjm/citations.json``: the cited turns' fingerprints, as first built from."""
    return work_dir(study_root) / FILE


def read_citations(study_root: Path | str) -> dict[str, dict[str, str]]:
    """The recorded fingerprints by cited id (empty when none were recorded or unreadable: the
    citations then read as they are and are recorded again)."""
    try:
        data = json.loads(citations_path(study_root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    cited = data.get("cited") if isinstance(data, dict) else None
    return {str(k): v for k, v in (cited or {}).items() if isinstance(v, dict)}


def write_citations(study_root: Path | str, recorded: dict[str, dict[str, str]]) -> None:
    """Keep ``recorded`` (atomically; untouched when it says what the file says already)."""
    if recorded == read_citations(study_root):
        return
    path = citations_path(study_root)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, json.dumps({"cited": recorded}, indent=1, sort_keys=True) + "\n")


def segment_lines(text: str) -> list[list[int | None]]:
    """Per entry of ``insights.yaml``'s text, the line of each id in its ``segments`` list (None
    where the YAML does not say, e.g. a list written on no line of its own)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    entries = _value(root, "insights")
    if not isinstance(entries, yaml.SequenceNode):
        return []
    lines: list[list[int | None]] = []
    for entry in entries.value:
        cited = _value(entry, "segments")
        items = cited.value if isinstance(cited, yaml.SequenceNode) else []
        lines.append([item.start_mark.line + 1 for item in items])
    return lines


def _value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if getattr(k, "value", None) == key), None)


def follow_citations(
    curated: list[dict[str, Any]],
    turns: pd.DataFrame,
    recorded: dict[str, dict[str, str]],
    path: Path | None = None,
) -> Followed:
    """Each cited id of ``curated`` (``load_insights``) placed on the turn of ``turns``
    (``segment_id``, ``interview_id``, ``speaker``, ``text``) that holds the words ``recorded``
    for it: the same id when they are still there, the turn they moved to in the same interview
    or a renamed transcript's, or none when they are gone. A citation never recorded reads as
    it is and is recorded now. ``path`` is the ``insights.yaml`` the warnings name."""
    cited = sorted({sid for entry in curated for sid in entry["segments"]})
    rows = pd.DataFrame(
        [
            {"segment_id": sid, "text_sha": recorded[sid].get("text_sha", "")}
            | {"speaker": recorded[sid].get("speaker", "")}
            for sid in cited
            if sid in recorded
        ],
        columns=["segment_id", "text_sha", "speaker"],
    )
    texts = turns["text"].fillna("").astype(str)
    sha = dict(zip(turns["segment_id"], texts.map(text_sha), strict=True))
    placed = follow_words(rows, turns)["segment_id"].astype(str)
    now: dict[str, str] = {sid: sid for sid in cited}
    for sid, digest, there in zip(rows["segment_id"], rows["text_sha"], placed, strict=True):
        there = there.removesuffix(CHANGED)
        # the recorded words must be at the id followed to: an edit in place keeps the id
        now[sid] = there if digest and sha.get(there) == digest else ""
        if not now[sid]:
            now[sid] = _edited(recorded[sid].get("text", ""), sid, turns)
    voices = turns.get("speaker", pd.Series("", index=turns.index)).fillna("").astype(str)
    speaker = dict(zip(turns["segment_id"], voices, strict=True))
    words = dict(zip(turns["segment_id"], texts, strict=True))
    kept = {sid: recorded[sid] for sid in cited if sid in recorded}
    # a citation still on its own id (never recorded, or its words edited there) is recorded as
    # it reads now, its words too so that a later edit can be recognised
    kept |= {
        sid: {"text_sha": sha[sid], "speaker": speaker[sid], "text": words[sid]}
        for sid in cited
        if now[sid] == sid and sid in sha and kept.get(sid, {}).get("text_sha") != sha[sid]
    }
    problems: list[Problem] = []
    followed = []
    for n, entry in enumerate(curated, 1):
        lines = list(entry.get("segment_lines") or []) or [None] * len(entry["segments"])
        for sid, line in zip(entry["segments"], lines, strict=True):
            if now[sid] != sid:
                problems.append(_warning(n, entry, sid, now[sid], path, line))
        ids = [now[sid] for sid in entry["segments"] if now[sid]]
        followed.append({**entry, "segments": ids})
    return Followed(followed, problems, kept)


def _edited(before: str, cited: str, turns: pd.DataFrame) -> str:
    """The turn of ``cited``'s interview whose words are an edit of ``before`` (the cited words
    as recorded), the cited id itself first; empty when none is (or nothing was recorded)."""
    if not before:
        return ""
    interview = cited.rsplit(":", 1)[0]
    mine = turns[turns["segment_id"].astype(str).str.rsplit(":", n=1).str[0] == interview]
    ids = mine["segment_id"].astype(str).tolist()
    ids.sort(key=lambda sid: sid != cited)
    text = dict(
        zip(mine["segment_id"].astype(str), mine["text"].fillna("").astype(str), strict=True)
    )
    for sid in ids:
        if SequenceMatcher(None, before, text[sid], autojunk=False).ratio() >= EDITED:
            return sid
    return ""


def _warning(
    n: int, entry: dict[str, Any], cited: str, now: str, path: Path | None, line: int | None
) -> Problem:
    insight = f"insight {n} ({entry['title']!r})"
    if now:
        return Problem(
            WARNING,
            path,
            line,
            f"{insight} cites {cited}, but the words it cited are now at {now} (the transcript "
            f"changed); the report quotes {now}",
            f"update the citation to {now!r}",
        )
    return Problem(
        WARNING,
        path,
        line,
        f"{insight} cites {cited}, but the words it cited are no longer in the study (the "
        "transcript was edited); the quote is left out",
        "update the citation: cite the turn that says it now (to keep citing "
        f"{cited} as it reads now, delete .cjm/{FILE}: every citation is then recorded afresh)",
    )
