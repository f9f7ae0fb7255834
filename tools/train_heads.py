"""Train the interview heads (``coding/data/interview-heads.npz``) on the coded corpus.

Usage: ``python tools/train_heads.py [--corpus DIR] [--out FILE] [--fixed]``
(needs the ``train`` and ``semantic`` extras). ``--fixed`` fits with the default ``Settings``,
which rebuilds the shipped heads (3 minutes); without it each setting is chosen again by
cross-validation first (30 minutes on this 2-core machine).

Data: every transcript under ``tests/data/corpus/<industry>/`` and its codes in
``tests/data/corpus/codes/*.csv`` (the first coder; ``second/`` is only for agreement). Features
are the semantic coder's own (``heads.features``): the answer's word vectors, the question before
it read by the sentence model, position and length (the stage head also the word vectors of the
answers just before and after, ``heads.stage_features``, since heads v7); every head also
reads the answer's word uni- and bigrams (TF-IDF, vocabulary from the corpus; the stage head
since heads v8). Models are
scikit-learn logistic regressions (stage: multinomial over the stages and "no stage";
touchpoints: one per code; emotion: multinomial) and a ridge regression for valence, with
balanced classes. Since heads v4 the touchpoint, emotion and valence heads (and since v8 the
stage head) also read the turn's context (``heads.ContextTerms``: the codebook's keyword
matches in the answer, the question and the previous answer, and the question's and previous
answer's words), and the touchpoints'
final probability is a per-touchpoint logistic blend of the head with the keyword matches, fitted
on the head's held-out-industry probabilities (``fit_blend``). Each C is chosen by
cross-validation grouped by industry (folds of whole industries held out: CV_FOLDS for stage and
touchpoints, four for emotion and valence, whose fits carry the GoEmotions comments too), so the
choice rewards what carries to a new domain. Nothing here reads the gold studies;
``benchmarks/bench_corpus.py`` scores the shipped heads on them.

How much more corpus would buy (2026-12-06; four folds of held-out industries, each trained on a
quarter, half, three quarters or all of its training industries): stage head macro-F1 0.653,
0.669, 0.680, 0.685; an emotion head on the features alone 0.275, 0.296, 0.313, 0.325. Each
doubling of the corpus adds about 0.015 to stage and 0.03 to emotion as heads alone, less in
the whole coder.

Character n-grams (3-5 within words, 60,000 of them) beside the word n-grams, measured the same
way (four folds of held-out industries, heads alone, with the context part): touchpoint
micro-F1 0.710 -> 0.713, emotion macro-F1 0.470 -> 0.480. Not adopted: it would need a second
vocabulary at run time and a larger heads file for gains within a fold's noise.

The answer read by the sentence model instead of its word vectors (2026-12-06; heads alone,
held-out industries: touchpoints eight folds, emotion and valence four; same C): touchpoint
micro-F1 0.711 -> 0.707, emotion macro-F1 0.463 -> 0.463, valence r 0.661 -> 0.670; both vectors
side by side 0.705 / 0.465 / 0.671. Not adopted: what the frozen sentence model adds to the
words and the context is within a fold's noise, and the coder would have to run it on every
answer (the word-vector cascade halves the cold cost). Per-emotion biases on the emotion head's
log-probabilities, chosen for macro-F1 on three folds' held-out predictions and applied to the
fourth (nested): 0.463 -> 0.468, within the noise; anger and surprise stay the least recalled.

Fine-tuning the sentence model itself on the corpus (2026-12-06, PyTorch in a separate
environment; the top two of MiniLM's six layers trained, question [SEP] answer, multi-task
heads, six epochs chosen on an inner fold; the same four folds of held-out industries): emotion
macro-F1 0.425 (heads 0.463), valence r 0.676 (0.661), touchpoint micro-F1 0.60 (0.709), stage
0.65 (0.72); averaged with a TF-IDF model's emotions 0.461. The whole model trains at about six
minutes an epoch per fold here and gained 0.003-0.01 an epoch at the end: not pursued (the
gaps to the heads on touchpoints and stage are too wide for it to close).

Does grouping the folds by industry flatter the heads? Each corpus coding file is one writer's
and coder's two industries, and industry folds can put a writer's two industries on both sides
(2026-12-06; heads alone, four folds, same C): grouped by writer instead, emotion macro-F1
0.465 (by industry 0.465 at C 3 in ``cv_with_go``), valence r 0.655 (0.661). The question's
words still earn their place across writers: without the question's vector and words, emotion
0.454 and valence 0.642; without the whole context part 0.437 and 0.632. So the interviewer's
phrasing is not a writer's habit the heads memorised, and the settings chosen by industry hold.
Per-touchpoint thresholds instead of the blend's one (each chosen for micro-F1 on seven folds'
held-out probabilities in the whole coder, applied to the eighth, nested): 0.712 -> 0.714, not
adopted.

Do the writers' own neutral boundaries blur the emotion head (the later batches left more turns
neutral)? Each writer's coding file as a one-hot column beside the features, GoEmotions as one
more writer, so the head can put a writer's habit there and not in the words; at prediction the
columns are zero or their mean (2026-12-06; heads alone, four folds of held-out writers, C 3):
emotion macro-F1 0.465 -> 0.465 (zero) / 0.467 (mean), valence r 0.655 -> 0.655. Not adopted:
the writers' habits cost the head nothing it could learn back.

An MLP touchpoint head (2026-12-07; scikit-learn, 256 hidden units, the same sparse features
and context part, one fold of six held-out industries): micro-F1 0.643 alone against the
logistic heads' 0.697 on that fold, 0.702 averaged with them at a threshold chosen on the fold
itself (optimistic). Not adopted.

Does a study's own topic pull the dense features off (domain shift between industries)? Each
industry's mean answer vector and question vector subtracted from its turns (a study's at run
time would be its own), GoEmotions centred on its own mean (2026-12-06; heads alone, the same
folds and settings as ``cv_with_go`` / ``cv_touchpoints``): emotion macro-F1 0.463 -> 0.460,
valence r 0.661 -> 0.660, touchpoint micro-F1 0.711 -> 0.709. Not adopted: the word and
context parts already carry what transfers, and the centring takes a little of the tone away.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from corpus import read_codes
from goemotions import read_split
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import f1_score

from cjm_research.codebook import load_codebook
from cjm_research.coding.context import question_of
from cjm_research.coding.embeddings import DIMENSION, shared_embedder, shared_word_vectors
from cjm_research.coding.emotion import DEFAULT_MAPPING, LABELS, Tfidf, ngrams
from cjm_research.coding.heads import (
    HEADS_PATH,
    NO_STAGE,
    PREVIOUS_SCALE,
    QUESTION_SCALE,
    TEXT_HEADS,
    ContextTerms,
    Heads,
    Linear,
    TextTerms,
    TurnContext,
    features,
    positions,
    save_heads,
    shipped_heads,
    stage_features,
    turn_context,
)
from cjm_research.coding.rules import RulesCoder
from cjm_research.model import INTERVIEWER, Codebook
from cjm_research.resources import default_codebook_path
from cjm_research.study import load_study

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "corpus"
GOLD = ROOT / "tests" / "data" / "gold"
GOEMOTIONS = ROOT.parent / "shared" / "data" / "goemotions"
VERSION = "8"
#: Folds of whole industries for choosing the stage and touchpoint C (every CV_FOLDS-th industry
#: in sorted order held out together): with 48 industries, one fold per industry takes too long.
CV_FOLDS = 8


def turn_table(study: Path) -> pd.DataFrame:
    """Every participant turn of a study: id, answer, question before it, position, words."""
    rows = []
    for transcript in load_study(study).transcripts:
        turns = transcript.turns
        for i, turn in enumerate(turns):
            if turn.role == INTERVIEWER:
                continue
            q = question_of(turns, i)
            question = "" if q is None else turns[q].text
            rows.append(
                {
                    "segment_id": transcript.segment_id(turn),
                    "industry": transcript.interview_id.split("-")[0],
                    "answer": turn.text,
                    "question": question,
                    "position": float(positions(np.array([i]), len(turns))[0]),
                    "words": len(turn.text.split()),
                }
            )
    return pd.DataFrame(rows)


def feature_matrix(table: pd.DataFrame) -> np.ndarray:
    words, sentences = shared_word_vectors(), shared_embedder()
    answers = words.encode(list(table["answer"]))
    asked = [q for q in table["question"]]
    questions = np.zeros_like(answers)
    have = [n for n, q in enumerate(asked) if q]
    if have:
        questions[have] = sentences.encode([asked[n] for n in have])
    return features(answers, questions, table["position"].to_numpy(), table["words"].to_numpy())


def grouped_folds(groups: np.ndarray, k: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """One fold per group, or ``k`` folds of whole groups (every k-th group in sorted order)."""
    unique = np.unique(groups)
    fold = {g: (n % k if k else n) for n, g in enumerate(unique)}
    of = np.array([fold[g] for g in groups])
    return [(np.flatnonzero(of != f), np.flatnonzero(of == f)) for f in np.unique(of)]


def fit_stage(x: np.ndarray, y: np.ndarray, c: float) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(x, y)


def cv_stage(x: np.ndarray, y: np.ndarray, groups: np.ndarray, cs: list[float]) -> float:
    best = (-1.0, cs[0])
    for c in cs:
        predicted = np.empty(len(y), dtype=object)
        for train, test in grouped_folds(groups, k=CV_FOLDS):
            predicted[test] = fit_stage(x[train], y[train], c).predict(x[test])
        score = f1_score(y, predicted, average="macro")
        print(f"  stage C={c}: held-out-industry macro-F1 {score:.3f}")
        best = max(best, (score, c))
    return best[1]


def fit_touchpoints(
    x: np.ndarray, labels: np.ndarray, c: float
) -> list[LogisticRegression | float]:
    models = []
    for j in range(labels.shape[1]):
        if labels[:, j].sum() < 3:
            models.append(float(labels[:, j].mean()))
            continue
        models.append(
            LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(x, labels[:, j])
        )
    return models


def predict_touchpoints(models: list[LogisticRegression | float], x: np.ndarray) -> np.ndarray:
    return np.column_stack(
        [
            m.predict_proba(x)[:, 1] if not isinstance(m, float) else np.full(len(x), m)
            for m in models
        ]
    )


def cv_touchpoints(x: np.ndarray, labels: np.ndarray, groups: np.ndarray, cs: list[float]) -> float:
    best = (-1.0, cs[0])
    for c in cs:
        probability = np.zeros(labels.shape)
        for train, test in grouped_folds(groups, k=CV_FOLDS):
            probability[test] = predict_touchpoints(
                fit_touchpoints(x[train], labels[train], c), x[test]
            )
        score = f1_score(labels, probability >= 0.5, average="micro")
        print(f"  touchpoints C={c}: held-out-industry micro-F1 {score:.3f}")
        best = max(best, (score, c))
    return best[1]


def goemotions_rows(folder: Path, codebook: Codebook) -> pd.DataFrame:
    """GoEmotions train comments whose labels all map to one codebook emotion, with its valence."""
    split = read_split(folder / "train.tsv")
    valence = codebook.valences
    rows = []
    for text, labels in zip(split["text"], split["labels"], strict=True):
        mapped = {DEFAULT_MAPPING.get(LABELS[i], "") for i in labels}
        if len(mapped) == 1 and (emotion := mapped.pop()) in valence:
            rows.append((text, emotion, valence[emotion]))
    return pd.DataFrame(rows, columns=["text", "emotion", "valence"])


def fit_with_go(
    x: sp.csr_matrix,
    y: np.ndarray,
    go_x: sp.csr_matrix | None,
    go_y: np.ndarray | None,
    go_weight: float,
    setting: float,
    kind: str,
) -> LogisticRegression | Ridge:
    """Emotion (multinomial logistic, ``setting`` its C) or valence (ridge, ``setting`` its
    alpha) on corpus turns plus GoEmotions comments down-weighted to ``go_weight``."""
    xs, ys, ws = [x], [y], [np.ones(len(y))]
    if go_x is not None and go_y is not None:
        xs, ys, ws = [*xs, go_x], [*ys, go_y], [*ws, np.full(len(go_y), go_weight)]
    model = (
        LogisticRegression(C=setting, max_iter=1000, class_weight="balanced")
        if kind == "emotion"
        else Ridge(alpha=setting)
    )
    return model.fit(sp.vstack(xs).tocsr(), np.concatenate(ys), sample_weight=np.concatenate(ws))


def cv_with_go(
    x: sp.csr_matrix,
    y: np.ndarray,
    groups: np.ndarray,
    go_x: sp.csr_matrix | None,
    go_y: np.ndarray | None,
    go_weight: float,
    settings: list[float],
    kind: str,
) -> float:
    """The emotion C or valence alpha with the best held-out-industry macro-F1 or Pearson r on
    corpus turns (four folds of four industries; the comments always in training)."""
    best = (-np.inf, settings[0])
    for setting in settings:
        predicted = np.empty(len(y), dtype=object if kind == "emotion" else float)
        for train, test in grouped_folds(groups, k=4):
            model = fit_with_go(x[train], y[train], go_x, go_y, go_weight, setting, kind)
            predicted[test] = model.predict(x[test])
        if kind == "emotion":
            score = f1_score(y, predicted, average="macro")
        else:
            score = float(np.corrcoef(y.astype(float), predicted.astype(float))[0, 1])
        measure = "macro-F1" if kind == "emotion" else "r"
        print(f"  {kind} {setting}: held-out-industry {measure} {score:.3f}")
        best = max(best, (score, setting))
    return best[1]


@dataclass(frozen=True)
class Settings:
    """What the fit of the heads takes beside the data (chosen by grouped CV in ``main``).

    The defaults are what the shipped heads v6 were fitted with (``--fixed``): the grouped CV's
    choices on the 248-interview corpus (touchpoint C 10: micro-F1 0.710; emotion C 3: macro-F1
    0.465; valence alpha 1: r 0.661), except the stage C, where the CV tied (held-out-industry
    macro-F1 0.669 at C 1, 0.668 at C 3; on 168 interviews 0.666 and 0.662) and the example
    study (the development gold) broke the tie as it did for heads v5 (stage macro-F1 0.778 at
    C 1, 0.789 at C 3).

    Heads v7 changed the stage head only (it also reads the answers either side,
    ``heads.stage_features``; with that input the CV gives 0.687 at C 1, 0.684 at C 3 and 0.676
    at C 10, a tie again, and C 3 was kept), so the shipped file took v7's stage head and kept
    v6's other arrays: a refit reproduces them only to within 0.02 of a weight (the emotion solver
    stops before full convergence), which moved broadband emotion macro-F1 by 0.003, and the
    change was measured alone.

    Heads v8 changed the stage head only again (``--only-stage``): it also reads the answer's
    words and the turn's context, as the other heads do. As a head alone, held-out-industry
    macro-F1 0.684 with the features, 0.707 with the answer's words, 0.718 with the question's
    too, 0.722 with the whole context part; C 1, 3 and 10 give 0.720, 0.722 and 0.722 (C 3
    kept)."""

    stage_c: float = 3.0
    touchpoint_c: float = 10.0
    emotion_c: float = 3.0
    valence_alpha: float = 1.0
    go_weight: float = 0.03
    #: The stage head also reads the answer's words (``heads.TextTerms``; since heads v8, as the
    #: other heads always have).
    stage_words: bool = True
    #: The heads that also read the turn's context (``heads.ContextTerms``).
    context: tuple[str, ...] = ("stage", "touchpoints", "emotion", "valence")
    #: Fit the touchpoints' final blend with the keywords (``ContextTerms.blend``).
    blend: bool = True


@dataclass
class Corpus:
    """The coded corpus turns as the heads read them, and the GoEmotions comments."""

    table: pd.DataFrame
    x: np.ndarray  # heads.features of every turn
    context: TurnContext  # what surrounds every turn (question, previous answer, keywords)
    go: pd.DataFrame | None = None  # GoEmotions comments: text, emotion, valence
    go_x: np.ndarray | None = None  # their features (no question before a comment)

    @property
    def groups(self) -> np.ndarray:
        return self.table["industry"].to_numpy()

    @property
    def stage_x(self) -> np.ndarray:
        """The stage head's input: ``x`` with the answers before and after in each interview."""
        interviews = self.table["segment_id"].str.rsplit(":", n=1).str[0].to_numpy()
        return stage_features(self.x, DIMENSION, interviews)


