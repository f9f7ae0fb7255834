"""What customers did in each stage, in their own words: first-person actions ("rang the
courier number"), each traceable to the turn it was said in.

Pure functions of the coded segments table and the codebook, for the journey map's "customer
actions" lane and each stage section's "What customers did".
"""

from __future__ import annotations

import re
from itertools import takewhile

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
    "enjoyed preferred noticed remembered forgot imagined reckoned trusted figured".split()
)
#: Words that end the object of an action: a new clause starts.
_CLAUSE_END = frozenset(
    "and but because so which that when then if until as while or though although since cause "
    "was is were i there where who like before".split()
)
_TRAILING = frozenset(
    "the a an to it of for on in at with within without from into onto my our their his her "
    "some any "
    "after about saying would could should will be been being all by via than "
    "actually really basically literally honestly obviously probably maybe definitely also".split()
)
#: Before a closing "-ing" word these make it a noun ("cancelled the booking"); after anything
#: else it starts a new thought ("went to bed thinking …", "made a video about getting …").
_DETERMINERS = frozenset("the a an my our their his her your this that its".split())
#: Adverbs that leave a phrase hanging when they end it ("got straight [through]").
_HANGING = frozenset("straight right just even still only called named".split())
_NO_END = _TRAILING | _HANGING  # words no phrase ends on, but for …
_ENDS_CLAUSE = frozenset("in on".split())  # … a particle its clause ends on ("logged in")
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
_THEN = frozenset("before after ago".split())
#: Set phrases holding a word that would end a phrase ("went for the pay [as you go]", "read
#: the terms [and conditions]", "gave two [out of ten]", "paid two [hundred and ten] pounds"):
#: kept whole.
_SET_PHRASES = re.compile(
    r"\b(?:pay as you go|terms and conditions|click and collect|park and ride|wear and tear|"
    r"trial and error|pros and cons|out of (?:five|ten|\d+)|(?:hundred|thousand) and "
    r"(?:[a-z]+(?:ty|teen)|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
    r"(?:-[a-z]+)?)\b",
    re.IGNORECASE,
)
#: "Worked out", "found out": what customers reckoned or learnt, not did. Only "found out about
#: …" (how they heard of something) is kept.
_LEARNT = frozenset("worked found sussed".split())
#: Verbs that end a subject: after a particle ("by the time I got down the van was pulling
#: off", "when I got through the lady was nice") a noun before one of these is no object.
_CLAUSE_VERBS = frozenset("was were is are had".split())
_PARTICLES = frozenset("down up back in out off through over round home there".split())
#: Where something was read or heard: a noun after one starts what was read, a clause of its
#: own ("I read somewhere | black plastic is okay"), and a phrase cut there hangs ("read
#: somewhere").
_WHERE = frozenset("somewhere anywhere everywhere elsewhere".split())
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
#: A pronoun and its verb in one word start a clause ("a message saying I'd …", "there'd").
_CONTRACTED = re.compile(r"^(?:i|we|they|you|he|she|it|there|that)'(?:d|m|ve|ll|re|s)$")
#: Where the clause "I …" sits in ends: a relative clause or a fronted object names its thing
#: before "I" ("the lamp I got last month", "which I rang once").
_BOUNDARY = re.compile(r"[.,;:!?—–()\"“”…\[\]]")
#: Words a clause may open with before what it is about ("And on the forum I posted …").
_OPENERS = frozenset(
    "and but so then yeah yes no well oh um uh actually also just like okay ok honestly anyway "
    "because cause".split()
)
#: Prepositions and conjunctions that open a fronted adverbial ("At the baptism I sat next to
#: his mother", "When the water came back I stood …"): what follows "I" is a report.
_FRONTED = frozenset(
    "in at on with for from by after before during since until till over around through under "
    "into onto about within without via between across behind near past when once while as if "
    "because".split()
)
#: Days, months, seasons and holidays: a fronted time before "I" ("Saturday I went …").
_CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december spring summer autumn winter "
    "christmas easter".split()
)
_WHEN = _TIMES | _CALENDAR  # "the day I …", "Last Christmas in Munich I …": a fronted time
#: What follows a verb whose object stood before "I" ("got last month", "rang once", "bought
#: from the pharmacy", "pressed too hard", "watched had …"): no object of its own.
_NO_OBJECT = _PARTICLES | frozenset(
    "to of for on in at with within from into onto after about by via than once twice too "
    "again ago only there here".split()
)
#: What customers felt, thought or were, after "tried to", "started to", "kept …ing".
_MINDS = frozenset(
    "be feel think worry wonder wish hope want like doubt believe realise realize panic trust "
    "imagine expect remember forget know".split()
)
#: Words before "I" that are no thing a relative clause could describe ("so I", "home I", "he
#: knew I", "the reason I", "that's how I").
_NOT_NOUNS = (
    _CLAUSE_END
    | _TRAILING
    | _FRONTED
    | _OPENERS
    | _SUBJECTS
    | _NO_OBJECT
    | _CALENDAR
    | _MINDS
    | frozenset(
        "me him us them even still now later else yesterday today tonight eventually finally "
        "first say knew mean do course how why reason way".split()
    )
)
#: Verbs whose complement says what was said, asked or learnt ("rang them to say [it hadn't
#: come]"): a phrase may not end on one.
_SAYING = frozenset("say tell ask see check know confirm explain find query mention".split())
#: Verbs that judge their object when a description follows it ("found it a bit odd", "kept
#: it factual"), rather than acting on it ("found it on the website", "kept it for the garden").
_JUDGING = frozenset("found kept".split())
_PRONOUNS = frozenset("it them him her this that things everything".split())
#: How much of a description: "found it [a bit] odd", "found it [really] hard".
_DEGREES = frozenset("a really very quite so pretty rather bit".split())
#: Where or how a thing was found or kept, not what it was judged: "found them online".
_PLACES = frozenset("online myself ourselves anyway instead all both".split())
#: What ends what was said: the next clause of the sentence.
_COORDINATORS = frozenset("and but because so cause or then though although while which".split())
#: Most words of what a verb acts on: four (`_object`), five to close a noun phrase, six to say
#: what a "to say", "to ask" clause says ("rang them to say it hadn't come"), six to say where
#: a thing was put (`_placed`: "put our name on the waiting list").
_OBJECT_WORDS = 4
_SAID_WORDS = 6
_PLACED_WORDS = 6
#: Verbs that say where their object went: without the place, "put bags" says nothing.
_PLACING = frozenset("put placed popped stuck".split())


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
        and after not in _NO_END | _SUBJECTS
        and not _clause_word(after)
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
    a particle ("got down | the van [was]", "got through | the lady [was]") or where it was
    read ("read somewhere | black plastic [is]"); 0 when none."""
    for start in range(len(words) - 1, 0, -1):
        word, before = words[start].lower(), words[start - 1].lower()
        if before in _WHERE:
            return start
        if word in _DETERMINERS and start < len(words) - 1:
            return start if before in _PARTICLES else 0
    return 0


def _starts_clause(word: str, after: str) -> bool:
    """Whether ``word`` (``after`` following it) starts a new clause: a conjunction, a pronoun
    with its verb in one word ("there'd"), or a pronoun and its past-tense verb ("it emptied")."""
    return _clause_word(word) or (word in _SUBJECTS and _past(after))


def _clause_word(word: str) -> bool:
    """Whether ``word`` opens a clause by itself: a conjunction or a pronoun with its verb in
    one word ("I'd", "there's")."""
    return word in _CLAUSE_END or bool(_CONTRACTED.match(word))


def _fronted(words: list[str]) -> bool:
    """Whether ``words``, what comes before "I" in its clause, are a fronted time, place or
    clause ("At the baptism", "Last Christmas in Munich", "when they did a second batch")."""
    # The words since the clause began: "[and] the lamp", "[there was] a farm one".
    opened = max((n + 1 for n, w in enumerate(words) if w in _CLAUSE_END | _OPENERS), default=0)
    span = words[opened:] or [""]
    opener = {words[opened - 1]} if opened else set()
    return bool(_FRONTED.intersection({span[0], *opener}) or _WHEN.intersection(span))


def _names_thing(words: list[str]) -> bool:
    """Whether ``words`` end on a noun a clause could be about ("the lamp", "the front one"):
    no function word, adverb, time or verb."""
    last = words[-1]
    if not last.isalpha() or last in _NOT_NOUNS or last.endswith("ly") or _past(last):
        return False
    return not _modifies(last) or _pronoun_one(words)


def _lacks_object(following: list[str]) -> bool:
    """Whether the verb before ``following`` has no object of its own: "got [last month]",
    "rang [once]", "bought [from the pharmacy]", "watched [had …]", "found them [on]"."""
    if not following:
        return True
    first, end = following[0].lower(), following[-1].lower()
    return first in _NO_OBJECT or _modifies(first) or _past(first) or end in _NO_OBJECT


def _relative(head: str, following: list[str]) -> bool:
    """Whether the "I" after ``head`` opens a clause about a thing named before it, its verb's
    object: "the lamp I got last month", "which I rang once", "The others I turned off"; not
    a fronted time or place ("At the baptism I sat next to …", "Day six I went into …")."""
    words = _BOUNDARY.split(head)[-1].lower().split()
    if not words:
        return False
    if words[-1] in {"which", "whom"}:
        return len(words) < 2 or words[-2] not in _FRONTED  # "after which I rang" reports
    return _names_thing(words) and _lacks_object(following) and not _fronted(words)


def _reported(text: str, start: int, following: list[str]) -> bool:
    """Whether the "I …" at ``start`` of ``text`` reports what was done: not hedged,
    conditional or what something else says (``_NOT_REPORTED``), not a relative clause."""
    head = text[:start]
    return not _NOT_REPORTED.search(head[-20:]) and not _relative(head, following)


def _stance(verb: str, following: list[str]) -> bool:
    """Whether ``verb`` and its ``following`` words say how the customer was or what they
    thought, not what they did: "tried to be fair", "tried not to look", "started to worry",
    "kept thinking", "found it a bit odd", "kept it factual"."""
    low = [w.lower() for w in following[:3]]
    if "not" in low[:2] or (low[:1] == ["to"] and low[1:2] and low[1] in _MINDS):
        return True
    stem = low[0][:-3] if low and low[0].endswith("ing") else ""
    if stem and _MINDS.intersection({stem, stem + "e", stem[:-1]}):
        return True  # "kept thinking", "kept hoping"
    if verb not in _JUDGING or len(low) < 2 or low[0] not in _PRONOUNS:
        return False
    said = low[1]  # a description of the object, not where or when it was acted on
    return said in _DEGREES or not (
        said in _NO_OBJECT | _DETERMINERS | _TIMES | _PLACES
        or _clause_word(said)
        or _modifies(said)
        or said.endswith("ly")
    )


def _acts(verb: str, following: list[str]) -> bool:
    """Whether ``verb`` with its ``following`` words is something the customer did: a
    past-tense verb not of thinking or feeling, not a state ("got really ill"), nothing done
    to the interviewer's company ("I contacted you"), not what they reckoned ("worked out"),
    not a stance (``_stance``)."""
    if verb in _NOT_ACTIONS or not (verb in _IRREGULAR or (verb.endswith("ed") and len(verb) > 4)):
        return False
    first = following[0].lower() if following else ""
    if (verb == "got" and first in _STATES) or first == "you":
        return False
    if verb in _LEARNT and first == "out" and following[1:2] != ["about"]:
        return False
    return not _stance(verb, following)


def _object(following: list[str]) -> list[str]:
    """What a verb acts on: up to four of the ``following`` words (five to end a noun phrase:
    "put it in a carrier bag"), cut where a new clause starts ("rang them twice [and …]")."""
    words: list[str] = []
    for n, word in enumerate(following):
        after = following[n + 1].lower() if n + 1 < len(following) else ""
        if word.lower() in _THEN and words and words[-1].lower() in _TIMES:
            words.append(word)  # "got an email the day before", "seven years ago": no new clause
            break
        if word.lower() in _CLAUSE_VERBS and (subject := _subject_before(words)):
            del words[subject:]
            break
        # "every time I went back it emptied the basket": a subject and its verb, a new clause
        if _starts_clause(word.lower(), after):
            break
        words.append(word)
        if len(words) == _OBJECT_WORDS:
            # Cut mid-phrase ("got an email the next [day]", "gave it four [stars]"): a last
            # word that modifies what follows belongs to it ("the joining fee [twice]" stays).
            last = words[-1].lower()
            if after and not _clause_word(after) and _modifies(last):
                words.pop()
            elif _completes(words[-2].lower(), after) or (last in _TIMES and after in _THEN):
                words.append(following[n + 1])  # "put it in a carrier [bag]"
            break
    return words


def _placed(following: list[str]) -> list[str]:
    """What a "put" acts on and where it went, to where its clause or its place ends ("put
    bags next to the bin [and]", "put extra recycling in a cardboard box [next to …]"); none
    when no place follows its object or the two take more than six words."""
    for n, word in enumerate(following[:_PLACED_WORDS]):
        low = word.lower()
        if n and (low in _FRONTED or low in {"next", "to"}):
            break  # the object ends, its place starts: "bags | next to the bin"
        if _clause_word(low) or low in _COORDINATORS:
            return []
    else:
        return []
    for end in range(n + 1, min(len(following), _PLACED_WORDS) + 1):
        if end == len(following) or _place_ends(following[end - 1 : end + 2]):
            words = following[:end]
            return words if end > n + 1 and words[-1].lower() not in _NO_END else []
    return []


def _place_ends(words: list[str]) -> bool:
    """Whether the second of ``words`` (the word before it, and after it) starts something
    past a place: a preposition ("in a cardboard box | next to …", "| to compare"), a clause
    ("at sixty | it shows"), or a time ("in Apple Wallet | same evening")."""
    before, word, after = (w.lower() for w in [*words, "", ""][:3])
    if word == "to":
        return before != "next"
    return (
        word in _FRONTED | _COORDINATORS | _SUBJECTS | {"next"}
        or _starts_clause(word, after)
        or (_modifies(word) and before not in _DETERMINERS | _FRONTED)
    )


def _hangs(words: list[str], following: list[str]) -> bool:
    """Whether the last of ``words`` (a prefix of ``following``) leaves the phrase hanging: a
    preposition or filler, a number or modifier cut off before its noun ("sat down one
    [evening]", not "booked it till ten" nor "gave two out of ten"), an "-ing" word that
    starts a new thought ("went to bed [thinking]") rather than naming a thing ("the booking",
    "one evening")."""
    last = words[-1].lower()
    before = words[-2].lower() if len(words) > 1 else ""
    after = following[len(words)].lower() if len(words) < len(following) else ""
    ends = not after or _clause_word(after)
    if last in _WHERE:  # "read somewhere [black plastic is …]": what was read is cut off
        return not ends and after not in _FRONTED  # not "saw their boards everywhere [in …]"
    if last in _NO_END:
        # "put a complaint in [—]", "filled it in [and]"; not "posted in [that thread]"
        return not (last in _ENDS_CLAUSE and (not after or after in _COORDINATORS))
    if _modifies(last) and len(words) > 1 and after and before not in _TIMES:  # "day three"
        # "from four [or five]", "the other seven [and a half]": a number still open
        more = following[len(words) + 1 : len(words) + 2] or [""]
        open_number = after in {"or", "and"} and (_modifies(more[0].lower()) or more == ["a"])
        return (open_number or not ends) and not _pronoun_one(words)
    return (
        last.endswith("ing")
        and bool(before)
        # after "the" or "one" it is a noun, unless it says what was said ("day three asking")
        and ((before not in _DETERMINERS and not _modifies(before)) or last[:-3] in _SAYING)
        # a preposition's "-ing" that ends its clause names what was (not) done: "went one
        # time without booking [and]", not "made a video about getting [a …]"
        and not (before in _FRONTED and ends and last[:-3] not in _SAYING)
    )


def _trimmed(words: list[str], following: list[str]) -> list[str]:
    """``words`` without the words a phrase never ends on (``_hangs``)."""
    words = list(words)
    while words and _hangs(words, following):
        words.pop()
    return words


def _said(words: list[str], following: list[str], ended: str) -> list[str]:
    """``words`` that end on "to say", "to ask" … with what was said: the rest of its clause
    when the phrase still fits six words ("rang them to say it hadn't come"), else the phrase
    cut before "to" ("rang them"). ``ended`` is the mark that ended the sentence's words."""
    if len(words) < 2 or words[-2].lower() != "to" or words[-1].lower() not in _SAYING:
        return words
    clause = list(takewhile(lambda w: w.lower() not in _COORDINATORS, following[len(words) :]))
    if clause and len(words) + len(clause) <= _SAID_WORDS and clause == _trimmed(clause, clause):
        return words + clause
    if clause or ended not in "!?.":  # too long, or said after a comma ("to ask, should I …")
        return _trimmed(words[:-2], following)
    return words  # nothing more was said: "told her what to say."


def actions_in(text: str) -> list[tuple[str, str]]:
    """(phrase, verb) of every first-person past action in ``text``: a verb and what it acts on
    (``_object``: "I rang them twice and …" → "rang them twice"), without the words no phrase
    ends on, with what a "to say" says (``_said``). Negated, thought-and-feeling or stance
    verbs, hedged or reported ones and relative clauses ("the lamp I got …") are no actions."""
    found = []
    # A set phrase is one word while the phrase is cut ("pay as you go" holds "as").
    text = _SET_PHRASES.sub(lambda m: m.group().replace(" ", "\u2060"), text.replace("\u2019", "'"))
    for match in _ACTION.finditer(text):
        verb, following = match.group(1), match.group(2).split()
        if not _reported(text, match.start(), following) or not _acts(verb, following):
            continue
        ended = text[match.end() : match.end() + 1] or "."
        placed = _placed(following) if verb in _PLACING else []
        words = _said(_trimmed(placed or _object(following), following), following, ended)
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
