"""Speaker labels: what can be one, and its parts (``"Dana K (UX Research)"`` → name and note).

Shared by every reader (text, subtitles, Word) and by role assignment, so a label means the same
thing in every format.
"""

from __future__ import annotations

import re
import unicodedata

# A note after the name: "(UX Research)", "[Acme]", "(she/her)"; never a time (no colon).
NOTE = r"[\[(][^\[\]():*]{1,40}[\])]"
_LABEL_NOTE = re.compile(rf"^(?P<name>.*?)\s*(?P<note>{NOTE})$")
_WORD = re.compile(r"^[\w'’.\-&]+$")
_ABBREVIATION = re.compile(r"^(?:[^\W\d_]{1,3}\.)+$")  # Dr. Mrs. J. — the only dots a label has
#: The lower-case words inside a surname ("de Vries", "Ó Briain", "bin Omar"): the redaction
#: replaces them with the surname they precede, and a speaker label may carry most uncapitalised.
NAME_PARTICLES = frozenset(
    {"van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "del", "della", "dos", "das",
     "do", "ter", "ten", "zu", "af", "st", "ó", "o", "ní", "nic", "uí", "mac", "mc", "bin", "bint",
     "ibn", "al", "el", "ben"}
)  # fmt: skip
# Those a sentence may hold in lower case ("Yes I do: …") never pass as part of a speaker label.
_LABEL_PARTICLES = NAME_PARTICLES - {"do", "o", "ten", "st", "al", "el", "ben", "af", "mac"}


_OPENERS = frozenset(
    {"yes", "yeah", "no", "well", "so", "right", "ok", "okay", "anyway", "honestly", "sure", "oh",
     "and", "but", "then", "now", "look", "listen", "sorry", "thanks", "hi", "hello", "because"}
)  # fmt: skip


def split_label(label: str) -> tuple[str, str]:
    """A speaker label's name and its note: ``"Dana K (UX Research)"`` → ``("Dana K",
    "UX Research")``; ``("Dana K", "")`` without a note."""
    label = " ".join(label.split())
    match = _LABEL_NOTE.match(label)
    if match is None:
        return label, ""
    return match["name"], match["note"][1:-1].strip()


def is_speaker_label(label: str) -> bool:
    """Whether ``label`` can be a speaker label: a name of 1–4 words, ≤ 40 chars, no sentence
    punctuation, and at most one note in parentheses or brackets (``Jo (she/her)``).

    Multi-word labels must be capitalised ("Maya Lindqvist", "Speaker 2") so that a line such as
    ``I thought: why not`` continues a turn instead of starting one.
    """
    name = split_label(label)[0]
    words = name.split()
    if not 1 <= len(words) <= 4 or len(name) > 40 or not name[0].isalpha():
        return False
    if 2 <= len(words) <= 3 and words[0].endswith(","):
        # "Smith, Jane" (Teams, and the QDPX export of a Teams transcript): surname first.
        # Not "Yes, Maya" or "Well, honestly": words that open a sentence are no surname.
        if words[0][:-1].casefold() in _OPENERS:
            return False
        words = [words[0][:-1], *words[1:]]
    for word in words:
        if not _WORD.match(word) or ("." in word and not _ABBREVIATION.match(word)):
            return False
    if len(words) > 1:
        return all(w[0].isupper() or w[0].isdigit() or w in _LABEL_PARTICLES for w in words)
    return True


# Word and most transcription tools write O’Neill with a typographic apostrophe; lists often have '.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


def unaccented(text: str) -> str:
    """``text`` without its accents: "Zoë García" → "Zoe Garcia" (how names are often typed)."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def name_key(name: str) -> str:
    """How a name is looked up: NFC, apostrophes unified, casefolded, single spaces."""
    text = unicodedata.normalize("NFC", name).translate(_APOSTROPHES)
    return " ".join(text.casefold().split())


#: Labels transcription tools give a voice they could not tell apart (Otter, Teams, Zoom).
_UNNAMED = re.compile(
    r"(?i)^(?:unknown|unidentified|unrecogni[sz]ed)(?:\s+(?:speaker|person))?(?:\s*\d+)?$"
)


def is_unnamed_voice(label: str) -> bool:
    """Whether ``label`` is a transcription tool's name for a voice it could not tell
    ("Unknown Speaker", "Unidentified 2"): a person nobody knows yet, not a participant's name."""
    return bool(_UNNAMED.match(label.strip()))


#: What captions bracket that nobody says: "[Music]", "(laughs)", "[inaudible 00:12:03]".
SOUND_WORDS = frozenset(
    {"music", "applause", "laughter", "laughs", "laugh", "laughing", "inaudible", "crosstalk",
     "silence", "noise", "pause", "coughs", "cough", "coughing", "sighs", "sigh", "chuckles",
     "chuckle", "indistinct", "unintelligible", "foreign", "audio", "cheering", "sound", "sounds",
     "static", "beep", "beeps", "ringing", "overlapping", "blank_audio"}
)  # fmt: skip
_SOUND_GROUP = re.compile(r"\[[^\[\]]*\]|\([^()]*\)|\*[^*\s][^*]*\*")
_MUSIC_NOTES = "♪♫♬🎵🎶"


def is_sound_cue(line: str) -> bool:
    """Whether ``line`` holds no speech, only what captions mark: bracketed sounds ("[Music]",
    "(laughs)", "[door closes]", "*sighs*") or music between notes ("♪ la la ♪")."""
    text = line.strip()
    if not text:
        return False
    if text[0] in _MUSIC_NOTES or text[-1] in _MUSIC_NOTES:
        return True  # a song's words are not the interview's
    groups = _SOUND_GROUP.findall(text)
    return (
        bool(groups)
        and not _SOUND_GROUP.sub("", text).strip(" .,;-–—…")
        and all(_is_sound(group[1:-1]) for group in groups)
    )


def _is_sound(inside: str) -> bool:
    # "[laughs nervously]", "(upbeat music)", "[MUSIC PLAYING]"; not "[Maya Lindqvist]", a name,
    # nor "[00:05:00]", a time.
    words = re.findall(r"[^\W\d]+", inside.casefold())
    return bool(words) and (inside.strip()[0].islower() or not SOUND_WORDS.isdisjoint(words))