def head_classes(codebook: Codebook) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The touchpoint head's classes (codebook order) and the emotion head's (sorted, as
    scikit-learn orders a multinomial's classes)."""
    return tuple(c.id for c in codebook.touchpoints), tuple(sorted(c.id for c in codebook.emotions))


def corpus_context(corpus: Path, codebook: Codebook, ids: list[str]) -> TurnContext:
    """The context of the corpus turns ``ids`` (segment ids), as the coder reads it."""
    rules = RulesCoder(codebook)
    parts, order = [], []
    for transcript in load_study(corpus).transcripts:
        rows = [i for i, t in enumerate(transcript.turns) if t.role != INTERVIEWER]
        parts.append(turn_context(head_classes(codebook), rules, transcript.turns, rows))
        order += [transcript.segment_id(transcript.turns[i]) for i in rows]
    where = {sid: n for n, sid in enumerate(order)}
    return TurnContext.concat(parts).subset(np.array([where[sid] for sid in ids]))


def load_corpus(corpus: Path, codebook: Codebook, goemotions: Path | None) -> Corpus:
    table = turn_table(corpus)
    codes = read_codes(corpus).reset_index(drop=True)
    codes["valence"] = pd.to_numeric(codes["valence"], errors="coerce")
    table = table.merge(codes, on="segment_id", how="inner").reset_index(drop=True)
    x = feature_matrix(table)
    context = corpus_context(corpus, codebook, list(table["segment_id"]))
    go = go_x = None
    if goemotions is not None and goemotions.is_dir():
        go = goemotions_rows(goemotions, codebook)
        go_x = features(
            shared_word_vectors().encode(list(go["text"])),
            np.zeros((len(go), DIMENSION), dtype=np.float32),  # no question before a comment
            np.full(len(go), 0.5),
            go["text"].str.split().str.len().to_numpy(),
        )
    return Corpus(table, x, context, go, go_x)


def touchpoint_labels(table: pd.DataFrame, tp_ids: tuple[str, ...]) -> np.ndarray:
    sets = [set(filter(None, t.split(";"))) for t in table["touchpoints"]]
    labels = np.array([[code in s for code in tp_ids] for s in sets], dtype=int)
    return labels.reshape(len(table), len(tp_ids))


def vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer=ngrams, sublinear_tf=True, min_df=2)


