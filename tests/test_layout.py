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


# Box 1 of a rough scan whose rule under the street lines was lost: "(Middle)" was set apart
# from its label line, which OCR gives last, and the city's label lost its "(Zip)".
APART = [
    ("1. Name nd ies of Reporung Person’", (161, 512, 513, 52)),
    ("ROBINSON SUSAN LYNN", (170, 574, 494, 32)),
    ("(Last) (First)", (167, 668, 325, 44)),
    ("C/O MOSAIC FINANCIAL CORP", (166, 730, 500, 27)),
    ("P.O. BOX 48414", (167, 784, 237, 25)),
    ("(Street)", (157, 877, 89, 26)),
    ("| ROCHESTER NY", (145, 919, 323, 36)),
    ("(Middle)", (678, 685, 96, 24)),
    ("{City) (State}", (163, 1013, 337, 46)),
]


def test_labels_read_in_part_and_out_of_order():
    _, top, _, height = between_labels(APART, CELL, LAST, STREET)
    assert 712 <= top < 730 and 784 + 25 < top + height <= 877  # both street lines, not the city's
    _, top, _, height = between_labels(APART, CELL, STREET, CITY)
    assert 877 + 26 <= top < 919 and 919 + 36 < top + height <= 1013  # the city's line alone


def test_a_value_with_a_labels_word_in_it_is_no_label_line():
    lines = [("(Last) (First) (Middle)", (166, 690, 600, 27)), ("12 STREET PLAZA", (168, 739, 356, 27)),
             ("(Street)", (148, 832, 101, 45))]
    _, top, _, height = between_labels(lines, CELL, LAST, STREET)
    assert top + height > 739 + 27  # "STREET" unbracketed is a value's word
