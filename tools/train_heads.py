"""Train the interview heads (``coding/data/interview-heads.npz``) on the coded corpus.

Usage: ``python tools/train_heads.py [--corpus DIR] [--out FILE] [--report]``
(needs the ``train`` and ``semantic`` extras).

Data: every transcript under ``tests/data/corpus/<industry>/`` and its codes in
``tests/data/corpus/codes/*.csv`` (the first coder; ``second/`` is only for agreement). Features
are the semantic coder's own (``heads.features``): the answer's word vectors, the question before
it read by the sentence model, position and length; the touchpoint, emotion and valence heads
also read the answer's word uni- and bigrams (TF-IDF, vocabulary from the corpus). Models are
scikit-learn logistic regressions (stage: multinomial over the stages and "no stage";
touchpoints: one per code; emotion: multinomial) and a ridge regression for valence, with
balanced classes. Each C is chosen by cross-validation grouped by industry (train on the others,
score the held-out industry; for emotion and valence, whose fits carry the GoEmotions comments
too, four folds of four industries), so the choice rewards what carries to a new domain. Nothing
here reads the gold studies; ``--report`` prints the heads alone on them afterwards, for
information only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from goemotions import read_split
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import f1_score

from cjm_research.codebook import load_codebook
from cjm_research.coding.context import follows_question
from cjm_research.coding.embeddings import DIMENSION, shared_embedder, shared_word_vectors
from cjm_research.coding.emotion import DEFAULT_MAPPING, LABELS, Tfidf, ngrams
from cjm_research.coding.heads import (
    HEADS_PATH,
    NO_STAGE,
    Heads,
    Linear,
    TextTerms,
    features,
    positions,
    save_heads,
)
from cjm_research.model import INTERVIEWER, Codebook
from cjm_research.resources import default_codebook_path
from cjm_research.study import load_study

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "corpus"
GOLD = ROOT / "tests" / "data" / "gold"
VERSION = "3"


def turn_table(study: Path) -> pd.DataFrame:
    """Every participant turn of a study: id, answer, question before it, position, words."""
    rows = []
    for transcript in load_study(study).transcripts:
        turns = transcript.turns
        for i, turn in enumerate(turns):
            if turn.role == INTERVIEWER:
                continue
            question = turns[i - 1].text if follows_question(turns, i) else ""
            rows.append(
                {
                    "segment_id": f"{transcript.interview_id}:{turn.index}",
                    "industry": transcript.interview_id.split("-")[0],
                    "answer": turn.text,
                    "question": question,
                    "position": float(positions(np.array([i]), len(turns))[0]),
                    "words": len(turn.text.split()),
                }
            )
    return pd.DataFrame(rows)


def read_codes(files: list[Path]) -> pd.DataFrame:
    frames = [pd.read_csv(f, dtype=str, keep_default_na=False) for f in files]
    codes = pd.concat(frames, ignore_index=True)
    codes["valence"] = pd.to_numeric(codes["valence"], errors="coerce")
    return codes


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
        for train, test in grouped_folds(groups):
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
        for train, test in grouped_folds(groups):
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
    valence = {c.id: c.valence or 0.0 for c in codebook.emotions}
    rows = []
    for text, labels in zip(split["text"], split["labels"], strict=True):
        mapped = {DEFAULT_MAPPING.get(LABELS[i], "") for i in labels}
        if len(mapped) == 1 and (emotion := mapped.pop()) in valence:
            rows.append((text, emotion, valence[emotion]))
    return pd.DataFrame(rows, columns=["text", "emotion", "valence"])


def fit_with_comments(
    x: sp.csr_matrix,
    y: np.ndarray,
    groups: np.ndarray,
    go_x: sp.csr_matrix | None,
    go_y: np.ndarray | None,
    go_weight: float,
    settings: list[float],
    kind: str,
) -> LogisticRegression | Ridge:
    """Emotion (multinomial) or valence (ridge) on the corpus plus down-weighted GoEmotions
    comments; the setting chosen by held-out-industry macro-F1 or Pearson r on corpus turns."""

    def fit(rows: np.ndarray, setting: float) -> LogisticRegression | Ridge:
        xs, ys, ws = [x[rows]], [y[rows]], [np.ones(len(rows))]
        if go_x is not None and go_y is not None:
            xs, ys, ws = [*xs, go_x], [*ys, go_y], [*ws, np.full(len(go_y), go_weight)]
        model = (
            LogisticRegression(C=setting, max_iter=1000, class_weight="balanced")
            if kind == "emotion"
            else Ridge(alpha=setting)
        )
        return model.fit(
            sp.vstack(xs).tocsr(), np.concatenate(ys), sample_weight=np.concatenate(ws)
        )

    best = (-np.inf, settings[0])
    for setting in settings:
        predicted = np.empty(len(y), dtype=object if kind == "emotion" else float)
        for train, test in grouped_folds(groups, k=4):
            predicted[test] = fit(train, setting).predict(x[test])
        if kind == "emotion":
            score = f1_score(y, predicted, average="macro")
        else:
            score = float(np.corrcoef(y.astype(float), predicted.astype(float))[0, 1])
        measure = "macro-F1" if kind == "emotion" else "r"
        print(f"  {kind} {setting}: held-out-industry {measure} {score:.3f}")
        best = max(best, (score, setting))
    return fit(np.arange(len(y)), best[1])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, default=HEADS_PATH)
    parser.add_argument("--C", type=float, nargs="+", default=[0.3, 1.0, 3.0, 10.0])
    parser.add_argument("--goemotions", type=Path, default=ROOT.parent / "shared/data/goemotions")
    parser.add_argument("--go-weight", type=float, default=0.03)
    args = parser.parse_args(argv)
    codebook = load_codebook(default_codebook_path())
    table = turn_table(args.corpus)
    codes = read_codes(sorted((args.corpus / "codes").glob("*.csv")))
    table = table.merge(codes, on="segment_id", how="inner")
    print(f"{len(table)} coded turns from {table['industry'].nunique()} industries")
    x = feature_matrix(table)
    groups = table["industry"].to_numpy()
    stages = np.array([s or NO_STAGE for s in table["stage"]])
    c_stage = cv_stage(x, stages, groups, args.C)
    stage = fit_stage(x, stages, c_stage)
    tp_ids = tuple(c.id for c in codebook.touchpoints)
    tp_labels = np.array(
        [[code in set(filter(None, t.split(";"))) for code in tp_ids] for t in table["touchpoints"]]
    ).astype(int)
    vectorizer = TfidfVectorizer(analyzer=ngrams, sublinear_tf=True, min_df=2)
    terms = vectorizer.fit_transform(table["answer"])
    print(f"{terms.shape[1]} word uni- and bigrams (in at least two corpus turns)")
    with_terms = sp.hstack([sp.csr_matrix(x), terms]).tocsr()
    c_tp = cv_touchpoints(with_terms, tp_labels, groups, args.C)
    tp_models = fit_touchpoints(with_terms, tp_labels, c_tp)
    emotions = table["emotion"].to_numpy()
    valences = table["valence"].fillna(0).to_numpy()
    go = goemotions_rows(args.goemotions, codebook) if args.goemotions.is_dir() else None
    go_x = None
    if go is not None:
        go_x = features(
            shared_word_vectors().encode(list(go["text"])),
            np.zeros((len(go), DIMENSION), dtype=np.float32),  # no question before a comment
            np.full(len(go), 0.5),
            go["text"].str.split().str.len().to_numpy(),
        )
        go_x = sp.hstack([sp.csr_matrix(go_x), vectorizer.transform(go["text"])]).tocsr()
        print(f"+ {len(go)} GoEmotions comments for emotion and valence (weight {args.go_weight})")
    emotion = fit_with_comments(
        with_terms, emotions, groups, go_x, None if go is None else go["emotion"].to_numpy(),
        args.go_weight, [1.0, 3.0], "emotion",
    )  # fmt: skip
    valence = fit_with_comments(
        with_terms, valences, groups, go_x, None if go is None else go["valence"].to_numpy(),
        args.go_weight, [1.0, 3.0, 10.0], "valence",
    )  # fmt: skip
    tp_weights = np.column_stack(
        [
            m.coef_[0] if not isinstance(m, float) else np.zeros(with_terms.shape[1])
            for m in tp_models
        ]
    )
    tp_bias = np.array(
        [
            m.intercept_[0]
            if not isinstance(m, float)
            else np.log(max(m, 1e-4) / (1 - max(m, 1e-4)))
            for m in tp_models
        ]
    )
    d = x.shape[1]  # the features' columns; the word n-grams' follow
    emotion_w, valence_w = emotion.coef_.T, valence.coef_.reshape(-1, 1)
    vocabulary = vectorizer.get_feature_names_out().tolist()
    heads = Heads(
        stage=Linear(tuple(stage.classes_), stage.coef_.T, stage.intercept_),
        touchpoints=Linear(tp_ids, tp_weights[:d], tp_bias),
        emotion=Linear(tuple(emotion.classes_), emotion_w[:d], emotion.intercept_),
        valence=Linear(("valence",), valence_w[:d], np.array([valence.intercept_])),
        version=VERSION,
        text=TextTerms(
            Tfidf.build(vocabulary, vectorizer.idf_),
            {"touchpoints": tp_weights[d:], "emotion": emotion_w[d:], "valence": valence_w[d:]},
        ),
    )
    save_heads(heads, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
