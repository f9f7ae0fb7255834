"""Decoding, text normalisation and YAML front matter."""

from __future__ import annotations

import codecs

import pytest

from cjm_research.exceptions import CJMInputError
from cjm_research.ingest import decode_bytes, normalize_text, read_transcript, split_front_matter
from cjm_research.ingest import normalize as normalize_module

SAMPLE = "Maya: How was it?\nDana: Fine, really.\n"


# --- normalize_text ---------------------------------------------------------------------------


def test_line_ends_become_newlines():
    assert normalize_text("a\r\nb\rc\nd") == "a\nb\nc\nd"


def test_tab_becomes_space_and_controls_are_removed():
    assert normalize_text("a\tb\x00c\x07d\x1be\x7ff\x85g\x0ch") == "a bcdefgh"


def test_lone_surrogates_and_noncharacters_are_removed():
    # They cannot be encoded as UTF-8, stored in a pandas string column or written to Word XML.
    text = normalize_text("on\ud800 hold\udfff for\uffff ages")
    assert text == "on hold for ages"
    text.encode("utf-8")


def test_zero_width_characters_are_removed():
    assert normalize_text("\ufeffpay\u200bment\u200c \u200dwent\u2060 through") == (
        "payment went through"
    )


def test_nfc():
    decomposed = "cafe\u0301"
    assert normalize_text(decomposed) == "caf\u00e9"
    assert len(normalize_text(decomposed)) == 4


# --- decode_bytes -----------------------------------------------------------------------------


def test_plain_utf8_has_no_warning():
    assert decode_bytes("Zoë: £649 — fine".encode(), "x.txt") == ("Zoë: £649 — fine", [])


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + SAMPLE.encode("utf-8"),
        codecs.BOM_UTF16_LE + SAMPLE.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + SAMPLE.encode("utf-16-be"),
        codecs.BOM_UTF32_LE + SAMPLE.encode("utf-32-le"),
    ],
    ids=["utf8-bom", "utf16le-bom", "utf16be-bom", "utf32le-bom"],
)
def test_bom_decides_the_encoding(data):
    text, warnings = decode_bytes(data, "x.txt")
    assert text == SAMPLE
    assert warnings == []


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(encoding):
    # Strict UTF-8 would accept these bytes (ASCII plus NULs): the NULs must rule it out.
    text, warnings = decode_bytes(("Zoë: " + SAMPLE).encode(encoding), "x.txt")
    assert text == "Zoë: " + SAMPLE
    assert "\x00" not in text
    assert warnings == [f"no byte-order mark; decoded as {encoding.upper()}"]


def test_cp1252_fallback_warns():
    data = "Chloé: it cost £649 – “too much”".encode("cp1252")
    text, warnings = decode_bytes(data, "x.txt")
    assert text == "Chloé: it cost £649 – “too much”"
    assert len(warnings) == 1 and "cp1252" in warnings[0]


def test_cp1252_undefined_bytes_still_decode():
    text, warnings = decode_bytes(b"Maya: ok \x81\x8d", "x.txt")
    assert text.startswith("Maya: ok ")
    assert warnings


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 20,
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xa5\x9f" * 20,
        bytes(range(1, 32)) * 10,  # no NULs, but almost only control characters
    ],
    ids=["png", "zip", "controls"],
)
def test_binary_is_rejected(data):
    with pytest.raises(CJMInputError, match="binary") as info:
        decode_bytes(data, "x.txt")
    assert str(info.value.path) == "x.txt"


def test_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(normalize_module, "MAX_TRANSCRIPT_BYTES", 30)
    path = tmp_path / "big.txt"
    path.write_text("Maya: " + "x" * 40)
    with pytest.raises(CJMInputError, match="limit") as info:
        read_transcript(path)
    assert info.value.path == path


def test_default_size_limit_is_20_mb():
    assert normalize_module.MAX_TRANSCRIPT_BYTES == 20 * 1024 * 1024


