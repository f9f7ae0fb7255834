"""Emotion and valence quality against baselines scored in the same run, on GoEmotions dev.

- Emotion, Ekman's 7 classes (dev comments whose labels fall into one class): the lexicon
  baseline (the default codebook's emotion keywords, VADER for turns without one: the rules coder
  before the model) vs the shipped model. Target: macro-F1 >= 0.45.
- Valence negative/neutral/positive (dev comments with one clear valence): VADER alone, at its
  customary +-0.05 cut and at the cut that suits it best on dev, vs the shipped model. Target:
  macro-F1 >= 0.68.
- The rules coder on the example study's gold file (tests/data/gold/example-gold.csv), if present.
- Interview talk, on both gold files (the example study, and the broadband study nothing was
  tuned on): emotion macro-F1 of the coder, and valence correlation of the coder against VADER
  alone on the same turns.

GoEmotions is read from ../shared/data/goemotions beside the repository (skipped when absent).
The model's Ekman offsets and valence head were tuned on this dev split, so its scores here are
slightly optimistic; tools/train_emotion.py prints the cross-fitted (honest) dev estimates too.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from cjm_research.codebook import load_codebook
from cjm_research.coding import get_coder
from cjm_research.coding.emotion import EKMAN, VALENCE_CLASSES, shipped_model
from cjm_research.coding.keywords import KeywordMatcher, tokens
from cjm_research.evaluate import evaluate, format_evaluation, label_scores, read_gold
from cjm_research.resources import example_study_dir
from cjm_research.study import load_study

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from goemotions import ekman_targets, read_split, valence_targets

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "goemotions"
GOLD = ROOT / "tests" / "data" / "gold" / "example-gold.csv"
#: Interview gold files with emotion and valence, and their studies (None: the example study).
INTERVIEW_GOLD = (
    (GOLD, None),
    (GOLD.with_name("broadband-gold.csv"), GOLD.with_name("broadband-study")),
)
#: Default-codebook emotion → Ekman class, for the keyword baseline.
CODEBOOK_EKMAN = {
    "joy": "joy",
    "trust": "joy",
    "relief": "joy",
    "surprise": "surprise",
    "confusion": "surprise",
    "anxiety": "fear",
    "frustration": "anger",
    "anger": "anger",
    "disappointment": "sadness",
    "sadness": "sadness",
    "neutral": "neutral",
}


def macro_f1(y: np.ndarray, p: np.ndarray) -> float:
    """Macro-F1 of two label arrays (evaluate.label_scores: the same code as `cjm evaluate`)."""
    return label_scores(pd.Series(y), pd.Series(p)).macro_f1


def lexicon_ekman(texts: list[str], compounds: np.ndarray) -> np.ndarray:
    """Ekman class per text from codebook emotion keywords, else the VADER sign (joy / anger)."""
    matcher = KeywordMatcher(load_codebook().emotions)
    out = []
    for text, compound in zip(texts, compounds, strict=True):
        hits = [h.code for h, negated in matcher.hits(text, tokens(text)) if not negated]
        if hits:
            out.append(CODEBOOK_EKMAN[max(set(hits), key=hits.count)])
        else:
            out.append("joy" if compound >= 0.5 else "anger" if compound <= -0.5 else "neutral")
    return np.array(out)


def vader_valence(compounds: np.ndarray, cut: float) -> np.ndarray:
    """negative / neutral / positive from VADER compound scores."""
    return np.where(
        compounds >= cut, "positive", np.where(compounds <= -cut, "negative", "neutral")
    )


def main() -> None:
    vader = SentimentIntensityAnalyzer()
    if not (DATA / "dev.tsv").is_file():
        print(f"skipped: GoEmotions dev split not found at {DATA}")
    else:
        dev = read_split(DATA / "dev.tsv")
        texts = dev.text.tolist()
        started = time.perf_counter()
        compounds = np.array([vader.polarity_scores(t)["compound"] for t in texts])
        vader_rate = len(texts) / (time.perf_counter() - started)
        model = shipped_model()
        started = time.perf_counter()
        probabilities = model.probabilities(texts)
        valence = model.valence_probabilities(texts, probabilities)
        model_rate = len(texts) / (time.perf_counter() - started)

        keep, y = ekman_targets(dev)
        names = np.array(list(EKMAN))
        gold = names[y[keep]]
        print(f"Emotion, Ekman-7 macro-F1 on GoEmotions dev ({keep.sum()} comments)")
        baseline = lexicon_ekman(
            [t for t, k in zip(texts, keep, strict=True) if k], compounds[keep]
        )
        print(f"  {'lexicon: codebook keywords + VADER':<40}{macro_f1(gold, baseline):>8.3f}")
        print(
            f"  {'shipped model':<40}"
            f"{macro_f1(gold, names[model.ekman(probabilities)][keep]):>8.3f}   target 0.45"
        )

        keep, y = valence_targets(dev)
        classes = np.array(VALENCE_CLASSES)
        gold = classes[y[keep]]
        cuts = np.round(np.arange(0.05, 0.8, 0.05), 2)
        best = max(cuts, key=lambda c: macro_f1(gold, vader_valence(compounds[keep], c)))
        print(f"\nValence neg/neutral/pos macro-F1 on GoEmotions dev ({keep.sum()} comments)")
        for label, cut in (
            ("VADER alone, cut 0.05", 0.05),
            (f"VADER alone, best cut {best}", best),
        ):
            print(f"  {label:<40}{macro_f1(gold, vader_valence(compounds[keep], cut)):>8.3f}")
        print(
            f"  {'shipped model':<40}"
            f"{macro_f1(gold, classes[valence.argmax(axis=1)][keep]):>8.3f}   target 0.68"
        )
        print(f"\nspeed: model {model_rate:,.0f} texts/s = {model_rate / vader_rate:.2f} x VADER")

    if GOLD.is_file():
        study = load_study(example_study_dir())
        coder = get_coder("rules", study.codebook)
        machine = pd.DataFrame([row for t in study.transcripts for row in coder(t)])
        print("\nrules coder on the example study's gold file")
        print(
            format_evaluation(
                evaluate(read_gold(GOLD), machine, gold_name=GOLD.name, coder=coder.coder_id)
            )
        )
    else:
        print(f"\nskipped: no gold file at {GOLD}")
    interview_talk(vader)


def interview_talk(vader: SentimentIntensityAnalyzer) -> None:
    """Emotion and valence of the rules coder on the interview gold files, VADER alongside."""
    print(f"\n{'interview gold':<24}{'turns':>6}{'emotion F1':>12}{'valence r':>11}{'VADER r':>9}")
    for gold_path, folder in INTERVIEW_GOLD:
        if not gold_path.is_file():
            continue
        gold = read_gold(gold_path)
        if "emotion" not in gold.columns or "valence" not in gold.columns:
            continue
        study = load_study(folder or example_study_dir())
        coder = get_coder("rules", study.codebook)
        machine = pd.DataFrame([row for t in study.transcripts for row in coder(t)])
        result = evaluate(gold, machine)
        assert result.emotion is not None and result.valence is not None
        texts = machine.set_index("segment_id").loc[gold["segment_id"], "text"]
        rated = gold["valence"] != ""
        compounds = [vader.polarity_scores(t)["compound"] for t in texts[rated.to_numpy()]]
        baseline = np.corrcoef(pd.to_numeric(gold.loc[rated, "valence"]), compounds)[0, 1]
        print(
            f"{gold_path.name:<24}{result.emotion.n:>6}{result.emotion.macro_f1:>12.3f}"
            f"{result.valence.pearson:>11.3f}{baseline:>9.3f}"
        )


if __name__ == "__main__":
    main()
