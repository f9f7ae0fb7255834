"""The ``rules`` coder: codebook phrase matching, simple negation, emotion model, turn context.

It knows no code list of its own: every stage, touchpoint and emotion comes from the codebook's
``keywords`` (a trailing ``*`` matches any word ending). Stages follow the conversation
(``context.py``): a turn with no stage cue of its own takes its stage from the interviewer's
question that prompted it and from its neighbours, with the confidence that context supports.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from cjm_research.coding import context
from cjm_research.coding.emotion import CodebookReading, codebook_mapping, shipped_model
from cjm_research.coding.keywords import (
    CodebookKeywords,
    Hit,
    Keywords,
    Matches,
    phrases,
    tokens,
)
from cjm_research.model import INTERVIEWER, Codebook, Transcript, Turn

VERSION = "3"  # 3: stage confidences calibrated (STAGE_CALIBRATION)
#: Stage confidence as reported: a Platt map (``context.calibrated``) of the context's posterior,
#: fitted on the example study's gold turns by ``tools/fit_calibration.py --coder rules``. Keyword
#: stages are right less often than their posteriors said (at 0.81, 35 times in 100); on broadband,
#: unseen, calibration error 0.18 -> 0.08, and two turns in three fall under LOW_CONFIDENCE.
STAGE_CALIBRATION = (0.572, -1.038)
#: The confidence of a touchpoint that only the question before an answer names ("What happened
#: with the delivery?" - "Two weeks late."): the lowest a keyword match gets.
ASKED_CONFIDENCE = 0.55
#: With a codebook whose emotions the model cannot name: below this |valence| a turn is neutral.
_NEUTRAL_BAND = 0.5
#: How much a keyword-identified emotion pulls the valence towards the codebook's value: a little
#: when VADER agrees on the sign, most of the way when it does not (VADER scores factual
#: complaints such as "on hold for forty minutes" as neutral or even positive).
_PULL_AGREE, _PULL_DISAGREE = 0.4, 0.7
#: Spoken filler "like" (", like," / "like, you know") is not liking; VADER reads it as positive.
_FILLER_LIKE = re.compile(
    r"(?:(?<=,)|(?<=\.\.\.)|^)\s*like\s*(?=,)|\blike\s+(?=you know\b|um\b|uh\b)", re.I
)
_LIKE = re.compile("like", re.I)  # in every filler match, and fast to search for


def _drop_filler(text: str) -> str:
    """``_FILLER_LIKE.sub(" ", text)``, with the pattern tried only where a match can start.

    Scanning every position with the lookbehinds costs ~10 µs a turn; every match contains a
    "like" and starts at it or at the whitespace run right before it, so trying those two
    places per "like" finds the same matches (a fuzz test checks it against ``sub``).
    """
    found = _LIKE.search(text)
    parts: list[str] = []
    done = 0  # the text before this is settled
    while found is not None:
        at = start = found.start()
        while start > done and text[start - 1].isspace():
            start -= 1
        match = _FILLER_LIKE.match(text, start) or (start < at and _FILLER_LIKE.match(text, at))
        if match:
            parts += [text[done : match.start()], " "]
            done = match.end()
        found = _LIKE.search(text, max(done, at + 1))
    return "".join(parts) + text[done:] if parts else text


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


class RulesCoder:
    """Codes transcripts from a codebook's keywords; see the module docstring."""

    name = "rules"
    version = VERSION

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self._keywords = CodebookKeywords(codebook)
        self._touchpoints = self._keywords.touchpoints
        self._emotions = self._keywords.emotions
        self._stage_order = codebook.stage_ids
        self._touchpoint_order = [c.id for c in codebook.touchpoints]
        self._emotion_order = [c.id for c in codebook.emotions]
        self._valence = codebook.valences
        self._neutral = next((c.id for c in codebook.emotions if c.valence == 0), "")
        self._model = shipped_model()
        self._mapping = codebook_mapping(codebook)
        self.calibration = STAGE_CALIBRATION  # (1.0, 0.0): the raw posteriors

    @property
    def coder_id(self) -> str:
        """The value written to the table's ``coder`` column."""
        return f"auto:{self.name}@{self.version}"

    def __call__(self, transcript: Transcript) -> list[dict[str, object]]:
        """Code every participant turn; interviewer turns are kept uncoded, as context.

        Stages go through the journey context (``context.smooth_transcript``): a turn with no
        stage words of its own takes its stage from the question that prompted it and from its
        neighbours, with the confidence the context supports. Touchpoints the question names
        count for its answer too, at ASKED_CONFIDENCE.
        """
        if not transcript.turns:  # an empty file: nothing to code (the context needs a turn)
            return []
        found = [
            self._keywords.find(tokens(turn.text), question=turn.role == INTERVIEWER)
            for turn in transcript.turns
        ]
        evidence = [self._own_stage([h for h, _ in stages]) for stages, _, _ in found]
        smoothed = context.smooth_transcript(
            transcript.turns, np.array([p for p, _ in evidence]).reshape(len(evidence), -1)
        )
        answers = [t.text for t in transcript.turns if t.role != INTERVIEWER]
        readings = iter(self.read_emotions(answers))
        rows = []
        answer = 0
        for i, (turn, (_, touchpoints, emotions), (own, hits)) in enumerate(
            zip(transcript.turns, found, evidence, strict=True)
        ):
            if turn.role == INTERVIEWER:
                rows.append(self.row(transcript, turn, {}))
                continue
            stage, confidence, source = smoothed.stage(answer, self._stage_order)
            confidence = context.calibrated(confidence, *self.calibration)
            answer += 1
            # Researchers code the channel under discussion: "What happened with the delivery?"
            # - "Two weeks late." is about delivery (at ASKED_CONFIDENCE).
            q = context.question_of(transcript.turns, i)
            asked = [] if q is None else found[q][1]
            codes = self._code_turn(touchpoints, emotions, next(readings), [h for h, _ in asked])
            stage_note = context.stage_evidence(
                stage, source, phrases(hits, stage) or self._own_note(own, hits)
            )
            flag = context.review_flag(
                stage=confidence if stage else None,
                touchpoints=float(codes["touchpoint_confidence"]) if codes["touchpoints"] else None,
            )
            codes.update(
                stage=stage,
                stage_confidence=round(confidence, 3),
                evidence="; ".join(filter(None, [stage_note, codes["evidence"], flag])),
            )
            rows.append(self.row(transcript, turn, codes))
        return rows

    def keywords(self, text: str, *, question: bool = False) -> Keywords:
        """A turn's stage, touchpoint and emotion keyword matches, in one pass over its words.

        A question's have no emotions. The semantic coder reads these once per turn.
        """
        return self._keywords.find(tokens(text), question=question)

    def stage_evidence(self, matches: Matches) -> tuple[np.ndarray, list[Hit]]:
        """A turn's own stage probabilities from its stage matches (zeros when it has none).

        The top stage gets the keyword confidence (more and longer matches, more certain); the
        rest is spread over the other stages by their matches, with a little for every stage.
        """
        return self._own_stage([h for h, _ in matches])

    def _own_stage(self, hits: list[Hit]) -> tuple[np.ndarray, list[Hit]]:
        k = len(self._stage_order)
        if not hits:  # most turns
            return np.zeros(k), hits
        scores = _scores(hits)
        stage, share = _best(scores, self._stage_order)
        top = 0.5 + 0.45 * share * min(1.0, len(hits) / 2)
        rest = np.array([scores.get(c, 0.0) + 0.1 for c in self._stage_order])
        rest[self._stage_order.index(stage)] = 0.0
        probabilities = (1 - top) * rest / max(rest.sum(), 1e-12)
        probabilities[self._stage_order.index(stage)] = top
        return probabilities, hits

    def _own_note(self, own: np.ndarray, hits: list[Hit]) -> str:
        if not hits:
            return ""
        stage = self._stage_order[int(own.argmax())]
        return f"own words suggested {stage}: {phrases(hits, stage)}"

    def _code_turn(
        self,
        touchpoint_found: Matches,
        emotion_found: Matches,
        reading: CodebookReading,
        asked: list[Hit],
    ) -> dict[str, object]:
        touchpoints = self._touchpoint_codes([h for h, _ in touchpoint_found], asked)
        emotion = self._emotion_codes(emotion_found, reading)
        return {
            **touchpoints,
            **emotion,
            "evidence": "; ".join(filter(None, [touchpoints["evidence"], emotion["evidence"]])),
        }

    @staticmethod
    def touchpoint_keywords(matches: Matches) -> tuple[dict[str, float], list[Hit]]:
        """Keyword weight per touchpoint of a turn's touchpoint matches, and the matches."""
        hits = [h for h, _ in matches]
        return dict(_scores(hits)), hits

    def _touchpoint_codes(self, hits: list[Hit], asked: list[Hit]) -> dict[str, object]:
        if not hits and not asked:  # most turns
            return {"touchpoints": "", "touchpoint_confidence": 0.0, "evidence": ""}
        scores = _scores(hits)
        only_asked = {h.code for h in asked} - set(scores)
        touchpoints = sorted([*scores, *only_asked], key=self._touchpoint_order.index)
        confidence = min(0.95, 0.55 + 0.15 * max(scores.values())) if scores else 1.0
        if only_asked:
            confidence = min(confidence, ASKED_CONFIDENCE)
        return {
            "touchpoints": ";".join(touchpoints),
            "touchpoint_confidence": round(confidence, 3),
            "evidence": "; ".join(
                f"touchpoint {code}: "
                + (phrases(hits, code) if code in scores else f"asked about {phrases(asked, code)}")
                for code in touchpoints
            ),
        }

    def read_emotions(self, texts: list[str]) -> list[CodebookReading]:
        """The emotion model's readings of many turns at once (batching is what makes it fast)."""
        return self._model.read([_drop_filler(t) for t in texts], self._mapping)

    def emotion_codes(
        self,
        text: str,
        words: list[str] | None = None,
        reading: CodebookReading | None = None,
        matches: Matches | None = None,
    ) -> dict[str, object]:
        """Emotion from keyword matches or the emotion model, whichever is more confident; valence
        from the model, pulled towards a keyword-named emotion's codebook valence.

        ``matches``: the turn's emotion matches when already found (``keywords``).
        """
        if matches is None:
            matches = self._emotions.hits(text, tokens(text) if words is None else words)
        reading = reading or self.read_emotions([text])[0]
        return self._emotion_codes(matches, reading)

    def _emotion_codes(self, hits: Matches, reading: CodebookReading) -> dict[str, object]:
        score = reading.valence
        evidence = []
        emotion_hits = [h for h, negated in hits if not negated]
        emotion, share = _best(_scores(emotion_hits), self._emotion_order)
        # A negated emotion word ("not worried") rules that emotion out, whatever the model reads.
        denied = {h.code for h, negated in hits if negated}
        model_emotion = "" if reading.emotion in denied else reading.emotion
        keyword_confidence = 0.45 + 0.45 * share * min(1.0, len(emotion_hits) / 2)
        # The model's "neutral" only means it saw no feeling it knows (Reddit-trained, it reads
        # factual complaints as neutral): it can override a keyword-named emotion, not erase it.
        overridden = reading.confidence > keyword_confidence and model_emotion != self._neutral
        if emotion and (not overridden or model_emotion == emotion):
            target = self._valence[emotion]
            pull = _PULL_AGREE if score * target > 0 else _PULL_DISAGREE
            if not reading.keyword_pull:
                pull = 0.0
            valence = (1 - pull) * score + pull * target
            agree = model_emotion == emotion
            emotion_confidence = max(keyword_confidence, reading.confidence * agree)
            evidence.append(f"emotion {emotion}: {phrases(emotion_hits, emotion)}")
        elif model_emotion:
            valence, emotion, emotion_confidence = score, model_emotion, reading.confidence
            evidence.append(f"emotion {emotion}: emotion model ({reading.label})")
        elif abs(score) >= _NEUTRAL_BAND and not denied and self._emotion_order:
            # No nameable emotion, but clearly valenced: the emotion whose valence is nearest.
            valence = score
            emotion = min(self._emotion_order, key=lambda e: abs(self._valence[e] - score))
            emotion_confidence = 0.3
            evidence.append(f"emotion {emotion}: nearest to the valence")
        else:
            valence, emotion, emotion_confidence = score, self._neutral, 0.4
        source = (
            "emotion model" if reading.keyword_pull else "interview heads and neighbouring turns"
        )
        evidence.append(f"valence: {source} {score:+.2f}")
        return {
            "emotion": emotion,
            "emotion_confidence": round(emotion_confidence, 3),
            "valence": round(max(-1.0, min(1.0, valence)), 4),
            "intensity": round(min(1.0, abs(valence)), 4),
            "evidence": "; ".join(evidence),
        }

    def row(
        self, transcript: Transcript, turn: Turn, codes: dict[str, object]
    ) -> dict[str, object]:
        """One table row: the turn's provenance and ``codes`` (uncoded when ``codes`` is empty)."""
        return {
            "segment_id": transcript.segment_id(turn),
            "interview_id": transcript.interview_id,
            "participant_id": transcript.participant_of(turn),
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


#: The keyword matcher, public for analysis (what customers do: matched stage phrases).
