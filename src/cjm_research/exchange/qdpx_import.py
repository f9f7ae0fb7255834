"""Importing a REFI-QDA project (``.qdpx``) from NVivo, ATLAS.ti, MAXQDA or QualCoder.

It reads what other tools write (upper-case or braced GUIDs, ``Sources/``, CRLF source text with
offsets counted over either form, missing optional parts): sources become transcripts in the
study, cases become persona notes, and codings become each coder's human codes on the turns they
overlap most, in the dimensions that coder coded at all. A study without ``codebook.yaml`` gets
one from the project's codes first (``qdpx_codebook``).
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml
from lxml import etree

from cjm_research.codebook import DIMENSIONS
from cjm_research.coding.human import (
    append_human_codes,
    latest_human_codes,
    read_human_codes,
    text_sha,
)
from cjm_research.exceptions import CJMInputError
from cjm_research.exchange.qdpx_codebook import (
    ProjectCodebook,
    SameName,
    coded_dimensions,
    map_codes,
    same_named,
    write_project_codebook,
)
from cjm_research.exchange.qdpx_positions import (
    Selection,
    lf_text,
    offsets_to_lf,
    turn_spans,
)
from cjm_research.exchange.qdpx_vendors import normalise
from cjm_research.exchange.qdpx_xml import (
    COLUMNS,
    PERSONA_LISTS,
    PERSONA_TEXTS,
    children,
    is_datetime,
    local_name,
    normal_guid,
)
from cjm_research.ingest import MAX_TRANSCRIPT_BYTES, is_safe_id, read_transcript, readers
from cjm_research.ingest.files import transcript_files
from cjm_research.iorw import write_text
from cjm_research.model import NOT_CODED, PARTICIPANT, Transcript
from cjm_research.study import Study, load_study

IMPORT_FOLDER = "imported"  # where imported sources go in the study


@dataclass
class ImportResult:
    """What an import did to the study, and what it could not use."""

    study: Path
    transcripts: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    personas: list[Path] = field(default_factory=list)
    participants: list[dict[str, str]] = field(default_factory=list)  # rows for participants.csv
    participants_file: Path | None = None  # written when the study had none
    codes: dict[str, int] = field(default_factory=dict)
    unmapped: dict[str, int] = field(default_factory=dict)
    kept_out: int = 0  # coded turns whose codes in a dimension were all unmapped, none kept
    not_coded: dict[str, list[str]] = field(default_factory=dict)  # coder → columns not coded
    codebook: ProjectCodebook | None = None  # the codebook.yaml written from the project
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What ``cjm import qdpx`` says: warnings, the codebook written, what was not coded or
        not imported (each with its fix), then the count of what came in."""
        said = [f"warning: {warning}" for warning in self.warnings]
        said += self.codebook.lines() if self.codebook else []
        for coder, columns in self.not_coded.items():
            said.append(
                f"{coder} coded no {' or '.join(columns)} in this project: recorded as "
                "'(not coded)' where they had no code of their own, so the machine's codes stand "
                "there and agreement and learning leave them out"
            )
        if self.unmapped:
            unmapped = ", ".join(f"{name} ({n})" for name, n in sorted(self.unmapped.items()))
            own = self.study / "codebook.yaml"
            said.append(
                f"codes not in {own}, not imported: {unmapped} — add them to codebook.yaml (by "
                "id or label) and import again"
                if own.is_file()
                else f"codes not in the default codebook, not imported: {unmapped} — write it "
                f"to {own} (`cjm codebook --study {self.study}`), add them (by id or label) and "
                "import again"
            )
        if self.kept_out:
            said.append(
                f"{self.kept_out} coded turn{'' if self.kept_out == 1 else 's'} not imported: "
                "some of their codes are not in the study codebook — add those codes to "
                "codebook.yaml (by id or label) and import again"
            )
        codes = ", ".join(f"{coder} {n}" for coder, n in self.codes.items()) or "none new"
        said.append(
            f"{self.study}: {len(self.transcripts)} sources ({len(self.written)} new transcripts, "
            f"{len(self.personas)} new personas"
            f"{', participants.csv' if self.participants_file else ''}); human codes: {codes}"
        )
        return said


