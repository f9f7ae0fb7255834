# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Coding run
#
# What the machine coded in a study: how often each stage, touchpoint and emotion was used, and
# the least confident segments to review first. `cjm reports` executes this notebook into
# `reports/coding.ipynb` as the audit trail of each run. In JupyterLab, point `study_dir` at a
# study; leave `segments_path` empty to code the study here with `coder`.

# %% tags=["parameters"]
study_dir = "../interviews"
coder = "auto"
segments_path = ""
redact = True  # show pseudonyms and redacted text here too (the coded table itself stays full)

# %%
import pandas as pd
from IPython.display import HTML, display

from cjm_research import analysis, privacy, report
from cjm_research.coding import code_transcripts, get_coder
from cjm_research.study import load_study

study = load_study(study_dir)
if segments_path:
    segments = report.read_segments(segments_path)
else:
    segments = code_transcripts(study.transcripts, get_coder(coder, study.codebook))
# Redaction applies to what is shown (the least confident rows, the problems): counts and codes
# do not change with it, and redacting every row of a large study would cost more than the rest.
key = privacy.study_key(study, segments) if redact else None
participants = analysis.participant_segments(segments)
display(HTML(
    f"<p>{len(study.transcripts)} interviews, {len(participants)} participant segments coded by "
    f"{', '.join(sorted(set(participants['coder'])))} with “{study.codebook.name}” "
    f"({study.codebook.version}).</p>"
))

# %%
frequencies = analysis.code_frequencies(segments, study.codebook)
for dimension, counts in frequencies.items():
    labels = [study.codebook.label(dimension, c) for c in counts.index]
    display(HTML(f"<h3>{dimension.capitalize()}</h3>"))
    display(pd.DataFrame({"code": labels, "segments": counts.to_numpy()}))

# %%
confidence = participants[["stage_confidence", "touchpoint_confidence", "emotion_confidence"]]
least = participants.assign(confidence=confidence.min(axis=1)).nsmallest(15, "confidence")
if key is not None:
    least = privacy.redact_segments(least, key)
display(HTML("<h3>Least confident segments (review these first)</h3>"))
display(least[["segment_id", "text", "stage", "touchpoints", "emotion", "confidence", "evidence"]])

# %%
if study.problems:
    display(HTML("<h3>Input problems</h3>"))
    problems = [key.redact_text(str(p)) if key else str(p) for p in study.problems]
    display(pd.DataFrame({"problem": problems}))
