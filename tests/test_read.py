"""Raised footnote marks are cut from a box's ink before OCR, wherever the print puts them."""
import cv2
import numpy as np

from ocr.read import split_superscript, text_lines


def _ink(lines: list[tuple[str, float, tuple[int, int]]]) -> np.ndarray:
    page = np.zeros((160, 320), np.uint8)
    for text, scale, origin in lines:
        cv2.putText(page, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, 255, 2)
    return page


def test_a_raised_mark_after_the_value():
    ink = _ink([("757", 1.2, (10, 60)), ("(1)", 0.6, (80, 38))])
    main, marks = split_superscript(ink)
    assert marks is not None and marks[:, :75].sum() == 0 and main[:, 80:].sum() == 0


def test_marks_wrapped_onto_a_line_of_their_own():
    ink = _ink([("Footnote", 1.2, (10, 50)), ("(2)", 0.6, (10, 110))])
    main, marks = split_superscript(ink)
    assert marks is not None and marks[:80].sum() == 0 and main[80:].sum() == 0


def test_a_short_last_line_of_words_is_not_marks():
    ink = _ink([("Option", 1.2, (10, 50)), ("buy", 0.8, (10, 110))])
    assert split_superscript(ink)[1] is None


def test_text_lines_of_a_wrapped_title():
    ink = _ink([("Pre-", 1.0, (10, 40)), ("Funded", 1.0, (10, 85)), ("Warrants (right", 1.0, (10, 130))])
    lines = text_lines(ink)
    assert len(lines) == 3 and lines[0][1] < lines[1][0] < lines[1][1] < lines[2][0]


def test_an_i_dot_is_not_a_line_of_its_own():
    ink = _ink([("min", 1.4, (10, 60))])
    assert len(text_lines(ink, gap=1)) == 1