def import_qdpx(path: Path | str, study_root: Path | str) -> ImportResult:
    """Create or update the study at ``study_root`` from the QDPX at ``path``.

    New sources are written to ``STUDY/imported/<interview>.txt`` (with front matter naming the
    participant, persona and interviewers when the project says) and read back with the text
    reader; a source whose interview id the study already has is matched to that transcript.
    Codings become human codes, per coder, on the participant turn each selection overlaps most;
    codes missing from the study codebook are counted in ``unmapped``; machine codes
    (``auto:…`` users) are skipped because ``cjm code`` recreates them. A new study (no
    transcripts yet, no ``codebook.yaml``) gets a codebook from the project's code tree
    (``result.codebook``); a study that already codes with the default codebook keeps it (a
    project's two stage codes would narrow its journey), and an existing file is never written.
    Codes of one name in one dimension become one code (a warning counts each one's codings);
    when they stand for different cjm codes, nothing is imported (``CJMInputError``).
    """
    path, study_root = Path(path), Path(study_root)
    archive, root = _open_project(path)
    normalise(root)  # NVivo's case nodes, MAXQDA's document variables
    with archive:
        twins = same_named(root)  # refused before anything is written
        _refuse_twins([t for t in twins if len(t.ids()) > 1], path)
        study_root.mkdir(parents=True, exist_ok=True)
        result = ImportResult(study_root)
        new_study = not transcript_files(study_root, set(readers()))[0]
        if new_study:
            result.codebook = write_project_codebook(root, study_root, root.get("name") or "")
        study = load_study(study_root)
        users = {normal_guid(u.get("guid")): u.get("name") or "" for u in root.iter("{*}User")}
        sources = [(s, _selections(s, users)) for s in root.iter("{*}TextSource")]
        known = _known(root, study, sources, result)
        _merge_twins(twins, known, result)
        persona_of, variable_names = _cases(root, study, result)
        existing = {t.interview_id: t for t in study.transcripts}
        rows: list[dict[str, str]] = []
        for source, selections in sources:
            text = _source_text(archive, source, path, result)
            if text is None:
                continue
            interview_id = _interview_id(source, result)
            transcript = existing.get(interview_id) or _write_source(
                study_root, interview_id, text, source, persona_of, variable_names, result
            )
            result.transcripts.append(interview_id)
            existing[interview_id] = transcript
            rows += _codes_of(selections, text, transcript, known, result)
        skipped = sum(1 for _ in root.iter(*(f"{{*}}{tag}" for tag in _OTHER_SOURCES)))
        if skipped:
            result.warnings.append(f"{skipped} picture, PDF, audio or video sources skipped")
    _append(study_root, rows, result)
    _write_participants(study_root, result)
    return result


@dataclass(frozen=True)
class _Known:
    """What placing a project's codings needs: its codes matched onto the study codebook, the
    dimensions each coder coded anywhere in it, and each coder's current codes in the study."""

    codes: dict[str, tuple[str, str] | str]
    coded: dict[str, set[str]]
    mine: dict[tuple[str, str], dict[str, str]]
    per_code: dict[str, int]  # code GUID → how many human codings it carries


def _known(
    root: etree._Element,
    study: Study,
    sources: list[tuple[etree._Element, list[Selection]]],
    result: ImportResult,
) -> _Known:
    codes = map_codes(root, study.codebook)
    codings = [
        (coder, code)
        for _, selections in sources
        for selection in selections
        for coder, code, _ in selection.codes
        if not coder.startswith("auto:")  # the machine's are skipped: it codes them again
    ]
    coded = coded_dimensions(codings, codes)
    result.not_coded = {
        coder: [COLUMNS[d] for d in DIMENSIONS if d not in dims]
        for coder, dims in sorted(coded.items())
        if 0 < len(dims) < len(DIMENSIONS)  # a coder of unknown codes alone imports nothing
    }
    per_code = Counter(code for _, code in codings)
    return _Known(codes, coded, _current_codes(study.root), dict(per_code))


