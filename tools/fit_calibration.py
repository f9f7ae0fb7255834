"""Fit a coder's stage-confidence calibration on a hand-coded study, and check it on another.

    python tools/fit_calibration.py [--coder semantic] [--fit example] [--check broadband]

Codes the ``--fit`` gold study with the coder's calibration off (its raw posteriors), fits a
Platt map (``context.calibrated``: sigmoid(slope * logit(confidence) + shift), least log-loss)
of whether each stage code agrees with the gold, and prints the slope and shift to set as the
coder's ``STAGE_CALIBRATION``, with the calibration bands and error before and after on both
studies. The check study must not be the one fitted on: the shipped map was fitted on the
example study (the development gold) and checked on broadband (never tuned on).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from cjm_research.coding import code_transcripts, get_coder
from cjm_research.coding.context import calibrated
from cjm_research.evaluate import (
    calibration,
    calibration_bands,
    read_gold,
    right_and_confidence,
)
from cjm_research.resources import example_study_dir
from cjm_research.study import load_study

GOLD = Path(__file__).resolve().parents[1] / "tests" / "data" / "gold"
STUDIES = {
    "example": (example_study_dir(), GOLD / "example-gold.csv"),
    "broadband": (GOLD / "broadband-study", GOLD / "broadband-gold.csv"),
}


def raw_stage_codes(coder_name: str, study_name: str) -> tuple[np.ndarray, np.ndarray]:
    """Per gold turn of the study: the coder's raw stage confidence, and whether it was right."""
    root, gold_file = STUDIES[study_name]
    study = load_study(root)
    coder = get_coder(coder_name, study.codebook)
    if not hasattr(coder, "calibration"):
        raise SystemExit(f"the {coder_name} coder has no stage calibration to fit")
    coder.calibration = (1.0, 0.0)
    table = code_transcripts(study.transcripts, coder)
    right, confidence = right_and_confidence(read_gold(gold_file), table, "stage")
    return confidence, right


def fit(confidence: np.ndarray, right: np.ndarray) -> tuple[float, float]:
    """The slope and shift of the Platt map with the least log-loss: a logistic regression of
    ``right`` on logit(confidence), by Newton's method with step halving (convex: one optimum)."""
    p = np.clip(np.asarray(confidence, dtype=float), 1e-4, 1 - 1e-4)
    x = np.column_stack([np.log(p / (1 - p)), np.ones(len(p))])
    y = np.asarray(right, dtype=float)

    def loss(w: np.ndarray) -> float:
        z = x @ w
        return float(np.mean(np.logaddexp(0, z) - y * z))

    base = min(max(y.mean(), 1e-3), 1 - 1e-3)
    w = np.array([0.0, np.log(base / (1 - base))])  # no slope: every code at the base rate
    for _ in range(100):
        q = 1 / (1 + np.exp(-(x @ w)))
        step = np.linalg.solve((x.T * (q * (1 - q))) @ x + 1e-9 * np.eye(2), x.T @ (q - y))
        size = 1.0
        while loss(w - size * step) > loss(w) and size > 1e-6:
            size /= 2
        w = w - size * step
        if np.abs(size * step).max() < 1e-10:
            break
    return round(float(w[0]), 3), round(float(w[1]), 3)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coder", default="semantic")
    parser.add_argument("--fit", default="example", choices=sorted(STUDIES))
    parser.add_argument("--check", default="broadband", choices=sorted(STUDIES))
    args = parser.parse_args(argv)
    if args.fit == args.check:
        parser.error("--check must be another study than --fit")
    codes = {name: raw_stage_codes(args.coder, name) for name in (args.fit, args.check)}
    slope, shift = fit(*codes[args.fit])
    print(f"{args.coder}: STAGE_CALIBRATION = ({slope}, {shift})  (fitted on {args.fit})")
    for name, (confidence, right) in codes.items():
        mapped = np.array([calibrated(c, slope, shift) for c in confidence])
        print(f"{name}\n  raw:        {calibration_bands(calibration(right, confidence))}")
        print(f"  calibrated: {calibration_bands(calibration(right, mapped))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
