"""People named in participants' words: found only where the words say a person is meant."""

from __future__ import annotations

from cjm_research.ingest import read_transcript
from cjm_research.ingest.mentions import mentioned_names, unlisted_mentions


def said(mentions):
    """(name, times, file:line) of each mention, as a researcher reads them."""
    return [(m.name, m.times, f"{m.path.name}:{m.line}") for m in mentions]


def test_names_are_found_where_a_person_is_meant_and_titles_are_skipped():
    found = mentioned_names(
        [
            "My wife Pat sorted it. I spoke to Hao twice, then a guy called Alan rang back.",
            "Bernadette from support was lovely. I asked Dr Okafor. Then Sam said no. Jo said so.",
            "It was Monday. I rang Virgin. So I called them back. Called it a day.",
        ]
    )
    assert set(found) == {"Pat", "Hao", "Alan", "Bernadette", "Okafor", "Virgin", "Sam"}
    # named after their role, or by their name; a contraction is no name
    more = mentioned_names(
        ["Then an agent, Mateo, came. The trainer, Tayo, was great. Her name was Lurdes.",
         "One called Don't Touch. I asked Pat's sister. The girls on the counter, Linda and Sue."]
    )  # fmt: skip
    assert set(more) == {"Mateo", "Tayo", "Lurdes", "Pat", "Linda", "Sue"}
    # any script; staff named after a role with words between; "Bill" after a husband
    assert set(
        mentioned_names(["My daughter Siân came. Different girl this time, Amira. A young lad, "
                         "Jordan, fixed it. Then Ayşe from the shop rang."])
    ) == {"Siân", "Amira", "Jordan", "Ayşe"}  # fmt: skip
    # opening a sentence, before what people do ("Nobody would" is no one)
    assert set(mentioned_names(["Ok. Deji would never ring you. Nobody would."])) == {"Deji"}
    # set off by commas after a few words about them (the demo's first-home report printed him)
    assert set(
        mentioned_names(["Yeah, my flatmate from before, Jonas, was looking for shelves."])
    ) == {"Jonas"}
    # "Jo said" opens a sentence, where a capital says nothing ("Nobody said"): not taken
    assert "Jo" not in found and "Monday" not in found


def test_unlisted_mentions_leave_out_known_names_and_what_the_interviewer_also_says(tmp_path):
    path = tmp_path / "p01.txt"
    path.write_text(
        "Interviewer: Why did you ring Virgin?\n"
        "Dana: I rang Virgin because my husband Tom said so. My son Tom agreed, and I told Ann.\n"
        "Interviewer: And then?\nDana: I spoke to Ann again.\n",
        encoding="utf-8",
    )
    other = tmp_path / "p02.txt"  # the guide's brand asked in a second interview
    other.write_text(
        "Interviewer: What about Virgin?\nEd: I rang Virgin.\nInterviewer: And Tom?\nEd: Fine.\n",
        encoding="utf-8",
    )
    both = [read_transcript(path), read_transcript(other)]
    found = said(unlisted_mentions(both, known=lambda name: name == "Dana"))
    # Tom is echoed by the interviewer in p02 only: still a person, still listed
    assert found == [("Ann", 2, "p01.txt:2"), ("Tom", 2, "p01.txt:2")]  # then by name
    # every time a flagged name is said counts, cue or not ("Tom agreed" after "my son Tom")
    assert ("Virgin", 1, "p01.txt:2") in said(unlisted_mentions(both[:1], lambda name: False))
    assert unlisted_mentions(both, known=lambda name: name in {"Tom", "Ann"}) == []


