# ---
# jupyter:
#   jupytext:
#     formats: ipynb,.pct.py:percent
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
# # Journey report for one persona
#
# `cjm reports` runs this notebook once per persona with papermill. Open it in JupyterLab to
# explore: set the parameters below to a study and a persona, then run all cells. It reads the
# coded segments table (it never re-codes) and writes the Word report next to the figures: into
# `output_dir` when you set one, else into a new scratch folder it names, so exploring never
# overwrites a report you delivered.

# %% tags=["parameters"]
study_dir: str = "../interviews"  # the study folder (README: The study folder)
persona_id: str = "first-home"  # a persona id from the persona notes
segments_path: str = "../interviews/.cjm/segments.parquet"  # cjm reports keeps the coded table here
output_dir: str = ""  # empty: a scratch folder (cjm reports sets its own)
previous_dir: str = ""  # an earlier round's report folder, for "What changed" (empty: none)
redact: bool = True  # pseudonyms; no names, e-mails, phones, cards or URLs (README: Privacy)

# %%
from pathlib import Path

from IPython.display import HTML, display

from cjm_research.report import persona as report

output_dir = report.output_folder(output_dir, persona_id)
ctx = report.load_context(study_dir, persona_id, segments_path, previous_dir, redact)
figures = report.make_figures(ctx, output_dir)
display(HTML(report.title_html(ctx)))

# %%
display(HTML(report.summary_html(ctx)))
display(HTML(report.changes_html(ctx)))
display(HTML(report.profile_html(ctx)))

# %%
display(HTML(report.heading_html("journey-map")))
display(HTML(report.persona_figure(ctx, figures, "journey_map", 1)))

# %%
display(HTML(report.priorities_html(ctx)))
display(HTML(report.insights_html(ctx)))

# %%
display(HTML(report.heading_html("emotion")))
display(HTML(report.persona_figure(ctx, figures, "emotion_curve", 2)))
display(HTML(report.persona_figure(ctx, figures, "emotion_heatmap", 3)))
display(HTML(report.heading_html("touchpoints")))
display(HTML(report.persona_figure(ctx, figures, "touchpoint_heatmap", 4)))

# %%
for stage in ctx.journey.stages:
    display(HTML(report.stage_html(ctx, stage)))

# %%
display(HTML(report.methodology_html(ctx)))

# %%
docx_path = report.write_docx(ctx, figures, Path(output_dir) / f"{persona_id}.docx")
snapshot_file = report.write_snapshot(ctx, output_dir)

# %% [markdown] tags=["explore"]
# ## The data behind this report
#
# Cells tagged `explore` are left out of the HTML report: they are for you. `tables` holds the
# report's data as DataFrames (pseudonymised as the report is); the figure below is drawn here, so
# adapting it is editing this cell.

# %% tags=["explore"]
tables = report.data_tables(ctx)
tables["priorities"]

# %% tags=["explore"]
# %matplotlib inline
from cjm_research.report import charts

charts.emotion_curve_figure(ctx.journey)

# %% tags=["explore"]
# Every quote coded support and frustration, by participant:
segments = tables["segments"]
segments[(segments["stage"] == "support") & (segments["emotion"] == "frustration")].sort_values(
    "participant"
)[["participant", "segment_id", "text"]]
