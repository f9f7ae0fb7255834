"""Turn what a reader found into a :class:`~cjm_research.model.Transcript`: text, offsets, roles."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cjm_research.ingest.labels import is_speaker_label, is_unnamed_voice, name_key, split_label
from cjm_research.ingest.normalize import normalize_text
from cjm_research.model import INTERVIEWER, PARTICIPANT, RawTurn, Transcript, Turn

#: Speaker labels that mean "the interviewer" without naming anyone (compared case-insensitively).
INTERVIEWER_LABELS = frozenset(
    {"interviewer", "moderator", "facilitator", "researcher", "int", "q", "i"}
)
#: Labels that mean "the participant"; never guessed to be the interviewer.
PARTICIPANT_LABELS = frozenset(
    {"participant", "interviewee", "respondent", "customer", "user", "p", "a", "r"}
)
# Numbers and separators in a label: "Interviewer 2", "P01", "Speaker_1", "Interviewer2 2".
_NUMBERS = re.compile(r"[\s_#.-]*\d+")
#: Words in a label's note that make its speaker the interviewer: "Dana K (UX Research)".
INTERVIEWER_NOTES = frozenset({"research", "researcher", "ux", "host", *INTERVIEWER_LABELS})
#: Above these sizes a transcript probably has speaker labels that were not read.
LONG_TURN_WORDS = 1500
ONE_SPEAKER_WORDS = 400
#: A one-word label met once is read as part of the turn before it (``fold_stray_labels``) when
#: it heads at most this many words, among at least this many turns of the other speakers.
STRAY_WORDS = 40
STRAY_CONVERSATION = 6
#: Speaker labels inside one turn that make it a run of turns (``split_run_on_turns``).
RUN_ON_LABELS = 2


@dataclass
class ReaderResult:
    """What a reader returns: turns in file order, front matter (or ``{}``) and warnings.

    A warning about a specific place starts with ``"line N: "`` so a caller can point at it.
    """

    raw_turns: list[RawTurn]
    meta: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def build_transcript(
    interview_id: str,
    path: Path,
    raw_turns: Iterable[RawTurn],
    meta: dict[str, Any],
    *,
    interviewers: Sequence[str] = (),
    participant_names: Sequence[str] = (),
    warnings: Sequence[str] = (),
) -> Transcript:
    """Render the canonical text (``"Speaker: text\\n\\n"`` per turn), assign offsets and roles.

    Turn texts are normalised and stripped; empty turns are dropped; indices are 1-based; for
    every turn ``transcript.text[turn.start:turn.end] == turn.text``.
    """
    cleaned = [_clean(raw) for raw in raw_turns]
    cleaned = [raw for raw in cleaned if raw.text]
    all_warnings = list(warnings)
    participant_id = _meta_str(meta, "participant")
    names = [*participant_names, *([participant_id] if participant_id else [])]
    cleaned = split_run_on_turns(cleaned, all_warnings)
    cleaned = fold_stray_labels(cleaned, interviewers, names, all_warnings)
    roles = assign_roles(cleaned, interviewers, names, all_warnings)
    all_warnings += implausible(cleaned)
    parts: list[str] = []
    turns: list[Turn] = []
    pos = 0
    for index, raw in enumerate(cleaned, 1):
        prefix = f"{raw.speaker}: "
        start = pos + len(prefix)
        end = start + len(raw.text)
        parts.append(f"{prefix}{raw.text}\n\n")
        pos = end + 2
        turns.append(
            Turn(
                index=index,
                speaker=raw.speaker,
                role=roles[raw.speaker],
                text=raw.text,
                start=start,
                end=end,
                line=raw.line,
                time_start=raw.time_start,
                time_end=raw.time_end,
            )
        )
    return Transcript(
        interview_id=interview_id,
        path=path,
        text="".join(parts),
        turns=turns,
        meta=dict(meta),
        participant_id=participant_id,
        persona_id=_meta_str(meta, "persona"),
        warnings=all_warnings,
    )


# "… about FitHub? Bilal: My cousin …": a label after the end of a sentence, inside a turn.
_INNER_LABEL = re.compile(r"(?<=[.?!…\"”)])\s+([A-Z][\w'’.\-]*(?: [A-Z][\w'’.\-]*){0,2}):\s")


def split_run_on_turns(turns: Sequence[RawTurn], warnings: list[str]) -> list[RawTurn]:
    """Turns whose text holds other turns, as when a whole interview was pasted as one
    paragraph ("Interviewer: How? Bilal: Like this. Interviewer: …"), split at those labels.

    A label inside a turn counts when a turn is already headed by it, or when it heads
    :data:`RUN_ON_LABELS` or more sentences of the transcript; a turn is split only when at
    least :data:`RUN_ON_LABELS` such labels are inside it, with a warning.
    """
    found = [list(_INNER_LABEL.finditer(raw.text)) for raw in turns]
    inner = Counter(m[1] for matches in found for m in matches)
    speakers = {raw.speaker for raw in turns}
    labels = {
        label for label, n in inner.items()
        if is_speaker_label(label) and (label in speakers or n >= RUN_ON_LABELS)
    }  # fmt: skip
    out: list[RawTurn] = []
    for raw, matches in zip(turns, found, strict=True):
        cuts = [m for m in matches if m[1] in labels]
        if len(cuts) < RUN_ON_LABELS:
            out.append(raw)
            continue
        speaker, start = raw.speaker, 0
        for m in cuts:
            out.append(RawTurn(speaker, raw.text[start : m.start()].strip(), raw.line,
                               raw.time_start if start == 0 else None))  # fmt: skip
            speaker, start = m[1], m.end()
        out.append(RawTurn(speaker, raw.text[start:].strip(), raw.line, None, raw.time_end))
        warnings.append(
            f"line {raw.line}: {len(cuts)} speaker labels inside one turn were read as turns "
            "of their own — start each turn on its own line as 'Name: text'"
        )
    return [raw for raw in out if raw.text]


def fold_stray_labels(
    turns: Sequence[RawTurn],
    interviewers: Sequence[str],
    names: Sequence[str],
    warnings: list[str],
) -> list[RawTurn]:
    """Turns whose one-word label occurs once in a conversation of regular speakers, put back
    into the turn before them: in ``Price: too high`` inside an answer, "Price" is no speaker.

    Only a label that no listed name matches, that is no interviewer or participant label, that
    no other turn says as a word (people are greeted by name: "Hi Katarzyna"), that carries no
    timestamp of its own (a timed turn is a speaker's), with at most :data:`STRAY_WORDS` words,
    after a turn that is not the interviewer's, in a conversation of two speakers or more who
    have :data:`STRAY_CONVERSATION` turns or more. Each fold is warned, with the fix for a speaker
    who really speaks once.
    """
    counts: dict[str, int] = {}
    for raw in turns:
        counts[raw.speaker] = counts.get(raw.speaker, 0) + 1
    out: list[RawTurn] = []
    for raw in turns:
        host = out[-1] if out else None
        if host is None or not _stray(raw, host, turns, counts, interviewers, names):
            out.append(raw)
            continue
        out[-1] = RawTurn(
            host.speaker,
            f"{host.text}\n{raw.speaker}: {raw.text}",
            host.line,
            host.time_start,
            raw.time_end if raw.time_end is not None else host.time_end,
        )
        warnings.append(
            f"line {raw.line}: '{raw.speaker}:' occurs once and was read as part of "
            f"{host.speaker}'s turn, not as a speaker — if {raw.speaker} speaks here, list the "
            "name in participants.csv or the front matter"
        )
    return out


def _stray(
    raw: RawTurn,
    host: RawTurn,
    turns: Sequence[RawTurn],
    counts: dict[str, int],
    interviewers: Sequence[str],
    names: Sequence[str],
) -> bool:
    speaker = raw.speaker
    if counts[speaker] != 1 or " " in speaker or any(c.isdigit() for c in speaker):
        return False
    if len(turns) - 1 < STRAY_CONVERSATION or len(raw.text.split()) > STRAY_WORDS:
        return False
    if sum(n >= 2 for n in counts.values()) < 2:  # a monologue: a second voice is a speaker
        return False
    if raw.time_start is not None:  # a timed turn is a speaker's, as the transcriber heard it
        return False
    base = _label_base(speaker)
    if base in INTERVIEWER_LABELS or base in PARTICIPANT_LABELS or base in {"speaker", "unknown"}:
        return False
    if matches_name(speaker, [*interviewers, *names]):
        return False
    if matches_name(host.speaker, interviewers) or _sounds_like_interviewer(host.speaker):
        return False
    named = re.compile(rf"\b{re.escape(speaker)}\b")
    return not any(named.search(t.text) for t in turns if t is not raw)


# The commonest English words: about two words in five of English interview talk, a handful in
# a hundred of Spanish, French or German talk ("a", "me", "is" are shared).
_ENGLISH = frozenset(
    "the and to of a i it is was in that you for on my with but they we so have be not this at "
    "me just what like about them there he she when if or do did had were would because from "
    "an all been are it's i'm don't can get got know really think yeah".split()
)
_ENGLISH_SHARE = 0.15
_ENGLISH_MIN_WORDS = 80


def reads_as_english(texts: Iterable[str]) -> bool:
    """Whether the words read as English (too few to tell: yes), for a transcript that names no
    ``language``: the machine coder reads English and codes any other language as guesses."""
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", " ".join(texts).casefold())
    if len(words) < _ENGLISH_MIN_WORDS:
        return True
    return sum(word in _ENGLISH for word in words) >= _ENGLISH_SHARE * len(words)


def implausible(turns: Sequence[RawTurn]) -> list[str]:
    """Warnings for a transcript whose speaker labels were probably not read: one huge turn, or
    one speaker talking through a long file."""
    warnings = []
    for raw in turns:
        words = len(raw.text.split())
        if words > LONG_TURN_WORDS:
            warnings.append(
                f"line {raw.line}: one turn of {words:,} words by {raw.speaker!r}; speaker labels "
                "inside it were probably not read — start each turn on its own line as "
                "'Name: text' (README: Troubleshooting input)"
            )
    speakers = {raw.speaker for raw in turns}
    words = sum(len(raw.text.split()) for raw in turns)
    if len(speakers) == 1 and words > ONE_SPEAKER_WORDS:
        warnings.append(
            f"only one speaker ({next(iter(speakers))!r}) across {words:,} words; the "
            "interviewer's turns are probably unlabelled or merged — label every turn 'Name: text'"
        )
    return warnings


def _clean(raw: RawTurn) -> RawTurn:
    # Speaker labels are one line of collapsed whitespace so "Name: " never spans lines.
    speaker = " ".join(normalize_text(raw.speaker).split()) or "Unknown"
    text = normalize_text(raw.text).strip()
    return RawTurn(speaker, text, raw.line, raw.time_start, raw.time_end)


def _meta_str(meta: dict[str, Any], key: str) -> str:
    value = meta.get(key)
    return value.strip() if isinstance(value, str) else ""


def _first(name: str) -> str:
    words = name.split()
    return words[0] if words else ""


def matches_name(speaker: str, names: Iterable[str]) -> bool:
    """True when ``speaker`` is one of ``names``, in full or by first name, ignoring case and a
    note in parentheses (``"Dana K (UX Research)"`` is ``"Dana K"``)."""
    labels = {name_key(speaker), name_key(split_label(speaker)[0])}
    for name in names:
        full = name_key(name)
        if not full:
            continue
        # "Maya" matches "Maya Lindqvist" and vice versa, and "Maya L." her too; "Maya K." (a
        # participant Maya Kowalski, say) does not.
        for spk in labels:
            if spk == full or spk == _first(full) or (" " not in full and _first(spk) == full):
                return True
            if _initialled(spk, full):
                return True
    return False


def _initialled(label: str, full: str) -> bool:
    """``"maya l."`` for ``"maya lindqvist"``: the first name and the surname's initial."""
    words, names = label.split(), full.split()
    if len(words) != 2 or len(names) < 2 or len(words[1].rstrip(".")) != 1:
        return False
    return words[0] == names[0] and names[-1].startswith(words[1].rstrip("."))


def _label_base(speaker: str) -> str:
    """The label without its note and numbers: "Interviewer2 2" → "interviewer"."""
    return _NUMBERS.sub("", name_key(split_label(speaker)[0])).strip()


def _sounds_like_interviewer(speaker: str) -> bool:
    note = set(re.findall(r"[^\W\d_]+", split_label(speaker)[1].casefold()))
    return _label_base(speaker) in INTERVIEWER_LABELS or bool(note & INTERVIEWER_NOTES)


def _spelled_out_interviewer(speaker: str) -> bool:
    """ "Int", "Interviewer 2", "Moderator": a label no participant carries. Not "Q" or "I",
    which may be a participant's initial when the interviewers are named."""
    base = _label_base(speaker)
    return len(base) > 1 and base in INTERVIEWER_LABELS


def assign_roles(
    turns: Sequence[RawTurn],
    interviewers: Sequence[str],
    participant_names: Sequence[str],
    warnings: list[str],
) -> dict[str, str]:
    """Map each speaker to ``interviewer`` or ``participant`` (appends a warning when guessing).

    Named interviewers decide: when one of ``interviewers`` speaks, every other speaker is a
    participant, except those labelled as interviewers ("Interviewer", "Int", "Mod 2", not the
    single letters: a transcript may mix names and labels). Notes such as "(UX Research)"
    decide only when no named interviewer speaks, and failing those, who asks the most
    questions.
    """
    speakers = list(dict.fromkeys(t.speaker for t in turns))
    named = {name_key(n) for n in participant_names}
    # An exact participant name (or id, "Q010") beats a first-name or label match.
    is_participant = {
        s: name_key(s) in named or name_key(split_label(s)[0]) in named for s in speakers
    }
    decided = [s for s in speakers if not is_participant[s] and matches_name(s, interviewers)]
    roles: dict[str, str] = {}
    for speaker in speakers:
        if is_participant[speaker]:
            roles[speaker] = PARTICIPANT
        elif (
            speaker in decided
            or _spelled_out_interviewer(speaker)
            or (not decided and _sounds_like_interviewer(speaker))
        ):
            roles[speaker] = INTERVIEWER
        else:
            roles[speaker] = PARTICIPANT
    if decided and any(is_participant.values()):
        # The named participant speaks, so another voice that mostly asks is no second
        # participant: a shared account ("UX Research Team") or a device name interviewing.
        for speaker in speakers:
            asked = _questions(turns, speaker)
            if roles[speaker] == PARTICIPANT and not is_participant[speaker] and asked:
                roles[speaker] = INTERVIEWER
                warnings.append(
                    f"{speaker!r} asks {asked} questions and is taken as an interviewer (the "
                    "listed participant speaks too) — add it to 'interviewers' to say so, or "
                    "give it a row in participants.csv if it is a participant"
                )
    for speaker in speakers:
        if roles[speaker] == PARTICIPANT and is_unnamed_voice(speaker):
            warnings.append(
                f"{speaker!r} (a voice the transcription tool could not name) is counted as a "
                "participant — rename it in the transcript to who it is (a listed name, or the "
                "interviewer's)"
            )
    if len(speakers) >= 2 and INTERVIEWER not in roles.values():
        guess = _most_questions(turns, participant_names)
        names = list(dict.fromkeys(interviewers))
        listed = ("the listed interviewer " if len(names) == 1 else "the listed interviewers ") + (
            ", ".join(repr(n) for n in names)
            + (" never speaks" if len(names) == 1 else " never speak")
        )
        if guess and names:
            # The names are listed, so "list interviewers" would send the user in a circle:
            # the export wrote another label ("Speaker 1") for the same person.
            roles[guess] = INTERVIEWER
            warnings.append(
                f"{listed} under that name; guessed {guess!r} (asks the most questions) — if "
                f"{guess!r} is the interviewer, add {guess!r} to 'interviewers' (e.g. "
                f"'{'; '.join([*names, guess])}' in participants.csv), or rename the label in the "
                "transcript"
            )
        elif guess:
            roles[guess] = INTERVIEWER
            warnings.append(
                f"no interviewer named; guessed {guess!r} (asks the most questions) — "
                "list interviewers in front matter or participants.csv"
            )
        else:
            warnings.append(
                "no interviewer recognised; every speaker is treated as a participant — "
                + (
                    f"{listed} under that name: add the label they speak under to 'interviewers'"
                    if names
                    else "list interviewers in front matter or participants.csv"
                )
            )
    return roles


def _questions(turns: Sequence[RawTurn], speaker: str) -> int:
    """How many questions ``speaker`` asks when most of their turns are questions (two at
    least), else 0."""
    said = [t.text.rstrip() for t in turns if t.speaker == speaker]
    asked = sum(text.endswith("?") for text in said)
    return asked if asked >= 2 and asked * 2 >= len(said) else 0


def _most_questions(turns: Sequence[RawTurn], participant_names: Sequence[str]) -> str:
    counts: dict[str, int] = {}
    for turn in turns:
        if matches_name(turn.speaker, participant_names):
            continue
        if _label_base(turn.speaker) in PARTICIPANT_LABELS:
            continue
        asked = turn.text.rstrip().endswith("?")
        counts[turn.speaker] = counts.get(turn.speaker, 0) + int(asked)
    best = max(counts.items(), key=lambda kv: kv[1], default=("", 0))
    # Ties go to whoever spoke first (dict order), which is usually the interviewer.
    return best[0] if best[1] > 0 else ""
