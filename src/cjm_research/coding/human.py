"""The human layer: researchers' codes, kept apart from the machine's and never overwritten.

Each coder has one append-only file ``STUDY/coding/<coder>.csv``. A row is one person's complete
judgement of one segment at one time (stage, touchpoints, emotion, optional valence and note);
the latest row per (segment, coder) is that coder's current code. A dimension the coder did not
code reads ``(not coded)`` (``model.NOT_CODED``: a QDA project coded for touchpoints only); an
empty cell is a judgement, "no stage". Re-coding replaces only the
machine layer (``reports/``); merging puts the latest human code over the machine's everywhere
downstream. Rows whose segment no longer exists are reported, never dropped from the file.
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from cjm_research.exceptions import CJMInputError
from cjm_research.model import NOT_CODED, Codebook, not_coded
from cjm_research.study import WARNING, Problem, Study

FOLDER = "coding"
COLUMNS = (
    "segment_id",
    "interview_id",
    "coder",
    "coded_at",
    "stage",
    "touchpoints",
    "emotion",
    "valence",
    "text_sha",
    "note",
    # who said the coded words: in a group, "Yeah." is several people's, and a code must stay
    # with its speaker's when the turns shift (files from before it lack it: words alone decide)
    "speaker",
)
_REQUIRED = ("segment_id", "coder", "coded_at")
_CODE_CELLS = ("stage", "touchpoints", "emotion")
# Letters of any script stay (Zoë-R.csv, not Zo-R.csv); the rest of a name becomes "-".
_CODER_FILE = re.compile(r"[^\w.-]+")


def text_sha(text: str) -> str:
    """A short fingerprint of a segment's text, to notice when the coded words changed."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def coder_file(study_root: Path | str, coder: str) -> Path:
    """``STUDY/coding/<coder>.csv``; the name is made file-safe, the coder column keeps it as is."""
    name = _CODER_FILE.sub("-", unicodedata.normalize("NFC", coder.strip())).strip("-.")
    name = name or "coder"
    return Path(study_root) / FOLDER / f"{name}.csv"


def read_human_codes(study_root: Path | str) -> pd.DataFrame:
    """Every row of every coder file under ``STUDY/coding/`` (empty table when there are none).

    A malformed file raises :class:`CJMInputError` naming the file and line; nothing is skipped
    silently, because these are a researcher's own codes.
    """
    folder = Path(study_root) / FOLDER
    frames = [_read_file(path) for path in sorted(folder.glob("*.csv"))] if folder.is_dir() else []
    if not frames:
        return pd.DataFrame(columns=list(COLUMNS)).astype(str)
    return pd.concat(frames, ignore_index=True)


def _read_file(path: Path) -> pd.DataFrame:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in _REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise CJMInputError(
                    f"human code file lacks column(s) {', '.join(missing)}",
                    path,
                    1,
                    f"the header must include {', '.join(COLUMNS)}",
                )
            rows = []
            for row in reader:
                if not (row.get("segment_id") or "").strip():
                    raise CJMInputError(
                        "row has no segment_id",
                        path,
                        reader.line_num,
                        "fill it in or delete the row",
                    )
                cells = {c: (row.get(c) or "").strip() for c in COLUMNS}
                # "Not coded" as a person types it is the one marker the code reads
                cells |= {c: NOT_CODED for c in _CODE_CELLS if not_coded(cells[c])}
                if cells["valence"] and not _is_number(cells["valence"]):
                    # said here, where its file and line are known, and so by `cjm validate`
                    raise CJMInputError(
                        f"valence {cells['valence']!r} is not a number",
                        path,
                        reader.line_num,
                        "use a number between -1 and 1, or leave it empty",
                    )
                rows.append(cells | {"_line": reader.line_num})
    except UnicodeDecodeError as exc:
        raise CJMInputError(
            "human code file is not UTF-8", path, hint="save it as UTF-8 CSV"
        ) from exc
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "_line"])
    frame["_file"] = str(path)
    return frame


