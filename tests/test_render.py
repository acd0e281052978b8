"""The EDGAR-look renderer: both layouts, value formatting, pagination, and fidelity to real prints."""
from __future__ import annotations

import copy
import re
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from pdf2image import convert_from_path
from PIL import Image

from ocr import ownership
from ocr.corpus import render
from ocr.corpus.generate import generate_filing
from ocr.corpus.render import (CHROMIUM_FLAGS, format_date, format_number, print_lines, render_html, render_pdf,
                               render_pdfs)

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"
MINIMAL = {"schemaVersion": "X0508", "documentType": "4", "aff10b5One": "false"}
RULE_TOLERANCE_PX = 2  # at 300 dpi


def _pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def _valued_row(shares: str, footnotes: list[str] | None = None) -> dict:
    row = {
        "securityTitle": {"value": "Common Stock"},
        "transactionDate": {"value": "2024-03-01"},
        "transactionCoding": {"transactionFormType": "4", "transactionCode": "S", "equitySwapInvolved": "true"},
        "transactionAmounts": {"transactionShares": {"value": shares},
                               "transactionPricePerShare": {"value": "12.50", "footnoteId": footnotes or []},
                               "transactionAcquiredDisposedCode": {"value": "D"}},
        "postTransactionAmounts": {"sharesOwnedFollowingTransaction": {"value": "5381.2"}},
        "ownershipNature": {"directOrIndirectOwnership": {"value": "I"}, "natureOfOwnership": {"value": "By Trust"}},
    }
    if not footnotes:
        del row["transactionAmounts"]["transactionPricePerShare"]["footnoteId"]
    return row


def test_number_and_date_formats():
    assert format_number("757756") == "757,756"
    assert format_number("5381.2") == "5,381.2"
    assert format_number("1234.5678") == "1,234.5678"
    assert format_number("12.50") == "12.5"
    assert format_number("0") == "0"
    assert format_number("n/a") == "n/a"
    assert format_date("2025-04-30") == "04/30/2025"
    assert format_date("2025-04-30-05:00") == "04/30/2025"


def test_layouts_differ_by_the_rule_10b5_1_box():
    assert "Rule 10b5-1(c). See Instruction 10." in render_html(generate_filing(3, "2023"))
    assert "10b5-1(c)" not in render_html(generate_filing(3, "pre2023"))


def test_values_print_as_edgar_prints_them():
    doc = generate_filing(21, "2023")
    doc.update(documentType="4/A", dateOfOriginalSubmission="2024-03-04", notSubjectToSection16="true",
               footnotes={"footnote": [{"id": "F1", "text": "First note."}, {"id": "F2", "text": "Second note."}]})
    doc["nonDerivativeTable"] = {
        "nonDerivativeTransaction": [_valued_row("1234.5678", ["F1", "F2"])],
        "nonDerivativeHolding": [{"securityTitle": {"value": "Class B Common Stock"},
                                  "postTransactionAmounts": {"sharesOwnedFollowingTransaction": {"value": "250000"}},
                                  "ownershipNature": {"directOrIndirectOwnership": {"value": "D"}}}]}
    doc["derivativeTable"] = {"derivativeHolding": [{
        "securityTitle": {"value": "Restricted Stock Units"}, "conversionOrExercisePrice": {"footnoteId": ["F2"]},
        "underlyingSecurity": {"underlyingSecurityTitle": {"value": "Common Stock"},
                               "underlyingSecurityShares": {"value": "1000"}},
        "postTransactionAmounts": {"sharesOwnedFollowingTransaction": {"value": "1000"}},
        "ownershipNature": {"directOrIndirectOwnership": {"value": "D"}}}]}
    html = render_html(doc)
    assert "<title>SEC FORM 4/A</title>" in html
    assert '<span class="FormData">03/04/2024</span>' in html  # box 4, amendment
    assert '<span class="FormData">1,234.5678</span>' in html
    assert ('<span class="FormText">$</span><span class="FormData">12.5</span>'
            '<span class="FootnoteData"><sup>(1)</sup></span><span class="FootnoteData"><sup>(2)</sup></span>') in html
    assert '<span class="SmallFormData">V</span>' in html
    assert '<span class="FormData">By Trust</span>' in html
    assert '<span class="FormData">250,000</span>' in html
    assert '<span class="SmallFormData"></span><span class="FootnoteData"><sup>(2)</sup></span>' in html
    assert '<td class="FootnoteData">2. Second note.</td>' in html
    assert html.count('<span class="FormData">X</span>') >= 3  # section 16 box, a relationship, box 6


@pytest.mark.parametrize("layout", ["2023", "pre2023"])
def test_blank_form_renders(tmp_path, layout):
    doc = dict(MINIMAL) if layout == "2023" else {"schemaVersion": "X0306", "documentType": "4"}
    pages = _pdf_pages(render_pdf(doc, tmp_path / "blank.pdf"))
    assert len(pages) == 1
    assert "Table II - Derivative Securities" in pages[0]
    assert ("Check this box to indicate" in pages[0]) == (layout == "2023")


