"""Orientation and deskew for pages that no template anchors (continuation and foreign pages).

First pages get both from their template homography (see align.py); the rest are turned by
Tesseract's orientation detection and straightened by the projection-profile method.
"""
from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
from PIL import Image

from .engine import tessdata_dir

SKEW_RANGE = 5.0  # degrees searched either way
OSD_MIN_CONFIDENCE = 1.5  # Tesseract's orientation confidence below this is a guess


def rotate_quarters(gray: np.ndarray, turns: int) -> np.ndarray:
    """Turn a page counter-clockwise by ``turns`` x 90 degrees."""
    return np.ascontiguousarray(np.rot90(gray, turns % 4))


def rotate(gray: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate counter-clockwise about the centre, keeping the size; new corners are paper white."""
    if abs(degrees) < 0.01:
        return gray
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


def _profile_score(ink: np.ndarray, degrees: float) -> float:
    h, w = ink.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    rows = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST).sum(axis=1, dtype=np.float64)
    return float(np.var(rows))


def estimate_skew(gray: np.ndarray) -> float:
    """Degrees to rotate (counter-clockwise) so text lines and rules run level.

    Rows of an upright page alternate between ink and paper, so the variance of the row sums
    peaks at the right angle; searched coarse then fine on a quarter-size page.
    """
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    ink = (cv2.adaptiveThreshold(small, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 10)).astype(np.uint8)
    if ink.sum() == 0:
        return 0.0
    coarse = np.arange(-SKEW_RANGE, SKEW_RANGE + 1e-6, 0.5)
    best = max(coarse, key=lambda a: _profile_score(ink, a))
    fine = np.arange(best - 0.5, best + 0.5 + 1e-6, 0.1)
    return float(max(fine, key=lambda a: _profile_score(ink, a)))


@lru_cache(maxsize=1)
def _osd_api():
    from tesserocr import PSM, PyTessBaseAPI

    return PyTessBaseAPI(path=str(tessdata_dir()), lang="osd", psm=PSM.OSD_ONLY)


def detect_quarter_turns(gray: np.ndarray) -> tuple[int, float]:
    """(counter-clockwise quarter turns that make the page upright, confidence) from Tesseract OSD."""
    small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    try:
        api = _osd_api()
    except ImportError:
        import pytesseract

        try:
            osd = pytesseract.image_to_osd(Image.fromarray(small), output_type=pytesseract.Output.DICT)
        except pytesseract.TesseractError:
            return 0, 0.0
        degrees, confidence = int(osd["rotate"]), float(osd["orientation_conf"])
    else:
        api.SetImage(Image.fromarray(small))
        api.SetSourceResolution(150)
        osd = api.DetectOrientationScript()
        if not osd:
            return 0, 0.0
        degrees, confidence = int(osd["orient_deg"]), float(osd["orient_conf"])
    # orient_deg is how far the page is turned; np.rot90 by orient_deg/90 turns it back upright.
    return (degrees // 90) % 4, confidence


def _ink_centre(gray: np.ndarray) -> float:
    """Where the ink sits down the page, 0 (top) to 1 (bottom)."""
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    rows = (small < 128).sum(axis=1).astype(float)
    return float((rows * np.arange(rows.size)).sum() / rows.sum() / rows.size) if rows.sum() else 0.5


def upright(gray: np.ndarray) -> tuple[np.ndarray, int, float]:
    """(upright deskewed page, quarter turns applied, skew degrees applied).

    Tesseract's orientation detection needs text; on a page with a few lines it may give no
    answer or a wrong one. A Letter page is taller than wide, which settles sideways versus
    upright; a printed page fills from the top, which settles the rest where the detector
    cannot.
    """
    turns, confidence = detect_quarter_turns(gray)
    h, w = gray.shape
    pair = (1, 3) if w > h else (0, 2)
    if turns not in pair or confidence < OSD_MIN_CONFIDENCE:
        turns = pair[0] if _ink_centre(rotate_quarters(gray, pair[0])) <= 0.5 else pair[1]
    page = rotate_quarters(gray, turns)
    skew = estimate_skew(page)
    return rotate(page, skew), turns, skew
