"""The human layer: append-only per coder, latest wins, human over machine, nothing lost."""

import shutil

import pandas as pd
import pytest

from cjm_research.codebook import load_codebook
from cjm_research.coding.human import (
    COLUMNS,
    append_human_codes,
    apply_human_codes,
    coder_file,
    follow_words,
    is_human,
    latest_human_codes,
    outside_problems,
    placement_problems,
    read_human_codes,
    study_problems,
    text_sha,
)
from cjm_research.exceptions import CJMInputError
from cjm_research.model import NOT_CODED
from cjm_research.resources import example_study_dir
from cjm_research.run.batch import code_study
from cjm_research.study import load_study


def machine_table():
    return pd.DataFrame(
        {
            "segment_id": ["a:2", "a:4"],
            "stage": ["purchase", "support"],
            "touchpoints": ["website", ""],
            "emotion": ["joy", "neutral"],
            "valence": [0.6, 0.0],
            "coder": ["auto:rules@1"] * 2,
            "stage_confidence": [0.6, 0.45],
            "touchpoint_confidence": [0.7, 0.0],
            "emotion_confidence": [0.5, 0.4],
            "evidence": ["x", "y"],
        }
    )


def codes(segment_id, stage, emotion="neutral", **extra):
    return pd.DataFrame([{"segment_id": segment_id, "stage": stage, "emotion": emotion, **extra}])


def test_coder_files_keep_a_name_in_any_script(tmp_path):
    assert coder_file(tmp_path, "Zoë R.").name == "Zoë-R.csv"
    assert coder_file(tmp_path, "Zoe\u0308 R.") == coder_file(tmp_path, "Zoë R.")  # NFD = NFC
    assert coder_file(tmp_path, "Zoé R.") != coder_file(tmp_path, "Zoë R.")
    assert coder_file(tmp_path, "张伟 / auto").name == "张伟-auto.csv"
    assert coder_file(tmp_path, "../..").name == "coder.csv"


def test_append_never_rewrites_and_latest_row_wins(tmp_path):
    append_human_codes(
        tmp_path, "Maya L.", codes("a:2", "consideration", coded_at="2026-01-01T00:00:00Z")
    )
    first = coder_file(tmp_path, "Maya L.").read_text()
    append_human_codes(
        tmp_path, "Maya L.", codes("a:2", "purchase", coded_at="2026-02-01T00:00:00Z")
    )
    text = coder_file(tmp_path, "Maya L.").read_text()
    assert text.startswith(first), "earlier rows must stay byte for byte"
    assert text.splitlines()[0] == ",".join(COLUMNS)
    human = read_human_codes(tmp_path)
    assert len(human) == 2 and set(human["coder"]) == {"Maya L."}
    [latest] = latest_human_codes(human).itertuples()
    assert latest.stage == "purchase"


def test_human_codes_win_with_full_confidence_and_say_who(tmp_path):
    append_human_codes(tmp_path, "Ana", codes("a:4", "retention", "frustration", note="re-read"))
    merged, orphans = apply_human_codes(
        machine_table(), read_human_codes(tmp_path), {"frustration": -0.6}
    )
    row = merged.set_index("segment_id").loc["a:4"]
    assert (row["stage"], row["emotion"], row["coder"]) == ("retention", "frustration", "Ana")
    assert row["valence"] == -0.6 and row["stage_confidence"] == 1.0
    assert row["evidence"].startswith("human: Ana at ") and "re-read" in row["evidence"]
    assert merged.set_index("segment_id").loc["a:2", "coder"] == "auto:rules@1"
    assert orphans.empty


def test_codes_for_vanished_segments_are_reported_not_dropped(tmp_path):
    append_human_codes(tmp_path, "Ana", codes("gone:9", "support"))
    merged, orphans = apply_human_codes(machine_table(), read_human_codes(tmp_path))
    assert list(orphans["segment_id"]) == ["gone:9"]
    assert "gone:9" in coder_file(tmp_path, "Ana").read_text()
    assert (merged["coder"] == "auto:rules@1").all()


