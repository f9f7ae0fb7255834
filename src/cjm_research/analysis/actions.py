"""What customers did in each stage, in their own words: first-person actions ("rang the
courier number"), each traceable to the turn it was said in.

Pure functions of the coded segments table and the codebook, for the journey map's "customer
actions" lane and each stage section's "What customers did".
"""

from __future__ import annotations

import re

import pandas as pd

from cjm_research.coding.keywords import KeywordMatcher
from cjm_research.model import Codebook

#: Past-tense verbs that are not "-ed" words, for the actions customers report ("I rang them").
_IRREGULAR = frozenset(
    "rang ran went got paid bought called sent took told found saw made gave left came spoke "
    "wrote read chose kept brought put set drove sold spent met sat stood swapped rebooked won "
    "lost fought threw tore".split()
)
#: Verbs of thinking, feeling and being: what customers felt or were, not what they did.
_NOT_ACTIONS = frozenset(
    "was were had did thought felt liked loved hated wanted needed wished hoped guessed supposed "
    "seemed realised realized assumed expected meant used mentioned said worried "
    "enjoyed preferred noticed remembered forgot imagined reckoned".split()
)
#: Words that end the object of an action: a new clause starts.
_CLAUSE_END = frozenset(
    "and but because so which that when then if until as while or though although since cause "
    "was is were i it's there where who like before "
    # a subject with its verb in one word starts a clause too ("a message saying I'd …")
    "i'd i'm i've i'll we'd we're we've they'd they're they've there's".split()
)
_TRAILING = frozenset(
    "the a an to it of for on in at with within from into onto my our their his her some any "
    "after about saying would could should will be been being all by via than "
    "actually really basically literally honestly obviously probably maybe definitely".split()
)
#: Before a closing "-ing" word these make it a noun ("cancelled the booking"); after anything
#: else it starts a new thought ("went to bed thinking …", "made a video about getting …").
_DETERMINERS = frozenset("the a an my our their his her your this that its".split())
#: Adverbs that leave a phrase hanging when they end it ("got straight [through]").
_HANGING = frozenset("straight right just even still only called named".split())
_NO_END = _TRAILING | _HANGING  # words no phrase ends on
#: After "got": a state, not an action ("got really ill", "got so annoyed").
_STATES = frozenset(
    "really so very quite bit ill sick angry annoyed worried upset confused nervous scared cross "
    "fed bored tired lucky stuck frustrated excited married pregnant older".split()
)
#: Words that modify the word after them: cut after one, a phrase is missing its noun.
_MODIFIERS = frozenset(
    "next last first second straight new old whole same other few more less several couple "
    "one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty "
    "fifty sixty seventy eighty ninety hundred quarter half past".split()
)
#: Nouns of time a "before" or "after" completes ("got an email the day before"): there it ends
#: the phrase as an adverb, not a new clause.
_TIMES = frozenset(
    "day days week weeks night nights month months year years morning evening weekend time "
    "hour hours minute minutes".split()
)
_THEN = frozenset("before after".split())
#: Set phrases holding a word that would end a phrase ("went for the pay [as you go]", "read
#: the terms [and conditions]"): kept whole.
_SET_PHRASES = re.compile(
    r"\b(?:pay as you go|terms and conditions|click and collect|park and ride|wear and tear|"
    r"trial and error|pros and cons)\b",
    re.IGNORECASE,
)
#: "Worked out", "found out": what customers reckoned or learnt, not did. Only "found out about
#: …" (how they heard of something) is kept.
_LEARNT = frozenset("worked figured found sussed".split())
#: Verbs that end a subject: after a particle ("by the time I got down the van was pulling
#: off", "when I got through the lady was nice") a noun before one of these is no object.
_CLAUSE_VERBS = frozenset("was were is are had".split())
_PARTICLES = frozenset("down up back in out off through over round home there".split())
_ACTION = re.compile(
    r"\b(?:I|We|we)\s+(?:(?:then|just|also|finally|eventually|even|actually|immediately|"
    r"literally|basically|only|already|first|still)\s+)?([a-z]+)\b(?!')([^.,;!?—–:()\"“”…]*)"
)


