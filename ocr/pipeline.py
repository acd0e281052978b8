"""One document through the reading stages:

load and rasterize -> orient (template alignment, or OSD and deskew) -> page role ->
locate boxes and cells -> read (OCR, marks) -> parse and validate.

Pages are streamed: only the page being read is in memory (plus its aligned picture when
overlays are asked for).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from . import align, assemble, layout, marks, orient, parse
from .engine import Engine, get_engine
from .errors import AlignmentError, NotForm4Error
from .load import iter_pages
from .locate import binarize, components, find_frame, horizontal_rules, residual_angle
from .read import (SECOND_BELOW, BoxReading, clean, crop_for_ocr, ink_mask, last_glyph_apart, read_box, read_bracketed,
                   roman_candidates, roman_numerals)
from .result import DocumentResult, PageResult
from .template import Template, load_templates
from .trailer import Trailer
from .trailer import read_page as read_trailer


@dataclass
class DocumentState:
    """What the pages read so far have established."""

    template: Template | None = None
    text_scale: float = 1.0  # the first page's text size relative to the template's
    header: list[assemble.Reading] = field(default_factory=list)
    cells: list[assemble.Reading] = field(default_factory=list)
    rows_seen: dict[str, int] = field(default_factory=dict)
    trailer: Trailer = field(default_factory=Trailer)
    pages: list[PageResult] = field(default_factory=list)
    pictures: list[np.ndarray] = field(default_factory=list)


# Boxes 1-6 start 16% (pre-2023) and 25% (2023) down the page, so the frame is looked for
# in its top 45% only: the rest of the page is warped and measured once, when it is placed.
FRAME_BAND = 0.45
DECISIVE_FRAME = 0.25  # the nearest layout's frame is this close, relative to the next: it decides


def _count_checkboxes(template: Template, geometry: layout.PageGeometry) -> int:
    return len(layout.checkbox_fields(template.boxes, geometry, 0, template.boxes["frame"]["expected"][2]))


def _feature_fit(gray: np.ndarray, templates: tuple[Template, ...]) -> tuple[Template, align.Alignment]:
    """The first template the page's features fit (the layouts share their words: one fit
    serves both), tried again on the page with its background flattened (see
    ``align.flatten_background``) when none fits; raises AlignmentError with every reason."""
    reasons = []
    for prepare, note in ((None, ""), (align.flatten_background, "background flattened, ")):
        features = align.detect_features(gray if prepare is None else prepare(gray))
        for template in templates:
            try:
                return template, align.estimate(features, template.features)
            except AlignmentError as exc:
                reasons.append(f"{note}{template.name}: {exc}")
    raise AlignmentError("; ".join(reasons))


def match_template(gray: np.ndarray, templates: tuple[Template, ...]) -> tuple[Template, align.Alignment, np.ndarray, layout.PageGeometry, float]:
    """Align a page to the best template; raises AlignmentError when none fits.

    Feature matching gives turn, skew and a first scale; the slope of the ruled lines then
    levels the page and the ruled frame of boxes 1-6 fixes scale and shift. Both EDGAR
    prints share nearly all their words, so feature inliers cannot tell them apart: where
    the frame starts, checked by the number of top checkboxes, picks the layout.
    """
    template, alignment = _feature_fit(gray, templates)
    width = template.size[0]
    rules = horizontal_rules(binarize(align.warp(gray, alignment, template.canvas)))
    alignment = align.level(alignment, residual_angle(rules), (width / 2, template.size[1] / 2))
    band = (width, int(FRAME_BAND * template.size[1]))  # the frame's row starts well inside it
    frame = find_frame(layout.measure(align.warp(gray, alignment, band), close_clipped=False).cells, width)
    if frame is None:
        raise AlignmentError("no ruled frame of boxes 1-6 where the template has it")
    first = None
    # The layouts differ in how far down boxes 1-6 start (the 2023 print has a second
    # checkbox paragraph above them), so templates are tried nearest first, each with the
    # same feature fit: the frame, not the words, places the page.
    # Measured on 100 generated filings, the frame starts within 60 px of one layout's place
    # and 250 px or more from the other's; the checkbox count (which a photocopy that loses
    # a box gets wrong) decides only when the frame does not.
    ranked = sorted(templates, key=lambda t: abs(t.boxes["frame"]["expected"][2] - frame[2]))
    distances = [abs(t.boxes["frame"]["expected"][2] - frame[2]) for t in ranked]
    if len(ranked) > 1 and distances[0] <= DECISIVE_FRAME * distances[1]:
        ranked = ranked[:1]
    for candidate in ranked:
        expected = tuple(candidate.boxes["frame"]["expected"])
        refined = align.fit_frame(alignment, frame, expected)
        warped = align.warp(gray, refined, candidate.canvas)
        geometry = layout.measure(warped)
        scale = refined.scale / alignment.scale  # what fitting the frame scaled the words by
        first = first or (candidate, refined, warped, geometry, scale)
        if _count_checkboxes(candidate, geometry) == len(candidate.boxes["checkboxes"]["paths"]):
            return candidate, refined, warped, geometry, scale
    return first


def read_lines(engine: Engine, page: np.ndarray, geometry: layout.PageGeometry, box: layout.Box) -> list[tuple[str, layout.Box]]:
    """Text lines of a box with their boxes in page pixels (to find its printed labels)."""
    x, y = box[0], box[1]
    image = clean(page, geometry.ink, ink_mask(geometry.ink, geometry.rules, box), box)
    return [(" ".join(w.text for w in words),
             (x + min(w.box[0] for w in words), y + min(w.box[1] for w in words),
              max(w.box[0] + w.box[2] for w in words) - min(w.box[0] for w in words),
              max(w.box[1] + w.box[3] for w in words) - min(w.box[1] for w in words)))
            for words in engine.read_words(image=image, psm=4) if words]


def read_marks(fields: list[layout.FieldBox], geometry: layout.PageGeometry) -> list[assemble.Reading]:
    """Mark boxes decided together, against the page's own empty boxes."""
    densities = [float((ink_mask(geometry.ink, geometry.rules, f.box) > 0).mean()) if f.settings.get("can_hold_mark", True) else 0.0
                 for f in fields]
    return [assemble.Reading(f, "X" if m else "", c, not m, m) for f, (m, c) in zip(fields, marks.decide(densities))]


