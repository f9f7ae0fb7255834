"""The notebooks, templates and example study travel inside the wheel, not only in a checkout."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    # A checkout that ran `make demo` has the example study's working folder (caches, tables):
    # plant one when absent (a clean clone), so the wheel is built from what a developer has.
    work = ROOT / "interviews" / ".cjm"
    planted = not work.exists()
    if planted:
        (work / "cache").mkdir(parents=True)
        (work / "cache" / "coded.parquet").write_bytes(b"not the package's")
    try:
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
             "-w", str(out), str(ROOT)],
            check=True,
        )  # fmt: skip
    finally:
        if planted:
            shutil.rmtree(work)
    [path] = out.glob("cjm_research-*.whl")
    return zipfile.ZipFile(path)


def test_wheel_carries_every_resource_the_code_looks_for(wheel):
    names = set(wheel.namelist())
    for resource in (
        "cjm_research/templates/codebook.yaml",
        "cjm_research/templates/reference.docx",
        "cjm_research/templates/html/index.html.j2",
        "cjm_research/templates/html/conf.json",
        "cjm_research/notebooks/journey_report.ipynb",
        "cjm_research/notebooks/coding.ipynb",
        "cjm_research/example_study/participants.csv",
        "cjm_research/example_study/personas/busy-parent.md",
        "cjm_research/example_study/design-lover/p07-chloe.docx",
        "cjm_research/coding/data/all-MiniLM-L6-v2-tokenizer.json",
        "cjm_research/coding/data/NOTICE",
        "cjm_research/coding/data/emotion-model.npz",
        "cjm_research/coding/data/interview-heads.npz",
    ):
        assert resource in names, resource
    # The example study travels whole (every file in the checkout's), without this machine's
    # working data.
    assert not [n for n in names if "/.cjm/" in n]
    study = ROOT / "interviews"
    for path in study.rglob("*"):
        inside = path.relative_to(study)
        if path.is_file() and inside.parts[0] not in (".cjm", "reports"):
            assert f"cjm_research/example_study/{inside.as_posix()}" in names, inside
    entry_points = wheel.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "cjm = cjm_research.cli:main" in entry_points


def test_installed_layout_is_found_before_the_checkout(tmp_path, monkeypatch):
    from cjm_research import resources

    package = tmp_path / "site-packages" / "cjm_research"
    (package / "templates").mkdir(parents=True)
    monkeypatch.setattr(resources, "_PACKAGE", package)
    resources._resource_dir.cache_clear()
    try:
        assert resources.templates_dir() == package / "templates"
    finally:
        resources._resource_dir.cache_clear()
