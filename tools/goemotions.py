"""GoEmotions splits and targets, for training and tuning the emotion model (tools, benchmarks).

``python tools/train_emotion.py`` and ``tools/train_heads.py`` read the splits from
``../shared/data/goemotions/`` (or ``--data``); nothing at run time needs them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cjm_research.coding.emotion import EKMAN, LABELS, SENTIMENT, VALENCE_CLASSES


def read_split(path: Path) -> pd.DataFrame:
    """A GoEmotions split: text and the list of label ids per comment."""
    frame = pd.read_csv(
        path, sep="\t", header=None, names=["text", "ids", "comment"], quoting=3, dtype=str
    )
    frame["labels"] = frame["ids"].map(lambda ids: [int(i) for i in ids.split(",")])
    return frame


def ekman_targets(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per comment: whether all its labels share one Ekman class, and that class's index."""
    group_of = {LABELS.index(lb): g for g, members in enumerate(EKMAN.values()) for lb in members}
    groups = [{group_of[i] for i in labels} for labels in frame.labels]
    return np.array([len(g) == 1 for g in groups]), np.array([min(g) for g in groups])


def valence_targets(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per comment: whether it has one clear valence, and its VALENCE_CLASSES index."""

    def classes(labels: list[int]) -> set[str]:
        names = [LABELS[i] for i in labels]
        return {
            "positive"
            if n in SENTIMENT["positive"]
            else "negative"
            if n in SENTIMENT["negative"]
            else "ambiguous"
            if n in SENTIMENT["ambiguous"]
            else "neutral"
            for n in names
        }

    sets = [classes(labels) for labels in frame.labels]
    keep = np.array([len(s) == 1 and "ambiguous" not in s for s in sets])
    y = np.array(
        [VALENCE_CLASSES.index(min(s)) if k else -1 for s, k in zip(sets, keep, strict=True)]
    )
    return keep, y
