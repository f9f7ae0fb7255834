"""Exporting a study as a REFI-QDA project (``.qdpx``) or codebook (``.qdc``).

A QDPX is a zip holding ``project.qde`` (XML in ``urn:QDA-XML:project:1.0``) and ``sources/`` with
one ``<GUID>.txt`` per text source. Export writes the codebook as codes nested under non-codable
Stage / Touchpoint / Emotion roots, one User per coder (the machine and every human coder), every
coded turn as a ``PlainTextSelection`` (end-exclusive code points over the canonical ``\\n``
transcript text), and personas as Cases. GUIDs are uuid5 of stable ids, and the zip has fixed
timestamps, so exporting the same study twice gives the same bytes. NVivo, ATLAS.ti, MAXQDA and
QualCoder open it.
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from lxml import etree

from cjm_research import __version__
from cjm_research.coding.human import study_human_codes
from cjm_research.exchange.qdpx_xml import (
    CODEBOOK_NS,
    COLUMNS,
    NS,
    PERSONA_LISTS,
    PERSONA_TEXTS,
    ROOTS,
    is_datetime,
    with_id,
)
from cjm_research.ingest import meta_names
from cjm_research.ingest.build import matches_name
from cjm_research.ingest.labels import name_key
from cjm_research.iorw import write_bytes
from cjm_research.model import NOT_CODED, PARTICIPANT, Codebook, Persona, Transcript
from cjm_research.segments import split_codes
from cjm_research.study import Study

_GUIDS = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/cjm-research/refi-qda")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_HEX_COLOUR = re.compile(r"^#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")
_NOT_CARRIED = (
    "valence, intensity and the stage/touchpoint/emotion confidences are not carried: "
    "REFI-QDA codings have no values",
    "codebook keywords, examples, touchpoint owners and emotion valences are not carried: "
    "REFI-QDA codes have a name, a description and a colour",
    "sources are the canonical plain text ('Speaker: words'); original file formats, "
    "time stamps and front matter other than participant and interviewers are not carried",
)


def guid(*parts: str) -> str:
    """A stable GUID for a thing named by ``parts`` (uuid5), so re-exports keep their GUIDs."""
    return str(uuid.uuid5(_GUIDS, "\x1f".join(parts)))


def _q(tag: str, ns: str = NS) -> str:
    return f"{{{ns}}}{tag}"


def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, _q(tag, etree.QName(parent).namespace), attrs)


def _text_child(parent: etree._Element, tag: str, text: str) -> None:
    if text:
        _sub(parent, tag).text = text


# --- export -----------------------------------------------------------------------------------


@dataclass
class ExportResult:
    """What an export wrote, and what it could not carry (the standard asks to say so)."""

    path: Path
    sources: int = 0
    selections: int = 0
    codings: int = 0
    users: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def codes_element(codebook: Codebook, ns: str = NS) -> etree._Element:
    """``<Codes>``: one non-codable root per dimension with the dimension's codes under it."""
    codes = etree.Element(_q("Codes", ns), nsmap={None: ns})
    for dimension, root_name in ROOTS.items():
        root = _sub(codes, "Code", guid=guid("code", dimension), name=root_name, isCodable="false")
        for code in codebook.dimension(dimension):
            attrs = {"guid": code_guid(dimension, code.id), "name": code.label, "isCodable": "true"}
            if _HEX_COLOUR.match(code.color):
                attrs["color"] = code.color
            element = _sub(root, "Code", **attrs)
            _text_child(element, "Description", with_id(code.description, code.id, code.label))
    return codes


def code_guid(dimension: str, code_id: str) -> str:
    """The GUID of a codebook code (by dimension and id, not label, so relabelling keeps it)."""
    return guid("code", dimension, code_id)


def qdc_bytes(codebook: Codebook) -> bytes:
    """The codebook alone as a REFI-QDA codebook document (``urn:QDA-XML:codebook:1.0``)."""
    book = etree.Element(_q("CodeBook", CODEBOOK_NS), nsmap={None: CODEBOOK_NS})
    book.append(codes_element(codebook, CODEBOOK_NS))
    return _serialise(book)


