"""Participants' words as evidence: quotes with where they come from, the question an answer
needs to be understood, and which turns stand for a stage.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np
import pandas as pd

from cjm_research.analysis.crosstalk import WORD, as_said, replies
from cjm_research.model import INTERVIEWER

#: Fewer words than this and a quote needs its question to be understood; without a question to
#: print beside it, it is used last.
QUOTE_WORDS = 8
#: A short answer printed with its question still needs this many words of its own to come
#: before the short answers without one ("Well. Not eight weeks." does; "No." does not: its
#: evidence would be the interviewer's words).
ANSWERED_WORDS = 4
#: An interviewer's turn longer than this is shortened to the question it ends with.
QUESTION_WORDS = 25
#: An interviewer's turn of at most this many words that asks nothing ("Right.", "Mm-hm.", "That
#: sounds stressful.") is a nudge: the answer after it goes on answering the question before it.
NUDGE_WORDS = 4
#: The words of a nudge that only acknowledges ("Right.", "Mm-hm.", "[laughs] Fair enough."):
#: nothing to agree with, so an answer after it goes on answering the question before it.
BACKCHANNEL = frozenset(
    "right okay ok alright all mm mhm mm-hm hm hmm uh-huh yeah yes yep sure i see got it great "
    "good cool fine fair enough thanks thank you oh ah aha wow lovely nice go on sorry so "
    "and".split()
)
#: Words an answer opens with to take up a remark ("That sounds frustrating." — "It is,
#: because…"; "Hmm, that's not great." — "No. In Poland also bureaucracy…"; "Very.").
AGREEING = frozenset(
    "yes yeah yep yup no nope nah very exactly totally absolutely definitely completely quite "
    "really indeed true".split()
)
#: ... or "it" with a verb that says how it was ("It is", "It was horrible", "It's…").
_IT_WAS = frozenset("is was really has had felt does did".split())
#: Words with which a short lead-in names what the question is about ("You mentioned the
#: refund.", "About the app —", "Going back to the fine."): no nudge, it says what "it" is.
TOPIC_POINTERS = re.compile(
    r"\b(?:mention(?:ed)?|said|saying|talked|told|about|regarding|back to|speaking of|"
    r"talking of|as for)\b",
    re.IGNORECASE,
)
#: The first sentence of an answer at most this long with no subject of its own is a fragment
#: that completes the question ("The school gates.", "Back on the chat.", "Rang them.").
FRAGMENT_WORDS = 4
#: Words that open an answer which replies to, or points back at, what was asked: "No. Probably
#: not.", "Yeah, a few friends…", "Well. Not eight weeks.", "It was fine.", "They said…".
REPLY_OPENERS = frozenset(
    "yes yeah yep yup no nope nah not never well sure definitely absolutely maybe perhaps "
    "probably possibly mostly mainly partly both neither either about around roughly nearly "
    "almost just only that that's this these those it it's they they're them he she so then "
    "and but because same exactly".split()
)
#: Number words that open an answer to "how long / how many / how much" ("Twelve working days.").
NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty "
    "fifty hundred half once twice".split()
)
#: A first sentence holding one of these has a subject of its own: not a fragment.
SUBJECTS = frozenset(
    "i i'm i'd i've i'll we we're we'd we've you you're you'd he he's she she's they they're it "
    "it's there there's that's everyone everybody someone somebody nobody who".split()
)
#: Hedges that give a fragment a subject in form only ("Google, I think.", "I mean."): left out
#: of the fragment test.
HEDGES = re.compile(r"\b(?:i think|i guess|i suppose|i mean|i'd say|you know)\b")
#: Sounds and asides an answer opens with that say nothing of what it answers.
FILLERS = frozenset("um umm uh er erm oh ah hmm mm".split())
_SENTENCE_END = re.compile(r"(?<=[.?!…])\s+")
_PLAIN_WORD = re.compile(r"\w+(?:'\w+)*")
#: A stage code at this confidence or more may stand for its stage in the quotes before others;
#: below it the coder is right less than half the time (README: the review flag).
SURE_STAGE = 0.5
#: An emotion the machine gave at this confidence or more is printed beside its quote; below it
#: the label is right about one time in three (example gold: shown labels 72 % right, hidden
#: 35 %; broadband 59 % and 40 %), and a wrong feeling beside a quote undoes the quote.
SURE_EMOTION = 0.5
#: Two quotes say the same when this share of the shorter one's words recur in the longer, in
#: order, in runs of ``REPEAT_RUN`` words or more (``repeats``). On the coded corpus (167,815
#: pairs of turns in the same stage) no two different statements reach it: the highest, 0.57, is
#: one participant's "I had four tablets" said twice; "The engineer never turned up and nobody
#: called" against "… nobody rang" is 0.91. (A share of words in common, in any order, made
#: unrelated long answers alike: "I", "the" and "it" are in all of them.)
REPEAT_SHARE = 0.6
#: ... and a run of fewer words is a phrase anyone says ("of the", "I think"), no repetition; a
#: quote shorter than this repeats another only when its words are the same.
REPEAT_RUN = 3
#: A pain point's turn says the pain clearly at this multiple of its coder's pain threshold or
#: below (``journey.MOMENT_VALENCES``: -0.3 for the semantic coder, -0.5 for the rules coder).
#: A recycling study's map quoted "No, actually. They came correct. But I was worried all week."
#: (-0.23, just past the threshold) beside a pain point whose other turns were at -0.6.
CLEAR_PAIN = 2.0
#: An opening sentence of at most this many words that only replies ("No, actually.", "Not that
#: day.", "Yes, automatic, a number.") or is fillers ("Um... I mean.") says nothing alone: an
#: excerpt of the turn starts after it.
REPLY_SENTENCE_WORDS = 4
#: Words a short opening sentence replies with, saying nothing alone ("Not that day.", "It
#: was fine."); not the pointers among ``REPLY_OPENERS`` ("Because of the stairs." says why).
REPLIES = frozenset(
    "yes yeah yep yup no nope nah not never well sure definitely absolutely maybe perhaps "
    "probably possibly mostly exactly it it's that that's same".split()
)
#: ... or a yes or no anywhere in it ("A bit, yeah.", "Oh, no.").
YES_NO = frozenset("yes yeah yep yup no nope nah".split())
#: An excerpt of fewer words says too little to stand for a pain point, as a turn of fewer
#: words makes none (``journey.MIN_MOMENT_WORDS``): "…Like a bereavement option.…".
EXCERPT_WORDS = 6


@dataclass(frozen=True)
class Quote:
    """A participant's words with where they come from, so every claim can be traced."""

    segment_id: str
    text: str
    participant: str
    interview_id: str
    source: str
    line: int | None
    time_start: float | None
    stage: str
    emotion: str
    valence: float
    #: how sure its coder was of ``emotion`` (1 for a person's code; None when unknown)
    emotion_confidence: float | None = None
    #: the interviewer's turn that prompted it (``asked_before``), as the table holds it: redacted
    #: when the table is; "" for an answer nothing was asked before. In a group interview, the
    #: other participant's turn it replies to (``prompts``), whose label is ``replying_to``
    question: str = ""
    #: the participant (label) whose turn it replies to in a group interview; "" for an answer
    replying_to: str = ""

    @property
    def shown_question(self) -> str:
        """The question (or the turn replied to) to print before the quote, shortened: "" when
        the answer is understood without it (``needs_question``) or nothing was asked before."""
        return question_to_show(self.text, self.question, reply=bool(self.replying_to))

    @property
    def shown_emotion(self) -> str:
        """The emotion to print beside the quote: "" when the machine doubts it (confidence
        under ``SURE_EMOTION``), as a reader takes the label for the participant's feeling."""
        sure = self.emotion_confidence is None or self.emotion_confidence >= SURE_EMOTION
        return self.emotion if sure else ""

    @property
    def location(self) -> str:
        """``00:03:12`` when the source is timed, else ``line 23``."""
        if self.time_start is not None and not math.isnan(self.time_start):
            seconds = int(self.time_start)
            return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        return f"line {self.line}" if self.line else ""

    @property
    def provenance(self) -> str:
        """``P01 · p01-interview · line 23``: who said it, in which interview, where."""
        return " · ".join(p for p in (self.participant, self.interview_id, self.location) if p)


