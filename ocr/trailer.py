"""The part of the filing after the tables: footnotes, remarks and the signature, on any page.

The trailer has no ruled boxes. Below the last table, Tesseract reads the text as lines of
words; a line is told apart by where its words sit (the signature block is in the right part
of the page, its date in the last column) and by the printed labels the box map names.
Lines are taken top to bottom until the signature label; the boilerplate after it, and the
header and footer lines a browser prints (date, title, address, page number), are not used.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import cv2
import numpy as np

from .engine import Engine, Word
from .layout import PageGeometry
from .locate import piece_boxes
from .parse import canonical, join_lines, matches_label
from .read import (RETRY_BELOW, arbitrate, bands_of, clean, crop_for_ocr, ink_mask, line_count, on_even_paper, roman_numerals,
                   text_lines)

Box = tuple[int, int, int, int]
SPECK_LINE = 0.5  # a "line" less than this share as tall as the text line before it is specks
SAME_ROW = 0.6  # lines overlapping by this share of the lower one's height are on one row
MISSED_LINE = 0.7  # a band of ink above the signature this share as tall as its lines is a line OCR missed


@dataclass
class TrailerLine:
    text: str
    confidence: float
    box: Box
    page: int


@dataclass
class Trailer:
    """What the trailer holds, with the lines each value was read from."""

    footnotes: list[list[TrailerLine]] = field(default_factory=list)
    remarks: list[TrailerLine] = field(default_factory=list)
    signature_name: list[TrailerLine] = field(default_factory=list)
    signature_date: list[TrailerLine] = field(default_factory=list)
    mode: str = "start"  # start, footnotes, remarks, done

    @property
    def done(self) -> bool:
        return self.mode == "done"


def _line(words: list[Word], page: int, dx: int, dy: int) -> TrailerLine:
    x0 = min(w.box[0] for w in words)
    y0 = min(w.box[1] for w in words)
    x1 = max(w.box[0] + w.box[2] for w in words)
    y1 = max(w.box[1] + w.box[3] for w in words)
    text = " ".join(w.text for w in words)
    return TrailerLine(text, min(w.confidence for w in words) / 100.0, (x0 + dx, y0 + dy, x1 - x0, y1 - y0), page)


def _signature_columns(mask: np.ndarray, x0: int, split: int, reach: int, min_gap: int,
                       max_gap: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """(name, date) column spans, in page x, of the signature rows' ink ``mask`` (which starts
    at page x ``x0``). A scan shifted or skewed at the foot of the page moves the columns off
    the box map's ``split``, and "/s/" lost its slash while the name took the date's first
    digits: the columns are cut at the widest blank gap (at least ``min_gap``) within
    ``reach`` of the split, the name starts at the first ink, and the date ends where a
    blank wider than ``max_gap`` leaves only specks or a rule's stub."""
    columns = np.flatnonzero(mask.any(axis=0)) + x0
    if columns.size == 0:
        return (x0, split), (split, x0 + mask.shape[1])
    widths = np.diff(columns)
    gaps = [(int(columns[i]) + 1, int(columns[i + 1])) for i in np.flatnonzero(widths > min_gap)]
    near = [g for g in gaps if abs((g[0] + g[1]) / 2 - split) <= reach]
    cut = max(near, key=lambda g: (g[1] - g[0], -abs((g[0] + g[1]) / 2 - split))) if near else (split, split)
    date = columns[columns >= cut[1]]
    ends = np.flatnonzero(np.diff(date) > max_gap)
    right = int(date[ends[0]]) + 1 if ends.size else int(date[-1]) + 1 if date.size else cut[1] + 1
    return (min(int(columns[0]), cut[0]), cut[0]), (cut[1], right)


def _lines_above(mask: np.ndarray, line_height: int) -> int:
    """First row of the text lines at the foot of ``mask`` that follow each other without a
    blank wider than a line (the mask's height when there are none). A band of ink lower
    than MISSED_LINE of a line is specks or a rule's remnant, not a line."""
    rows = np.flatnonzero(np.count_nonzero(mask, axis=1) >= 2)
    first = mask.shape[0]
    for band in reversed(bands_of(rows) if rows.size else []):
        if first - band[-1] > line_height:
            break
        if band[-1] - band[0] + 1 >= MISSED_LINE * line_height:
            first = int(band[0])
    return first