#: Words just before "I …" that make it no report of what was done: a hedge between two
#: guesses ("Or I saw an ad"), a condition ("if I rang"), what something else says ("it says
#: I worked fourteen hours", a timer's bug), a thing named by it ("exactly what I saw"), or a
#: question ("Can I put glass in the recycling?": "put" reads as past).
_NOT_REPORTED = re.compile(
    r"\b(?:or|if|unless|says|said|shows|showed|thinks|thought|maybe|perhaps|probably|might|"
    r"may|suppose|guess|what|can|could|should|shall|do|does|did|would|will|must)\s+$",
    re.IGNORECASE,
)


#: Pronouns that start a clause when a past-tense verb follows ("… it emptied", "… they sent"),
#: and are the object of the action otherwise ("sent it back").
_SUBJECTS = frozenset("it they he she we you".split())


def _past(word: str) -> bool:
    """Whether ``word`` reads as a past-tense verb (what a new clause's subject does)."""
    return word in _IRREGULAR or word in _NOT_ACTIONS or (word.endswith("ed") and len(word) > 3)


def _modifies(word: str) -> bool:
    """Whether ``word`` belongs to the word after it: a number ("twenty-five [minutes]") or a
    modifier ("the next [day]")."""
    return word.isdigit() or all(part in _MODIFIERS for part in word.split("-"))


def _completes(before_last: str, after: str) -> bool:
    """Whether the word ``after`` a phrase cut at four words ends its last noun phrase: it
    opened with a determiner just before the last word ("on the council [website]", "to the
    main [road]"), and ``after`` starts nothing new and leaves nothing hanging."""
    return (
        before_last in _DETERMINERS
        and bool(after)
        and after not in _CLAUSE_END | _NO_END | _SUBJECTS
        and not _modifies(after)
    )


def _pronoun_one(words: list[str]) -> bool:
    """Whether ``words`` end in "one" standing for a noun ("the narrower one", "a shorter
    one"), not counting ("sat down one [evening]"): a determiner opens its noun phrase."""
    return words[-1].lower() == "one" and bool(
        _DETERMINERS.intersection(w.lower() for w in words[-3:-1])
    )


def _subject_before(words: list[str]) -> int:
    """Where the subject of a new clause starts in ``words`` that a verb ("was") follows, after
    a particle ("got down | the van [was]", "got through | the lady [was]"); 0 when none."""
    for start in range(len(words) - 2, 0, -1):
        if words[start].lower() in _DETERMINERS:
            return start if words[start - 1].lower() in _PARTICLES else 0
    return 0


