"""Footnote marks, one-letter codes and one-digit values read by their shape.

A raised "(1)" is about 21 px tall at 300 dpi. On a photocopy or a fax its strokes break into
dots, and neither OCR engine reads it: of 120 such marks on rough and fax scans, Tesseract
and RapidOCR together read 47. Every EDGAR print sets its marks in one font at one size, so
the print's own mark glyphs, cut from a render (``python -m ocr.corpus.reference``), are
matched against the scan by normalized correlation instead; they read 111 of the 120.

The one-letter boxes (transaction code, A/D, D/I) are set in one font too, and a fax turns
their letters into a few rows of pixels each: Tesseract reads a fax's "F" as "E" (a speck
under it) and loses a "D" beside a speck. The print's letters (``letter-glyphs.png``, cut
from a render) are matched the same way, each scaled to the letter's height, and so are the
print's digits (``digit-glyphs.png``) for a value that is one digit, such as "$0".
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np

from .locate import components

BLUR_SIGMA = 1.2  # px: both sides are blurred, so a broken stroke still lines up with a whole one
LINE_GAP = 0.3  # of a mark's height: blank rows between marks this many are a line break
SEARCH_PX = 3  # a glyph may sit this far from where its pitch puts it
# Correlation a mark must reach: of the specks and strokes taken for marks in 72 rough and
# fax table values that carry none, 1 reached 0.6 (and went to review, see MIN_MARGIN).
MIN_SCORE = 0.6
MAX_STRETCH = 1.35  # marks wider than their count of glyph pitches are not a run of marks
# Best score less than this above the runner-up: a coin toss between two digits. Measured on
# 143 marks of rough, fax and office scans: 3 of the 5 misread had a margin under 0.01,
# 90% of those read right one over 0.05.
MIN_MARGIN = 0.03
AMBIGUOUS_CONFIDENCE = 0.5
MARK_ONLY_HEIGHT = 1.25  # ink no taller than this many glyph heights may be marks alone
PAREN_SHAPE = 2.2  # a parenthesis is at least this many times as tall as it is wide
PAREN_HEIGHT = 0.6  # and at least this share of a mark's height


LETTER_HEIGHT = 20  # px: a letter's ink is scaled to this height on both sides of the match
LETTER_PITCH = 32  # px: the canvas a letter is centered on (an "M" is 24 px wide at 300 dpi)
LETTER_MIN_INK = 8  # px: smaller components of a one-letter crop are specks
# Correlation a letter must reach to overrule Tesseract. Measured on 561 code, A/D and D/I
# boxes of 40 rough and fax filings: of the letters matched at 0.8 or more with a margin of
# 0.03 or more, one was wrong (a J as I, which Tesseract read too), and they set right 7 of
# Tesseract's 10 errors; below 0.8, an M matched H by a margin of 0.11.
LETTER_MIN_SCORE = 0.8
# A glyph no wider than this share of its height is a bare stem (the print's I: 7 px of 20; J
# is 9, the rest 12 or more). A scan that loses a letter's arms or bowl leaves its stem, so
# the stem matches best: of 23 code boxes of rough and fax scans matched best by the I, 8
# were an I, 7 an F, 4 a C. Such a match overrules no letter Tesseract read.
STEM_WIDTH = 0.4


@dataclass(frozen=True)
class Glyphs:
    """One blurred image per label, all of the same size, in template pixels: the print's
    single-digit marks "(1)".."(0)" (the marks' pitch by their height), or its letters or
    digits, each on its ``letter_canvas``."""

    images: tuple[np.ndarray, ...]
    labels: str
    stems: str = ""  # labels whose glyph is a bare stem (see STEM_WIDTH)

    @property
    def pitch(self) -> int:
        return self.images[0].shape[1]


def looks_like_marks(mask: np.ndarray, glyphs: Glyphs, scale: float = 1.0) -> bool:
    """Whether a box's ink could be marks alone, such as the "(1)" in a holding's date
    columns, which no value beside it shows to be raised: no taller than a mark, at least
    three glyphs, the first and last tall and thin as parentheses. A short number in small
    print ("15") is as small, and without this shape check matches "(1)"."""
    n, _, stats, _ = components(mask)
    if n < 4:
        return False
    top, height = stats[1:, cv2.CC_STAT_TOP], stats[1:, cv2.CC_STAT_HEIGHT]
    if (top + height).max() - top.min() > MARK_ONLY_HEIGHT * glyphs.images[0].shape[0] * scale:
        return False
    order = np.argsort(stats[1:, cv2.CC_STAT_LEFT])
    ends = stats[1:][order[[0, -1]]]
    return bool(np.all(ends[:, cv2.CC_STAT_HEIGHT] >= PAREN_SHAPE * ends[:, cv2.CC_STAT_WIDTH]))


def holds_parenthesis(mask: np.ndarray) -> bool:
    """Whether any glyph of ``mask`` is as tall and thin as a parenthesis (or a broken one's
    "1"): what a footnote mark always shows, and a digit such as the "2" of "12" does not."""
    _, _, stats, _ = components(mask)
    return bool(np.any(stats[1:, cv2.CC_STAT_HEIGHT] >= PAREN_SHAPE * stats[1:, cv2.CC_STAT_WIDTH]))


def between_parens(mask: np.ndarray, glyphs: Glyphs, scale: float = 1.0) -> np.ndarray:
    """The ink of a box from its first parenthesis-shaped stroke to its last, without the
    specks of a rough scan around it (which make a lone "(1)" too tall or end it with a dot);
    the whole ink when fewer than two such strokes are found or when anything as tall as a
    parenthesis lies outside them (a date's "1" and "/" are as thin)."""
    n, labels, stats, _ = components(mask)
    left, top = stats[1:, cv2.CC_STAT_LEFT], stats[1:, cv2.CC_STAT_TOP]
    width, height = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    mark = glyphs.images[0].shape[0] * scale
    parens = np.flatnonzero((height >= PAREN_SHAPE * width) & (height >= PAREN_HEIGHT * mark)
                            & (height <= MARK_ONLY_HEIGHT * mark))
    if parens.size < 2:
        return mask
    x0, x1 = left[parens].min(), (left + width)[parens].max()
    y0, y1 = top[parens].min(), (top + height)[parens].max()
    middle_x, middle_y = left + width / 2, top + height / 2
    inside = (middle_x >= x0) & (middle_x <= x1) & (middle_y >= y0) & (middle_y <= y1)
    if np.any(height[~inside] >= PAREN_HEIGHT * mark):  # text outside: a value, not specks
        return mask
    keep = np.concatenate([[False], inside])
    return np.where(keep[labels], mask, 0).astype(np.uint8)


def _blurred(image: np.ndarray) -> np.ndarray:
    return cv2.GaussianBlur(image.astype(np.float32), (0, 0), BLUR_SIGMA)


def load_glyphs(path: Path, labels: str) -> Glyphs:
    """A strip of ``len(labels)`` glyph images side by side, as ``ocr.corpus.reference`` writes it."""
    strip = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if strip is None:
        raise FileNotFoundError(f"{path}: glyph image is missing")
    pitch = strip.shape[1] // len(labels)
    cells = [strip[:, i * pitch : (i + 1) * pitch] for i in range(len(labels))]
    inked = [np.flatnonzero((cell < 128).any(axis=0)) for cell in cells]
    widths = [int(cols[-1] - cols[0] + 1) if cols.size else 0 for cols in inked]
    stems = "".join(c for c, w in zip(labels, widths) if w <= STEM_WIDTH * strip.shape[0])
    return Glyphs(tuple(_blurred(cell) for cell in cells), labels, stems)


def best_glyph(piece: np.ndarray, glyphs: Glyphs) -> tuple[str, float, float, str]:
    """(label, score, margin over the runner-up, every label best first) of the glyph that
    correlates best with a piece of scan, searched a few px around."""
    height, width = glyphs.images[0].shape
    pad_y = max(0, height + 2 * SEARCH_PX - piece.shape[0])
    pad_x = max(0, width + 2 * SEARCH_PX - piece.shape[1])
    padded = cv2.copyMakeBorder(piece, pad_y // 2, pad_y - pad_y // 2, pad_x // 2, pad_x - pad_x // 2,
                                cv2.BORDER_CONSTANT, value=255)
    query = _blurred(padded)
    scores = [float(cv2.matchTemplate(query, g, cv2.TM_CCOEFF_NORMED).max()) for g in glyphs.images]
    order = np.argsort(scores)[::-1]
    best, runner_up = order[:2]
    return glyphs.labels[best], scores[best], scores[best] - scores[runner_up], "".join(glyphs.labels[i] for i in order)


def letter_canvas(gray: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The letter at ``box`` of ``gray`` scaled to LETTER_HEIGHT and centered on a paper-white
    canvas LETTER_PITCH wide: the same for the print's letters and the scan's, whatever the
    text size."""
    x, y, w, h = box
    width = max(1, min(LETTER_PITCH, round(w * LETTER_HEIGHT / h)))
    letter = cv2.resize(gray[y : y + h, x : x + w], (width, LETTER_HEIGHT), interpolation=cv2.INTER_AREA)
    canvas = np.full((LETTER_HEIGHT, LETTER_PITCH), 255, np.uint8)
    left = (LETTER_PITCH - width) // 2
    canvas[:, left : left + width] = letter
    return canvas


class LetterMatch(NamedTuple):
    letter: str
    score: float
    margin: float  # over the best other allowed letter


def match_letter(crop: np.ndarray, glyphs: Glyphs, allowed: str) -> LetterMatch | None:
    """The allowed letter whose print glyph correlates best with a crop holding one letter
    (its ink without the specks around it), or None for a crop with no ink."""
    _, ink = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    n, _, stats, _ = components(ink)
    kept = stats[1:][stats[1:, cv2.CC_STAT_AREA] >= LETTER_MIN_INK]
    candidates = [c for c in allowed if c in glyphs.labels]
    if kept.size == 0 or len(candidates) < 2:
        return None
    x0, y0 = kept[:, 0].min(), kept[:, 1].min()
    x1, y1 = (kept[:, 0] + kept[:, 2]).max(), (kept[:, 1] + kept[:, 3]).max()
    query = cv2.copyMakeBorder(letter_canvas(crop, (x0, y0, x1 - x0, y1 - y0)), *(4 * [SEARCH_PX]),
                               cv2.BORDER_CONSTANT, value=255)
    query = _blurred(query)
    scores = {c: float(cv2.matchTemplate(query, glyphs.images[glyphs.labels.index(c)], cv2.TM_CCOEFF_NORMED).max())
              for c in candidates}
    best, second = sorted(scores, key=scores.get, reverse=True)[:2]
    return LetterMatch(best, scores[best], scores[best] - scores[second])


class MarkMatch(NamedTuple):
    text: str  # "(1)(3)"
    confidence: float
    left: int  # x in the box where the matched marks begin
    ranks: tuple[str, ...] = ()  # per mark, its digit, or when ambiguous every digit best first ("43...")


def _rows_only(mask: np.ndarray, first: int, last: int) -> np.ndarray:
    out = np.zeros_like(mask)
    out[first : last + 1] = mask[first : last + 1]
    return out


def match_marks(gray: np.ndarray, marks: np.ndarray, glyphs: Glyphs, scale: float = 1.0) -> MarkMatch | None:
    """The raised marks ``marks`` (a mask over ``gray``, a box's cleaned pixels) as "(1)(3)",
    or None when they do not look like the print's marks.

    The window is measured back from the right end of the marks, a whole number of pitches
    wide: the last ")" survives a bad scan best, while the first "(" often merges with the
    value before it and is lost to the mask. ``scale`` is the page's text size relative to
    the template's. A mark that could as well be another digit comes back with a confidence
    that sends it to review. Marks wrapped over two lines ("(1)" raised after the value,
    "(3)" on the line below) are matched line by line, in reading order.
    """
    ys, xs = np.nonzero(marks)
    if ys.size == 0:
        return None
    rows = np.unique(ys)
    breaks = np.flatnonzero(np.diff(rows) > LINE_GAP * glyphs.images[0].shape[0] * scale)
    if breaks.size:
        lines = [match_marks(gray, _rows_only(marks, band[0], band[-1]), glyphs, scale) for band in np.split(rows, breaks + 1)]
        if any(line is None for line in lines):
            return None
        return MarkMatch("".join(m.text for m in lines), min(m.confidence for m in lines), lines[0].left,
                         tuple(r for m in lines for r in m.ranks))
    right, top, bottom = int(xs.max()), int(ys.min()), int(ys.max())
    pitch = glyphs.pitch * scale
    count = max(1, round((right - int(xs.min()) + 1) / pitch))
    if (right - int(xs.min()) + 1) / count > MAX_STRETCH * pitch:
        return None
    left = round(right + 1 - count * pitch)
    window = gray[max(0, top - SEARCH_PX) : bottom + SEARCH_PX + 1, max(0, left - 2) : right + 3]
    if scale != 1.0:
        window = cv2.resize(window, None, fx=1 / scale, fy=1 / scale, interpolation=cv2.INTER_AREA)
    step = (window.shape[1] - 4) / count
    text, confidence, ranks = "", 1.0, []
    for i in range(count):
        label, score, margin, ranked = best_glyph(window[:, int(i * step) : int((i + 1) * step) + 4], glyphs)
        if score < MIN_SCORE:
            return None
        text = f"{text}({label})"
        confidence = min(confidence, score if margin >= MIN_MARGIN else AMBIGUOUS_CONFIDENCE)
        ranks.append(ranked if margin < MIN_MARGIN else label)
    return MarkMatch(text, confidence, max(0, left), tuple(ranks))