def test_a_malformed_file_names_file_and_line(tmp_path):
    (tmp_path / "coding").mkdir()
    bad = tmp_path / "coding" / "ana.csv"
    bad.write_text("segment_id,coder,coded_at\na:1,Ana,2026\n,Ana,2026\n", encoding="utf-8")
    with pytest.raises(CJMInputError) as err:
        read_human_codes(tmp_path)
    assert f"{bad}:3:" in str(err.value)


def test_a_valence_that_is_no_number_names_file_and_line_and_validate_says_so(tmp_path):
    # 'n/a' stopped `cjm code` with no file or line while `cjm validate` passed the study
    root = tmp_path / "study"
    shutil.copytree(example_study_dir(), root)
    (root / "coding").mkdir()
    bad = root / "coding" / "ana.csv"
    header = "segment_id,coder,coded_at,emotion,valence\n"
    for cell in ("n/a", "nan"):
        bad.write_text(header + f"p01-dana:3,Ana,2026,joy,0.5\np01-dana:5,Ana,2026,joy,{cell}\n")
        with pytest.raises(CJMInputError) as err:
            read_human_codes(root)
        assert str(err.value).startswith(f"{bad}:3: valence '{cell}' is not a number")
    (said,) = [p.display(root) for p in study_problems(load_study(root))]
    assert said.startswith("coding/ana.csv:3: valence 'nan' is not a number — use a number")


def test_is_human():
    assert is_human("Maya") and not is_human("auto:rules@1") and not is_human("")


def test_recoding_a_study_never_loses_a_researchers_code(tmp_path):
    study_dir = tmp_path / "study"
    shutil.copytree(example_study_dir(), study_dir)
    first = code_study(load_study(study_dir)).segments
    target = first[(first["role"] == "participant")].iloc[5]
    new_stage = "retention" if target["stage"] != "retention" else "usage"
    append_human_codes(study_dir, "Maya", codes(target["segment_id"], new_stage, "relief"))
    # Re-code, and again after a codebook change: the human code survives both.
    again = code_study(load_study(study_dir)).segments.set_index("segment_id")
    assert again.loc[target["segment_id"], "stage"] == new_stage
    assert again.loc[target["segment_id"], "coder"] == "Maya"
    from cjm_research.resources import default_codebook_path

    text = default_codebook_path().read_text(encoding="utf-8")
    (study_dir / "codebook.yaml").write_text(text.replace('"billboard",', ""), encoding="utf-8")
    coded = code_study(load_study(study_dir))
    row = coded.segments.set_index("segment_id").loc[target["segment_id"]]
    assert (row["stage"], row["emotion"], row["coder"]) == (new_stage, "relief", "Maya")
    machine = coded.machine.set_index("segment_id").loc[target["segment_id"]]
    assert machine["coder"].startswith("auto:"), "the machine layer stays the machine's"


def test_a_researchers_edit_survives_a_forced_rebuild_of_the_reports(report_runs):
    """A human code recorded between two `cjm reports` runs (the second with --force) is in the
    second run's table, the run leaves the coder file untouched, and the machine layer keeps the
    machine's code."""
    runs = report_runs
    assert runs.second_status == 2  # the study's hostile files are still there (tests/study_runs)
    path = coder_file(runs.study, "Maya")
    assert path.read_bytes() == runs.human_file_after_edit
    assert runs.first_table.set_index("segment_id").loc[runs.human_segment, "coder"] != "Maya"
    merged = pd.read_parquet(runs.study / ".cjm" / "segments.parquet").set_index("segment_id")
    row = merged.loc[runs.human_segment]
    assert (row["stage"], row["emotion"], row["coder"]) == (runs.human_stage, "relief", "Maya")
    machine = pd.read_parquet(runs.study / ".cjm" / "segments.machine.parquet").set_index(
        "segment_id"
    )
    assert machine.loc[runs.human_segment, "coder"].startswith("auto:")


