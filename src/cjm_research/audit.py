"""The machine as a coder on every study: how often it agreed with the researchers on the turns
they reviewed (coded before it learned from them), what its calibrated confidence expects where
nobody reviewed, and the sentences and warnings the reports give of both."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cjm_research.agreement import cohen_kappa, machine_coder
from cjm_research.codebook import default_stage_ids
from cjm_research.coding.human import study_human_codes
from cjm_research.model import NOT_CODED, PARTICIPANT, Codebook
from cjm_research.segments import code_set

#: The executive summary warns below these: too few reviewed turns to trust the audit, or a
#: machine that agrees with the researcher on stages less than "substantially" (Landis & Koch).
MIN_REVIEWED = 20
MIN_STAGE_KAPPA = 0.6
#: ... or on emotions less than "moderately": pain points, delights and the low point rest on them.
MIN_EMOTION_KAPPA = 0.4
#: The built-in coders whose stage confidences are calibrated (``STAGE_CALIBRATION``), from the
#: version that calibrates them: their mean stage confidence estimates how many of their stage
#: codes are right. On the broadband gold study, which no setting was tuned on, the estimates were
#: 0.782 against 0.778 (semantic 16) and 0.356 against 0.418 (rules): within ESTIMATE_WITHIN.
CALIBRATED_SINCE = {"semantic": 14, "rules": 3}
ESTIMATE_WITHIN = 0.06


@dataclass(frozen=True)
class Audit:
    """The machine as a coder, against the researchers' latest codes of the turns they reviewed.

    The machine's code of a reviewed turn comes from a run that had not learned from that turn
    (``coding.code_with_review``), so this is its agreement on turns it had not seen coded.
    """

    dimension: str  # stage, touchpoints, emotion
    reviewed: int
    agreed: int
    kappa: float  # NaN for touchpoints (sets compare as exact matches only)


def machine_audit(study_root: Path | str, machine: pd.DataFrame | None) -> list[Audit]:
    """Per dimension, how often the machine layer agreed with the study's human codes."""
    if machine is None:
        return []
    human = study_human_codes(study_root, machine)  # codes follow their words
    if human.empty:
        return []
    human = human.sort_values("coded_at", kind="stable")
    _, rows = machine_coder(machine)
    audits = []
    for dimension in ("stage", "touchpoints", "emotion"):
        # the latest researcher who coded the dimension: "(not coded)" is nobody's answer
        coded = human[human[dimension].astype(str) != NOT_CODED]
        coded = coded.drop_duplicates("segment_id", keep="last")[["segment_id", dimension]]
        both = rows.merge(coded, on="segment_id", suffixes=("_machine", "_human"))
        ours, theirs = (both[f"{dimension}_{who}"].astype(str) for who in ("machine", "human"))
        if dimension == "touchpoints":
            agreed = [code_set(a) == code_set(b) for a, b in zip(ours, theirs, strict=True)]
            kappa = math.nan
        else:
            agreed = list(ours == theirs)
            labels = {v: n for n, v in enumerate(sorted(set(ours) | set(theirs)))}
            kappa = cohen_kappa(ours.map(labels).to_numpy(), theirs.map(labels).to_numpy())
        if len(both):  # a dimension nobody coded is not "0 of 0 reviewed"
            audits.append(Audit(dimension, len(both), int(sum(agreed)), kappa))
    return audits


def audit_sentence(audits: Sequence[Audit]) -> str:
    """ "The machine agreed with the researchers on 31 of 40 reviewed stages (κ 0.74), …"."""
    if not audits:
        return (
            "No turn of this study has been reviewed, so how often the machine agrees with the "
            "researchers here is unknown (README: Teach the coder)."
        )
    names = {"stage": "stages", "touchpoints": "touchpoint sets", "emotion": "emotions"}
    parts = [
        f"{a.agreed} of {a.reviewed} reviewed {names[a.dimension]}"
        + ("" if math.isnan(a.kappa) else f" (κ {a.kappa:.2f})")
        for a in audits
    ]
    return (
        "Audited on the turns the researchers reviewed, coded before the machine learned from "
        f"them, the machine agreed with the researchers on {', '.join(parts[:-1])} and "
        f"{parts[-1]}."
    )