def pick_quotes(
    rows: pd.DataFrame,
    limit: int,
    participant_labels: dict[str, str] | None = None,
    avoid: Collection[str] = (),
    signs: dict[str, float] | None = None,
) -> list[Quote]:
    """Up to ``limit`` quotes: the most emotionally intense, spread across participants first.

    Short turns ("Yeah.", "Every day. Sometimes two times a day.") make poor evidence, so turns
    under ``QUOTE_WORDS`` words are used only when nothing longer exists: first those printed
    with their question and of ``ANSWERED_WORDS`` words or more (understood now, though thin:
    more of their meaning is the interviewer's words, and a short turn's emotion is the least
    reliable, as for pain points), then the rest. Nor does a turn whose stage the coder doubts
    (confidence under ``SURE_STAGE``: right less than half the time) stand for the stage while a
    surer one can.
    Turns in ``avoid`` (quoted elsewhere in the report) come after every other long, sure one.
    A bare reaction to another participant's story in a group (the ``reaction`` column: "That's
    awful.") is not its speaker's experience: it comes after every turn that is.
    The quotes' signs follow the stage's shares of negative and positive segments while its
    long, sure turns allow (by the emotion's sign in ``signs``, as the stage's shares count
    them; by the valence's without), the larger side first. A turn that says again what a
    chosen one says (``repeats``) is passed over for the next best, whatever else is left: two
    participants' same sentence read as padding or a copy error.
    """
    if rows.empty or limit <= 0:
        return []
    words = rows["text"].str.split().str.len()
    confidence = rows["stage_confidence"].fillna(0)
    asked = rows["question"].fillna("").astype(str) != "" if "question" in rows else False
    own = ~rows["reaction"].fillna(False).astype(bool) if "reaction" in rows else True
    ranked = rows.assign(
        _own=own,
        _long=words >= QUOTE_WORDS,
        # among the short turns only: a long turn's question changes nothing of its rank
        _answered=(words < QUOTE_WORDS) & (words >= ANSWERED_WORDS) & asked,
        _sure=confidence >= SURE_STAGE,
        _fresh=~rows["segment_id"].isin(list(avoid)),
        _strength=rows["valence"].abs() + confidence / 2,
    ).sort_values(
        ["_own", "_long", "_answered", "_sure", "_fresh", "_strength", "segment_id"],
        ascending=[False, False, False, False, False, False, True],
    )
    # The quotes' signs in proportion to the stage's (two of three negative where most is):
    # ranked by strength alone, two relieved quotes stood for a stage mostly negative.
    valence = pd.to_numeric(rows["valence"], errors="coerce").fillna(0.0)
    sign = np.sign(rows["emotion"].map(signs).fillna(0.0) if signs else valence)
    quota = {s: round(limit * float((sign == s).mean())) for s in (-1.0, 1.0)}
    # not .astype(str): an arrow-backed string refuses what a transcript may hold (lone surrogates)
    said = ranked["text"].map(lambda text: quote_words(str(text)))
    chosen: list[pd.Series] = []
    seen: set[str] = set()
    # Relaxed one by one: spread across participants, the signs' shares, and long, sure turns
    # not quoted elsewhere; last, the ranking alone (a long, sure quote repeated before "Yeah.").
    passes = ((True, True, True), (False, True, True), (False, False, True), (False, False, False))
    for spread_first, by_sign, good_only in passes:
        for key, row in ranked.iterrows():
            if len(chosen) == limit:
                break
            taken = any(row["segment_id"] == c["segment_id"] for c in chosen)
            full = by_sign and sum(sign[c.name] == sign[key] for c in chosen) >= quota.get(
                sign[key], limit
            )
            weak = good_only and not (
                row["_own"] and row["_long"] and row["_sure"] and row["_fresh"]
            )
            if taken or full or weak or (spread_first and row["participant_id"] in seen):
                continue
            if repeats(said[key], [said[c.name] for c in chosen]):
                continue
            chosen.append(row)
            seen.add(row["participant_id"])
    larger = -1.0 if (sign < 0).sum() >= (sign > 0).sum() else 1.0
    chosen.sort(key=lambda row: sign[row.name] != larger)  # stable: by rank within each side
    return [quote_of(row, participant_labels) for row in chosen]