def turns_table(texts, interview="a"):
    """A segments table of one interview: turn n (1, 2, …) says ``texts[n - 1]``."""
    return pd.DataFrame(
        {
            "segment_id": [f"{interview}:{n}" for n in range(1, len(texts) + 1)],
            "interview_id": interview,
            "text": texts,
            "stage": "",
            "touchpoints": "",
            "emotion": "neutral",
            "valence": 0.0,
            "coder": "auto:rules@1",
            "stage_confidence": 0.5,
            "touchpoint_confidence": 0.5,
            "emotion_confidence": 0.5,
            "evidence": "",
        }
    )


def coded_on(sid, text, stage):
    """Maya's code for ``sid`` as read from her file, given when its words were ``text``."""
    row = codes(sid, stage, coder="Maya", coded_at="2026-01-01T00:00:00Z", text_sha=text_sha(text))
    return row.reindex(columns=list(COLUMNS)).astype(object).fillna("")


def test_codes_follow_their_words_when_turns_are_added_above():
    old = ["Hi.", "I saw an advert.", "Yes.", "It broke.", "Yes."]
    human = pd.concat(
        [
            coded_on("a:2", old[1], "awareness"),
            coded_on("a:4", old[3], "support"),
            coded_on("a:5", old[4], "retention"),  # "Yes." twice: the shift decides
        ]
    )
    now = turns_table(["Can you hear me?", "Loud and clear.", *old])  # two turns added on top
    merged, orphans = apply_human_codes(now, human)
    stages = dict(zip(merged["segment_id"], merged["stage"], strict=True))
    assert stages == {
        "a:1": "", "a:2": "", "a:3": "", "a:4": "awareness", "a:5": "", "a:6": "support",
        "a:7": "retention",
    }  # fmt: skip
    assert orphans.empty


def test_codes_past_the_interviews_new_end_follow_their_words_when_turns_are_removed_above():
    # Its number is no turn any more (two removed above it): an orphan, though its words are there.
    old = ["Can you hear me?", "Loud and clear.", "Hi.", "I saw an advert.", "It broke."]
    human = pd.concat([coded_on("a:4", old[3], "awareness"), coded_on("a:5", old[4], "support")])
    merged, orphans = apply_human_codes(turns_table(old[2:]), human)
    assert list(merged["stage"]) == ["", "awareness", "support"] and orphans.empty


def test_a_turn_edited_in_place_keeps_its_code_and_says_so():
    human = coded_on("a:2", "It came late, nobody told me.", "support")
    now = turns_table(["Hi.", "It came late and nobody told me."])  # a typo fixed
    merged, orphans = apply_human_codes(now, human)
    assert merged.loc[1, "stage"] == "support" and orphans.empty
    assert "words changed since" in merged.loc[1, "evidence"]


def test_a_shifted_and_edited_turn_is_an_orphan_not_someone_elses_code():
    human = pd.concat(
        [coded_on("a:1", "I saw an advert.", "awareness"), coded_on("a:2", "It broke.", "support")]
    )
    now = turns_table(["Hello again.", "I saw an advert.", "It broke, twice."])
    merged, orphans = apply_human_codes(now, human)
    assert list(merged["stage"]) == ["", "awareness", ""]
    assert list(orphans["segment_id"]) == ["a:2 (text changed)"]


def test_codes_without_a_fingerprint_stay_on_their_id():
    human = coded_on("a:2", "", "support").assign(text_sha="")
    merged, _ = apply_human_codes(turns_table(["Hi.", "Other words."]), human)
    assert merged.loc[1, "stage"] == "support"