@dataclass
class Design:
    """The heads' inputs for some corpus turns: the features with the answer's TF-IDF, and the
    context part (keyword block, the question's TF-IDF, the previous answer's), as fitted on
    the training turns."""

    answers: TfidfVectorizer
    questions: TfidfVectorizer
    base: sp.csr_matrix  # features + answer terms
    context: sp.csr_matrix  # keyword block + question terms + previous answer terms

    @classmethod
    def fit(cls, data: Corpus, rows: np.ndarray) -> Design:
        answers = vectorizer().fit(data.table["answer"].iloc[rows])
        questions = vectorizer().fit(data.table["question"].iloc[rows])
        return cls(answers, questions, *cls.blocks(answers, questions, data, rows))

    @staticmethod
    def blocks(
        answers: TfidfVectorizer, questions: TfidfVectorizer, data: Corpus, rows: np.ndarray
    ) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        table, c = data.table.iloc[rows], data.context.subset(rows)
        base = sp.hstack([sp.csr_matrix(data.x[rows]), answers.transform(table["answer"])])
        context = sp.hstack(
            [
                sp.csr_matrix(c.keyword_block()),
                QUESTION_SCALE * questions.transform(c.questions),
                PREVIOUS_SCALE * answers.transform(c.previous),
            ]
        )
        return base.tocsr(), context.tocsr()

    def matrix(self, with_context: bool) -> sp.csr_matrix:
        return sp.hstack([self.base, self.context]).tocsr() if with_context else self.base

    def stage_matrix(self, stage_x: np.ndarray, words: bool, with_context: bool) -> sp.csr_matrix:
        """The stage head's input for the design's rows: ``stage_x`` (``Corpus.stage_x`` of those
        rows) in place of the features, then the answer's words and the context part."""
        answer_terms = self.base[:, self.base.shape[1] - len(self.answers.vocabulary_) :]
        blocks = [sp.csr_matrix(stage_x), *([answer_terms] if words else [])]
        return sp.hstack(blocks + ([self.context] if with_context else [])).tocsr()

    def go_matrix(self, data: Corpus, with_context: bool) -> sp.csr_matrix | None:
        if data.go is None or data.go_x is None:
            return None
        blocks = [sp.csr_matrix(data.go_x), self.answers.transform(data.go["text"])]
        if with_context:  # a comment has no question, previous answer or keyword context
            blocks.append(sp.csr_matrix((len(data.go), self.context.shape[1])))
        return sp.hstack(blocks).tocsr()


