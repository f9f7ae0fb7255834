"""A group interview's voices: which participant speaks under which label.

A focus group is one transcript with several participants. ``participants.csv`` maps them, one
row per voice, all naming the file, with the label each speaks under in a ``speaker`` column;
without it, several voices under one participant id are warned about.
"""

from __future__ import annotations

import re

from cjm_research.ingest.labels import is_unnamed_voice, name_key, unaccented
from cjm_research.model import Participant, Transcript


def group_speakers(transcript: Transcript, group: list[Participant]) -> dict[str, str]:
    """A group interview's speaker labels → participant ids, from the rows that give this file
    a ``speaker`` (several labels of one person separated by ``;``).

    Labels compare without case, accents or a note in brackets ("José (she/her)" is "jose"); a
    row whose label is the start of exactly one voice's ("Anna" for "Anna K.") takes it, warned.
    A listed participant who never speaks, a voice without a row (with the row it may be) and
    rows of other personas are warned."""
    spoken = {fold_label(t.speaker): t.speaker for t in transcript.participant_turns}
    speakers: dict[str, str] = {}
    unmatched: list[Participant] = []
    for row in group:
        found = [spoken[k] for k in map(fold_label, row.speaker.split(";")) if k in spoken]
        if not found:
            unmatched.append(row)
        for label in found:
            speakers.setdefault(label, row.participant_id)
    for row in list(unmatched):
        want = fold_label(row.speaker)
        left = [label for key, label in spoken.items() if label not in speakers]
        near = [label for label in left if _starts(fold_label(label), want)]
        if len(near) == 1:
            speakers[near[0]] = row.participant_id
            unmatched.remove(row)
            transcript.warnings.append(
                f"participants.csv gives speaker {row.speaker!r} to {row.participant_id!r}; read "
                f"as the voice {near[0]!r} — write {near[0]!r} in 'speaker' if that is right"
            )
    left = [label for label in spoken.values() if label not in speakers]
    for row in unmatched:
        maybe = f"; is it {' or '.join(map(repr, left))}?" if left else ""
        transcript.warnings.append(
            f"{row.participant_id!r} (speaker {row.speaker!r} in participants.csv) says nothing "
            f"here under that label and is not counted in it{maybe} — write the label as the "
            "transcript does"
        )
    rows = ", ".join(repr(r.participant_id) for r in unmatched)
    transcript.warnings += [
        f"speaker {label!r} has no row in participants.csv: counted as a participant without an "
        + (
            f"id — if it is {rows}, write {label!r} in their 'speaker' cell"
            if unmatched
            else f"id — add a row with this file and speaker {label!r}"
        )
        for label in left
    ]
    personas = dict.fromkeys(r.persona_id for r in group if r.persona_id)
    if len(personas) > 1:
        first = next(iter(personas))
        transcript.warnings.append(
            f"participants.csv gives this group interview's speakers the personas "
            f"{', '.join(personas)}; it goes in the report of {first} — a transcript goes in "
            "one persona's report: give its rows one persona"
        )
    return speakers


def _starts(label: str, prefix: str) -> bool:
    return bool(prefix) and (label.startswith(prefix + " ") or prefix.startswith(label + " "))


def unlisted_group(transcript: Transcript) -> list[str]:
    """The warning for a transcript whose one participant id covers several voices."""
    if not transcript.participant_id:
        return []  # without an id each voice is counted as its own participant already
    # Every voice: a group has one who talks and several who say a line or two.
    # An unnamed voice ("Unknown Speaker") has its own warning, to rename it: a speaker row
    # would be the wrong fix.
    voices = [
        v
        for v in dict.fromkeys(t.speaker for t in transcript.participant_turns)
        if not is_unnamed_voice(v)
    ]
    if len(voices) < 2:
        return []
    # Two labels, one of them heard once: as likely one person renamed mid-call ("Katarzyna",
    # then "Kasia") as a second voice. Say both fixes.
    turns = [t.speaker for t in transcript.participant_turns]
    renamed = (
        f", or, if they are one person under two labels, give its row 'speaker' = "
        f"'{'; '.join(voices)}'"
        if len(voices) == 2 and min(turns.count(v) for v in voices) == 1
        else ""
    )
    return [
        f"{len(voices)} speakers ({', '.join(voices)}) are counted as one participant, "
        f"{transcript.participant_id!r} — for a group interview give each a row in "
        f"participants.csv with this file and their label in a 'speaker' column{renamed}"
    ]


def fold_label(label: str) -> str:
    """A speaker label as two spellings of it compare: case, accents, spacing and a note in
    brackets aside ("José (she/her)", "jose" and "JOSE" alike)."""
    return name_key(unaccented(_NOTE.sub(" ", label)))


# A note after a name in a call's speaker label: "(she/her)", "[Northbank customer]".
_NOTE = re.compile(r"\s*[(\[][^)\]]*[)\]]")