def test_codes_the_codebook_no_longer_has_are_named():
    from cjm_research.codebook import load_codebook

    human = pd.concat(
        [
            coded_on("a:1", "x", "trial").assign(touchpoints="website;sales-rep"),
            coded_on("a:2", "y", "trial"),
            coded_on("a:3", "z", "support"),
        ]
    )
    problems = outside_problems(latest_human_codes(human), load_codebook(None))
    assert [str(problem) for problem in problems] == [
        "coding/Maya.csv: stage 'trial' is not in the codebook (2 turns; the reports leave it "
        "out) — add it back to codebook.yaml, or recode those turns",
        "coding/Maya.csv: touchpoints 'sales-rep' is not in the codebook (1 turn; the reports "
        "leave it out) — add it back to codebook.yaml, or recode that turn",
    ]


def test_in_a_group_a_code_stays_with_the_speaker_of_its_words():
    """Raj's "Yeah." coded; a missed "Yeah." by Priya is added above it: the code is Raj's."""
    human = coded_on("a:3", "Yeah.", "support").assign(speaker="Raj")
    now = turns_table(["How was the call?", "Slow.", "Yeah.", "Yeah."]).assign(
        speaker=["Moderator", "Tom", "Priya", "Raj"]
    )
    merged, orphans = apply_human_codes(now, human)
    assert list(merged["stage"]) == ["", "", "", "support"] and orphans.empty
    # Files from before the speaker was recorded, or a label renamed since: the words alone
    # decide, as they did.
    for recorded in ("", "Raj S."):
        merged, _ = apply_human_codes(now, human.assign(speaker=recorded))
        assert list(merged["stage"]) == ["", "", "support", ""]


def test_a_file_begun_before_the_speaker_column_keeps_its_header(tmp_path):
    old = "segment_id,interview_id,coder,coded_at,stage,touchpoints,emotion,valence,text_sha,note\n"
    path = tmp_path / "coding" / "Maya.csv"
    path.parent.mkdir()
    path.write_text(old + "a:1,a,Maya,2026-01-01T00:00:00Z,support,,,,abc,\n", encoding="utf-8")
    append_human_codes(tmp_path, "Maya", codes("a:2", "usage").assign(speaker="Raj"))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == old.strip() and lines[2].count(",") == lines[1].count(",")
    assert list(read_human_codes(tmp_path)["stage"]) == ["support", "usage"]


def test_codes_of_a_renamed_transcript_follow_their_words_to_the_new_interview():
    """p04-otter.txt renamed p04-hiroshi.txt after review: its codes move there, and say so."""
    human = pd.concat(
        [
            coded_on("p04-otter:2", "The branch was shut.", "usage").assign(speaker="Hiroshi"),
            coded_on("p04-otter:4", "Yes.", "support").assign(speaker="Hiroshi"),
            coded_on("other:1", "Fine.", "usage"),  # an interview with codes: not a renamed one
        ]
    )
    now = pd.concat(
        [
            turns_table(["Hi.", "The branch was shut.", "And then?", "Yes."], "p04-hiroshi"),
            turns_table(["Fine.", "Yes."], "other"),
            turns_table(["Yes."], "p09-new").assign(speaker="Hiroshi"),
        ],
        ignore_index=True,
    )
    now["speaker"] = now["speaker"].fillna("Hiroshi")
    merged, orphans = apply_human_codes(now, human)
    stages = dict(zip(merged["segment_id"], merged["stage"], strict=True))
    assert stages["p04-hiroshi:2"] == "usage" and stages["p04-hiroshi:4"] == "support"
    assert stages["p09-new:1"] == "" and orphans.empty
    [said] = [str(p) for p in placement_problems(human, now)]
    assert said == (
        "coding/Maya.csv: 2 human codes of interview 'p04-otter', which no longer exists, moved to "
        "'p04-hiroshi', where their words are now (p04-otter:2 → p04-hiroshi:2, p04-otter:4 → "
        "p04-hiroshi:4) — nothing to do if 'p04-otter' was renamed 'p04-hiroshi'; the file keeps "
        "the old ids"
    )


