import html
import re
from pathlib import Path

import pandas as pd
import pytest

from cjm_research.cli import main
from cjm_research.coding.citations import follow_citations, read_citations, segment_lines

ADDED = (
    "[00:00:00] Maya: Can you hear me all right?\n"
    "[00:00:01] Aisha: Yes, loud and clear, is it even real bank?\n"
)
CITED = "Not really. I didn't have time, to be honest."


def turns(interview: str, texts: list[str], speaker: str = "Ann") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment_id": [f"{interview}:{n}" for n in range(len(texts))],
            "interview_id": interview,
            "speaker": speaker,
            "text": texts,
        }
    )


def entry(*ids: str) -> dict:
    lines = [4 + n for n in range(len(ids))]
    return {"title": "Fees", "segments": list(ids), "segment_lines": lines}


WORDS = ["Hello.", "The fee came at the end.", "I left.", "Then I came back."]


def test_a_citation_never_recorded_reads_as_it_is_and_is_recorded():
    followed = follow_citations([entry("a:1", "a:9")], turns("a", WORDS), {})
    assert followed.curated[0]["segments"] == ["a:1", "a:9"] and followed.problems == []
    assert list(followed.recorded) == ["a:1"]  # a:9 is no turn: nothing to record
    assert followed.recorded["a:1"]["speaker"] == "Ann"


def test_a_citation_follows_its_words_after_turns_were_added_above_it():
    recorded = follow_citations([entry("a:1")], turns("a", WORDS), {}).recorded
    edited = turns("a", ["Hi.", "Can you hear me?", *WORDS])
    followed = follow_citations([entry("a:1")], edited, recorded, Path("insights.yaml"))
    assert followed.curated[0]["segments"] == ["a:3"]
    assert followed.recorded == recorded  # kept until the researcher updates the citation
    (problem,) = followed.problems
    assert problem.display() == (
        "insights.yaml:4: insight 1 ('Fees') cites a:1, but the words it cited are now at a:3 "
        "(the transcript changed); the report quotes a:3 — update the citation to 'a:3'"
    )


def test_a_cited_answer_edited_a_little_keeps_its_quote_and_a_rewritten_one_loses_it():
    said = "The fee came at the end, nobody had said a word about it before I paid."
    recorded = follow_citations([entry("a:1")], turns("a", ["Hi.", said]), {}).recorded
    # a mended typo in place: the same turn, quoted as it reads now and recorded so, no warning
    mended = said.replace("nobody", "no one")
    followed = follow_citations([entry("a:1")], turns("a", ["Hi.", mended]), recorded)
    assert followed.curated[0]["segments"] == ["a:1"] and followed.problems == []
    assert followed.recorded["a:1"]["text"] == mended
    # the same edit after a turn was added above it: followed, with the warning to update
    moved = follow_citations([entry("a:1")], turns("a", ["Hi.", "Hello?", mended]), recorded)
    assert moved.curated[0]["segments"] == ["a:2"] and len(moved.problems) == 1
    # rewritten: another answer now, never quoted for the insight
    other = turns("a", ["Hi.", "I paid and that was that, really."])
    gone = follow_citations([entry("a:1")], other, recorded)
    assert (
        gone.curated[0]["segments"] == [] and "no longer in the study" in gone.problems[0].message
    )


def test_a_citation_past_the_new_end_follows_its_words_when_turns_were_removed_above():
    recorded = follow_citations([entry("a:3")], turns("a", WORDS), {}).recorded
    followed = follow_citations([entry("a:3")], turns("a", WORDS[1:]), recorded)
    assert followed.curated[0]["segments"] == ["a:2"]


def test_a_citation_follows_a_renamed_transcripts_words():
    recorded = follow_citations([entry("a:1", "a:2")], turns("a", WORDS), {}).recorded
    followed = follow_citations([entry("a:1", "a:2")], turns("b", WORDS), recorded)
    assert followed.curated[0]["segments"] == ["b:1", "b:2"]
    assert [p.line for p in followed.problems] == [4, 5]


