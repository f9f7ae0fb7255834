"""Interview heads: small linear models that read a participant turn the way coders of interview
talk do, trained on the coded interview corpus (``tests/data/corpus``) by ``tools/train_heads.py``.

Each head reads the same features the semantic coder already has for a turn: the answer's word
vectors, the interviewer's question before it (sentence model), where the turn falls in the
interview and how long it is (the stage head also the answers around it). Every head also
reads the answer's words (the stage head since heads v8): uni- and bigrams weighed by TF-IDF
(``TextTerms``), which carry what averaged word vectors lose ("nobody told me", "still waiting",
"rang them"). The stage head gives one probability per
stage (and "no stage"), the touchpoint head one per touchpoint, the emotion head one per
emotion, the valence head a number in [-1, 1]. Weights ship in
``coding/data/interview-heads.npz`` (numpy only at run time).

The heads know the default codebook's code ids; a study codebook uses them for the codes whose
ids it shares (a renamed or new code is read from the codebook alone, as before).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from cjm_research.coding.context import question_of
from cjm_research.coding.emotion import CodebookReading, Tfidf, softmax, words
from cjm_research.coding.keywords import Keywords
from cjm_research.coding.rules import RulesCoder
from cjm_research.model import INTERVIEWER, Turn

HEADS_PATH = Path(__file__).resolve().parent / "data" / "interview-heads.npz"
#: The "no stage" class of the stage head (introductions, closing talk, life context).
NO_STAGE = "(none)"

#: How much the interview heads count in the semantic coder: the stage head's probabilities are an
#: expert multiplied in with this power; the touchpoint head's probability is averaged with the
#: similarity with this weight; valence is this mix of the head and the emotion model (1.0: the
#: head's alone, and no keyword pull after it; example gold valence r 0.548 -> 0.624); the head's
#: emotion wins when its probability beats the model's confidence times EMOTION_EDGE. Chosen on
#: the example study (the development gold), never on the test gold (``benchmarks/bench_corpus.py``
#: prints both). Heads with a fitted blend (``Heads.blended``) give the touchpoints' final
#: probability themselves (keyword matches weighed in by a blend fitted on the corpus):
#: HEAD_TOUCHPOINT_WEIGHT then serves only touchpoints the heads do not know. The head's emotion
#: is its most probable one: deciding the polarity first (negative, neutral or positive emotions'
#: summed probability), then the emotion within it, gave 0.448 against 0.466 macro-F1 on the
#: corpus's held-out industries, and called 44 % of turns negative where the coders called 32 %.
#: The stage power was refitted for heads v8, whose stage head reads the question and the answers
#: around, on the corpus's held-out industries (the whole coder, each fold's own stage head):
#: stage macro-F1 0.708, 0.727, 0.737, 0.742, 0.738 at powers 0.7, 1, 1.5, 2, 3; the
#: question's pull (``context.QUESTION_WEIGHT``) lowered from 0.7 to 0.5 or 0.3 as well added
#: 0.001 to 0.003, within the noise, and would have changed the rules coder too: kept.
HEAD_STAGE_WEIGHT = 2.0
HEAD_TOUCHPOINT_WEIGHT = 0.7
HEAD_VALENCE_WEIGHT = 1.0
HEAD_EMOTION_EDGE = 0.7
#: A turn's valence leans this far towards its neighbours' (the answers before and after it):
#: feelings run in episodes (in the corpus a negative turn follows a negative one 54 % of the
#: time, any other 23 %). Chosen on the corpus's held-out-industry valence predictions (r 0.666
#: -> 0.681 at 0.2, the best of 0 to 0.4); the example study moved 0.668 -> 0.693. Leaning the
#: emotion head's probabilities the same way was measured with every head held out
#: (``tools/stage_heldout.py --all-heads``): emotion macro-F1 0.473 / 0.475 / 0.472 / 0.466 at
#: 0 / 0.1 / 0.2 / 0.3, so emotions do not lean. There too HEAD_EMOTION_EDGE 0.7 is the best of
#: 0 / 0.4 / 0.7 / 1 / 1.5 (0.466 / 0.468 / 0.473 / 0.452 / 0.402). A logistic regression over
#: both models' log-probabilities in place of the rule, fitted on seven folds' held-out readings
#: and scored on the eighth (2026-12-07, the emotion decision alone): macro-F1 0.466 (balanced
#: classes 0.400) against the rule's 0.475 on the same readings.
#: A turn's valence is not forced to agree with its emotion: on the corpus's held-out
#: industries (2026-12-07) the valence given the emotion's sign and at least 0 / 0.25 / 0.5 of its
#: codebook valence (a neutral turn's clipped to [-0.2, 0.3]) has r 0.675 / 0.657 / 0.621
#: against 0.682 as read: the emotion's errors would carry into the valence.
NEIGHBOUR_VALENCE = 0.2


def lean_to_neighbours(
    values: np.ndarray, speakers: list[str] | None = None, weight: float = NEIGHBOUR_VALENCE
) -> np.ndarray:
    """Each of a transcript's ``values`` (in turn order) moved ``weight`` of the way towards the
    mean of the values before and after it (the one neighbour at either end). With ``speakers``
    (one per value: a group interview) each participant leans towards their own answers only."""
    values = np.asarray(values, dtype=np.float64)
    if speakers is not None and len(set(speakers)) > 1:
        out, who = values.copy(), np.asarray(speakers)
        for speaker in set(speakers):
            out[who == speaker] = lean_to_neighbours(values[who == speaker], weight=weight)
        return out
    if len(values) < 2:
        return values
    before = np.concatenate([values[1:2], values[:-1]])  # the first has only the next
    after = np.concatenate([values[1:], values[-2:-1]])  # the last only the previous
    return (1 - weight) * values + weight * (before + after) / 2


def positions(indices: np.ndarray, turns: int) -> np.ndarray:
    """Where turns fall in an interview of ``turns`` turns: 0 … 1, the middle of a turn's slot
    (a one-turn transcript is all middle, neither opening nor closing talk)."""
    return (np.asarray(indices, dtype=np.float32) + 0.5) / max(1, turns)


def features(
    answers: np.ndarray, questions: np.ndarray, position: np.ndarray, words: np.ndarray
) -> np.ndarray:
    """The heads' input: answer vectors, question vectors (zeros when no question came before),
    the relative position in the interview (:func:`positions`) and log word count."""
    position = np.asarray(position, dtype=np.float32).reshape(-1, 1)
    length = np.log1p(np.asarray(words, dtype=np.float32)).reshape(-1, 1) / 5
    edges = np.hstack([position, position**2, (position < 0.08), (position > 0.92)])
    return np.hstack([answers, questions, edges, length]).astype(np.float32)


#: The stage head (heads v7) also reads the word vectors of the answers just before and after,
#: at this scale: a stage runs over several answers. On the corpus's held-out industries (eight
#: folds, each fold's stage head in the whole coder) stage macro-F1 went 0.692 -> 0.700; 1.0, or
#: two answers either side, gave 0.698. The interviewer's follow-up question too gave 0.708 there
#: but fell on both gold studies (broadband 0.715 -> 0.668, example 0.788 -> 0.780): follow-ups
#: are the corpus writers' habit more than interview talk's. Not adopted. Heads v8's stage head
#: also reads the answer's words and the turn's context (``TextTerms``, ``ContextTerms``) as the
#: other heads do: 0.700 -> 0.727 there, broadband 0.715 -> 0.741, example 0.788 -> 0.797.
NEIGHBOUR_SCALE = 0.5


def stage_features(x: np.ndarray, dimension: int, groups: np.ndarray | None = None) -> np.ndarray:
    """The stage head's input: ``x`` (:func:`features`, rows in turn order) and, scaled, the answer
    vectors (its first ``dimension`` columns) of the rows before and after; zeros where the
    interview (``groups``: each row's; None: all one) begins or ends."""
    answers = x[:, :dimension]
    same = np.ones(max(len(x) - 1, 0), bool) if groups is None else groups[1:] == groups[:-1]
    before, after = np.zeros_like(answers), np.zeros_like(answers)
    before[1:][same], after[:-1][same] = answers[:-1][same], answers[1:][same]
    return np.hstack([x, NEIGHBOUR_SCALE * before, NEIGHBOUR_SCALE * after]).astype(np.float32)


@dataclass(frozen=True)
class Linear:
    """One linear head: class names, weights (features × classes) and bias."""

    classes: tuple[str, ...]
    weights: np.ndarray
    bias: np.ndarray

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Raw scores, one column per class."""
        return x @ self.weights + self.bias

    def columns(self, wanted: tuple[str, ...], probabilities: np.ndarray) -> np.ndarray:
        """``probabilities`` re-ordered to ``wanted``; a class the head does not know is NaN."""
        index = {c: n for n, c in enumerate(self.classes)}
        out = np.full((len(probabilities), len(wanted)), np.nan)
        for j, code in enumerate(wanted):
            if code in index:
                out[:, j] = probabilities[:, index[code]]
        return out


#: The heads that may also read the answer's words (``TextTerms``) and the turn's context
#: (``ContextTerms``), in the order their weights stack; the stage head does since heads v8.
TEXT_HEADS = ("stage", "touchpoints", "emotion", "valence")


@dataclass(frozen=True)
class TextTerms:
    """The word n-gram part of the heads: per head, weights over the TF-IDF of the answer's uni-
    and bigrams, added to its weights over the features."""

    tfidf: Tfidf
    weights: dict[str, np.ndarray]  # head name (TEXT_HEADS) -> terms × the head's classes

    @cached_property
    def _stacked(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        # One matrix for all heads, so the answers' terms are looked up once (stacked once: it
        # is 38k terms × 36 classes, a millisecond per transcript when rebuilt every time).
        names = [n for n in TEXT_HEADS if n in self.weights]
        bounds = np.cumsum([0] + [self.weights[n].shape[1] for n in names])
        return names, np.hstack([self.weights[n] for n in names]), bounds

    def offsets(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Per head, what each text's words add to its logits (texts × classes)."""
        names, stacked, bounds = self._stacked
        tokenised = [words(t) for t in texts]
        out = self.tfidf.logits(tokenised, stacked, np.zeros(stacked.shape[1], dtype=np.float32))
        return {n: out[:, a:b] for n, a, b in zip(names, bounds[:-1], bounds[1:], strict=True)}


#: How much the question's words and the previous answer's words count in the context part,
#: against the answer's own (their TF-IDF rows are scaled by this). Fixed before training, as in
#: the held-out-industry runs that chose the context part (``tools/train_heads.py``).
QUESTION_SCALE = 0.7
PREVIOUS_SCALE = 0.5


@dataclass(frozen=True)
class TurnContext:
    """What surrounds each answer, in the heads' classes: the question before it, the
    participant's previous answer, and the codebook's keyword matches in them (the rules
    coder's): ``touchpoints`` / ``previous_touchpoints`` the keyword weight of each touchpoint
    in the answer / the previous answer, ``asked`` whether the question names it (0/1);
    ``emotions`` / ``denied`` the weight of each emotion's plain / negated keywords."""

    questions: list[str]
    previous: list[str]
    touchpoints: np.ndarray  # answers × the touchpoint head's classes
    asked: np.ndarray
    previous_touchpoints: np.ndarray
    emotions: np.ndarray  # answers × the emotion head's classes
    denied: np.ndarray

    @classmethod
    def build(
        cls,
        classes: tuple[tuple[str, ...], tuple[str, ...]],
        questions: list[str],
        previous: list[str],
        keywords: list[dict[str, float]],
        asked: list[set[str]],
        previous_keywords: list[dict[str, float]],
        emotions: list[dict[str, float]],
        denied: list[dict[str, float]],
    ) -> TurnContext:
        """From per-answer code -> weight dicts, in ``classes`` (the touchpoint and emotion
        heads'; a code they do not know is dropped)."""

        def matrix(rows: list[dict[str, float]] | list[set[str]], classes: tuple[str, ...]):
            out = np.zeros((len(rows), len(classes)), dtype=np.float32)
            for n, row in enumerate(rows):
                for j, code in enumerate(classes):
                    if code in row:
                        out[n, j] = row[code] if isinstance(row, dict) else 1.0
            return out

        tp, em = classes
        return cls(
            questions,
            previous,
            matrix(keywords, tp),
            matrix(asked, tp),
            matrix(previous_keywords, tp),
            matrix(emotions, em),
            matrix(denied, em),
        )

    def subset(self, keep: np.ndarray) -> TurnContext:
        """The rows ``keep`` (a boolean mask or indices) only."""
        index = np.arange(len(self.questions))[keep]
        return TurnContext(
            [self.questions[n] for n in index],
            [self.previous[n] for n in index],
            self.touchpoints[index],
            self.asked[index],
            self.previous_touchpoints[index],
            self.emotions[index],
            self.denied[index],
        )

    @staticmethod
    def concat(parts: list[TurnContext]) -> TurnContext:
        """The rows of ``parts``, one after the other."""
        return TurnContext(
            [q for c in parts for q in c.questions],
            [p for c in parts for p in c.previous],
            *(
                np.vstack([getattr(c, name) for c in parts])
                for name in ("touchpoints", "asked", "previous_touchpoints", "emotions", "denied")
            ),
        )

    def keyword_block(self) -> np.ndarray:
        """The keyword part of the context features (answers × 4 touchpoints + 2 emotions)."""
        return keyword_block(
            self.touchpoints, self.asked, self.previous_touchpoints, self.emotions, self.denied
        )


def turn_context(
    classes: tuple[tuple[str, ...], tuple[str, ...]],
    rules: RulesCoder,
    turns: list[Turn],
    rows: list[int],
    found: list[Keywords] | None = None,
) -> TurnContext:
    """The context of the participant turns ``rows`` of ``turns``: the question right before
    each, the participant's previous turn, and the rules coder's keyword matches in them
    (``found``: every turn's ``rules.keywords``, when already read), in ``classes``: the
    touchpoint and emotion heads' (``Heads.classes``)."""
    if found is None:
        found = [rules.keywords(t.text, question=t.role == INTERVIEWER) for t in turns]

    def weights(matches: list, negated: bool | None = None) -> dict[str, float]:
        out: dict[str, float] = {}
        for hit, denied in matches:
            if negated is None or denied == negated:
                out[hit.code] = out.get(hit.code, 0.0) + hit.weight
        return out

    questions, previous, keywords, asked, before, emotions, denied = ([] for _ in range(7))
    for i in rows:
        q = question_of(turns, i)
        p = next((k for k in range(i - 1, -1, -1) if turns[k].role != INTERVIEWER), None)
        questions.append("" if q is None else turns[q].text)
        previous.append(turns[p].text if p is not None else "")
        keywords.append(weights(found[i][1]))
        asked.append(set() if q is None else {h.code for h, _ in found[q][1]})
        before.append(weights(found[p][1]) if p is not None else {})
        emotions.append(weights(found[i][2], negated=False))
        denied.append(weights(found[i][2], negated=True))
    return TurnContext.build(
        classes, questions, previous, keywords, asked, before, emotions, denied
    )


def keyword_block(
    touchpoints: np.ndarray,
    asked: np.ndarray,
    previous_touchpoints: np.ndarray,
    emotions: np.ndarray,
    denied: np.ndarray,
) -> np.ndarray:
    """Keyword matches as features: per touchpoint, named in the answer (0/1 and weight, capped
    at 3), named by the question, named in the previous answer; per emotion, its plain and its
    negated keywords' weight (capped at 2)."""
    return np.hstack(
        [
            touchpoints > 0,
            np.minimum(touchpoints, 3) / 3,
            asked > 0,
            previous_touchpoints > 0,
            np.minimum(emotions, 2) / 2,
            np.minimum(denied, 2) / 2,
        ]
    ).astype(np.float32)


@dataclass(frozen=True)
class ContextTerms:
    """The context part of the text heads: per head, weights over the keyword block, the
    question's uni- and bigrams (their own TF-IDF) and the previous answer's (the answer
    vocabulary's TF-IDF), added to its logits. ``blend``: the touchpoints' final probability,
    per touchpoint a logistic over [named in the answer, its keyword weight, named by the
    question, the head's logit] (rows: touchpoints; columns: those four weights and the bias),
    fitted on held-out-industry head probabilities and shifted so that 0.5 is the threshold."""

    question: Tfidf
    keywords: dict[str, np.ndarray]  # head -> block columns × classes
    questions: dict[str, np.ndarray]  # head -> question terms × classes
    previous: dict[str, np.ndarray]  # head -> answer terms × classes
    blend: np.ndarray | None = None

    def offsets(self, context: TurnContext, answer_terms: Tfidf) -> dict[str, np.ndarray]:
        """Per head, what the context adds to each answer's logits (answers × classes)."""
        block = context.keyword_block()
        asked = [words(q) for q in context.questions]
        before = [words(p) for p in context.previous]
        out = {}
        for name in self.keywords:
            zero = np.zeros(self.keywords[name].shape[1], dtype=np.float32)
            out[name] = (
                block @ self.keywords[name]
                + QUESTION_SCALE * self.question.logits(asked, self.questions[name], zero)
                + PREVIOUS_SCALE * answer_terms.logits(before, self.previous[name], zero)
            )
        return out

    def touchpoints(self, probability: np.ndarray, context: TurnContext) -> np.ndarray:
        """The touchpoints' final probabilities from the head's and the keywords."""
        if self.blend is None:
            return probability
        p = np.clip(probability, 1e-4, 1 - 1e-4)
        named = context.touchpoints
        z = (
            self.blend[:, 0] * (named > 0)
            + self.blend[:, 1] * named
            + self.blend[:, 2] * (context.asked > 0)
            + self.blend[:, 3] * np.log(p / (1 - p))
            + self.blend[:, 4]
        )
        return 1 / (1 + np.exp(-z))


@dataclass(frozen=True)
class Heads:
    """The four heads, as trained together on the corpus."""

    stage: Linear
    touchpoints: Linear
    emotion: Linear
    valence: Linear  # one "class": the valence, a linear regression clipped to [-1, 1]
    version: str
    text: TextTerms | None = None
    context: ContextTerms | None = None

    @property
    def classes(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The touchpoint and the emotion head's classes (what ``TurnContext`` is read in)."""
        return self.touchpoints.classes, self.emotion.classes

    @property
    def blended(self) -> bool:
        """The touchpoint probabilities :meth:`read` gives already weigh the keywords in (the
        coder takes them as they are for the touchpoints the heads know)."""
        return self.context is not None and self.context.blend is not None

    def offsets(
        self, texts: list[str], context: TurnContext | None = None
    ) -> dict[str, np.ndarray]:
        """Per text head, what the answers' words and their context add to its logits."""
        out = self.text.offsets(texts) if self.text is not None else {}
        if self.context is not None and self.text is not None and context is not None:
            for name, offset in self.context.offsets(context, self.text.tfidf).items():
                out[name] = out[name] + offset if name in out else offset
        return out

    def read(
        self, x: np.ndarray, texts: list[str], context: TurnContext | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per row: the stage head's probabilities, the touchpoints', the emotion head's, and
        the valence in [-1, 1], from the features ``x`` of one interview's answers in turn
        order, their ``texts`` and their ``context`` (with it, the touchpoints' are final: the
        keyword matches are weighed in, see ``ContextTerms``)."""
        logits = {n: getattr(self, n).logits(x) for n in TEXT_HEADS if n != "stage"}
        # Heads before v7 read the answer alone for its stage; since v7 also the answers around
        # (two more answer vectors of ``dimension`` columns each).
        dimension = (self.stage.weights.shape[0] - x.shape[1]) // 2
        logits["stage"] = self.stage.logits(stage_features(x, dimension) if dimension else x)
        for name, offset in self.offsets(texts, context).items():
            logits[name] = logits[name] + offset
        touchpoints = 1 / (1 + np.exp(-logits["touchpoints"]))
        if self.context is not None and context is not None:
            touchpoints = self.context.touchpoints(touchpoints, context)
        return (
            softmax(logits["stage"]),
            touchpoints,
            softmax(logits["emotion"]),
            np.clip(logits["valence"][:, 0], -1.0, 1.0),
        )


def _linear(data: np.lib.npyio.NpzFile, name: str) -> Linear:
    return Linear(
        tuple(str(c) for c in data[f"{name}_classes"]),
        data[f"{name}_weights"].astype(np.float32),
        data[f"{name}_bias"].astype(np.float32),
    )


@cache
def shipped_heads(path: Path = HEADS_PATH) -> Heads | None:
    """The shipped heads, or None when the file is absent (a build without the corpus)."""
    if not Path(path).is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        text = None
        if "text_vocabulary" in data:
            text = TextTerms(
                Tfidf.build([str(t) for t in data["text_vocabulary"]], data["text_idf"]),
                {
                    n: data[f"text_{n}"].astype(np.float32)
                    for n in TEXT_HEADS
                    if f"text_{n}" in data
                },
            )
        context = None
        if "context_question_vocabulary" in data:
            names = [n for n in TEXT_HEADS if f"context_{n}_keywords" in data]
            context = ContextTerms(
                Tfidf.build(
                    [str(t) for t in data["context_question_vocabulary"]],
                    data["context_question_idf"],
                ),
                *(
                    {n: data[f"context_{n}_{part}"].astype(np.float32) for n in names}
                    for part in ("keywords", "questions", "previous")
                ),
                data["context_blend"].astype(np.float32) if "context_blend" in data else None,
            )
        return Heads(
            stage=_linear(data, "stage"),
            touchpoints=_linear(data, "touchpoints"),
            emotion=_linear(data, "emotion"),
            valence=_linear(data, "valence"),
            version=str(data["version"]),
            text=text,
            context=context,
        )


#: The word weights (answer, question and previous-answer terms: nearly all of the file) are
#: stored at half precision: heads v5 went from 6.7 to 3.5 MB and both gold studies scored the
#: same to three decimals (``benchmarks/bench_corpus.py``); they load as float32.
WORD_WEIGHTS_DTYPE = np.float16


def save_heads(heads: Heads, path: Path) -> None:
    """Write ``heads`` as the npz :func:`shipped_heads` reads."""
    arrays: dict[str, np.ndarray] = {"version": np.array(heads.version)}
    for name in ("stage", "touchpoints", "emotion", "valence"):
        head: Linear = getattr(heads, name)
        arrays[f"{name}_classes"] = np.array(head.classes)
        arrays[f"{name}_weights"] = head.weights.astype(np.float32)
        arrays[f"{name}_bias"] = head.bias.astype(np.float32)
    if heads.text is not None:
        vocabulary = sorted(heads.text.tfidf.index, key=heads.text.tfidf.index.__getitem__)
        arrays["text_vocabulary"] = np.array(vocabulary)
        arrays["text_idf"] = heads.text.tfidf.idf.astype(np.float32)
        for name, weights in heads.text.weights.items():
            arrays[f"text_{name}"] = weights.astype(WORD_WEIGHTS_DTYPE)
    if heads.context is not None:
        c = heads.context
        vocabulary = sorted(c.question.index, key=c.question.index.__getitem__)
        arrays["context_question_vocabulary"] = np.array(vocabulary)
        arrays["context_question_idf"] = c.question.idf.astype(np.float32)
        for part, weights in (("keywords", c.keywords), ("questions", c.questions),
                              ("previous", c.previous)):  # fmt: skip
            for name, w in weights.items():
                dtype = np.float32 if part == "keywords" else WORD_WEIGHTS_DTYPE
                arrays[f"context_{name}_{part}"] = w.astype(dtype)
        if c.blend is not None:
            arrays["context_blend"] = c.blend.astype(np.float32)
    np.savez_compressed(path, **arrays)


@dataclass
class HeadReading:
    """The interview heads' reading of one transcript's answers, in the codebook's columns."""

    stage: np.ndarray  # answers × the coder's stage columns (stages, then off-journey)
    touchpoints: np.ndarray  # answers × codebook touchpoints; NaN where the head has none
    emotions: np.ndarray  # answers × codebook emotions; NaN where the head has none
    valence: np.ndarray  # per answer
    emotion_ids: tuple[str, ...]

    def reading(self, j: int, model: CodebookReading) -> CodebookReading:
        """Answer ``j``'s emotion reading: the emotion model's, with the head mixed in."""
        valence = (1 - HEAD_VALENCE_WEIGHT) * model.valence + HEAD_VALENCE_WEIGHT * self.valence[j]
        row = self.emotions[j]
        read = CodebookReading(model.emotion, model.confidence, valence, model.label, False)
        if np.isnan(row).all():
            return read
        best = int(np.nanargmax(row))
        if row[best] >= HEAD_EMOTION_EDGE * model.confidence:
            return CodebookReading(
                self.emotion_ids[best], float(row[best]), valence, "interview", False
            )
        return read
