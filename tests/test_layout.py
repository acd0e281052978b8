"""Header fields placed between their printed labels when a bad scan loses the rules that
frame them: the lines are those OCR found in box 1 of rough scans (text, box in page px)."""
from __future__ import annotations

from ocr.layout import between_labels

CELL = (145, 821, 781, 560)
LINES = [
    ("1. Name and Address of Reporting Person", (163, 837, 505, 38)),
    ("Cedar Ventures Fund III, L.P.", (166, 885, 498, 40)),
    ("(Last) (First) {Middie}", (168, 991, 593, 34)),
    ("C/O Highland Ingredients, Inc.", (168, 1043, 425, 36)),
    ("7932 Wilshire Street, Suite 4614", (167, 1088, 448, 38)),
    ("(Street)", (157, 1193, 87, 25)),
    ("| Cambridge MA 02183", (145, 1221, 604, 66)),
    ("(City) (State) (2p)", (146, 1318, 569, 57)),
]
LAST, STREET, CITY = "(Last) (First) (Middle)", "(Street)", "(City) (State) (Zip)"


def test_a_value_holding_a_labels_word_is_no_label():
    _, top, _, height = between_labels(LINES, CELL, LAST, STREET)
    assert top < 1043 and top + height > 1088 + 38  # both street lines, not cut at "... Street, Suite"


def test_a_lost_label_line():
    lines = [line for line in LINES if line[0] != "(Street)"]
    assert between_labels(lines, CELL, LAST, STREET) is None
    _, top, _, height = between_labels(lines, CELL, LAST, STREET, else_before=CITY)
    assert top < 1043 and 1088 + 38 < top + height <= 1221  # down to the city's line
    _, top, _, height = between_labels(lines, CELL, STREET, CITY, else_line_above=True)
    assert 1088 + 38 - 10 < top <= 1221 and top + height >= 1221 + 60  # that one line
