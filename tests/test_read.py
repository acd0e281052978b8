"""Raised footnote marks are cut from a box's ink before OCR, wherever the print puts them."""
import cv2
import numpy as np
import pytest

from ocr.locate import Rules
from ocr.glyphs import holds_parenthesis
from ocr.read import (digits_wide, ink_mask, last_bracketed, last_glyph_apart, main_line, roman_candidates,
                      roman_numerals, split_after_letter, split_superscript, stems, text_lines)


def _ink(lines: list[tuple[str, float, tuple[int, int]]]) -> np.ndarray:
    page = np.zeros((160, 320), np.uint8)
    for text, scale, origin in lines:
        cv2.putText(page, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, 255, 2)
    return page


def test_a_raised_mark_after_the_value():
    ink = _ink([("757", 1.2, (10, 60)), ("(1)", 0.6, (80, 38))])
    main, marks = split_superscript(ink)
    assert marks is not None and marks[:, :75].sum() == 0 and main[:, 80:].sum() == 0


def test_a_speck_after_the_mark_or_on_a_line_below_does_not_hide_it():
    # rough scans: a dot at the baseline after "(1)", or alone under the value
    for speck in ((128, 58), (30, 120)):
        ink = _ink([("757", 1.2, (10, 60)), ("(1)", 0.6, (80, 38))])
        cv2.circle(ink, speck, 2, 255, -1)
        main, marks = split_superscript(ink)
        assert marks is not None and marks[:, :75].sum() == 0 and main[:, 80:122].sum() == 0
        assert main[speck[1], speck[0]] == 255  # the speck is not taken for a mark


def test_a_speck_as_large_as_a_mark_glyph_below_the_value_does_not_hide_the_mark():
    ink = _ink([("Trust", 1.2, (10, 60)), ("(1)", 0.6, (110, 38))])
    ink[100:109, 40:47] = 255  # a photocopier's dot, as tall as the mark's ")"
    main, marks = split_superscript(ink)
    assert marks is not None and marks[:, :105].sum() == 0 and main[:, 108:].sum() == 0


def test_a_mark_digit_broken_in_two_is_still_raised():
    # the pieces of a photocopied "0(2)" (rough tuning filing 1037): the 2's foot is a piece
    # of its own, its top lower than the value's cap height
    ink = np.zeros((60, 150), np.uint8)
    cv2.rectangle(ink, (89, 18), (106, 44), 255, 3)  # the value "0"
    for x0, y0, x1, y1 in ((110, 15, 112, 33), (119, 15, 124, 25), (115, 27, 124, 32), (128, 19, 132, 34)):
        ink[y0 : y1 + 1, x0 : x1 + 1] = 255  # "(", the 2's arm, its foot, ")"
    main, marks = split_superscript(ink)
    assert marks is not None and marks[:, :109].sum() == 0 and main[:, 110:].sum() == 0


def test_letters_beside_an_underlined_word_are_no_marks():
    # a fax merges most of a name with its underline; the letters left apart sit as high
    # above the underline's bottom as marks would, but are taller than the print's marks
    ink = _ink([("SULLIV", 1.5, (10, 70)), ("AN", 1.5, (190, 70))])
    ink[74:80, 5:180] = 255
    for x in (14, 50, 90, 130, 160):  # strokes that join letters to the underline
        cv2.line(ink, (x, 74), (x, 62), 255, 2)
    assert split_superscript(ink)[1] is not None  # the letters do look raised
    assert split_superscript(ink, mark_height=21)[1] is None


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


def test_a_rule_a_fax_broke_into_dashes_is_not_ink():
    ink = _ink([("06/23/2023", 1.0, (10, 40)), ("Pre-Funded", 1.0, (10, 90))])
    for x in range(5, 315, 14):  # a rule in dashes 4 px long and 3 px high, every 14 px
        ink[140:143, x : x + 4] = 255
    empty = Rules(np.zeros_like(ink), np.zeros_like(ink))
    box = (0, 0, ink.shape[1], ink.shape[0])
    mask = ink_mask(ink, empty, box, dotted=True)
    assert not mask[135:150].any()  # the dashes are gone
    assert np.array_equal(mask[:120] > 0, ink[:120] > 0)  # the hyphen and every glyph stay
    assert ink_mask(ink, empty, box)[140:143].any()  # only fields ask for it


