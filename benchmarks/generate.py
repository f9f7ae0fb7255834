"""Build a synthetic study of any size, with distinct text, deterministically.

Each interview takes one transcript of the example study or the interview corpus
(``tests/data/corpus``: 248 interviews in 48 industries; with the example's 9, some 11,000
participant turns to draw from), keeps its opening exchange, reshuffles the other
question-and-answer exchanges, renames the participant, and is assigned to one of M personas
whose notes are the example notes cloned under new ids.
Every turn is then said a little differently (an opening word and a time reference drawn per
interview), so that no two turns of a large study share their text: a study rebuilt from the
same turns would be served by the embedding and coding caches and flatter the speed. Same
(N, M, seed) → byte-identical study.

Usage: ``python benchmarks/generate.py OUT --interviews 1000 --personas 40 [--seed 0]``.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import shutil
from pathlib import Path

from cjm_research.ingest import read_transcript
from cjm_research.model import INTERVIEWER, Transcript, Turn
from cjm_research.resources import example_study_dir
from cjm_research.study import load_study

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "corpus"
OPENINGS = ["Well, ", "I mean, ", "Honestly, ", "So, ", "Yeah, ", "Right, ", "Um, ", "Look, "]
ASKING = ["", "So, ", "And ", "Okay, ", "Right, "]
WHEN = [
    " That was about {n} weeks ago.",
    " This was maybe {n} days in.",
    " Around {n} months back, I think.",
    " It had been {n} days by then.",
]
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


def corpus_transcripts() -> list[Transcript]:
    """The interview corpus's transcripts (empty when the corpus is not in this checkout)."""
    return [read_transcript(path) for path in sorted(CORPUS.glob("*/*.txt"))]


def said_again(turn: Turn, rng: random.Random) -> str:
    """``turn``'s text said a little differently: an opening word, and for an answer perhaps
    when it happened, so the same turn in two interviews is two texts."""
    text = " ".join(turn.text.split())
    if turn.role == INTERVIEWER:
        opening = rng.choice(ASKING)
        return opening + (text[0].lower() + text[1:] if opening and text[:2] != "I " else text)
    opening = rng.choice(OPENINGS)
    if opening and text[:2] != "I " and text[:1].isupper():
        text = text[0].lower() + text[1:]
    return opening + text + rng.choice(WHEN).format(n=rng.randint(2, 60))


def generate(out: Path, interviews: int, personas: int, seed: int = 0) -> Path:
    """Write a study of ``interviews`` transcripts and ``personas`` personas into ``out``."""
    example = load_study(example_study_dir())
    sources = [t for t in [*example.transcripts, *corpus_transcripts()] if t.participant_turns]
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
            lines.append(f"{speaker}: {said_again(turn, rng)}")
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