def _read_signature(engine: Engine, gray: np.ndarray, geometry: PageGeometry, rows: list[Box], page: int,
                    spec: dict[str, Any], trailer: Trailer, floor: int | None = None) -> None:
    """Name and date above the signature label, each read in its own column as a block: a long
    name wraps over several lines beside a date centred on them. Both are underlined in
    print; the underline goes before OCR. A first line of the name the page's OCR missed
    (a faxed underlined line) is taken back from the ink between ``floor`` (the bottom of
    the text above) and the first line read. A name read with fewer lines than its ink holds
    is read again on even paper: the underline erased to white on gray paper lost office
    09006's short last line ("Kim, Jr.")."""
    if not rows:
        return
    w = gray.shape[1]
    x0 = int(spec["right_block_x"] * w)
    y0 = max(0, min(b[1] for b in rows) - 4)
    y1 = max(b[1] + b[3] for b in rows) + 4
    if floor is not None and y0 - floor > 10:
        height = int(np.median([b[3] for b in rows]))
        above = ink_mask(geometry.ink, geometry.rules, (x0, floor, w - x0, y0 - floor), span=0.0)
        first = _lines_above(above, height)
        y0 = max(0, floor + first - 4) if first < above.shape[0] else y0
    region = ink_mask(geometry.ink, geometry.rules, (x0, y0, w - x0, y1 - y0), span=0.0)
    split = int(spec["date_x"] * w)
    name, date = _signature_columns(region, x0, split, int(spec["column_reach"] * w),
                                    int(spec["column_gap"][0] * w), int(spec["column_gap"][1] * w))
    date_read = _read_column(engine, gray, geometry, date, y0, y1, 7)
    if date_read is not None and date[1] <= split and not any(c.isdigit() for c in date_read[0]):
        # no date, and left of the date's column: the last word of the name's lines (17008: on
        # the page after the date, a name's last lines, whose blank before "Fund" was the widest)
        name, date_read = (name[0], date[1]), None
    name_read = _read_column(engine, gray, geometry, name, y0, y1, 6)
    if name_read is not None:
        text, confidence, box, crop = name_read
        _, ink = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
        lines, count = text_lines(ink), line_count(text)
        if len(lines) > count:  # a line lost: read again on even paper (see on_even_paper)
            again = engine.read(image=on_even_paper(crop, ink), psm=6)
            if line_count(again[0]) > count:
                text, confidence = again
        if confidence < RETRY_BELOW and line_count(text) == count:  # no vote against the lines found again
            text, confidence = arbitrate(engine, crop, lines, 6, (text, confidence), partial(canonical, kind="signature"))
        if spec.get("roman_numerals"):
            text = roman_numerals(engine, crop, text)
        name_read = (text, confidence, box, crop)
    for reading, out in ((name_read, trailer.signature_name), (date_read, trailer.signature_date)):
        if reading is None:
            continue
        text = reading[0].replace("_", " ")  # underline remnants
        if text.strip():
            out.append(TrailerLine(join_lines(text), reading[1], reading[2], page))


def _read_column(engine: Engine, gray: np.ndarray, geometry: PageGeometry, span: tuple[int, int], y0: int, y1: int,
                 psm: int) -> tuple[str, float, Box, np.ndarray] | None:
    """Text, confidence, box and crop of one column of the signature rows; None without ink."""
    w = gray.shape[1]
    left, right = span
    box = (max(0, left - 6), y0, min(w, right + 6) - max(0, left - 6), y1 - y0)
    crop = crop_for_ocr(gray, geometry.ink, ink_mask(geometry.ink, geometry.rules, box, span=0.0), box)
    if crop is None:
        return None
    return (*engine.read(image=crop, psm=psm), box, crop)


def _beside(box: Box, other: Box) -> bool:
    """Whether two lines share most of their height: the right half of a footnote line,
    which Tesseract may give as a line of its own after the whole left column, is no
    signature row."""
    overlap = min(box[1] + box[3], other[1] + other[3]) - max(box[1], other[1])
    return overlap >= SAME_ROW * min(box[3], other[3])


def _signature_bottom(geometry: PageGeometry, top: int, spec: dict[str, Any]) -> int | None:
    """Where the trailer can stop: just below the signature's underline (the label line comes
    next, then only boilerplate), found from the ruled lines without OCR; None when the page
    has no signature underline below ``top``."""
    h, w = geometry.ink.shape
    x0, x1 = (spec["signature_x"] - 0.03) * w, (spec["signature_x"] + 0.03) * w
    under = [top + y + hh for x, y, _, hh in piece_boxes(geometry.rules.horizontal[top:]) if x0 <= x <= x1]
    return min(h, max(under) + int(spec["label_reach"] * h)) if under else None


def numbers_note(text: str, number: int) -> bool:
    """Whether a line starts with the next footnote's number: "3." or "3," or, where a
    photocopy lost the period, "3" before a word ("3 Includes"); "3,000 shares" does not."""
    found = re.match(r"^(\d{1,2})(?:\s*[.,](?!\d)|\s+(?=[A-Za-z]))", text)
    return bool(found) and int(found.group(1)) == number


