"""The coding run at a glance, for the coding notebook (``notebooks/coding.ipynb``): counts, code
frequencies, the turns to review first and the study's input problems, redacted if asked."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cjm_research import privacy
from cjm_research.analysis import (
    code_frequencies,
    participant_segments,
    plural,
    questions_shown,
)
from cjm_research.report.render import html
from cjm_research.study import Study


@dataclass
class CodingOverview:
    """What the coding notebook shows of a coding run (``notebooks/coding.ipynb``)."""

    intro: str  # escaped HTML: interviews, segments, coders, codebook
    frequencies: dict[str, pd.DataFrame]  # per dimension: code label, segments
    review_first: pd.DataFrame  # the least sure stage or touchpoint codes, redacted if asked
    problems: pd.DataFrame  # the study's input problems, redacted if asked


def coding_overview(
    study: Study, segments: pd.DataFrame, *, redact: bool = True, review: int = 15
) -> CodingOverview:
    """The coding run at a glance: counts, code frequencies, the ``review`` segments to review
    first and the input problems. "Review first" ranks by stage and touchpoint confidence only,
    as the review sheet flags."""
    # The question a turn answers, where it needs one to be understood (as in the reports).
    participants = participant_segments(segments.assign(question=questions_shown(segments)))
    coders = ", ".join(sorted(set(participants["coder"]) - {""})) or "nobody"
    intro = html.paragraph(
        f"{plural(len(study.transcripts), 'interview')}, "
        f"{plural(len(participants), 'participant segment')} coded "
        f"by {coders} with “{study.codebook.name}” ({study.codebook.version})."
    )
    frequencies = {
        dimension: pd.DataFrame(
            {
                "code": [study.codebook.label(dimension, c) for c in counts.index],
                "segments": counts.to_numpy(),
            }
        )
        for dimension, counts in code_frequencies(segments, study.codebook).items()
    }
    confidence = participants[["stage_confidence", "touchpoint_confidence"]].min(axis=1)
    least = participants.assign(confidence=confidence).nsmallest(review, "confidence")
    # Relative to the study: an absolute path names the researcher's folders.
    problems = [p.display(study.root) for p in study.problems]
    if redact:
        # Only what is shown: redacting every row of a large study would cost more than the rest.
        key = privacy.study_key(study, segments)
        least = privacy.redact_segments(least, key)
        problems = [key.redact_text(p) for p in problems]
    columns = [
        "segment_id",
        "question",
        "text",
        "stage",
        "touchpoints",
        "emotion",
        "confidence",
        "evidence",
    ]
    return CodingOverview(
        intro=intro,
        frequencies=frequencies,
        review_first=least[columns].reset_index(drop=True),
        problems=pd.DataFrame({"problem": problems}),
    )