def quote_words(text: str) -> tuple[str, ...]:
    """A quote's words as a reader compares two quotes: case, punctuation and spacing aside, and
    without a transcriber's asides ("[laughs]") or fillers ("um")."""
    text = as_said(text).casefold()
    return tuple(w.replace("'", "") for w in _PLAIN_WORD.findall(text) if w not in FILLERS)


def repeats(words: tuple[str, ...], chosen: Iterable[tuple[str, ...]]) -> bool:
    """Whether a quote of ``words`` (``quote_words``) says again what a quote of ``chosen``
    says, for a section to quote it once: the same words, or one within the other or nearly
    (``REPEAT_SHARE`` of the shorter's words in the longer, in order, in runs of ``REPEAT_RUN``
    words or more)."""
    return any(_same_words(words, other) for other in chosen)


def _same_words(one: tuple[str, ...], other: tuple[str, ...]) -> bool:
    if one == other:
        return True
    short, long = sorted((one, other), key=len)
    if len(short) < REPEAT_RUN:  # "No." in a long answer repeats nothing
        return False
    blocks = SequenceMatcher(None, short, long, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks if b.size >= REPEAT_RUN) >= REPEAT_SHARE * len(short)


def saying_the_pain(
    evidence: Iterable[str], valence: Mapping[str, float], threshold: float
) -> list[str]:
    """A pain point's turns to quote (``evidence``, its segment ids), the most negative first:
    only those clearly negative (at or below ``CLEAR_PAIN`` times the coder's pain
    ``threshold``) when any is, else all: the map's pain lane puts none beside the pain that
    says little of it. (The generated insights need no such rule: they quote each participant's
    most negative turn, the strongest first.)"""
    ranked = sorted(evidence, key=lambda s: valence.get(s, 0.0))
    clear = [s for s in ranked if valence.get(s, 0.0) <= CLEAR_PAIN * threshold]
    return clear or ranked


