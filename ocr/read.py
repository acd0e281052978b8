"""Reading one box: a clean crop (form lines removed, empty boxes skipped) handed to the OCR engine."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import NamedTuple

import cv2
import numpy as np

from .engine import Engine, second_opinion
from .glyphs import (LETTER_MIN_INK, LETTER_MIN_SCORE, MARK_ONLY_HEIGHT, MIN_MARGIN, Glyphs, MarkMatch, between_parens,
                     holds_parenthesis, looks_like_marks, match_letter, match_marks)
from .locate import Rules, components
from .separators import settle_separators

Box = tuple[int, int, int, int]

PAPER_REACH = 15  # px: the paper around kept ink that sets a region's paper level (see on_even_paper)
MIN_INK_PX = 40  # fewer ink pixels than this (after lines and specks are removed) is an empty box
# Scanner dust: dots of a few pixels always, and small specks with no other ink nearby. A
# period, a decimal point or the parts of a lone "(1)" are as small, but sit beside others.
DUST_PX = 8
SPECK_PX = 60
DASH_HEIGHT = 5  # px: a piece of a broken rule is no taller than this, and at least as wide
DOTTED_DASHES, DOTTED_SPAN = 4, 0.3  # that many pieces on one row across this share of the box
SPECK_REACH = (31, 15)  # (width, height) of the neighbourhood that makes a speck print
MIN_MARK_INK_PX = 15  # a raised "(1)" has less ink than a value
MARK_LINE_PX = 40  # a crop of marks taller than this holds two lines of them
MARK_LINE_SHRINK = 0.9  # a line of glyphs this much smaller than the text above may be marks
CAP_REACH = 0.15  # a raised mark's glyphs reach the value's cap height within this share of its height
SPECK_OF_TEXT = 0.25  # a glyph no taller or wider than this share of a box's tallest is a speck to the mark finder
MARK_WHITELIST = "0123456789()"
LINE_PSM = 7  # see read_box's by_line
RUN_GAP = 2.5  # line heights of blank between a one-line value and a speck beside it (see main_line)
MIN_LINE_PX = 12  # a band of ink lower than this is part of a line (an i's dot), not one
LETTER_SHARE = 0.6  # the letter of a one-letter box is at least this share of its tallest glyph
SPECK_SHARE = 0.45  # beside it, a glyph less than this share of its height is a speck (a mark's parentheses are taller)
ARM_GAP = 0.15  # a broken arm starts within this share of the letter's height right of what is left of it
DIGIT_WIDTH = 0.9  # a digit of the print is at most this many times as wide as it is tall
SIGNED_DIGIT_WIDTH = 0.55  # the digit of a sign and digit run together: this share of their height, at their right
# Tesseract's LSTM can misread a clean glyph at one size and not at another (measured: 757,576
# read 757,976 at confidence 0.84, right at 0.75x and 1.25x): doubtful reads are retried.
# A raised "(1)" is too small for Tesseract as printed: it reads "()". Measured on clean
# renders: "(1)" at 2x still "()", at 3x right; so marks, and lone marks retried, go at 3x.
MARK_SCALE = 3
_MARK = re.compile(r"(\(\d{1,2}\))+")
UNREAD_MARK_CONFIDENCE = 0.5
RETRY_BELOW = 0.9
SECOND_BELOW = 0.85  # the notes' cascade threshold: 3-6% of clean and office reads, 25-36% of rough and fax
RETRY_SCALES = (0.75, 1.25, MARK_SCALE)
# A doubtful text is read again at these sizes, and the second engine votes when the readings
# differ (see ``arbitrate``).
ARBITRATE_SCALES = (1.25, 0.8)
SECOND_SCALES = (1, 2)
LOST_WORDS = 1.3  # a reading with this many times the letters and digits of another kept words the other lost


class BoxReading(NamedTuple):
    text: str
    confidence: float
    empty: bool
    mark_ranks: tuple[str, ...] = ()  # per footnote mark ending ``text``, as glyphs.MarkMatch.ranks (glyph matches only)


def _spanning(lines: np.ndarray, stat: int, extent: int, share: float = 0.8) -> np.ndarray:
    """The rule components that run across most of a box: its borders and dividers. Shorter
    ones, such as a link's underline, stay: Tesseract reads underlined text, but not a comma
    whose tail was cut away with the underline."""
    _, labels, stats, _ = components(lines)
    keep = stats[:, stat] >= share * extent
    keep[0] = False
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def _crossing_strokes(ink: np.ndarray, kept: np.ndarray, core: np.ndarray, band: np.ndarray, reach: int = 6, run: int = 12) -> np.ndarray:
    """Pixels of the erased ``band`` (the rules' ``core`` and a margin) that belong to a
    glyph: a descender or a comma's tail reaching down into an underline. Such a stroke has
    the glyph's ink right above, and either ink right below (it crosses the rule) or no long
    run of ink beside it in the rule's core (the print skips the underline around
    descenders; the gap was bridged when the rule was found). Erased with the rule, a comma
    under the signature's underline reads as a period."""
    above, below = np.zeros(kept.shape, bool), np.zeros(kept.shape, bool)
    glyph = kept > 0
    for step in range(1, reach + 1):
        above[step:] |= glyph[:-step]
        below[:-step] |= glyph[step:]
    in_run = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (run, 1))) > 0
    erased, inked = band > 0, ink > 0
    tails = (core > 0) & inked & above & ~in_run
    crossing = erased & inked & above & below
    near_tails = cv2.dilate(tails.astype(np.uint8), np.ones((7, 1), np.uint8)) > 0  # the margin rows beside them
    return crossing | (erased & inked & near_tails)


