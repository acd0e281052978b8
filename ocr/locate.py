"""Geometry that follows content: ruled lines, table cells and rows on an aligned page.

The EDGAR print is HTML, so boxes grow with what is in them. After global alignment the
template says roughly where a box is; the ruled lines say exactly where it is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # x, y, w, h

MIN_CELL = 20  # px at 300 dpi: smaller enclosed regions are glyph holes or line gaps
ROW_TOLERANCE = 8  # px: cells of one table row share top and bottom within this


@dataclass(frozen=True)
class Rules:
    """Binary masks (255 = line) of the horizontal and vertical ruled lines of a page."""

    horizontal: np.ndarray
    vertical: np.ndarray


def components(mask: np.ndarray, connectivity: int = 8) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """``cv2.connectedComponentsWithStats`` by Grana's block algorithm (BBDT; SAUF for
    4-connectivity): the same labels and stats as the default, which spends most of its time
    on the stats. On a page's horizontal rules (one thread) 20 ms against 55-75 ms, on a
    page's cells 63 ms against 82, on a box crop 0.10 ms against 0.26."""
    return cv2.connectedComponentsWithStatsWithAlgorithm(mask, connectivity, cv2.CV_32S, cv2.CCL_GRANA)


def piece_boxes(mask: np.ndarray) -> list[Box]:
    """(x, y, w, h) of each 8-connected piece of a mask, from the outer borders of its
    contours: the boxes of ``components`` at a tenth of its time on a page's rules."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    return [cv2.boundingRect(c) for c, link in zip(contours, hierarchy[0]) if link[3] < 0]


def binarize(gray: np.ndarray) -> np.ndarray:
    """Ink = 255. Local mean threshold copes with uneven lighting and gray paper."""
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)


def _lines(ink: np.ndarray, length: int, horizontal: bool) -> np.ndarray:
    """Ink runs at least ``length`` px long, by morphological opening with a long thin kernel,
    gaps of a few px bridged."""
    def kernel(n: int) -> np.ndarray:
        return cv2.getStructuringElement(cv2.MORPH_RECT, (n, 1) if horizontal else (1, n))
    return cv2.morphologyEx(cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel(length)), cv2.MORPH_CLOSE, kernel(15))


def horizontal_rules(ink: np.ndarray, min_h: int = 60) -> np.ndarray:
    """The horizontal ruled lines alone (what levelling a page needs)."""
    return _lines(ink, min_h, True)


def find_rules(ink: np.ndarray, min_h: int = 60, min_v: int = 40) -> Rules:
    """Ruled lines, horizontal and vertical."""
    return Rules(horizontal_rules(ink, min_h), _lines(ink, min_v, False))


def _close_ends(rules: Rules, min_length: int = 200, tolerance: int = 8, margin: float = 0.08) -> np.ndarray:
    """Right borders for tables the printer clipped.

    A table wider than the paper loses its right edge: its last column has rules above and
    below but no border. Where stacked rules end together near the page's right edge with no
    vertical line there, a border is drawn so that column closes. The border spans both
    rules' whole height: a rough scan's rules slope a little, so at their ends they are not
    where their middle is.
    """
    horizontal, vertical = rules.horizontal, rules.vertical
    closure = np.zeros_like(horizontal)
    near_edge = (1 - margin) * horizontal.shape[1]
    ends = sorted((y + h // 2, x + w - 1, y, y + h - 1) for x, y, w, h in piece_boxes(horizontal)
                  if w >= min_length and x + w - 1 >= near_edge)
    for (y0, x0, top, _), (y1, x1, _, bottom) in zip(ends, ends[1:]):
        x = max(x0, x1)
        if abs(x0 - x1) <= tolerance and not vertical[y0:y1, max(0, x - 6) : x + 1].any(axis=1).mean() > 0.5:
            cv2.line(closure, (int(x), int(top)), (int(x), int(bottom)), 255, 2)
    return closure


def open_bottoms(rules: Rules, min_rules: int = 4, tolerance: int = 8, min_length: int = 40) -> list[list[tuple[int, int]]]:
    """Where several vertical rules stop together with no horizontal rule there: the foot of a
    table row the browser split across a page break, left open at the bottom of the page.

    Each foot is its rules' ends (x, y), left to right: on a page that still slopes a little
    the ends do too (07002: 32 px over the width of Table II), so the foot is the line through
    them, not one height."""
    horizontal, vertical = rules.horizontal, rules.vertical
    ends = []
    for x, y, w, h in piece_boxes(vertical):
        if h < min_length:
            continue
        bottom = y + h - 1
        centre = x + int(np.flatnonzero(vertical[bottom, x : x + w]).mean())  # a sloping rule's foot, not its box's middle
        if not horizontal[max(0, bottom - 6) : bottom + 7, max(0, centre - 4) : centre + 5].any():
            ends.append((bottom, centre))
    ends.sort()
    groups: list[list[tuple[int, int]]] = []
    for end in ends:
        if groups and end[0] - groups[-1][-1][0] <= tolerance:
            groups[-1].append(end)
        else:
            groups.append([end])
    return [sorted((x, y) for y, x in g) for g in groups if len(g) >= min_rules]


def find_cells(rules: Rules, min_fill: float = 0.85, close_clipped: bool = True,
               feet: list[list[tuple[int, int]]] = ()) -> list[Box]:
    """Regions enclosed by ruled lines, sorted top to bottom, left to right.

    The page edge counts as a line, so a column a skewed scan cut off still closes, and with
    ``close_clipped`` so does a column the printer clipped (see ``_close_ends``), and so do the
    open ``feet`` of rows a page break split (see ``open_bottoms``). The open page area around
    the tables is not a cell: it does not fill its bounding box, or it reaches more than one
    edge of the page.
    """
    horizontal = cv2.bitwise_or(rules.horizontal, _close_ends(rules)) if close_clipped else rules.horizontal.copy()
    for foot in feet:  # a row split by a page break still makes cells
        cv2.polylines(horizontal, [np.array(foot, np.int32)], False, 255, 2)
    grid = cv2.dilate(horizontal, np.ones((3, 3), np.uint8))
    grid = cv2.bitwise_or(grid, cv2.dilate(rules.vertical, np.ones((3, 3), np.uint8)))
    grid[[0, -1], :] = 255
    grid[:, [0, -1]] = 255
    page_h, page_w = grid.shape
    cells = []
    for x, y, w, h, area in enclosed_regions(grid):
        sides = int(x <= 1) + int(y <= 1) + int(x + w >= page_w - 1) + int(y + h >= page_h - 1)
        if w >= MIN_CELL and h >= MIN_CELL and area >= min_fill * w * h and sides < 2:
            cells.append((int(x), int(y), int(w), int(h)))
    return sorted(cells, key=lambda c: (c[1], c[0]))


def enclosed_regions(lines: np.ndarray) -> list[tuple[int, int, int, int, int]]:
    """(x, y, w, h, pixel count) of each 4-connected background region enclosed by ``lines``,
    from the lines' contours: a region's border follows the line pixels around it, one pixel
    out, and its pixel count is what Pick's theorem puts inside that border less what lies in
    the islands of line within it. The same figures as connected components of the inverted
    image, which spend 60-90 ms on a page (one thread) counting mostly blank pixels; this
    spends 4 ms. ``lines`` must be ink on every page edge, so every region is enclosed."""
    contours, hierarchy = cv2.findContours(lines, cv2.RETR_TREE, cv2.CHAIN_APPROX_NONE)
    links = hierarchy[0]
    regions = []
    for i, border in enumerate(contours):
        depth, parent = 0, links[i][3]
        while parent >= 0:
            depth, parent = depth + 1, links[parent][3]
        if depth % 2 == 0:  # the outer border of lines, not of a region
            continue
        x, y, w, h = cv2.boundingRect(border)
        inside = cv2.contourArea(border) - len(border) / 2 + 1
        island = links[i][2]
        while island >= 0:  # an island's pixels: its inside and its border
            inside -= cv2.contourArea(contours[island]) + len(contours[island]) / 2 + 1
            island = links[island][0]
        regions.append((x + 1, y + 1, w - 2, h - 2, round(inside)))
    return regions


def group_rows(cells: list[Box], tolerance: int = ROW_TOLERANCE, gap: int = 15) -> list[list[Box]]:
    """Rows of side-by-side cells, each sorted left to right.

    Two cells are in one row when they touch left to right and their tops and bottoms agree;
    the comparison is between neighbours only, so a row that slopes across a page scanned
    with some perspective still comes out whole.
    """
    parent = list(range(len(cells)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(len(cells)), key=lambda i: cells[i][0])
    for a_pos, a in enumerate(order):
        ax, ay, aw, ah = cells[a]
        for b in order[a_pos + 1 :]:
            bx, by, bw, bh = cells[b]
            if bx - (ax + aw) > gap:
                break
            slack = max(tolerance, 0.15 * min(ah, bh))
            if abs(bx - (ax + aw)) <= gap and abs(by - ay) <= slack and abs(by + bh - ay - ah) <= slack:
                parent[root(b)] = root(a)
    rows: dict[int, list[Box]] = {}
    for i, cell in enumerate(cells):
        rows.setdefault(root(i), []).append(cell)
    return sorted((sorted(r, key=lambda c: c[0]) for r in rows.values()), key=lambda r: r[0][1])


def residual_angle(horizontal: np.ndarray, min_fraction: float = 0.5) -> float:
    """Degrees the long horizontal rules of a page slope (positive: down to the right).

    Feature matching on a rough scan leaves up to a degree of rotation; the ruled lines
    measure it to a hundredth.
    """
    n, labels, stats, _ = components(horizontal)
    slopes, weights = [], []
    for i in np.flatnonzero(stats[:, cv2.CC_STAT_WIDTH] >= min_fraction * horizontal.shape[1]):
        if i == 0:
            continue
        x, y, w, h = stats[i, :4]
        ys, xs = np.nonzero(labels[y : y + h, x : x + w] == i)
        if xs.size < 50:
            continue
        slopes.append(np.polyfit(xs, ys, 1)[0])
        weights.append(w)
    if not slopes:
        return 0.0
    order = np.argsort(slopes)
    cumulative = np.cumsum(np.asarray(weights)[order])
    median = np.asarray(slopes)[order][np.searchsorted(cumulative, cumulative[-1] / 2)]
    return float(np.degrees(np.arctan(median)))


def find_frame(cells: list[Box], page_width: int, min_fraction: float = 0.2, slope: float = 0.02) -> tuple[int, int, int] | None:
    """(left, right, top) of the first row of wide boxes: the frame of a form's ruled body.

    The page may still be turned by a degree here, so the row's tops may differ by ``slope``
    of the page width.
    """
    wide = [c for c in cells if c[2] >= min_fraction * page_width]
    if not wide:
        return None
    top = min(c[1] for c in wide)
    row = [c for c in wide if c[1] - top <= slope * page_width]
    left, right = min(c[0] for c in row), max(c[0] + c[2] for c in row)
    if right - left < 0.5 * page_width:
        return None
    return left, right, top


def find_checkboxes(ink: np.ndarray, x_range: tuple[int, int], y_range: tuple[int, int]) -> list[Box]:
    """Small ruled squares in a region, top to bottom. An empty box in a narrow column can
    print as a tiny filled square, so no hole is required."""
    (x0, x1), (y0, y1) = x_range, y_range
    region = ink[y0:y1, x0:x1]
    contours, hierarchy = cv2.findContours(region, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    boxes = []
    for i, contour in enumerate(contours):
        x, y, w, h = cv2.boundingRect(contour)
        if not (hierarchy[0][i][3] < 0 and 8 <= w <= 120 and 8 <= h <= 120 and 0.2 <= w / h <= 5):
            continue
        if cv2.contourArea(contour) < 0.7 * w * h:  # a ruled square fills its bounding box
            continue
        boxes.append((x + x0, y + y0, w, h))
    return sorted(boxes, key=lambda b: b[1])


STEM_REACH = (6, 10)  # px above or below a rule's rows where a text line's stems still are
STEMS_OF_TEXT = 0.3  # a "rule" more of whose inked columns carry on there is a line of text


def inner_rules(ink: np.ndarray, cell: Box, min_coverage: float = 0.35, reach: float = 0.97, max_height: int = 10) -> list[int]:
    """y of horizontal rules across a cell (such as the hr lines of box 1), top to bottom.

    Read from the ink row by row, so a rule a photocopy broke into dashes still counts: a rule
    is a thin band of rows inked over ``min_coverage`` of the cell width, from within 3% of
    its left edge to within 3% of its right. A link's underline stops where its text stops.
    A line of text whose baseline or cap-line row is that full (serifs, and a speck at its
    end) is no rule: most of its inked columns carry on as stems, up or down (measured on a
    rough box 1: 0.43-0.51 of them 6-12 px up from a baseline, against 0.01-0.15 on either
    side of its dotted rules).
    """
    x, y, w, h = cell
    band = ink[y + 4 : y + h - 4, x + 4 : x + w - 4] > 0
    if band.size == 0:
        return []
    rows = band[:-2] | band[1:-1] | band[2:]  # a slightly tilted dash still counts
    coverage = rows.mean(axis=1)
    width = rows.shape[1]
    first = np.where(rows.any(axis=1), rows.argmax(axis=1), width)
    last = np.where(rows.any(axis=1), width - 1 - rows[:, ::-1].argmax(axis=1), -1)
    hit = np.flatnonzero((coverage >= min_coverage) & (first <= (1 - reach) * width) & (last >= reach * width))
    if hit.size == 0:
        return []
    groups = np.split(hit, np.flatnonzero(np.diff(hit) > 2) + 1)

    def stems(group: np.ndarray) -> float:
        """Share of the band's inked columns that go on up or down, whichever is more."""
        top, bottom = group[0], group[-1] + 3
        inked = band[top:bottom].any(axis=0)
        above = band[max(0, top - STEM_REACH[1]) : max(0, top - STEM_REACH[0])].any(axis=0)
        below = band[bottom + STEM_REACH[0] : bottom + STEM_REACH[1]].any(axis=0)
        return max(float((inked & side).sum()) for side in (above, below)) / max(1, int(inked.sum()))

    return [int(y + 4 + g.mean() + 1) for g in groups if g.size <= max_height and stems(g) <= STEMS_OF_TEXT]


