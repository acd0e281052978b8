"""Header fields placed between their printed labels when a bad scan loses the rules that
frame them: the lines are those OCR found in box 1 of rough scans (text, box in page px)."""
from __future__ import annotations

import numpy as np

from ocr.layout import above_rule, between_labels
from ocr.locate import inner_rules

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


def test_a_band_between_labels_ends_at_the_rule_under_its_value():
    band = (145, 876, 807, 103)  # "LOS ANGELES CA 90093", then its dotted rule at 959
    assert above_rule(band, [651, 959], 1.0) == (145, 876, 807, 959 - 4 - 876)
    assert above_rule(band, [651, 885], 1.0) == band  # a rule at the band's top is the label's
    assert above_rule(band, [651], 1.0) == band


def test_a_text_baseline_a_speck_makes_full_is_no_rule():
    ink = np.zeros((300, 800), np.uint8)
    ink[60:62, 2:798:6] = 255  # a dotted rule
    ink[61, 2:798] = 255
    for left in range(20, 700, 22):  # a line of "H"s with serifs, baseline at row 170
        ink[140:171, left : left + 4] = ink[140:171, left + 10 : left + 14] = 255
        ink[168:171, left - 2 : left + 16] = 255
    ink[168:171, 785:795] = 255  # a speck at the line's end
    ink[250:253, 2:798] = 255  # a solid rule
    assert [abs(y - want) <= 2 for y, want in zip(inner_rules(ink, (0, 0, 800, 300)), (61, 251))] == [True, True]


def test_box1_of_a_rough_scan_whose_street_line_looks_like_a_rule(tmp_path):
    """Filing 11007 of the rough profile: the street line's serifs and a speck at its end
    filled its baseline row like a rule, so the street was read from a crop cut through its
    letters ("AQSR FART HIT") and the city line was not found."""
    from ocr.corpus.build import build_one, plan
    from ocr.pipeline import read_document

    entry = build_one(plan(8, 11000, ["clean", "office", "rough", "flipped", "fax"], 0.3)[7], tmp_path)
    owner = read_document(tmp_path / entry["file"]).document["reportingOwner"][0]
    assert owner["reportingOwnerAddress"] == {"rptOwnerStreet1": "4958 EAST HILL PLAZA, SUITE 3182",
                                              "rptOwnerCity": "MILWAUKEE", "rptOwnerState": "WI", "rptOwnerZipCode": "53269"}


def test_a_table_ii_row_a_rough_scan_left_with_eleven_cells_stays_in_table_ii(tmp_path):
    """Rough filing 15042: the last Table II row of page 1 kept 11 of its 16 cells (its first
    four open into the specks at the page's foot); it had been read as a Table I holding,
    and every Table II row after it one row off."""
    from ocr.corpus.build import build_one, plan
    from ocr.pipeline import read_document

    entry = build_one(plan(43, 15000, ["clean", "office", "rough", "flipped", "fax"], 0.3)[42], tmp_path)
    document = read_document(tmp_path / entry["file"]).document
    assert "nonDerivativeHolding" not in document["nonDerivativeTable"]
    rows = document["derivativeTable"]["derivativeTransaction"]
    assert len(rows) == 5  # measured: the five of the truth, the fourth "344623" shares of Warrants
    assert rows[3]["transactionAmounts"]["transactionShares"]["value"] == "344623"
    assert rows[4]["securityTitle"]["value"] == "Call Option (right to buy)"


def test_a_speck_in_an_empty_code_cell_leaves_a_holding_a_holding(tmp_path):
    """Rough filing 15047: a speck beside the stub of the code cell's rule was read "D", and
    the row's only Table I holding was written as a transaction."""
    from ocr.corpus.build import build_one, plan
    from ocr.pipeline import read_document

    entry = build_one(plan(48, 15000, ["clean", "office", "rough", "flipped", "fax"], 0.3)[47], tmp_path)
    table = read_document(tmp_path / entry["file"]).document["nonDerivativeTable"]
    assert "nonDerivativeTransaction" not in table
    assert table["nonDerivativeHolding"][0]["postTransactionAmounts"]["sharesOwnedFollowingTransaction"]["value"] == "8930"


def test_a_table_ii_row_split_by_the_page_break_on_a_sloping_page_is_read(tmp_path):
    """Rough filing 07002: page 1 ends in the head of a Table II holding, its foot open, and the
    page still slopes 0.9 degrees after alignment, so its rules end 32 px apart in height; a
    foot drawn level at one height closed no cell, and the row (8 fields) was lost."""
    from ocr.corpus.build import build_one, plan
    from ocr.pipeline import read_document

    entry = build_one(plan(3, 7000, ["clean", "office", "rough", "flipped", "fax"], 0.3)[2], tmp_path)
    holding = read_document(tmp_path / entry["file"]).document["derivativeTable"]["derivativeHolding"][0]
    assert holding["conversionOrExercisePrice"]["value"] == "18.52"
    assert holding["exerciseDate"]["value"] == "2021-06-08"
    assert holding["underlyingSecurity"]["underlyingSecurityShares"]["value"] == "4367"
    assert holding["postTransactionAmounts"]["sharesOwnedFollowingTransaction"]["value"] == "4367"
