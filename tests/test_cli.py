import shutil

import pandas as pd
import pytest

from cjm_research.cli import main
from cjm_research.resources import example_study_dir


@pytest.fixture
def study(tmp_path):
    root = tmp_path / "study"
    assert main(["init", str(root)]) == 0
    return root


def test_init_scaffolds_the_example_and_refuses_a_non_empty_folder(study, capsys):
    assert (study / "participants.csv").exists() and (study / "personas").is_dir()
    assert main(["init", str(study)]) == 2
    assert "not empty" in capsys.readouterr().err


def test_validate_passes_on_the_example(study, capsys):
    assert main(["validate", "--study", str(study)]) == 0
    assert "9 transcripts, 3 personas: 0 errors" in capsys.readouterr().err


def test_validate_warns_of_a_persona_named_after_one_of_its_participants(study, capsys):
    # A car-club study named its persona "Hannah, the once-in-a-while driver" after Hannah
    # Okafor (P01): every report printed her first name above her quotes.
    note = study / "personas" / "busy-parent.md"
    note.write_text(
        note.read_text(encoding="utf-8").replace(
            'name: "Alex, the time-poor parent"', 'name: "Mark, the time-poor parent"'
        ),
        encoding="utf-8",
    )
    assert main(["validate", "--study", str(study)]) == 0
    err = capsys.readouterr().err
    assert (
        "personas/busy-parent.md:3: persona name 'Mark, the time-poor parent' holds 'Mark', the "
        "name of its participant P04: reports print it beside P04's quotes — "
    ) in err
    assert "0 errors, 1 warnings" in err


def test_validate_names_a_bad_file_and_exits_2(study, capsys):
    (study / "broken.txt").write_text("---\nparticipant: P99\nno closing fence\n", encoding="utf-8")
    assert main(["validate", "--study", str(study)]) == 2
    err = capsys.readouterr().err
    assert "broken.txt:1:" in err and "1 errors" in err


def test_code_writes_the_table_and_still_codes_the_good_files(study, tmp_path, capsys):
    (study / "broken.vtt").write_bytes(b"\x00\x01\x02 binary junk" * 50)
    out = tmp_path / "segments.csv"
    assert main(["code", "--study", str(study), "--out", str(out)]) == 2
    table = pd.read_csv(out, keep_default_na=False)
    assert table["interview_id"].nunique() == 9
    # What the calibrated stage confidences expect, said as the table is written.
    participants = table[table["role"] == "participant"]
    expected = pd.to_numeric(participants["stage_confidence"]).mean()
    said = f"the machine expects about {expected:.0%} of its {len(participants)} stage decisions"
    assert said in capsys.readouterr().err


def test_reports_say_a_bad_participants_row_is_skipped_not_the_file(study, capsys):
    # A participant pasted twice costs that row only; the summary said the file was skipped.
    rows = (study / "participants.csv").read_text(encoding="utf-8").splitlines()
    (study / "participants.csv").write_text("\n".join([*rows, rows[5]]) + "\n", encoding="utf-8")
    args = ["--persona", "busy-parent", "--format", "html", "--coder", "rules"]
    assert main(["reports", "--study", str(study), *args]) == 2
    err = capsys.readouterr().err
    assert "Errors (1), these rows are skipped:" in err and "these files" not in err
    path = study / "participants.csv"
    assert f"skipped (input errors): {path} (the row on line {len(rows) + 1})\n" in err
    assert (study / "reports" / "busy-parent" / "busy-parent.html").is_file()


def test_missing_study_and_unknown_persona_are_input_errors(tmp_path, capsys):
    assert main(["validate", "--study", str(tmp_path / "nope")]) == 2
    assert "study folder not found" in capsys.readouterr().err
    study = tmp_path / "s"
    shutil.copytree(example_study_dir(), study)
    assert main(["reports", "--study", str(study), "--persona", "ghost"]) == 2
    assert "ghost" in capsys.readouterr().err