def fit_blend(probability: np.ndarray, context: TurnContext, labels: np.ndarray) -> np.ndarray:
    """Per touchpoint, a logistic over [named in the answer, keyword weight, named by the
    question, the head's logit] fitted on held-out head probabilities; the bias shifted so that
    0.5 is the threshold with the best micro-F1 of the blend (``ContextTerms.blend``)."""
    p = np.clip(probability, 1e-4, 1 - 1e-4)
    logit = np.log(p / (1 - p))
    named, asked = context.touchpoints, context.asked
    blend = np.zeros((labels.shape[1], 5))
    final = np.zeros(labels.shape)
    for j in range(labels.shape[1]):
        x = np.column_stack([named[:, j] > 0, named[:, j], asked[:, j] > 0, logit[:, j]])
        if 0 < labels[:, j].sum() < len(labels):
            model = LogisticRegression(C=1.0, max_iter=2000).fit(x, labels[:, j])
            blend[j] = [*model.coef_[0], model.intercept_[0]]
        else:
            blend[j] = [0, 0, 0, 1, 0]
        final[:, j] = 1 / (1 + np.exp(-(x @ blend[j, :4] + blend[j, 4])))
    grid = np.arange(0.25, 0.71, 0.025)
    scores = [f1_score(labels, final >= t, average="micro") for t in grid]
    threshold = float(grid[int(np.argmax(scores))])
    blend[:, 4] -= np.log(threshold / (1 - threshold))
    return blend


