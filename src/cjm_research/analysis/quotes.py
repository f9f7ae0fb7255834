"""Participants' words as evidence: quotes with where they come from, and which turns stand for
a stage.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Fewer words than this and a quote needs its question to be understood: used last.
QUOTE_WORDS = 8
#: A stage code at this confidence or more may stand for its stage in the quotes before others;
#: below it the coder is right less than half the time (README: the review flag).
SURE_STAGE = 0.5
#: An emotion the machine gave at this confidence or more is printed beside its quote; below it
#: the label is right about one time in three (example gold: shown labels 72 % right, hidden
#: 35 %; broadband 59 % and 40 %), and a wrong feeling beside a quote undoes the quote.
SURE_EMOTION = 0.5


@dataclass(frozen=True)
class Quote:
    """A participant's words with where they come from, so every claim can be traced."""

    segment_id: str
    text: str
    participant: str
    interview_id: str
    source: str
    line: int | None
    time_start: float | None
    stage: str
    emotion: str
    valence: float
    #: how sure its coder was of ``emotion`` (1 for a person's code; None when unknown)
    emotion_confidence: float | None = None

    @property
    def shown_emotion(self) -> str:
        """The emotion to print beside the quote: "" when the machine doubts it (confidence
        under ``SURE_EMOTION``), as a reader takes the label for the participant's feeling."""
        sure = self.emotion_confidence is None or self.emotion_confidence >= SURE_EMOTION
        return self.emotion if sure else ""

    @property
    def location(self) -> str:
        """``00:03:12`` when the source is timed, else ``line 23``."""
        if self.time_start is not None and not math.isnan(self.time_start):
            seconds = int(self.time_start)
            return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        return f"line {self.line}" if self.line else ""

    @property
    def provenance(self) -> str:
        """``P01 · p01-interview · line 23``: who said it, in which interview, where."""
        return " · ".join(p for p in (self.participant, self.interview_id, self.location) if p)


def pick_quotes(
    rows: pd.DataFrame,
    limit: int,
    participant_labels: dict[str, str] | None = None,
    avoid: Collection[str] = (),
    signs: dict[str, float] | None = None,
) -> list[Quote]:
    """Up to ``limit`` quotes: the most emotionally intense, spread across participants first.

    Short turns ("Yeah.", "Every day. Sometimes two times a day.": they need their question)
    make poor evidence, so turns under ``QUOTE_WORDS`` words are used only when
    nothing longer exists; nor does a turn whose stage the coder doubts (confidence under
    ``SURE_STAGE``: right less than half the time) stand for the stage while a surer one can.
    Turns in ``avoid`` (quoted elsewhere in the report) come after every other long, sure one.
    The quotes' signs follow the stage's shares of negative and positive segments while its
    long, sure turns allow (by the emotion's sign in ``signs``, as the stage's shares count
    them; by the valence's without), the larger side first.
    """
    if rows.empty or limit <= 0:
        return []
    words = rows["text"].str.split().str.len()
    confidence = rows["stage_confidence"].fillna(0)
    ranked = rows.assign(
        _long=words >= QUOTE_WORDS,
        _sure=confidence >= SURE_STAGE,
        _fresh=~rows["segment_id"].isin(list(avoid)),
        _strength=rows["valence"].abs() + confidence / 2,
    ).sort_values(
        ["_long", "_sure", "_fresh", "_strength", "segment_id"],
        ascending=[False, False, False, False, True],
    )
    # The quotes' signs in proportion to the stage's (two of three negative where most is):
    # ranked by strength alone, two relieved quotes stood for a stage mostly negative.
    valence = pd.to_numeric(rows["valence"], errors="coerce").fillna(0.0)
    sign = np.sign(rows["emotion"].map(signs).fillna(0.0) if signs else valence)
    quota = {s: round(limit * float((sign == s).mean())) for s in (-1.0, 1.0)}
    chosen: list[pd.Series] = []
    seen: set[str] = set()
    # Relaxed one by one: spread across participants, the signs' shares, and long, sure turns
    # not quoted elsewhere; last, the ranking alone (a long, sure quote repeated before "Yeah.").
    passes = ((True, True, True), (False, True, True), (False, False, True), (False, False, False))
    for spread_first, by_sign, good_only in passes:
        for key, row in ranked.iterrows():
            if len(chosen) == limit:
                break
            taken = any(row["segment_id"] == c["segment_id"] for c in chosen)
            full = by_sign and sum(sign[c.name] == sign[key] for c in chosen) >= quota.get(
                sign[key], limit
            )
            weak = good_only and not (row["_long"] and row["_sure"] and row["_fresh"])
            if taken or full or weak or (spread_first and row["participant_id"] in seen):
                continue
            chosen.append(row)
            seen.add(row["participant_id"])
    larger = -1.0 if (sign < 0).sum() >= (sign > 0).sum() else 1.0
    chosen.sort(key=lambda row: sign[row.name] != larger)  # stable: by rank within each side
    return [quote_of(row, participant_labels) for row in chosen]


def quote_of(row: pd.Series, participant_labels: dict[str, str] | None = None) -> Quote:
    """A segments-table row as a quote with its provenance (participant label, not id)."""
    labels = participant_labels or {}
    time_start = row.get("time_start")
    line = row.get("line")
    return Quote(
        segment_id=str(row["segment_id"]),
        text=str(row["text"]),
        participant=labels.get(row["participant_id"], row["participant_id"]) or row["speaker"],
        interview_id=str(row["interview_id"]),
        source=str(row.get("source", "")),
        line=int(line) if line is not None and not pd.isna(line) else None,
        time_start=None if time_start is None or pd.isna(time_start) else float(time_start),
        stage=str(row["stage"]),
        emotion=str(row["emotion"]),
        valence=float(row["valence"]),
        emotion_confidence=None if pd.isna(sure := row.get("emotion_confidence")) else float(sure),
    )