def _dotted_rule(stats: np.ndarray, width: int) -> np.ndarray:
    """Components that are the dashes of a rule a fax or photocopy broke up: flat pieces,
    at least DOTTED_DASHES of them on one row across DOTTED_SPAN of the box. The rule finder
    needs unbroken runs, so such a rule stays in the ink, where Tesseract reads it as letters."""
    top, height = stats[:, cv2.CC_STAT_TOP], stats[:, cv2.CC_STAT_HEIGHT]
    left, right = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_LEFT] + stats[:, cv2.CC_STAT_WIDTH]
    flat = (height <= DASH_HEIGHT) & (stats[:, cv2.CC_STAT_WIDTH] >= height)
    flat[0] = False
    centre = top + height // 2
    drop = np.zeros(len(stats), bool)
    for i in np.flatnonzero(flat):
        row = flat & (np.abs(centre - centre[i]) <= DASH_HEIGHT // 2)
        if row.sum() >= DOTTED_DASHES and right[row].max() - left[row].min() >= DOTTED_SPAN * width:
            drop |= row
    return drop


def ink_mask(ink: np.ndarray, rules: Rules, box: Box, clear_border: str = "", span: float = 0.8,
             dotted: bool = False) -> np.ndarray:
    """Ink of a box without the ruled lines, dust, and isolated specks. With ``clear_border``
    "all" (a whole table cell, whose text never reaches its edges) or "sides" (a part of a
    cell, whose text never reaches its left and right edges), also without anything touching
    those edges: what is left of a thick, wavy or tilted rule. Rules shorter than ``span``
    of the box stay (see ``_spanning``). With ``dotted``, a field's box (not a page of text,
    where the flat pieces of a line of broken letters can line up as well), also without
    the dashes of a broken rule (see ``_dotted_rule``)."""
    x, y, w, h = box
    lines = cv2.bitwise_or(_spanning(rules.horizontal[y : y + h, x : x + w], 2, w, span),
                           _spanning(rules.vertical[y : y + h, x : x + w], 3, h, span))
    band = cv2.dilate(lines, np.ones((3, 1), np.uint8))
    box_ink = ink[y : y + h, x : x + w]
    mask = cv2.bitwise_and(box_ink, cv2.bitwise_not(band))
    mask[_crossing_strokes(box_ink, mask, lines, band)] = 255
    n, labels, stats, _ = components(mask)
    area = stats[:, cv2.CC_STAT_AREA]
    small = area <= SPECK_PX
    small[0] = False
    drop = small & (area < DUST_PX)
    if dotted:
        drop |= _dotted_rule(stats, w)
    if clear_border:
        edges = [labels[:, 0], labels[:, -1]] + ([labels[0], labels[-1]] if clear_border == "all" else [])
        edge = np.unique(np.concatenate(edges))
        drop[edge[edge > 0]] = True
    if small.any():
        kept = np.where(drop[labels], 0, labels)  # dust and what is cut away are nobody's neighbour
        glyphs = kept.astype(np.float32)
        reach = cv2.getStructuringElement(cv2.MORPH_RECT, SPECK_REACH)
        highest = cv2.dilate(glyphs, reach)
        lowest = -cv2.dilate(np.where(kept > 0, -glyphs, -1e9).astype(np.float32), reach)
        near_other = small[kept] & (kept > 0) & ((highest != glyphs) | (lowest != glyphs))
        has_neighbour = np.zeros(n, bool)
        has_neighbour[np.unique(kept[near_other])] = True
        drop |= small & ~has_neighbour
    mask[drop[labels]] = 0
    return mask


def clean(gray: np.ndarray, ink: np.ndarray, mask: np.ndarray, box: Box) -> np.ndarray:
    """The box's pixels with the ink that was dropped (ruled lines, dust, marks read apart)
    painted paper white. Kept strokes keep their gray edges: Tesseract reads anti-aliased
    glyphs better than thresholded ones."""
    x, y, w, h = box
    dropped = cv2.bitwise_and(ink[y : y + h, x : x + w], cv2.bitwise_not(mask))
    dropped = cv2.bitwise_and(cv2.dilate(dropped, np.ones((3, 3), np.uint8)), cv2.bitwise_not(mask))
    crop = gray[y : y + h, x : x + w].copy()
    crop[dropped > 0] = 255
    return crop


def on_even_paper(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``image`` with nothing brighter than its paper (the median around kept ink). A region
    that runs past a scanned sheet's edge holds gray paper beside white canvas, and
    Tesseract's own threshold then parts paper from canvas and finds no text in it (office
    filing 15041 lost its whole Explanation of Responses). For a second reading only:
    Tesseract's page layout is as fragile the other way (evening every region's paper lost
    office filing 15046's signature line and split rough 01037's)."""
    around = cv2.dilate(mask, np.ones((PAPER_REACH, PAPER_REACH), np.uint8)) > mask
    return np.minimum(image, np.uint8(np.median(image[around]))) if around.any() else image


def crop_for_ocr(gray: np.ndarray, ink: np.ndarray, mask: np.ndarray, box: Box, min_ink: int = MIN_INK_PX) -> np.ndarray | None:
    """``clean`` pixels cut to the kept ink with a small margin; None when the box is empty."""
    if int(np.count_nonzero(mask)) < min_ink:
        return None
    crop = clean(gray, ink, mask, box)
    ys, xs = np.nonzero(mask)
    return crop[max(0, ys.min() - 4) : ys.max() + 5, max(0, xs.min() - 4) : xs.max() + 5]


def split_superscript(mask: np.ndarray, max_run: int = 10, mark_height: float | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """(main text, trailing raised marks) of a box's ink.

    Footnote marks are printed as small raised "(1)" after the value; Tesseract drops them or
    reads them as ")" when they share a line with the value, so they are read on their own.
    A mark ends the value, so the last text line is searched, from the right: the longest run
    of glyphs that sit clearly above the baseline of the glyphs before them and reach their
    cap height. In a narrow column the marks may wrap onto a line of their own (see
    ``_mark_line``), and then the line above may end with marks too. With ``mark_height``
    (the print's marks at the page's scale), no glyph of a run is taller than a mark: letters
    whose neighbours merged with an underline sit as high above its baseline.
    """
    n, labels, stats, _ = components(mask)
    if n < 3:
        return mask, None
    left, top, height = stats[1:, cv2.CC_STAT_LEFT], stats[1:, cv2.CC_STAT_TOP], stats[1:, cv2.CC_STAT_HEIGHT]
    area, width = stats[1:, cv2.CC_STAT_AREA], stats[1:, cv2.CC_STAT_WIDTH]
    bottom = top + height
    glyph = ~((height <= 8) & (width >= 40))  # an underline is not a text line
    if not glyph.any():
        return mask, None
    # a rough scan's specks (a dot after the mark, a speck on a line of its own below it)
    # would end the line or be its last line; they belong to no run and no line
    speck_size = SPECK_OF_TEXT * height[glyph].max()
    speck = (height <= speck_size) & (width <= speck_size)
    glyph &= ~speck
    rows = np.flatnonzero(np.isin(labels, np.flatnonzero(glyph) + 1).any(axis=1))
    if rows.size == 0:
        return mask, None

    def line_of(band: np.ndarray) -> np.ndarray:
        members = np.flatnonzero(glyph & (bottom > band[0]) & (top <= band[-1]))
        return members[np.argsort(left[members])]

    def raised_run(members: np.ndarray) -> int:
        best = 0
        for k in range(1, min(max_run, members.size - 1) + 1):
            rest, run = members[:-k], members[-k:]
            baseline, cap = np.median(bottom[rest]), np.min(top[rest])
            size = baseline - cap
            # the value is what carries the mark: not much smaller than it (a speck left of a
            # lone letter must not make the letter look raised)
            carries = area[rest].sum() >= 0.5 * area[run].sum() and height[rest].max() >= 0.8 * height[run].max()
            small = mark_height is None or height[run].max() <= MARK_ONLY_HEIGHT * mark_height
            if (carries and small and size > 0 and np.all(bottom[run] < baseline - 0.2 * size)
                    and np.all(glyph_tops(run) <= cap + CAP_REACH * size)):
                best = k
        return best

    def glyph_tops(run: np.ndarray) -> np.ndarray:
        """Tops of the run's glyphs, pieces one above another taken as one: a photocopy
        breaks a mark's "2" into its arm and its foot, and the foot alone sits low."""
        tops, right = [], -1
        for i in run[np.argsort(left[run])]:
            if tops and left[i] < right:
                tops[-1], right = min(tops[-1], top[i]), max(right, left[i] + width[i])
            else:
                tops.append(top[i])
                right = left[i] + width[i]
        return np.asarray(tops)

    bands = bands_of(rows)
    tallest = height[glyph].max()
    while len(bands) > 1 and _specks_only(line_of(bands[-1]), height, width, tallest):
        bands.pop()
    line = line_of(bands[-1])
    best = raised_run(line)
    runs = [line[-best:]] if best else []  # the marks of each line they are on
    if not runs and len(bands) >= 2:
        above = line_of(bands[-2])
        k = raised_run(above)
        if _mark_line(line, above, height, width, continued=k > 0):
            runs = [above[-k:], line] if k else [line]
    if not runs:
        return mask, None
    chosen = list(np.concatenate(runs))
    for run in runs:  # a broken parenthesis's pieces, within its line's marks
        x0, x1 = left[run].min(), (left + width)[run].max()
        y0, y1 = top[run].min(), bottom[run].max()
        chosen += list(np.flatnonzero(speck & (left >= x0) & (left + width <= x1) & (top >= y0) & (bottom <= y1)))
    sup = np.isin(labels, np.asarray(chosen) + 1)
    main = mask.copy()
    main[sup] = 0
    return main, np.where(sup, 255, 0).astype(np.uint8)


