"""What both directions of the REFI-QDA exchange share: namespaces, code roots, variable names."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime

from lxml import etree

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


def local_name(element: etree._Element) -> str:
    """An element's tag without its namespace (tools differ in how they declare it)."""
    return etree.QName(element).localname


def children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    """The child elements of ``element`` named ``name`` in any namespace."""
    return (c for c in element if isinstance(c.tag, str) and local_name(c) == name)


def normal_guid(value: str | None) -> str:
    """GUIDs compare case-insensitively and with or without braces (ATLAS.ti writes ``{ABC…}``)."""
    return (value or "").strip().strip("{}").lower()


def name_key(name: str) -> str:
    """A code name as names are compared: case, ``_``, ``-`` and spacing ignored."""
    return " ".join(re.sub(r"[_\-]+", " ", name).casefold().split())


#: A root code's name (Stage or Stages, any case) → the dimension whose codes it holds.
ROOT_DIMENSIONS = {name_key(n): d for d, n in ROOTS.items()} | {name_key(d): d for d in ROOTS}


def top_codes(project: etree._Element) -> Iterator[etree._Element]:
    """The top-level ``<Code>`` elements of a project's codebook."""
    for book in children(project, "CodeBook"):
        for codes in children(book, "Codes"):
            yield from children(codes, "Code")


def code_slug(name: str) -> str:
    """A code id from a code's name: "Self-checkout kiosk" → ``self_checkout_kiosk`` ("" for a
    name without letters or digits)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", ascii_name.casefold()).strip("_")[:48]


# A code's id where its label does not spell it (id "trial", label "Free trial"): the last line
# of its description, since a REFI-QDA code has a name, a description and a colour, nothing more.
_ID_LINE = re.compile(r"\s*\bcjm id: ([a-z0-9][a-z0-9_\-]*)\s*$")


def with_id(description: str, code_id: str, label: str) -> str:
    """``description`` with the code's id as its last line, when ``label`` does not spell it."""
    if code_slug(label) == code_id:
        return description
    return f"{description}\n\ncjm id: {code_id}" if description else f"cjm id: {code_id}"


def split_id(description: str) -> tuple[str, str]:
    """(description, id) of a description :func:`with_id` wrote; id "" when it has none."""
    found = _ID_LINE.search(description)
    if found is None:
        return description, ""
    return description[: found.start()].rstrip(), found.group(1)
