"""EDGAR-look rendering of a Form 4 and its Letter PDF print through headless Chromium.

What people scan is EDGAR's HTML rendering printed from a browser, so the corpus renders the
same HTML (``form4.html``, a Jinja2 template) and prints it with a real browser engine: long
filings paginate as a browser does, with the table header rows repeated on the next page.
The real sample prints are Chromium's default Letter print of the EDGAR HTML.
"""
from __future__ import annotations

import base64
import fcntl
import json
import os
import random
import re
import select
import shutil
import subprocess
import tempfile
import zlib
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from pathlib import Path
from datetime import date, timedelta
from typing import Any

import jinja2

from .. import ownership
from ..errors import MissingDependencyError
from .generate import vocabulary

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PRINT_TIMEOUT_S = 120  # per DevTools answer
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
def _template(name: str = "form4.html") -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.ChainableUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(number=format_number, date=format_date, note=footnote_number)
    return env.from_string(resources.files("ocr.corpus").joinpath(name).read_text())


def layout_of(doc: dict[str, Any]) -> str:
    """Which printed layout a filing uses: the 2023 one carries the Rule 10b5-1 box (aff10b5One)."""
    return "2023" if "aff10b5One" in doc else "pre2023"


def render_html(doc: dict[str, Any], *, layout: str | None = None) -> str:
    """The EDGAR HTML rendering of an ownershipDocument (plain data); missing elements print blank."""
    layout = layout or layout_of(doc)
    if layout not in ("2023", "pre2023"):
        raise ValueError(f"layout must be '2023' or 'pre2023', not {layout!r}")
    return _template().render(doc=doc, layout=layout)


def print_lines(doc: dict[str, Any]) -> dict[str, str]:
    """The date and page address a browser prints above and below the filing.

    Chosen from the filing's own bytes, so a rerun prints the same lines: an EDGAR address
    and a moment some days after the signature (en-US short format, as Chromium prints it).
    """
    spec = vocabulary()["browser_print"]
    rng = random.Random(zlib.crc32(ownership.to_xml(doc)))
    try:
        signed = date.fromisoformat(str(doc["ownerSignature"][0]["signatureDate"])[:10])
    except (KeyError, IndexError, TypeError, ValueError):  # a blank form has no signature
        signed = date(2024, 1, 2)
    when = signed + timedelta(days=rng.randint(*spec["days_after_signature"]))
    hour, minute = rng.randint(7, 19), rng.randint(0, 59)
    printed = f"{when.month}/{when.day}/{when.year % 100:02d}, {(hour - 1) % 12 + 1}:{minute:02d} {'AM' if hour < 12 else 'PM'}"
    issuer = doc.get("issuer")
    cik = (issuer.get("issuerCik", "") if isinstance(issuer, dict) else "").lstrip("0") or str(rng.randint(1000, 2099999))
    accession = f"{rng.randint(1000, 1999999):010d}{when.year % 100:02d}{rng.randint(1, 99999):06d}"
    filed_at = (signed - date(1970, 1, 1)).days * 86400 + rng.randint(0, 86399)  # unix time in EDGAR file names
    file = rng.choice(spec["files"]).format(stamp=filed_at)
    url = spec["url"].format(cik=cik, accession=accession, xsl=rng.choice(spec["xsl"][layout_of(doc)]), file=file)
    return {"printed": printed, "url": url}


def _chromium() -> str:
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    found = shutil.which("chromium")
    if not found:
        raise MissingDependencyError("chromium is not installed (apt-get install chromium)")
    return found


