"""The report's texts that are not the coded table, redacted with a study's key: the research
team's persona notes and curated insights, and the snapshot the previous run left (which a
``--no-redact`` run writes with the interviews' file names)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from cjm_research.ingest.labels import name_key, unaccented
from cjm_research.model import Persona
from cjm_research.study import WARNING, Problem, Study

if TYPE_CHECKING:  # the key is privacy's, which imports this module
    from cjm_research.privacy import PseudonymKey

PERSONA_NAME_HINT = (
    "give the persona a name none of its participants has: reports print it as written"
)


#: Free-text fields of an ``insights.yaml`` entry that a researcher may have written names into.
INSIGHT_TEXT = ("title", "detail", "opportunity")


def redact_insights(entries: list[dict[str, Any]], key: PseudonymKey) -> list[dict[str, Any]]:
    """Curated insights citing the redacted table's segment ids, their text redacted too."""
    return [
        {
            **entry,
            **{f: key.redact_text(str(entry[f])) for f in INSIGHT_TEXT if entry.get(f)},
            "segments": [key.segment_id(str(s)) for s in entry.get("segments") or []],
        }
        for entry in entries
    ]


def redact_persona(persona: Persona, key: PseudonymKey) -> Persona:
    """A persona note's words as a report prints them (``PseudonymKey.redact_note``): a note
    built on a real participant ("like Dana Whitfield, 07700 900123") names nobody."""
    keep = re.findall(r"[^\W\d_][\w'’-]*", persona.name)

    def note(text: str) -> str:
        return key.redact_note(text, keep)

    return replace(
        persona,
        summary=note(persona.summary),
        goals=[note(g) for g in persona.goals],
        needs=[note(n) for n in persona.needs],
        pain_points=[note(p) for p in persona.pain_points],
        quote=note(persona.quote),
        body=note(persona.body),
        unread=note(persona.unread),
    )


def _words(text: str) -> list[str]:
    """The words of a name as names are compared: casefolded, without accents."""
    return [unaccented(name_key(w)) for w in re.findall(r"[^\W\d_][\w'’-]+", text)]


def persona_name_problems(study: Study) -> list[Problem]:
    """A warning for each persona whose name holds a name of one of its own participants
    ("Hannah, the once-in-a-while driver" for Hannah Okafor's persona): the persona's own name
    is kept in reports (``redact_persona``), so it would name her beside her quotes."""
    problems = []
    for persona in study.personas.values():
        named = set(_words(persona.name))
        for person in study.participants.values():
            ours = person.persona_id == persona.id or person.participant_id in persona.participants
            held = [
                w for w in re.findall(r"[^\W\d_][\w'’-]+", person.name) if _words(w)[0] in named
            ]
            if ours and held:
                who = person.participant_id
                message = (
                    f"persona name {persona.name!r} holds {held[0]!r}, the name of its participant "
                    f"{who}: reports print it beside {who}'s quotes"
                )
                line = _name_line(persona)
                problems.append(Problem(WARNING, persona.path, line, message, PERSONA_NAME_HINT))
                break
    return problems


def _name_line(persona: Persona) -> int | None:
    """The line of ``name:`` in the persona's note, for the warning to point at."""
    if persona.path is None or not persona.path.is_file():
        return None
    lines = persona.path.read_text(encoding="utf-8", errors="replace").splitlines()
    return next((n for n, line in enumerate(lines, 1) if line.startswith("name:")), None)


def redact_snapshot(snapshot: dict[str, Any], key: PseudonymKey) -> dict[str, Any]:
    """A previous run's snapshot with its interviews under their labels: one a ``--no-redact``
    run left names them by file ("p01-dana"), which "Interviews no longer included" printed. Its
    fingerprints are of the unredacted words and turn ids, so they are left out, not read as
    every transcript edited and every turn recoded."""
    interviews = [str(i) for i in snapshot.get("interviews", [])]
    if not any(i in key.interviews for i in interviews):
        return snapshot
    # fingerprints of file-named turns: compared with labelled ones, every turn would differ
    unredacted = {
        k: v for k, v in snapshot.items() if k not in ("transcript_words", "machine_codes")
    }
    return {**unredacted, "interviews": [key.interview(i) for i in interviews]}
