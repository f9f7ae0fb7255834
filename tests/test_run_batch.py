import json
from pathlib import Path

import pandas as pd
import pytest

from cjm_research.iorw import write_text
from cjm_research.run.batch import safe_child
from study_runs import interrupt_after_first_report, processes_marked


@pytest.mark.parametrize("name", ["..", "", ".", "a/b", "../up", "/abs"])
def test_safe_child_refuses_names_that_escape(tmp_path, name):
    with pytest.raises(ValueError):
        safe_child(tmp_path, name)


def test_safe_child_accepts_a_plain_id(tmp_path):
    assert safe_child(tmp_path, "busy-parent") == (tmp_path / "busy-parent").resolve()


# --- incremental rebuilds: the planning, with notebook runs replaced by fast fakes ---------------


class Built(list):
    """The names built, in order; ``tables``: the coded table each persona's run read."""


@pytest.fixture
def fake_runs(monkeypatch):
    """Replace notebook runs by fakes that write real files; record what was built."""
    from cjm_research.run import batch, notebooks

    built = Built()

    def run_persona(task):
        tables[task.persona_id] = task.segments_path
        if task.persona_id in fail:
            return notebooks.RunResult(task.persona_id, notebooks.FAILED, 0.1, error="KeyError: x")
        built.append(task.persona_id)
        out = Path(task.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        names = [f"{task.persona_id}.{s}" for s in ("ipynb", *task.formats)]
        for name in names:
            write_text(out / name, f"report of {task.persona_id}")
        return notebooks.RunResult(
            task.persona_id, notebooks.OK, 0.1, [str(out / n) for n in names]
        )

    def run_coding_log(task):
        built.append("coding.ipynb")
        write_text(task.output, "coding log")
        return notebooks.RunResult("coding.ipynb", notebooks.OK, 0.1, [task.output])

    def run_cross_persona(study_dir, segments_path, out_dir, personas, **kwargs):
        names = [out_dir / f"{notebooks.CROSS_PERSONA}.{s}" for s in ("ipynb", "docx", "html")]
        for name in names:
            write_text(name, "comparison")
        return notebooks.RunResult(
            notebooks.CROSS_PERSONA, notebooks.OK, 0.1, [str(n) for n in names]
        )

    fail: set[str] = set()
    tables: dict[str, str] = {}  # the coded table each persona's run was given
    built.tables = tables
    monkeypatch.setattr(batch, "run_persona", run_persona)
    monkeypatch.setattr(batch, "run_coding_log", run_coding_log)
    monkeypatch.setattr(batch, "run_cross_persona", run_cross_persona)
    return built, fail


def _build(study_dir, **options):
    from concurrent.futures import ThreadPoolExecutor

    from cjm_research.run.batch import run_reports
    from cjm_research.study import load_study

    messages: list[str] = []
    with ThreadPoolExecutor(2) as pool:
        result = run_reports(
            load_study(study_dir),
            study_dir / "reports",
            coder="rules",
            executor=pool,
            progress=messages.append,
            **options,
        )
    return result, messages


def _statuses(result):
    return {r.persona_id: r.status for r in result.results}


def test_a_rerun_with_nothing_changed_builds_nothing(study_dir, fake_runs):
    from cjm_research.run.manifest import unchanged_reports

    built, _ = fake_runs
    first, _ = _build(study_dir)
    assert sorted(built) == ["busy-parent", "coding.ipynb", "design-lover", "first-home"]
    assert first.ok and set(_statuses(first).values()) == {"ok"}
    built.clear()
    again, messages = _build(study_dir)
    assert built == [] and again.coding_log is None
    assert set(_statuses(again).values()) == {"unchanged"} and again.ok
    assert "coded 0 interviews, 9 from the cache" in messages
    quick = unchanged_reports(study_dir, study_dir / "reports", coder="rules")
    assert quick is not None and set(_statuses(quick).values()) == {"unchanged"}
    assert all(Path(p).is_file() for r in quick.results for p in r.outputs)
    assert unchanged_reports(study_dir, study_dir / "reports", coder="other") is None
    (study_dir / "reports" / "cross-persona.html").unlink()
    assert unchanged_reports(study_dir, study_dir / "reports", coder="rules") is None
    # one persona's run builds no comparison: its missing one does not make it a full run
    one = unchanged_reports(
        study_dir, study_dir / "reports", coder="rules", personas=["first-home"]
    )
    assert one is not None and _statuses(one) == {"first-home": "unchanged"}


def test_one_changed_transcript_rebuilds_only_its_persona_and_codes_one_interview(
    study_dir, fake_runs
):
    from cjm_research.run.manifest import unchanged_reports

    built, _ = fake_runs
    _build(study_dir)
    built.clear()
    path = study_dir / "busy-parent" / "p05-aisha.txt"
    path.write_text(path.read_text() + "\nAisha: And the bunk bed wobbled, so I rang again.\n")
    assert unchanged_reports(study_dir, study_dir / "reports", coder="rules") is None
    result, messages = _build(study_dir)
    assert sorted(built) == ["busy-parent", "coding.ipynb"]
    assert _statuses(result) == {
        "busy-parent": "ok",
        "design-lover": "unchanged",
        "first-home": "unchanged",
    }
    assert "coded 1 interviews, 8 from the cache" in messages
    manifest = json.loads((study_dir / ".cjm" / "manifest.json").read_text())
    entry = next(p for p in manifest["personas"] if p["persona_id"] == "busy-parent")
    assert (
        "busy-parent/p05-aisha.txt" in entry["inputs"]
        and "personas/busy-parent.md" in entry["inputs"]
    )
    assert manifest["seconds"]["total"] > 0 and manifest["environment"]["coder"] == "rules"


def test_missing_outputs_failures_and_force_rebuild(study_dir, fake_runs):
    built, fail = fake_runs
    _build(study_dir)
    built.clear()
    (study_dir / "reports" / "design-lover" / "design-lover.html").unlink()
    fail.add("first-home")
    (study_dir / "participants.csv").write_text(
        (study_dir / "participants.csv").read_text() + "\n"
    )  # a shared input: every persona is stale
    result, _ = _build(study_dir)
    assert not result.ok and _statuses(result)["first-home"] == "failed"
    fail.clear()
    built.clear()
    result, _ = _build(study_dir)
    assert built == ["first-home"], "only the failed persona is retried"
    built.clear()
    (study_dir / "reports" / "design-lover" / "design-lover.html").unlink()
    _build(study_dir, personas=["design-lover"])
    assert built == ["design-lover"]
    built.clear()
    _build(study_dir, force=True)
    assert sorted(built) == ["busy-parent", "coding.ipynb", "design-lover", "first-home"]


# --- real notebook runs: a Dask cluster, a time limit, a killed batch ----------------------------


def test_a_dask_local_cluster_builds_a_persona_into_the_reports_folder(study_dir):
    pytest.importorskip("distributed")
    from docx import Document

    from cjm_research.run.batch import run_reports
    from cjm_research.study import load_study

    out = study_dir / "reports"
    result = run_reports(
        load_study(study_dir),
        out,
        personas=["first-home"],
        coder="rules",
        executor_kind="dask",
        jobs=1,
    )
    assert result.ok, result.results
    body = "\n".join(
        p.text for p in Document(str(out / "first-home" / "first-home.docx")).paragraphs
    )
    assert load_study(study_dir).personas["first-home"].name in body
    assert "Journey" in (out / "first-home" / "first-home.html").read_text(encoding="utf-8")
    assert (out / "coding.ipynb").is_file()


def _inside_a_notebook_run(command: list[str], folder: Path):
    """``command`` started in its own process group, returned once a report of ``folder`` is
    being built: inside the notebook run, the kernel drawing the new report."""
    import subprocess
    import time

    run = subprocess.Popen(
        command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 300
    while not list(folder.glob(".build-*")) and time.monotonic() < deadline:
        assert run.poll() is None, run.stderr.read().decode()
        time.sleep(0.1)
    time.sleep(1.5)
    return run


def test_a_killed_batch_leaves_every_previous_report_intact(study_dir):
    import os
    import signal
    import subprocess
    import sys

    import nbformat
    from docx import Document

    cjm = [sys.executable, "-m", "cjm_research.cli", "reports", "--study", str(study_dir)]
    cjm += ["--persona", "first-home", "--coder", "rules", "--format", "docx,html"]
    subprocess.run([*cjm, "--force"], check=True, capture_output=True, timeout=600)
    folder = study_dir / "reports" / "first-home"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert {"first-home.docx", "first-home.html", "first-home.ipynb"} <= set(before)

    run = _inside_a_notebook_run([*cjm, "--force"], folder)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait(timeout=30)
    run.stderr.close()

    after = {p.name: p for p in folder.iterdir() if not p.name.startswith(".")}
    assert set(after) == set(before), "no partial file may look like a report"
    assert {n: p.read_bytes() for n, p in after.items()} == before
    headings = [p.text for p in Document(str(after["first-home.docx"])).paragraphs]
    assert "Executive summary" in headings
    assert after["first-home.html"].read_text(encoding="utf-8").rstrip().endswith("</html>")
    nbformat.read(after["first-home.ipynb"], as_version=4)
    # The interrupted run never reached the manifest, so the next run sees the first build:
    # no persona is rebuilt. (The killed run may already have finished its coding log, which
    # legitimately takes the next run off the "nothing changed" fast path.)
    again = subprocess.run(cjm, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "nothing changed" in again.stderr or "0 of 1 personas to build" in again.stderr
    assert {n: p.read_bytes() for n, p in after.items()} == before


def test_forcing_one_persona_keeps_the_others_recorded_as_built(study_dir, fake_runs):
    # `--force --persona X` wrote a manifest of X alone: the next run rebuilt every other persona.
    built, _ = fake_runs
    _build(study_dir)
    _build(study_dir, force=True, personas=["first-home"])
    built.clear()
    result, _ = _build(study_dir)
    assert built == [] and set(_statuses(result).values()) == {"unchanged"}


def test_a_delivered_report_changed_by_hand_is_rebuilt_and_the_run_says_why(study_dir, fake_runs):
    from cjm_research.run.manifest import unchanged_reports

    built, _ = fake_runs
    _build(study_dir)
    built.clear()
    # A notebook run by hand (or an edit) overwrote one persona's Word report.
    (study_dir / "reports" / "first-home" / "first-home.docx").write_text("names everyone")
    assert unchanged_reports(study_dir, study_dir / "reports", coder="rules") is None
    result, messages = _build(study_dir)
    assert built == ["first-home"]
    assert _statuses(result)["first-home"] == "ok"
    assert "first-home: first-home/first-home.docx changed since it was built" in "\n".join(
        messages
    )
    text = (study_dir / "reports" / "first-home" / "first-home.docx").read_text()
    assert text == "report of first-home"


def test_personas_start_while_the_study_is_coded_from_their_final_rows(study_dir, fake_runs):
    import pandas as pd

    from cjm_research import segments as segments_table
    from cjm_research.coding.human import append_human_codes

    built, _ = fake_runs
    result, messages = _build(study_dir)
    # One worker: the first persona starts at once, the others as it finishes or after coding.
    assert result.ok and any(
        m.startswith("3 of 3 personas to build, 0 unchanged (") and "started while coding" in m
        for m in messages
    )
    table = segments_table.read(study_dir / ".cjm" / "segments.parquet")
    for persona, path in built.tables.items():
        assert Path(path) == study_dir / ".cjm" / "stream" / persona / "segments.parquet"
        mine = table[table["persona_id"] == persona].reset_index(drop=True)
        pd.testing.assert_frame_equal(segments_table.read(path), mine)
    # With human codes the coder learns from the whole study: no row is final before the end.
    segment = table[table["role"] == "participant"]["segment_id"].iloc[0]
    row = pd.DataFrame([{"segment_id": segment, "stage": "support", "emotion": "neutral"}])
    append_human_codes(study_dir, "Ana", row)
    built.tables.clear()
    result, messages = _build(study_dir, force=True)
    assert result.ok and not any("started while coding" in m for m in messages)
    assert set(built.tables.values()) == {str(study_dir / ".cjm" / "segments.parquet")}


def test_ctrl_c_stops_workers_and_kernels_keeps_the_reports_and_the_next_run_finishes(study_dir):
    """Ctrl-C in `cjm reports --jobs 2` once a report is built: one line says how far it got,
    no traceback, no worker or kernel left, every report whole (its new version or its last);
    the next run builds exactly the reports that were not finished, and says so."""
    import re
    import subprocess
    import sys
    import uuid

    from docx import Document

    reports, mark = study_dir / "reports", uuid.uuid4().hex
    cjm = [sys.executable, "-m", "cjm_research.cli", "reports", "--study", str(study_dir)]
    cjm += ["--coder", "rules", "--format", "docx", "--jobs", "2"]
    subprocess.run(cjm, check=True, capture_output=True, timeout=600)
    personas = sorted(p.name for p in reports.iterdir() if p.is_dir())
    assert len(personas) == 3

    def reports_now() -> dict[str, tuple[bytes, int]]:
        return {
            pid: ((reports / pid / f"{pid}.docx").read_bytes(),
                  (reports / pid / f"{pid}.docx").stat().st_mtime_ns)
            for pid in personas
        }  # fmt: skip

    before = reports_now()
    code, rest = interrupt_after_first_report([*cjm, "--force"], mark)
    assert code == 130
    assert "Traceback" not in rest and "Error" not in rest, rest
    message = re.fullmatch(
        r"Interrupted: (\d) of 3 reports built; the others keep their previous version\. "
        r"Run `cjm reports` again to finish\.\n",
        rest,
    )
    assert message, rest
    assert processes_marked(mark) == [], "no worker or kernel outlives an interrupted run"
    assert not list(reports.rglob(".build-*")) and not list(reports.rglob(".*.tmp"))
    after = reports_now()
    for pid in personas:
        headings = [p.text for p in Document(str(reports / pid / f"{pid}.docx")).paragraphs]
        assert "Executive summary" in headings, pid
    kept = {pid for pid in personas if after[pid] == before[pid]}  # not replaced: the last one
    assert 3 - int(message[1]) >= len(kept) >= 1
    page = (reports / "index.html").read_text(encoding="utf-8")  # what is there, and how
    assert page.count("Not rebuilt: the last run was interrupted") >= 3 - int(message[1])
    assert all(f'href="{pid}/{pid}.docx"' in page for pid in personas)

    again = subprocess.run(cjm, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    restarted = set(re.findall(r"^(\S+): its last build was interrupted; building it again$",
                               again.stderr, re.M))  # fmt: skip
    rebuilt = set(re.findall(r"^\[\d/\d\] (\S+): ok ", again.stderr, re.M))
    assert rebuilt == restarted and len(rebuilt) == 3 - int(message[1]) and kept <= rebuilt
    assert "changed since it was built" not in again.stderr
    for pid in personas:
        headings = [p.text for p in Document(str(reports / pid / f"{pid}.docx")).paragraphs]
        assert "Executive summary" in headings, pid
    # Now up to date: the manifest describes what is on disk.
    last = subprocess.run(cjm, capture_output=True, text=True, timeout=600)
    assert "nothing changed since the last run" in last.stderr


def test_a_rerun_with_nothing_to_build_still_warns_of_the_codes_it_left_out(study_dir, fake_runs):
    """The warning of a researcher's code the codebook lost is said by the run that built the
    reports and again by every re-run that finds nothing changed (from the manifest)."""
    from cjm_research.coding.human import append_human_codes
    from cjm_research.run.manifest import unchanged_reports

    append_human_codes(
        study_dir, "Maya L.", pd.DataFrame([{"segment_id": "x:1", "stage": "trial"}])
    )
    _, messages = _build(study_dir)
    warning = (
        "warning: coding/Maya-L.csv:2: stage 'trial' is not in the codebook (1 turn; the reports "
        "leave it out) — add it back to codebook.yaml, or recode that turn"
    )
    assert warning in messages
    quick = unchanged_reports(study_dir, study_dir / "reports", coder="rules")
    assert quick is not None and f"warning: {quick.warnings[0]}" == warning


def test_exploring_a_study_keeps_the_warnings_of_its_coding(study_dir):
    """The notebook that explores a study is told of a researcher's code the codebook lost, as
    ``cjm reports`` is (redacting the tables keeps them)."""
    from cjm_research.coding.human import append_human_codes
    from cjm_research.run.batch import explore_study
    from cjm_research.study import load_study

    append_human_codes(
        study_dir, "Maya L.", pd.DataFrame([{"segment_id": "x:1", "stage": "trial"}])
    )
    coded = explore_study(load_study(study_dir), "rules")
    assert any("stage 'trial' is not in the codebook" in w for w in coded.warnings)


def _stopped(study_dir, when, **options):
    """A batch interrupted (as by Ctrl-C) at the first progress line ``when`` accepts; the
    ``ReportsInterrupted`` it raised, the personas whose runs had started (the first finished, the
    others waiting) and index.html as it was then. Runs still going are let finish after."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from cjm_research.exceptions import ReportsInterrupted
    from cjm_research.run import batch
    from cjm_research.run.batch import run_reports
    from cjm_research.study import load_study

    gate, fake, calls = threading.Event(), batch.run_persona, []

    def run_persona(task):  # the first run finishes; the others are still going when stopped
        calls.append(task.persona_id)
        if len(calls) > 1:
            gate.wait(30)
        return fake(task)

    def say(message: str) -> None:
        if when(message):
            raise KeyboardInterrupt

    batch.run_persona = run_persona
    try:
        with ThreadPoolExecutor(2) as pool, pytest.raises(ReportsInterrupted) as stop:
            try:
                run_reports(
                    load_study(study_dir), study_dir / "reports", coder="rules", executor=pool,
                    progress=say, **options,
                )  # fmt: skip
            finally:
                index = study_dir / "reports" / "index.html"
                page = index.read_text(encoding="utf-8") if index.is_file() else ""
                started = list(calls)
                gate.set()
    finally:
        batch.run_persona = fake
    return stop.value, started, page


def test_a_report_built_before_an_interrupt_is_linked_from_the_index_at_once(study_dir, fake_runs):
    """Ctrl-C after the first report of a first run: index.html links it and says the others
    were not built (it was written only by a run that finished)."""
    built, _ = fake_runs
    stop, started, page = _stopped(study_dir, lambda m: m.startswith("[1/3] "))
    assert (stop.built, stop.wanted) == (1, 3)
    first = started[0]
    assert f'href="{first}/{first}.html"' in page and f'href="{first}/{first}.docx"' in page
    others = {"busy-parent", "design-lover", "first-home"} - {first}
    assert page.count("Not built yet: the last run was interrupted") == len(others) == 2
    for pid in others:
        assert f"{pid}/{pid}." not in page
    # The next run builds the other two and the index no longer says so.
    built.clear()
    result, _ = _build(study_dir)
    assert sorted(built) == sorted([*others, "coding.ipynb"]) and result.ok
    page = (study_dir / "reports" / "index.html").read_text(encoding="utf-8")
    assert "interrupted" not in page and all(f'href="{p}/{p}.html"' in page for p in others)


def test_a_first_run_interrupted_while_coding_leaves_an_index_of_nothing_built(
    study_dir, fake_runs
):
    stop, started, page = _stopped(study_dir, lambda m: m.startswith("coding with"))
    assert (stop.built, stop.wanted, started) == (0, 3, []) and "href=" not in page


def test_a_forced_run_interrupted_while_coding_is_finished_by_the_next_run(study_dir, fake_runs):
    """Ctrl-C while `--force` was still coding kept every persona's entry: the next plain run
    rebuilt nothing, after saying '0 of 3 reports built … run cjm reports again to finish'."""
    built, _ = fake_runs
    _build(study_dir)
    built.clear()
    stop, started, page = _stopped(study_dir, lambda m: m.startswith("coding with"), force=True)
    assert (stop.built, stop.wanted, started) == (0, 3, [])
    # every persona and the comparison kept as they were, and said to be so
    said = "Not rebuilt: the last run was interrupted; the links are to the report built before"
    assert page.count(said) == 4 and 'href="cross-persona.html"' in page
    result, messages = _build(study_dir)
    assert sorted(built) == ["busy-parent", "coding.ipynb", "design-lover", "first-home"]
    restarted = [
        m for m in messages if m.endswith(": its last build was interrupted; building it again")
    ]
    assert len(restarted) == 3 and result.ok and result.cross_persona.status == "ok"
    built.clear()
    again, _ = _build(study_dir)
    assert built == [] and set(_statuses(again).values()) == {"unchanged"}
    # Stopped while coding, a plain run has decided nothing: no report is said to be unfinished.
    stop, _, page = _stopped(study_dir, lambda m: m.startswith("coding with"))
    assert "interrupted" not in page and page.count('href="cross-persona.html"') == 1
    built.clear()
    again, _ = _build(study_dir)
    assert built == [] and set(_statuses(again).values()) == {"unchanged"}


def test_a_persona_whose_note_slipped_is_built_and_the_run_says_its_notes_were_not_read(
    study_dir, fake_runs
):
    built, _ = fake_runs
    note = study_dir / "personas" / "busy-parent.md"
    text = note.read_text(encoding="utf-8")
    note.write_text(text.replace('quote: "I don', "quote: He said: I don", 1), encoding="utf-8")
    result, messages = _build(study_dir)
    # a note that did not load at all (an unsafe id) would skip it; this one stands in
    assert _statuses(result)["busy-parent"] == "ok" and "busy-parent" in built
    # the error still fails the run (exit status 2); what it skipped is the note
    assert f"{note} (the note; the persona is built without it)" in result.skipped_files
    (said,) = [m for m in messages if m.startswith("busy-parent: its notes were not read")]
    assert said.endswith(
        "(personas/busy-parent.md, line 8: front matter is not valid YAML: mapping values are "
        "not allowed here); its report is built with a caution in their place"
    )
    note.write_text("---\nid: busy/parent\nname: X\n---\n", encoding="utf-8")
    again, _ = _build(study_dir)
    assert _statuses(again)["busy-parent"] == "skipped"


def test_a_broken_insights_file_is_said_and_skipped_and_every_report_is_built(study_dir, fake_runs):
    (study_dir / "insights.yaml").write_text("insights:\n\t- title: X\n", encoding="utf-8")
    result, messages = _build(study_dir)
    assert set(_statuses(result).values()) == {"ok"}
    # the slip fails the run (exit status 2) and names its line, as any input error does
    assert str(study_dir / "insights.yaml") in result.skipped_files
    assert "error: insights.yaml:2: insights.yaml is not valid YAML" in "\n".join(messages)