def split_after_letter(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, bool]:
    """(the letter, what follows it, whether that is only specks) of a box that holds one
    letter (a code, A/D, D/I): marks after it are everything to its right. On a photocopy a
    speck joined to "(1)" can make it reach below the letter's cap line, where
    ``split_superscript`` does not take it for a mark. Specks left of the letter are dropped:
    Tesseract reads nothing of ".D"."""
    n, labels, stats, _ = components(mask)
    if n < 3:
        return mask, None, False
    left, height = stats[1:, cv2.CC_STAT_LEFT], stats[1:, cv2.CC_STAT_HEIGHT]
    right = left + stats[1:, cv2.CC_STAT_WIDTH]
    tall = np.flatnonzero(height >= LETTER_SHARE * height.max())
    letter = tall[np.argmin(left[tall])]
    speck = height < SPECK_SHARE * height[letter]
    before = np.flatnonzero((right <= left[letter]) & speck)
    # a speck within the letter's columns is a piece of it (a fax breaks the arm off an F)
    after = np.flatnonzero((left >= right[letter] - 2) & ~(speck & (left < right[letter])))
    after = after[after != letter]
    after = after[~np.isin(after, broken_arms(stats[1:], letter, after[speck[after]]))]
    kept = np.where(np.isin(labels, before + 1), 0, mask).astype(np.uint8)
    if after.size == 0:
        return kept, None, False
    marks = np.isin(labels, after + 1)
    return np.where(marks, 0, kept).astype(np.uint8), np.where(marks, 255, 0).astype(np.uint8), bool(speck[after].all())


