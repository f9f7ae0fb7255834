"""Property-based tests of every reader and of the normaliser: any input either parses into a
transcript whose offsets slice exactly each turn's text, or raises CJMInputError — never any
other exception."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cjm_research.exceptions import CJMInputError
from cjm_research.ingest import normalize_text, read_transcript
from cjm_research.model import Transcript

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_SCRATCH = Path(tempfile.mkdtemp(prefix="cjm-props-"))  # one file rewritten per example
atexit.register(shutil.rmtree, _SCRATCH, True)

# Pieces real transcripts are made of, so generated files hit the parsers' interesting paths.
_PIECES = st.sampled_from(
    [
        "Maya: ", "Dana Whitfield: ", "**Q:** ", "[00:01:02] Dana: ", "(12:03) I: ",
        "DANA (00:01):",
        "Maya  0:03", "---", "...", "participant: P01", "interviewers: [Maya]", "id: &a [*a]",
        "WEBVTT", "NOTE x", "1", "00:00:01.000 --> 00:00:02.000", "00:00:01,000 --> 00:00:03,5",
        "<v Dana>", "</v>", "<i>", "{\\an8}", "&amp;", "# Heading", "> quote", ":", " ", "\t",
        "\r\n", "\n", "\n\n", "\ufeff", "\u200b", "\x00", "\x0c", "\ud800", "é", "e\u0301", "?",
    ]
)  # fmt: skip
_LINE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x2FFF), max_size=12
)
_DOCUMENTS = st.lists(st.one_of(_PIECES, _LINE_TEXT), max_size=40).map("".join)


def assert_offsets(transcript: Transcript) -> None:
    for turn in transcript.turns:
        assert transcript.text[turn.start : turn.end] == turn.text
        assert turn.text and turn.text == normalize_text(turn.text)
    assert [t.index for t in transcript.turns] == list(range(1, len(transcript.turns) + 1))


def read_bytes_as(suffix: str, data: bytes) -> None:
    path = _SCRATCH / f"t{suffix}"
    path.write_bytes(data)
    try:
        transcript = read_transcript(path)
    except CJMInputError as exc:
        assert exc.message and exc.path == path
        return
    assert_offsets(transcript)


_ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252"])


@pytest.mark.parametrize("suffix", [".txt", ".md", ".vtt", ".srt"])
@FAST
@given(text=_DOCUMENTS, encoding=_ENCODINGS)
def test_text_readers_parse_or_refuse_any_document(suffix, text, encoding):
    read_bytes_as(suffix, text.encode(encoding, errors="replace"))


@pytest.mark.parametrize("suffix", [".txt", ".vtt", ".srt", ".docx"])
@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=2000))
def test_readers_parse_or_refuse_any_bytes(suffix, data):
    read_bytes_as(suffix, data)


# Text python-docx can store: XML 1.0 characters only (the writer refuses the others).
_XML_TEXT = st.lists(
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs", "Cc"),
            blacklist_characters="\ufffe\uffff",
            max_codepoint=0x2FFF,
        ),
        max_size=10,
    )
    | st.sampled_from(["\n", "\t", ": ", "Q: "]),
    max_size=4,
).map("".join)
_DOCX_TURNS = st.lists(
    st.tuples(st.sampled_from(["Maya", "Dana", "Q", "", "Speaker 2", "Dr. Ng"]), _XML_TEXT),
    max_size=12,
)


@settings(max_examples=100, deadline=None)
@given(turns=_DOCX_TURNS, as_table=st.booleans())
def test_docx_reader_parses_any_generated_document(turns, as_table):
    import docx

    document = docx.Document()
    if as_table:
        table = document.add_table(rows=1, cols=2)
        table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Speaker", "Text"
        for speaker, text in turns:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = speaker, text
    else:
        for speaker, text in turns:
            document.add_paragraph(f"{speaker}: {text}" if speaker else text)
    path = _SCRATCH / "t.docx"
    document.save(str(path))
    transcript = read_transcript(path)  # a valid Word file never raises
    assert_offsets(transcript)
    # Every word of every turn comes from the document: nothing invented, nothing garbled.
    # (A one-word label met once may stay inside the turn before it as "Dana: ...".)
    words = set(normalize_text(" ".join(f"{s} {s}: {t}" for s, t in turns)).split())
    for turn in transcript.turns:
        assert set(turn.text.split()) <= words


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(), max_size=200))
def test_normalize_text_is_canonical_and_idempotent(text):
    out = normalize_text(text)
    assert normalize_text(out) == out
    assert unicodedata.is_normalized("NFC", out)
    assert "\r" not in out and "\t" not in out
    assert all(ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs") for ch in out)
    out.encode("utf-8")  # raises on a lone surrogate
