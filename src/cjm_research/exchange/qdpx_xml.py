"""What both directions of the REFI-QDA exchange share: namespaces, code roots, variable names."""

from __future__ import annotations

from datetime import datetime

NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
#: The root code of each codebook dimension, and the segments-table column it fills.
ROOTS = {"stages": "Stage", "touchpoints": "Touchpoint", "emotions": "Emotion"}
COLUMNS = {"stages": "stage", "touchpoints": "touchpoints", "emotions": "emotion"}
#: A persona's fields as the Case variables they travel in.
PERSONA_LISTS = {"goals": "Goals", "needs": "Needs", "pain_points": "Pain points"}
PERSONA_TEXTS = {"name": "Persona name", "summary": "Summary", "quote": "Quote"}


def is_datetime(value: str) -> bool:
    """True for an ISO 8601 date and time (``creationDateTime`` must be one)."""
    if not value or "T" not in value:
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
