"""The ``rules`` coder: codebook phrase matching, simple negation, VADER valence, turn context.

It knows no code list of its own: every stage, touchpoint and emotion comes from the codebook's
``keywords`` (a trailing ``*`` matches any word ending). Stages follow the conversation: a turn with
no stage cue of its own takes the stage of the interviewer's question that prompted it, else the
previous participant turn's stage, with lower confidence each step away from its own words.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from ..model import INTERVIEWER, Code, Codebook, Transcript, Turn

VERSION = "1"
_NEGATIONS = frozenset(
    "not no never without hardly barely isn't wasn't aren't weren't don't doesn't didn't can't "
    "couldn't won't wouldn't shouldn't haven't hasn't hadn't nothing nobody".split()
)
_WORD = re.compile(r"[\w']+")
#: Below this |VADER compound| a turn with no emotion cue is neutral.
_NEUTRAL_BAND = 0.5
#: How much a keyword-identified emotion pulls the valence towards the codebook's value: a little
#: when VADER agrees on the sign, most of the way when it does not (VADER scores factual
#: complaints such as "on hold for forty minutes" as neutral or even positive).
_PULL_AGREE, _PULL_DISAGREE = 0.4, 0.7
#: Spoken filler "like" (", like," / "like, you know") is not liking; VADER reads it as positive.
_FILLER_LIKE = re.compile(
    r"(?:(?<=,)|(?<=\.\.\.)|^)\s*like\s*(?=,)|\blike\s+(?=you know\b|um\b|uh\b)", re.I
)
_QUESTION_CONFIDENCE = 0.45
_CARRIED_CONFIDENCE = 0.3


@dataclass(frozen=True)
class Hit:
    """One keyword match: which code, which words, how much it weighs."""

    code: str
    phrase: str
    weight: float


_Pattern = tuple[tuple[str, bool], ...]  # per word: (text, is a prefix wildcard)


def _pattern(keyword: str) -> _Pattern:
    return tuple((w.rstrip("*"), w.endswith("*")) for w in keyword.lower().split())


def tokens(text: str) -> list[str]:
    """Lower-case word tokens; curly apostrophes count as straight ones (``don’t`` = ``don't``)."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


class _Matcher:
    """Finds a dimension's keywords in a text: a token index, greedy longest match from the left.

    One big regex alternation over hundreds of phrases costs a scan per phrase at every position;
    indexing phrases by their first word makes matching linear in the number of tokens.
    """

    def __init__(self, codes: tuple[Code, ...]) -> None:
        owners: dict[str, list[str]] = defaultdict(list)
        for code in codes:
            for keyword in code.keywords:
                if keyword.strip(" *"):
                    owners[" ".join(keyword.lower().split())].append(code.id)
        self._exact: dict[str, list[tuple[_Pattern, str]]] = defaultdict(list)
        self._prefix: dict[str, list[tuple[_Pattern, str]]] = defaultdict(list)
        for keyword in owners:
            pattern = _pattern(keyword)
            first, wildcard = pattern[0]
            (self._prefix if wildcard else self._exact)[first].append((pattern, keyword))
        for index in (self._exact, self._prefix):
            for candidates in index.values():
                candidates.sort(key=lambda c: -len(c[0]))
        self._owners = dict(owners)
        self._max_prefix = max((len(p) for p in self._prefix), default=0)
        self._cache: dict[str, list[tuple[_Pattern, str]]] = {}
        self.empty = not owners

    def _candidates(self, word: str) -> list[tuple[_Pattern, str]]:
        # Memoised per word: interview vocabulary is small and repetitive (Zipf), so nearly every
        # lookup after the first few transcripts is one dict hit.
        found = self._cache.get(word)
        if found is None:
            found = list(self._exact.get(word, ()))
            for k in range(1, min(len(word), self._max_prefix) + 1):
                found += self._prefix.get(word[:k], ())
            if len(self._cache) > 200_000:
                self._cache.clear()
            self._cache[word] = found
        return found

    def hits(self, text: str, words: list[str] | None = None) -> list[tuple[Hit, bool]]:
        """Matches in ``text`` with whether a negation word precedes each within three words."""
        if self.empty:
            return []
        words = tokens(text) if words is None else words
        found: list[tuple[Hit, bool]] = []
        i = 0
        while i < len(words):
            best: tuple[_Pattern, str] | None = None
            for pattern, keyword in self._candidates(words[i]):
                if (best is None or len(pattern) > len(best[0])) and _matches(pattern, words, i):
                    best = (pattern, keyword)
            if best is None:
                i += 1
                continue
            pattern, keyword = best
            negated = any(w in _NEGATIONS or w.endswith("n't") for w in words[max(0, i - 3) : i])
            phrase = " ".join(words[i : i + len(pattern)])
            weight = 1.0 + 0.5 * (len(pattern) - 1)
            found += [(Hit(code, phrase, weight), negated) for code in self._owners[keyword]]
            i += len(pattern)
        return found


def _matches(pattern: _Pattern, words: list[str], i: int) -> bool:
    if i + len(pattern) > len(words):
        return False
    return all(
        words[i + k].startswith(text) if wildcard else words[i + k] == text
        for k, (text, wildcard) in enumerate(pattern)
    )


def _scores(hits: list[Hit]) -> dict[str, float]:
    scores: dict[str, float] = defaultdict(float)
    for hit in hits:
        scores[hit.code] += hit.weight
    return scores


def _best(scores: dict[str, float], order: list[str]) -> tuple[str, float]:
    """The top code (codebook order breaks ties) and its share of all evidence."""
    if not scores:
        return "", 0.0
    code = max(scores, key=lambda c: (scores[c], -order.index(c)))
    return code, scores[code] / sum(scores.values())


def _phrases(hits: list[Hit], code: str) -> str:
    return ", ".join(dict.fromkeys(f"'{h.phrase.lower()}'" for h in hits if h.code == code))


class RulesCoder:
    """Codes transcripts from a codebook's keywords; see the module docstring."""

    name = "rules"
    version = VERSION

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self._stages = _Matcher(codebook.stages)
        self._touchpoints = _Matcher(codebook.touchpoints)
        self._emotions = _Matcher(codebook.emotions)
        self._stage_order = codebook.stage_ids
        self._emotion_order = [c.id for c in codebook.emotions]
        self._valence = {c.id: c.valence or 0.0 for c in codebook.emotions}
        self._neutral = next((c.id for c in codebook.emotions if c.valence == 0), "")
        self._vader = SentimentIntensityAnalyzer()

    @property
    def coder_id(self) -> str:
        """The value written to the table's ``coder`` column."""
        return f"auto:{self.name}@{self.version}"

    def __call__(self, transcript: Transcript) -> list[dict[str, object]]:
        """Code every participant turn; interviewer turns are kept uncoded, as context."""
        rows = []
        # A cue-less follow-up ("And then?") clears the question stage, so the answer inherits
        # where the participant had got to rather than a stale earlier question.
        question_stage = ""  # stage cue of the latest interviewer turn, if it had one
        previous_stage = ""  # stage of the latest coded participant turn
        for turn in transcript.turns:
            if turn.role == INTERVIEWER:
                stage_hits = [h for h, _ in self._stages.hits(turn.text)]
                question_stage = _best(_scores(stage_hits), self._stage_order)[0]
                rows.append(self._row(transcript, turn, {}))
                continue
            codes = self._code_turn(turn.text, question_stage, previous_stage)
            previous_stage = codes["stage"] or previous_stage
            rows.append(self._row(transcript, turn, codes))
        return rows

    def _code_turn(self, text: str, question_stage: str, previous_stage: str) -> dict[str, object]:
        evidence: list[str] = []
        words = tokens(text)
        stage_hits = [h for h, _ in self._stages.hits(text, words)]
        stage, share = _best(_scores(stage_hits), self._stage_order)
        if stage:
            stage_confidence = round(0.5 + 0.45 * share * min(1.0, len(stage_hits) / 2), 3)
            evidence.append(f"stage {stage}: {_phrases(stage_hits, stage)}")
        elif question_stage:
            stage, stage_confidence = question_stage, _QUESTION_CONFIDENCE
            evidence.append(f"stage {stage}: from the interviewer's question")
        elif previous_stage:
            stage, stage_confidence = previous_stage, _CARRIED_CONFIDENCE
            evidence.append(f"stage {stage}: carried from the previous turn")
        else:
            stage_confidence = 0.0

        touchpoint_hits = [h for h, _ in self._touchpoints.hits(text, words)]
        touchpoint_scores = _scores(touchpoint_hits)
        touchpoints = sorted(
            touchpoint_scores, key=lambda c: [t.id for t in self.codebook.touchpoints].index(c)
        )
        for code in touchpoints:
            evidence.append(f"touchpoint {code}: {_phrases(touchpoint_hits, code)}")
        touchpoint_confidence = (
            round(min(0.95, 0.55 + 0.15 * max(touchpoint_scores.values())), 3)
            if touchpoints
            else 0.0
        )

        compound = self._vader.polarity_scores(_FILLER_LIKE.sub(" ", text))["compound"]
        emotion_hits = [h for h, negated in self._emotions.hits(text, words) if not negated]
        emotion, share = _best(_scores(emotion_hits), self._emotion_order)
        if emotion:
            target = self._valence[emotion]
            pull = _PULL_AGREE if compound * target > 0 else _PULL_DISAGREE
            valence = (1 - pull) * compound + pull * target
            emotion_confidence = round(0.45 + 0.45 * share * min(1.0, len(emotion_hits) / 2), 3)
            evidence.append(f"emotion {emotion}: {_phrases(emotion_hits, emotion)}")
        elif abs(compound) >= _NEUTRAL_BAND:
            # No emotion words, but clearly valenced: the emotion whose codebook valence is nearest.
            valence = compound
            emotion = min(self._emotion_order, key=lambda e: abs(self._valence[e] - compound))
            emotion_confidence = 0.3
            evidence.append(f"emotion {emotion}: nearest to the sentiment score")
        else:
            valence, emotion, emotion_confidence = compound, self._neutral, 0.4
        evidence.append(f"valence: VADER {compound:+.2f}")
        return {
            "stage": stage,
            "stage_confidence": stage_confidence,
            "touchpoints": ";".join(touchpoints),
            "touchpoint_confidence": touchpoint_confidence,
            "emotion": emotion,
            "emotion_confidence": emotion_confidence,
            "valence": round(max(-1.0, min(1.0, valence)), 4),
            "intensity": round(min(1.0, abs(valence)), 4),
            "evidence": "; ".join(evidence),
        }

    def _row(
        self, transcript: Transcript, turn: Turn, codes: dict[str, object]
    ) -> dict[str, object]:
        return {
            "segment_id": f"{transcript.interview_id}:{turn.index}",
            "interview_id": transcript.interview_id,
            "participant_id": transcript.participant_id if turn.role != INTERVIEWER else "",
            "persona_id": transcript.persona_id,
            "speaker": turn.speaker,
            "role": turn.role,
            "turn": turn.index,
            "line": turn.line,
            "source": transcript.path.name,
            "text": turn.text,
            "start": turn.start,
            "end": turn.end,
            "time_start": turn.time_start,
            "time_end": turn.time_end,
            "coder": self.coder_id if codes else "",
            **codes,
        }