def read_flag(field: layout.FieldBox, geometry: layout.PageGeometry) -> assemble.Reading:
    """A box that is set by holding any printed glyph (the V column): no OCR, a glyph-sized
    component of ink decides, so leftover specks and rule stubs do not set it."""
    mask = ink_mask(geometry.ink, geometry.rules, field.box, clear_border="all")
    _, _, stats, _ = components(mask)
    glyph = (stats[1:, cv2.CC_STAT_HEIGHT] >= field.settings["min_glyph_height"]) & (
        stats[1:, cv2.CC_STAT_AREA] >= field.settings["min_glyph_area"])
    return assemble.Reading(field, "V" if glyph.any() else "", 1.0, not glyph.any())


def _parses(text: str, kind: str) -> bool:
    return parse.parse_value(text, kind).ok


def read_fields(engine: Engine, page: np.ndarray, geometry: layout.PageGeometry, fields: list[layout.FieldBox],
                template: Template, scale: float = 1.0) -> list[assemble.Reading]:
    glyphs, letters = template.glyphs, template.letters
    out = []
    for f in fields:
        if f.kind == "flag":
            out.append(read_flag(f, geometry))
            continue
        reading = read_box(engine, page, geometry.ink, geometry.rules, f.box, psm=f.settings.get("psm", 7),
                           whitelist=f.settings.get("whitelist"), check=partial(_parses, kind=f.kind),
                           second=f.settings.get("second_opinion", False),
                           clear_border="all" if f.table is not None else "sides", glyphs=glyphs, scale=scale,
                           by_line=f.settings.get("by_line", False), one_letter=f.settings.get("one_letter", False),
                           letters=(letters, parse.allowed_letters(f.kind)) if letters is not None else None,
                           digits=template.digits if f.settings.get("digit_glyphs") else None,
                           currency=f.settings.get("currency", ""),
                           separators=f.settings.get("separators", False),
                           underlined=f.settings.get("underlined", False),
                           psm_else=f.settings.get("psm_else"),
                           second_below=f.settings.get("second_below", SECOND_BELOW),
                           canonical=partial(parse.canonical, kind=f.kind) if f.settings.get("arbitrate") else None,
                           count_glyphs=f.settings.get("count_glyphs", False))
        if f.settings.get("reread_bracketed") and not reading.empty:
            reading = _bracketed_again(engine, page, geometry, f, reading)
        if f.settings.get("initial_apart") and _LAST_RUN_ON.search(reading.text):
            if last_glyph_apart(ink_mask(geometry.ink, geometry.rules, f.box, clear_border="sides", span=0.0)):
                reading = reading._replace(text=_LAST_RUN_ON.sub(r"\1 \2", reading.text))
        if f.settings.get("roman_numerals") and roman_candidates(reading.text):
            crop = crop_for_ocr(page, geometry.ink, ink_mask(geometry.ink, geometry.rules, f.box, clear_border="sides", span=0.0), f.box)
            if crop is not None:
                reading = reading._replace(text=roman_numerals(engine, crop, reading.text))
        out.append(assemble.Reading(f, reading.text, reading.confidence, reading.empty, mark_ranks=reading.mark_ranks))
    return out


_LAST_RUN_ON = re.compile(r"([A-Za-z]{2,})([A-Z])\s*$")  # a name's last word, its last letter possibly an initial


