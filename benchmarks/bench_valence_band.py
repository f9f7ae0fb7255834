"""Where the coder's valence best separates negative, neutral and positive: the neutral band.

A valence v reads as negative below -t, positive above +t and neutral between. For each t this
prints the three-class macro-F1 on GoEmotions dev (the emotion model's valence against the
comments' sentiment group, as bench_emotion scores it) and on both interview gold files (each
coder's valence against the gold valence's sign; a gold 0 is neutral). The reports use the band
of the coder that coded a turn (``analysis.NEUTRAL_BANDS``, chosen on the example study, the
development gold; README: How to read a report); this shows why.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from cjm_research.analysis import NEUTRAL_BANDS
from cjm_research.coding import code_transcripts, get_coder
from cjm_research.coding.emotion import shipped_model
from cjm_research.evaluate import read_gold
from cjm_research.resources import example_study_dir
from cjm_research.study import load_study

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from goemotions import read_split, valence_targets

ROOT = Path(__file__).resolve().parents[1]
GOEMOTIONS = ROOT.parent / "shared" / "data" / "goemotions" / "dev.tsv"
GOLD = ROOT / "tests" / "data" / "gold"
BANDS = (0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)


def classes(valence: np.ndarray, band: float) -> np.ndarray:
    """0 negative, 1 neutral, 2 positive."""
    return np.where(valence < -band, 0, np.where(valence > band, 2, 1))


def goemotions() -> tuple[np.ndarray, np.ndarray] | None:
    if not GOEMOTIONS.is_file():
        return None
    dev = read_split(GOEMOTIONS)
    keep, target = valence_targets(dev)
    texts = list(dev["text"][keep])
    probabilities = shipped_model().valence_probabilities(texts)
    return probabilities[:, 2] - probabilities[:, 0], target[keep]


def interviews(root: Path, gold_file: Path, coder: str) -> tuple[np.ndarray, np.ndarray]:
    study = load_study(root)
    gold = read_gold(gold_file)
    coded = code_transcripts(study.transcripts, get_coder(coder, study.codebook))
    both = gold.merge(coded[["segment_id", "valence"]], on="segment_id", suffixes=("_g", ""))
    truth = np.sign(both["valence_g"].astype(float).fillna(0).to_numpy()).astype(int) + 1
    return both["valence"].astype(float).to_numpy(), truth


def main() -> None:
    sets = {"GoEmotions dev": goemotions()}
    for coder in ("semantic", "rules"):
        sets[f"example {coder}"] = interviews(example_study_dir(), GOLD / "example-gold.csv", coder)
        sets[f"broadband {coder}"] = interviews(
            GOLD / "broadband-study", GOLD / "broadband-gold.csv", coder
        )
    names = [n for n, s in sets.items() if s is not None]
    print("three-class macro-F1 of the valence read with a neutral band of +-t")
    print(f"{'t':>6}" + "".join(f"{n:>19}" for n in names))
    best = {}
    for band in BANDS:
        cells = []
        for name in names:
            valence, truth = sets[name]
            score = f1_score(truth, classes(valence, band), average="macro")
            best[name] = max(best.get(name, (0.0, 0.0)), (score, band))
            cells.append(f"{score:>19.3f}")
        used = [c for c, b in NEUTRAL_BANDS.items() if abs(band - b) < 1e-6]
        mark = f"  <- {', '.join(used)}" if used else ""
        print(f"{band:>6.3f}" + "".join(cells) + mark)
    print("best: " + ", ".join(f"{n} +-{b:.3f} ({s:.3f})" for n, (s, b) in best.items()))


if __name__ == "__main__":
    main()