def test_validate_prints_one_line_per_problem_grouped_and_exits_2(study, capsys):
    from study_runs import HOSTILE

    for name, data, _ in HOSTILE:
        (study / name).write_bytes(data)
    assert main(["validate", "--study", str(study)]) == 2
    lines = capsys.readouterr().err.splitlines()
    errors, warnings = (
        lines.index("Errors (4), these files are skipped:"),
        lines.index("Warnings (2):"),
    )
    assert errors < warnings
    for name, _, message in HOSTILE:
        [line] = [x for x in lines if x.startswith(f"{name}:")]
        assert message in line and " — " in line, line  # file:line: what — how to fix
        assert (lines.index(line) < warnings) == (not name.endswith(("rtf", "stray.txt")))
    assert "first-home/unclosed.txt:1: front matter starts with '---'" in "\n".join(lines)
    assert lines[-1] == "10 transcripts, 3 personas: 4 errors, 2 warnings"


def test_reports_are_built_for_the_good_part_of_a_hostile_folder(report_runs):
    from study_runs import HOSTILE, PERSONA

    runs = report_runs
    assert runs.first_status == 2, "input errors are reported with exit status 2"
    assert (runs.out / PERSONA / f"{PERSONA}.docx").exists()
    assert f"{PERSONA}/{PERSONA}.html" in runs.redacted_texts
    skipped = next(x for x in runs.first_stderr.splitlines() if x.startswith("skipped"))
    for name, _, message in HOSTILE[:4]:
        assert name.split("/")[-1] in skipped
        assert message in runs.first_stderr


def test_a_bug_is_exit_1_with_the_traceback_in_a_log_not_blamed_on_the_input(
    study, capsys, monkeypatch
):
    from cjm_research.run import batch

    def broken(*args, **kwargs):
        raise ValueError("an internal pandas-like failure")

    monkeypatch.setattr(batch, "code_study", broken)
    assert main(["code", "--study", str(study)]) == 1
    err = capsys.readouterr().err
    assert "internal error: ValueError: an internal pandas-like failure" in err
    assert "not a problem with your files" in err
    [log] = (study / ".cjm" / "logs").glob("cjm-error-*.log")
    assert str(log) in err
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "def broken" not in err


def test_bad_options_are_input_errors_naming_the_fix(study, capsys):
    assert main(["reports", "--study", str(study), "--format", "pdf"]) == 2
    assert "unknown report format(s) pdf — --format docx,html" in capsys.readouterr().err
    assert main(["code", "--study", str(study), "--coder", "rules", "--out", "t.json"]) == 2
    err = capsys.readouterr().err
    assert "--out must be .parquet or .csv or .xlsx — name it t.parquet" in err
    assert "coded" not in err  # refused before any coding


def test_nothing_a_researcher_wrote_is_overwritten_by_an_output(study, capsys, tmp_path):
    # A new user's run: `cjm code --out study/participants.csv` replaced their participants.csv
    # with the coded table; `review export` over a colleague's half-done sheet lost it.
    people = study / "participants.csv"
    before = people.read_bytes()
    args = ["code", "--study", str(study), "--coder", "rules", "--out", str(people)]
    assert main(args) == 2
    assert "exists already and would be overwritten" in capsys.readouterr().err
    assert people.read_bytes() == before
    table = tmp_path / "coded.csv"  # a coded table cjm wrote is replaced, as a re-run should
    args[-1] = str(table)
    assert main(args) == 0 and main(args) == 0
    sheet = tmp_path / "review.csv"
    sheet.write_text("half done", encoding="utf-8")
    export = ["review", "export", str(sheet), "--study", str(study)]
    assert main(export) == 2
    assert "pass --overwrite to replace it" in capsys.readouterr().err
    assert sheet.read_text(encoding="utf-8") == "half done"
    assert main([*export, "--overwrite"]) == 0
    qdc = ["export", "qdc", str(tmp_path / "codebook.csv"), "--study", str(study)]
    assert main(qdc) == 2 and "must be .qdc" in capsys.readouterr().err
    # a folder given for a file, a file for a folder, a file that is not there
    assert main(["reports", "--study", str(study), "--out", str(people)]) == 2
    assert "--out is a file, not a folder" in capsys.readouterr().err
    assert main(["validate", "--study", str(people)]) == 2
    assert "is a file, not a study folder" in capsys.readouterr().err
    missing = ["import", "qdpx", str(tmp_path / "nope.qdpx"), "--study", str(tmp_path / "new")]
    assert main(missing) == 2 and not (tmp_path / "new").exists()
    gone = [
        "review",
        "import",
        str(tmp_path / "gone.xlsx"),
        "--coder",
        "Ana",
        "--study",
        str(study),
    ]
    assert main(gone) == 2 and "review sheet not found" in capsys.readouterr().err


