"""Studies shaped like real ones never break ``cjm reports``: sparse studies, every speaker-label
style real exports write, bad files among good ones (README: Troubleshooting input)."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings

from cjm_research.cli import main
from studygen import InterviewSpec, PersonaSpec, StudySpec, studies, write_study

#: Examples of the end-to-end property test; `make bench` runs many more.
EXAMPLES = int(os.environ.get("CJM_STUDY_EXAMPLES", "3"))


def _reports(study: Path) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(["reports", "--study", str(study), "--coder", "rules"])
    return status, err.getvalue()


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def check_run(root: Path, spec: StudySpec) -> None:
    """Write ``spec``, run ``cjm reports`` on it, and check everything a run must do."""
    expected = write_study(root, spec)
    before = _files(root)
    status, said = _reports(root)
    assert status == (2 if expected.bad_files else 0), said
    for persona_id in expected.built:
        for suffix in (".docx", ".html"):
            report = root / "reports" / persona_id / f"{persona_id}{suffix}"
            assert report.stat().st_size > 1000, (persona_id, suffix, said)
        Document(str(root / "reports" / persona_id / f"{persona_id}.docx"))  # opens
    for bad in expected.bad_files:
        assert bad in said, (bad, said)
    if len(expected.built) >= 2:
        assert (root / "reports" / "cross-persona.docx").is_file(), said
    written = _files(root) - before
    outside = sorted(f for f in written if not f.startswith(("reports/", ".cjm/")))
    assert outside == []
    assert (root / "reports" / "index.html").is_file()


def test_a_bad_persona_note_costs_its_notes_and_only_a_note_without_a_persona_its_report(
    tmp_path,
):
    interview = InterviewSpec(".txt", "plain", 3, [0, 3, 8])
    spec = StudySpec(
        [
            PersonaSpec([interview]),
            PersonaSpec([interview], broken_note=True),
            PersonaSpec([interview, interview]),
        ]
    )
    study = tmp_path / "study"
    check_run(study, spec)
    # the alias is refused, and the persona is built from the note's file name, without notes
    html = (study / "reports" / "persona-2" / "persona-2.html").read_text(encoding="utf-8")
    assert "The persona notes could not be read (personas/persona-2.md, line 2: YAML" in html
    # a note that keeps no persona (an id no folder can have) stops only its own report
    (study / "personas" / "persona-2.md").write_text("---\nid: persona 2\nname: P\n---\n")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(["reports", "--study", str(study), "--coder", "rules"])
    said = err.getvalue()
    assert status == 2
    assert "persona-2" in said and "skipped" in said and "personas/persona-2.md" in said
    index = (study / "reports" / "index.html").read_text(encoding="utf-8")
    assert "Not rebuilt: personas/persona-2.md" in index
    assert (study / "reports" / "persona-2" / "persona-2.html").read_text(encoding="utf-8") == html


def test_sparse_studies_build_every_report(tmp_path):
    # One persona with a single turn, no touchpoint codes at all, annotated labels in Word.
    single = InterviewSpec(".docx", "annotated", 1, [9])
    check_run(tmp_path / "one", StudySpec([PersonaSpec([single])], ("touchpoints",)))
    # Two personas, neither naming a touchpoint, stages nobody mentions, no emotion codes.
    quiet = InterviewSpec(".vtt", "bracketed", 2, [10, 11])
    spec = StudySpec([PersonaSpec([quiet]), PersonaSpec([single])], ("emotions",))
    check_run(tmp_path / "two", spec)


@pytest.mark.slow
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=studies)
def test_any_study_gets_every_report_it_can(tmp_path_factory, spec):
    check_run(tmp_path_factory.mktemp("study") / "study", spec)
