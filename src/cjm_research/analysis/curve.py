"""A persona's emotion per stage as numbers: the mean valence with its 95 % interval over the
participants, the shares of negative and positive segments, and how a mean reads in words
(``journey`` builds the rest of the journey model on it)."""

from __future__ import annotations

import math

import pandas as pd

#: A valence between -band and +band reads as neutral, the band of the coder that coded it: where
#: its valence best separates negative, neutral and positive on the example study's gold file
#: (``benchmarks/bench_valence_band.py`` prints the sweep; the semantic coder's interview heads
#: give compressed valences). A researcher's own codes use the semantic coder's band. Since the
#: valence leans to the neighbouring turns (heads v6) the example study gives 0.608 at 0.075 and
#: 0.621 at 0.1 (broadband 0.550 and 0.552): within what 224 turns tell apart, so it stays.
NEUTRAL_BANDS = {"semantic": 0.075, "rules": 0.2}
#: A stage's interval needs this many participants: with two, the spread of two people's means
#: is the whole variance, and two who happen to agree gave the narrowest interval of a report.
INTERVAL_PARTICIPANTS = 3


def valence_reading(value: float, band: float) -> str:
    """``negative``, ``neutral`` or ``positive``: how a valence reads with the coder's band."""
    if value < -band:
        return "negative"
    return "positive" if value > band else "neutral"


def curve_reading(point: pd.Series, band: float) -> str:
    """How a stage's mean valence reads (``valence_reading``), "leaning" when its 95 % interval
    crosses zero, or when too few people spoke of it for an interval: the sign itself is then a
    lead, not a finding. (Reaching the neutral band is not enough: the semantic coder's valences
    are modest, and fifteen segments nearly all coded with a negative emotion read "leans
    negative" at −0.17.)"""
    reading = valence_reading(float(point["mean_valence"]), band)
    low, high = float(point.get("ci_low", math.nan)), float(point.get("ci_high", math.nan))
    unsure = math.isnan(high)
    if (reading == "negative" and (unsure or high >= 0)) or (
        reading == "positive" and (unsure or low <= 0)
    ):
        return f"leans {reading}"
    return reading


def emotion_curve(
    coded: pd.DataFrame,
    stages: list[str],
    band: float = NEUTRAL_BANDS["semantic"],
    signs: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Mean valence per stage with n, standard deviation and a 95 % confidence band; and the highs
    and lows a mean hides: the shares of negative and of positive segments and the lowest and
    highest valence.

    A segment is negative (positive) when its emotion is, by the codebook's valence of each
    emotion (``signs``: emotion id -> valence), so that a stage whose segments are all coded
    Neutral never reads "50 % negative", and the share is the one ``benchmarks/bench_corpus.py``
    holds to the gold's (on the example study's gold, 0.07 from the researcher's shares per stage
    on average, against 0.09 by valence outside the band; positive 0.09 against 0.20). Without
    ``signs``, valence outside the neutral ``band`` decides.

    The band is Student's t interval of the mean with the participants as its units
    (:func:`people_interval`): three segments from two people are two voices, not three, and
    a stage fewer than three people spoke of has no interval at all. (A stage rests on a
    handful of segments: the normal approximation's ±1.96 made two segments look conclusive,
    and counting one person's turns as independent made two people look like a finding.)
    Without a
    ``participant_id`` column each segment counts as its own participant.
    """
    valence = pd.to_numeric(coded["valence"], errors="coerce")
    if signs is None:
        negative, positive = valence < -band, valence > band
    else:
        sign = coded["emotion"].map(signs).fillna(0.0)
        negative, positive = sign < 0, sign > 0
    grouped = valence.groupby(coded["stage"])
    curve = pd.DataFrame(
        {
            "mean_valence": grouped.mean(),
            "sd": grouped.std(ddof=1),
            "n": grouped.size(),
            "negative_share": negative.groupby(coded["stage"]).mean(),
            "positive_share": positive.groupby(coded["stage"]).mean(),
            "lowest": grouped.min(),
            "highest": grouped.max(),
        }
    ).reindex(stages)
    curve["n"] = curve["n"].fillna(0).astype(int)
    people = coded["participant_id"] if "participant_id" in coded else coded.index.to_series()
    half, voices, most = people_interval(valence, coded["stage"], people)
    curve["participants"] = voices.reindex(stages).fillna(0).astype(int)
    # the most segments one participant gave: "4 segments, 3 of them one person's"
    curve["most_from_one"] = most.reindex(stages).fillna(0).astype(int)
    half = half.reindex(stages)
    curve["ci_low"] = (curve["mean_valence"] - half).clip(lower=-1)
    curve["ci_high"] = (curve["mean_valence"] + half).clip(upper=1)
    curve.index.name = "stage"
    return curve


def people_interval(
    valence: pd.Series, stage: pd.Series, people: pd.Series
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per stage, the half-width of the 95 % interval of the mean valence with participants as
    the units, and how many participants that is. The variance is the cluster-robust one (CR1:
    each participant's summed deviations from the stage mean, squared, × G/(G − 1) / n²) and t
    has G − 1 degrees of freedom, G the participants; NaN where G < ``INTERVAL_PARTICIPANTS``;
    the variance is never below the segments' own, sd²/n. Also the most segments one participant
    gave per stage. When every participant gave one segment it is Student's t interval of the
    mean, ±t·sd/√n."""
    rows = pd.DataFrame({"stage": stage.to_numpy(), "who": people.to_numpy(), "v": valence})
    rows = rows.dropna(subset=["v"])
    deviation = rows["v"] - rows.groupby("stage")["v"].transform("mean")
    summed = deviation.groupby([rows["stage"], rows["who"]]).sum()
    g = summed.groupby(level=0).size().astype(float)
    n = rows.groupby("stage").size().astype(float)
    variance = (summed**2).groupby(level=0).sum() * g / (g - 1) / n**2
    # Never narrower than the segments' own spread allows (sd²/n): three people whose means
    # happen to coincide (−0.07 each, segments from −0.43 to +0.26) gave −0.07 to −0.06.
    spread = rows.groupby("stage")["v"].var(ddof=1).fillna(0.0) / n
    variance = variance.clip(lower=spread)
    critical = (g - 1).where(g >= INTERVAL_PARTICIPANTS).map(t_critical, na_action="ignore")
    most = rows.groupby(["stage", "who"]).size().groupby(level=0).max()
    return critical * variance.pow(0.5), g.astype(int), most


# Student's t, two-sided 95 %, for 1 … 30 degrees of freedom.
_T95 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)


def t_critical(df: float) -> float:
    """The two-sided 95 % critical value of Student's t with ``df`` degrees of freedom (≥ 1):
    the table to 30, then the Cornish-Fisher expansion around 1.96 (within 0.001)."""
    df = int(df)
    if df <= len(_T95):
        return _T95[df - 1]
    z = 1.959964
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
