"""The rules coder on hand-written turns, with the packaged codebook and with a tiny one."""

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cjm_research.codebook import load_codebook
from cjm_research.coding import auto_coder, code_transcripts, get_coder, rules
from cjm_research.coding.keywords import _NEGATIONS, KeywordMatcher, tokens
from cjm_research.coding.rules import _FILLER_LIKE, ASKED_CONFIDENCE, RulesCoder, _drop_filler
from cjm_research.exceptions import CJMInputError
from cjm_research.model import INTERVIEWER, PARTICIPANT, Code, Codebook
from cjm_research.resources import example_study_dir
from cjm_research.segments import COLUMNS
from cjm_research.study import load_study
from journey_data import make_transcript as transcript


@pytest.fixture(scope="module")
def coder():
    return RulesCoder(load_codebook())


def code_one(coder, *turns):
    return [r for r in coder(transcript(*turns)) if r["role"] == PARTICIPANT]


def test_an_empty_transcript_codes_to_no_rows(coder, tmp_path):
    # A 0-byte file is loaded with a warning and no turns; `cjm code --coder rules` stopped on
    # it as an internal error (exit 1), leaving every other interview uncoded.
    assert coder(transcript()) == []
    (tmp_path / "p01.txt").write_bytes(b"")
    (tmp_path / "p02.txt").write_text("Maya: Why us?\nDana: The price.\n", encoding="utf-8")
    table = code_transcripts(load_study(tmp_path).transcripts, coder)
    assert list(table["interview_id"]) == ["p02", "p02"]


def test_phrases_pick_stage_touchpoints_and_emotion(coder):
    [row] = code_one(
        coder,
        (PARTICIPANT, "I was on hold for forty minutes with customer service and it just cut off."),
    )
    assert row["stage"] == "support"
    assert "phone_support" in row["touchpoints"].split(";")
    assert row["emotion"] == "frustration"
    assert row["valence"] < 0
    assert "'on hold" in row["evidence"]
    assert row["coder"] == f"auto:rules@{RulesCoder.version}"
    assert 0.5 <= row["stage_confidence"] <= 1


def test_a_touchpoint_the_question_names_counts_for_its_answer(coder):
    rows = code_one(
        coder,
        (INTERVIEWER, "What happened with the delivery?"),
        (PARTICIPANT, "Two weeks late, in the end."),
        (PARTICIPANT, "And the sofa was fine."),
        (INTERVIEWER, "Did you ring them about it?"),
        (PARTICIPANT, "I did, and waited on the phone for an hour."),
    )
    assert [r["touchpoints"] for r in rows] == ["delivery", "", "phone_support"]
    assert rows[0]["touchpoint_confidence"] == ASKED_CONFIDENCE
    assert "touchpoint delivery: asked about 'delivery'" in rows[0]["evidence"]
    assert "asked about" not in rows[2]["evidence"]  # its own words name it too
    assert rows[2]["touchpoint_confidence"] > ASKED_CONFIDENCE


def test_word_boundaries_do_not_match_inside_words():
    book = Codebook(
        "t", "1",
        stages=(Code("usage", "Usage", keywords=("app",)),),
        touchpoints=(Code("store", "Store", keywords=("store",)),),
        emotions=(Code("neutral", "Neutral", valence=0.0),),
    )  # fmt: skip
    [row] = code_one(RulesCoder(book), (PARTICIPANT, "It was a happy, apparently restored sofa."))
    assert row["stage"] == "" and row["touchpoints"] == ""


def test_wildcard_keywords_match_word_endings():
    book = Codebook(
        "t", "1",
        stages=(Code("onboarding", "Onboarding", keywords=("deliver*",)),),
        touchpoints=(Code("delivery", "Delivery", keywords=("courier",)),),
        emotions=(Code("neutral", "Neutral", valence=0.0),),
    )  # fmt: skip
    [row] = code_one(RulesCoder(book), (PARTICIPANT, "It was delivered by a courier on Tuesday."))
    assert row["stage"] == "onboarding" and row["touchpoints"] == "delivery"