def _refuse_twins(twins: list[SameName], path: Path) -> None:
    """Stop when codes of one name stand for different cjm codes (the ids their descriptions
    give): cjm could not tell their codings apart."""
    if twins:
        said = "; ".join(
            f"{len(t.codes)} codes named {t.name!r} {t.where()} stand for different codes "
            f"({', '.join(t.ids())})"
            for t in twins
        )
        raise CJMInputError(
            said,
            path,
            hint="rename all but one of them in the other tool (or merge them there), export "
            "the project again and import it; nothing was imported",
        )


def _merge_twins(twins: list[SameName], known: _Known, result: ImportResult) -> None:
    """Codes of one name in one dimension map to one study code (by that name, or by the one
    cjm id they all give): warn, with what each carried."""
    for twin in twins:
        target = known.codes.get(twin.codes[0][0])
        if not isinstance(target, tuple):
            continue  # not in the codebook: listed with the codes not imported
        result.warnings.append(
            f"{len(twin.codes)} codes named {twin.name!r} {twin.where()} "
            f"({twin.described(known.per_code)}) imported as one code, {target[1]!r}: if they "
            "mean different things, rename one in the other tool and import again (into a study "
            "with its own codebook.yaml, add the new name there too)"
        )


def _write_participants(study_root: Path, result: ImportResult) -> None:
    """participants.csv from the sources' participant variables (pseudonyms and dates kept),
    in a study that has none; a study's own list is never touched."""
    target = study_root / "participants.csv"
    # One row per person: a group's row (with its speaker) before another interview's, whose
    # transcript names them in its front matter.
    in_group = {r["participant_id"] for r in result.participants if r.get("speaker")}
    by_id: dict[str, dict[str, str]] = {}
    for r in result.participants:
        if r.get("speaker") or r["participant_id"] not in in_group:
            by_id.setdefault(r["participant_id"], r)
    rows = list(by_id.values())
    if not rows or target.exists():
        return
    frame = pd.DataFrame(rows)
    frame = frame.loc[:, [c for c in frame.columns if c == "participant_id" or frame[c].any()]]
    write_text(target, frame.to_csv(index=False))
    result.participants_file = target


_OTHER_SOURCES = ("PictureSource", "PDFSource", "AudioSource", "VideoSource")


# Checked before reading a member, so a crafted zip cannot make the import inflate gigabytes.
_MAX_PROJECT_BYTES = 500 * 1024 * 1024


def _open_project(path: Path) -> tuple[zipfile.ZipFile, etree._Element]:
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise CJMInputError(
            "not a QDPX (zip) file", path, hint="export a REFI-QDA project (.qdpx)"
        ) from exc
    names = [n for n in archive.namelist() if n.lower().endswith(".qde") and "/" not in n]
    if not names:
        archive.close()
        raise CJMInputError("the QDPX has no project.qde", path, hint="is it a REFI-QDA project?")
    if archive.getinfo(names[0]).file_size > _MAX_PROJECT_BYTES:
        archive.close()
        raise CJMInputError(
            "project.qde is larger than 500 MB", path, hint="is this the right file?"
        )
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(archive.read(names[0]), parser)
    except etree.XMLSyntaxError as exc:
        archive.close()
        raise CJMInputError(
            f"project.qde is not well-formed XML: {exc}", path, exc.lineno or None
        ) from exc
    if local_name(root) != "Project":
        archive.close()
        raise CJMInputError("project.qde has no <Project> root", path)
    return archive, root


def _values(element: etree._Element, names: dict[str, str]) -> dict[str, str]:
    """Variable name → value of an element's VariableValues."""
    values = {}
    for value in children(element, "VariableValue"):
        ref = next(children(value, "VariableRef"), None)
        name = names.get(normal_guid(ref.get("targetGUID") if ref is not None else ""), "")
        text = next((c.text for c in value if local_name(c) != "VariableRef"), None)
        if name and text is not None:
            values[name] = text.strip()
    return values


