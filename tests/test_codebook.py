import dataclasses
from pathlib import Path

import pytest

from cjm_research.codebook import load_codebook, write_default_copy
from cjm_research.exceptions import CJMInputError

DESIGN_STAGES = [
    "awareness", "consideration", "purchase", "onboarding",
    "usage", "support", "retention", "advocacy",
]  # fmt: skip


def test_default_codebook_has_the_design_codes_with_examples():
    cb = load_codebook()
    assert cb.stage_ids == DESIGN_STAGES
    assert len(cb.touchpoints) == 15 and len(cb.emotions) == 11
    for code in cb.stages + cb.touchpoints + cb.emotions:
        assert code.description, code.id
        assert len(code.examples) >= 3, code.id
        if code.id != "neutral":
            assert len(code.keywords) >= 5, code.id
    assert {c.id: c.valence for c in cb.emotions}["neutral"] == 0.0
    assert all(c.owner for c in cb.touchpoints)
    assert cb.label("touchpoints", "phone_support") == "Phone support"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """
name: Tiny
version: "2"
stages: [{id: browse, label: Browse, keywords: [look*]}, {id: buy}]
touchpoints: [{id: web, owner: web}]
emotions: [{id: happy, valence: 0.7}, {id: meh, valence: 0}]
"""


def test_guide_questions_and_off_journey_talk_are_read(tmp_path):
    default = load_codebook()
    assert all(len(stage.questions) >= 6 for stage in default.stages)
    assert all(len(stage.examples) >= 14 for stage in default.stages)
    assert default.off_journey.examples and default.off_journey.questions
    text = MINIMAL.replace("{id: buy}", "{id: buy, questions: ['How did you pay?']}") + (
        "\noff_journey: {examples: ['Thanks, bye.'], questions: ['Anything else?']}\n"
    )
    custom = load_codebook(_write(tmp_path, text))
    assert custom.stages[1].questions == ("How did you pay?",)
    assert custom.off_journey.examples == ("Thanks, bye.",)
    assert custom.off_journey.questions == ("Anything else?",)
    assert load_codebook(_write(tmp_path, MINIMAL)).off_journey.examples == ()


def test_open_questions_are_read(tmp_path):
    assert load_codebook().open_questions
    custom = load_codebook(
        _write(tmp_path, MINIMAL + "\nopen_questions: ['What would you change?']\n")
    )
    assert custom.open_questions == ("What would you change?",)
    assert load_codebook(_write(tmp_path, MINIMAL)).open_questions == ()


def test_a_study_codebook_loads_with_its_own_codes(tmp_path):
    cb = load_codebook(_write(tmp_path, MINIMAL))
    assert cb.name == "Tiny" and cb.version.startswith("2+")
    assert cb.stage_ids == ["browse", "buy"]
    assert cb.stages[0].keywords == ("look*",)
    assert cb.stages[1].label == "Buy"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("stages: [", "not valid YAML"),
        ("- a list", "must be a mapping"),
        (MINIMAL.replace("touchpoints: [{id: web, owner: web}]", ""), "no 'touchpoints'"),
        (MINIMAL.replace("{id: buy}", "{id: browse}"), "duplicate id 'browse'"),
        (MINIMAL.replace("valence: 0.7", "valence: high"), "needs a numeric valence"),
        (MINIMAL.replace("{id: buy}", "{id: 'Buy Now'}"), "not a valid code id"),
        (MINIMAL + "\noff_journey: [hello]\n", "off_journey must be a mapping"),
        (MINIMAL + "\noff_journey: {questions: hello}\n", "off_journey.questions must be a list"),
        (MINIMAL + "\nopen_questions: hello\n", "open_questions must be a list"),
    ],
)
def test_bad_codebooks_are_refused_with_the_file_named(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(CJMInputError) as err:
        load_codebook(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


BLOCK = """name: Block
stages:
  - id: browse
    keywords: [look*]
  - id: buy
    examples: one example, not a list
touchpoints: []
emotions:
  - id: happy
    valence: 0.7
  - id: meh
    label: Meh
    valence: none
"""


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (BLOCK, 6, "stages[2].examples must be a list"),
        (BLOCK.replace("one example, not a list", "[one]"), 13, "emotion 'meh' needs"),
        (BLOCK.replace("id: buy", "id: browse").replace("one example, not a list", "[x]"), 5,
         "duplicate id 'browse'"),
        (BLOCK.replace("one example, not a list", "[x]").replace(
            "- id: happy\n    valence: 0.7", "- happy"), 9, "emotions[1] must be a mapping"),
    ],
)  # fmt: skip
def test_a_codebook_problem_names_its_line(tmp_path, text, line, message):
    """A researcher editing a 900-line codebook is sent to the line, as a YAML error does."""
    path = _write(tmp_path, text)
    with pytest.raises(CJMInputError) as err:
        load_codebook(path)
    assert err.value.line == line, str(err.value)
    assert f"{path}:{line}: " in str(err.value) and message in str(err.value)


FIXED = BLOCK.replace("one example, not a list", "[x]").replace("valence: none", "valence: 0")