def fit_heads(
    data: Corpus, codebook: Codebook, settings: Settings, rows: np.ndarray | None = None
) -> Heads:
    """The four heads fitted on the corpus turns ``rows`` (all when None) with ``settings``."""
    rows = np.arange(len(data.table)) if rows is None else np.asarray(rows)
    table, x = data.table.iloc[rows].reset_index(drop=True), data.x[rows]
    stages = np.array([s or NO_STAGE for s in table["stage"]])
    tp_ids, emotion_ids = head_classes(codebook)
    tp_labels = touchpoint_labels(table, tp_ids)
    design = Design.fit(data, rows)
    uses = {n: n in settings.context for n in TEXT_HEADS}
    stage_x = design.stage_matrix(data.stage_x[rows], settings.stage_words, uses["stage"])
    stage = fit_stage(stage_x, stages, settings.stage_c)
    tp_x = design.matrix(uses["touchpoints"])
    tp_models = fit_touchpoints(tp_x, tp_labels, settings.touchpoint_c)
    blend = None
    if settings.blend and uses["touchpoints"]:
        held_out = np.zeros(tp_labels.shape)  # the head's probabilities, industries held out
        for train, test in grouped_folds(data.groups[rows], k=4):
            inner = Design.fit(data, rows[train])
            _, context = Design.blocks(inner.answers, inner.questions, data, rows[test])
            base, _ = Design.blocks(inner.answers, inner.questions, data, rows[test])
            models = fit_touchpoints(inner.matrix(True), tp_labels[train], settings.touchpoint_c)
            held_out[test] = predict_touchpoints(models, sp.hstack([base, context]).tocsr())
        blend = fit_blend(held_out, data.context.subset(rows), tp_labels)
    emotions = table["emotion"].to_numpy()
    valences = table["valence"].fillna(0).to_numpy()
    go_emotion = go_valence = None
    if data.go is not None:
        go_emotion, go_valence = data.go["emotion"].to_numpy(), data.go["valence"].to_numpy()
    emotion = fit_with_go(
        design.matrix(uses["emotion"]), emotions, design.go_matrix(data, uses["emotion"]),
        go_emotion, settings.go_weight, settings.emotion_c, "emotion",
    )  # fmt: skip
    assert tuple(emotion.classes_) == emotion_ids, "every emotion must be in the training turns"
    valence = fit_with_go(
        design.matrix(uses["valence"]), valences, design.go_matrix(data, uses["valence"]),
        go_valence, settings.go_weight, settings.valence_alpha, "valence",
    )  # fmt: skip
    tp_weights = np.column_stack(
        [m.coef_[0] if not isinstance(m, float) else np.zeros(tp_x.shape[1]) for m in tp_models]
    )
    tp_bias = np.array(
        [
            m.intercept_[0]
            if not isinstance(m, float)
            else np.log(max(m, 1e-4) / (1 - max(m, 1e-4)))
            for m in tp_models
        ]
    )
    parts = split_weights(
        {
            "stage": stage.coef_.T,
            "touchpoints": tp_weights,
            "emotion": emotion.coef_.T,
            "valence": valence.coef_.reshape(-1, 1),
        },
        design,
        settings,
        {"stage": data.stage_x.shape[1]} | {n: x.shape[1] for n in TEXT_HEADS if n != "stage"},
    )
    text, context = parts.terms(design, blend)
    return Heads(
        stage=Linear(tuple(stage.classes_), parts.features["stage"], stage.intercept_),
        touchpoints=Linear(tp_ids, parts.features["touchpoints"], tp_bias),
        emotion=Linear(emotion_ids, parts.features["emotion"], emotion.intercept_),
        valence=Linear(("valence",), parts.features["valence"], np.array([valence.intercept_])),
        version=VERSION,
        text=text,
        context=context,
    )