def test_counts_below_one_are_refused_by_the_parser(study, capsys):
    for args in (["reports", "--jobs", "0"], ["review", "export", "r.csv", "--next", "-3"]):
        try:
            main([*args, "--study", str(study)])
        except SystemExit as exit_:
            assert exit_.code == 2
        assert "less than 1" in capsys.readouterr().err


def test_the_command_starts_without_importing_the_heavy_libraries():
    import subprocess
    import sys

    code = (
        "import sys, cjm_research.cli as c; c.build_parser(); "
        "print(sorted(m for m in ('pandas', 'matplotlib', 'onnxruntime', 'papermill', 'numpy') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_terminated_run_stops_as_an_interrupted_one(study, monkeypatch, capsys):
    """`kill PID` (SIGTERM) goes the way of Ctrl-C: workers shut down, a clear message, and
    the handler the caller had is back afterwards."""
    import os
    import signal
    import time

    from cjm_research import cli

    def killed(args):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the signal interrupts this
        return 0

    monkeypatch.setattr(cli, "cmd_validate", killed)
    before = signal.getsignal(signal.SIGTERM)
    assert main(["validate", "--study", str(study)]) == cli.EXIT_INTERRUPTED == 130
    assert "interrupted" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGTERM) == before


def test_validate_checks_the_insights_the_reports_would_stop_on(study, capsys):
    (study / "insights.yaml").write_text(
        "insights:\n"
        "  - title: Evening drop-outs\n    stage: usage\n    segments: ['nope:1']\n"
        "  - title: Bad stage\n    stage: not_a_stage\n",
        encoding="utf-8",
    )
    assert main(["validate", "--study", str(study)]) == 2
    err = capsys.readouterr().err
    assert "insights.yaml" in err and "unknown stage 'not_a_stage'" in err
    (study / "insights.yaml").write_text(
        "insights:\n  - title: Evening drop-outs\n    stage: usage\n    segments: ['nope:1']\n",
        encoding="utf-8",
    )
    assert main(["validate", "--study", str(study)]) == 0
    assert "cites segments the study does not have: nope:1" in capsys.readouterr().err


def test_commands_share_the_studys_coding_cache(study, tmp_path, capsys):
    """`cjm code`, then `cjm review export` (or `cjm reports`): the second codes nothing again."""
    assert main(["code", "--study", str(study), "--coder", "rules"]) == 0
    assert "coded 9 interviews, 0 from the cache" in capsys.readouterr().err
    assert main(["code", "--study", str(study), "--coder", "rules"]) == 0
    assert "coded 0 interviews, 9 from the cache" in capsys.readouterr().err


def test_report_formats_are_read_in_any_case(study, capsys):
    assert main(["reports", "--study", str(study), "--format", "DOCX,Pdf"]) == 2
    assert "unknown report format(s) pdf —" in capsys.readouterr().err  # DOCX is known


def test_a_study_folder_that_cannot_hold_the_cache_is_still_coded(study, tmp_path, capsys):
    assert not (study / ".cjm").exists(), "init copies no working folder"
    (study / ".cjm").write_text("not a folder", encoding="utf-8")  # as a read-only share would
    out = tmp_path / "segments.csv"
    assert main(["code", "--study", str(study), "--coder", "rules", "--out", str(out)]) == 0
    assert "the coding cache was not saved" in capsys.readouterr().err
    assert pd.read_csv(out)["interview_id"].nunique() == 9