def _cases(
    root: etree._Element, study: Study, result: ImportResult
) -> tuple[dict[str, str], dict[str, str]]:
    """Source GUID → persona id (from Cases), and variable GUID → name; writes new personas."""
    names = {normal_guid(v.get("guid")): v.get("name") or "" for v in root.iter("{*}Variable")}
    persona_of: dict[str, str] = {}
    for case in root.iter("{*}Case"):
        persona_id = _safe_id(case.get("name") or "", "")
        if not persona_id:
            continue
        refs = [normal_guid(r.get("targetGUID")) for r in children(case, "SourceRef")]
        persona_of.update(dict.fromkeys(refs, persona_id))
        if persona_id in study.personas:
            continue
        target = study.root / "personas" / f"{persona_id}.md"
        if target.exists():
            continue
        meta = _persona_meta(persona_id, case.get("name") or "", _values(case, names))
        body = next((d.text or "" for d in children(case, "Description")), "")
        write_text(target, _front_matter(meta) + body.strip() + "\n")
        result.personas.append(target)
    return persona_of, names


def _persona_meta(persona_id: str, name: str, values: dict[str, str]) -> dict[str, object]:
    """Persona front matter from a Case's variables; unknown variables become extra fields."""
    labels = {label.casefold(): key for key, label in (PERSONA_TEXTS | PERSONA_LISTS).items()}
    meta: dict[str, object] = {"id": persona_id, "name": name or persona_id}
    for variable, value in values.items():
        key = labels.get(variable.casefold())
        if key in PERSONA_LISTS:
            meta[key] = value.splitlines()
        elif key or re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ -]*", variable):
            meta[key or variable] = value
    return meta


def _front_matter(meta: dict[str, object]) -> str:
    dumped = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{dumped}---\n"


def _safe_id(name: str, fallback: str) -> str:
    stem = re.sub(r"\.(txt|docx?|rtf|pdf|odt|vtt|srt|md)$", "", name.strip(), flags=re.I)
    # "Zoë Müller" → "Zoe-Muller", not "Zo-M-ller": accents go, their letters stay.
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_")[:64]
    return slug if slug and is_safe_id(slug) else fallback


def _interview_id(source: etree._Element, result: ImportResult) -> str:
    source_guid = normal_guid(source.get("guid"))
    interview_id = _safe_id(source.get("name") or "", f"source-{source_guid[:8]}")
    if interview_id in result.transcripts:
        interview_id = f"{interview_id}-{source_guid[:8]}"
    return interview_id


def _source_text(
    archive: zipfile.ZipFile, source: etree._Element, path: Path, result: ImportResult
) -> str | None:
    """The source's plain text: its ``internal://`` file (``sources/`` in any case) or content."""
    inline = next(children(source, "PlainTextContent"), None)
    if inline is not None and inline.text:
        return inline.text
    target = source.get("plainTextPath") or ""
    name = source.get("name") or source.get("guid") or "?"
    if not target.lower().startswith("internal://"):
        result.warnings.append(
            f"source {name!r}: text at {target or 'no path'!r} is outside the QDPX; skipped"
        )
        return None
    wanted = "sources/" + target[len("internal://") :].lower()
    member = next((n for n in archive.namelist() if n.lower() == wanted), None)
    if member is None:
        result.warnings.append(f"source {name!r}: {target} is missing from {path.name}; skipped")
        return None
    if archive.getinfo(member).file_size > MAX_TRANSCRIPT_BYTES:
        result.warnings.append(f"source {name!r}: larger than a transcript can be; skipped")
        return None
    data = archive.read(member)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.warnings.append(f"source {name!r}: text is not UTF-8; decoded as Windows-1252")
        return data.decode("cp1252", errors="replace")