def excerpts(text: str) -> list[str]:
    """Shorter quotes of a turn, whole sentences each, the longest first: from the first
    sentence that says something (opening replies and fillers such as "No, actually." or "Um...
    I mean." left out) to the end, then one sentence fewer, and so on; none shorter than
    ``EXCERPT_WORDS`` words. A "…" marks words left out at either end (after a sentence's own
    full stop and a no-break space, as an omission after a whole sentence is printed:
    "nappies. …", never "…" alone on a line)."""
    sentences = _sentences(text)
    first = _saying_something(sentences)
    cuts = []
    for end in range(len(sentences), first, -1):
        kept = " ".join(sentences[first:end])
        if (first, end) != (0, len(sentences)) and len(kept.split()) >= EXCERPT_WORDS:
            cuts.append(("…" if first else "") + kept + ("\u00a0…" if end < len(sentences) else ""))
    return cuts


def from_what_it_says(text: str) -> str:
    """A turn from its first sentence that says something ("…" before it when an opening reply
    or filler is left out): where a quote cut to fit starts."""
    sentences = _sentences(text)
    first = _saying_something(sentences)
    return ("…" if first else "") + " ".join(sentences[first:])


def _sentences(text: str) -> list[str]:
    return [x for x in _SENTENCE_END.split(" ".join(text.split())) if x]


