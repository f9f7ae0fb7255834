"""A project imported into a study without a codebook brings its codes as ``codebook.yaml``: a
cjm export's exactly (ids, labels, dimensions), another tool's as far as its tree says, and an
existing codebook is never touched."""

import shutil
import zipfile
from pathlib import Path

import pandas as pd
import yaml

from cjm_research.cli import main
from cjm_research.codebook import DIMENSIONS, load_codebook
from cjm_research.coding.human import latest_human_codes, read_human_codes
from cjm_research.resources import example_study_dir
from test_exchange_qdpx import FOREIGN_TEXT, SOURCE, foreign_project, write_foreign


def codes_of(path: Path) -> dict[str, list[tuple[str, str]]]:
    book = load_codebook(path)
    return {d: [(c.id, c.label) for c in book.dimension(d)] for d in DIMENSIONS}


def export_then_import(study: Path, tmp_path: Path, capsys) -> tuple[Path, str]:
    """``study`` exported to .qdpx and imported into a new, empty folder, through the CLI: the
    new study and what the import said."""
    project = tmp_path / "project.qdpx"
    assert main(["export", "qdpx", str(project), "--study", str(study), "--coder", "rules"]) == 0
    capsys.readouterr()
    fresh = tmp_path / "fresh"
    assert main(["import", "qdpx", str(project), "--study", str(fresh)]) == 0
    return fresh, capsys.readouterr().err


def test_the_example_study_round_trips_into_a_new_study_that_codes(tmp_path, capsys):
    example = tmp_path / "example"
    shutil.copytree(example_study_dir(), example)
    fresh, said = export_then_import(example, tmp_path, capsys)
    written = fresh / "codebook.yaml"
    assert f"wrote {written} from the project's codes (8 stages, 15 touchpoints, 11 emotions)" in (
        said
    )
    assert codes_of(written) == codes_of(Path(load_codebook(None).path))
    # what a .qdpx cannot carry comes from the default codebook for the same ids
    default, book = load_codebook(None), load_codebook(written)
    assert book.stages == default.stages and book.emotions == default.emotions
    assert book.off_journey == default.off_journey
    assert main(["validate", "--study", str(fresh)]) == 0
    table = tmp_path / "coded.csv"
    assert main(["code", "--study", str(fresh), "--coder", "rules", "--out", str(table)]) == 0
    coded = pd.read_csv(table, dtype=str, keep_default_na=False)
    answers = coded[coded["role"] == "participant"]
    assert len(answers) == 224
    assert set(answers["stage"]) - {""} <= set(book.stage_ids)


def test_a_studys_own_codebook_round_trips_with_its_ids(tmp_path, capsys):
    """Ids a label does not spell, a code the default lacks: ids, labels, descriptions and
    colours come back; keywords and valences are not carried, and the import says so."""
    study = tmp_path / "own"
    shutil.copytree(example_study_dir(), study)
    book = yaml.safe_load(Path(load_codebook(None).path).read_text(encoding="utf-8"))
    book["stages"][1].update(id="compare", label="Shopping around", color="#123456")
    book["emotions"].append(
        {"id": "delight", "label": "Delight", "valence": 0.9, "keywords": ["wow"],
         "description": "Pleasure beyond what they expected."}
    )  # fmt: skip
    (study / "codebook.yaml").write_text(yaml.safe_dump(book), encoding="utf-8")
    fresh, said = export_then_import(study, tmp_path, capsys)
    assert codes_of(fresh / "codebook.yaml") == codes_of(study / "codebook.yaml")
    back = load_codebook(fresh / "codebook.yaml")
    compare = back.stages[1]
    assert (compare.id, compare.color, compare.description) == (
        "compare", "#123456", load_codebook(None).stages[1].description,
    )  # fmt: skip
    delight = back.emotions[-1]
    assert delight.description == "Pleasure beyond what they expected."
    assert delight.valence == 0.0 and delight.keywords == ()
    assert "1 emotion written with valence 0, neutral ('Delight') — set each one's valence" in said
    assert "2 codes without keywords or examples ('Shopping around', 'Delight')" in said
    assert compare.keywords == ()  # no default code has its id
    assert main(["validate", "--study", str(fresh)]) == 0


def test_another_tools_project_gives_what_its_tree_says_and_lists_the_rest(tmp_path, capsys):
    """ATLAS.ti-style: a Stages folder, loose codes. The folder's codes are the stages; loose
    codes join the default dimension they name; the one that fits none is listed with a fix."""
    project = write_foreign(tmp_path / "other.qdpx", "lf")
    study = tmp_path / "study"
    assert main(["import", "qdpx", str(project), "--study", str(study)]) == 0
    said = capsys.readouterr().err
    book = load_codebook(study / "codebook.yaml")
    assert [(c.id, c.label) for c in book.stages] == [
        ("purchase", "PURCHASE"), ("onboarding", "onboarding"),
    ]  # fmt: skip
    assert book.touchpoints == load_codebook(None).touchpoints
    assert "touchpoints and emotions from the default codebook" in said
    assert (
        "codebook.yaml: 1 code of the project fit no dimension, left out: 'Price sensitivity' — "
        "put them under a Stage, Touchpoint or Emotion folder in the other tool, or add them to "
        "codebook.yaml under stages:, touchpoints: or emotions:" in said
    )
    assert "codes not in" in said and "Price sensitivity (1)" in said
    assert main(["code", "--study", str(study), "--coder", "rules"]) == 0


