"""Cross-talk in a group interview: a participant's turn that replies to another participant's
rather than to the moderator's question, and a reaction to another's story that tells nothing
of its speaker's own journey ("That's awful.", "Oh I know, ours too").

A focus group's moderator asks the room (a round: each answers in turn) or one person ("Abdi,
you mentioned…", "A letter from the council?" after Abdi's story). A turn right after another
participant's answers the moderator only when it is its speaker's first turn of a round; else it
replies to the turn before it, and a report prints that turn with it, not the moderator's
question (which its speaker never answered).
"""

from __future__ import annotations

import re

import pandas as pd

from cjm_research.ingest.speakers import fold_label
from cjm_research.model import INTERVIEWER
from cjm_research.privacy.pii import NAME

#: Words that put a question to the room, not to the one who answers first: "How did each of you
#: learn…", "Let's go round", "thank you all", "Has anyone else had that?".
TO_THE_ROOM = re.compile(
    r"\b(?:each|any|all|both|either|none|some|one|most|rest) of you\b|\byou (?:all|both|two|"
    r"three|guys|lot)\b|\bevery(?:one|body)\b|\bgo(?:ing)? (?:a)?round\b|\bround the "
    r"(?:room|table|group)\b|\bany(?:one|body) else\b",
    re.IGNORECASE,
)
#: "Has anyone used those?" asks the room; "did anyone follow that up with you?" asks one
#: person about others: "anyone" asks the room in a question not put to "you".
ANYONE = re.compile(r"\bany(?:one|body)\b", re.IGNORECASE)
_YOU = re.compile(r"\byou(?:rs?|rself)?\b", re.IGNORECASE)
_THANKS = re.compile(r"\bthank you\b", re.IGNORECASE)
#: A reaction of more words than this tells more than a reaction: it counts as its speaker's
#: own, whatever its words. In the recycling study's focus group the reactions that made their
#: speakers "raise" a pain point ran to 9 and 12 words ("That's awful. Can you not get a bigger
#: bin for a big family?"); its turns that tell their speaker's experience without a first
#: person are longer, or answer a question put to them (``own_thread``).
REACTION_WORDS = 15
#: Words that put the speaker in what a clause tells ("ours came two weeks late").
FIRST_PERSON = frozenset(
    "i i'm i've i'd i'll me my mine myself we we're we've we'd we'll us our ours ourselves".split()
)
#: Words a first-person clause may hold and still tell nothing of its own: agreeing, echoing,
#: feeling for the other ("Oh I know, ours too", "Same here", "Me too", "I can't believe it",
#: "I know what you mean", "I'm so sorry").
STANCE = frozenset(
    "oh ah aw god gosh wow yes yeah yep yup no nope same here too also as well so really totally "
    "completely absolutely exactly definitely honestly just know knew agree bet see mean imagine "
    "believe can can't cannot could couldn't do don't feel hear you your that that's this it "
    "it's is was what how true right sorry not surprised shocked for with a the and but".split()
)
#: A first-person clause that says what the speaker would feel tells no experience: "I'd be
#: fuming", "I would hate that", "we'd have been furious".
HYPOTHETICAL = re.compile(r"\b(?:i|we)(?:'d| would) (?:\w+ )?(?:be|have been|hate|love)\b")
_CLAUSE = re.compile(r"[.,!?;:…—–]+|\s-\s")
#: A spoken word, as every analysis of a turn's words counts it ("£45", "didn't", "50%").
WORD = re.compile(r"[\w'£$€%]+")
_ASIDE = re.compile(r"\[[^\]]*\]")  # "[laughs]", "[name]": a transcriber's, not the speaker's
_PUNCT = re.compile(r"[^\w\s]")


def replies(segments: pd.DataFrame) -> pd.DataFrame:
    """Per row of a coded table, in a group interview (two participants' voices or more), the
    participant whose turn it replies to (``replying_to``: their id, their speaker label when
    they have none), that turn's words (``reply``) and whether the row's turn is a bare reaction
    to another's story (``reaction``, ``is_bare_reaction``; not when that turn replied to this
    speaker: their own story goes on). "" and False for every other row.

    A participant's turn right after another participant's replies to it unless it is its
    speaker's first turn since the moderator's question and that question was not put to another
    participant (``put_to_another``): a round's answers answer it, "Same as Gwen really" too.
    A turn split into sentences is one turn."""
    out = pd.DataFrame(
        {"replying_to": "", "reply": "", "reaction": False}, index=segments.index
    ).astype({"replying_to": object, "reply": object, "reaction": bool})
    if segments.empty or "role" not in segments:
        return out
    turns = _turns(segments)
    found: dict[tuple[str, float], tuple[str, str, bool]] = {}
    for _, group in turns.groupby("interview", sort=False):
        if group.loc[~group["asking"], "voice"].nunique() >= 2:
            found.update(_replies_in(group.reset_index(drop=True)))
    keys = zip(_interviews(segments), _turn_numbers(segments), strict=True)
    for position, key in enumerate(keys):
        if key in found:
            out.iloc[position] = found[key]
    return out


def _interviews(segments: pd.DataFrame) -> pd.Series:
    return segments["interview_id"].astype(str)


def _turn_numbers(segments: pd.DataFrame) -> pd.Series:
    turn = segments["turn"] if "turn" in segments else pd.Series(range(len(segments)))
    numbers = pd.to_numeric(turn, errors="coerce").fillna(-1).to_numpy(dtype=float)
    return pd.Series(numbers, index=segments.index)