def _is_number(text: str) -> bool:
    """Whether a valence cell reads as a finite number ("nan" and "inf" do not)."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def latest_human_codes(human: pd.DataFrame) -> pd.DataFrame:
    """One row per (segment, coder): the latest by ``coded_at``, file order breaking ties."""
    if human.empty:
        return human
    ordered = human.assign(_order=range(len(human))).sort_values(["coded_at", "_order"])
    latest = ordered.drop_duplicates(["segment_id", "coder"], keep="last")
    return latest.drop(columns="_order").reset_index(drop=True)


def append_human_codes(study_root: Path | str, coder: str, rows: pd.DataFrame) -> Path:
    """Append ``rows`` (columns as :data:`COLUMNS`; coder and time filled in) to the coder's file.

    Appending never rewrites earlier rows; the file is flushed and fsynced before returning.
    """
    path = coder_file(study_root, coder)
    path.parent.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    frame = rows.reindex(columns=list(COLUMNS)).astype(object).fillna("").astype(str)
    frame["coder"] = coder
    frame["coded_at"] = frame["coded_at"].where(frame["coded_at"] != "", now)
    new_file = not path.exists() or path.stat().st_size == 0
    # A file begun before a column existed keeps its header: its rows keep to it.
    header = list(COLUMNS) if new_file else _header(path)
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if new_file:
            writer.writerow(COLUMNS)
        writer.writerows(frame.reindex(columns=header).fillna("").itertuples(index=False))
        handle.flush()
        os.fsync(handle.fileno())
    return path


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), []) or list(COLUMNS)


def apply_human_codes(
    segments: pd.DataFrame,
    human: pd.DataFrame,
    emotion_valence: dict[str, float] | None = None,
    *,
    machine_fills: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Put each segment's latest human code over the machine's; return (merged, orphans).

    When several people coded a segment, the most recent judgement wins. Human codes get
    confidence 1.0 and evidence naming the coder and time. A human emotion without a valence
    takes the codebook valence of that emotion (``emotion_valence``) when it differs from the
    machine's. A dimension the coder did not code (``NOT_CODED``) keeps the machine's code and
    confidence, or with ``machine_fills`` false reads ``NOT_CODED`` (what a coder learns from:
    the machine's own code is no researcher's). ``orphans`` are human rows whose segment id is
    not in ``segments`` (the transcript changed): shown to the researcher, kept in the file.
    """
    latest = reanchor(latest_human_codes(human), segments)
    if latest.empty:
        return segments, latest
    known = latest["segment_id"].isin(segments["segment_id"])
    orphans = latest[~known].reset_index(drop=True)
    ordered = latest[known].sort_values("coded_at")
    winners = ordered.drop_duplicates("segment_id", keep="last")
    # Per dimension, the latest coder who coded it: a later touchpoints-only code leaves an
    # earlier coder's stage standing.
    by = {
        c: {r.segment_id: r for r in ordered[ordered[c] != NOT_CODED].itertuples(index=False)}
        for c in _CODE_CELLS
    }
    merged = segments.copy()
    position = pd.Series(range(len(merged)), index=merged["segment_id"])
    for row in winners.itertuples(index=False):
        i = position[row.segment_id]
        notes, uncoded = [], []
        updates: dict[str, object] = {"coder": row.coder}
        for column in _CODE_CELLS:
            given = by[column].get(row.segment_id)
            if given is None:
                uncoded.append(column)
                if not machine_fills:
                    updates[column] = NOT_CODED
                continue
            if given.coder != row.coder:
                notes.append(f"{column}: {given.coder} at {given.coded_at}")
            updates[column] = getattr(given, column)
            updates[_CONFIDENCE[column]] = 1.0
        updates["evidence"] = "; ".join(
            [f"human: {row.coder} at {row.coded_at}"]
            + ([row.note] if row.note else [])
            + (["the turn's words changed since"] if getattr(row, "edited", False) else [])
            + notes
            + (
                [f"{' and '.join(uncoded)} the machine's (no researcher coded it)"]
                if uncoded
                else []
            )
        )
        feel = by["emotion"].get(row.segment_id)  # a valence goes with its coder's emotion
        machine_emotion = merged.iat[i, merged.columns.get_loc("emotion")]
        if (
            feel is not None
            and not feel.valence
            and emotion_valence
            and (feel.emotion != machine_emotion)
        ):
            updates["valence"] = emotion_valence.get(feel.emotion, 0.0)
        valence = feel.valence if feel is not None else row.valence
        if valence:  # a number: read_human_codes refuses any other
            updates["valence"] = max(-1.0, min(1.0, float(valence)))
        for column, value in updates.items():
            merged.iat[i, merged.columns.get_loc(column)] = value
    return merged, orphans


_CONFIDENCE = {
    "stage": "stage_confidence",
    "touchpoints": "touchpoint_confidence",
    "emotion": "emotion_confidence",
}