def test_an_existing_codebook_is_never_overwritten(tmp_path, capsys):
    study = tmp_path / "study"
    study.mkdir()
    mine = Path(load_codebook(None).path).read_bytes() + b"\n# my notes\n"
    (study / "codebook.yaml").write_bytes(mine)
    project = write_foreign(tmp_path / "other.qdpx", "lf")
    assert main(["import", "qdpx", str(project), "--study", str(study)]) == 0
    said = capsys.readouterr().err
    assert (study / "codebook.yaml").read_bytes() == mine
    assert "wrote" not in said
    assert (
        f"codes not in {study / 'codebook.yaml'}, not imported: Price sensitivity (1) — add them "
        "to codebook.yaml (by id or label) and import again" in said
    )


def test_a_study_already_coding_with_the_default_codebook_keeps_it(tmp_path, capsys):
    """A project's two stage codes must not narrow the journey of a study that has transcripts
    and codes with the default codebook: no codebook is written, the missing codes are listed."""
    study = tmp_path / "study"
    shutil.copytree(example_study_dir(), study)
    (study / "codebook.yaml").unlink(missing_ok=True)
    project = write_foreign(tmp_path / "other.qdpx", "lf")
    assert main(["import", "qdpx", str(project), "--study", str(study)]) == 0
    said = capsys.readouterr().err
    assert not (study / "codebook.yaml").exists() and "wrote" not in said
    assert (
        "codes not in the default codebook, not imported: Price sensitivity (1) — write it to "
        f"{study / 'codebook.yaml'} (`cjm codebook --study {study}`), add them" in said
    )
    assert len(load_codebook(None).stages) == 8


def write_twins(path: Path, name: str, second_about: str = "") -> Path:
    """The foreign project with two codes named ``name`` under its Stages folder, red and blue
    (as NVivo and ATLAS.ti allow): Ana's stage coding on the red one, Luc's on the blue one."""
    about = f"<Description>{second_about}</Description>" if second_about else ""
    qde = foreign_project("lf").replace(
        '<Code guid="C0DE0000-0000-0000-0000-000000000003" name="onboarding" isCodable="true"/>',
        f'<Code guid="C0DE0000-0000-0000-0000-0000000000A1" name="{name}" isCodable="true" '
        'color="#FF0000"/>'
        f'<Code guid="C0DE0000-0000-0000-0000-0000000000A2" name="{name}" isCodable="true" '
        f'color="#0000FF">{about}</Code>',
    )
    qde = qde.replace(
        'targetGUID="c0de0000-0000-0000-0000-000000000002"',
        'targetGUID="C0DE0000-0000-0000-0000-0000000000A1"',
    ).replace(
        'targetGUID="C0DE0000-0000-0000-0000-000000000003"',
        'targetGUID="C0DE0000-0000-0000-0000-0000000000A2"',
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        archive.writestr(f"Sources/{SOURCE.strip('{}')}.txt", FOREIGN_TEXT.encode("utf-8"))
    return path


def stages_coded(study: Path) -> dict[str, str]:
    codes = latest_human_codes(read_human_codes(study))
    return dict(zip(codes["coder"], codes["stage"], strict=True))


def test_two_codes_of_one_name_become_one_code_of_a_new_study(tmp_path, capsys):
    """Two 'Aftercare' stages (the default has none): one code in the codebook written, the first
    one's colour, both codings on it, and the import says which carried what."""
    project = write_twins(tmp_path / "twins.qdpx", "Aftercare")
    study = tmp_path / "study"
    assert main(["import", "qdpx", str(project), "--study", str(study)]) == 0
    said = capsys.readouterr().err
    book = load_codebook(study / "codebook.yaml")
    aftercare = [c for c in book.stages if c.label == "Aftercare"]
    assert [(c.id, c.color) for c in aftercare] == [("aftercare", "#FF0000")]
    assert stages_coded(study) == {"Ana": "aftercare", "Luc": "aftercare"}
    assert (
        "warning: 2 codes named 'Aftercare' under Stage (#FF0000: 1 coding, #0000FF: 1 coding) "
        "imported as one code, 'aftercare': if they mean different things, rename one" in said
    )
    assert "1 code without keywords or examples ('Aftercare')" in said
    assert main(["validate", "--study", str(study)]) == 0


def test_two_codes_of_one_name_map_to_one_code_of_an_existing_codebook(tmp_path, capsys):
    study = tmp_path / "study"
    study.mkdir()
    shutil.copy(load_codebook(None).path, study / "codebook.yaml")
    project = write_twins(tmp_path / "twins.qdpx", "Support")
    assert main(["import", "qdpx", str(project), "--study", str(study)]) == 0
    said = capsys.readouterr().err
    assert stages_coded(study) == {"Ana": "support", "Luc": "support"}
    assert (
        "warning: 2 codes named 'Support' under Stage (#FF0000: 1 coding, #0000FF: 1 coding) "
        "imported as one code, 'support'" in said
    )


def test_two_codes_of_one_name_for_different_cjm_codes_import_nothing(tmp_path, capsys):
    """The blue 'Support' was cjm's 'aftercare' (its description says so): its codings cannot
    be told from the red one's by name, so the import stops before writing anything."""
    project = write_twins(
        tmp_path / "twins.qdpx", "Support", "After the sale.\n\ncjm id: aftercare"
    )
    study = tmp_path / "study"
    assert main(["import", "qdpx", str(project), "--study", str(study)]) == 2
    said = capsys.readouterr().err
    assert (
        f"{project}: 2 codes named 'Support' under Stage stand for different codes (support, "
        "aftercare) — rename all but one of them in the other tool" in said
    )
    assert not study.exists()