def test_an_invalid_study_codebook_stops_coding_instead_of_using_the_default(study, capsys):
    (study / "codebook.yaml").write_text(
        "stages: [{id: evaluate}, {id: evaluate}]\ntouchpoints: []\nemotions: []\n",
        encoding="utf-8",
    )
    assert main(["code", "--study", str(study), "--coder", "rules"]) == 2
    err = capsys.readouterr().err
    assert "codebook.yaml" in err and "nothing is coded with another codebook" in err
    assert not (study / ".cjm" / "segments.parquet").exists()


def test_validate_warns_of_an_insight_placed_where_its_quotes_are_not(study, capsys):
    assert main(["code", "--study", str(study), "--coder", "rules"]) == 0
    coded = pd.read_parquet(study / ".cjm" / "segments.parquet")
    turn = coded[coded["stage"].fillna("") != ""].iloc[0]
    elsewhere = next(s for s in ("advocacy", "awareness") if s != turn["stage"])
    (study / "insights.yaml").write_text(
        f"insights:\n  - title: Misplaced\n    stage: {elsewhere}\n"
        f"    segments: ['{turn['segment_id']}']\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["validate", "--study", str(study)]) == 0
    said = capsys.readouterr().err
    assert f"insight 1 ('Misplaced') is placed in stage '{elsewhere}'" in said
    assert f"coded there ({turn['stage']})" in said


def test_validate_lists_the_human_codes_a_report_would_leave_out(study, capsys):
    """A code the codebook lost, and a code of an interview renamed since: warnings that name
    the coder file, line, the code or the interview, and the fix."""
    (study / "coding").mkdir()
    (study / "coding" / "Maya-L.csv").write_text(
        "segment_id,interview_id,coder,coded_at,stage,touchpoints,emotion,valence,text_sha,note\n"
        "p01-dana:2,p01-dana,Maya L.,2026-01-01T00:00:00Z,trial,,,,,\n"
        "p99-old:4,p99-old,Maya L.,2026-01-01T00:00:00Z,usage,,,,0123456789ab,\n",
        encoding="utf-8",
    )
    assert main(["validate", "--study", str(study)]) == 0
    err = capsys.readouterr().err
    assert (
        "coding/Maya-L.csv:2: stage 'trial' is not in the codebook (1 turn; the reports leave it "
        "out) — add it back to codebook.yaml, or recode that turn"
    ) in err
    assert (
        "coding/Maya-L.csv:3: 1 human code refers to interview 'p99-old', which no longer exists "
        "(p99-old:4); kept in the file, applied nowhere — was its transcript renamed?"
    ) in err
    assert "0 errors, 2 warnings" in err


def test_cjm_codebook_writes_the_default_to_adapt_and_it_codes_as_the_default(study, capsys):
    from cjm_research import code_study, load_study

    assert main(["init", str(study.parent / "new")]) == 0
    assert f"`cjm codebook --study {study.parent / 'new'}`" in capsys.readouterr().err
    before = code_study(load_study(study)).segments  # the packaged default (semantic if there)
    assert main(["code", "--study", str(study)]) == 0
    capsys.readouterr()
    assert main(["codebook", "--study", str(study)]) == 0
    assert "the default codebook, yours to adapt" in capsys.readouterr().err
    written = (study / "codebook.yaml").read_text(encoding="utf-8")
    assert written.startswith("# This study's codebook: a copy of cjm-research's default")
    # An unchanged copy is the default: the same codes (the heads know its ids), nothing recoded.
    pd.testing.assert_frame_equal(code_study(load_study(study)).segments, before)
    assert main(["code", "--study", str(study)]) == 0
    assert "coded 0 interviews, 9 from the cache" in capsys.readouterr().err
    # The researcher's own codebook is never overwritten.
    (study / "codebook.yaml").write_text("# mine\n", encoding="utf-8")
    assert main(["codebook", "--study", str(study)]) == 2
    assert "codebook.yaml: exists already; not overwritten" in capsys.readouterr().err
    assert (study / "codebook.yaml").read_text(encoding="utf-8") == "# mine\n"