_ANCHOR = re.compile(r"^(top|bottom|rule(\d+))([+-]\d+)?$")


def resolve(cell: Box, rules_y: list[int], spec: dict, scale: float = 1.0) -> Box | None:
    """A field rectangle from a box-map spec relative to its cell.

    ``top``/``bottom`` are anchors such as ``"top+60"``, ``"rule1-4"`` (the second inner rule)
    or ``"bottom"``, with fallbacks after ``|`` for a rule a bad scan lost
    (``"rule2-4|rule1+140"``); offsets are template pixels times ``scale``, the page's text
    size relative to the template's. ``left``/``right`` are fractions of the cell width.
    Returns None when no alternative of an anchor can be placed.
    """
    x, y, w, h = cell

    def anchor(text: str) -> int | None:
        for alternative in text.split("|"):
            placed = single(alternative)
            if placed is not None:
                return placed
        return None

    def single(text: str) -> int | None:
        m = _ANCHOR.match(text)
        if m is None:
            raise ValueError(f"bad anchor {text!r}")
        if m.group(1) == "top":
            base = y
        elif m.group(1) == "bottom":
            base = y + h
        else:
            i = int(m.group(2))
            if i >= len(rules_y):
                return None
            base = rules_y[i]
        return base + int(round(int(m.group(3) or 0) * scale))

    top, bottom = anchor(spec.get("top", "top")), anchor(spec.get("bottom", "bottom"))
    if top is None or bottom is None:
        return None
    left = x + int(round(spec.get("left", 0.0) * w))
    right = x + int(round(spec.get("right", 1.0) * w))
    top, bottom = max(top, y), min(bottom, y + h)
    if bottom - top < 4 or right - left < 4:
        return None
    return left, top, right - left, bottom - top