def actions_in(text: str) -> list[tuple[str, str]]:
    """(phrase, verb) of every first-person past action in ``text``: a verb and up to four
    words of what it acts on (five to end a noun phrase: "put it in a carrier bag"), cut where a
    new clause starts ("I rang them twice and …" → "rang them twice"). Negated or
    thought-and-feeling verbs are not actions."""
    found = []
    # A set phrase is one word while the phrase is cut ("pay as you go" holds "as").
    text = _SET_PHRASES.sub(lambda m: m.group().replace(" ", "\u2060"), text.replace("\u2019", "'"))
    for match in _ACTION.finditer(text):
        verb, rest = match.group(1), match.group(2)
        if _NOT_REPORTED.search(text[max(0, match.start() - 20) : match.start()]):
            continue
        if verb in _NOT_ACTIONS or not (
            verb in _IRREGULAR or (verb.endswith("ed") and len(verb) > 4)
        ):
            continue
        words: list[str] = []
        following = rest.split()
        first = following[0].lower() if following else ""
        # "got really ill" is a state; "I contacted you" speaks to the interviewer's company.
        if (verb == "got" and first in _STATES) or first == "you":
            continue
        if verb in _LEARNT and first == "out" and following[1:2] != ["about"]:
            continue
        for n, word in enumerate(following):
            after = following[n + 1].lower() if n + 1 < len(following) else ""
            if word.lower() in _THEN and words and words[-1].lower() in _TIMES:
                words.append(word)  # "got an email the day before": no new clause
                break
            if word.lower() in _CLAUSE_VERBS and (subject := _subject_before(words)):
                del words[subject:]
                break
            # "every time I went back it emptied the basket": a subject and its verb, a new clause
            if word.lower() in _CLAUSE_END or (word.lower() in _SUBJECTS and _past(after)):
                break
            words.append(word)
            if len(words) == 4:
                # Cut mid-phrase ("got an email the next [day]", "gave it four [stars]"): a last
                # word that modifies what follows belongs to it ("the joining fee [twice]" stays).
                last = words[-1].lower()
                if after and after not in _CLAUSE_END and _modifies(last):
                    words.pop()
                elif _completes(words[-2].lower(), after) or (last in _TIMES and after in _THEN):
                    words.append(following[n + 1])  # "put it in a carrier [bag]"
                break
        while words and (
            words[-1].lower() in _NO_END
            # "sat down one [evening]"; a number that ends the words is whole: "booked it till ten"
            or (
                _modifies(words[-1].lower())
                and 1 < len(words) < len(following)
                and not _pronoun_one(words)
            )
            or (
                words[-1].lower().endswith("ing")
                and len(words) > 1
                # after "the" or "one" it is a noun: "the booking", "one evening"
                and words[-2].lower() not in _DETERMINERS
                and not _modifies(words[-2].lower())
            )
        ):
            words.pop()
        if words:
            found.append((" ".join([verb, *words]).replace("\u2060", " "), verb))
    return found


def stage_actions(coded: pd.DataFrame, codebook: Codebook, top: int = 3) -> pd.DataFrame:
    """What customers did in each stage, in their own words (``actions_in``): per stage, one
    phrase per verb, the verbs most participants used first, a phrase naming a touchpoint
    preferred. Columns: stage, phrase, segment_id, participant_id (where it was said)."""
    touchpoints = KeywordMatcher(codebook.touchpoints)
    acts = pd.DataFrame(
        [
            (stage, phrase, verb, str(sid), str(person))
            for stage, sid, person, text in coded[
                ["stage", "segment_id", "participant_id", "text"]
            ].itertuples(index=False)
            for phrase, verb in actions_in(str(text))
        ],
        columns=["stage", "phrase", "verb", "segment_id", "participant_id"],
    )
    if acts.empty:
        return acts.drop(columns="verb")
    acts["named"] = [bool(touchpoints.hits(p)) for p in acts["phrase"]]
    acts["people"] = acts.groupby(["stage", "verb"])["participant_id"].transform("nunique")
    # Three words say what was done and fit a map cell ("rang the helpline"): the shortest
    # phrase was often a stub ("went on one", "watched a lot").
    acts["fit"] = (acts["phrase"].str.split().str.len() - 3).abs()
    # The best phrase of each verb, then the verbs most participants share.
    best = acts.sort_values(["named", "fit"], ascending=[False, True], kind="stable")
    best = best.drop_duplicates(["stage", "verb"])
    best = best.sort_values(
        ["people", "named", "verb"], ascending=[False, False, True], kind="stable"
    )
    # Among verbs as widely shared, each participant's first before anyone's second: the lane
    # was one talkative person's story when every verb was said by one person.
    best["turn"] = best.groupby(["stage", "participant_id"]).cumcount()
    best = best.sort_values(
        ["people", "turn", "named", "verb"], ascending=[False, True, False, True], kind="stable"
    )
    chosen = best.groupby("stage", sort=False).head(top)
    return chosen[["stage", "phrase", "segment_id", "participant_id"]].reset_index(drop=True)


def stage_doings(actions: pd.DataFrame, stages: list[str]) -> dict[str, list[str]]:
    """The map's "customer actions" lane: each stage's action phrases (``stage_actions``), each
    traceable to the turn it was said in. (No codebook phrase fills an empty stage: "renews",
    from "our contract renews in September", read as something a customer did.)"""
    said = actions.groupby("stage")["phrase"].agg(list).to_dict() if len(actions) else {}
    return {stage: said.get(stage, []) for stage in stages}