def test_a_citation_whose_words_are_gone_is_left_out_never_quoted_wrong():
    recorded = follow_citations([entry("a:1", "a:2")], turns("a", WORDS), {}).recorded
    edited = turns("a", ["Hello.", "The fee, at the very end!", "I left.", "Then I came back."])
    followed = follow_citations([entry("a:1", "a:2")], edited, recorded)
    assert followed.curated[0]["segments"] == ["a:2"]
    (problem,) = followed.problems
    assert "cites a:1, but the words it cited are no longer in the study" in problem.message
    assert problem.hint.startswith("update the citation")


def test_segment_lines_name_each_cited_ids_line():
    text = 'insights:\n  - title: A\n    segments:\n      - "a:1"\n      - "a:2"\n  - title: B\n'
    assert segment_lines(text) == [[4, 5], []]


def _insight_text(report: Path, title: str) -> str:
    """The words of the report's block for the insight ``title``, up to the next insight."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", report.read_text(encoding="utf-8")))
    block = text[text.index(title) :]
    return re.sub(r"\s+", " ", block[: block.index("Generated from recurring")])


@pytest.fixture
def study(tmp_path):
    root = tmp_path / "study"
    assert main(["init", str(root)]) == 0
    (root / "insights.yaml").write_text(
        "insights:\n  - title: Nobody shops around\n    persona: busy-parent\n"
        '    segments:\n      - "p05-aisha:14"\n',
        encoding="utf-8",
    )
    return root


def _build(study: Path) -> None:
    args = ["--persona", "busy-parent", "--format", "html", "--coder", "rules"]
    assert main(["reports", "--study", str(study), *args]) == 0


def test_an_insight_quotes_the_words_it_cited_after_its_transcript_was_edited(study, capsys):
    transcript = study / "busy-parent" / "p05-aisha.txt"
    report = study / "reports" / "busy-parent" / "busy-parent.html"
    insights = (study / "insights.yaml").read_bytes()
    _build(study)
    assert CITED in _insight_text(report, "Nobody shops around")
    # Two turns at the top: p05-aisha:14 is now another answer, the cited words p05-aisha:16.
    text = transcript.read_text(encoding="utf-8")
    transcript.write_text(text.replace("---\n[", "---\n" + ADDED + "[", 1), encoding="utf-8")
    capsys.readouterr()
    _build(study)
    said = capsys.readouterr().err
    quoted = _insight_text(report, "Nobody shops around")
    assert CITED in quoted and "Mostly, is it actually sturdy" not in quoted
    assert (
        "insights.yaml:5: insight 1 ('Nobody shops around') cites p05-aisha:14, but the words it "
        "cited are now at p05-aisha:16 (the transcript changed); the report quotes p05-aisha:16 "
        "— update the citation to 'p05-aisha:16'"
    ) in said
    _build(study)  # nothing to rebuild: the warning stands until the citation is updated
    said = capsys.readouterr().err
    assert "nothing changed since the last run" in said
    assert "update the citation to 'p05-aisha:16'" in said
    assert main(["validate", "--study", str(study)]) == 0
    assert "cites p05-aisha:14, but the words it cited are now at p05-aisha:16" in (
        capsys.readouterr().err
    )
    # The cited words rewritten: no quote rather than another turn's words.
    transcript.write_text(
        transcript.read_text(encoding="utf-8").replace(CITED, "Nah, no time."), encoding="utf-8"
    )
    _build(study)
    said = capsys.readouterr().err
    quoted = _insight_text(report, "Nobody shops around")
    assert "Nah, no time" not in quoted and "“" not in quoted.split("Curated by")[1]
    assert "insights.yaml:5: insight 1 ('Nobody shops around') cites p05-aisha:14, but the " in said
    assert "no longer in the study (the transcript was edited); the quote is left out" in said
    # The researcher's file is never written; the fingerprints are the working data's.
    assert (study / "insights.yaml").read_bytes() == insights
    assert list(read_citations(study)) == ["p05-aisha:14"]