class _Browser:
    """One headless Chromium driven over the DevTools protocol on a pipe (fds 3 and 4 of the child).

    Starting Chromium costs 0.7-1.2 s and printing a page 0.15 s, so a batch shares one browser.
    Page.printToPDF with printBackground reproduces ``chromium --print-to-pdf`` pixel for pixel:
    Letter, Chromium's default margins and shrink-to-fit.
    """

    def __init__(self, profile: str) -> None:
        argv = [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"]
        cmd_r, self._cmd_w = os.pipe()
        self._resp_r, resp_w = os.pipe()
        # move the child's ends above 9 so "3<& 4>&" cannot clobber them (bash: dash takes fds 0-9 only)
        high_r, high_w = (fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (cmd_r, resp_w))
        os.close(cmd_r)
        os.close(resp_w)
        shell = 'exec 3<&"$CMD_FD" 4>&"$RESP_FD"; eval "exec $CMD_FD<&- $RESP_FD>&-"; exec "$@"'
        try:
            self._proc = subprocess.Popen(
                ["/bin/bash", "-c", shell, "bash", *argv], pass_fds=(high_r, high_w),
                env={**os.environ, "CMD_FD": str(high_r), "RESP_FD": str(high_w)},
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        finally:
            os.close(high_r)
            os.close(high_w)
        self._buffer = b""
        self._last_id = 0
        self._events: list[dict[str, Any]] = []
        try:
            target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self._session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            self.call("Page.enable", session=self._session)
        except BaseException:
            self.close()
            raise

    def _receive(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._resp_r], [], [], PRINT_TIMEOUT_S)
            if not ready:
                raise RuntimeError(f"chromium did not answer within {PRINT_TIMEOUT_S} s")
            chunk = os.read(self._resp_r, 1 << 20)
            if not chunk:
                raise RuntimeError(f"chromium exited (code {self._proc.poll()})")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send one command and wait for its answer, keeping events that arrive meanwhile."""
        self._last_id += 1
        message: dict[str, Any] = {"id": self._last_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._cmd_w, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._receive()
            if answer.get("id") == self._last_id:
                if "error" in answer:
                    raise RuntimeError(f"chromium {method}: {answer['error'].get('message')}")
                return answer["result"]
            self._events.append(answer)

    def _wait_for(self, event: str) -> None:
        while True:
            for i, message in enumerate(self._events):
                if message.get("method") == event and message.get("sessionId") == self._session:
                    del self._events[i]
                    return
            self._events.append(self._receive())

    def print_pdf(self, url: str, lines: dict[str, str] | None) -> bytes:
        """Load a page and print it to Letter PDF, with header and footer lines when given."""
        self._events.clear()
        self.call("Page.navigate", {"url": url}, self._session)
        self._wait_for("Page.loadEventFired")
        params: dict[str, Any] = {"paperWidth": 8.5, "paperHeight": 11, "printBackground": True,
                                  "displayHeaderFooter": lines is not None}
        if lines is not None:
            params["headerTemplate"] = _template("print_header.html").render(**lines)
            params["footerTemplate"] = _template("print_footer.html").render(**lines)
        return base64.b64decode(self.call("Page.printToPDF", params, self._session)["data"])

    def close(self) -> None:
        """Ask Chromium to quit; kill it if it does not within 10 s."""
        try:
            if self._proc.poll() is None:
                self.call("Browser.close")
        except (RuntimeError, OSError):
            pass  # it may close the pipe before answering
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        os.close(self._cmd_w)
        os.close(self._resp_r)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def render_pdfs(docs: Sequence[dict[str, Any]], pdf_paths: Sequence[Path], *,
                browser_header: bool = False) -> list[Path]:
    """Print several filings, one Chromium for the batch (0.15-0.2 s a filing after a 1 s start)."""
    if len(docs) != len(pdf_paths):
        raise ValueError(f"{len(docs)} documents but {len(pdf_paths)} output paths")
    out = [Path(p) for p in pdf_paths]
    with tempfile.TemporaryDirectory(prefix="form4-render-") as work:
        browser = _Browser(str(Path(work) / "profile"))
        try:
            for i, (doc, pdf_path) in enumerate(zip(docs, out)):
                html_path = Path(work) / f"{i:05d}-{pdf_path.stem}.html"
                html_path.write_text(render_html(doc), encoding="utf-8")
                lines = print_lines(doc) if browser_header else None
                _write_atomic(pdf_path, browser.print_pdf(html_path.as_uri(), lines))
        finally:
            browser.close()
    return out


def render_pdf(doc: dict[str, Any], pdf_path: Path, *, browser_header: bool = False) -> Path:
    """Print the filing's EDGAR rendering to a Letter PDF as Chromium's default print does.

    ``browser_header`` adds the browser's header (print date, title) and footer (EDGAR address,
    page "1/2") lines, drawn exactly where Chromium draws its own; see ``print_lines``.
    """
    return render_pdfs([doc], [pdf_path], browser_header=browser_header)[0]
