"""The machine alone (no human codes) on both gold studies, before and after the interview corpus.

"Before" is the semantic coder without the interview heads (``coding/heads.py``), "after" with
the heads trained on ``tests/data/corpus`` (``tools/train_heads.py``); both in this run. Printed
per gold study: stage macro-F1, touchpoint micro-F1, emotion macro-F1, valence Pearson r, and
per stage the share of negative turns (a turn whose emotion has a negative codebook valence) by
the machine beside the gold's. The broadband study is the honest test: nothing, the corpus
included, was tuned on it. Targets (issue: read interview talk), on broadband: stage >= 0.70,
touchpoints >= 0.75, emotion >= 0.45, valence r >= 0.55, every stage with >= 15 gold turns
within 10 points of the gold's negative share. Under the heads' scores, a 90 % interval from
resampling the gold's interviews (whole interviews drawn with replacement, DRAWS times): how
much the figures would move on another study of the same size, which a target should be read
against.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cjm_research.coding import code_transcripts
from cjm_research.coding.semantic import SemanticCoder
from cjm_research.evaluate import Evaluation, evaluate, read_gold
from cjm_research.model import Codebook
from cjm_research.resources import example_study_dir
from cjm_research.study import load_study

GOLD = Path(__file__).resolve().parents[1] / "tests" / "data" / "gold"
STUDIES = {
    "example (development)": (example_study_dir(), GOLD / "example-gold.csv"),
    "broadband (test)": (GOLD / "broadband-study", GOLD / "broadband-gold.csv"),
}
MIN_STAGE_TURNS = 15
DRAWS = 300


def four_scores(result: Evaluation) -> np.ndarray:
    """Stage macro-F1, touchpoint micro-F1, emotion macro-F1 and valence r (NaN where absent)."""
    return np.array(
        [
            result.stage.macro_f1 if result.stage else np.nan,
            result.touchpoints.micro_f1 if result.touchpoints else np.nan,
            result.emotion.macro_f1 if result.emotion else np.nan,
            result.valence.pearson if result.valence else np.nan,
        ]
    )


def interval(gold: pd.DataFrame, table: pd.DataFrame, seed: int = 0) -> np.ndarray:
    """The 5th and 95th percentiles (2 x 4) of the four scores over DRAWS resamples of the
    gold's interviews: turns of one interview share a voice, so they are drawn together."""
    interviews = gold["segment_id"].str.rsplit(":", n=1).str[0]
    by_interview = [rows for _, rows in gold.groupby(interviews)]
    picks = np.random.default_rng(seed).integers(len(by_interview), size=(DRAWS, len(by_interview)))
    draws = [
        four_scores(evaluate(pd.concat([by_interview[i] for i in pick]), table)) for pick in picks
    ]
    return np.nanpercentile(np.array(draws), [5, 95], axis=0)


def negative_shares(table: pd.DataFrame, codebook: Codebook) -> pd.Series:
    """Per stage, the share of turns whose emotion has a negative valence in the codebook."""
    sign = {c.id: (c.valence or 0.0) < 0 for c in codebook.emotions}
    rows = table[table["stage"].astype(str) != ""]
    return rows["emotion"].map(sign).fillna(False).groupby(rows["stage"]).mean()


def scores(result: Evaluation) -> str:
    stage, tp, emotion, valence = four_scores(result)
    return f"{stage:>10.3f}{tp:>13.3f}{emotion:>11.3f}{valence:>11.3f}"


def main() -> None:
    for name, (root, gold_file) in STUDIES.items():
        if not gold_file.is_file():
            continue
        study = load_study(root)
        gold = read_gold(gold_file)
        print(f"\n{name}: {len(study.transcripts)} interviews, {len(gold)} gold turns")
        print(f"{'coder':<26}{'stage':>10}{'touchpoints':>13}{'emotion':>11}{'valence r':>11}")
        shares = {}
        for label, heads in (("semantic, before corpus", False), ("semantic + corpus heads", True)):
            coder = SemanticCoder(study.codebook, heads=heads)
            table = code_transcripts(study.transcripts, coder)
            print(f"{label:<26}{scores(evaluate(gold, table))}")
            if heads:
                low, high = interval(gold, table)
                widths = (10, 13, 11, 11)
                cells = "".join(
                    f"{f'{a:.2f}-{b:.2f}':>{w}}" for a, b, w in zip(low, high, widths, strict=True)
                )
                print(f"{'  90 % interval':<26}{cells}")
            coded = table.merge(gold[["segment_id"]], on="segment_id")
            shares[label] = negative_shares(coded, study.codebook)
        gold_rows = gold.assign(stage=gold["stage"].fillna(""))
        shares["gold"] = negative_shares(gold_rows, study.codebook)
        counts = gold_rows[gold_rows["stage"] != ""]["stage"].value_counts()
        print(
            f"\n{'share of negative turns':<26}{'n':>5}" + "".join(f"{k[:16]:>18}" for k in shares)
        )
        for stage in study.codebook.stage_ids:
            n = int(counts.get(stage, 0))
            cells = "".join(f"{s.get(stage, np.nan):>18.0%}" for s in shares.values())
            gap = abs(
                shares["semantic + corpus heads"].get(stage, 0) - shares["gold"].get(stage, 0)
            )
            flag = "" if n < MIN_STAGE_TURNS else ("  ok" if gap <= 0.10 else "  > 10 points")
            print(f"{stage:<26}{n:>5}{cells}{flag}")


if __name__ == "__main__":
    main()
