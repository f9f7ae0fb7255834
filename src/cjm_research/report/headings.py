"""The persona report's sections: each one's anchor and heading, in reading order.

The table of contents, the HTML sections (``report.persona``), the Word headings
(``render/docx/persona.py``) and the persona notebook all take them from here, so a heading is
worded once.
"""

from __future__ import annotations

#: anchor → heading of the persona report's fixed sections, in reading order; the stages'
#: sections ("Stage: …") come between ``touchpoints`` and ``methodology``.
SECTIONS: dict[str, str] = {
    "summary": "Executive summary",
    "changes": "Changes since the last report",
    "profile": "Persona profile",
    "journey-map": "Journey map",
    "priorities": "What to fix first",
    "insights": "Insights and opportunities",
    "emotion": "Emotion across the journey",
    "touchpoints": "Touchpoints by stage",
    "methodology": "Appendix: Methodology",
}
