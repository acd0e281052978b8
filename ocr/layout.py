"""Locate boxes and cells: the box map's entries resolved to rectangles on one located page.

Generic: the box map names the boxes and says how to find them (which cell, which rule,
which column); this module knows nothing of Form 4.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from . import locate
from .parse import letters_of, matches_label

Box = tuple[int, int, int, int]
MISSING_RULES = 3  # a body row this many cells short is a row with lost rules, not a header
ROW_GAP = 14  # px between the bottom of one row's cells and the top of the next (the rule)
CELL_TOLERANCE = 40  # px at 300 dpi between a header cell's expected and found left edge and width


@dataclass
class FieldBox:
    """A rectangle to read and what it holds.

    ``key`` is the element path for header fields; table cells carry table/row/column instead
    and get their path once the row's kind (transaction or holding) is known.
    """

    key: str
    kind: str
    box: Box
    page: int
    settings: dict[str, Any] = field(default_factory=dict)
    table: str | None = None
    row: int | None = None
    column: int | None = None


@dataclass
class PageGeometry:
    """What the ruled lines of one page say: cells, rows, and the rule masks."""

    ink: Any
    rules: locate.Rules
    cells: list[Box]
    rows: list[list[Box]]
    open_bottoms: list[int] = field(default_factory=list)  # y of row feet a page break left open

    @property
    def bottom_of_cells(self) -> int:
        return max((y + h for _, y, _, h in self.cells), default=0)


def measure(gray, close_clipped: bool = True) -> PageGeometry:
    """Ink, rules, cells and rows of a page (``close_clipped``: see ``locate.find_cells``)."""
    ink = locate.binarize(gray)
    rules = locate.find_rules(ink)
    feet = locate.open_bottoms(rules) if close_clipped else []
    cells = locate.find_cells(rules, close_clipped=close_clipped, feet=feet)
    return PageGeometry(ink, rules, cells, locate.group_rows(cells), [max(y for _, y in foot) for foot in feet])


def column_cell(cells: list[Box], x: int, w: int, index: int) -> Box | None:
    """The ``index``-th cell (top to bottom) of a column of boxes with this left edge and width."""
    column = [c for c in cells if abs(c[0] - x) <= CELL_TOLERANCE and abs(c[2] - w) <= CELL_TOLERANCE]
    column.sort(key=lambda c: c[1])
    return column[index] if index < len(column) else None


def settings_for(boxes: dict[str, Any], kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    """OCR settings of a field: its kind's defaults from the box map, overridden by the field."""
    merged = dict(boxes.get("kinds", {}).get(kind, {}))
    merged.update({k: spec[k] for k in ("psm", "whitelist", "underlined") if k in spec})
    return merged


