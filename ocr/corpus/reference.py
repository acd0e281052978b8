"""Blank reference pages for the template folders, and the print's footnote mark, code
letter and table digit glyphs, printed by the corpus renderer.

Run ``python -m ocr.corpus.reference`` to rebuild ``templates/*/reference.png``,
``templates/mark-glyphs.png``, ``templates/letter-glyphs.png`` and
``templates/digit-glyphs.png`` after a renderer change; the box maps beside them are written
by hand against these pages.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import cv2
from pdf2image import convert_from_path
import numpy as np

from ..atomic import write_bytes
from ..glyphs import LETTER_MIN_INK, letter_canvas
from ..template import TEMPLATES_DIR
from .render import render_pdf

BLANK = {
    "edgar-2023": {"schemaVersion": "X0508", "documentType": "4", "aff10b5One": "false"},
    "edgar-pre2023": {"schemaVersion": "X0306", "documentType": "4"},
}


MARK_LABELS = "1234567890"
MARK_GLYPHS = "mark-glyphs.png"
LETTER_LABELS = "PSADFIMCEHOXGLWZJKU"  # the SEC's transaction codes; A/D and D/I are among them
LETTER_GLYPHS = "letter-glyphs.png"
DIGIT_LABELS = "0123456789"
DIGIT_GLYPHS = "digit-glyphs.png"


def first_page(doc: dict, grayscale: bool = True) -> np.ndarray:
    """First page of the filing's print at 300 dpi."""
    with tempfile.TemporaryDirectory() as tmp:
        pdf = render_pdf(doc, Path(tmp) / "page.pdf")
        page = convert_from_path(pdf, dpi=300, first_page=1, last_page=1, grayscale=grayscale)[0]
    return np.asarray(page)


def mark_glyphs(labels: str = MARK_LABELS) -> np.ndarray:
    """The print's marks "(1)".."(0)" side by side, gray, one pitch wide each.

    They are printed as the marks of one Table I value and cut out by their color: the print
    sets footnote marks, and nothing else on a filing without footnotes, in green.
    """
    doc = dict(BLANK["edgar-2023"])
    doc["nonDerivativeTable"] = {"nonDerivativeTransaction": [
        {"securityTitle": {"value": "X", "footnoteId": [f"F{d}" for d in labels]}}]}
    page = first_page(doc, grayscale=False).astype(np.int16)
    green = (page[:, :, 1] - np.maximum(page[:, :, 0], page[:, :, 2])) > 40
    ys, xs = np.nonzero(green)
    top, bottom, left, right = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    gray = cv2.cvtColor(page.astype(np.uint8), cv2.COLOR_RGB2GRAY)[top:bottom, left:right]
    pitch = (right - left) / len(labels)
    size = (round(pitch), bottom - top)
    return np.hstack([cv2.resize(gray[:, round(i * pitch) : round((i + 1) * pitch)], size, interpolation=cv2.INTER_AREA)
                      for i in range(len(labels))])


def letter_glyphs(labels: str = LETTER_LABELS) -> np.ndarray:
    """The print's table letters (or digits) side by side, each on its ``letter_canvas``.

    They are printed as the transaction codes of Table I rows, one row per glyph, and cut
    out by their color: the print sets values in blue, and a row holding only a code shows
    nothing else in blue. The code column prints its text as given, digits too.
    """
    doc = dict(BLANK["edgar-2023"])
    doc["nonDerivativeTable"] = {"nonDerivativeTransaction": [
        {"transactionCoding": {"transactionFormType": "4", "transactionCode": c, "equitySwapInvolved": "false"}}
        for c in labels]}
    page = first_page(doc, grayscale=False).astype(np.int16)
    blue = ((page[:, :, 2] - np.maximum(page[:, :, 0], page[:, :, 1])) > 40).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(blue, connectivity=8)
    letters = sorted((tuple(s[:4]) for s in stats[1:] if s[cv2.CC_STAT_AREA] >= LETTER_MIN_INK), key=lambda b: b[1])
    if len(letters) != len(labels):
        raise RuntimeError(f"expected {len(labels)} printed code glyphs, found {len(letters)}")
    gray = cv2.cvtColor(page.astype(np.uint8), cv2.COLOR_RGB2GRAY)
    return np.hstack([letter_canvas(gray, box) for box in letters])


def main() -> None:
    for name, doc in BLANK.items():
        ok, png = cv2.imencode(".png", first_page(doc), [cv2.IMWRITE_PNG_COMPRESSION, 9])
        write_bytes(TEMPLATES_DIR / name / "reference.png", png.tobytes())
    _, png = cv2.imencode(".png", mark_glyphs(), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    write_bytes(TEMPLATES_DIR / MARK_GLYPHS, png.tobytes())
    for name, labels in ((LETTER_GLYPHS, LETTER_LABELS), (DIGIT_GLYPHS, DIGIT_LABELS)):
        _, png = cv2.imencode(".png", letter_glyphs(labels), [cv2.IMWRITE_PNG_COMPRESSION, 9])
        write_bytes(TEMPLATES_DIR / name, png.tobytes())


if __name__ == "__main__":
    main()
