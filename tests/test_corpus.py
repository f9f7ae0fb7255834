"""The coded interview corpus (tests/data/corpus): complete, valid, and kept apart from the gold
studies it is judged on."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from cjm_research.codebook import load_codebook
from cjm_research.resources import example_study_dir
from cjm_research.study import load_study

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"
SHINGLE = 12  # words in a row that would mean a corpus turn copied gold text


@pytest.fixture(scope="module")
def corpus():
    study = load_study(CORPUS)
    turns = {
        f"{t.interview_id}:{turn.index}": turn.text
        for t in study.transcripts
        for turn in t.participant_turns
    }
    codes = pd.concat(
        [pd.read_csv(f, dtype=str, keep_default_na=False) for f in (CORPUS / "codes").glob("*.csv")]
    )
    return study, turns, codes


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _words(text)
    return {tuple(words[n : n + SHINGLE]) for n in range(len(words) - SHINGLE + 1)}


def test_the_corpus_is_as_large_and_varied_as_promised(corpus):
    study, turns, _ = corpus
    industries = {t.interview_id.split("-")[0] for t in study.transcripts}
    assert len(study.transcripts) >= 80
    assert len(turns) >= 4000
    assert len(industries) >= 12
    assert not study.errors


def test_every_turn_is_coded_once_with_codes_of_the_codebook(corpus):
    _, turns, codes = corpus
    codebook = load_codebook(None)
    assert codes["segment_id"].is_unique
    assert set(codes["segment_id"]) == set(turns)
    assert set(codes["stage"]) - {""} <= set(codebook.stage_ids)
    touchpoints = {t for cell in codes["touchpoints"] for t in cell.split(";") if t}
    assert touchpoints <= {c.id for c in codebook.touchpoints}
    assert set(codes["emotion"]) <= {c.id for c in codebook.emotions}
    valence = pd.to_numeric(codes["valence"])
    assert valence.between(-1, 1).all()


def test_no_corpus_turn_copies_a_gold_study(corpus):
    _, turns, _ = corpus
    gold = set()
    for root in (example_study_dir(), DATA / "gold" / "broadband-study"):
        for transcript in load_study(root).transcripts:
            gold |= _shingles(transcript.text)
    copied = [sid for sid, text in turns.items() if _shingles(text) & gold]
    assert copied == []
