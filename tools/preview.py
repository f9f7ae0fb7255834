"""Render every report as a stakeholder sees it: .docx → PDF → PNG pages, .html → PNG.

Usage: ``python tools/preview.py [REPORTS_DIR]`` (default ``reports``); writes into
``REPORTS_DIR/preview/``. Needs LibreOffice (``soffice``), ``pdftoppm`` and ``chromium`` on PATH;
``make preview`` installs them from Debian's packages when missing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def docx_pages(docx: Path, out: Path) -> list[Path]:
    """PDF of ``docx`` next to its PNG pages (60 dpi) in ``out``."""
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(out), str(docx)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = out / f"{docx.stem}.pdf"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(pdf), str(out / docx.stem)], check=True, timeout=300
    )
    return sorted(out.glob(f"{docx.stem}-*.png"))


def html_page(page: Path, out: Path, height: int = 9000) -> Path:
    """A full-length screenshot of ``page`` at 1280 px wide."""
    png = out / f"{page.stem}.html.png"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            ["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
             f"--window-size=1280,{height}", f"--screenshot={png}", page.resolve().as_uri()],
            check=True,
            capture_output=True,
            timeout=180,
        )  # fmt: skip
    return png


def main(reports: Path) -> int:
    """Render every .docx and .html under ``reports`` (not the preview folder itself)."""
    missing = [tool for tool in ("soffice", "pdftoppm", "chromium") if not shutil.which(tool)]
    if missing:
        print(
            f"missing: {', '.join(missing)} — run `make preview` to install them", file=sys.stderr
        )
        return 2
    out = reports / "preview"
    out.mkdir(parents=True, exist_ok=True)
    for docx in sorted(p for p in reports.rglob("*.docx") if out not in p.parents):
        pages = docx_pages(docx, out)
        print(f"{docx.relative_to(reports)}: {len(pages)} pages")
    for page in sorted(p for p in reports.rglob("*.html") if out not in p.parents):
        print(f"{page.relative_to(reports)}: {html_page(page, out).name}")
    print(f"preview: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("reports")))
