"""A number's decimal point told from its thousands comma by the glyph, on rendered filings
through the fax profile, where Tesseract reads "43.174" as "43,174"."""
from __future__ import annotations

import copy

import numpy as np
import pytest
from scan_files import printed_pages, scan_and_read

from ocr import ownership
from ocr.corpus.generate import generate_filing
from ocr.separators import separator_depths, settle_separators

# (shares, owned after): each a point or a comma before the last three digits
AMOUNTS = [("43.174", "827263.631"), ("5607", "236600.631"), ("307.369", "1090333"), ("166121", "195908.631"),
           ("342.984", "43174"), ("1240", "1178138.016"), ("55607", "594425.631"), ("8361", "290377.587")]


def fractional_filing() -> ownership.Doc:
    """A 2023 filing whose Table I rows hold AMOUNTS, without footnote marks."""
    doc = generate_filing(3, "2023")
    doc.pop("derivativeTable", None)
    first = doc["nonDerivativeTable"]["nonDerivativeTransaction"][0]
    rows = []
    for shares, after in AMOUNTS:
        row = copy.deepcopy(first)
        row["transactionAmounts"]["transactionShares"] = {"value": shares}
        row["postTransactionAmounts"]["sharesOwnedFollowingTransaction"] = {"value": after}
        rows.append(row)
    doc["nonDerivativeTable"] = {"nonDerivativeTransaction": rows}
    return doc


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> list[np.ndarray]:
    return printed_pages(fractional_filing(), tmp_path_factory.mktemp("separators") / "fractional.pdf")


def test_points_and_commas_on_a_fax(printed, tmp_path):
    pages = printed
    points = 0
    for seed in (2, 4, 6):
        rows = scan_and_read(pages, "fax", seed, tmp_path).document["nonDerivativeTable"]["nonDerivativeTransaction"]
        assert len(rows) == len(AMOUNTS)
        read = [(r["transactionAmounts"]["transactionShares"].get("value", ""),
                 r["postTransactionAmounts"]["sharesOwnedFollowingTransaction"].get("value", "")) for r in rows]
        pairs = [(w, r) for want, got in zip(AMOUNTS, read) for w, r in zip(want, got)]
        assert sum(w.replace(".", "") == r.replace(".", "") for w, r in pairs) >= 14, pairs  # measured: 16 of 16
        points += sum(w == r for w, r in pairs if "." in w)
        # a comma is never taken for a point: every whole amount whose digits are read is right
        assert all(w == r for w, r in pairs if "." not in w and r.replace(".", "") == w), pairs
    # measured: 23 of the 27 points read as points; without the glyph test 16
    assert points >= 21


def line_of(glyphs: list[tuple[int, int | None]], height: int = 30) -> np.ndarray:
    """A mask of glyphs (width, depth below the baseline) side by side: digits are 30 px tall
    columns, anything with a depth is a small separator that reaches that far down."""
    mask = np.zeros((60, 20 * len(glyphs) + 20), np.uint8)
    x, base = 10, 40
    for width, depth in glyphs:
        if depth is None:
            mask[base - height : base, x : x + width] = 255
        else:
            mask[base - 6 : base + depth, x : x + width] = 255
        x += width + 4
    return mask


DIGIT, POINT, COMMA = (10, None), (5, 0), (5, 5)


def test_separator_depths_left_to_right():
    mask = line_of([DIGIT, COMMA, DIGIT, DIGIT, DIGIT, POINT, DIGIT])
    depths = separator_depths(mask)
    assert [round(d, 2) for d, _ in depths] == [round(5 / 30, 2), 0.0]


@pytest.mark.parametrize("text,glyphs,want", [
    ("4,174", [DIGIT, POINT, DIGIT, DIGIT, DIGIT], "4.174"),  # a point read as a comma
    ("4.174", [DIGIT, COMMA, DIGIT, DIGIT, DIGIT], "4,174"),  # and the other way
    ("4,17", [DIGIT, POINT, DIGIT, DIGIT], "4,17"),  # two digits after: the parser knows it is a point
    ("4,174", [DIGIT, DIGIT, DIGIT, DIGIT], "4,174"),  # no glyph for the comma read: left as read
    ("4,174,5", [DIGIT, COMMA, DIGIT, DIGIT, DIGIT, POINT, DIGIT], "4,174,5"),  # not the last separator
    ("1,174,555", [DIGIT, POINT, DIGIT, DIGIT, DIGIT, COMMA, DIGIT, DIGIT, DIGIT], "1,174,555"),  # only the last
])
def test_settle_separators(text, glyphs, want):
    assert settle_separators(text, line_of(glyphs)) == want
