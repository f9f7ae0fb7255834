"""Two real `cjm reports` runs on a copy of the example study, shared by the privacy, CLI and
human-codes tests (one pair of runs keeps the suite fast).

The copy carries planted personal data (canaries) and hostile files next to the good ones. The
first run is the default (redacted); then a researcher records a human code; the second run is
``--no-redact --force`` into the same folder, so it shows both that the canaries can be seen
(the privacy test can fail) and that a researcher's edit survives a forced rebuild.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cjm_research.cli import main
from cjm_research.coding.human import append_human_codes
from cjm_research.resources import example_study_dir
from cjm_research.study import load_study

PERSONA = "first-home"
CANARY_NAME = "Zephyrine Quackenbush"
CANARIES = (
    CANARY_NAME,
    "Quackenbush",
    "zephyrine.canary@example.org",
    "07700 900987",
    "+44 20 7946 0123",
    "(555) 010-4477",
    "4539 1488 0343 6467",
    "https://canary.example.net/zq",
    "HH-77331",
    "BK-99172",
    "14 Rosemary Lane",
    "LS6 2QX",
    "12/03/1988",
)
PLANTED = (
    "I was furious, honestly the worst delivery ever. I'm Zephyrine Quackenbush, Aisha's "
    "cousin, so write to zephyrine.canary@example.org or ring 07700 900987, +44 20 7946 0123 "
    "or (555) 010-4477. They charged my card 4539 1488 0343 6467 twice, see "
    "https://canary.example.net/zq about order number HH-77331. My booking reference, BK-99172, "
    "still shows. Post it to 14 Rosemary Lane, Leeds LS6 2QX; they asked my date of birth, "
    "12/03/1988, too."
)
HUMAN_CODER = "Maya"


#: Hostile files dropped among the good ones: (relative path, content, expected message part).
HOSTILE: tuple[tuple[str, bytes, str], ...] = (
    ("first-home/broken.docx", b"this is not a zip", "not a Word file"),
    ("first-home/binary.vtt", bytes(range(256)) * 8, "file looks binary, not text"),
    ("first-home/unclosed.txt", b"---\nparticipant: P01\nDana: hi\n", "never closed"),
    (
        "first-home/tagged.md",
        b"---\nparticipant: !!python/object/apply:os.system [ls]\n---\nA: hi\n",
        "YAML tags such as '!!python/object' are not allowed",
    ),
    ("notes.rtf", b"{\\rtf1 notes}", ".rtf files are not read"),
    ("stray.txt", b"Q: Where does this belong?\nA: Nowhere yet.\n", "transcript has no persona"),
)


@dataclass
class Runs:
    """The study copy, what each run printed and returned, and the researcher's edit."""

    study: Path
    out: Path  # after the second run: the --no-redact --force outputs
    redacted_texts: dict[str, str]  # every output of the first (default, redacted) run
    first_status: int
    first_stderr: str
    second_status: int
    human_segment: str
    human_stage: str
    human_file_after_edit: bytes
    first_table: pd.DataFrame


def plant(study: Path) -> str:
    """Plant the canaries (participants.csv name, a transcript turn, insights.yaml, a persona
    note); the turn's id."""
    csv = study / "participants.csv"
    text = csv.read_text(encoding="utf-8").replace("Dana Whitfield", CANARY_NAME)
    csv.write_text(text, encoding="utf-8")
    with open(study / "first-home" / "p01-dana.txt", "a", encoding="utf-8") as f:
        f.write(f"\nDana: {PLANTED}\n")
    with open(study / "personas" / f"{PERSONA}.md", "a", encoding="utf-8") as f:
        f.write(f"\n{CANARY_NAME} (07700 900987) is who this persona grew from.\n")
    [dana] = [t for t in load_study(study).transcripts if t.interview_id == "p01-dana"]
    segment = f"p01-dana:{dana.turns[-1].index}"
    # Cite the planted turn as evidence so it is in the report whatever the quote picker does.
    (study / "insights.yaml").write_text(
        "insights:\n"
        f"  - title: {CANARY_NAME} was double charged\n"
        f"    persona: {PERSONA}\n    stage: support\n    segments: ['{segment}']\n",
        encoding="utf-8",
    )
    return segment


def report_texts(out: Path) -> dict[str, str]:
    """Every file under ``out`` as text (its path too), Word files part by part as well."""
    texts = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        rel = path.relative_to(out).as_posix()
        texts[f"{rel}!path"] = rel
        if path.suffix == ".docx":
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    texts[f"{rel}!{name}"] = archive.read(name).decode("utf-8", "replace")
        else:  # html, ipynb (sources and outputs), json, png (metadata chunks)
            texts[rel] = path.read_bytes().decode("utf-8", "replace")
    return texts


def _run(args: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(args)
    return status, err.getvalue()


def build(root: Path) -> Runs:
    """Copy the study, plant canaries and hostile files, run reports; record a human code; run
    ``reports --no-redact --force`` into the same folder."""
    study = root / "study"
    shutil.copytree(example_study_dir(), study)
    plant(study)
    for name, data, _ in HOSTILE:
        (study / name).write_bytes(data)
    out = root / "reports"
    args = ["reports", "--study", str(study), "--persona", PERSONA, "--out", str(out)]
    first_status, first_stderr = _run(args)
    redacted_texts = report_texts(out)
    table = pd.read_parquet(study / ".cjm" / "segments.parquet")
    row = table[(table["role"] == "participant") & (table["persona_id"] == PERSONA)].iloc[3]
    stage = "advocacy" if row["stage"] != "advocacy" else "awareness"
    edit = pd.DataFrame([{"segment_id": row["segment_id"], "stage": stage, "emotion": "relief"}])
    path = append_human_codes(study, HUMAN_CODER, edit)
    edited = path.read_bytes()
    second_status, _ = _run([*args, "--no-redact", "--force"])
    return Runs(
        study=study,
        out=out,
        redacted_texts=redacted_texts,
        first_status=first_status,
        first_stderr=first_stderr,
        second_status=second_status,
        human_segment=row["segment_id"],
        human_stage=stage,
        human_file_after_edit=edited,
        first_table=table,
    )


def processes_marked(mark: str) -> list[str]:
    """Living processes (workers, kernels) whose environment carries ``mark``."""
    alive = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as environ, open(f"/proc/{pid}/stat") as stat:
                if (
                    mark.encode() in environ.read()
                    and stat.read().rsplit(")", 1)[1].split()[0] != "Z"
                ):
                    alive.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" "))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return [line.decode(errors="replace") for line in alive]


def interrupt_after_first_report(command: list[str], mark: str) -> tuple[int, str]:
    """Run ``command`` (a ``cjm reports`` of three personas) in its own process group, marked
    with ``mark``, and press Ctrl-C once its first report is built: (exit code, what it said
    after the interrupt)."""
    run = subprocess.Popen(
        command, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, env={**os.environ, "CJM_TEST_RUN": mark},
    )  # fmt: skip
    assert run.stdout is not None
    said = []
    for line in run.stdout:  # the first report built: the others are still being built
        said.append(line)
        if line.startswith("[1/3] "):
            break
    os.killpg(run.pid, signal.SIGINT)  # Ctrl-C in a terminal reaches the whole group
    rest = run.stdout.read()
    code = run.wait(timeout=120)
    run.stdout.close()
    assert code == 130, "".join(said) + rest
    return code, rest
