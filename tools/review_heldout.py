"""Learning from review, judged on the interview corpus: each industry is a study nobody tuned on.

``benchmarks/bench_review.py`` measures learning from the researcher's review on the two gold
studies (153 and 343 participant turns). Here every industry of the corpus is one more study: its
interviews are coded by fold heads that never saw the industry (``stage_heldout.py --all-heads
--cache DIR`` writes them), a simulated researcher reviews a random ``--share`` of its
participant turns (the corpus coder's codes as theirs), and the turns not reviewed are scored
untaught and taught: stage macro-F1, touchpoint micro-F1, emotion macro-F1, valence r, pooled
over every industry, and the mean per industry of the emotion macro-F1 (a study's own figure).

    .venv/bin/python tools/stage_heldout.py --all-heads --cache /tmp/folds    # once, 30 minutes
    .venv/bin/python tools/review_heldout.py --cache /tmp/folds [--share 0.2]  # 2 minutes

2026-12-06 (heads v8, coder as shipped; 48 industries): with 20 % reviewed, on the 8,640 turns
left, stage macro-F1 0.742 -> 0.749, touchpoint micro-F1 0.711 -> 0.716, emotion macro-F1
0.472 -> 0.472 (mean per study 0.449 -> 0.449), valence r 0.681 -> 0.681; with 10 %: 0.742 ->
0.746, 0.710 -> 0.715, emotion and valence unchanged. Review teaches these studies little: their
coders' conventions are the ones the heads were trained on.
Measured here and not adopted:
- The emotion head's biases moved towards the study's reviewed emotions (a label-shift
  correction: bias-only MAP with the shipped biases as the prior mean, prior 0 / 0.01 / 0.05):
  emotion macro-F1 0.472 -> 0.451 / 0.461 / 0.467. A few dozen reviewed turns estimate a
  study's emotion frequencies too poorly to move the head by.
- Reviewed neighbours from further away (``learning.KNN_MIN`` 0.8 -> 0.7 / 0.6): stage 0.749 ->
  0.745 / 0.732, the rest unchanged. Only near-duplicates carry a reviewed turn's codes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import train_heads
from corpus import read_codes

from cjm_research.codebook import load_codebook
from cjm_research.coding import code_transcripts
from cjm_research.coding.heads import shipped_heads
from cjm_research.coding.semantic import SemanticCoder
from cjm_research.evaluate import evaluate
from cjm_research.model import PARTICIPANT
from cjm_research.resources import default_codebook_path
from cjm_research.study import load_study

SEED = 11
COLUMNS = ["segment_id", "stage", "touchpoints", "emotion", "valence"]


def scores(gold: pd.DataFrame, coded: pd.DataFrame) -> dict[str, float]:
    """The four figures of ``coded`` against ``gold`` on the turns of ``gold``."""
    result = evaluate(gold, coded[coded["segment_id"].isin(gold["segment_id"])])
    return {
        "stage": result.stage.macro_f1,
        "touchpoints": result.touchpoints.micro_f1,
        "emotion": result.emotion.macro_f1,
        "valence": result.valence.pearson,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, required=True, help="the fold heads' folder")
    parser.add_argument("--share", type=float, default=0.2, help="share of turns reviewed")
    parser.add_argument("--only", type=int, default=0, help="the first N industries only")
    args = parser.parse_args(argv)
    codebook = load_codebook(default_codebook_path())
    codes = read_codes(train_heads.CORPUS)[COLUMNS].reset_index(drop=True)
    transcripts = load_study(train_heads.CORPUS).transcripts
    industry_of = {t.interview_id: t.interview_id.split("-")[0] for t in transcripts}
    industries = sorted({industry_of[s.split(":")[0]] for s in codes["segment_id"]})
    fold = {g: n % train_heads.CV_FOLDS + 1 for n, g in enumerate(industries)}
    if args.only:
        industries = industries[: args.only]
    rng = np.random.default_rng(SEED)
    untaught, taught, held = [], [], []
    per_study = []
    for n, industry in enumerate(industries, 1):
        heads = shipped_heads(args.cache / f"fold-{fold[industry]}.npz")
        coder = SemanticCoder(codebook, heads=heads)
        mine = [t for t in transcripts if industry_of[t.interview_id] == industry]
        turns = pd.DataFrame(
            [
                {
                    "segment_id": t.segment_id(turn),
                    "interview_id": t.interview_id,
                    "text": turn.text,
                }
                for t in mine
                for turn in t.turns
                if turn.role == PARTICIPANT
            ]
        ).merge(codes, on="segment_id")
        reviewed = turns.sample(frac=args.share, random_state=rng.integers(1 << 31))
        gold = codes[codes["segment_id"].isin(turns["segment_id"])]
        gold = gold[~gold["segment_id"].isin(reviewed["segment_id"])]
        before = code_transcripts(mine, coder)
        coder.teach(reviewed.reset_index(drop=True), mine)
        after = code_transcripts(mine, coder)
        untaught.append(before)
        taught.append(after)
        held.append(gold)
        a, b = scores(gold, before), scores(gold, after)
        per_study.append((industry, a, b))
        print(
            f"{n}/{len(industries)} {industry}: emotion {a['emotion']:.3f} -> {b['emotion']:.3f}, "
            f"touchpoints {a['touchpoints']:.3f} -> {b['touchpoints']:.3f}",
            file=sys.stderr,
        )
    gold = pd.concat(held)
    a, b = scores(gold, pd.concat(untaught)), scores(gold, pd.concat(taught))
    print(f"{len(industries)} industries, {len(gold)} turns not reviewed ({args.share:.0%} were)")
    for name in a:
        change = b[name] - a[name]
        print(f"  {name:<12} untaught {a[name]:.3f}  taught {b[name]:.3f}  ({change:+.3f})")
    before = np.mean([s[1]["emotion"] for s in per_study])
    after = np.mean([s[2]["emotion"] for s in per_study])
    print(f"  emotion macro-F1, mean per study: untaught {before:.3f}, taught {after:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
