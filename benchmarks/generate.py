"""Build a synthetic study of any size from the example study's material, deterministically.

Each interview takes one example transcript, keeps its opening exchange, reshuffles the other
question-and-answer exchanges, renames the participant, and is assigned to one of M personas whose
notes are the example notes cloned under new ids. Same (N, M, seed) → byte-identical study.

Usage: ``python benchmarks/generate.py OUT --interviews 1000 --personas 40 [--seed 0]``.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import shutil
from pathlib import Path

from cjm_research.model import INTERVIEWER, Turn
from cjm_research.resources import example_study_dir
from cjm_research.study import load_study

FIRST = ["Ada", "Bo", "Cem", "Dita", "Eli", "Fay", "Gus", "Hal", "Ines", "Jon", "Kai", "Lia"]
LAST = ["Arden", "Brook", "Castell", "Dunmore", "Ellery", "Fenwick", "Garrow", "Holt", "Ives"]


def exchanges(turns: list[Turn]) -> list[list[Turn]]:
    """Turns grouped into exchanges: an interviewer turn and the answers that follow it."""
    groups: list[list[Turn]] = []
    for turn in turns:
        if turn.role == INTERVIEWER or not groups:
            groups.append([])
        groups[-1].append(turn)
    return groups


def generate(out: Path, interviews: int, personas: int, seed: int = 0) -> Path:
    """Write a study of ``interviews`` transcripts and ``personas`` personas into ``out``."""
    example = load_study(example_study_dir())
    sources = [t for t in example.transcripts if t.participant_turns]
    notes = [example.personas[pid] for pid in sorted(example.personas)]
    if out.exists():
        shutil.rmtree(out)
    (out / "personas").mkdir(parents=True)
    persona_ids = [f"persona-{j:02d}" for j in range(personas)]
    for j, pid in enumerate(persona_ids):
        note = notes[j % len(notes)]
        text = Path(note.path).read_text(encoding="utf-8")
        text = re.sub(r"(?m)^id: .*$", f"id: {pid}", text, count=1)
        text = re.sub(r'(?m)^name: "?(.*?)"?$', rf'name: "\1 #{j:02d}"', text, count=1)
        text = re.sub(r"(?m)^participants: .*$", "participants: []", text, count=1)
        (out / "personas" / f"{pid}.md").write_text(text, encoding="utf-8")
    rows = []
    for i in range(interviews):
        rng = random.Random(seed * 1_000_003 + i)
        source = sources[i % len(sources)]
        pid = persona_ids[i % personas]
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}"
        participant = f"S{i:04d}"
        groups = exchanges(source.turns)
        body = groups[1:]
        rng.shuffle(body)
        lines = []
        for turn in (t for group in [groups[0], *body] for t in group):
            speaker = turn.speaker if turn.role == INTERVIEWER else name.split()[0]
            lines.append(f"{speaker}: {' '.join(turn.text.split())}")
        interviewer = next((t.speaker for t in source.turns if t.role == INTERVIEWER), "Maya")
        rel = f"{pid}/i{i:04d}.txt"
        (out / pid).mkdir(exist_ok=True)
        front = (
            f"---\nparticipant: {participant}\npersona: {pid}\n"
            f"interviewers: [{interviewer}]\nlanguage: en\n---\n"
        )
        (out / rel).write_text(front + "\n\n".join(lines) + "\n", encoding="utf-8")
        rows.append([participant, pid, f"Participant {i:04d}", name, rel, interviewer])
    with open(out / "participants.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["participant_id", "persona_id", "pseudonym", "name", "file", "interviewers"]
        )
        writer.writerows(rows)
    return out


def main() -> None:
    """Command line: ``generate.py OUT --interviews N --personas M [--seed S]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--interviews", type=int, default=100)
    parser.add_argument("--personas", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    generate(args.out, args.interviews, args.personas, args.seed)
    print(f"wrote {args.out}: {args.interviews} interviews, {args.personas} personas")


if __name__ == "__main__":
    main()
