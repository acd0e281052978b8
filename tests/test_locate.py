"""Cells from the ruled lines: the contour count of enclosed regions gives what connected
components of the blank paper give, on drawn grids and on scanned filings of both layouts."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocr.load import iter_pages
from ocr.locate import binarize, enclosed_regions, find_rules, piece_boxes


def _by_components(lines: np.ndarray) -> list[tuple[int, ...]]:
    _, _, stats, _ = cv2.connectedComponentsWithStats(cv2.bitwise_not(lines), connectivity=4)
    return sorted(tuple(int(v) for v in s) for s in stats[1:])


def _framed(height: int, width: int) -> np.ndarray:
    lines = np.zeros((height, width), np.uint8)
    lines[[0, -1], :] = 255
    lines[:, [0, -1]] = 255
    return lines


def test_nested_boxes_spurs_islands_and_corners():
    lines = _framed(400, 600)
    cv2.rectangle(lines, (20, 20), (300, 300), 255, 3)  # a box ...
    cv2.rectangle(lines, (60, 60), (200, 200), 255, 1)  # ... holding a box
    cv2.rectangle(lines, (230, 40), (250, 60), 255, 2)  # a checkbox: an island with its own hole
    cv2.line(lines, (300, 150), (340, 150), 255, 1)  # a rule that stops short: a spur into a region
    cv2.line(lines, (350, 20), (580, 20), 255, 3)
    cv2.line(lines, (350, 20), (350, 380), 255, 3)
    lines[200, 400:402] = 255  # a speck of rule
    lines[250, 420] = lines[251, 421] = 255  # two pixels touching at a corner only
    assert sorted(enclosed_regions(lines)) == _by_components(lines)


def _boxes_by_components(mask: np.ndarray) -> list[tuple[int, ...]]:
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return sorted(tuple(int(v) for v in s[:4]) for s in stats[1:])


def test_pieces_inside_the_hole_of_another_are_found():
    mask = np.zeros((300, 300), np.uint8)
    cv2.rectangle(mask, (10, 10), (290, 290), 255, 4)
    cv2.line(mask, (50, 150), (250, 150), 255, 2)  # inside the ring's hole
    mask[100, 100] = mask[101, 101] = 255  # joined at a corner: one piece
    assert sorted(piece_boxes(mask)) == _boxes_by_components(mask) and len(piece_boxes(mask)) == 3
    assert piece_boxes(np.zeros((5, 5), np.uint8)) == []


@pytest.mark.parametrize("layout, profile, seed", [("2023", "rough", 3), ("pre2023", "fax", 4)])
def test_the_cells_of_a_scanned_filing(tmp_path, layout, profile, seed):
    from ocr.corpus import scan
    from ocr.corpus.generate import generate_filing
    from scan_files import printed_pages

    page = printed_pages(generate_filing(seed, layout), tmp_path / "filing.pdf")[0]
    scanned, dpi = scan.degrade(page, profile, np.random.default_rng(seed))
    path = scan.write_scan([scanned], dpi, tmp_path / "scan.tif", scan.store_jpeg_quality(profile))
    rules = find_rules(binarize(next(iter_pages(path))))  # at 300 dpi, as the reader sees it
    lines = cv2.bitwise_or(cv2.dilate(rules.horizontal, np.ones((3, 3), np.uint8)),
                           cv2.dilate(rules.vertical, np.ones((3, 3), np.uint8)))
    lines[[0, -1], :] = 255
    lines[:, [0, -1]] = 255
    regions = sorted(enclosed_regions(lines))
    assert len(regions) > 50
    assert regions == _by_components(lines)
    for mask in (rules.horizontal, rules.vertical):
        assert sorted(piece_boxes(mask)) == _boxes_by_components(mask)


def test_a_clipped_last_column_closes_though_its_rules_slope():
    # a rough scan left the table's right border as dots and its rules a few px off level
    # at their ends: the border drawn in their place must still meet them
    from ocr.locate import Rules, find_cells

    horizontal = np.zeros((600, 1000), np.uint8)
    vertical = np.zeros_like(horizontal)
    for y0, y1 in ((130, 100), (270, 300)):  # each rule sloping away from the other at its end
        cv2.line(horizontal, (50, y0), (960, y1), 255, 3)
    for x in (50, 500):
        cv2.line(vertical, (x, 100), (x, 300), 255, 3)
    cells = find_cells(Rules(horizontal, vertical))
    assert any(abs(x - 502) <= 4 and x + w >= 950 for x, y, w, h in cells), cells
