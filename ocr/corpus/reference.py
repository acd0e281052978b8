"""Blank reference pages for the template folders, printed by the corpus renderer.

Run ``python -m ocr.corpus.reference`` to rebuild ``templates/*/reference.png`` after a
renderer change; the box maps beside them are written by hand against these pages.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import cv2
from pdf2image import convert_from_path
import numpy as np

from ..atomic import write_bytes
from ..template import TEMPLATES_DIR
from .render import render_pdf

BLANK = {
    "edgar-2023": {"schemaVersion": "X0508", "documentType": "4", "aff10b5One": "false"},
    "edgar-pre2023": {"schemaVersion": "X0306", "documentType": "4"},
}


def reference_page(doc: dict) -> np.ndarray:
    """First page of the filing's print, gray, at 300 dpi."""
    with tempfile.TemporaryDirectory() as tmp:
        pdf = render_pdf(doc, Path(tmp) / "blank.pdf")
        page = convert_from_path(pdf, dpi=300, first_page=1, last_page=1, grayscale=True)[0]
    return np.asarray(page)


def main() -> None:
    for name, doc in BLANK.items():
        ok, png = cv2.imencode(".png", reference_page(doc), [cv2.IMWRITE_PNG_COMPRESSION, 9])
        write_bytes(TEMPLATES_DIR / name / "reference.png", png.tobytes())


if __name__ == "__main__":
    main()