def test_negated_emotion_words_do_not_count(coder):
    [plain] = code_one(coder, (PARTICIPANT, "I was worried about the delivery."))
    [negated] = code_one(coder, (PARTICIPANT, "I was not worried about the delivery at all."))
    assert plain["emotion"] == "anxiety"
    assert negated["emotion"] != "anxiety"


def test_curly_apostrophes_count_as_straight():
    assert tokens("I didn’t expect it") == ["i", "didn't", "expect", "it"]


def test_stage_comes_from_the_question_then_from_the_previous_turn(coder):
    rows = code_one(
        coder,
        (INTERVIEWER, "How did you first hear about Hearth and Home?"),
        (PARTICIPANT, "Um, honestly I can't remember exactly."),
        (INTERVIEWER, "Mm-hm. And then?"),
        (PARTICIPANT, "Yeah, so that was it really."),
    )
    assert rows[0]["stage"] == "awareness"
    assert "interviewer's question" in rows[0]["evidence"]
    assert rows[1]["stage"] == "awareness"
    assert rows[1]["stage_confidence"] < rows[0]["stage_confidence"]


def test_own_cues_beat_the_question(coder):
    [row] = code_one(
        coder,
        (INTERVIEWER, "How did you first hear about them?"),
        (PARTICIPANT, "I'd definitely recommend them, I tell all my friends to go there."),
    )
    assert row["stage"] == "advocacy"


def test_interviewer_turns_are_kept_uncoded(coder):
    rows = coder(transcript((INTERVIEWER, "Tell me about the delivery."), (PARTICIPANT, "Fine.")))
    assert rows[0]["role"] == INTERVIEWER
    assert "stage" not in rows[0] or rows[0]["stage"] == ""
    assert rows[0]["coder"] == "" and rows[0]["participant_id"] == ""


def test_table_has_stable_columns_and_offsets(coder):
    tr = transcript((INTERVIEWER, "And then?"), (PARTICIPANT, "The app crashed at checkout."))
    table = code_transcripts([tr], coder)
    assert list(table.columns) == list(COLUMNS)
    for row in table.itertuples():
        assert tr.text[row.start : row.end] == row.text
    assert list(table["segment_id"]) == ["t1:1", "t1:2"]


def test_unknown_coder_is_an_input_error():
    with pytest.raises(CJMInputError, match="unknown coder"):
        get_coder("psychic", load_codebook())
    assert get_coder("auto", load_codebook()).name == auto_coder()  # semantic if installed


def test_a_named_negative_emotion_outweighs_a_positive_sentiment_score(coder):
    # VADER alone scores this complaint as positive ("finally", "sorted"); the words say otherwise.
    text = "I was on hold for forty minutes. When I finally got through it was sorted, fine."
    [row] = code_one(coder, (PARTICIPANT, text))
    assert row["emotion"] == "frustration"
    assert row["valence"] < -0.2


def test_filler_like_is_not_liking(coder):
    [filler] = code_one(coder, (PARTICIPANT, "It was, like, a sofa, like, you know, grey."))
    [liking] = code_one(coder, (PARTICIPANT, "I really like the grey sofa."))
    assert abs(filler["valence"]) < 0.2 < liking["valence"]


# The keyword matcher and the filler scan are tuned for speed; these pin them to the plain
# algorithms they replace, on tricky keywords and generated text.

TRICKY = (
    Code("a", "A", keywords=("pay*", "pay by card", "check* out", "on hold", "on *", "the app")),
    Code("b", "B", keywords=("payment", "pay* by", "app", "check out now", "hold*", "* app")),
    Code("c", "C", keywords=("pay by card", "card", "paym*", "on hold for ages")),
)
WORDS = "pay payment paying by card check checked out now on hold holding for ages the app apps"
WORDS = [*WORDS.split(), "not", "didn't", "never", "i"]