def _write_source(
    study_root: Path,
    interview_id: str,
    text: str,
    source: etree._Element,
    persona_of: dict[str, str],
    variable_names: dict[str, str],
    result: ImportResult,
) -> Transcript:
    values = {k.casefold(): v for k, v in _values(source, variable_names).items()}
    meta: dict[str, object] = {"interview_id": interview_id}
    voices = [m for line in values.get("speakers", "").splitlines() if (m := _VOICE.match(line))]
    if values.get("participant") and not voices:
        meta["participant"] = values["participant"]
    persona = persona_of.get(normal_guid(source.get("guid")))
    if persona:
        meta["persona"] = persona
    file = f"{IMPORT_FOLDER}/{interview_id}.txt"
    if voices:  # a group interview: one row per voice, as the study had them
        result.participants += [
            {"participant_id": m["id"], "persona_id": persona or "",
             "pseudonym": m["pseudonym"] or "", "date": values.get("date", ""), "file": file,
             "speaker": m["label"]}
            for m in voices
        ]  # fmt: skip
    elif values.get("participant"):
        result.participants.append(
            {"participant_id": values["participant"], "persona_id": persona or "",
             "pseudonym": values.get("pseudonym", ""), "date": values.get("date", ""),
             "file": file}
        )  # fmt: skip
    if values.get("interviewers"):  # with the labels they speak under, when not their names
        meta["interviewers"] = [
            *values["interviewers"].splitlines(),
            *values.get("interviewer labels", "").splitlines(),
        ]
    target = study_root / IMPORT_FOLDER / f"{interview_id}.txt"
    write_text(target, _front_matter(meta) + lf_text(text))
    result.written.append(target)
    return read_transcript(target)


# One voice of a group in the "Speakers" source variable: "Anna: N02 (Saver B)".
_VOICE = re.compile(r"^\s*(?P<label>.+?):\s+(?P<id>\S+)(?:\s+\((?P<pseudonym>.*)\))?\s*$")


def _selections(source: etree._Element, users: dict[str, str]) -> list[Selection]:
    fallback = users.get(normal_guid(source.get("creatingUser")), "")
    selections = []
    for element in children(source, "PlainTextSelection"):
        try:
            start, end = int(element.get("startPosition")), int(element.get("endPosition"))
        except (TypeError, ValueError):
            continue
        owner = users.get(normal_guid(element.get("creatingUser")), "") or fallback
        codes = []
        for coding in children(element, "Coding"):
            ref = next(children(coding, "CodeRef"), None)
            if ref is None:
                continue
            coder = users.get(normal_guid(coding.get("creatingUser")), "") or owner or "imported"
            stamp = coding.get("creationDateTime") or element.get("creationDateTime") or ""
            codes.append((coder, normal_guid(ref.get("targetGUID")), stamp))
        if codes:
            selections.append(Selection(min(start, end), max(start, end), tuple(codes)))
    return selections


