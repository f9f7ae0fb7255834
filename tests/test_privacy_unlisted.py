"""The warning of people participants name whom nobody listed: readable on a terminal."""

from __future__ import annotations

from pathlib import Path

from cjm_research.privacy import study_key, unlisted_names
from cjm_research.study import load_study


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_people_a_participant_mentions_are_warned_about_until_listed_then_hidden(tmp_path):
    write(tmp_path / "personas" / "p.md", "---\nid: p\nname: P\n---\n")
    write(
        tmp_path / "participants.csv",
        "participant_id,persona_id,name,file,mentioned\nP1,p,Dana Hale,a.txt,\n",
    )
    write(
        tmp_path / "a.txt",
        "Interviewer: And then?\nDana Hale: My husband Tom rang, and I spoke to Aoife at the "
        "bank.\n",
    )
    write(
        tmp_path / "b.txt",
        "---\nparticipant: P2\npersona: p\nmentioned: [Imre]\n---\n"
        "Interviewer: And then?\nKim: My boss Imre said no.\n",
    )
    (problem,) = unlisted_names(load_study(tmp_path))
    assert problem.path.name == "participants.csv" and problem.severity == "warning"
    assert problem.message.startswith("participants name 2 people nobody listed")
    # one line a name, the most mentioned first (then by name), with its file and line
    assert problem.details == ("Aoife       once  a.txt:2", "Tom         once  a.txt:2")
    assert "Imre" not in problem.display()  # listed in b.txt's front matter
    assert "'mentioned' column" in problem.hint
    write(
        tmp_path / "participants.csv",
        "participant_id,persona_id,name,file,mentioned\nP1,p,Dana Hale,a.txt,Tom; Aoife\n",
    )
    study = load_study(tmp_path)
    assert unlisted_names(study) == []
    key = study_key(study)
    assert key.redact_text("Tom and Aoife told Imre.") == "[name] and [name] told [name]."


NAMES = ["Pat", "Hao", "Alan", "Imre", "Jonas", "Amira", "Tayo", "Lurdes", "Mateo", "Siân",
         "Ayşe", "Deji", "Bethan", "Callum", "Elena", "Kofi", "Zosia", "Efua"]  # fmt: skip


def test_a_long_list_shows_the_most_mentioned_with_where_and_writes_the_rest_to_a_file(tmp_path):
    # a 40-interview study printed one 3,000-character line, without a line number
    write(tmp_path / "personas" / "p.md", "---\nid: p\nname: P\n---\n")
    for n, name in enumerate(NAMES):
        turns = "".join(f"Dana: My friend {name} said so.\n" for _ in range(len(NAMES) - n))
        write(tmp_path / "talks" / f"p{n:02}.txt", f"---\npersona: p\n---\nQ: And?\n{turns}")
    (problem,) = unlisted_names(load_study(tmp_path))
    lines = problem.display(tmp_path).splitlines()
    assert lines[0].startswith(
        "participants.csv: participants name 18 people nobody listed, and reports print them as "
        "said (the most mentioned first, where each is first said) — list them in the 'mentioned'"
    )
    assert lines[1:4] == [
        "    Pat      18 times  talks/p00.txt:5",
        "    Hao      17 times  talks/p01.txt:5",
        "    Alan     16 times  talks/p02.txt:5",
    ]
    assert lines[13:] == ["    and 6 more: see .cjm/unlisted-names.csv"]
    listed = (tmp_path / ".cjm" / "unlisted-names.csv").read_text(encoding="utf-8").splitlines()
    assert listed[0] == "name,times,first said at" and len(listed) == 19
    assert listed[-1] == "Efua,1,talks/p17.txt:5"
    # once the list is short again, the file of the longer one goes
    for n in range(4, 18):
        (tmp_path / "talks" / f"p{n:02}.txt").unlink()
    (problem,) = unlisted_names(load_study(tmp_path))
    assert len(problem.details) == 4 and not (tmp_path / ".cjm" / "unlisted-names.csv").exists()
