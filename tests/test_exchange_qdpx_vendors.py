"""Projects as NVivo and MAXQDA write them (tests/data/vendors) import like cjm's own."""

from pathlib import Path

from cjm_research.coding.human import latest_human_codes, read_human_codes
from cjm_research.exchange.qdpx_import import import_qdpx
from cjm_research.study import load_study

VENDORS = Path(__file__).parent / "data" / "vendors"


def test_an_nvivo_case_node_is_the_case_not_a_code(tmp_path):
    study = tmp_path / "study"
    result = import_qdpx(VENDORS / "nvivo.qdpx", study)
    said = "\n".join(result.lines())
    # The case node "P05 Aisha" codes the whole source: membership, not a code to complete.
    assert "P05 Aisha" not in said
    assert result.unmapped == {} and result.kept_out == 0
    persona = (study / "personas" / "P05-Aisha.md").read_text(encoding="utf-8")
    assert "Single parent, two children" in persona
    [transcript] = load_study(study).transcripts
    assert transcript.persona_id == "P05-Aisha"
    codes = latest_human_codes(read_human_codes(study))
    assert sorted(zip(codes["segment_id"], codes["stage"], strict=True)) == [
        ("p05-aisha:12", "consideration"),
        ("p05-aisha:18", "purchase"),
        ("p05-aisha:46", "advocacy"),
        ("p05-aisha:8", "consideration"),
    ]


def test_maxqda_document_variables_name_the_participant_and_date(tmp_path):
    study = tmp_path / "study"
    result = import_qdpx(VENDORS / "maxqda.qdpx", study)
    assert result.participants_file == study / "participants.csv"
    rows = (study / "participants.csv").read_text(encoding="utf-8").splitlines()
    assert rows == [
        "participant_id,date,file",
        "P05,2026-03-05,imported/p05-aisha.txt",
        "P08,2026-03-11,imported/p08-ben.txt",
    ]
    by_id = {t.interview_id: t for t in load_study(study).transcripts}
    assert by_id["p05-aisha"].participant_id == "P05"
    assert result.personas == []  # a case without a name is a document's variables