def test_a_speck_whose_only_neighbour_is_a_rule_stub_is_not_ink():
    """Rough filing 15047: a speck in an empty code cell kept itself as ink beside the stub of
    the cell's left rule, which clearing the border then dropped; Tesseract read it "D" and
    the holding became a transaction."""
    ink = np.zeros((111, 106), np.uint8)
    ink[39:53, 0:2] = 255  # what is left of the rule, on the box's edge
    ink[45:51, 15:23] = 255  # a speck of 48 px
    empty = Rules(np.zeros_like(ink), np.zeros_like(ink))
    box = (0, 0, ink.shape[1], ink.shape[0])
    assert not ink_mask(ink, empty, box, clear_border="all").any()
    ink[30:60, 30:36] = 255  # a glyph beside it keeps it (a period, a decimal point)
    assert ink_mask(ink, empty, box, clear_border="all")[45:51, 15:23].all()


def test_what_follows_the_letter_of_a_one_letter_box():
    ink = _ink([("D", 1.2, (10, 60)), ("(1)", 0.6, (45, 52))])  # a mark sitting low, as a speck makes it
    letter, marks, specks = split_after_letter(ink)
    assert marks is not None and marks[:, :42].sum() == 0 and letter[:, 44:].sum() == 0 and not specks
    assert split_after_letter(_ink([("D", 1.2, (10, 60))]))[1] is None


def test_specks_beside_the_letter_of_a_one_letter_box():
    ink = _ink([("D", 1.2, (20, 60))])
    cv2.circle(ink, (8, 55), 3, 255, -1)  # a photocopier's dot before the letter ...
    letter, after, _ = split_after_letter(ink)
    assert after is None and letter[:, :14].sum() == 0 and letter[:, 20:].sum() == ink[:, 20:].sum()
    cv2.circle(ink, (60, 30), 3, 255, -1)  # ... and one after it, which is no mark
    letter, after, specks = split_after_letter(ink)
    assert after is not None and specks and letter[:, 50:].sum() == 0


def test_the_arms_a_fax_broke_off_an_f_stay_with_it():
    ink = np.zeros((80, 120), np.uint8)
    ink[20:60, 30:36] = 255  # the stem
    ink[20:24, 38:45] = 255  # the top arm in two pieces ...
    ink[20:24, 47:54] = 255
    ink[38:42, 38:46] = 255  # ... and the middle one
    letter, after, _ = split_after_letter(ink)
    assert after is None and np.array_equal(letter, ink)
    ink[22:40, 58:61] = 255  # a mark's "(" after it, a tall stroke: still what follows the letter
    ink[22:40, 75:78] = 255  # and its ")"
    letter, after, specks = split_after_letter(ink)
    assert after is not None and after[:, :56].sum() == 0 and letter[:, 38:54].any() and not specks


def test_the_line_of_a_one_line_value_among_specks():
    ink = _ink([("12/25/2023", 1.0, (10, 50)), ("(1)", 0.5, (172, 36))])  # a date and a raised mark
    value = ink.copy()
    for x, y in ((40, 110), (120, 140), (300, 45), (250, 12)):  # a photocopier's dots: below, far right, above
        cv2.circle(ink, (x, y), 3, 255, -1)
    assert np.array_equal(main_line(ink), value)
    number = _ink([("47,563", 1.0, (10, 50))])  # the comma reaches below the digits and stays
    assert np.array_equal(main_line(number), number)


def test_a_raised_run_without_a_parenthesis_is_no_mark():
    """What the raised-mark split takes off a rough scan's "12" or "Court" is given back to the
    value when no mark is read from it; a mark always holds a tall, thin stroke."""
    assert holds_parenthesis(_ink([("(1)", 0.6, (10, 40))]))
    assert holds_parenthesis(_ink([("(", 0.6, (10, 40))]))
    assert not holds_parenthesis(_ink([("2", 1.2, (10, 60))]))
    assert not holds_parenthesis(_ink([("t", 1.2, (10, 60))]))


class _Readings:
    """An engine stub that reads each size of a crop as given (by the crop's width)."""

    def __init__(self, by_width: dict[int, str]) -> None:
        self.by_width = by_width

    def read(self, *, image, psm, whitelist=None):
        return self.by_width[image.shape[1]], 0.8


