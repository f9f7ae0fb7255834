"""A group interview's voices: which participant speaks under which label.

A focus group is one transcript with several participants. ``participants.csv`` maps them, one
row per voice, all naming the file, with the label each speaks under in a ``speaker`` column;
without it, several voices under one participant id are warned about.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

from cjm_research.model import Participant, Transcript


def group_speakers(transcript: Transcript, group: list[Participant]) -> dict[str, str]:
    """A group interview's speaker labels → participant ids, from the rows that give this file
    a ``speaker``; a row whose label nobody speaks, a participant without a row and rows of
    other personas are warned."""
    spoken = {fold_label(t.speaker): t.speaker for t in transcript.participant_turns}
    speakers: dict[str, str] = {}
    for row in group:
        label = spoken.get(fold_label(row.speaker))
        if label is None:
            transcript.warnings.append(
                f"participants.csv gives speaker {row.speaker!r} to {row.participant_id!r}, but "
                f"no participant speaks as {row.speaker!r} here — write the label as the "
                f"transcript does ({', '.join(map(repr, spoken.values())) or 'no participant'})"
            )
        else:
            speakers.setdefault(label, row.participant_id)
    transcript.warnings += [
        f"speaker {label!r} has no row in participants.csv: counted as a participant without an "
        f"id — add a row with this file and speaker {label!r}"
        for label in spoken.values()
        if label not in speakers
    ]
    personas = dict.fromkeys(r.persona_id for r in group if r.persona_id)
    if len(personas) > 1:
        first = next(iter(personas))
        transcript.warnings.append(
            f"participants.csv gives this group interview's speakers the personas "
            f"{', '.join(map(repr, personas))}; it is read as {first!r}'s — a transcript goes in "
            "one persona's report: give its rows one persona"
        )
    return speakers


#: Turns a speaker needs before a second participant voice reads as a group interview.
GROUP_TURNS = 3


def unlisted_group(transcript: Transcript) -> list[str]:
    """The warning for a transcript whose one participant id covers several voices."""
    if not transcript.participant_id:
        return []  # without an id each voice is counted as its own participant already
    turns = Counter(t.speaker for t in transcript.participant_turns)
    voices = [label for label, n in turns.items() if n >= GROUP_TURNS]
    if len(voices) < 2:
        return []
    return [
        f"{len(voices)} speakers ({', '.join(voices)}) are counted as one participant, "
        f"{transcript.participant_id!r} — for a group interview give each a row in "
        "participants.csv with this file and their label in a 'speaker' column"
    ]


def fold_label(label: str) -> str:
    """A speaker label as two spellings of it compare ("Anna " and "anna" alike)."""
    return unicodedata.normalize("NFC", label.strip()).casefold()