def plain_hits(codes: tuple[Code, ...], text: str) -> list[tuple[str, str, float, bool]]:
    """The matcher's rules spelled out: at each word the longest keyword that fits wins (equal
    length: an exact first word, then shorter wildcard stems, then codebook order); its words
    are skipped; a negation among the three words before it marks it negated."""
    owners: dict[str, list[str]] = {}
    for code in codes:
        for keyword in code.keywords:
            if keyword.strip(" *"):
                owners.setdefault(" ".join(keyword.lower().split()), []).append(code.id)
    patterns = [[(w.rstrip("*"), w.endswith("*")) for w in k.split()] for k in owners]
    words, found, i = tokens(text), [], 0
    while i < len(words):
        fits = [
            (-len(p), p[0][1], len(p[0][0]) * p[0][1], n, keyword)
            for n, (keyword, p) in enumerate(zip(owners, patterns, strict=True))
            if p[0][0]
            and i + len(p) <= len(words)
            and all(
                (words[i + k].startswith(t) if w else words[i + k] == t)
                for k, (t, w) in enumerate(p)
            )
        ]
        if not fits:
            i += 1
            continue
        *_, keyword = min(fits)
        size = len(keyword.split())
        before = words[max(0, i - 3) : i]
        negated = any(w in _NEGATIONS or w.endswith("n't") for w in before)
        phrase = " ".join(words[i : i + size])
        found += [(c, phrase, 1.0 + 0.5 * (size - 1), negated) for c in owners[keyword]]
        i += size
    return found


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*WORDS, ",", "...", "!"]), max_size=14))
def test_matcher_finds_what_the_plain_rules_find(words):
    text = " ".join(words)
    matcher = KeywordMatcher(TRICKY)
    for _ in range(2):  # the second time from the matcher's memos
        hits = [(h.code, h.phrase, h.weight, negated) for h, negated in matcher.hits(text)]
        assert hits == plain_hits(TRICKY, text)


def test_matcher_agrees_with_the_plain_rules_on_the_example_study():
    study = load_study(example_study_dir())
    # Every 16th turn: the plain way is slow.
    texts = [turn.text for tr in study.transcripts for turn in tr.turns][::16]
    for codes in (study.codebook.stages, study.codebook.touchpoints, study.codebook.emotions):
        matcher = KeywordMatcher(codes)
        for text in texts:
            hits = [(h.code, h.phrase, h.weight, negated) for h, negated in matcher.hits(text)]
            assert hits == plain_hits(codes, text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["like", "LIKE", "Like", " ", "  ", "\t", ",", "...", ".",
    "you know", "um", "uh", "umm", "x", "likes", "alike", "I"]), max_size=12))  # fmt: skip
def test_filler_scan_removes_what_the_pattern_matches(pieces):
    text = "".join(pieces)
    assert _drop_filler(text) == _FILLER_LIKE.sub(" ", text)


def assert_calibration_is_fresh(module: ModuleType) -> None:
    """``module.STAGE_CALIBRATION`` is what ``tools/fit_calibration.py`` fits on the example study
    now: after any change to the coder the map must be fitted again."""
    spec = importlib.util.spec_from_file_location(
        "fit_calibration", Path(__file__).parents[1] / "tools" / "fit_calibration.py"
    )
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    fitted = tool.fit(*tool.raw_stage_codes(module.__name__.rsplit(".", 1)[1], "example"))
    assert fitted == pytest.approx(module.STAGE_CALIBRATION, abs=0.005), (
        f"{module.__name__}.STAGE_CALIBRATION is stale: run tools/fit_calibration.py"
    )


def test_the_shipped_calibration_is_what_the_tool_fits():
    assert_calibration_is_fresh(rules)  # needs no sentence model: runs in every install
