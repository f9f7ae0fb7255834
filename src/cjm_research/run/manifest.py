"""``STUDY/.cjm/manifest.json``: what each report was built from; a re-run rebuilds what changed.

The manifest lives in the study's working folder, not in ``reports/`` (it names input files), and
records the reports folder it describes: built into another folder, everything is rebuilt.

Two levels of checking, cheapest first:

1. *Nothing changed* — the content hash of every input file of the study (transcripts, persona
   notes, human codes, top-level files such as ``participants.csv``, ``codebook.yaml``,
   ``insights.yaml``, ``reference.docx``) and of the build environment (package version and
   source, notebooks, templates, library versions, coder, formats) equal the manifest's, and every
   report is on disk: the run stops before loading the study.
2. *Something changed* — the study is loaded and coded (per-interview cache); each persona's key
   hashes what its report is drawn from: its rows of the coded table (its transcripts as coded,
   with the researchers' codes laid over them), its persona note, the top-level files and the
   environment. Only personas whose key changed (or whose outputs are missing) are rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from cjm_research.iorw import write_text
from cjm_research.resources import notebooks_dir, templates_dir
from cjm_research.run.notebooks import (
    CROSS_PERSONA,
    FORMATS,
    OK,
    UNCHANGED,
    BatchResult,
    RunResult,
)

if TYPE_CHECKING:
    import pandas as pd

    from cjm_research.study import Study

NAME = "manifest.json"
#: A persona's status when an interrupt stopped its run: its last build stays; the next run
#: builds it again, and says so.
INTERRUPTED = "interrupted"
SCHEMA = 3
_PACKAGE = Path(__file__).resolve().parents[1]  # the whole package, not only run/
_LIBRARIES = ("papermill", "nbconvert", "nbclient", "python-docx", "pandas", "matplotlib")


def sha_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha_json(value: object) -> str:
    """Hex SHA-256 of a JSON-able value, independent of dict order."""
    return sha_bytes(json.dumps(value, sort_keys=True, default=str).encode("utf-8"))


def file_sha(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return sha_bytes(Path(path).read_bytes())


def tree_sha(root: Path, pattern: str = "*") -> str:
    """One hash over every file under ``root`` matching ``pattern`` (names and contents)."""
    files = sorted(
        p for p in Path(root).rglob(pattern) if p.is_file() and "__pycache__" not in p.parts
    )
    return sha_json({p.relative_to(root).as_posix(): file_sha(p) for p in files})


def study_files(root: Path) -> dict[str, str]:
    """``{relative path: sha}`` of every input file of a study.

    Transcripts are found as the loader finds them; persona notes and human codes by folder; every
    other visible top-level file (participants.csv, codebook.yaml, insights.yaml, reference.docx …)
    counts too, so a new kind of study-level input cannot go unnoticed.
    """
    from cjm_research.study import find_transcripts

    root = Path(root)
    paths = set(find_transcripts(root))
    for folder in ("personas", "coding"):
        if (root / folder).is_dir():
            paths.update(p for p in (root / folder).rglob("*") if p.is_file() and _visible(p, root))
    paths.update(p for p in root.iterdir() if p.is_file() and _visible(p, root))
    return {p.relative_to(root).as_posix(): _input_sha(p) for p in sorted(paths)}


def _input_sha(path: Path) -> str:
    """:func:`file_sha`, or why the file cannot be read (a broken link, no permission): the loader
    names such a file as an error and skips it, and the run must go on to build the others."""
    try:
        return file_sha(path)
    except OSError as exc:
        return f"unreadable ({exc.strerror})"


def _visible(path: Path, root: Path) -> bool:
    return not any(part.startswith((".", "~$")) for part in path.relative_to(root).parts)


@cache
def _source_sha(folder: Path) -> str:
    # Once per process: the code that runs is the code imported when the process started.
    return tree_sha(folder, "*.py")


def environment(coder: str, formats: Iterable[str]) -> dict[str, str]:
    """What outside the study changes the reports: code, notebooks, templates, versions."""
    from importlib.metadata import version

    from cjm_research import __version__

    return {
        "cjm-research": __version__,
        "source": _source_sha(_PACKAGE),
        "notebooks": tree_sha(notebooks_dir(), "*.ipynb"),
        "templates": tree_sha(templates_dir()),
        "python": sys.version.split()[0],
        **{name: version(name) for name in _LIBRARIES},
        "coder": coder,
        "formats": ",".join(sorted(formats)),
    }


def coding_sources() -> str:
    """Hash of the coders' source and shipped models (``coding/data``: the emotion model, the
    interview heads): a coder changed without a version bump still invalidates."""
    return sha_json([_source_sha(_PACKAGE / "coding"), _data_sha(_PACKAGE / "coding" / "data")])


@cache
def _data_sha(folder: Path) -> str:
    return tree_sha(folder) if folder.is_dir() else ""


@dataclass
class PersonaEntry:
    """One persona's line in the manifest."""

    key: str
    status: str
    seconds: float
    outputs: list[str] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)
    error: str = ""
    log: str = ""
    hashes: dict[str, str] = field(default_factory=dict)  # output → sha as promoted


