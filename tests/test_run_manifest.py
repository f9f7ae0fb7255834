"""The manifest: which inputs each report was built from, and the checks a re-run makes."""

from pathlib import Path

from cjm_research.coding.human import append_human_codes
from cjm_research.run import manifest as mf
from cjm_research.run.batch import code_study
from cjm_research.run.manifest import persona_inputs, table_sha
from cjm_research.study import load_study


def test_study_files_hash_every_input_and_nothing_generated(study_dir):
    (study_dir / "reports").mkdir()
    (study_dir / "reports" / "index.html").write_text("generated")
    (study_dir / ".DS_Store").write_text("x")
    (study_dir / "coding").mkdir()
    (study_dir / "coding" / "ana.csv").write_text("segment_id,coder,coded_at\n")
    files = mf.study_files(study_dir)
    assert "first-home/p01-dana.txt" in files and "design-lover/p07-chloe.docx" in files
    assert "personas/busy-parent.md" in files and "participants.csv" in files
    assert "coding/ana.csv" in files
    assert not any(name.startswith(("reports/", ".")) for name in files)
    assert files["participants.csv"] == mf.file_sha(study_dir / "participants.csv")


def test_a_changed_transcript_changes_only_its_personas_inputs(study_dir):
    before = _inputs(study_dir)
    path = study_dir / "first-home" / "p01-dana.txt"
    path.write_text(path.read_text() + "\nDana: And the sofa arrived late, which was annoying.\n")
    after = _inputs(study_dir)
    assert after["first-home"] != before["first-home"]
    assert after["busy-parent"] == before["busy-parent"]
    assert after["design-lover"] == before["design-lover"]


def test_a_human_code_changes_only_the_persona_of_its_segment(study_dir):
    before = _inputs(study_dir)
    study = load_study(study_dir)
    segments = code_study(study, "rules").segments
    row = segments[(segments["persona_id"] == "busy-parent") & (segments["role"] == "participant")]
    code = row.iloc[[0]][["segment_id", "interview_id"]].assign(stage="advocacy", emotion="joy")
    append_human_codes(study_dir, "ana", code)
    after = _inputs(study_dir)
    assert after["busy-parent"]["segments"] != before["busy-parent"]["segments"]
    assert after["first-home"] == before["first-home"]


def test_a_shared_file_changes_every_persona(study_dir):
    before = _inputs(study_dir)
    (study_dir / "insights.yaml").write_text("insights: []\n")
    after = _inputs(study_dir)
    assert all(after[p] != before[p] for p in before)


def _inputs(study_dir: Path) -> dict[str, dict[str, str]]:
    study = load_study(study_dir)
    segments = code_study(study, "rules").segments
    files = mf.study_files(study_dir)
    return {
        pid: persona_inputs(study, segments, files, pid)
        for pid in ("first-home", "busy-parent", "design-lover")
    }


def test_table_hash_sees_any_cell(study_dir):
    segments = code_study(load_study(study_dir), "rules").segments
    changed = segments.copy()
    changed.loc[5, "emotion"] = "anger" if changed.loc[5, "emotion"] != "anger" else "joy"
    assert table_sha(segments) == table_sha(segments.copy())
    assert table_sha(changed) != table_sha(segments)


def _manifest(out: Path) -> mf.Manifest:
    (out / "p").mkdir(parents=True)
    (out / "p" / "p.docx").write_text("report")
    (out / "index.html").write_text("index")
    entry = mf.PersonaEntry(key="k1", status="ok", seconds=1.0, outputs=["p/p.docx"])
    return mf.Manifest(
        files={"a.txt": "1"}, environment={"x": "1"}, known=["p"], personas={"p": entry}
    )


def test_nothing_changed_only_when_files_environment_and_outputs_all_match(tmp_path):
    out = tmp_path / "reports"
    m = _manifest(out)
    mf.write_manifest(out, m)
    back = mf.load_manifest(out)
    assert back.personas == m.personas and back.known == ["p"]
    assert mf.nothing_changed(back, out, {"a.txt": "1"}, {"x": "1"})
    assert mf.nothing_changed(back, out, {"a.txt": "1"}, {"x": "1"}, ["p"])
    assert not mf.nothing_changed(back, out, {"a.txt": "2"}, {"x": "1"})
    assert not mf.nothing_changed(back, out, {"a.txt": "1", "b.txt": "3"}, {"x": "1"})
    assert not mf.nothing_changed(back, out, {"a.txt": "1"}, {"x": "2"})
    assert not mf.nothing_changed(back, out, {"a.txt": "1"}, {"x": "1"}, ["other"])
    (out / "p" / "p.docx").unlink()
    assert not mf.nothing_changed(back, out, {"a.txt": "1"}, {"x": "1"})


def test_a_failed_or_never_built_persona_is_not_up_to_date(tmp_path):
    out = tmp_path / "reports"
    m = _manifest(out)
    assert m.entry_ok("p", "k1", out)
    assert not m.entry_ok("p", "k2", out)
    assert not m.entry_ok("q", "k1", out)
    m.personas["p"].status = "failed"
    assert not m.entry_ok("p", "k1", out)


def test_what_an_interrupt_left_unfinished_is_not_up_to_date(tmp_path):
    """A persona an interrupt stopped keeps its last build on disk but is built again, and so is
    a comparison it stopped: the manifest says so after a round trip."""
    out = tmp_path / "reports"
    m = _manifest(out)
    stopped = mf.interrupted_entry(m.personas["p"], {"a.txt": "1"})
    assert (stopped.status, stopped.key, stopped.outputs) == ("interrupted", "", ["p/p.docx"])
    assert not mf.Manifest(personas={"p": stopped}).entry_ok("p", "k1", out)
    m.pending = ["cross-persona"]
    mf.write_manifest(out, m)
    back = mf.load_manifest(out)
    assert back.pending == ["cross-persona"] and "pending" not in back.extra
    assert not mf.nothing_changed(back, out, {"a.txt": "1"}, {"x": "1"})


def test_an_unreadable_or_old_manifest_means_rebuild(tmp_path):
    assert mf.load_manifest(tmp_path) == mf.Manifest()
    (tmp_path / "manifest.json").write_text("{not json")
    assert mf.load_manifest(tmp_path) == mf.Manifest()
    (tmp_path / "manifest.json").write_text('{"personas": []}')  # schema 1 (before this issue)
    assert mf.load_manifest(tmp_path) == mf.Manifest()


def test_environment_names_versions_and_hashes_the_code(tmp_path):
    env = mf.environment("rules", ["html", "docx"])
    assert env["formats"] == "docx,html" and env["coder"] == "rules"
    assert len(env["source"]) == 64 and len(env["notebooks"]) == 64
    assert env["papermill"] and env["cjm-research"]


def test_a_transcript_that_cannot_be_read_is_an_input_not_a_crash(study_dir):
    # a link to a file moved away: the loader skips it as an error, `cjm reports` crashed on it
    (study_dir / "first-home" / "p99-gone.txt").symlink_to(study_dir / "nowhere.txt")
    files = mf.study_files(study_dir)
    assert files["first-home/p99-gone.txt"].startswith("unreadable (No such file")
    assert files["first-home/p01-dana.txt"] == mf.file_sha(study_dir / "first-home/p01-dana.txt")