@pytest.mark.parametrize(
    ("text", "line", "message", "hint"),
    [
        (BLOCK.replace("    keywords: [look*]", "    keyword: [look*]"), 4,
         "stages[1]: unknown key 'keyword' (did you mean 'keywords'?)", "rename it to 'keywords:'"),
        (BLOCK.replace("touchpoints: []", "touchpoint: []"), 7,
         "unknown key 'touchpoint' (did you mean 'touchpoints'?)", "rename it to 'touchpoints:'"),
        (FIXED.replace("    label: Meh", "    colour: '#fff'"), 12, "unknown key 'colour'",
         "rename it to 'color:'"),
        (BLOCK.replace("id: buy", "id: browse").replace("one example, not a list", "[x]"), 5,
         "duplicate id 'browse'", "stages[1] on line 3 has it already"),
        (FIXED.replace("  - id: meh\n    label: Meh", "  - label: So So"), 11,
         "emotions[2] must be a mapping",
         "start it with '- id: so_so'"),
        (BLOCK.replace("    keywords: [look*]", "\tkeywords: [look*]"), 4,
         "a tab character in the indentation", "indent with spaces, not tabs"),
        (BLOCK.replace("  - id: buy", "  - id: buy\n    description: Paying: card or cash"), 6,
         "mapping values are not allowed here", "put a text that contains ': ' in quotes"),
    ],
)  # fmt: skip
def test_a_codebook_mistake_says_what_to_change(tmp_path, text, line, message, hint):
    """A typo'd key would drop its codes or keywords without a word; each mistake is named on
    its line with the change that fixes it."""
    path = _write(tmp_path, text)
    with pytest.raises(CJMInputError) as err:
        load_codebook(path)
    said = str(err.value)  # BLOCK has more mistakes: each is listed with its line and fix
    assert err.value.line == line or f"\n  line {line}: " in said, said
    assert message in said and hint in said, said


def test_every_codebook_mistake_is_named_at_once(tmp_path):
    """A researcher fixing their own codebook sees every problem in one run, in file order."""
    text = BLOCK.replace("    keywords: [look*]", "    keyword: [look*]")
    text = text.replace("touchpoints: []", "touchpoint: []")
    with pytest.raises(CJMInputError) as err:
        load_codebook(_write(tmp_path, text))
    lines = str(err.value).splitlines()
    assert lines[0].endswith("codebook has 4 problems:")
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        "line 4", "line 6", "line 7", "line 13"
    ]  # fmt: skip
    assert "unknown key 'keyword'" in lines[1] and "rename it to 'keywords:'" in lines[1]
    assert "unknown key 'touchpoint'" in lines[3]  # and not again as a missing list
    assert not any("no 'touchpoints' list" in line for line in lines)
    assert lines[-1].endswith("— fix each, then run again")


def test_a_codebook_of_its_own_keys_is_still_read(tmp_path):
    """Keys that are no typo of a codebook key are the researcher's own notes, not a mistake."""
    cb = load_codebook(_write(tmp_path, MINIMAL.replace("{id: buy}", "{id: buy, notes: ask Jo}")))
    assert cb.stage_ids == ["browse", "buy"]


@pytest.mark.parametrize(
    ("encoding", "bom", "warned"),
    [("utf-16-le", b"\xff\xfe", False), ("cp1252", b"", True), ("utf-8", b"\xef\xbb\xbf", False)],
)
def test_a_codebook_saved_by_notepad_is_read(tmp_path, encoding, bom, warned):
    """Notepad's "Unicode" is UTF-16 and "ANSI" Windows-1252: read as transcripts are, the
    second with a warning, never refused as invalid YAML."""
    text = MINIMAL.replace("{id: buy}", "{id: buy, description: 'Paying — the “checkout”'}")
    path = tmp_path / "codebook.yaml"
    path.write_bytes(bom + text.replace("\n", "\r\n").encode(encoding))
    cb = load_codebook(path)
    assert cb.stages[1].description == "Paying — the “checkout”"
    assert bool(cb.warnings) is warned
    if warned:
        assert "decoded as Windows-1252" in cb.warnings[0]


def test_a_copy_of_the_default_is_the_default_and_never_overwritten(tmp_path):
    copy = write_default_copy(tmp_path)
    text = copy.read_text(encoding="utf-8")
    assert text.startswith("# This study's codebook: a copy of cjm-research's default")
    assert "`cjm validate`" in text and "delete this file" in text
    # Its own header apart, it is the default: same codes, same version in reports and caches.
    default, own = load_codebook(None), load_codebook(copy)
    assert own.version == default.version
    assert dataclasses.replace(own, path=None) == dataclasses.replace(default, path=None)
    copy.write_text(text.replace('"checkout", ', '"checkout", "till", ', 1), encoding="utf-8")
    assert load_codebook(copy).version != default.version  # an edit is another codebook
    with pytest.raises(CJMInputError, match="exists already; not overwritten"):
        write_default_copy(tmp_path)
    assert '"till"' in copy.read_text(encoding="utf-8")
