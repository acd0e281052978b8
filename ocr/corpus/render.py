"""EDGAR-look rendering of a Form 4 and its Letter PDF print through headless Chromium.

What people scan is EDGAR's HTML rendering printed from a browser, so the corpus renders the
same HTML (``form4.html``, a Jinja2 template) and prints it with a real browser engine: long
filings paginate as a browser does, with the table header rows repeated on the next page.
The real sample prints are Chromium's default Letter print of the EDGAR HTML.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from ..errors import MissingDependencyError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PRINT_TIMEOUT_S = 120
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def format_number(text: object) -> str:
    """Print a number as EDGAR does: thousands separators, no trailing fractional zeros."""
    text = str(text)  # blank (undefined) cells arrive as template Undefined
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    if not number.is_finite():
        return text
    return format(number.normalize(), ",f")


def format_date(text: object) -> str:
    """ISO date (optionally with a zone suffix) as MM/DD/YYYY; anything else unchanged."""
    text = str(text)
    m = _ISO_DATE.match(text)
    return f"{m[2]}/{m[3]}/{m[1]}" if m else text


def footnote_number(footnote_id: str) -> str:
    """'F12' is printed as (12)."""
    return footnote_id[1:] if footnote_id[:1] in "Ff" and footnote_id[1:].isdigit() else footnote_id


@lru_cache(maxsize=None)
def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.ChainableUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(number=format_number, date=format_date, note=footnote_number)
    return env.from_string(resources.files("ocr.corpus").joinpath("form4.html").read_text())


def layout_of(doc: dict[str, Any]) -> str:
    """Which printed layout a filing uses: the 2023 one carries the Rule 10b5-1 box (aff10b5One)."""
    return "2023" if "aff10b5One" in doc else "pre2023"


def render_html(doc: dict[str, Any], *, layout: str | None = None) -> str:
    """The EDGAR HTML rendering of an ownershipDocument (plain data); missing elements print blank."""
    layout = layout or layout_of(doc)
    if layout not in ("2023", "pre2023"):
        raise ValueError(f"layout must be '2023' or 'pre2023', not {layout!r}")
    return _template().render(doc=doc, layout=layout)


def _chromium() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        found = shutil.which("chromium")
        if not found:
            raise MissingDependencyError("chromium is not installed (apt-get install chromium)")
        return found
    return CHROMIUM


def _print(html_path: Path, pdf_path: Path, browser_header: bool) -> None:
    """One Chromium run: print html_path to pdf_path (atomically: temp name, then os.replace)."""
    pdf_path = Path(pdf_path)
    tmp_pdf = pdf_path.with_name(f".{pdf_path.name}.{os.getpid()}.tmp")
    with tempfile.TemporaryDirectory(prefix="form4-chromium-") as profile:
        cmd = [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
        if not browser_header:
            cmd.append("--no-pdf-header-footer")
        cmd += [f"--print-to-pdf={tmp_pdf}", html_path.resolve().as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PRINT_TIMEOUT_S)
    if proc.returncode != 0 or not tmp_pdf.exists() or tmp_pdf.stat().st_size == 0:
        tmp_pdf.unlink(missing_ok=True)
        raise RuntimeError(f"chromium failed to print {html_path} (exit {proc.returncode}): {proc.stderr[-500:]}")
    os.replace(tmp_pdf, pdf_path)


def render_pdf(doc: dict[str, Any], pdf_path: Path, *, browser_header: bool = False) -> Path:
    """Print the filing's EDGAR rendering to a Letter PDF with Chromium's default margins.

    ``browser_header`` keeps Chromium's header (date, title) and footer (URL, page "1/2") lines.
    """
    pdf_path = Path(pdf_path)
    with tempfile.TemporaryDirectory(prefix="form4-html-") as work:
        html_path = Path(work) / "form4.html"
        html_path.write_text(render_html(doc), encoding="utf-8")
        _print(html_path, pdf_path, browser_header)
    return pdf_path