def fit_stage_alone(
    data: Corpus, settings: Settings, rows: np.ndarray, x: np.ndarray | None = None
) -> tuple[Linear, TextTerms, ContextTerms | None]:
    """The stage head fitted on the corpus turns ``rows`` with ``settings``: its feature part
    (over ``x``, by default ``Corpus.stage_x``), and its word and context parts in the
    vocabularies of those rows (the parts of no other head)."""
    x = data.stage_x if x is None else x
    design = Design.fit(data, rows)
    stages = np.array([s or NO_STAGE for s in data.table["stage"].iloc[rows]])
    uses = "stage" in settings.context
    model = fit_stage(
        design.stage_matrix(x[rows], settings.stage_words, uses), stages, settings.stage_c
    )
    parts = split_weights({"stage": model.coef_.T}, design, settings, {"stage": x.shape[1]})
    text, context = parts.terms(design, None)
    return Linear(tuple(model.classes_), parts.features["stage"], model.intercept_), text, context


def refit_stage(data: Corpus, settings: Settings, heads: Heads) -> Heads:
    """``heads`` with the stage head refitted on the whole corpus with ``settings``, its word and
    context parts added to ``heads``' own (same corpus, so the same vocabularies: checked). A
    change to the stage head alone is measured alone: a full refit moves the other heads too
    (see ``Settings``)."""
    stage, text, context = fit_stage_alone(data, settings, np.arange(len(data.table)))
    assert heads.text is not None and text.tfidf.index == heads.text.tfidf.index, "vocabulary"
    words = {n: w for n, w in heads.text.weights.items() if n != "stage"} | text.weights
    merged = heads.context
    if merged is None:
        merged = context
    else:  # the other heads' context parts as they were, the stage head's new (or none)
        assert context is None or context.question.index == merged.question.index, "vocabulary"
        merged = replace(
            merged,
            **{
                part: {n: w for n, w in getattr(merged, part).items() if n != "stage"}
                | (getattr(context, part) if context is not None else {})
                for part in ("keywords", "questions", "previous")
            },
        )
    return replace(
        heads,
        stage=stage,
        version=VERSION,
        text=replace(heads.text, weights=words),
        context=merged,
    )