def checkbox_fields(boxes: dict[str, Any], geometry: PageGeometry, page: int, frame_top: int) -> list[FieldBox]:
    """The form's top checkboxes, found as small ruled squares left of the title, each given to
    the element whose place on the template it is nearest.

    The mark is read in the square's interior (a fifth in from each side, so the border is not
    ink); an empty box in a narrow column prints smaller than a mark and is read as empty.
    """
    spec = boxes["checkboxes"]
    height, width = geometry.ink.shape
    squares = locate.find_checkboxes(geometry.ink, (int(spec["x"][0] * width), int(spec["x"][1] * width)),
                                     (int(spec["y"][0] * height), frame_top))
    out = []
    for path, (x, y, w, h) in _by_place(spec["paths"], spec["expected_y"], squares):
        dx, dy = max(2, w // 5), max(2, h // 5)
        settings = {"role": "value", "can_hold_mark": min(w, h) >= spec["min_marked_size"]}
        out.append(FieldBox(path, "mark", (x + dx, y + dy, w - 2 * dx, h - 2 * dy), page, settings))
    return out


def _by_place(paths: list[str], expected_y: list[int], squares: list[Box]) -> list[tuple[str, Box]]:
    """Each path with the square nearest its place on the template: a square a bad scan
    lost must not hand its mark to the next box's element."""
    pairs = []
    for path, y in zip(paths, expected_y):
        if squares:
            nearest = min(squares, key=lambda s: abs(s[1] - y))
            if all(abs(nearest[1] - other) >= abs(nearest[1] - y) for other in expected_y):
                pairs.append((path, nearest))
    return pairs


LABEL_LINE = 1.6  # a line holding a label has at most this many times its letters ("7932 Wilshire Street" is a value)
LABEL_WORD_SCORE = 65  # a label word read with one letter wrong ("(Zin)" for "(Zip)") still counts
_BRACKETED = re.compile(r"^[({\[|']|[)}\]|]$")


def _holds_label_words(text: str, label: str) -> bool:
    """Whether a line holds most of a label's bracketed words, when a bad scan set them
    apart ("(Last) (First)" over a "(Middle)" of its own) or lost one ("{City) (State}")."""
    wanted = [letters_of(w) for w in label.split() if _BRACKETED.search(w)]
    words = [letters_of(w) for w in text.split() if _BRACKETED.search(w) and letters_of(w)]
    found = {i for w in words for i, want in enumerate(wanted) if fuzz.ratio(w, want) >= LABEL_WORD_SCORE}
    return bool(wanted) and len(found) >= (len(wanted) + 1) // 2


def _label_line(lines: list[tuple[str, Box]], label: str) -> int | None:
    """Index of the first line that is the printed ``label``, not a value that holds its word."""
    letters = len(letters_of(label))
    return next((i for i, (t, _) in enumerate(lines)
                 if (matches_label(t, label) or _holds_label_words(t, label)) and len(letters_of(t)) <= LABEL_LINE * letters), None)


def between_labels(lines: list[tuple[str, Box]], cell: Box, above: str, below: str, *,
                   else_before: str | None = None, else_line_above: bool = False) -> Box | None:
    """The band of a cell between the line holding printed label ``above`` and the line
    holding ``below``: where a value sits when the rules that frame it are lost. Without a
    line for ``below``, the band ends at the line of text above ``else_before`` (the next
    label down, whose own value is that one line); without one for ``above``, with
    ``else_line_above``, the band is the one line of text above ``below``."""
    lines = sorted(lines, key=lambda line: line[1][1])  # OCR gives a line set apart after the block it left
    first, last = _label_line(lines, above), _label_line(lines, below)
    if first is None and else_line_above and last is not None and last > 0:
        first = last - 1
        top = lines[first][1][1] - 4
    elif first is None:
        return None
    else:
        top = lines[first][1][1] + lines[first][1][3]
    if last is not None:
        bottom = lines[last][1][1]
    elif else_before is not None and (after := _label_line(lines, else_before)) is not None and after - 1 > first:
        bottom = lines[after - 1][1][1]
    else:
        return None
    if bottom - top < 10:
        return None
    return cell[0], top + 2, cell[2], bottom - top - 4


VALUE_ABOVE_RULE = 20  # template px: a rule this far below a band's top ends the value above it


def above_rule(rect: Box, rules_y: list[int], scale: float) -> Box:
    """A band between labels cut at the first rule found inside it (for a field with
    ``ends_at_rule``): the rules a bad scan left are the value's underline, and below it
    sparse-text OCR reads the dots of the rest as words ("LOS ANGELES CA 90093", then
    "* =r saa"). Measured on six sets: 5 city lines set right, none broken; cut, the street
    band (read as a block) came out 3 worse and none better, so it is not cut."""
    x, y, w, h = rect
    inside = [r for r in rules_y if y + VALUE_ABOVE_RULE * scale <= r < y + h]
    return (x, y, w, inside[0] - 4 - y) if inside else rect


def header_fields(boxes: dict[str, Any], geometry: PageGeometry, page: int, scale: float,
                  read_lines: Callable[[Box], list[tuple[str, Box]]] | None = None) -> tuple[list[FieldBox], list[str]]:
    """Fields of the header cells (boxes 1-6); warnings for cells or anchors not found.

    A field is placed by the inner rules of its box (those at least ``rules_from`` below its
    top: nearer, a rule is the underline of the first value). When a bad scan found another number
    of rules than the box map's ``rules`` (a rule lost, or a row of text and specks taken
    for one), fields with ``between`` are placed between the printed labels ``read_lines``
    finds in the box instead.
    """
    out, warnings = [], []
    for cell_spec in boxes.get("cells", []):
        cell = column_cell(geometry.cells, cell_spec["x"], cell_spec["w"], cell_spec["index"])
        if cell is None:
            warnings.append(f"box {cell_spec['name']} not found on page {page + 1}")
            continue
        rules_y = [y for y in locate.inner_rules(geometry.ink, cell) if y >= cell[1] + cell_spec.get("rules_from", 0)]
        by_labels = read_lines is not None and len(rules_y) != cell_spec.get("rules", 0)
        lines = read_lines(cell) if by_labels else []
        for spec in cell_spec["fields"]:
            key = spec.get("path") if "path" in spec else "|".join(spec["paths"])
            rect = None
            if by_labels and "between" in spec:
                rect = between_labels(lines, cell, *spec["between"], else_before=spec.get("else_before"),
                                      else_line_above=spec.get("else_line_above", False))
                if rect is not None and spec.get("ends_at_rule"):
                    rect = above_rule(rect, rules_y, scale)
            rect = rect or locate.resolve(cell, rules_y, spec, scale)
            if rect is None:
                warnings.append(f"{key or cell_spec['name']}: anchor in box {cell_spec['name']} not found")
                continue
            settings = settings_for(boxes, spec["kind"], spec)
            settings.update({k: spec[k] for k in ("role", "switch", "initial_apart", "roman_numerals") if k in spec})
            settings["labels"] = cell_spec.get("labels", [])
            out.append(FieldBox(key, spec["kind"], rect, page, settings))
    return out, warnings


def apply_switches(fields: list[FieldBox], marks: dict[str, bool]) -> list[FieldBox]:
    """Give switched fields their element once the page's marks are read.

    One printed cell may hold either of two elements, named by which box is marked (the
    relationship box prints officer title and other text in one row); when both are marked,
    the cell is cut at ``split`` of its width, left part to the first element, or, when the
    print ``joined`` the two texts with nothing between them, read whole and split by its
    words (see ``parse.split_joined``).
    """
    out = []
    for f in fields:
        switch = f.settings.get("switch")
        if not switch:
            out.append(f)
            continue
        first, second = marks.get(switch["mark"], False), marks.get(switch["other_mark"], False)
        if first and second and switch.get("joined"):
            out.append(FieldBox(f.key, f.kind, f.box, f.page, f.settings | {"joined_with": switch["unmarked_path"]}))
        elif first and second and "split" in switch:
            x, y, w, h = f.box
            cut = int(w * switch["split"])
            out.append(FieldBox(f.key, f.kind, (x, y, cut, h), f.page, f.settings))
            out.append(FieldBox(switch["unmarked_path"], f.kind, (x + cut, y, w - cut, h), f.page, f.settings))
        else:
            out.append(FieldBox(f.key if first or not second else switch["unmarked_path"], f.kind, f.box, f.page, f.settings))
    return out


def _rebuild(row: list[Box], reference: list[Box], tolerance: int = 15, from_first: bool = True) -> list[Box] | None:
    """A row a bad scan lost a rule in (two cells read as one, or its last cell left open),
    rebuilt from a whole row of the same table on the page: its columns, at this row's
    height. None when the row does not line up with the reference (a header row, another
    table); with ``from_first``, when it does not start at its first column, else when it is
    not a run of the reference's columns, one cell each."""
    edges = [c[0] for c in reference]
    if (from_first and abs(row[0][0] - edges[0]) > tolerance) or any(min(abs(c[0] - e) for e in edges) > tolerance for c in row):
        return None
    columns = [min(range(len(edges)), key=lambda i: abs(c[0] - edges[i])) for c in row]
    if not from_first and columns != list(range(columns[0], columns[0] + len(row))):
        return None  # what is left of the row is a run of its columns, each in its own cell
    top = min(c[1] for c in row)
    height = max(c[1] + c[3] for c in row) - top
    return [(c[0], top, c[2], height) for c in reference]


def _cells_above(cells: list[Box], row: list[Box]) -> list[Box]:
    """The cells that end where the row's cells start, left to right: each compared with the
    row's cells it stands over, so a row that slopes (07002's foot: 28 px across Table II) still
    finds the header above it."""
    def over(c: Box) -> bool:
        return any(c[0] < r[0] + r[2] and r[0] < c[0] + c[2] and abs(c[1] + c[3] - r[1]) <= ROW_GAP for r in row)
    return sorted((c for c in cells if over(c)), key=lambda c: c[0])


def table_cells(boxes: dict[str, Any], geometry: PageGeometry, page: int, first_row: dict[str, int]) -> list[FieldBox]:
    """Body cells of every table on the page, row numbers continuing from ``first_row`` (updated).

    A body row is a run of cells sharing top and bottom with exactly the table's column count;
    repeated header rows never form such a run, so they are skipped on continuation pages. A
    row up to ``MISSING_RULES`` cells short is rebuilt (see ``_rebuild``) from the nearest
    whole row of its table above it, or from the header cells that end where it starts; when
    those header cells are as few as the row's and line up with them, the scan lost the
    table's last columns, and the row is read as the columns it has. Below a row of a table,
    rows are of that table or a later one (the print's order): a Table II row a rough scan
    left with 11 cells (its first four open into the specks at the page's foot) is no Table I
    row, and is rebuilt from a whole Table II row above it on the page when its cells line up
    with that row's columns (header rows come before any such row).
    """
    tables = boxes.get("tables", [])
    counts = [t["cells_per_row"] for t in tables]
    last_whole: dict[str, list[Box]] = {}
    reached = 0  # the tables print in the box map's order: a row is of the last one reached or a later one
    out = []
    for row in sorted(geometry.rows, key=lambda r: r[0][1]):
        n = min(counts[reached:], key=lambda c: (c < len(row), abs(c - len(row))))
        index_of_table = reached + counts[reached:].index(n)
        table = tables[index_of_table]
        name = table["element"]
        # more cells lost, but at least half left, in line with a whole row of the table above
        far_short = len(row) < n - MISSING_RULES and 2 * len(row) >= n and name in last_whole
        if not (n - MISSING_RULES <= len(row) <= n or far_short):
            continue
        if len(row) < n:
            above = _cells_above(geometry.cells, row)
            reference = last_whole.get(name) or (above if len(above) == n and not far_short else None)
            # far short, a row may have lost its first cells too: at a page's foot they leak into the specks below
            rebuilt = _rebuild(row, reference, from_first=not far_short) if reference else None
            if rebuilt is None and not far_short and len(above) == len(row) and _rebuild(row, above) is not None:
                rebuilt = row  # the scan cut the table's last columns off, header and body alike
            if rebuilt is None:
                continue
            row = rebuilt
        reached = index_of_table
        last_whole[name] = row
        index = first_row.get(name, 0)
        first_row[name] = index + 1
        bottom = max(c[1] + c[3] for c in row)
        continues = any(abs(bottom - y) <= ROW_GAP for y in geometry.open_bottoms)
        for column, (cell, spec) in enumerate(zip(row, table["columns"])):
            settings = settings_for(boxes, spec["kind"], spec) | ({"continues": True} if continues else {})
            out.append(FieldBox(f"{name}/{index}/{column}", spec["kind"], cell, page, settings, name, index, column))
    return out