def broken_arms(stats: np.ndarray, letter: int, specks: np.ndarray) -> np.ndarray:
    """The specks (indices into ``stats``, components without the background) that are arms
    broken off a letter's stem: flat strokes within its rows, each starting no more than
    ``ARM_GAP`` of its height right of the letter or an arm already found. A fax leaves an F
    as its stem and the pieces of its arms, which read "I" without them (fax 21039); a
    broken "(" after the letter is a tall stroke and stays apart."""
    left, top = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    width, height = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    gap = ARM_GAP * height[letter]
    flat = specks[(width[specks] >= height[specks]) & (top[specks] >= top[letter])
                  & (top[specks] + height[specks] <= top[letter] + height[letter])]
    reach, arms = left[letter] + width[letter], []
    for i in flat[np.argsort(left[flat])]:
        if left[i] > reach + gap:
            break
        arms.append(i)
        reach = max(reach, left[i] + width[i])
    return np.asarray(arms, dtype=int)


def _lone_digit(mask: np.ndarray, signed: bool) -> tuple[int, int] | None:
    """(first, last + 1) columns of the one digit a value's ink holds after its sign (the
    leftmost glyph and the pieces under it, when ``signed``), with a margin; None when the
    rest is wider than a digit or much lower than the value's ink. A fax runs "$0" into one
    glyph, wider than a digit, or the $ into the 0's left side only (17049: the right side
    alone matches a 1): the digit is the last columns, one digit wide."""
    n, _, stats, _ = components(mask)
    glyphs = stats[1:][stats[1:, cv2.CC_STAT_AREA] >= LETTER_MIN_INK]
    glyphs = glyphs[np.argsort(glyphs[:, cv2.CC_STAT_LEFT])]
    if signed and len(glyphs) and glyphs[0, 2] > DIGIT_WIDTH * glyphs[0, 3]:
        right, digit = int((glyphs[:, 0] + glyphs[:, 2]).max()), round(SIGNED_DIGIT_WIDTH * glyphs[0, 3])
        if right - (glyphs[0, 0] + glyphs[0, 2]) <= digit:  # nothing after the sign but the rest of one digit
            return right - digit - 1, right + 2
    if signed and len(glyphs):
        sign_right = glyphs[0, 0] + glyphs[0, 2]
        glyphs = glyphs[1:][glyphs[1:, 0] >= sign_right - 1]
    if len(glyphs) == 0:
        return None
    x0, x1 = int(glyphs[:, 0].min()), int((glyphs[:, 0] + glyphs[:, 2]).max())
    y0, y1 = int(glyphs[:, 1].min()), int((glyphs[:, 1] + glyphs[:, 3]).max())
    rows = np.flatnonzero(mask.any(axis=1))
    if x1 - x0 > DIGIT_WIDTH * (y1 - y0) or y1 - y0 < LETTER_SHARE * (rows[-1] - rows[0] + 1):
        return None
    return max(0, x0 - 2), x1 + 2


def bands_of(rows: np.ndarray) -> list[np.ndarray]:
    """Runs of inked rows: the text lines of a box, top to bottom."""
    return np.split(rows, np.flatnonzero(np.diff(rows) > 2) + 1)


def _specks_only(line: np.ndarray, height: np.ndarray, width: np.ndarray, tallest: int) -> bool:
    """Whether a line of glyphs is a rough scan's specks below the text: fewer glyphs than
    the three of a mark, all less than half as tall and as wide as the box's tallest (a
    rule's broken end is wider)."""
    return line.size < 3 and bool(max(height[line].max(), width[line].max()) < 0.5 * tallest)


def _mark_line(line: np.ndarray, above: np.ndarray, height: np.ndarray, width: np.ndarray, max_glyphs: int = 9,
               continued: bool = False) -> bool:
    """Whether a last line is only footnote marks ("(1)(2)" wrapped below "See Footnote"): a
    few glyphs opening and closing with a parenthesis, all smaller than the line above, or
    ``continued`` from raised marks that end the line above ("11/10/2006(1)" over "(2)":
    a mark's parentheses are as tall as a date's digits)."""
    if above.size == 0 or not 3 <= line.size <= max_glyphs:
        return False
    first, last = line[0], line[-1]
    parenthesised = height[first] >= 2.2 * width[first] and height[last] >= 2.2 * width[last]
    return bool(parenthesised and (continued or height[line].max() < MARK_LINE_SHRINK * height[above].max()))


def read_mark(engine: Engine, crop: np.ndarray) -> tuple[str, float]:
    """A raised footnote mark such as "(1)" or "(1)(2)": Tesseract at 3x, then the second
    engine at 2x. A mark seen but read as neither comes back empty with a confidence that
    sends the value to review, since a footnote may be missing from it."""
    psm = 6 if crop.shape[0] > MARK_LINE_PX else 7  # marks on a line of their own below others
    mark, confidence = engine.read(image=cv2.resize(crop, None, fx=MARK_SCALE, fy=MARK_SCALE, interpolation=cv2.INTER_CUBIC),
                                   psm=psm, whitelist=MARK_WHITELIST)
    mark = "".join(mark.split())
    if _MARK.fullmatch(mark):
        return mark, confidence
    other = second_opinion(cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC))
    if other is not None and _MARK.fullmatch(other[0]):
        return other
    return "", min(confidence, UNREAD_MARK_CONFIDENCE)