def _codes_of(
    selections: list[Selection],
    text: str,
    transcript: Transcript,
    known: _Known,
    result: ImportResult,
) -> list[dict[str, str]]:
    selections, counting = offsets_to_lf(text, selections)
    if counting == "crlf":
        result.warnings.append(
            f"{transcript.interview_id}: offsets counted CRLF line ends as two characters"
        )
    lf = lf_text(text)
    spans = turn_spans(lf, transcript)
    participant = [
        (turn, span)
        for turn, span in zip(transcript.turns, spans, strict=True)
        if turn.role == PARTICIPANT and span[0] >= 0
    ]
    best: dict[tuple[str, int], dict[str, object]] = {}
    outside = machine = 0
    for selection in selections:
        overlaps = [
            (min(selection.end, e) - max(selection.start, s), turn) for turn, (s, e) in participant
        ]
        overlap, turn = max(overlaps, key=lambda o: o[0], default=(0, None))
        if turn is None or overlap <= 0:
            outside += 1
            continue
        for coder, code_guid_, stamp in selection.codes:
            mapped = known.codes.get(code_guid_, "")
            if coder.startswith("auto:"):
                machine += 1
                continue
            entry = best.setdefault((coder, turn.index), {"turn": turn, "stamp": ""})
            if not isinstance(mapped, tuple):
                result.unmapped[mapped or code_guid_] = (
                    result.unmapped.get(mapped or code_guid_, 0) + 1
                )
                entry["unmapped"] = True
                continue
            dimension, code = mapped
            entry.setdefault(dimension, []).append((overlap, code))
            entry["stamp"] = max(str(entry["stamp"]), stamp)
    if outside:
        result.warnings.append(
            f"{transcript.interview_id}: {outside} selections do not overlap a participant turn"
        )
    if machine:
        result.warnings.append(
            f"{transcript.interview_id}: {machine} machine codings skipped (`cjm code` makes them)"
        )
    rows = [_row(transcript, coder, entry, known) for (coder, _), entry in sorted(best.items())]
    kept_out = sum(row is None for row in rows)
    result.kept_out += kept_out
    return [row for row in rows if row is not None]


def _current_codes(study_root: Path) -> dict[tuple[str, str], dict[str, str]]:
    """(coder, segment id) → that coder's current stage, touchpoints and emotion."""
    latest = latest_human_codes(read_human_codes(study_root))
    return {
        (str(r["coder"]), str(r["segment_id"])): {d: str(r[d]) for d in _CODED}
        for r in latest.to_dict("records")
    }


_CODED = ("stage", "touchpoints", "emotion")


def _row(
    transcript: Transcript, coder: str, entry: dict[str, object], known: _Known
) -> dict[str, str] | None:
    """A coder's imported code of one turn, or None when some of it cannot be placed.

    A dimension the coder coded nowhere in the project is ``NOT_CODED`` (coded for touchpoints
    only, they said nothing of stages); one they coded elsewhere but not on this turn is empty,
    "none". Either way the coder's own current code of the turn stands (a coder who added a
    touchpoint in NVivo did not remove their stage). A turn with codes the codebook lacks and no
    such code to keep is not imported (listed), rather than recorded as "no stage"."""
    turn = entry["turn"]
    segment_id = transcript.segment_id(turn)
    current = known.mine.get((coder, segment_id))
    coded = {COLUMNS[d] for d in known.coded.get(coder, set())}

    def single(dimension: str) -> str:
        found = entry.get(dimension) or []
        return max(found, key=lambda f: f[0])[1] if found else ""

    touchpoints = ";".join(dict.fromkeys(code for _, code in entry.get("touchpoints") or []))
    codes = {"stage": single("stages"), "touchpoints": touchpoints, "emotion": single("emotions")}
    for column in _CODED:
        if not codes[column] and current:
            codes[column] = current[column]
        elif not codes[column] and column not in coded:
            codes[column] = NOT_CODED
    if entry.get("unmapped") and current is None:
        return None
    return {
        "segment_id": segment_id,
        "interview_id": transcript.interview_id,
        "coder": coder,
        "coded_at": _stamp(str(entry["stamp"])),
        **codes,
        "text_sha": text_sha(turn.text),
        "speaker": turn.speaker,
    }


def _stamp(value: str) -> str:
    return value if is_datetime(value) else ""


def _append(study_root: Path, rows: list[dict[str, str]], result: ImportResult) -> None:
    """Append each coder's imported codes, skipping codes equal to the coder's current ones."""
    if not rows:
        return
    new = pd.DataFrame(rows)
    current = latest_human_codes(read_human_codes(study_root))
    compare = ["segment_id", "coder", "stage", "touchpoints", "emotion"]
    if len(current):
        same = new[compare].merge(current[compare], how="left", indicator=True)["_merge"]
        new = new[(same == "left_only").to_numpy()]
    for coder, group in new.groupby("coder", sort=True):
        append_human_codes(study_root, str(coder), group.drop(columns="coder"))
        result.codes[str(coder)] = len(group)