@dataclass
class Parts:
    """A fit's weights split by what they read: the features, the answer's words, the context."""

    features: dict[str, np.ndarray]
    words: dict[str, np.ndarray]
    context: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # keywords, question, previous

    def terms(
        self, design: Design, blend: np.ndarray | None
    ) -> tuple[TextTerms, ContextTerms | None]:
        """The heads' word and context parts, in ``design``'s vocabularies."""
        q = design.questions
        text = TextTerms(
            Tfidf.build(design.answers.get_feature_names_out().tolist(), design.answers.idf_),
            self.words,
        )
        if not self.context:
            return text, None
        return text, ContextTerms(
            Tfidf.build(q.get_feature_names_out().tolist(), q.idf_),
            *({n: c[part] for n, c in self.context.items()} for part in range(3)),
            blend,
        )


def split_weights(
    weights: dict[str, np.ndarray], design: Design, settings: Settings, features: dict[str, int]
) -> Parts:
    """Each head's fitted weights (rows: its input's columns) split into its parts: the first
    ``features[name]`` rows, then the answer's n-grams, then the context part (keyword block,
    question n-grams, previous answer's n-grams) for the heads in ``settings.context``."""
    v, q = len(design.answers.vocabulary_), len(design.questions.vocabulary_)
    k = design.context.shape[1] - q - v  # the keyword block
    out = Parts({}, {}, {})
    for name, w in weights.items():
        d = features[name]
        out.features[name] = w[:d]
        if name != "stage" or settings.stage_words:
            out.words[name], d = w[d : d + v], d + v
        if name in settings.context:
            c = w[d:]
            out.context[name] = (c[:k], c[k : k + q], c[k + q :])
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, default=HEADS_PATH)
    parser.add_argument("--C", type=float, nargs="+", default=[0.3, 1.0, 3.0, 10.0])
    parser.add_argument("--goemotions", type=Path, default=GOEMOTIONS)
    parser.add_argument("--go-weight", type=float, default=Settings.go_weight)
    parser.add_argument(
        "--fixed", action="store_true", help="skip the cross-validation: the default Settings"
    )
    parser.add_argument(
        "--only-stage", action="store_true",
        help="refit the stage head alone (default Settings) into the heads file at --out",
    )  # fmt: skip
    args = parser.parse_args(argv)
    codebook = load_codebook(default_codebook_path())
    if args.only_stage:
        shipped = shipped_heads.__wrapped__(args.out)
        if shipped is None:
            parser.error(f"{args.out}: no heads file to refit the stage head of")
        data = load_corpus(args.corpus, codebook, None)
        save_heads(refit_stage(data, Settings(), shipped), args.out)
        print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KB)")
        return 0
    data = load_corpus(args.corpus, codebook, args.goemotions)
    table, groups = data.table, data.groups
    print(f"{len(table)} coded turns from {table['industry'].nunique()} industries")
    settings = Settings(go_weight=args.go_weight)
    if not args.fixed:
        stages = np.array([s or NO_STAGE for s in table["stage"]])
        # The vocabularies from the whole corpus here (the choice of C only); per fold in
        # fit_heads' own held-out blend.
        everything = Design.fit(data, np.arange(len(table)))
        print(f"{len(everything.answers.vocabulary_)} answer and "
              f"{len(everything.questions.vocabulary_)} question uni- and bigrams")  # fmt: skip
        uses = {n: n in settings.context for n in TEXT_HEADS}
        stage_x = everything.stage_matrix(data.stage_x, settings.stage_words, uses["stage"])
        c_stage = cv_stage(stage_x, stages, groups, args.C)
        tp_labels = touchpoint_labels(table, head_classes(codebook)[0])
        c_tp = cv_touchpoints(everything.matrix(uses["touchpoints"]), tp_labels, groups, args.C)
        go_emotion = go_valence = None
        if data.go is not None:
            go_emotion, go_valence = data.go["emotion"].to_numpy(), data.go["valence"].to_numpy()
            print(f"+ {len(data.go)} GoEmotions comments for emotion and valence "
                  f"(weight {args.go_weight})")  # fmt: skip
        c_emotion = cv_with_go(
            everything.matrix(uses["emotion"]), table["emotion"].to_numpy(), groups,
            everything.go_matrix(data, uses["emotion"]), go_emotion, args.go_weight, [1.0, 3.0],
            "emotion",
        )  # fmt: skip
        alpha = cv_with_go(
            everything.matrix(uses["valence"]), table["valence"].fillna(0).to_numpy(), groups,
            everything.go_matrix(data, uses["valence"]), go_valence, args.go_weight,
            [1.0, 3.0, 10.0], "valence",
        )  # fmt: skip
        settings = replace(
            settings, stage_c=c_stage, touchpoint_c=c_tp, emotion_c=c_emotion, valence_alpha=alpha
        )
    print(f"fitting on the whole corpus: {settings}")
    heads = fit_heads(data, codebook, settings)
    save_heads(heads, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