def _saying_something(sentences: list[str]) -> int:
    """The index of the first sentence that says something alone (the last one at most)."""
    first = 0
    while first < len(sentences) - 1 and _only_replies(sentences[first]):
        first += 1
    return first


def _only_replies(sentence: str) -> bool:
    """Whether a sentence says nothing alone: fillers and hedges only, or a few words opening
    with a reply ("No, actually.", "Not that day.", "Yes, automatic, a number.")."""
    words = _opening(sentence)
    if not words:
        return True
    return len(words) <= REPLY_SENTENCE_WORDS and (
        words[0] in REPLIES or words[0] in NUMBER_WORDS or bool(YES_NO.intersection(words))
    )


def quote_of(row: pd.Series, participant_labels: dict[str, str] | None = None) -> Quote:
    """A segments-table row as a quote with its provenance (participant label, not id)."""
    labels = participant_labels or {}
    replied = row.get("replying_to")
    replied = replied if isinstance(replied, str) else ""  # none, or a table's empty cell
    time_start = row.get("time_start")
    line = row.get("line")
    return Quote(
        segment_id=str(row["segment_id"]),
        text=str(row["text"]),
        participant=labels.get(row["participant_id"], row["participant_id"]) or row["speaker"],
        interview_id=str(row["interview_id"]),
        source=str(row.get("source", "")),
        line=int(line) if line is not None and not pd.isna(line) else None,
        time_start=None if time_start is None or pd.isna(time_start) else float(time_start),
        stage=str(row["stage"]),
        emotion=str(row["emotion"]),
        valence=float(row["valence"]),
        emotion_confidence=None if pd.isna(sure := row.get("emotion_confidence")) else float(sure),
        question=str(row.get("question") or ""),
        replying_to=labels.get(replied, replied) if replied else "",
    )


def question_to_show(text: str, question: str, reply: bool = False) -> str:
    """The ``question`` (shortened) to print with the answer ``text``: "" when the answer is
    understood without it (``needs_question``) or nothing was asked before it. A ``reply``'s
    question is another participant's turn: whole while it fits, not cut to a question."""
    if not question or not needs_question(text):
        return ""
    return reply_shown(question) if reply else shorten(question)


def reply_shown(turn: str) -> str:
    """Another participant's ``turn`` that an answer replies to, as printed above it: whole
    while it fits ``QUESTION_WORDS`` words, else cut as a question is (``shorten``)."""
    return turn if len(turn.split()) <= QUESTION_WORDS else shorten(turn)


def questions_shown(segments: pd.DataFrame) -> pd.Series:
    """Per row of a coded table, the question it is printed with (``question_to_show`` of
    ``prompts``; "Replying to P02: …" before another participant's turn it replies to): "" for
    most rows. The table's own words, so redacted when the table is."""
    asked = prompts(segments)
    shown = []
    for text, question, who in zip(
        segments["text"], asked["question"], asked["replying_to"], strict=True
    ):
        said = question_to_show(str(text), question, reply=bool(who))
        shown.append(replying(who, said) if who and said else said)
    return pd.Series(shown, index=segments.index, dtype=object)


def replying(participant: str, said: str) -> str:
    """The line before a quote that replies to another participant in a group interview, in
    every format: ``Replying to Sorter 05: …She kept the letter on the table for a month.``"""
    return f"Replying to {participant}: {said}"


def prompts(segments: pd.DataFrame) -> pd.DataFrame:
    """Per row of a coded table, what it answers: ``question``, the interviewer's turn that
    prompted it (``asked_before``) or, in a group interview, the other participant's turn it
    replies to (``crosstalk.replies``), whose participant is then ``replying_to`` (their id as
    the table holds it: a pseudonym when it is redacted); and whether it is a bare reaction to
    another's story (``reaction``). A quote prints the question it needs with its answer."""
    replied = replies(segments)
    asked = asked_before(segments)
    replying = replied["replying_to"] != ""
    return pd.DataFrame(
        {
            "question": asked.where(~replying, replied["reply"]),
            "replying_to": replied["replying_to"],
            "reaction": replied["reaction"],
        },
        index=segments.index,
    )