def _turns(segments: pd.DataFrame) -> pd.DataFrame:
    """One row per turn, in order: its interview and number, whether the interviewer's, the
    voice (participant id, else speaker label), the label to name it by and its words."""
    speaker = segments["speaker" if "speaker" in segments else "participant_id"]
    speaker = speaker.fillna("").astype(str)
    pid = segments["participant_id"].fillna("").astype(str)
    rows = pd.DataFrame(
        {
            "interview": _interviews(segments).to_numpy(),
            "turn": _turn_numbers(segments).to_numpy(),
            "asking": (segments["role"].astype(str) == INTERVIEWER).to_numpy(),
            "speaker": speaker.to_numpy(),
            "voice": pid.where(pid != "", speaker).to_numpy(),
        }
    ).sort_values(["interview", "turn"], kind="stable")  # stable: a turn's sentences in order
    # Joined in Python, kept as objects: a str column refuses what a transcript may hold (lone
    # surrogates), which the Word writer cleans later.
    said: dict[tuple[str, float], list[str]] = {}
    words = segments["text"].to_numpy(dtype=object)
    for interview, turn, position in zip(rows["interview"], rows["turn"], rows.index, strict=True):
        said.setdefault((interview, turn), []).append(str(words[position]))
    turns = rows.groupby(["interview", "turn"], sort=False, as_index=False).agg(
        asking=("asking", "first"), speaker=("speaker", "first"), voice=("voice", "first")
    )
    keys = zip(turns["interview"], turns["turn"], strict=True)
    joined = [" ".join(said[key]).strip() for key in keys]
    turns["text"] = pd.Series(joined, index=turns.index, dtype=object)
    return turns


def _replies_in(turns: pd.DataFrame) -> dict[tuple[str, float], tuple[str, str, bool]]:
    """The replies among one group interview's ``turns`` (``_turns``, in order), by turn key."""
    found: dict[tuple[str, float], tuple[str, str, bool]] = {}
    replied: dict[int, str] = {}  # turn position → the voice it replies to
    question: int | None = None
    spoken: set[str] = set()  # voices that answered since the question
    voices = list(dict.fromkeys(turns.loc[~turns["asking"], "speaker"]))
    for i, turn in enumerate(turns.itertuples(index=False)):
        if turn.asking:
            question, spoken = i, set()
            continue
        first = question is not None and turn.voice not in spoken
        spoken.add(turn.voice)
        before = turns.iloc[i - 1] if i else None
        if before is None or before["asking"] or before["voice"] == turn.voice:
            continue
        if first and not put_to_another(turns, question, turn.voice, voices):
            continue
        replied[i] = str(before["voice"])
        own_thread = replied.get(i - 1) == turn.voice
        reaction = not own_thread and is_bare_reaction(str(turn.text))
        found[(str(turn.interview), float(turn.turn))] = (
            str(before["voice"]),
            str(before["text"]),
            reaction,
        )
    return found


def put_to_another(
    turns: pd.DataFrame, question: int | None, voice: str, voices: list[str]
) -> bool:
    """Whether the moderator's turn at position ``question`` of a group interview's ``turns`` was
    put to one participant other than ``voice``: it does not ask the room (``TO_THE_ROOM``;
    ``ANYONE`` in a question not put to "you"), someone else answers it first, and it follows
    that person's own turn ("A letter from the council?" after Abdi's story) or names them
    ("Abdi, you mentioned…"; a name the redaction hid, ``[name]``, too). ``voices``: the
    interview's participants' speaker labels."""
    if question is None or question + 1 >= len(turns):
        return False
    asked = str(turns.iloc[question]["text"])
    unthanked = _THANKS.sub(" ", asked)
    if TO_THE_ROOM.search(asked) or (ANYONE.search(asked) and not _YOU.search(unthanked)):
        return False
    answer = turns.iloc[question + 1]
    if answer["asking"] or answer["voice"] == voice:
        return False
    before = turns.iloc[question - 1] if question else None
    follows_up = before is not None and not before["asking"] and before["voice"] == answer["voice"]
    return follows_up or names(asked, str(answer["speaker"]), voices)


def names(text: str, speaker: str, voices: list[str]) -> bool:
    """Whether ``text`` names the participant speaking as ``speaker``: their label ("Sorter 05",
    "Abdi H"; a note in brackets aside) or its first word when no other of ``voices`` starts so
    ("Abdi"), as whole words; or a name the redaction hid (``[name]``)."""
    said = f" {fold_label(_PUNCT.sub(' ', text))} "
    label = fold_label(speaker)
    first = label.split()[0] if label else ""
    others = [fold_label(v).split()[:1] for v in voices if v != speaker]
    forms = [label] + ([first] if first and [first] not in others else [])
    return any(f and f" {f} " in said for f in forms) or NAME in text


def as_said(text: str) -> str:
    """A turn's words as the speaker said them: transcribers' asides ("[laughs]") out, curly
    apostrophes straight, so that "didn’t" and "didn't" are one word to every rule."""
    return _ASIDE.sub(" ", text).replace("\u2019", "'")


def is_bare_reaction(text: str) -> bool:
    """Whether a turn only reacts ("That's awful. Can you not get a bigger bin?", "Oh I know,
    ours too", "I'd be fuming"): at most ``REACTION_WORDS`` words, and no clause tells something
    of the speaker's own, a first-person word (``FIRST_PERSON``) with words beyond agreeing,
    echoing and feeling for the other (``STANCE``), nor only what they would feel
    (``HYPOTHETICAL``). "Same here, ours came two weeks late" tells its own."""
    said = as_said(text).lower()
    if not 0 < len(WORD.findall(said)) <= REACTION_WORDS:
        return False
    for clause in _CLAUSE.split(said):
        words = {w.strip("'") for w in WORD.findall(clause)}
        if HYPOTHETICAL.search(clause) or not words & FIRST_PERSON:
            continue
        if words - FIRST_PERSON - STANCE:
            return False
    return True