def test_codes_of_a_gone_interview_whose_words_are_nowhere_say_how_to_fix_it():
    human = coded_on("p04-otter:4", "The app froze.", "usage").assign(_line=3)
    now = pd.concat(  # two new interviews with words alike: which one is p04-otter is unknowable
        [turns_table(["Hi.", "Yes."], "p04-a"), turns_table(["Hi.", "No."], "p04-b")],
        ignore_index=True,
    )
    merged, orphans = apply_human_codes(now, human)
    assert list(orphans["segment_id"]) == ["p04-otter:4"] and set(merged["stage"]) == {""}
    assert [str(p) for p in placement_problems(human, now)] == [
        "coding/Maya.csv:3: 1 human code refers to interview 'p04-otter', which no longer exists "
        "(p04-otter:4); kept in the file, applied nowhere — was its transcript renamed? give it "
        "its old name back, or set 'interview_id: p04-otter' in its front matter (.txt, .md)"
    ]
    # A word said in two new interviews alike is no evidence of which one was renamed.
    human = coded_on("p04-otter:2", "Hi.", "usage")
    assert list(apply_human_codes(now, human)[1]["segment_id"]) == ["p04-otter:2"]


def test_a_withdrawn_interviews_codes_do_not_move_to_a_new_one_on_a_shared_yes():
    """P08 withdraws (file deleted); P09's new interview also has a "Yes, definitely.": one of
    three coded turns is no rename, and no code lands on a turn by its number."""
    human = pd.concat(
        [
            coded_on("p08:3", "The branch closed, sadly.", "onboarding").assign(speaker="S2"),
            coded_on("p08:4", "Yes, definitely.", "onboarding").assign(speaker="S2"),
            coded_on("p08:6", "They really looked after me.", "retention").assign(speaker="S2"),
        ]
    )
    now = turns_table(
        ["Hi.", "Hello.", "Would you recommend them?", "Yes, definitely.", "Why?", "Frustrating."],
        "p09",
    ).assign(speaker="S2")
    merged, orphans = apply_human_codes(now, human)
    assert set(merged["stage"]) == {""}
    assert sorted(orphans["segment_id"]) == ["p08:3", "p08:4", "p08:6"]
    # Two of three found: a rename, and only the codes whose words are there move.
    now.loc[2, "text"] = "The branch closed, sadly."
    merged, orphans = apply_human_codes(now, human)
    stages = dict(zip(merged["segment_id"], merged["stage"], strict=True))
    assert stages["p09:3"] == "onboarding" and stages["p09:4"] == "onboarding"
    assert stages["p09:6"] == "" and list(orphans["segment_id"]) == ["p08:6"]


def test_validate_finds_the_codes_a_report_could_not_place(tmp_path):
    """study_problems: codes the codebook lacks and codes of a gone interview, without coding."""
    root = tmp_path / "s"
    shutil.copytree(example_study_dir(), root, ignore=shutil.ignore_patterns(".cjm", "reports"))
    study = load_study(root)
    transcript = study.transcripts[0]
    turn = transcript.participant_turns[0]
    append_human_codes(
        root,
        "Maya L.",
        pd.DataFrame(
            [
                {"segment_id": transcript.segment_id(turn), "stage": "trial",
                 "text_sha": text_sha(turn.text), "speaker": turn.speaker},
                {"segment_id": "gone:2", "stage": "usage", "text_sha": text_sha("Not said.")},
            ]
        ),
    )  # fmt: skip
    said = [p.display(root) for p in study_problems(load_study(root))]
    assert said == [
        "coding/Maya-L.csv:2: stage 'trial' is not in the codebook (1 turn; the reports "
        "leave it out) — add it back to codebook.yaml, or recode that turn",
        "coding/Maya-L.csv:3: 1 human code refers to interview 'gone', which no longer exists "
        "(gone:2); kept in the file, applied nowhere — was its transcript renamed? give it its "
        "old name back, or set 'interview_id: gone' in its front matter (.txt, .md)",
    ]