def needs_question(text: str) -> bool:
    """Whether an answer is understood only with the question it answers, as a reader meets it
    in a report: a short answer (under ``QUOTE_WORDS`` words: "No. Probably not."); one whose
    first sentence, after fillers ("Um,") and asides ("[laughs]"), opens with a reply or a word
    pointing back (``REPLY_OPENERS``: "Yeah, a few friends…", "Well. Not eight weeks.", "It was
    fine.") or with a number ("Twelve working days."); or one whose first sentence is a fragment
    with no subject of its own (``FRAGMENT_WORDS``: "The school gates.", "Back on the chat.")."""
    if len(text.split()) < QUOTE_WORDS:
        return True
    opening = _opening(text)
    if not opening:
        return True
    first = opening[0]
    if first in REPLY_OPENERS or first in NUMBER_WORDS or first[0] in "0123456789£$€":
        return True
    return len(opening) <= FRAGMENT_WORDS and not SUBJECTS.intersection(opening)


def _opening(text: str) -> list[str]:
    """The words of an answer's first sentence that says something, in lower case, fillers and
    hedges dropped ("Hmm. Um, it was…" → it, was, …; "Google, I think." → google)."""
    for sentence in _SENTENCE_END.split(as_said(text)):
        words = [w.strip("'") for w in WORD.findall(HEDGES.sub(" ", sentence.lower()))]
        while words and words[0] in FILLERS:
            words.pop(0)
        if words:
            return words
    return []


def shorten(question: str, words: int = QUESTION_WORDS) -> str:
    """An interviewer's turn as a line before a quote: whole when at most ``words`` words; else
    what it asks, the sentence it ends its asking with and as many sentences before it as fit
    ("…To start, could you tell me a bit about your household?"), cut between words with an
    ellipsis when that sentence alone is longer. A nudge before what it asks (``is_nudge``: "I
    do. Can you walk me through signing up?") is left out."""
    sentences = _SENTENCE_END.split(question.strip())
    while len(sentences) > 1 and is_nudge(sentences[0]):
        sentences.pop(0)
    question = " ".join(sentences)
    if len(question.split()) <= words:
        return question
    asking = [i for i, s in enumerate(sentences) if s.rstrip().endswith("?")]
    last = asking[-1] if asking else len(sentences) - 1
    start = last
    while start > 0 and len(" ".join(sentences[start - 1 : last + 1]).split()) <= words:
        start -= 1
    kept = " ".join(sentences[start : last + 1])
    if len(kept.split()) > words:
        kept = " ".join(kept.split()[:words]).rstrip(",;:–—") + "…"
    return ("…" if start > 0 else "") + kept


def is_nudge(turn: str) -> bool:
    """Whether an interviewer's ``turn`` only keeps the participant talking ("Right.", "Oh
    dear.", "That sounds stressful."): short (``NUDGE_WORDS``), without a question mark, and
    naming no topic (``TOPIC_POINTERS``: "You mentioned the refund." says what is asked)."""
    return "?" not in turn and len(turn.split()) <= NUDGE_WORDS and not TOPIC_POINTERS.search(turn)


def replies_to_nudge(nudge: str, answer: str) -> bool:
    """Whether ``answer`` takes up the interviewer's ``nudge`` itself rather than going on with
    the question before it: the nudge remarks on something ("That sounds frustrating.", "Hmm,
    that's not great.", "Three answers, wow."; not a mere acknowledgement, ``BACKCHANNEL``) and
    the answer's first sentence opens agreeing or disagreeing with it (``AGREEING``: "Yes it
    was.", "No. In Poland also bureaucracy…", "Very.") or with "it" and how it was ("It is,
    because you try…", "It was horrible.")."""
    if not is_nudge(nudge):
        return False
    said = as_said(nudge).lower()
    if not set(re.findall(r"[a-z'-]+", said)) - BACKCHANNEL:
        return False
    opening = _opening(answer)
    if not opening:
        return False
    if opening[0] in AGREEING or opening[0] == "it's":
        return True
    return opening[0] == "it" and len(opening) > 1 and opening[1] in _IT_WAS