def test_a_word_also_written_in_lower_case_is_no_name(tmp_path):
    path = tmp_path / "p03.txt"
    path.write_text(
        "Interviewer: Which pot?\nAmy: The one called Car. I saved for a car, a new car.\n"
        "Interviewer: And?\nAmy: My boss Imre helped.\n",
        encoding="utf-8",
    )
    found = unlisted_mentions([read_transcript(path)], known=lambda name: False)
    assert [m.name for m in found] == ["Imre"]
    # a cue that leaves no doubt wins over the word: "my husband Bill", though bills are paid
    path.write_text(
        "Interviewer: And?\nAmy: My husband Bill paid the bill, the second bill.\n",
        encoding="utf-8",
    )
    assert [m.name for m in unlisted_mentions([read_transcript(path)], lambda n: False)] == ["Bill"]


def test_a_name_said_in_half_the_interviews_is_the_studys_brand(tmp_path):
    # "Tallyboard" after a strong cue, in three of four interviews: the product, not a person.
    lines = [
        "Dana: Tallyboard support told me to wait. My partner Jules laughed.",
        "Ed: I spoke to Tallyboard twice about the export.",
        "Flo: Tallyboard from the ads said it syncs.",
        "Gus: My colleague Priya set it up.",
    ]
    transcripts = []
    for n, line in enumerate(lines, 1):
        path = tmp_path / f"p0{n}.txt"
        path.write_text(f"Interviewer: How was it?\n{line}\n", encoding="utf-8")
        transcripts.append(read_transcript(path))
    found = [m.name for m in unlisted_mentions(transcripts, known=lambda name: False)]
    assert found == ["Jules", "Priya"]
    # in one interview of four it may be a person: still reported
    alone = unlisted_mentions(transcripts[1:2], known=lambda name: False)
    assert [m.name for m in alone] == ["Tallyboard"]


def test_a_title_alone_says_a_person_is_meant(tmp_path):
    # a new user's bulky-waste study: the neighbour who helped carry the fridge was printed in
    # the report, and nobody was warned
    assert set(
        mentioned_names(["Yes, Mr Okafor downstairs, he is very kind.", "Mrs. Khan knew it."])
    ) == {"Okafor", "Khan"}
    path = tmp_path / "sofia.txt"
    path.write_text(
        "Interviewer: And your neighbour helped you carry it?\n"
        "Sofia: Yes, Mr Brown downstairs, he is very kind. He is old but strong.\n"
        "Interviewer: Which bin?\nSofia: The brown bin, with the brown lid.\n",
        encoding="utf-8",
    )
    # a title is as sure as "my husband": a name also written as a word is still reported
    found = unlisted_mentions([read_transcript(path)], known=lambda name: False)
    assert said(found) == [("Brown", 1, "sofia.txt:2")]


def test_a_place_or_a_firm_is_no_person_whatever_cue_framed_it(tmp_path):
    # a trial study warned of "Cardiff", "Harbourline" and "German" as people: a role set off by
    # commas, a phone call, "said", "showed" frame places and firms as well as people
    path = tmp_path / "p01.txt"
    path.write_text(
        "Interviewer: Tell me about yourself.\n"
        "Gareth: Bus driver, Cardiff. I phoned Harbourline twice. The app showed German time.\n"
        "Interviewer: And then?\n"
        "Gareth: We moved to a semi in Cardiff. I used the chat in the Harbourline app, and it "
        "answered in German. A guy in the Discord said wait. Then I rang Bethan, who sorted it. "
        "It's called Sunwell Home, the app. I asked Sunwell.\n",
        encoding="utf-8",
    )
    found = unlisted_mentions([read_transcript(path)], known=lambda name: False)
    assert [m.name for m in found] == ["Bethan"]


def test_a_cue_beyond_doubt_outweighs_a_place_and_a_name_said_of_another_is_none(tmp_path):
    path = tmp_path / "p02.txt"
    path.write_text(
        "Interviewer: Who helped?\n"
        "Rosa: My daughter Florence, who lives in Florence, of all places. Mrs Reading next door. "
        "I am the Tiago of the church, I asked Tiago. A chap used one called Dev, so I rang Dev.\n",
        encoding="utf-8",
    )
    found = unlisted_mentions([read_transcript(path)], known=lambda name: False)
    assert sorted(m.name for m in found) == ["Dev", "Florence", "Reading", "Tiago"]