def _bracketed_again(engine: Engine, page: np.ndarray, geometry: layout.PageGeometry, f: layout.FieldBox,
                     reading: BoxReading) -> BoxReading:
    """A box's bracketed part ("[ TICK ]") read again on its own, by both engines: read with
    the rest of its line, Tesseract's language model bends a short symbol of capitals toward
    a word ("UAI" read "UAT", "YOOD" read "Yoop", on clean scans). When the two readings of
    the part alone agree, they overrule the line's."""
    inner = read_bracketed(engine, page, geometry.ink, geometry.rules, f.box)
    if inner is None or inner[1] is None:
        return reading
    (tesseract, tesseract_confidence), (rapid, rapid_confidence) = inner
    tesseract, rapid = parse.with_bracketed(reading.text, tesseract), parse.with_bracketed(reading.text, rapid)
    agreed = parse.canonical(tesseract, f.kind)
    if not agreed or agreed != parse.canonical(rapid, f.kind) or agreed == parse.canonical(reading.text, f.kind):
        return reading
    return reading._replace(text=tesseract, confidence=min(reading.confidence, max(tesseract_confidence, rapid_confidence)))


def read_page(gray: np.ndarray, index: int, templates: tuple[Template, ...], engine: Engine, state: DocumentState, keep_picture: bool) -> None:
    """Add one page's readings to the document state."""
    info = PageResult(index, "other")
    try:
        if state.template is not None:
            raise AlignmentError("the filing's first page is already read")
        template, alignment, page, geometry, scale = match_template(gray, templates)
    except AlignmentError as exc:
        page, info.rotation, info.skew = orient.upright(gray)
        geometry = layout.measure(page)
        if state.template is not None and not state.trailer.done:
            info.role = "continuation"
        else:
            info.warnings.append(f"not a Form 4 page: {exc}")
    else:
        state.template, state.text_scale = template, scale
        info.role, info.template = "first", template.name
        info.rotation, info.skew = alignment.quarter_turns * 90, round(alignment.skew, 3)
        info.alignment = alignment.quality() | {"text_scale": round(scale, 4)}
        boxes = template.boxes
        frame_top = boxes["frame"]["expected"][2]
        checkboxes = layout.checkbox_fields(boxes, geometry, index, frame_top)
        if len(checkboxes) != len(boxes["checkboxes"]["paths"]):
            info.warnings.append("no template has as many top checkboxes as the page; layout chosen by where boxes 1-6 start")
        fields, warnings = layout.header_fields(boxes, geometry, index, scale, lambda box: read_lines(engine, page, geometry, box))
        info.warnings += warnings
        marks = read_marks(checkboxes + [f for f in fields if f.kind == "mark"], geometry)
        marked = {m.field.key: bool(m.marked) for m in marks}
        state.header += marks
        state.header += read_fields(engine, page, geometry, layout.apply_switches([f for f in fields if f.kind != "mark"], marked),
                                    template, scale)
    if info.role != "other":
        boxes = state.template.boxes
        state.cells += read_fields(engine, page, geometry, layout.table_cells(boxes, geometry, index, state.rows_seen),
                                   state.template, state.text_scale)
        read_trailer(engine, page, geometry, index, geometry.bottom_of_cells, boxes["trailer"], state.trailer)
    state.pages.append(info)
    if keep_picture:
        state.pictures.append(page)


def read_document(path: Path, *, overlay_dir: Path | None = None, templates: tuple[Template, ...] | None = None,
                  engine: Engine | None = None, max_pages: int = 1000) -> DocumentResult:
    """Read one scanned filing into ownershipDocument plain data and per-field results."""
    templates = templates or load_templates()
    engine = engine or get_engine()
    state = DocumentState()
    for index, gray in enumerate(iter_pages(Path(path), max_pages=max_pages)):
        read_page(gray, index, templates, engine, state, keep_picture=overlay_dir is not None)
    if state.template is None:
        reasons = "; ".join(w for p in state.pages for w in p.warnings) or "no pages"
        raise NotForm4Error(f"{path}: no page is a Form 4 ({reasons})")
    assemble.settle_marks(state.header + state.cells, len(state.trailer.footnotes))
    doc: dict[str, Any] = {}
    results = assemble.header(doc, state.header)
    results += assemble.tables(doc, state.cells, state.template.boxes["tables"])
    results += assemble.trailer(doc, state.trailer)
    warnings = assemble.finish(doc, state.template.boxes, results)
    warnings += [w for p in state.pages for w in p.warnings if p.role != "other"]
    result = DocumentResult(str(path), doc, results, state.pages, state.template.name, warnings)
    if overlay_dir is not None:
        from .export import write_overlays

        write_overlays(state.pictures, result, Path(overlay_dir), Path(path).stem)
    return result