def study_human_codes(study_root: Path | str, segments: pd.DataFrame | None) -> pd.DataFrame:
    """Each coder's latest code per segment under ``STUDY/coding/``, moved with their words onto
    the turns of ``segments`` (``reanchor``; as recorded when None)."""
    latest = latest_human_codes(read_human_codes(study_root))
    return latest if segments is None else reanchor(latest, segments)


CHANGED = " (text changed)"


def reanchor(latest: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Human codes moved with the words they were given to, by the ``text_sha`` recorded with
    them: a turn added or removed above a coded turn shifts its number, and the code must not
    land on another turn's words. Per interview, a code whose words are no longer at its id moves
    to the one turn with those words; with several such turns, to the one the interview's other
    codes shifted to. A code whose words are nowhere stays on its id when nothing in the
    interview shifted (the turn was edited in place: ``edited`` is set, and the evidence says
    so), and otherwise becomes an orphan (``<id> (text changed)``): reported, kept in the file.

    A code whose interview id is gone (the file renamed) follows its words to an interview no
    human code refers to yet, the one holding most of the gone interview's coded words said by
    their recorded speakers; ``moved_from`` keeps the id it had. Unsure (no such interview, or
    two alike): it stays an orphan."""
    needed = {"segment_id", "interview_id", "text"}
    if latest.empty or "text_sha" not in latest.columns or not needed <= set(segments.columns):
        return latest
    sha = segments["text"].fillna("").astype(str).map(text_sha)
    said_by = dict(
        zip(segments["segment_id"], segments.get("speaker", pd.Series("", index=segments.index))
            .fillna("").astype(str), strict=True)
    )  # fmt: skip
    speakers = (
        latest["speaker"].fillna("").astype(str)
        if "speaker" in latest
        else pd.Series("", index=latest.index)
    )
    where: dict[tuple[str, str], list[str]] = {}
    for sid, interview, digest in zip(
        segments["segment_id"], segments["interview_id"].astype(str), sha, strict=True
    ):
        where.setdefault((interview, digest), []).append(sid)
    ids, edited = latest["segment_id"].astype(str).tolist(), [False] * len(latest)
    pending: dict[str, list[int]] = {}  # interview -> rows to settle once its shift is known
    shifts: dict[str, list[int]] = {}
    recorded_shas = latest["text_sha"].fillna("").astype(str)

    voices = {(sid.rsplit(":", 1)[0], who) for sid, who in said_by.items()}
    known = {interview for interview, _ in voices}
    moved_from = _follow_renamed(ids, recorded_shas, speakers, where, said_by)

    def places(n: int, interview: str) -> list[str]:
        """The turns with row ``n``'s words, and its speaker's where it was recorded (unless the
        interview no longer has that speaker: a label renamed)."""
        found = where.get((interview, recorded_shas.iat[n]), [])
        speaker = speakers.iat[n]
        if not speaker or (interview, speaker) not in voices:
            return found
        return [f for f in found if said_by.get(f) == speaker]

    for n, (sid, recorded) in enumerate(zip(ids, recorded_shas, strict=True)):
        # no fingerprint (older files), or an interview the study lacks: an orphan as before; a
        # turn number past the interview's end (turns removed above it) still follows its words
        if not recorded or (sid.rsplit(":", 1)[0] not in known and not moved_from[n]):
            continue
        interview = sid.rsplit(":", 1)[0]
        found = places(n, interview)
        if len(found) == 1:  # words said once in the interview: they tell its shift
            ids[n] = found[0]
            shifts.setdefault(interview, []).append(_turn(found[0]) - _turn(sid))
        else:  # said several times ("Yes."), or nowhere: settled by the shift
            pending.setdefault(interview, []).append(n)
    for interview, rows in pending.items():
        moved = shifts.get(interview, [0])
        shift = max(sorted(set(moved)), key=moved.count)  # the interview's usual shift
        for n in rows:
            sid = ids[n]
            found = places(n, interview)
            target = f"{interview}:{_turn(sid) + shift}"
            if target in found:
                ids[n] = target
            elif not found and shift == 0:
                edited[n] = True
            else:
                ids[n] = sid + CHANGED
    return latest.assign(segment_id=ids, edited=edited, moved_from=moved_from)


def _follow_renamed(
    ids: list[str],
    shas: pd.Series,
    speakers: pd.Series,
    where: dict[tuple[str, str], list[str]],
    said_by: dict[str, str],
) -> list[str]:
    """Give the codes of each interview id the segments lack the id of the new interview that
    holds their words (renaming ``ids`` in place; turn numbers are settled after, as for a
    shift); return each row's old id where it moved, else ""."""
    interviews = {interview for interview, _ in where}
    gone: dict[str, list[int]] = {}
    for n, sid in enumerate(ids):
        interview = sid.rsplit(":", 1)[0]
        if interview not in interviews and shas.iat[n]:
            gone.setdefault(interview, []).append(n)
    # Only interviews nobody has coded: an interview with codes of its own is not a renamed one.
    new = interviews - {sid.rsplit(":", 1)[0] for sid in ids}
    moved_from = [""] * len(ids)
    for rows in gone.values():
        found = {
            candidate: sum(
                any(
                    # the speaker must match where one was recorded: "Yes." is said everywhere
                    not speakers.iat[n] or said_by.get(sid) == speakers.iat[n]
                    for sid in where.get((candidate, shas.iat[n]), [])
                )
                for n in rows
            )
            for candidate in sorted(new)
        }
        best = max(found.values(), default=0)
        winners = [c for c, count in found.items() if count == best]
        # Most of the gone interview's coded words must be there (one "Yes, definitely." in a
        # new interview is no rename), and only the codes whose words are found move: the
        # others stay applied nowhere rather than land on whatever turn has their number.
        if best * 2 > len(rows) and len(winners) == 1:
            for n in rows:
                if any(
                    not speakers.iat[n] or said_by.get(sid) == speakers.iat[n]
                    for sid in where.get((winners[0], shas.iat[n]), [])
                ):
                    moved_from[n] = ids[n]
                    ids[n] = f"{winners[0]}:{_turn(ids[n])}"
    return moved_from


def follow_words(rows: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """``rows`` of another table keyed by segment id that records each row's words (``text_sha``,
    or the ``text`` itself: a gold file, a filled-in review sheet), their ids moved with those
    words onto the turns of ``segments`` as human codes are (``reanchor``). ``moved_from`` keeps
    an id that changed; an id whose words cannot be placed safely ends in " (text changed)"."""
    sha = rows.get("text_sha", pd.Series("", index=rows.index)).fillna("").astype(str)
    if "text" in rows:  # a sheet without the fingerprint: the words themselves
        words = rows["text"].fillna("").astype(str)
        sha = sha.where(sha != "", words.map(lambda text: text_sha(text) if text else ""))
    placed = reanchor(rows.assign(text_sha=sha), segments)["segment_id"].astype(str)
    was = rows["segment_id"].astype(str)
    moved = was.where((placed != was) & ~placed.str.endswith(CHANGED), "")
    return rows.assign(segment_id=placed, moved_from=moved)


def _turn(segment_id: str) -> int:
    tail = segment_id.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


#: The code columns of a coded table, by codebook dimension.
CODE_COLUMNS = {"stages": "stage", "touchpoints": "touchpoints", "emotions": "emotion"}


def unknown_codes(table: pd.DataFrame, codebook: Codebook) -> Iterator[tuple[int, str, str]]:
    """(row position, column, code) of every code in ``table`` that ``codebook`` lacks."""
    for dimension, column in CODE_COLUMNS.items():
        if column not in table:
            continue
        known = {c.id for c in codebook.dimension(dimension)}
        for n, value in enumerate(table[column].fillna("").astype(str)):
            if value == NOT_CODED:
                continue
            yield from (
                (n, column, code) for code in value.split(";") if code and code not in known
            )


def outside_problems(
    latest: pd.DataFrame, codebook: Codebook, root: Path | str = "."
) -> list[Problem]:
    """Human codes the codebook no longer has (a code removed or renamed after review), one
    warning per coder and code, on the line of its first turn: the reports leave those codes out
    (a stage's turns are in no stage, a touchpoint is in no count), and say so nowhere else."""
    found: dict[tuple[str, str, str], list[int | None]] = {}
    coders = latest["coder"].astype(str).to_numpy()
    lines = latest["_line"].to_numpy() if "_line" in latest else [None] * len(latest)
    for n, column, code in unknown_codes(latest, codebook):
        found.setdefault((coders[n], column, code), []).append(lines[n])
    return [
        Problem(
            WARNING,
            coder_file(root, coder),
            min((n for n in map(_line_of, at) if n), default=None),
            f"{column} {code!r} is not in the codebook ({len(at)} turn{'' if len(at) == 1 else 's'}"
            "; the reports leave it out)",
            "add it back to codebook.yaml, or recode "
            + ("that turn" if len(at) == 1 else "those turns"),
        )
        for (coder, column, code), at in sorted(found.items())
    ]


def placement_problems(
    human: pd.DataFrame, segments: pd.DataFrame, root: Path | str = "."
) -> list[Problem]:
    """Human codes (``human`` as read) not applied where they were recorded in ``segments``, one
    warning per coder file and interview: codes that followed a renamed interview's words (what
    moved where), codes of an interview the study no longer has, codes whose turn is gone. They
    stay in the file either way."""
    latest = reanchor(latest_human_codes(human), segments)
    if latest.empty:
        return []
    interviews, known = set(segments["interview_id"].astype(str)), set(segments["segment_id"])
    groups: dict[tuple[str, str, str, str], list[tuple[str, int | None]]] = {}
    for row in latest.to_dict("records"):
        sid, moved = str(row["segment_id"]), str(row.get("moved_from") or "")
        interview = sid.rsplit(":", 1)[0]
        if sid in known and moved:
            key = (str(row["coder"]), "moved", moved.rsplit(":", 1)[0], interview)
            sid = f"{moved} → {sid}"
        elif sid in known:
            continue
        else:
            kind = "gone" if interview not in interviews else "lost"
            key = (str(row["coder"]), kind, interview, "")
        line = _line_of(row.get("_line"))
        groups.setdefault(key, []).append((sid, line))
    return [_placement(coder_file(root, key[0]), *key[1:], found) for key, found in groups.items()]


def _line_of(value: object) -> int | None:
    """The file line a row was read from (None for rows not read from a file)."""
    text = str(value if value is not None else "").removesuffix(".0")
    return int(text) if text.isdigit() else None


def _placement(
    path: Path, kind: str, interview: str, moved_to: str, found: list[tuple[str, int | None]]
) -> Problem:
    n, ids = len(found), ", ".join(sid for sid, _ in found[:5]) + (", …" if len(found) > 5 else "")
    codes = f"{n} human code{'' if n == 1 else 's'}"
    refer = f"{codes} refer{'s' if n == 1 else ''}"
    line = min((at for _, at in found if at), default=None)
    if kind == "moved":
        return Problem(
            WARNING,
            path,
            line,
            f"{codes} of interview {interview!r}, which no longer exists, moved to "
            f"{moved_to!r}, where {'its' if n == 1 else 'their'} words are now ({ids})",
            f"nothing to do if {interview!r} was renamed {moved_to!r}; the file keeps the old ids",
        )
    if kind == "gone":
        return Problem(
            WARNING,
            path,
            line,
            f"{refer} to interview {interview!r}, which no longer exists ({ids}); kept in the "
            "file, applied nowhere",
            f"was its transcript renamed? give it its old name back, or set 'interview_id: "
            f"{interview}' in its front matter (.txt, .md)",
        )
    return Problem(
        WARNING,
        path,
        line,
        f"{refer} to turns interview {interview!r} no longer has ({ids}); kept in the file, "
        "applied nowhere",
        "the transcript changed: code those turns again (cjm review export --next)",
    )


def study_problems(study: Study) -> list[Problem]:
    """What ``cjm validate`` says of the human layer without coding anything: codes the codebook
    lacks, codes moved with a renamed interview's words, codes that can be applied nowhere."""
    try:
        human = read_human_codes(study.root)
    except CJMInputError as exc:
        return [Problem.from_error(exc)]
    if human.empty:
        return []
    latest = latest_human_codes(human)
    return outside_problems(latest, study.codebook, study.root) + placement_problems(
        human, study_turns(study), study.root
    )


def study_turns(study: Study) -> pd.DataFrame:
    """Every turn of the study as loaded (``segment_id``, ``interview_id``, ``speaker``,
    ``text``): what recorded words are looked for in without coding anything."""
    return pd.DataFrame(
        [
            {
                "segment_id": transcript.segment_id(turn),
                "interview_id": transcript.interview_id,
                "speaker": turn.speaker,
                "text": turn.text,
            }
            for transcript in study.transcripts
            for turn in transcript.turns
        ],
        columns=["segment_id", "interview_id", "speaker", "text"],
    )


def is_human(coder: str) -> bool:
    """True for a person's name, False for a machine coder id (``auto:<method>@<version>``)."""
    return bool(coder) and not coder.startswith("auto:")