def _ocr(engine: Engine, crop: np.ndarray, psm: int, whitelist: str | None,
         check: Callable[[str], bool] | None = None) -> tuple[str, float]:
    """One Tesseract reading, retried at other sizes while doubtful (see RETRY_SCALES): low
    confidence, no letter or digit, or failing the box's ``check``. A reading that passes
    the check beats a more confident one that does not."""
    def rank(text: str, confidence: float) -> tuple[bool, float]:
        return check is None or check(text), confidence

    text, confidence = engine.read(image=crop, psm=psm, whitelist=whitelist)
    for factor in RETRY_SCALES:
        if rank(text, confidence) >= (True, RETRY_BELOW) and any(c.isalnum() for c in text):
            break
        resized = cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC)
        again, again_confidence = engine.read(image=resized, psm=psm, whitelist=whitelist)
        if rank(again, again_confidence) > rank(text, confidence):
            text, confidence = again, again_confidence
    return text, confidence


def _fuller(first: tuple[str, float], second: tuple[str, float]) -> tuple[str, float]:
    """Of two readings of one box, the one that kept words the other lost (LOST_WORDS times
    its letters and digits); of two with the same letters and digits, the one that split
    them into more words ("LINDA R", not "LINDAR"), else the first; otherwise the more
    confident. Confidence alone does not tell them apart: measured on header fields, the
    wrong one was the more confident in 3 of 5 pairs."""
    letters = ["".join(c for c in text.upper() if c.isalnum()) for text, _ in (first, second)]
    if len(letters[1]) > LOST_WORDS * len(letters[0]):
        return second
    if len(letters[0]) > LOST_WORDS * len(letters[1]):
        return first
    if letters[0] == letters[1]:
        return second if len(second[0].split()) > len(first[0].split()) else first
    return max(first, second, key=lambda reading: reading[1])


def arbitrate(engine: Engine, crop: np.ndarray, lines: list[tuple[int, int]], psm: int, first: tuple[str, float],
               canonical: Callable[[str], str]) -> tuple[str, float]:
    """Of Tesseract's reading of a doubtful text and two more at other sizes, the one most of
    them agree on (compared by ``canonical``: the parsed value's letters and digits; of those,
    the most confident), with RapidOCR's reading of the crop's ``lines`` (rows of the crop) as
    one more vote; a tie keeps the first reading. RapidOCR never wins outright, since it
    drops the spaces of noisy text. Measured on the rough and fax filings of both corpus
    sets (40): 5 titles and names set right ("Po Common Shares", "[he O'Brien Family
    Trust"), none made wrong."""
    readings = [first] + [engine.read(image=cv2.resize(crop, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC if f > 1 else cv2.INTER_AREA),
                                      psm=psm) for f in ARBITRATE_SCALES]
    keys = [canonical(text) for text, _ in readings]
    if len(set(keys)) == 1:
        return first
    votes = Counter(keys)
    other = [second_opinion(crop[max(0, a - 3) : b + 4]) for a, b in lines]
    rapid = canonical(" ".join(o[0] for o in other if o is not None))
    if rapid in votes:
        votes[rapid] += 1
    winner = max(votes, key=lambda key: (votes[key], key == keys[0]))
    return max((r for r, key in zip(readings, keys) if key == winner), key=lambda r: r[1])