def audit_warning(audits: Sequence[Audit], expected: tuple[int, float] | None = None) -> str:
    """The executive summary's warning about the audit ("" when there is none to give); with
    too few reviewed turns it gives what the machine ``expected`` of itself
    (:func:`expected_stage_accuracy`), the one estimate there is until someone reviews."""
    stage = next((a for a in audits if a.dimension == "stage"), None)
    if stage is None or stage.reviewed < MIN_REVIEWED:
        reviewed = stage.reviewed if stage else 0
        done = (
            f"Only {reviewed} turns of this study were reviewed by a researcher (fewer than "
            f"{MIN_REVIEWED})"
            if reviewed
            else "No turn of this study has been reviewed by a researcher yet"
        )
        if expected is None:
            return f"{done}: how far to trust the machine's codes here is not yet known."
        share = f"{expected[1]:.0%} of its stage decisions (a stage, or none for small talk)"
        return (
            f"{done}: how often the machine agrees with them here is not yet known; its own "
            f"calibrated confidence expects about {share} to be right."
        )
    said = []
    if not math.isnan(stage.kappa) and stage.kappa < MIN_STAGE_KAPPA:
        said.append(
            f"The machine agreed with the researchers on stages with κ {stage.kappa:.2f} "
            f"(below {MIN_STAGE_KAPPA}): review more turns before relying on the stage findings."
        )
    emotion = next((a for a in audits if a.dimension == "emotion"), None)
    if (
        emotion is not None
        and emotion.reviewed >= MIN_REVIEWED
        and not math.isnan(emotion.kappa)
        and emotion.kappa < MIN_EMOTION_KAPPA
    ):
        # after the stage warning "it" is the machine; alone, the sentence names it
        opening = (
            "On emotions it agreed"
            if said
            else "The machine agreed with the researchers on emotions"
        )
        said.append(
            f"{opening} with κ {emotion.kappa:.2f} ({emotion.agreed} of "
            f"{emotion.reviewed} reviewed turns; below {MIN_EMOTION_KAPPA}): the pain points, "
            "delights and low point rest on emotions, so read them as leads until more turns "
            "are reviewed."
        )
    return " ".join(said)


def expected_stage_accuracy(segments: pd.DataFrame, codebook: Codebook) -> tuple[int, float] | None:
    """How many participant segments a calibrated machine coder coded (human-coded ones left
    out), and the share whose stage its own confidence expects to be right (None: none, or a
    ``codebook`` whose stages are not the default's: the calibration was fitted and checked on
    those, and says nothing of how sure the machine is among other stages)."""
    if tuple(codebook.stage_ids) != default_stage_ids():
        return None
    parts = segments["coder"].fillna("").astype(str).str.extract(r"^auto:(\w+)(?:\+\w+)?@(\d+)$")
    since = parts[0].map(CALIBRATED_SINCE)
    calibrated = since.notna() & (pd.to_numeric(parts[1], errors="coerce") >= since)
    rows = segments[calibrated & (segments["role"] == PARTICIPANT)]
    confidence = pd.to_numeric(rows["stage_confidence"], errors="coerce").dropna()
    if confidence.empty:
        return None
    return len(confidence), float(confidence.mean())


def expectation_sentence(expected: tuple[int, float] | None, audited: bool) -> str:
    """ "The machine's calibrated confidence expects its stage decision … right on about 77% …"."""
    if expected is None:
        return ""
    n, share = expected
    said = (
        f"The machine's calibrated confidence expects its stage decision (a stage, or none for "
        f"small talk) to be right on about {share:.0%} of the {n} segments it coded here (on a "
        f"hand-coded study nothing was tuned on, such expectations came within "
        f"{ESTIMATE_WITHIN * 100:.0f} points of the truth)."
    )
    if audited:
        said += (
            " Turns reviewed because the tool suggested them (review export --next) are those "
            "the machine was least sure of, so its agreement on them runs lower than on the rest."
        )
    return said