def test_crlf_bom_and_zero_width_file_reads_like_clean_one(tmp_path):
    clean = tmp_path / "clean.txt"
    clean.write_text("Maya: How was delivery?\nDana: Late, twice.\n", encoding="utf-8")
    messy = tmp_path / "messy.txt"
    messy.write_bytes(
        codecs.BOM_UTF8 + "Maya: How was\u200b delivery?\r\nDana: Late,\ttwice.\r\n".encode()
    )
    a, b = read_transcript(clean), read_transcript(messy)
    assert [(t.speaker, t.text, t.line) for t in a.turns] == [
        (t.speaker, t.text, t.line) for t in b.turns
    ]
    assert b.turns[1].text == "Late, twice."
    assert a.text == b.text


# --- front matter -----------------------------------------------------------------------------


def test_no_front_matter():
    assert split_front_matter("Maya: hi\n", "x.txt") == ({}, "Maya: hi\n", 1)


def test_scalars_stay_strings():
    text = (
        "---\n"
        "id: 0012\n"
        "zip: 07030\n"
        "consent: NO\n"
        "date: 2026-03-02\n"
        "score: 1.50\n"
        "empty:\n"
        "tagged: !!int 7\n"
        "interviewers: [Maya, Sam]\n"
        "nested: {a: 1}\n"
        "---\n"
        "Maya: hi\n"
    )
    meta, body, first = split_front_matter(text, "x.txt")
    assert meta == {
        "id": "0012",
        "zip": "07030",
        "consent": "NO",
        "date": "2026-03-02",
        "score": "1.50",
        "empty": "",
        "tagged": "7",
        "interviewers": ["Maya", "Sam"],
        "nested": {"a": "1"},
    }
    assert body == "Maya: hi\n"
    assert first == 12


def test_empty_front_matter():
    assert split_front_matter("---\n---\nMaya: hi", "x.txt") == ({}, "Maya: hi", 3)


def test_unclosed_front_matter_is_an_error_on_line_1():
    with pytest.raises(CJMInputError, match="never closed") as info:
        split_front_matter("---\nparticipant: P01\nMaya: hi\n", "x.txt")
    assert info.value.line == 1
    assert "---" in info.value.hint


@pytest.mark.parametrize("block", ["- a\n- b", "just text"])
def test_front_matter_must_be_a_mapping(block):
    with pytest.raises(CJMInputError, match="mapping") as info:
        split_front_matter(f"---\n{block}\n---\nMaya: hi\n", "x.txt")
    assert info.value.line == 2


def test_aliases_are_rejected():
    text = "---\na: &x [1, 2]\nb: [*x, *x]\n---\nMaya: hi\n"
    with pytest.raises(CJMInputError, match="aliases") as info:
        split_front_matter(text, "x.txt")
    assert info.value.line == 2  # the anchor is refused before any alias expands


def test_duplicate_keys_are_rejected():
    with pytest.raises(CJMInputError, match="twice") as info:
        split_front_matter("---\npersona: a\nx: 1\npersona: b\n---\n", "x.txt")
    assert info.value.line == 4


def test_invalid_yaml_names_the_file_line():
    with pytest.raises(CJMInputError, match="not valid YAML") as info:
        split_front_matter("---\nparticipant: P01\npersona: [a, b\n---\nMaya: hi\n", "x.txt")
    assert info.value.line >= 3


def test_front_matter_size_limit():
    text = "---\nnote: " + "x" * (64 * 1024) + "\n---\nMaya: hi\n"
    with pytest.raises(CJMInputError, match="KB"):
        split_front_matter(text, "x.txt")


@pytest.mark.parametrize(
    "value", ["!!python/object/apply:os.system [ls]", "!!python/name:os.system", "!custom x"]
)
def test_yaml_tags_are_refused(value):
    with pytest.raises(CJMInputError, match="YAML tags such as") as info:
        split_front_matter(f"---\nid: a\nparticipant: {value}\n---\nMaya: hi\n", "x.txt")
    assert info.value.line == 3 and "remove the '!!…' tag" in info.value.hint


def test_bom_before_front_matter_is_read(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(codecs.BOM_UTF8 + b"---\nparticipant: P01\n---\nMaya: Hi?\nDana: Yes.\n")
    transcript = read_transcript(path)
    assert transcript.meta == {"participant": "P01"}
    assert [t.line for t in transcript.turns] == [4, 5]