@dataclass
class Manifest:
    """The last build of a reports folder."""

    files: dict[str, str] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)
    coding_key: str = ""
    known: list[str] = field(default_factory=list)  # every persona with interviews in the study
    out: str = ""  # the reports folder this build wrote (resolved)
    personas: dict[str, PersonaEntry] = field(default_factory=dict)
    extra: dict[str, object] = field(default_factory=dict)
    #: side runs (the comparison) an interrupt left unfinished after their inputs were rebuilt
    pending: list[str] = field(default_factory=list)

    def entry_ok(self, persona_id: str, key: str, out_dir: Path) -> bool:
        """True when ``persona_id`` was built from ``key`` and all its outputs are still there,
        as they were built."""
        entry = self.personas.get(persona_id)
        return (
            entry is not None
            and entry.status in ("ok", "unchanged")
            and entry.key == key
            and bool(entry.outputs)
            and all((out_dir / name).is_file() for name in entry.outputs)
            and not self.changed_outputs(persona_id, out_dir)
        )

    def changed_outputs(self, persona_id: str, out_dir: Path) -> list[str]:
        """Outputs of ``persona_id`` that differ from what the build promoted (edited, or
        overwritten by a notebook run by hand): they no longer match the rest of the report."""
        entry = self.personas.get(persona_id)
        if entry is None:
            return []
        return sorted(
            name
            for name, sha in entry.hashes.items()
            if (out_dir / name).is_file() and file_sha(out_dir / name) != sha
        )

    def to_json(self) -> dict[str, object]:
        """The manifest as written: the extra fields first, then what the next run compares."""
        return {
            **self.extra,
            "schema": SCHEMA,
            "environment": self.environment,
            "files": self.files,
            "coding_key": self.coding_key,
            "known": self.known,
            "out": self.out,
            "pending": self.pending,
            "personas": [
                {"persona_id": pid, **vars(e)} for pid, e in sorted(self.personas.items())
            ],
        }


