"""People named in what participants said: the names a report would print because nobody listed
them (``participants.csv``, front matter). There is no NER; a name is found only where the words
around it say a person is meant ("my wife Pat", "spoke to Hao", "a guy called Alan",
"Bernadette from support"), so that the list a researcher reads holds few false alarms.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from cjm_research.model import INTERVIEWER, Transcript


@dataclass(frozen=True)
class Mention:
    """A person participants name: how often, and the file and line where first said."""

    name: str
    times: int
    path: Path
    line: int | None


# A title before the name is skipped ("Dr Patel", "Mrs. Khan"): the name is what identifies.
# Not a contraction's first part ("Don't", "Won't"); a possessive ("Pat's") is a name.
# Letters of any script ("Siân", "Ayşe"); that it is capitalised is checked after (``_is_name``).
_NAME = (
    r"(?:(?:Dr|Mr|Mrs|Ms|Miss)\.?\s+)?([^\W\d_]+(?:[-'](?=[A-ZÀ-ÖØ-Þ])[^\W\d_]+)?)"
    r"(?!['’](?:t|ll|re|ve|d|m)\b)"
)
#: People met in a service, named after the role ("an agent, Mateo, came", "the trainer, Tayo").
_ROLE = (
    r"(?:agent|adviser|advisor|trainer|instructor|coach|person|lady|man|woman|girl|guy|bloke|"
    r"chap|rep|representative|manager|nurse|driver|engineer|technician|receptionist|consultant|"
    r"clerk|assistant|banker|teller|doctor|dentist|vet|therapist|physio|designer|fitter|"
    r"installer|courier|planner|broker|surveyor|estate agent|lad|boy|fella|fellow|gentleman)"
)
_KIN = (
    r"(?:wife|husband|partner|boyfriend|girlfriend|fiancée?|son|daughter|mum|mom|mother|dad|"
    r"father|brother|sister|nan|gran|grandma|grandad|grandpa|grandson|granddaughter|aunt|uncle|"
    r"cousin|niece|nephew|friend|mate|colleague|boss|manager|neighbour|neighbor|flatmate|"
    r"housemate|landlord|landlady|kid|kids|child|baby|dog|cat)"
)
_GROUP = (
    r"(?:girls|ladies|guys|lads|staff|women|men|people|agents|advisers|advisors|team|nurses)"
    r"(?:\s+(?:on|at|in|behind)\s+the\s+\w+)?"
)
#: Cues that say a person is meant whatever else the word is said as ("my daughter Florence",
#: "Mrs Brown", "her name was Dee"): a place's or a firm's (``_THING``) does not outweigh them.
_PERSON = [
    re.compile(rf"\b(?:[Mm]y|[Oo]ur|[Hh]is|[Hh]er|[Tt]heir)\s+(?:\w+\s+)?{_KIN},?\s+{_NAME}\b"),
    # "my flatmate from before, Jonas,": the name set off after a few words about them
    re.compile(
        rf"\b(?:[Mm]y|[Oo]ur|[Hh]is|[Hh]er|[Tt]heir)\s+(?:\w+\s+)?{_KIN}(?:\s+\w+){{1,3}},\s+"
        rf"{_NAME}\b"
    ),
    re.compile(rf"\b(?:[Nn]ame was|[Nn]ame is|[Nn]ame's)\s+{_NAME}\b"),
    # "Mr Okafor downstairs helped": a title needs no other cue to say a person is meant
    re.compile(rf"\b(?:Dr|Mr|Mrs|Ms|Miss)\.?\s+{_NAME}\b"),
]
#: Cues that leave no doubt a person is meant: their names are reported even when the word is
#: also an everyday one ("my husband Bill"), unless it is said as a place or firm too: a role set
#: off by commas also frames a place ("Bus driver, Cardiff").
_STRONG = [
    *_PERSON,
    # "an agent, Mateo,", "a young lad, Jordan,", "different girl this time, Amira"
    re.compile(rf"\b{_ROLE}(?:\s+\w+){{0,3}},\s+{_NAME}\b"),
    # "the girls on the counter, Linda and Pat": both names
    re.compile(rf"\b{_GROUP},\s+{_NAME}\s+and\s+\w"),
    re.compile(rf"\b{_GROUP},\s+\w+\s+and\s+{_NAME}\b"),
]
#: Cues that usually mean a person ("spoke to Hao"), but may frame a thing ("called Car").
_LOOSE = [
    re.compile(rf"\b(?:called|named)\s+{_NAME}\b(?!\s+(?:me|them|us|him|her|it|back|up))"),
    re.compile(rf"\b(?:spoke|talked|speaking|talking|chatted)\s+(?:to|with)\s+{_NAME}\b"),
    re.compile(
        rf"\b(?:asked|told|emailed|texted|messaged|rang|phoned|gave|showed|sent|helped|thanked|"
        rf"met)\s+{_NAME}\b"
    ),
    re.compile(
        rf"\b{_NAME}\s+(?:from|at|in)\s+(?:the\s+)?(?:support|shop|store|branch|bank|"
        r"office|team|reception|desk|call centre|customer service)\b"
    ),
    re.compile(
        rf"(?<![.!?]\s)(?<!^)\b{_NAME}\s+(?:said|says|told me|asked me|explained|"
        r"rang me|called me|emailed me)\b"
    ),
    # "Pat would never ring you": opening a sentence too, where "Nobody said" is weeded out by
    # the words it is also written as in lower case (``unlisted_mentions``)
    re.compile(
        rf"(?:^|[.!?]\s+){_NAME}\s+(?:would|wouldn't|never|always|told|asked|rang|called|"
        r"emailed|texted|helped|sorted|explained|showed|promised|kept)\b"
    ),
]
_CUES = [*_STRONG, *_LOOSE]
_WORD = r"([^\W\d_]+)"
#: What a firm's or a product's name is said with: "the Tessera shop", "Northmoor customer
#: relations", "in the Harbourline app".
_FIRM_NOUN = (
    r"(?:app|apps|website|site|account|portal|login|support|customer service|customer relations|"
    r"helpline|chat|chatbot|shop|store|branch|card|plan|policy|tariff|subscription|membership|"
    r"insurance|broadband|energy|bank)"
)
#: Where a capitalised word is a place or a thing, wherever else a cue frames it: after "in",
#: "near", "outside" ("live in Leeds", "answered in German"), after "the" ("the Discord", "the
#: Scottish one", "the Northern Quarter"), before what a firm has, or as what "it" is called
#: ("It's called Sunwell Home"; not "one called Dev": a broker is one too).
_THING = [
    re.compile(rf"\b(?:in|near|outside|around|across|via|towards)\s+{_WORD}\b(?!['’]s)"),
    # not "the Tiago of the church": a person's name said of another
    re.compile(rf"\b[Tt]he\s+(?:same\s+)?{_WORD}\b(?!\s+of\b)"),
    re.compile(rf"\b{_WORD}\s+{_FIRM_NOUN}\b"),
    # what only a firm has ("Northmoor's portal"; a person has a policy, a line, a shop)
    re.compile(
        rf"\b{_WORD}['’]s\s+(?:app|website|site|portal|login|helpline|chatbot|customer service)\b"
    ),
    re.compile(
        rf"\b(?:[Ii]t['’]s|[Ii]t\s+(?:is|was)|[Ii]ts|app|service)\s+(?:called|named)\s+{_WORD}"
    ),
]
#: Capitalised words the cues catch that are never people.
_NOT_NAMES = frozenset(
    "I Mum Mom Dad Nan Gran Monday Tuesday Wednesday Thursday Friday Saturday Sunday January "
    "February March April May June July August September October November December Christmas "
    "Easter God Google Amazon Apple Facebook Instagram Twitter Reddit Trustpilot Which Then "
    "And But So Yes No Yeah Okay Oh Well The This That They She He We You It Customer Support "
    "Service Sales Team Someone Somebody Everyone Nobody English Dr Mr Mrs Ms Miss One Two "
    "Three Four Five Anyone Anybody Everybody Nothing Something Everything Who What Where When "
    "Why How There Here Mine Nobody Neither Both Each Either Staff People".split()
)


def _is_name(word: str) -> bool:
    """Capitalised and no more ("Siân", "O'Neill"; not "it", "BBC")."""
    return word[0].isupper() and word[1:2].islower() and word not in _NOT_NAMES


def mentioned_names(texts: Iterable[str], cues: list[re.Pattern[str]] = _CUES) -> Counter[str]:
    """Names that turn up where a person is meant (``cues``), with how often, across ``texts``."""
    found: Counter[str] = Counter()
    for text in texts:
        # one mention however many cues frame it ("my husband Tom said")
        places = {(m.group(1), m.start(1)) for cue in cues for m in cue.finditer(text)}
        found.update(name for name, _ in places if _is_name(name))
    return found


#: ... nor a name participants say in this many interviews (or half of them, if more).
BRAND_INTERVIEWS = 3


def unlisted_mentions(
    transcripts: Iterable[Transcript], known: Callable[[str], bool]
) -> list[Mention]:
    """Every person participants mention whom ``known`` does not know, most mentioned first. A
    word the interviewers say in two interviews or more is left out: that is the brand or product
    of the guide ("How did you find Brightwave?"); a name they echo in one interview ("after Pat
    died?") is the participant's. So is a name participants say in half the interviews or more
    (``BRAND_INTERVIEWS`` at least), and one said anywhere as a place or a firm (``_THING``:
    "in Cardiff", "the Harbourline app"), unless a cue leaves no doubt (``_PERSON``)."""
    transcripts = list(transcripts)
    asked = Counter(
        word
        for t in transcripts
        for word in {
            w
            for turn in t.turns
            if turn.role == INTERVIEWER
            for w in re.findall(r"[^\W\d_]+", turn.text)
            if _is_name(w)
        }
    )
    first: dict[str, tuple[Path, int | None]] = {}
    said = [(t, turn) for t in transcripts for turn in t.participant_turns]
    # A word also written in lower case twice is a word, not a name ("Car", "Loop", "Delivery").
    lower = Counter(w for _, turn in said for w in re.findall(r"\b[^\W\d_A-Z]+\b", turn.text))
    things = {m[1] for t in transcripts for turn in t.turns for cue in _THING
              for m in cue.finditer(turn.text)}  # fmt: skip
    for transcript, turn in said:
        sure, loose = mentioned_names([turn.text], _STRONG), mentioned_names([turn.text], _LOOSE)
        person = mentioned_names([turn.text], _PERSON)
        for name in sure | loose:
            common = asked[name] >= 2 or lower[name.lower()] >= 2
            # a person's cue beyond doubt wins; a place's or a firm's outweighs any other cue
            taken = name in person or (name not in things and (name in sure or not common))
            if taken and not known(name):
                # where a researcher opens the file to look: its path and line
                first.setdefault(name, (transcript.path, turn.line))
    if not first:
        return []
    # Once a name is known to be a person's, every time it is said counts, cue or not.
    every = re.compile(rf"\b({'|'.join(map(re.escape, first))})\b(?!['’](?:t|ll|re|ve|d|m)\b)")
    times = Counter(m[1] for _, turn in said for m in every.finditer(turn.text))
    # A name said in half the interviews or more (three at least) is the study's brand or
    # product, whatever the cue ("Tallyboard support told me"): different participants do not
    # share a partner, and hiding it would turn the product into [name] in every quote.
    where = Counter(
        name
        for t in transcripts
        for name in {m[1] for turn in t.participant_turns for m in every.finditer(turn.text)}
    )
    shared = max(BRAND_INTERVIEWS, (len(transcripts) + 1) // 2)
    first = {name: at for name, at in first.items() if where[name] < shared}
    ranked = sorted(first, key=lambda name: (-times[name], name))
    return [Mention(name, times[name], *first[name]) for name in ranked]
