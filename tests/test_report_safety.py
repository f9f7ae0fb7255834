"""Output safety: researcher and participant text reaches the HTML escaped, never as live markup.

A study whose transcript, persona note and insights carry script and image-handler payloads goes
through the real pipeline (load, code, load_context); every HTML fragment report.py emits must
show the payload as text and contain no such tag.
"""

import inspect
import re
import shutil

import pytest

from cjm_research.report import persona as report
from cjm_research.report.render import html
from cjm_research.resources import example_study_dir
from cjm_research.run.batch import code_study
from cjm_research.segments import write as write_segments
from cjm_research.study import load_study

SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(1)>"
LIVE = re.compile(r"<\s*(script|img)\b", re.IGNORECASE)
PERSONA = "first-home"


@pytest.fixture(scope="module")
def hostile_study(tmp_path_factory):
    root = tmp_path_factory.mktemp("xss")
    study = root / "study"
    shutil.copytree(example_study_dir(), study)
    with open(study / "first-home" / "p01-dana.txt", "a", encoding="utf-8") as f:
        f.write(f"\nDana: I was furious, the delivery was awful {SCRIPT} and {IMAGE} too.\n")
    note = study / "personas" / "first-home.md"
    text = note.read_text(encoding="utf-8")
    text = text.replace('name: "Sam, the first-home furnisher"', f"name: 'Sam {SCRIPT}'")
    text = text.replace("goals:\n", f"goals:\n  - '{IMAGE} goal'\n", 1)
    text = text.replace('quote: "', f'quote: "{IMAGE} ', 1)
    note.write_text(text, encoding="utf-8")
    loaded = load_study(study)
    [dana] = [t for t in loaded.transcripts if t.interview_id == "p01-dana"]
    (study / "insights.yaml").write_text(
        f"insights:\n  - title: '{SCRIPT} title'\n    persona: {PERSONA}\n    stage: support\n"
        f"    detail: '{IMAGE} detail'\n    opportunity: '{SCRIPT} fix'\n"
        f"    segments: ['p01-dana:{dana.turns[-1].index}']\n",
        encoding="utf-8",
    )
    segments = write_segments(code_study(loaded, "rules").segments, root / "segments.parquet")
    return study, segments


def _fragments(ctx: report.ReportContext) -> dict[str, str]:
    """Every ``*_html`` function of report.py, called on ``ctx`` (per stage where it takes one)."""
    out = {}
    for name, fn in inspect.getmembers(report, inspect.isfunction):
        if not name.endswith("_html") or fn.__module__ != report.__name__:
            continue
        params = list(inspect.signature(fn).parameters)
        if params == ["ctx"]:
            out[name] = fn(ctx)
        elif params[:2] == ["ctx", "stage"]:
            out[name] = "".join(fn(ctx, s) for s in ctx.journey.stages)
    return out


@pytest.mark.parametrize("redact", [True, False])
def test_no_live_tag_in_any_html_fragment(hostile_study, redact):
    study, segments = hostile_study
    ctx = report.load_context(study, PERSONA, segments, redact=redact)
    fragments = _fragments(ctx)
    assert {"title_html", "profile_html", "stage_html", "insights_html"} <= set(fragments)
    for name, fragment in fragments.items():
        assert not LIVE.search(fragment), name
    everything = "".join(fragments.values())
    assert html.esc(SCRIPT) in fragments["title_html"]  # persona name
    assert html.esc(IMAGE) in fragments["profile_html"]  # goal and quote
    insights = fragments["insights_html"]
    assert html.esc(f"{SCRIPT} title") in insights and html.esc(f"{IMAGE} detail") in insights
    assert f"awful {html.esc(SCRIPT)} and {html.esc(IMAGE)} too" in everything  # the quote


def test_index_page_escapes_persona_names_and_errors():
    entry = html.IndexEntry(PERSONA, f"Sam {SCRIPT}", 1, 1, 1, "failed", error=IMAGE)
    page = html.index_page(f"study {IMAGE}", [entry])
    assert not LIVE.search(page.replace('<img src="', "")), "only the thumbnail may be an <img>"
    assert html.esc(SCRIPT) in page and html.esc(IMAGE) in page