def _word_boxes(pdf: Path) -> list[tuple[float, float, str]]:
    """(xMin, yMin, word) of every word, in points."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [(float(m[1]), float(m[2]), m[3]) for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)<', out)]


def test_browser_lines_are_deterministic_and_realistic(tmp_path):
    doc = generate_filing(8)
    plain = _pdf_pages(render_pdf(doc, tmp_path / "plain.pdf"))[0]
    headed = render_pdf(doc, tmp_path / "headed.pdf", browser_header=True)
    lines = print_lines(doc)
    assert lines["url"].startswith("https://www.sec.gov/Archives/edgar/data/")
    assert lines["url"] not in plain and lines["url"] in _pdf_pages(headed)[0]
    assert re.fullmatch(r"\d{1,2}/\d{1,2}/\d\d, \d{1,2}:\d\d [AP]M", lines["printed"])
    assert _word_boxes(headed) == _word_boxes(render_pdf(doc, tmp_path / "again.pdf", browser_header=True))


def test_browser_lines_sit_exactly_where_chromium_draws_its_own(tmp_path, monkeypatch):
    doc = generate_filing(8)
    html = tmp_path / "form4.html"
    html.write_text(render_html(doc))
    own = tmp_path / "own.pdf"
    subprocess.run(["/usr/bin/chromium", *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                    f"--print-to-pdf={own}", html.as_uri()], capture_output=True, check=True, timeout=120)
    theirs = _word_boxes(own)
    title_at = next(i for i, box in enumerate(theirs) if box[2] == "SEC")
    printed = " ".join(box[2] for box in theirs[:title_at])  # Chromium's clock, e.g. "11/27/26, 9:58 PM"
    monkeypatch.setattr(render, "print_lines", lambda _: {"printed": printed, "url": html.as_uri()})
    ours = _word_boxes(render_pdf(doc, tmp_path / "ours.pdf", browser_header=True))
    assert [w for *_, w in ours] == [w for *_, w in theirs]
    assert np.allclose([b[:2] for b in ours], [b[:2] for b in theirs], atol=0.01)


def test_a_batch_prints_each_filing_as_a_single_print_does(tmp_path):
    docs = [generate_filing(seed) for seed in (4, 5, 6)]
    batch = render_pdfs(docs, [tmp_path / f"batch{i}.pdf" for i in range(3)])
    single = render_pdf(docs[1], tmp_path / "single.pdf")
    assert [p.name for p in batch] == ["batch0.pdf", "batch1.pdf", "batch2.pdf"]
    assert _pdf_pages(batch[1]) == _pdf_pages(single)
    assert _pdf_pages(batch[0]) != _pdf_pages(batch[1])
    assert not list(tmp_path.glob(".*.tmp"))
    with pytest.raises(ValueError):
        render_pdfs(docs, [tmp_path / "only-one.pdf"])


def test_25_row_table_one_spans_two_pages_with_header_repeated(tmp_path):
    doc = copy.deepcopy(generate_filing(2, "2023"))
    doc.pop("derivativeTable", None)
    doc.pop("footnotes", None)
    doc["nonDerivativeTable"] = {"nonDerivativeTransaction": [_valued_row(str(1000 + i)) for i in range(25)]}
    pages = _pdf_pages(render_pdf(doc, tmp_path / "long.pdf"))
    assert len(pages) == 2
    header = "Table I - Non-Derivative Securities Acquired, Disposed of, or Beneficially Owned"
    assert header in pages[0] and header in pages[1]
    assert "Amount of" in pages[1] and "1,024" in pages[1]


def _rules(gray: np.ndarray, horizontal: bool, min_len_px: int = 150) -> list[int]:
    """Positions (rows or columns) of ruled lines at least min_len_px long."""
    dark = (gray < 160).astype(np.uint8)
    kernel = np.ones((1, min_len_px) if horizontal else (min_len_px, 1), np.uint8)
    lines = cv2.erode(dark, kernel)
    hits = np.flatnonzero(lines.any(axis=1 if horizontal else 0))
    groups = np.split(hits, np.flatnonzero(np.diff(hits) > 1) + 1) if hits.size else []
    return [int(g.mean().round()) for g in groups]


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples not present")
@pytest.mark.parametrize("name", ["374WaterForm4", "form4.Evans"])
def test_render_matches_the_real_print(tmp_path, name):
    doc = ownership.parse((SAMPLES / f"{name}.xml").read_bytes())
    if name == "form4.Evans":
        doc["remarks"] = ""  # the filing has an empty <remarks/> (its print shows "Remarks:"); the truth file omits it
    pdf = render_pdf(doc, tmp_path / f"{name}.pdf")
    ours = np.array(convert_from_path(pdf, dpi=300, grayscale=True)[0])
    real = np.array(Image.open(SAMPLES / f"{name}-print-300dpi-1.png").convert("L"))
    assert ours.shape == real.shape
    for horizontal in (True, False):
        want, got = _rules(real, horizontal), _rules(ours, horizontal)
        assert len(want) >= (10 if horizontal else 20)
        assert len(got) == len(want)
        assert max(abs(a - b) for a, b in zip(want, got)) <= RULE_TOLERANCE_PX
    differing = np.mean(np.abs(ours.astype(int) - real.astype(int)) > 64)
    assert differing < 0.002