def write_qdc(codebook: Codebook, path: Path | str) -> Path:
    """Write ``codebook`` as a ``.qdc`` file (atomically)."""
    return write_bytes(Path(path), qdc_bytes(codebook))


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def coded_rows(study: Study, machine: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Every coder's codes per segment: the machine layer plus each human's latest codes.

    Returns (rows, warnings); human codes on segments the study no longer has are left out.
    """
    warnings: list[str] = []
    columns = ["segment_id", "coder", "stage", "touchpoints", "emotion", "coded_at"]
    frames = []
    if len(machine):
        rows = machine[(machine["role"] == PARTICIPANT) & (machine["coder"] != "")]
        frames.append(rows.assign(coded_at="").reindex(columns=columns))
    turns = pd.DataFrame(
        [
            (t.segment_id(turn), t.interview_id, turn.text)
            for t in study.transcripts
            for turn in t.turns
        ],
        columns=["segment_id", "interview_id", "text"],
    )
    human = study_human_codes(study.root, turns)
    if len(human):
        known = set(turns["segment_id"])
        orphans = ~human["segment_id"].isin(known)
        if orphans.any():
            warnings.append(
                f"{int(orphans.sum())} human codes refer to segments the study no longer has; "
                "not exported"
            )
        notes = int((human["note"] != "").sum())
        if notes:
            warnings.append(f"{notes} human notes are not carried")
        valences = int((human["valence"] != "").sum())
        if valences:
            warnings.append(f"{valences} human valence values are not carried")
        frames.append(human[~orphans].reindex(columns=columns))
    if not frames:
        return pd.DataFrame(columns=columns), warnings
    table = pd.concat(frames, ignore_index=True).fillna("").astype(str)
    return table, warnings


def project_xml(study: Study, machine: pd.DataFrame) -> tuple[bytes, dict[str, str], list[str]]:
    """The ``project.qde`` document, the source texts by GUID, and what could not be carried."""
    codebook = study.codebook
    rows, warnings = coded_rows(study, machine)
    if "evidence" in machine and (machine["evidence"].astype(str) != "").any():
        warnings.append("machine evidence (why each code was chosen) is not carried")
    warnings.extend(_NOT_CARRIED)
    known = {(dim, c.id): code_guid(dim, c.id) for dim in ROOTS for c in codebook.dimension(dim)}
    coders = sorted(set(rows["coder"]))
    project = etree.Element(
        _q("Project"),
        {"name": study.root.resolve().name, "origin": f"cjm-research {__version__}"},
        nsmap={None: NS},
    )
    if coders:
        users = _sub(project, "Users")
        for coder in coders:
            _sub(users, "User", guid=guid("user", coder), name=coder)
    _sub(project, "CodeBook").append(codes_element(codebook))
    personas = _personas(study)
    source_values = {t.interview_id: _source_values(t, study) for t in study.transcripts}
    variables = _variables(personas, list(source_values.values()))
    if variables:
        element = _sub(project, "Variables")
        for name in variables:
            _sub(element, "Variable", guid=guid("variable", name), name=name, typeOfVariable="Text")
    if personas:
        cases = _sub(project, "Cases")
        for persona in personas:
            _case(cases, persona, [t for t in study.transcripts if t.persona_id == persona.id])
    texts: dict[str, str] = {}
    unknown: set[str] = set()
    by_segment = {sid: group for sid, group in rows.groupby("segment_id", sort=False)}
    if study.transcripts:
        sources = _sub(project, "Sources")
        for transcript in sorted(study.transcripts, key=lambda t: t.interview_id):
            source_guid = guid("source", transcript.interview_id)
            texts[source_guid] = transcript.text
            _source(sources, transcript, source_guid, by_segment, known, unknown)
            _variable_values(sources[-1], source_values[transcript.interview_id])
    if unknown:
        warnings.append(f"codes not in the codebook are not exported: {', '.join(sorted(unknown))}")
    return _serialise(project), texts, warnings


def _personas(study: Study) -> list[Persona]:
    ids = sorted(set(study.personas) | {t.persona_id for t in study.transcripts} - {""})
    return [study.personas.get(pid) or Persona(id=pid, name=pid) for pid in ids]


def _persona_values(persona: Persona) -> dict[str, str]:
    values = {label: str(getattr(persona, key) or "") for key, label in PERSONA_TEXTS.items()}
    values |= {label: "\n".join(getattr(persona, key)) for key, label in PERSONA_LISTS.items()}
    values |= {
        k: str(v) for k, v in sorted(persona.extra.items()) if isinstance(v, str | int | float)
    }
    return {k: v for k, v in values.items() if v}


def _source_values(transcript: Transcript, study: Study) -> dict[str, str]:
    """A source's variables: its participant, their pseudonym and interview date (so an import
    can write participants.csv again; never the real name), and its interviewers."""
    named, labels = _interviewers(transcript, study)
    row = study.participants.get(transcript.participant_id)
    values = {
        "Participant": transcript.participant_id,
        "Pseudonym": row.pseudonym if row else "",
        "Date": row.date if row else "",
        "Interviewers": "\n".join(named or labels),
        # "Q" for Hannah Lowe: the import lists it beside her name, so that it reads as hers.
        "Interviewer labels": "\n".join(labels) if named else "",
        # A group's voices, one line each ("Anna: N02 (Saver B)"), so that an import counts
        # each person again.
        "Speakers": "\n".join(
            f"{label}: {pid}"
            + (f" ({p.pseudonym})" if (p := study.participants.get(pid)) and p.pseudonym else "")
            for label, pid in transcript.speakers.items()
        ),
    }
    return {k: v for k, v in values.items() if v}


def _interviewers(transcript: Transcript, study: Study) -> tuple[list[str], list[str]]:
    """The interviewers as the study names them (front matter, then participants.csv), and the
    labels of interviewer turns that are none of those names ("Q", "INTERVIEWER")."""
    ids = {transcript.participant_id, *transcript.speakers.values()} - {""}
    rows = [study.participants[pid] for pid in sorted(ids) if pid in study.participants]
    names = [
        *meta_names(transcript.meta, "interviewers"),
        *(n for r in rows for n in r.interviewers),
    ]
    named: dict[str, str] = {}  # one spelling per person, the first given
    for name in names:
        named.setdefault(name_key(name), name)
    labels = sorted({t.speaker for t in transcript.turns if t.role != PARTICIPANT})
    unnamed = [label for label in labels if not matches_name(label, named.values())]
    return list(named.values()), unnamed


def _variables(personas: list[Persona], sources: list[dict[str, str]]) -> list[str]:
    names = [n for p in personas for n in _persona_values(p)]
    names += [n for values in sources for n in values]
    return list(dict.fromkeys(names))


def _variable_values(parent: etree._Element, values: dict[str, str]) -> None:
    for name, value in values.items():
        element = _sub(parent, "VariableValue")
        _sub(element, "VariableRef", targetGUID=guid("variable", name))
        _sub(element, "TextValue").text = value


def _case(cases: etree._Element, persona: Persona, transcripts: list[Transcript]) -> None:
    case = _sub(cases, "Case", guid=guid("case", persona.id), name=persona.id)
    _text_child(case, "Description", persona.body)
    _variable_values(case, _persona_values(persona))
    for transcript in transcripts:
        _sub(case, "SourceRef", targetGUID=guid("source", transcript.interview_id))


def _source(
    sources: etree._Element,
    transcript: Transcript,
    source_guid: str,
    by_segment: dict[str, pd.DataFrame],
    known: dict[tuple[str, str], str],
    unknown: set[str],
) -> None:
    source = _sub(
        sources,
        "TextSource",
        guid=source_guid,
        name=transcript.interview_id,
        plainTextPath=f"internal://{source_guid}.txt",
    )
    for turn in transcript.turns:
        segment_id = transcript.segment_id(turn)
        group = by_segment.get(segment_id)
        if group is None:
            continue
        for row in group.sort_values("coder").itertuples(index=False):
            codes = [
                (dim, code)
                for dim, column in COLUMNS.items()
                for code in split_codes(getattr(row, column))
                if code != NOT_CODED  # a dimension the coder did not code has no coding
            ]
            unknown.update(f"{dim}:{code}" for dim, code in codes if (dim, code) not in known)
            codes = [(dim, code) for dim, code in codes if (dim, code) in known]
            if not codes:
                continue
            user = guid("user", row.coder)
            stamp = {"creationDateTime": row.coded_at} if is_datetime(row.coded_at) else {}
            selection = _sub(
                source,
                "PlainTextSelection",
                guid=guid("selection", segment_id, row.coder),
                name=segment_id,
                startPosition=str(turn.start),
                endPosition=str(turn.end),
                creatingUser=user,
                **stamp,
            )
            for dim, code in codes:
                coding = _sub(
                    selection,
                    "Coding",
                    guid=guid("coding", segment_id, row.coder, dim, code),
                    creatingUser=user,
                    **stamp,
                )
                _sub(coding, "CodeRef", targetGUID=known[(dim, code)])


def export_qdpx(study: Study, machine: pd.DataFrame, path: Path | str) -> ExportResult:
    """Write ``study`` (its machine layer ``machine`` and every human coder) as a QDPX file."""
    path = Path(path)
    xml, texts, warnings = project_xml(study, machine)
    members = [("project.qde", xml)] + [
        (f"sources/{g}.txt", text.encode("utf-8")) for g, text in sorted(texts.items())
    ]
    write_bytes(path, _zip(members))
    root = etree.fromstring(xml)
    return ExportResult(
        path=path,
        sources=len(texts),
        selections=len(root.findall(".//{*}PlainTextSelection")),
        codings=len(root.findall(".//{*}PlainTextSelection/{*}Coding")),
        users=[u.get("name", "") for u in root.iterfind("{*}Users/{*}User")],
        warnings=warnings,
    )


def _zip(members: Iterable[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()