def asked_before(segments: pd.DataFrame) -> pd.Series:
    """Per row of a coded table, the interviewer's turn that prompted it ("" when none), by the
    rule the coder reads questions with (``coding.context.question_of``): the interviewer turn
    before it in the same interview, or in a group interview the question before a round of other
    participants' answers; none when the same participant was already answering (their answer
    goes on) or nothing was asked yet, and none for an interviewer's own turn. A nudge
    (``is_nudge``: "Right.") is no question: the answer after it is asked the interviewer's turn
    before the nudge (none when there is none), unless it takes up the nudge's remark
    (``replies_to_nudge``: "That sounds frustrating." — "It is, because…"), whose words it is
    then asked. A turn split into sentences is one turn; the rows keep their order within a
    turn."""
    asked = np.full(len(segments), "", dtype=object)
    if segments.empty or "role" not in segments:
        return pd.Series(asked, index=segments.index)
    turn = segments["turn"] if "turn" in segments else pd.Series(range(len(segments)))
    order = pd.DataFrame(
        {
            "interview": segments["interview_id"].astype(str).to_numpy(),
            "turn": pd.to_numeric(turn, errors="coerce").fillna(-1).to_numpy(),
            "asking": (segments["role"].astype(str) == INTERVIEWER).to_numpy(),
            "speaker": segments["speaker" if "speaker" in segments else "participant_id"]
            .astype(str)
            .to_numpy(),
        }
    ).sort_values(["interview", "turn"], kind="stable")  # stable: a turn's sentences in order
    asking = order[order["asking"]]
    # A question split into sentences is the whole turn's words. Kept as objects: a str column
    # refuses what a transcript may hold (lone surrogates), which the Word writer cleans later.
    texts = pd.Series(segments["text"].to_numpy(dtype=object)[asking.index], dtype=object)
    keys = [asking["interview"].to_numpy(), asking["turn"].to_numpy()]
    said = texts.groupby(keys, sort=False).agg(lambda t: " ".join(map(str, t)).strip())
    # "Right." printed as the question ("Asked: Right.") told the reader nothing: the question
    # still being answered is the last one that was not a nudge.
    own = said
    said = said.where(~said.map(is_nudge)).groupby(level=0, sort=False).ffill().fillna("")
    order["prompt"] = order["turn"].where(order["asking"]).groupby(order["interview"]).ffill()
    first = order.groupby(["interview", "prompt", "speaker"])["turn"].transform("min")
    # The question goes with the turn its participant answered it in, not with their next ones.
    fresh = order[~order["asking"] & order["prompt"].notna() & (order["turn"] == first)]
    wanted = pd.MultiIndex.from_arrays([fresh["interview"], fresh["prompt"]])
    question = said.reindex(wanted).fillna("").to_numpy()
    # "It is, because…" after "That sounds frustrating." answers the remark: printed under the
    # question before it, it said the sticker was wrong "because you try to do the right thing".
    nudge = own.reindex(wanted).fillna("").to_numpy()
    words = pd.Series(segments["text"].to_numpy(dtype=object)[fresh.index], index=fresh.index)
    opening = words.groupby([fresh["interview"], fresh["turn"]], sort=False).transform("first")
    took_up = [replies_to_nudge(str(n), str(a)) for n, a in zip(nudge, opening, strict=True)]
    asked[fresh.index.to_numpy()] = np.where(took_up, nudge, question)
    return pd.Series(asked, index=segments.index)
