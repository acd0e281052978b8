"""The part of the filing after the tables: footnotes, remarks and the signature, on any page.

The trailer has no ruled boxes: it is found as text lines below the last table, told apart by
position (the signature block sits in the right part of the page) and by its printed labels,
which the box map names. Lines are read top to bottom until the signature label.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .engine import Engine
from .layout import PageGeometry
from .parse import join_lines
from .read import crop_for_ocr, ink_mask

Box = tuple[int, int, int, int]


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


def text_bands(mask: np.ndarray, top: int, bottom: int, min_height: int = 10, gap: int = 3) -> list[tuple[int, int]]:
    """(y0, y1) of ink bands between ``top`` and ``bottom``: text lines of a page region."""
    rows = np.flatnonzero(mask[top:bottom].any(axis=1))
    if rows.size == 0:
        return []
    splits = np.flatnonzero(np.diff(rows) > gap) + 1
    bands = [(top + int(r[0]), top + int(r[-1]) + 1) for r in np.split(rows, splits)]
    return [b for b in bands if b[1] - b[0] >= min_height]


def _matches(text: str, label: str) -> bool:
    squash = lambda s: re.sub(r"[^a-z]", "", s.lower())  # noqa: E731
    return squash(label) in squash(text)


def _read(engine: Engine, gray: np.ndarray, geometry: PageGeometry, box: Box, page: int, psm: int = 7) -> TrailerLine | None:
    crop = crop_for_ocr(gray, geometry.ink, ink_mask(geometry.ink, geometry.rules, box), box)
    if crop is None:
        return None
    text, confidence = engine.read(image=crop, psm=psm)
    return TrailerLine(join_lines(text), confidence, box, page) if text.strip() else None


def read_page(
    engine: Engine, gray: np.ndarray, geometry: PageGeometry, page: int, top: int, spec: dict[str, Any], trailer: Trailer
) -> Trailer:
    """Add this page's trailer lines (below ``top``) to ``trailer``; stops at the signature label."""
    h, w = gray.shape
    margin = int(spec["page_margin"] * h)
    x_sig, x_date = int(spec["signature_x"] * w), int(spec["date_x"] * w)
    mask = ink_mask(geometry.ink, geometry.rules, (0, 0, w, h))
    for y0, y1 in text_bands(mask, max(top, margin), h - margin):
        if trailer.done:
            break
        xs = np.flatnonzero(mask[y0:y1].any(axis=0))
        box = (int(xs[0]), y0, int(xs[-1] - xs[0] + 1), y1 - y0)
        if xs[0] >= spec["right_block_x"] * w:
            label = _read(engine, gray, geometry, box, page)
            if label and _matches(label.text, spec["signature_label"]):
                trailer.mode = "done"
                continue
            name = _read(engine, gray, geometry, (x_sig, y0, x_date - x_sig, y1 - y0), page, psm=6)
            date = _read(engine, gray, geometry, (x_date, y0, w - x_date, y1 - y0), page)
            trailer.signature_name += [name] if name else []
            trailer.signature_date += [date] if date else []
            continue
        line = _read(engine, gray, geometry, box, page)
        if line is None:
            continue
        if _matches(line.text, spec["footnotes_label"]):
            trailer.mode = "footnotes"
        elif _matches(line.text, spec["remarks_label"]) and len(line.text) < len(spec["remarks_label"]) + 4:
            trailer.mode = "remarks"
        elif trailer.mode == "footnotes":
            number = re.match(r"^(\d{1,2})\s*[.,]", line.text)
            if number and int(number.group(1)) == len(trailer.footnotes) + 1 or not trailer.footnotes:
                trailer.footnotes.append([line])
            else:
                trailer.footnotes[-1].append(line)
        elif trailer.mode == "remarks":
            trailer.remarks.append(line)
    return trailer