def test_a_gold_sheet_follows_its_words_like_human_codes():
    gold = pd.DataFrame(
        {"segment_id": ["a:1", "a:2", "a:3"], "text": ["I saw an advert.", "It broke.", "Gone."]}
    )
    now = turns_table(["Can you hear me?", "Yes.", "I saw an advert.", "It broke."])
    placed = follow_words(gold, now)
    assert list(placed["segment_id"]) == ["a:3", "a:4", "a:3 (text changed)"]
    assert list(placed["moved_from"]) == ["a:1", "a:2", ""]


def test_a_file_without_the_not_coded_marker_reads_as_before(tmp_path):
    """Files written before ``(not coded)`` existed: an empty cell is still "no stage"."""
    (tmp_path / "coding").mkdir()
    (tmp_path / "coding" / "Ana.csv").write_text(
        "segment_id,interview_id,coder,coded_at,stage,touchpoints,emotion,valence,text_sha,note\n"
        "a:4,a,Ana,2026-01-01T00:00:00Z,,phone_support,frustration,,,\n",
        encoding="utf-8",
    )
    merged, _ = apply_human_codes(machine_table(), read_human_codes(tmp_path))
    row = merged.set_index("segment_id").loc["a:4"]
    assert (row["stage"], row["touchpoints"], row["emotion"]) == (
        "",
        "phone_support",
        "frustration",
    )
    assert row["stage_confidence"] == 1.0 and "the machine's" not in row["evidence"]


def test_a_dimension_not_coded_keeps_the_machines_code_and_an_earlier_coders(tmp_path):
    (tmp_path / "coding").mkdir()
    (tmp_path / "coding" / "Luc.csv").write_text(
        "segment_id,interview_id,coder,coded_at,stage,touchpoints,emotion\n"
        "a:2,a,Luc,2026-02-01T00:00:00Z,(not coded),email,Not Coded\n"  # as a person types it
        "a:4,a,Luc,2026-02-01T00:00:00Z,not coded,chat,(not coded)\n",
        encoding="utf-8",
    )
    append_human_codes(
        tmp_path, "Ana", codes("a:4", "retention", "anger", coded_at="2026-01-01T00:00:00Z")
    )
    human = read_human_codes(tmp_path)
    assert set(human.query("coder == 'Luc'")["emotion"]) == {NOT_CODED}
    merged, _ = apply_human_codes(machine_table(), human, {"anger": -0.8})
    rows = merged.set_index("segment_id")
    # a:2: Luc's touchpoint; the machine's stage, emotion, valence and their confidences stand
    assert rows.loc["a:2", ["stage", "touchpoints", "emotion", "coder"]].tolist() == [
        "purchase", "email", "joy", "Luc",
    ]  # fmt: skip
    assert rows.loc["a:2", "stage_confidence"] == 0.6 and rows.loc["a:2", "valence"] == 0.6
    assert "stage and emotion the machine's (no researcher coded it)" in rows.loc["a:2", "evidence"]
    # a:4: Luc's later touchpoints-only code leaves Ana's stage and emotion standing
    assert rows.loc["a:4", ["stage", "touchpoints", "emotion"]].tolist() == [
        "retention", "chat", "anger",
    ]  # fmt: skip
    assert rows.loc["a:4", "valence"] == -0.8 and "stage: Ana at" in rows.loc["a:4", "evidence"]
    # what a coder learns from: the dimensions nobody coded say so, not the machine's codes
    taught, _ = apply_human_codes(machine_table(), human, machine_fills=False)
    assert taught.set_index("segment_id").loc["a:2", ["stage", "emotion"]].tolist() == [
        NOT_CODED, NOT_CODED,
    ]  # fmt: skip
    # and the marker is no code the codebook lacks
    assert outside_problems(latest_human_codes(human), load_codebook(None)) == []