def load_manifest(folder: Path, out_dir: Path | None = None) -> Manifest:
    """The manifest kept in ``folder``; an empty one when missing, unreadable, of another schema,
    or (given ``out_dir``) written for another reports folder."""
    try:
        data = json.loads((Path(folder) / NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Manifest()
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return Manifest()
    if out_dir is not None and data.get("out") != str(Path(out_dir).resolve()):
        return Manifest()
    personas = {}
    for item in data.get("personas", []):
        item = dict(item)
        pid = item.pop("persona_id")
        personas[pid] = PersonaEntry(**item)
    return Manifest(
        files=data.get("files", {}),
        environment=data.get("environment", {}),
        coding_key=data.get("coding_key", ""),
        known=data.get("known", []),
        out=data.get("out", ""),
        pending=data.get("pending", []),
        personas=personas,
        extra={k: v for k, v in data.items() if k not in _OWN},
    )


_OWN = ("schema", "environment", "files", "coding_key", "known", "out", "pending", "personas")


def write_manifest(folder: Path, manifest: Manifest) -> Path:
    """Write ``folder/manifest.json`` atomically."""
    return write_text(Path(folder) / NAME, json.dumps(manifest.to_json(), indent=2) + "\n")


def nothing_changed(
    previous: Manifest,
    out_dir: Path,
    files: dict[str, str],
    env: dict[str, str],
    personas: Iterable[str] = (),
) -> bool:
    """Level 1: same files, same environment, and every (or each named) report built and on disk."""
    if previous.pending or not previous.personas or previous.files != files:
        return False
    if previous.environment != env:
        return False
    wanted = list(personas) or previous.known
    return (
        all(
            pid in previous.personas and previous.entry_ok(pid, previous.personas[pid].key, out_dir)
            for pid in wanted
        )
        and (Path(out_dir) / "index.html").is_file()
    )


def persona_key(inputs: dict[str, str], env: dict[str, str]) -> str:
    """The key a persona's report is built from: its input hashes and the environment."""
    return sha_json({"inputs": inputs, "environment": env})


def built_entry(
    result: RunResult, inputs: dict[str, str], env: dict[str, str], out_dir: Path
) -> PersonaEntry:
    """The manifest's line for a persona's run that finished, built or failed."""
    outputs = relative_outputs(result.outputs, out_dir)
    built = result.status == OK
    return PersonaEntry(
        key=persona_key(inputs, env) if built else "",
        status=result.status,
        seconds=round(result.seconds, 2),
        outputs=outputs,
        hashes={name: file_sha(out_dir / name) for name in outputs} if built else {},
        inputs=inputs,
        error=result.error,
        log=result.log,
    )


def interrupted_entry(last: PersonaEntry | None, inputs: dict[str, str]) -> PersonaEntry:
    """The line of a persona whose run an interrupt stopped: its last build (still in place,
    never half replaced) marked ``INTERRUPTED``, so that the next run builds it again."""
    if last is None:
        return PersonaEntry(key="", status=INTERRUPTED, seconds=0.0, inputs=inputs)
    return replace(last, key="", status=INTERRUPTED)


def relative_outputs(outputs: Iterable[str], out_dir: Path) -> list[str]:
    """Output paths relative to ``out_dir`` (the manifest moves with the folder)."""
    return sorted(os.path.relpath(p, out_dir) for p in outputs)


def build_environment(coder: str, formats: Sequence[str], redact: bool) -> dict[str, str]:
    """The manifest's environment for these options (see ``manifest.environment``)."""
    return {**environment(coder, formats), "redact": str(redact)}


def unchanged_reports(
    study_dir: Path,
    out_dir: Path,
    *,
    personas: Sequence[str] = (),
    formats: Sequence[str] = FORMATS,
    coder: str = "auto",
    redact: bool = True,
    work: Path | None = None,
) -> BatchResult | None:
    """The last build, as a result, when no input file and nothing in the environment changed.

    This is the cheap check a re-run makes before loading the study: hashing files only. Returns
    None when anything differs or a report is missing, so the caller runs ``run_reports``.
    """
    out_dir = Path(out_dir).resolve()
    from cjm_research.study import work_dir  # the study's loaders: only when asked

    previous = load_manifest(Path(work or work_dir(study_dir)), out_dir)
    if not previous.personas or not Path(study_dir).is_dir():
        return None
    files = study_files(Path(study_dir))
    env = build_environment(coder, formats, redact)
    if not nothing_changed(previous, out_dir, files, env, personas):
        return None
    wanted = sorted(set(personas)) or previous.known
    compared = [out_dir / f"{CROSS_PERSONA}.{suffix}" for suffix in ("ipynb", *formats)]
    # a run of one persona (--persona) builds no comparison: a missing one is none of its work
    if len(wanted) >= 2 and not all(p.is_file() for p in compared):
        return None  # the comparison went missing: the full path rebuilds it
    results = [
        RunResult(pid, UNCHANGED, 0.0, [str(out_dir / p) for p in previous.personas[pid].outputs])
        for pid in wanted
    ]
    skipped = [str(s) for s in previous.extra.get("skipped", [])]  # type: ignore[union-attr]
    said = previous.extra.get("warnings", previous.extra.get("human_codes", []))
    warned = [str(s) for s in said]  # type: ignore[union-attr]
    segments = Path(work or work_dir(study_dir)) / "segments.parquet"
    return BatchResult(segments, results, skipped, warnings=warned)


def write_build(
    work: Path,
    study: Study,
    batch: BatchResult,
    manifest: Manifest,
    seconds: dict[str, float],
    warnings: Sequence[str] = (),
) -> Path:
    """``work/manifest.json``: what was built from what, with versions and timings, and the
    ``warnings`` the run gave, which a re-run with nothing to build says again."""
    manifest.extra = {
        "study": str(study.root),
        "codebook": {"name": study.codebook.name, "version": study.codebook.version},
        "inputs": sorted(str(t.path.relative_to(study.root)) for t in study.transcripts),
        "skipped": batch.skipped_files,
        # the same files give the same warnings: a re-run with nothing to build says them again
        "warnings": list(warnings),
        "seconds": {name: round(value, 2) for name, value in seconds.items()},
    }
    return write_manifest(work, manifest)


def persona_inputs(
    study: Study, segments: pd.DataFrame, files: dict[str, str], persona_id: str
) -> dict[str, str]:
    """What one persona's report is drawn from, as ``{name: sha}``.

    Its rows of the coded table stand for its transcripts, the coder and the human codes (a human
    code on another persona's segment does not touch it); its note and every top-level study
    file (participants.csv, codebook.yaml, insights.yaml, reference.docx …) count as they are.
    """
    rows = segments[segments["persona_id"] == persona_id]
    inputs = {"segments": table_sha(rows)}
    transcripts = study.transcripts_for(persona_id)
    for transcript in transcripts:
        rel = transcript.path.relative_to(study.root).as_posix()
        inputs[rel] = files.get(rel, "")
    note = study.personas.get(persona_id)
    if note is not None and note.path is not None:
        rel = Path(note.path).resolve().relative_to(study.root.resolve()).as_posix()
        inputs[rel] = files.get(rel, "")
    inputs.update({rel: sha for rel, sha in files.items() if "/" not in rel})
    return inputs


def table_sha(table: pd.DataFrame) -> str:
    """A coded table's fingerprint: its values, index order and column names."""
    import pandas as pd  # a no-change run imports no pandas: only a coded table comes here

    hashed = pd.util.hash_pandas_object(table.reset_index(drop=True), index=True)
    return sha_bytes(hashed.to_numpy().tobytes() + ",".join(table.columns).encode())
