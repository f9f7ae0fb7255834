"""The ``semantic`` coder: the codebook's own sentences, interview heads, keywords and context.

Several experts read each participant turn and their stage probabilities are multiplied: the
similarity to what the codebook says about each code (``prototypes.py``), the interview heads
trained on the coded corpus (``heads.py``), the rules coder's keyword matches and the question
asked; stages then go through the journey context (``context.py``). Touchpoints blend keyword
matches, similarity and the touchpoint head. Emotions and valence are the emotion model's
(``RulesCoder.emotion_codes``) with the heads' reading mixed in; a turn's valence leans towards
its neighbouring answers' (``heads.lean_to_neighbours``).

Two readings, one pass each (a cascade): every answer is read first with the model's word
vectors (a hundred times faster), and the interviewer's questions with the sentence model.
Answers whose stage the context leaves unsure (posterior below ``REREAD_BELOW``) are read again
with the sentence model and the context runs once more.

With a study's reviewed turns (``teach``) the coder also learns from the researcher: reviewed
stages are clamped in the context, near-duplicates of reviewed turns take their codes, and the
touchpoint head is fine-tuned towards the study. Stage confidences are calibrated
(``STAGE_CALIBRATION``); stage and touchpoint confidences flag a turn for review.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cjm_research.coding import context
from cjm_research.coding.embeddings import (
    Embedder,
    WordVectors,
    shared_embedder,
    shared_word_vectors,
)
from cjm_research.coding.heads import (
    HEAD_STAGE_WEIGHT,
    HEAD_TOUCHPOINT_WEIGHT,
    NO_STAGE,
    HeadReading,
    Heads,
    TurnContext,
    features,
    lean_to_neighbours,
    positions,
    shipped_heads,
    turn_context,
)
from cjm_research.coding.keywords import Matches, phrases
from cjm_research.coding.learning import CLAMP, KNN_WEIGHT, Examples, learned_from_review
from cjm_research.coding.prototypes import Reading, agree, centre, combine
from cjm_research.coding.rules import ASKED_CONFIDENCE, RulesCoder
from cjm_research.coding.tuning import Targets, code_matrix, fine_tune, targets
from cjm_research.model import INTERVIEWER, NOT_CODED, Codebook, Transcript, Turn

VERSION = "16"  # 16: heads v8, stage head squared; 15: heads v7; 14: calibrated stages
#: A touchpoint is coded when its probability reaches this (each touchpoint on its own). The
#: threshold with the best held-out F1 on the codebook's examples coded too much in interviews.
#: With heads v8 (2026-12-06), touchpoint micro-F1 at 0.4 / 0.45 / 0.5: the corpus's held-out
#: industries (``tools/stage_heldout.py --all-heads``) 0.709 / 0.713 / 0.712, the example study
#: 0.799 / 0.789 / 0.771, broadband (test) 0.707 / 0.718 / 0.720: how liberally coders name a
#: channel differs by coder, and 10,800 corpus turns do not prefer any; kept.
TOUCHPOINT_THRESHOLD = 0.5
#: An answer read with the word vectors whose stage posterior is below this is read again.
REREAD_BELOW = 0.5
#: Stage confidence as reported: a Platt map (``context.calibrated``) of the context's posterior,
#: which runs high (at 0.99 right 84 times in 100), fitted on the example study's gold turns by
#: ``tools/fit_calibration.py``; on broadband, unseen, calibration error 0.16 -> 0.03 (heads v8).
STAGE_CALIBRATION = (0.448, -0.688)


class SemanticCoder:
    """Codes transcripts by sentence similarity to the codebook; see the module docstring."""

    name = "semantic"
    version = VERSION

    def __init__(
        self,
        codebook: Codebook,
        *,
        cache_dir: Path | str | None = None,
        embedder: Embedder | None = None,
        word_vectors: WordVectors | None = None,
        heads: Heads | bool | None = True,
    ) -> None:
        self.codebook = codebook
        # True: the shipped heads (None when this build has none); False or None: no heads.
        self.base_heads = shipped_heads() if heads is True else (heads or None)
        self.heads = self.base_heads
        self.embedder = embedder or shared_embedder(cache_dir)
        self.rules = RulesCoder(codebook)
        # Off-journey talk is one more code beside the stages when the codebook describes it.
        self.off_journey = bool(codebook.off_journey.examples)
        stage_codes = codebook.stages + ((codebook.off_journey,) if self.off_journey else ())
        self.sentences = Reading.build("sentence", codebook, stage_codes, self.embedder)
        # Questions are read with the sentence model only (word vectors lost 0.03 F1 on them).
        self.words = Reading.build(
            "word-vector",
            codebook,
            stage_codes,
            word_vectors or shared_word_vectors(),
            reads_questions=False,
        )
        self._touchpoint_has_keywords = np.array([bool(c.keywords) for c in codebook.touchpoints])
        self.examples: Examples | None = None
        self.holdout = ""  # an interview whose reviewed turns are set aside (``audit``)
        self.calibration = STAGE_CALIBRATION  # (1.0, 0.0): the raw posteriors

    @property
    def coder_id(self) -> str:
        """The value written to the table's ``coder`` column (``+study`` once it learned)."""
        learned = "+study" if self.examples is not None else ""
        return f"auto:{self.name}{learned}@{self.version}"

    def teach(self, reviewed: pd.DataFrame, transcripts: Sequence[Transcript] = ()) -> None:
        """Learn from the researchers' codes of this study: ``reviewed`` has one row per
        human-coded participant turn (``segment_id``, ``interview_id``, ``text``, ``stage``,
        ``touchpoints``, ``emotion``, ``valence``). With the study's ``transcripts`` the interview
        touchpoint head is also fine-tuned on those turns. Empty: forget, and code as before."""
        self.heads = self.base_heads
        if reviewed.empty:
            self.examples = None
            return
        rows = reviewed.reset_index(drop=True)
        x, target, surround = self._head_examples(rows, transcripts)
        self.examples = Examples(
            rows=rows,
            vectors=self.words.embedder.encode(list(rows["text"].astype(str))),
            stages=self._stage_matrix(rows["stage"]),
            touchpoints=code_matrix(
                rows["touchpoints"], tuple(c.id for c in self.codebook.touchpoints)
            ),
            valence=pd.to_numeric(rows["valence"], errors="coerce").fillna(0.0).to_numpy(),
            coded=np.stack(
                [
                    rows[c].astype(str).to_numpy() != NOT_CODED
                    for c in ("stage", "touchpoints", "emotion")
                ],
                axis=1,
            ),
            features=x,
            targets=target,
            context=surround,
        )
        self.heads = self._tuned()

    def _tuned(self, leave_out: str = "") -> Heads | None:
        """The heads fine-tuned on the reviewed turns, those of ``leave_out`` set aside."""
        ex = self.examples
        if self.base_heads is None or ex is None or ex.features is None or ex.targets is None:
            return self.base_heads
        keep = (ex.rows["interview_id"] != leave_out).to_numpy()
        if not keep.any():
            return self.base_heads
        t = ex.targets
        kept = Targets(t.stage[keep], t.touchpoints[keep], t.emotion[keep], t.valence[keep])
        texts = list(ex.rows["text"].astype(str).to_numpy()[keep])
        surround = None if ex.context is None else ex.context.subset(keep)
        return fine_tune(self.base_heads, ex.features[keep], kept, texts, surround)

    def _head_examples(
        self, rows: pd.DataFrame, transcripts: Sequence[Transcript]
    ) -> tuple[np.ndarray | None, Targets | None, TurnContext | None]:
        """The heads' features of the reviewed turns (read as ``__call__`` reads them), their
        codes as targets and their context; None without the transcripts or the heads."""
        if self.base_heads is None or not transcripts:
            return None, None, None
        where = {t.segment_id(turn): (t, n) for t in transcripts for n, turn in enumerate(t.turns)}
        found = [where.get(str(s)) for s in rows["segment_id"]]
        if any(f is None for f in found):
            return None, None, None
        answers = [t.turns[n].text for t, n in found]  # type: ignore[misc]
        prompts = [context.question_of(t.turns, n) for t, n in found]  # type: ignore[misc]
        asked = [
            "" if q is None else t.turns[q].text  # type: ignore[misc]
            for (t, _), q in zip(found, prompts, strict=True)  # type: ignore[misc]
        ]
        vectors = self.words.embedder.encode(answers)
        questions = np.zeros_like(vectors)
        have = [i for i, q in enumerate(asked) if q]
        if have:
            questions[have] = self.sentences.embedder.encode([asked[i] for i in have])
        x = features(
            vectors,
            questions,
            np.array([positions(np.array([n]), len(t.turns))[0] for t, n in found]),  # type: ignore[misc]
            np.array([len(a.split()) for a in answers]),
        )
        by_transcript: dict[str, list[int]] = {}
        for r, (t, _) in enumerate(found):  # type: ignore[misc]
            by_transcript.setdefault(t.interview_id, []).append(r)
        parts, order = [], []
        for rs in by_transcript.values():
            turns = found[rs[0]][0].turns  # type: ignore[index]
            rows_n = [found[r][1] for r in rs]  # type: ignore[index]
            parts.append(turn_context(self.base_heads.classes, self.rules, turns, rows_n))
            order += rs
        surround = TurnContext.concat(parts).subset(np.argsort(order))
        target = targets(
            self.base_heads,
            list(rows["stage"].fillna("").astype(str)),
            list(rows["touchpoints"].fillna("").astype(str)),
            list(rows["emotion"].fillna("").astype(str)),
            list(pd.to_numeric(rows["valence"], errors="coerce").fillna(0.0)),
        )
        return x, target, surround

    def _stage_matrix(self, stages: pd.Series) -> np.ndarray:
        """One-hot rows in the coder's stage columns; "no stage" is the off-journey column (or
        an even spread when the codebook has none)."""
        columns = list(self.sentences.stages.codes)
        out = np.zeros((len(stages), len(columns)))
        for n, stage in enumerate(stages.fillna("").astype(str)):
            if stage in columns:
                out[n, columns.index(stage)] = 1.0
            elif self.off_journey:
                out[n, -1] = 1.0
            else:
                out[n] = 1.0 / len(columns)
        return out

    def audit(self, transcript: Transcript) -> list[dict[str, object]]:
        """Code ``transcript`` as if its own reviewed turns were not yet reviewed (learning from
        the other interviews only): the machine's honest code for them, to audit it as a coder."""
        self.holdout = transcript.interview_id
        tuned, self.heads = self.heads, self._tuned(leave_out=transcript.interview_id)
        try:
            return self(transcript)
        finally:
            self.holdout, self.heads = "", tuned

    def prepare(self, transcripts: list[Transcript]) -> None:
        """Read every question of ``transcripts`` with the sentence model, in one batch.

        Sorted by length across the whole study, questions pad less and the model runs in
        fewer, fuller batches than interview by interview (about a fifth faster).
        """
        self.embedder.encode(
            sorted(
                {t.turns[i].text for t in transcripts for i in context.prompting_questions(t.turns)}
            )
        )

    def __call__(self, transcript: Transcript) -> list[dict[str, object]]:
        """Code every participant turn; interviewer turns are kept uncoded, as context."""
        turns = transcript.turns
        texts = [t.text for t in turns]
        answers = [i for i, t in enumerate(turns) if t.role != INTERVIEWER]
        asked = context.prompting_questions(turns)
        found = [self.rules.keywords(t.text, question=t.role == INTERVIEWER) for t in turns]
        keyword = [self.rules.stage_evidence(stages) for stages, _, _ in found]
        k = len(self.sentences.stages.codes)
        extra = k - len(self.codebook.stages)  # the off-journey column
        own = np.zeros((len(turns), k))
        scores = np.zeros((len(turns), k))
        nearest = np.zeros((len(turns), k), dtype=int)
        vectors: dict[int, np.ndarray] = {}
        reading: dict[int, Reading] = {}

        def read(rows: list[int], by: Reading) -> None:
            if not rows:
                return
            vecs = by.embedder.encode([texts[i] for i in rows])
            raw, near = by.stages.scores(vecs)
            probabilities = by.stage_probabilities(centre(raw))
            for j, i in enumerate(rows):
                if i in reading:
                    # A second reading: the two are experts to multiply (the keywords are in
                    # the first already); together they beat the sentence model's reading alone.
                    own[i] = agree(own[i], probabilities[j])
                else:
                    own[i] = combine(probabilities[j], np.pad(keyword[i][0], (0, extra)))
                scores[i], nearest[i], vectors[i], reading[i] = raw[j], near[j], vecs[j], by

        read(asked, self.sentences)
        read(answers, self.words)
        head = self._read_heads(turns, answers, vectors, found)
        if head is not None:
            for j, i in enumerate(answers):
                own[i] = agree(own[i], head.stage[j] ** HEAD_STAGE_WEIGHT)
        learned = learned_from_review(self.examples, transcript, answers, vectors, self.holdout)
        if learned is not None:
            for j, i in enumerate(answers):
                if learned.clamped[j] is not None:
                    own[i] = CLAMP * learned.clamped[j] + (1 - CLAMP) / k
                elif learned.weight[j, 0] > 0:
                    own[i] = agree(own[i], learned.stage[j] ** KNN_WEIGHT)
        questions = None
        if asked and self.sentences.questions is not None:
            questions = np.zeros((len(turns), k))
            asked_vectors = np.stack([vectors[i] for i in asked])
            questions[asked] = self.sentences.question_probabilities(asked_vectors)

        def smooth() -> context.Smoothed:
            return context.smooth_transcript(turns, own, questions, off_journey=self.off_journey)

        smoothed = smooth()
        unsure = [i for j, i in enumerate(answers) if smoothed.confidence[j] < REREAD_BELOW]
        if unsure:
            read(unsure, self.sentences)
            smoothed = smooth()

        touchpoint_scores = {
            i: (score, near)
            for by in (self.words, self.sentences)
            for i, score, near in self._touchpoint_scores(
                [i for i in answers if reading[i] is by], vectors, by
            )
        }
        rows = [self.rules.row(transcript, turn, {}) for turn in turns]
        readings = self.rules.read_emotions([texts[i] for i in answers])  # one batch: fast
        if head is not None:
            readings = [head.reading(j, r) for j, r in enumerate(readings)]
        if learned is not None:
            readings = [learned.reading(j, r) for j, r in enumerate(readings)]
        stage_column = {code: c for c, code in enumerate(self.codebook.stage_ids)}
        known_stages = set(self.heads.stage.classes) if self.heads is not None else set()
        for j, i in enumerate(answers):
            stage, confidence, source = smoothed.stage(j, self.codebook.stage_ids)
            confidence = context.calibrated(confidence, *self.calibration)
            by = reading[i]
            notes = []
            if stage:
                c = by.stages.codes.index(stage)
                own_note = by.note(by.stages, scores[i, c], nearest[i, c])
                matched = phrases(keyword[i][1], stage)
                if matched:
                    own_note += f", keywords {matched}"
                if head is not None and stage in known_stages:  # a stage the heads were taught
                    own_note += f", interview heads {head.stage[j, stage_column[stage]]:.2f}"
                notes.append(context.stage_evidence(stage, source, own_note))
            else:
                notes.append(context.stage_evidence(stage, source, ""))
            if learned is not None and learned.nearest[j]:
                notes.append(learned.nearest[j])
            q = context.question_of(turns, i)
            asked = [] if q is None else found[q][1]
            codes = self._touchpoint_codes(
                found[i][1],
                *touchpoint_scores[i],
                by,
                asked,
                None if head is None else head.touchpoints[j],
                None if learned is None else learned.touchpoint_share(j),
            )
            notes.append(str(codes.pop("evidence")))
            codes.update(
                self.rules.emotion_codes(texts[i], reading=readings[j], matches=found[i][2])
            )
            notes.append(str(codes.pop("evidence")))
            flag = context.review_flag(
                stage=confidence if stage else None,
                touchpoints=float(codes["touchpoint_confidence"]),
            )
            codes.update(
                stage=stage,
                stage_confidence=round(confidence, 3),
                evidence="; ".join(filter(None, [*notes, flag])),
            )
            rows[i] = self.rules.row(transcript, turns[i], codes)
            rows[i]["coder"] = self.coder_id
        return rows

    def _read_heads(
        self,
        turns: list[Turn],
        answers: list[int],
        vectors: dict[int, np.ndarray],
        found: list | None = None,
    ) -> HeadReading | None:
        """The heads' reading of the answers, from the vectors the coder already has."""
        if self.heads is None or not answers:
            return None
        dimension = vectors[answers[0]].shape[0]
        prompts = [context.question_of(turns, i) for i in answers]
        asked = [
            vectors[q] if q in vectors else np.zeros(dimension, dtype=np.float32) for q in prompts
        ]
        x = features(
            np.stack([vectors[i] for i in answers]),
            np.stack(asked),
            positions(np.array(answers), len(turns)),
            np.array([len(turns[i].text.split()) for i in answers]),
        )
        h = self.heads
        columns = (*self.codebook.stage_ids, *((NO_STAGE,) if self.off_journey else ()))
        surround = turn_context(h.classes, self.rules, turns, answers, found)
        stage, touchpoints, emotions, valence = h.read(
            x, [turns[i].text for i in answers], surround
        )
        stage = h.stage.columns(columns, stage)
        # A stage the head does not know gets the mean of the known ones (no opinion about it);
        # a codebook the head knows nothing of gets no stage opinion at all.
        known = ~np.isnan(stage)
        if not known.any():
            stage = np.ones_like(stage)
        else:
            mean = np.nansum(stage, axis=1, keepdims=True) / known.sum(axis=1, keepdims=True)
            stage = np.where(known, stage, mean)
        emotion_ids = tuple(c.id for c in self.codebook.emotions)
        return HeadReading(
            stage=stage,
            touchpoints=h.touchpoints.columns(
                tuple(c.id for c in self.codebook.touchpoints), touchpoints
            ),
            emotions=h.emotion.columns(emotion_ids, emotions),
            valence=lean_to_neighbours(valence, [turns[i].speaker for i in answers]),
            emotion_ids=emotion_ids,
        )

    @staticmethod
    def _touchpoint_scores(
        rows: list[int], vectors: dict[int, np.ndarray], by: Reading
    ) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """Touchpoint similarities of the turns ``rows`` read by ``by``: one product for all."""
        if not rows:
            return []
        scores, nearest = by.touchpoints.scores(np.stack([vectors[i] for i in rows]))
        return list(zip(rows, scores, nearest, strict=True))

    def _touchpoint_codes(
        self,
        matches: Matches,
        scores: np.ndarray,
        nearest: np.ndarray,
        by: Reading,
        asked_matches: Matches,
        head: np.ndarray | None = None,
        learned: tuple[np.ndarray, float] | None = None,
    ) -> dict[str, object]:
        """A turn's touchpoints from its keyword ``matches``, the question's, similarity and the
        touchpoint head (``head``: its probability per touchpoint, NaN where it has none)."""
        a, b = by.platt
        keyword, hits = self.rules.touchpoint_keywords(matches)
        asked = [h for h, _ in asked_matches]
        # A named channel decides on its own, as in the rules coder; so does one the question
        # names, more weakly; similarity adds the rest.
        named = np.array(
            [
                min(0.95, 0.55 + 0.15 * keyword[c])
                if c in keyword
                else ASKED_CONFIDENCE * any(h.code == c for h in asked)
                for c in by.touchpoints.codes
            ]
        )
        # clipped: a Platt slope fitted on a code or two without examples can be steep
        similar = 1 / (1 + np.exp(-np.clip(a * scores + b, -50.0, 50.0)))
        if by is self.words:
            # Word vectors find no touchpoint a keyword does not name, and add false ones at any
            # threshold: they decide only codes that have no keywords.
            similar = np.where(self._touchpoint_has_keywords, 0.0, similar)
        known = np.zeros(len(named), dtype=bool) if head is None else ~np.isnan(head)
        final = known & (self.heads is not None and self.heads.blended)
        if head is not None:
            blend = (1 - HEAD_TOUCHPOINT_WEIGHT) * similar + HEAD_TOUCHPOINT_WEIGHT * head
            # Heads that weigh the keywords in (heads v4) give the final probability.
            similar = np.where(final, head, np.where(known, blend, similar))
        if learned is not None:
            share, weight = learned
            similar = (1 - weight) * similar + weight * share
        probability = np.where(final, similar, np.maximum(similar, named))
        chosen = np.flatnonzero(probability >= TOUCHPOINT_THRESHOLD)
        notes = []
        for c in chosen:
            code = by.touchpoints.codes[c]
            found = []
            if final[c]:  # the heads' blend: what it read, with the keywords it weighed
                found.append(f"interview heads {probability[c]:.2f}")
            elif similar[c] >= TOUCHPOINT_THRESHOLD:
                found.append(by.note(by.touchpoints, scores[c], nearest[c]))
            if code in keyword:
                found.append(f"keywords {phrases(hits, code)}")
            elif (
                any(h.code == code for h in asked)
                if final[c]
                else similar[c] < TOUCHPOINT_THRESHOLD
            ):
                found.append(f"asked about {phrases(asked, code)}")
            notes.append(f"touchpoint {code}: {', '.join(found)}")
        # With none chosen, the confidence is that there is none: 1 - the likeliest touchpoint.
        confidence = probability[chosen].min() if chosen.size else 1 - probability.max()
        return {
            "touchpoints": ";".join(by.touchpoints.codes[c] for c in chosen),
            "touchpoint_confidence": round(float(confidence), 3),
            "evidence": "; ".join(notes),
        }