def _canonical(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def test_a_doubtful_text_goes_to_the_reading_most_readings_agree_on(monkeypatch):
    from ocr import read

    crop = np.full((40, 100), 255, np.uint8)
    engine = _Readings({125: "Common Shares", 80: "Common Shares"})
    monkeypatch.setattr(read, "second_opinion", lambda image: ("CommonShares", 0.9))
    assert read.arbitrate(engine, crop, [(4, 30)], 6, ("Po Common Shares", 0.6), _canonical)[0] == "Common Shares"
    # two readings that differ from the first and from each other: the first stays, unless
    # the second engine sides with one of them
    engine = _Readings({125: "Cedar Ventures Fund", 80: "Cedar Ventures Fund III, L.P."})
    monkeypatch.setattr(read, "second_opinion", lambda image: ("Cedar VenturesFund", 0.9))
    assert read.arbitrate(engine, crop, [(4, 30)], 6, ("Cedar Ventures Fund L.P.", 0.6), _canonical)[0] == "Cedar Ventures Fund"
    monkeypatch.setattr(read, "second_opinion", lambda image: ("Cedr Vntres", 0.9))
    assert read.arbitrate(engine, crop, [(4, 30)], 6, ("Cedar Ventures Fund L.P.", 0.6), _canonical)[0] == "Cedar Ventures Fund L.P."


def test_what_the_last_brackets_enclose():
    mask = np.zeros((60, 400), np.uint8)
    cv2.putText(mask, "Holding Inc", (5, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 255, 2)  # capitals, an I among them
    for left in (250, 380):  # two brackets, taller than the capitals
        mask[8:52, left : left + 3] = 255
    cv2.putText(mask, "UAI", (275, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 255, 2)
    first, last = last_bracketed(mask)
    assert 253 <= first <= 256 and last == 380
    mask[:, 370:] = 0  # the closing bracket lost
    assert last_bracketed(mask) is None


def test_a_symbol_read_alone_replaces_the_lines_reading(tmp_path):
    """Clean filing 5035: read with its line, Tesseract gives "YOOD" as "Yoop"."""
    from ocr.corpus.build import build_one, plan
    from ocr.pipeline import read_document

    entry = build_one(plan(36, 5000, ["clean", "office", "rough", "flipped", "fax"], 0.3)[35], tmp_path)
    issuer = read_document(tmp_path / entry["file"]).document["issuer"]
    assert issuer["issuerTradingSymbol"] == "YOOD" and issuer["issuerName"] == "YELLOWSTONE FOODS CO"


def test_a_last_initial_set_apart_by_its_blank():
    mask = np.zeros((40, 400), np.uint8)
    left = 10
    for word in (5, 5):  # two words of five letters, 3 px between letters, 15 between words
        for _ in range(word):
            mask[5:35, left : left + 22] = 255
            left += 25
        left += 12
    mask[5:35, left - 12 + 8 : left - 12 + 30] = 255  # the initial, 11 px after the last word
    assert last_glyph_apart(mask)
    mask[5:35, left - 12 + 8 : left - 12 + 30] = 0
    mask[5:35, left - 12 : left - 12 + 22] = 255  # a letter 3 px after the one before: no initial
    assert not last_glyph_apart(mask)
    mask[5:35, left - 12 : left - 12 + 22] = 0
    mask[5:35, left - 10 : left - 10 + 22] = 255  # 5 px: wider than between letters, but no word break
    assert not last_glyph_apart(mask)


def test_an_initial_run_into_the_name_is_set_apart(tmp_path):
    """Office filing 7041: Tesseract reads "REYES KEVIN A" as "REYES KEVINA"."""
    from ocr.corpus.build import build_one, plan
    from ocr.pipeline import read_document

    entry = build_one(plan(42, 7000, ["clean", "office", "rough", "flipped", "fax"], 0.3)[41], tmp_path)
    assert read_document(tmp_path / entry["file"]).document["reportingOwner"][0]["reportingOwnerId"]["rptOwnerName"] == "REYES KEVIN A"


def test_a_faxed_price_whose_sign_and_zero_ran_together(tmp_path):
    """Fax filing 15034: the last Table II price "$0" is one glyph, its sign run into the 0;
    neither OCR engine read it, and the digit after the sign was not found."""
    from ocr.corpus.build import build_one, plan
    from ocr.pipeline import read_document

    entry = build_one(plan(35, 15000, ["clean", "office", "rough", "flipped", "fax"], 0.3)[34], tmp_path)
    rows = read_document(tmp_path / entry["file"]).document["derivativeTable"]["derivativeTransaction"]
    assert rows[5]["transactionAmounts"]["transactionPricePerShare"]["value"] == "0"


def test_a_faxed_price_whose_sign_ran_into_half_its_zero(tmp_path):
    """Fax filing 17049: the "$" of a Table II price "$0" holds the 0's left side, and the
    right side alone matched the print's 1 ("$1")."""
    from ocr.corpus.build import build_one, plan
    from ocr.pipeline import read_document

    entry = build_one(plan(50, 17000, ["clean", "office", "rough", "flipped", "fax"], 0.3)[49], tmp_path)
    rows = read_document(tmp_path / entry["file"]).document["derivativeTable"]["derivativeTransaction"]
    assert rows[1]["transactionAmounts"]["transactionPricePerShare"]["value"] == "0"


def test_how_many_digits_a_number_is_wide():
    mask = np.zeros((40, 200), np.uint8)
    mask[10:30, 20:31] = 255  # a digit 11 px wide, 20 high
    assert digits_wide(mask) == 1
    mask[10:30, 31:42] = 255  # a second run into it: one piece, two digits wide
    assert digits_wide(mask) == 2
    mask[10:30, 60:64] = 255  # a narrow 1 apart
    mask[28:33, 46:49] = 255  # and a comma, lower than a digit: no digit
    assert digits_wide(mask) == 3


def test_a_digit_tesseract_lost_of_a_short_number(tmp_path):
    """Flipped filing 9013: Tesseract reads the Table II amount "56", its digits run
    together, as "6" at confidence 0.96; the ink is two digits wide."""
    from ocr.corpus.build import build_one, plan
    from ocr.pipeline import read_document

    entry = build_one(plan(14, 9000, ["clean", "office", "rough", "flipped", "fax"], 0.3)[13], tmp_path)
    rows = read_document(tmp_path / entry["file"]).document["derivativeTable"]["derivativeTransaction"]
    assert rows[0]["transactionAmounts"]["transactionShares"]["value"] == "56"


def test_the_stems_of_a_printed_roman_numeral():
    word = np.zeros((40, 60), np.uint8)
    for left in (5, 20, 35):  # III: three stems whose serifs touch
        word[5:35, left : left + 5] = 255
    word[5:9, 3:42] = 255
    word[31:35, 3:42] = 255
    assert stems(word) == 3
    word[:, 33:] = 0
    assert stems(word) == 2


@pytest.mark.parametrize("text,candidates", [
    ("REDWOOD VENTURES FUND Hil, L.P.", [3]), ("NGUYEN JONATHAN H UI", [3]), ("/s/ Carolyn M. Bennett, 1]", [4]),
    ("Cedar Ventures Fund Il, L.P.", [3]), ("/s/ Sven N. Dubois, LI", [4]), ("/s/ Sven N. Dubois, li", [4]),
    ("ZHANG WEI LI", []), ("WANG EMILY | B", []), ("| WANG EMILY B", []), ("HU WEI", []), ("LEE ANN", []),
])
def test_which_words_may_be_a_garbled_roman_numeral(text, candidates):
    assert roman_candidates(text) == candidates


def test_a_garbled_numeral_is_set_in_place_and_the_lines_stay():
    """The word is found in the block reading of the crop; the reading's line breaks (a
    wrapped signature's "Attorney-" before "in-Fact") are kept."""
    from ocr.engine import Word

    crop = np.full((60, 300), 255, np.uint8)
    for left in (200, 215, 230):  # III on the second line
        crop[35:55, left : left + 5] = 0
    text = "/s/ Ann Lee, Attorney-\nin-Fact for Fund Hil"
    boxes = [(5, 5, 30, 20), (40, 5, 40, 20), (85, 5, 40, 20), (130, 5, 90, 20),
             (5, 35, 60, 20), (70, 35, 40, 20), (115, 35, 60, 20), (198, 35, 40, 22)]

    class Engine:
        def read_words(self, image, psm):
            return [[Word(t, 90.0, b, (0, 0, 0)) for t, b in zip(text.split(), boxes)]]

    assert roman_numerals(Engine(), crop, text) == "/s/ Ann Lee, Attorney-\nin-Fact for Fund III"
    assert roman_numerals(Engine(), crop, "/s/ Ann Lee") == "/s/ Ann Lee"


def test_a_roman_numeral_of_a_name_is_counted_in_its_ink(tmp_path):
    """Clean filing 9025: Tesseract reads the underlined "NGUYEN JONATHAN H III" as
    "NGUYEN JONATHAN H UI"; the suffix's ink has three stems."""
    from ocr.corpus.build import build_one, plan
    from ocr.pipeline import read_document

    entry = build_one(plan(26, 9000, ["clean", "office", "rough", "flipped", "fax"], 0.3)[25], tmp_path)
    owner = read_document(tmp_path / entry["file"]).document["reportingOwner"][0]["reportingOwnerId"]
    assert owner["rptOwnerName"] == "NGUYEN JONATHAN H III"