def text_lines(mask: np.ndarray, gap: int = 3, min_height: int = MIN_LINE_PX) -> list[tuple[int, int]]:
    """(first row, last row) of each text line of a box's ink. A band lower than a line (an
    i's dot, a speck) joins the nearer neighbouring band."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return []
    bands = [[int(b[0]), int(b[-1])] for b in np.split(rows, np.flatnonzero(np.diff(rows) > gap) + 1)]
    i = 0
    while len(bands) > 1 and i < len(bands):
        top, bottom = bands[i]
        if bottom - top + 1 >= min_height:
            i += 1
            continue
        above = top - bands[i - 1][1] if i > 0 else None
        below = bands[i + 1][0] - bottom if i + 1 < len(bands) else None
        j = i - 1 if below is None or (above is not None and above <= below) else i + 1
        bands[j] = [min(bands[j][0], top), max(bands[j][1], bottom)]
        del bands[i]
        i = 0
    return [(a, b) for a, b in bands]


def main_line(mask: np.ndarray) -> np.ndarray:
    """The ink of a one-line value without the specks a rough scan scatters over its box
    (Tesseract's line mode reads nothing of a date among them): the glyphs beside the rows
    of the largest one, and of those the run, split at gaps wider than RUN_GAP line heights,
    that holds it."""
    n, labels, stats, _ = components(mask)
    if n < 3:
        return mask
    left, top = stats[1:, cv2.CC_STAT_LEFT], stats[1:, cv2.CC_STAT_TOP]
    width, height = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    biggest = int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    y0, y1 = top[biggest], top[biggest] + height[biggest]
    level = (top < y1) & (top + height > y0)  # a comma reaches below the line, a mark above it
    order = [i for i in np.argsort(left) if level[i]]
    gap = RUN_GAP * height[biggest]
    runs, run = [], [order[0]]
    for i in order[1:]:
        if left[i] - max(left[j] + width[j] for j in run) > gap:
            runs.append(run)
            run = []
        run.append(i)
    runs.append(run)
    keep = np.zeros(n, bool)
    keep[np.asarray(next(r for r in runs if biggest in r)) + 1] = True
    return np.where(keep[labels], mask, 0).astype(np.uint8)


BRACKET_HEIGHT = 1.15  # a bracket reaches this much past the height of a line's capitals
CAPITALS = 80  # percentile of a line's glyph heights that is its capitals' (the rest are lower case)
BRACKET_WIDTH = 0.4  # and a bracket is at most this share of its height wide
BRACKETED_WHITELIST = "ABCDEFGHIJKLMNOPQRSTUVWXYZ."


def last_bracketed(mask: np.ndarray) -> tuple[int, int] | None:
    """(first, last + 1) columns between the last two brackets of a line's ink (the "[ TICK ]"
    after an issuer's name), or None when there are not two. Told from the letters by shape:
    taller than the line's capitals, and thin."""
    _, _, stats, _ = components(mask)
    glyphs = stats[1:][stats[1:, cv2.CC_STAT_AREA] >= LETTER_MIN_INK]
    if len(glyphs) < 3:
        return None
    height = float(np.percentile(glyphs[:, cv2.CC_STAT_HEIGHT], CAPITALS))
    tall = glyphs[(glyphs[:, cv2.CC_STAT_HEIGHT] >= BRACKET_HEIGHT * height)
                  & (glyphs[:, cv2.CC_STAT_WIDTH] <= BRACKET_WIDTH * glyphs[:, cv2.CC_STAT_HEIGHT])]
    if len(tall) < 2:
        return None
    tall = tall[np.argsort(tall[:, cv2.CC_STAT_LEFT])]
    first = int(tall[-2, cv2.CC_STAT_LEFT] + tall[-2, cv2.CC_STAT_WIDTH]) + 1
    last = int(tall[-1, cv2.CC_STAT_LEFT])
    inside = mask[:, first:last]
    return (first, last) if np.count_nonzero(inside) >= MIN_INK_PX else None


def read_bracketed(engine: Engine, gray: np.ndarray, ink: np.ndarray, rules: Rules,
                   box: Box) -> tuple[tuple[str, float], tuple[str, float] | None] | None:
    """Tesseract's and RapidOCR's readings (text, confidence) of what a box's last pair of
    brackets enclose, read on its own (RapidOCR's None where it is not installed); None
    without such a pair."""
    mask = ink_mask(ink, rules, box, clear_border="sides", span=0.0)
    columns = last_bracketed(mask)
    if columns is None:
        return None
    inside = np.zeros_like(mask)
    inside[:, columns[0] : columns[1]] = mask[:, columns[0] : columns[1]]
    crop = crop_for_ocr(gray, ink, inside, box)
    if crop is None:
        return None
    return engine.read(image=crop, psm=LINE_PSM, whitelist=BRACKETED_WHITELIST), second_opinion(crop)


# What Tesseract makes of a name's I, II or III ("Hil", "UI", "1]", "Il"): these glyphs only,
# one of them a stem
ROMAN_READ = re.compile(r"[IiLlUuHh1|!\[][IiLlUuHh1|!\[\]]{0,3}")
STEM_BAND = (0.35, 0.65)  # share of a word's height where only an I's stem is ink (no serifs)


def stems(word: np.ndarray) -> int:
    """Vertical strokes of a word's ink, counted across the middle of its height, where the
    serifs that join a printed III (and a rough scan's blur) do not reach."""
    rows = np.flatnonzero(word.any(axis=1))
    if rows.size == 0:
        return 0
    top, height = rows[0], rows[-1] - rows[0] + 1
    band = word[top + int(STEM_BAND[0] * height) : top + int(np.ceil(STEM_BAND[1] * height))].any(axis=0)
    return int(np.count_nonzero(np.diff(band.astype(np.int8)) == 1) + band[0])


def roman_candidates(text: str) -> list[int]:
    """Indexes of the words of ``text`` (split at white space) that may be a garbled Roman
    numeral: after the name's first word, not a lone "|" or "!" (a speck), and beginning
    with a capital L only after a comma ("Dubois, LI" is II, "ZHANG WEI LI" a surname)."""
    tokens = text.split()
    return [i for i, t in enumerate(tokens) if i and ROMAN_READ.fullmatch(t.strip(",."))
            and any(c in "Iil1|![]" for c in t) and any(c.isalnum() for c in t)
            and (not t.startswith("L") or tokens[i - 1].endswith(","))]


def roman_numerals(engine: Engine, crop: np.ndarray, text: str) -> str:
    """``text`` with each word Tesseract read as a garbled Roman numeral of a name ("FUND Hil",
    "H UI", "Fund II" for III; see ``roman_candidates``) set to as many I as the word's ink
    has stems (see ``stems``), its line breaks kept. The words are found in a word-level
    reading of the crop: the one in the same place when it has as many words, else one read
    the same."""
    wanted = roman_candidates(text)
    if not wanted:
        return text
    parts = re.split(r"(\s+)", text.strip())  # words at the even places, the white space between them at the odd
    tokens = parts[::2]
    _, ink = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    words = [w for line in engine.read_words(image=crop, psm=6) for w in line]  # a block: a line with specks below too
    if not words:  # an underline erased to white on gray paper (see on_even_paper)
        words = [w for line in engine.read_words(image=on_even_paper(crop, ink), psm=6) for w in line]
    for i in wanted:
        core = tokens[i].strip(",.")
        same = [w for w in words if w.text.strip(",.") == core]
        word = words[i] if len(words) == len(tokens) else same[0] if same else None
        if word is None:
            continue
        x, y, w, h = word.box
        count = stems(ink[max(0, y) : y + h, max(0, x) : x + w])
        if 1 <= count <= 3:
            parts[2 * i] = tokens[i].replace(core, "I" * count, 1)
    return "".join(parts) if parts[::2] != tokens else text


WORD_GAP = 2.5  # a blank this many times a line's median blank between glyphs parts two words
AS_WIDE = 0.5  # and a last blank half as wide as the line's other word breaks sets an initial apart


def glyph_columns(mask: np.ndarray) -> list[list[int]]:
    """[left, right) of each glyph of a line's ink, left to right: pieces of letter size and at
    least LETTER_SHARE as tall as the tallest (no underline, specks, commas or points), those
    of one broken glyph, which overlap in x, taken together."""
    _, _, stats, _ = components(mask)
    glyphs = stats[1:][(stats[1:, cv2.CC_STAT_AREA] >= LETTER_MIN_INK)]
    if len(glyphs) == 0:
        return []
    glyphs = glyphs[glyphs[:, cv2.CC_STAT_HEIGHT] >= LETTER_SHARE * glyphs[:, cv2.CC_STAT_HEIGHT].max()]
    merged: list[list[int]] = []
    for left, right in sorted((int(g[0]), int(g[0] + g[2])) for g in glyphs):
        if merged and left < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], right)
        else:
            merged.append([left, right])
    return merged