def _starts_note(note: list[TrailerLine], line: TrailerLine, right: int, spec: dict[str, Any]) -> bool:
    """Whether ``line`` begins the next footnote although its number was misread. Each note is
    a table row of its own, its text wrapped to the row's width, so the line before it ends
    short of the text's ``right`` edge: well short (``note_end_share[0]`` of the width), or a
    little short (``note_end_share[1]``, where a long word wrapped) with, on the same page,
    the row's padding widening the gap between their centres beyond ``note_gap`` line heights.
    A line that starts right of the note's left edge (by more than a lost number's width) is
    the rest of a row that OCR split in two."""
    previous = note[-1]
    x0, y0, width, height = previous.box
    share = width / max(1, right - x0)
    well_short, short = spec["note_end_share"]
    below = previous.page != line.page or line.box[1] + line.box[3] / 2 > y0 + height
    if share >= short or not below or line.box[0] > min(l.box[0] for l in note) + 2 * line.box[3]:
        return False
    if share < well_short or previous.page != line.page:
        return True
    gap = (line.box[1] + line.box[3] / 2) - (previous.box[1] + height / 2)
    return gap > spec["note_gap"] * (height + line.box[3]) / 2


def read_page(
    engine: Engine, gray: np.ndarray, geometry: PageGeometry, page: int, top: int, spec: dict[str, Any], trailer: Trailer
) -> Trailer:
    """Add this page's trailer lines (below ``top``) to ``trailer``; stops at the signature label.
    Signature rows at the foot of a page without their label are the head of a signature the
    browser split across pages: they are read here, and the next page's rows follow them."""
    h, w = gray.shape
    margin = int(spec["page_margin"] * h)
    top, bottom = max(top, margin), _signature_bottom(geometry, top, spec) or h - margin
    if trailer.done or bottom - top < 20:
        return trailer
    box = (0, top, w, bottom - top)
    mask = ink_mask(geometry.ink, geometry.rules, box)
    if not mask.any():
        return trailer
    right_block = spec["right_block_x"] * w
    page_image = clean(gray, geometry.ink, mask, box)
    signature_rows: list[Box] = []
    floor = top
    words_read = engine.read_words(image=page_image, psm=4) or engine.read_words(image=on_even_paper(page_image, mask), psm=4)
    lines = [(words, _line(words, page, 0, top)) for words in ([wd for wd in ws if wd.text.strip()] for ws in words_read) if words]
    right = max((l.box[0] + l.box[2] for _, l in lines if l.box[0] < right_block), default=w)
    starts = [min((wd.box[0] for wd in words if sum(c.isalnum() for c in wd.text) >= 2), default=line.box[0]) for words, line in lines]
    left_rows = [line.box for (_, line), start in zip(lines, starts) if start < right_block]
    for (words, line), text_start in zip(lines, starts):
        if trailer.done:
            break
        if any(re.search(pattern, line.text) for pattern in spec["browser_lines"]):
            floor = line.box[1] + line.box[3]
            continue  # the browser's own header or footer line
        if text_start >= right_block:
            if matches_label(line.text, spec["signature_label"]):
                _read_signature(engine, gray, geometry, signature_rows, page, spec, trailer, floor)
                trailer.mode = "done"
            elif not any(_beside(line.box, row) for row in left_rows):
                signature_rows.append(line.box)
            continue
        signature_rows.clear()  # the signature rows sit right above their label
        floor = line.box[1] + line.box[3]
        if matches_label(line.text, spec["footnotes_label"]):
            trailer.mode = "footnotes"
        elif matches_label(line.text, spec["remarks_label"]) and len(line.text) < len(spec["remarks_label"]) + 4:
            trailer.mode = "remarks"
        elif trailer.mode == "start" and re.match(r"^1\s*[.,]\s", line.text):
            trailer.mode = "footnotes"  # the label was lost (a page break, a bad scan): "1." starts the notes
            trailer.footnotes.append([line])
        elif trailer.mode == "footnotes":
            if trailer.footnotes and line.box[3] < SPECK_LINE * trailer.footnotes[-1][-1].box[3]:
                continue  # specks read as a line of their own
            if (not trailer.footnotes or numbers_note(line.text, len(trailer.footnotes) + 1)
                    or _starts_note(trailer.footnotes[-1], line, right, spec)):
                trailer.footnotes.append([line])
            else:
                trailer.footnotes[-1].append(line)
        elif trailer.mode == "remarks":
            trailer.remarks.append(line)
    if signature_rows and not trailer.done:  # the signature runs on to the next page, its label with it
        _read_signature(engine, gray, geometry, signature_rows, page, spec, trailer)
    return trailer
