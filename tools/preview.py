"""Render every report as a stakeholder sees it: .docx → PDF → PNG pages, .html → PNG.

Usage: ``python tools/preview.py [REPORTS_DIR] [SHEET.xlsx ...]`` (default ``reports``); writes
into ``REPORTS_DIR/preview/``. Review sheets named after the folder are printed through
LibreOffice Calc as a reviewer outside Excel sees them, into the sheet's own folder (a review sheet
holds unredacted turns, so it stays out of ``reports/``). Needs LibreOffice (``soffice``, Writer and
Calc), ``pdftoppm`` and ``chromium`` on PATH; ``make preview`` installs them from Debian's packages
when missing.
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


def office_pages(document: Path, out: Path) -> list[Path]:
    """PDF of a Word or Excel ``document`` (LibreOffice Writer or Calc, with the document's own
    page setup) next to its PNG pages (60 dpi) in ``out``."""
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(out), str(document)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = out / f"{document.stem}.pdf"
    stem = str(out / document.stem)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), stem], check=True, timeout=300)
    return sorted(out.glob(f"{document.stem}-*.png"))


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


def main(reports: Path, sheets: list[Path]) -> int:
    """Render every .docx and .html under ``reports`` (not the preview folder itself), and the
    review ``sheets``."""
    missing = [tool for tool in ("soffice", "pdftoppm", "chromium") if not shutil.which(tool)]
    if missing:
        print(
            f"missing: {', '.join(missing)} — run `make preview` to install them", file=sys.stderr
        )
        return 2
    out = reports / "preview"
    out.mkdir(parents=True, exist_ok=True)
    for docx in sorted(p for p in reports.rglob("*.docx") if out not in p.parents):
        pages = office_pages(docx, out)
        print(f"{docx.relative_to(reports)}: {len(pages)} pages")
    for sheet in sheets:
        pages = office_pages(sheet, sheet.parent)
        print(f"{sheet}: {len(pages)} pages (LibreOffice Calc), in {sheet.parent}")
    for page in sorted(p for p in reports.rglob("*.html") if out not in p.parents):
        print(f"{page.relative_to(reports)}: {html_page(page, out).name}")
    print(f"preview: {out}")
    return 0


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:]]
    sys.exit(main(args[0] if args else Path("reports"), args[1:]))