def digits_wide(mask: np.ndarray) -> int:
    """How many digits a number's ink is wide: each glyph (see ``glyph_columns``) counts as
    its width in digits of its line's height, at least one. A fax or rough scan runs digits
    together ("56" is one piece 26 px wide and 19 high)."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return 0
    digit = SIGNED_DIGIT_WIDTH * (rows[-1] - rows[0] + 1)
    return sum(max(1, round((right - left) / digit)) for left, right in glyph_columns(mask))


def last_glyph_apart(mask: np.ndarray) -> bool:
    """Whether the last glyph of a one-line box is a word of its own, by the blank before it:
    Tesseract runs a narrow-set initial into the name before it ("KEVINA" for "KEVIN A",
    where the blank before the A is 11 px, the other word break 15 and those between letters
    2-5; "SAMANTHAB": 8 px against 15). The "E S" of "JAMES" is 5 px against 13-14."""
    merged = glyph_columns(mask)
    if len(merged) < 4:
        return False
    gaps = np.array([b[0] - a[1] for a, b in zip(merged, merged[1:])])
    word_break = WORD_GAP * max(1.0, float(np.median(gaps)))
    words = gaps[:-1][gaps[:-1] >= word_break]  # the line's other word breaks
    return bool(words.size) and bool(gaps[-1] >= max(word_break, AS_WIDE * float(np.median(words))))


def _digit_count(text: str) -> int:
    return sum(c.isdigit() for c in text)


def line_count(text: str) -> int:
    """Lines of a reading that hold something."""
    return len([line for line in text.splitlines() if line.strip()])


def read_box(
    engine: Engine,
    gray: np.ndarray,
    ink: np.ndarray,
    rules: Rules,
    box: Box,
    *,
    psm: int = 7,
    whitelist: str | None = None,
    clear_border: str = "",
    check: Callable[[str], bool] | None = None,
    second: bool = False,
    glyphs: Glyphs | None = None,
    scale: float = 1.0,
    by_line: bool = False,
    one_letter: bool = False,
    letters: tuple[Glyphs, str] | None = None,
    digits: Glyphs | None = None,
    currency: str = "",
    separators: bool = False,
    underlined: bool = False,
    psm_else: int | None = None,
    second_below: float = SECOND_BELOW,
    canonical: Callable[[str], str] | None = None,
    count_glyphs: bool = False,
) -> BoxReading:
    """Text, confidence and emptiness of one box of an aligned page; raised footnote marks
    are read apart and appended as "(n)", with the digits each could be, best first, when
    they were matched by their glyphs.

    ``check`` says whether a text parses as the box's kind: readings that pass it are
    preferred. With ``second``, a doubtful Tesseract reading, below ``second_below`` or failing
    the check, is read again by the second engine, whose reading wins when it passes the
    check and Tesseract's does not, or is more confident.
    Marks, raised after a value or alone in a box, are matched against the print's
    ``glyphs`` (at the page's text ``scale``) first; only what does not match goes to the
    OCR engines. With ``by_line``, a box whose block reading has fewer lines than its ink
    (a wrapped table title) is read again line by line: on a fax, Tesseract's block mode
    drops whole lines of a narrow cell ("Pre-\nWarrants" for "Pre-\nFunded\nWarrants").
    With ``one_letter`` (a code, A/D or D/I box), what follows the letter is taken for marks
    when the glyphs match it (see ``split_after_letter``); with ``letters`` as well (the
    print's letter glyphs and the letters the box allows), a letter that matches one of them
    closely and unambiguously is read as that letter, whatever the OCR engines read. With
    ``digits`` (the print's digits), a value that is one digit after its ``currency`` sign
    ("$0", "0": a fax leaves a 0 as its two sides) and that the OCR engines read as nothing
    that parses, or, without a sign, doubtfully as another digit, is read as the digit that
    matches it closely and unambiguously. With ``separators`` (a number),
    each comma or point read is set to what its glyph shows (see ``settle_separators``).
    With ``underlined`` (a value the print underlines), the box is read a second time with
    the underline erased as well, and the fuller reading wins (see ``_fuller``): Tesseract
    drops whole words of underlined text on a fax ("Ruiz" for "Ruiz Nancy Ann"). With
    ``psm_else``, a reading that fails the check is read again in that page mode, which
    wins when it passes: the sparse mode of a city line may lose its first words.
    A raised run with no parenthesis-shaped stroke is the value's own, never a mark, and a
    one-line box is read from its main line only (see ``main_line``). With ``canonical`` (a
    text's parsed value, to compare readings by), a doubtful text is put to a vote of readings
    (see ``arbitrate``). With ``count_glyphs`` (a number), a reading with fewer digits than
    the box's ink is digits wide (see ``digits_wide``) goes to the second engine at both
    sizes, whose reading with more digits, no more than that, wins.
    """
    mask = ink_mask(ink, rules, box, clear_border=clear_border, dotted=True)
    main, sup = split_superscript(mask, mark_height=glyphs.images[0].shape[0] * scale if glyphs is not None else None)
    cleaned = clean(gray, ink, mask, box) if glyphs is not None else None
    matched = None
    if sup is None and cleaned is not None:
        only_marks = looks_like_marks(mask, glyphs, scale)
        lone = mask if only_marks else between_parens(mask, glyphs, scale)
        if lone is not mask:  # specks around them left out
            only_marks = looks_like_marks(lone, glyphs, scale)
        if only_marks and np.count_nonzero(lone) >= MIN_MARK_INK_PX:
            alone = match_marks(cleaned, lone, glyphs, scale)
            if alone is not None:
                return BoxReading(alone.text, alone.confidence, False, alone.ranks)
        if one_letter:
            letter, after, specks = split_after_letter(mask)
            matched = match_marks(cleaned, after, glyphs, scale) if after is not None else None
            if matched is not None:
                main, sup = letter, after
            else:  # without the specks around the letter
                main = letter if after is None or specks else cv2.bitwise_or(letter, after)
    elif sup is not None and cleaned is not None:
        matched = match_marks(cleaned, sup, glyphs, scale)
    mark = matched
    if matched is not None:  # what the mask left of the first "(" is not the value's
        rows = np.flatnonzero(sup.any(axis=1))
        main[rows[0] : rows[-1] + 1, matched.left :] = 0
    elif sup is not None:
        if holds_parenthesis(sup):
            mark_crop = crop_for_ocr(gray, ink, sup, box, min_ink=MIN_MARK_INK_PX)
            mark = read_mark(engine, mark_crop) if mark_crop is not None else None
        else:  # the value's own last digits ("12", "Court"): an OCR engine may read "(2)" into them
            main = mask
    if psm == LINE_PSM:
        main = main_line(main)
    ranks = mark.ranks if isinstance(mark, MarkMatch) else ()
    crop = crop_for_ocr(gray, ink, main, box)
    if crop is None:
        return BoxReading(mark[0], mark[1], False, ranks) if mark is not None else BoxReading("", 1.0, True)
    text, confidence = _ocr(engine, crop, psm, whitelist, check)
    if psm_else is not None and check is not None and not check(text):
        other = _ocr(engine, crop, psm_else, whitelist, check)
        if check(other[0]):
            text, confidence = other
    if underlined:
        bare = ink_mask(ink, rules, box, clear_border=clear_border, span=0.0, dotted=True)
        bare[main == 0] = 0  # what was cut away as marks stays cut
        bare_crop = crop_for_ocr(gray, ink, bare, box)
        if bare_crop is not None:
            bare_reading = _ocr(engine, bare_crop, psm, whitelist, check)
            text, confidence = _fuller((text, confidence), bare_reading)
            if (text, confidence) == bare_reading:  # what follows reads the crop that won again
                crop = bare_crop
    top = max(0, int(np.flatnonzero(main.any(axis=1))[0]) - 4)  # crop_for_ocr's first row
    lines = [(a - top, b - top) for a, b in text_lines(main)] if by_line or canonical is not None else []
    if by_line and len(lines) > line_count(text):
        read = [_ocr(engine, crop[max(0, a - 3) : b + 4], LINE_PSM, whitelist) for a, b in lines]
        text, confidence = "\n".join(t for t, _ in read if t.strip()), min(c for _, c in read)
    if canonical is not None and confidence < RETRY_BELOW:
        text, confidence = arbitrate(engine, crop, lines, psm, (text, confidence), canonical)
    glyph_count = digits_wide(main) if count_glyphs else 0
    short = _digit_count(text) < glyph_count  # Tesseract lost a digit of a short number ("56" read "6" at 0.96)
    if second and check is not None and (confidence < second_below or not check(text) or short):
        for factor in SECOND_SCALES if short or not any(c.isalnum() for c in text) else SECOND_SCALES[:1]:
            # read nothing: a blurred "$0" is "$" at its size and "$0" at twice it
            other = second_opinion(crop if factor == 1 else cv2.resize(crop, None, fx=factor, fy=factor,
                                                                      interpolation=cv2.INTER_CUBIC))
            held = _digit_count(other[0] if other else "")
            fuller, loses = short and _digit_count(text) < held <= glyph_count, held < min(_digit_count(text), glyph_count)
            if other is not None and other[0] and check(other[0]) and not loses and (not check(text) or other[1] > confidence or fuller):
                text, confidence = other
                short = _digit_count(text) < glyph_count
                if not short:
                    break
    if one_letter and letters is not None:
        found = match_letter(crop, *letters)
        read_letter = text.strip().upper()
        stem_over_letter = found is not None and found.letter in letters[0].stems and len(read_letter) == 1 and read_letter in letters[1]
        if found is not None and found.score >= LETTER_MIN_SCORE and found.margin >= MIN_MARGIN and not stem_over_letter:
            agrees = read_letter == found.letter
            text, confidence = found.letter, max(confidence if agrees else 0.0, found.score)
    failed = not text.strip() or (check is not None and not check(text))
    columns = _lone_digit(main, bool(currency)) if digits is not None and (failed or not currency and confidence < second_below) else None
    if columns is not None:
        found = match_letter(clean(gray, ink, main, box)[:, columns[0] : columns[1]], digits, digits.labels)
        if (found is not None and (failed or text.strip() != found.letter)
                and found.score >= LETTER_MIN_SCORE and found.margin >= MIN_MARGIN):
            text, confidence = currency + found.letter, found.score
    if separators:
        text = settle_separators(text, main)
    if mark is not None:
        text, confidence = f"{text}{mark[0]}", min(confidence, mark[1])
    return BoxReading(text, confidence, False, ranks)
