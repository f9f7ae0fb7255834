"""The Word reports, built with python-docx on ``templates/reference.docx``.

``persona`` writes a persona's journey report, ``comparison`` the cross-persona report; ``base``
holds what they share.
"""

from cjm_research.report.render.docx.base import REQUIRED_STYLES, clean_for_word
from cjm_research.report.render.docx.comparison import (
    CROSS_PERSONA_CAPTIONS,
    write_cross_persona_docx,
)
from cjm_research.report.render.docx.persona import write_journey_docx

__all__ = [
    "CROSS_PERSONA_CAPTIONS",
    "REQUIRED_STYLES",
    "clean_for_word",
    "write_cross_persona_docx",
    "write_journey_docx",
]
