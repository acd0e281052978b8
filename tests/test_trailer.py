"""The signature's name and date columns, found from the ink when a scan moved them."""
import re

import numpy as np
import pytest

from ocr.trailer import _lines_above, _signature_columns

X0 = 1000  # page x where the mask starts


def _rows(blocks: list[tuple[int, int]], width: int = 1200) -> np.ndarray:
    mask = np.zeros((60, width), np.uint8)
    for left, right in blocks:
        mask[10:50, left - X0 : right - X0] = 255
    return mask


def test_columns_follow_a_shifted_scan():
    # name 1480-1905 in words, date 1930-2100, a rule's stub at the page edge
    mask = _rows([(1480, 1600), (1610, 1760), (1770, 1905), (1930, 1990), (1997, 2100), (2180, 2184)])
    name, date = _signature_columns(mask, X0, split=1949, reach=150, min_gap=6, max_gap=50)
    assert name == (1480, 1905) and date == (1930, 2100)


def test_without_a_gap_the_box_map_splits():
    name, date = _signature_columns(_rows([(1480, 2100)]), X0, split=1949, reach=150, min_gap=6, max_gap=50)
    assert name == (1480, 1949) and date == (1949, 2100)


FOOTNOTES = [
    "The price reported is a weighted average price. These shares were sold in multiple transactions at prices "
    "ranging from $41.10 to $41.95, inclusive. The reporting person undertakes to provide full information "
    "regarding the number of shares sold at each separate price.",
    "The securities have no expiration date.",
    "Includes 1,204 shares acquired under the Issuer's Employee Stock Purchase Plan.",
    "These securities are held directly by Northstar Investments LP. The reporting person is the managing member "
    "of its general partner and may be deemed to share voting and investment power over the securities.",
    "Reflects a 3-for-1 stock split effected by the Issuer on June 20, 2024.",
]


def test_footnotes_of_a_rough_scan_are_told_apart(tmp_path):
    """A photocopy's footnote numbers read as "A", "cee" or nothing: the notes are still told
    apart, by the short last line of each and the gap between table rows."""
    from rapidfuzz.distance import Levenshtein

    from ocr.corpus.generate import generate_filing
    from scan_files import printed_pages, scan_and_read

    doc = generate_filing(3, "2023")
    doc.pop("remarks", None)
    doc["footnotes"] = {"footnote": [{"id": f"F{i + 1}", "text": t} for i, t in enumerate(FOOTNOTES)]}
    pages = printed_pages(doc, tmp_path / "notes.pdf")
    # measured on rough and fax seeds 21-28: all five notes in 15 of 16 scans, 1,430 character
    # edits in all; by their numbers alone, 9 of 16 and 5,698 edits. These three lost numbers.
    for profile, seed in (("rough", 23), ("rough", 26), ("fax", 24)):
        notes = scan_and_read(pages, profile, seed, tmp_path).document.get("footnotes", {}).get("footnote", [])
        assert [n["id"] for n in notes] == ["F1", "F2", "F3", "F4", "F5"], [n["text"] for n in notes]
        errors = sum(Levenshtein.distance(n["text"].lower(), t.lower()) for n, t in zip(notes, FOOTNOTES))
        assert errors <= 0.2 * sum(map(len, FOOTNOTES)), [n["text"] for n in notes]


def test_the_next_footnote_number_with_or_without_its_period():
    from ocr.trailer import numbers_note

    assert numbers_note("3. Includes 6,440 shares", 3)
    assert numbers_note("3 Includes 6,440 shares", 3)  # the photocopy lost the period
    assert numbers_note("12, The price", 12)
    assert not numbers_note("3 Includes 6,440 shares", 4)  # not the next note
    assert not numbers_note("3,000 shares were sold", 3)  # a number in the text
    assert not numbers_note("3.50 per share", 3)


def test_officer_title_and_other_text_the_old_print_runs_together(tmp_path):
    """The pre-2023 print sets both texts of box 5 in one line with nothing between them
    ("PresidentFormer 10% Owner"): each element gets its own."""
    from ocr.corpus.generate import generate_filing
    from scan_files import printed_pages, scan_and_read

    doc = generate_filing(2, "pre2023")
    doc["reportingOwner"][0]["reportingOwnerRelationship"] = {
        "isOfficer": "true", "officerTitle": "SVP, Chief Accounting Officer", "isOther": "true", "otherText": "Former Director"}
    pages = printed_pages(doc, tmp_path / "joined.pdf")
    for profile, seed in (("office", 1), ("flipped", 2)):
        relationship = scan_and_read(pages, profile, seed, tmp_path).document["reportingOwner"][0]["reportingOwnerRelationship"]
        assert relationship.get("officerTitle") == "SVP, Chief Accounting Officer", relationship
        assert relationship.get("otherText") == "Former Director", relationship


def test_where_two_joined_texts_meet():
    from ocr.parse import split_joined

    assert split_joined("PresidentFormer 10% Owner") == ("President", "Former 10% Owner")
    assert split_joined("Chief Financial Officer (CFO)Member of 13(d) Group") == ("Chief Financial Officer (CFO)", "Member of 13(d) Group")
    assert split_joined("VP, McKinsey Relations") == ("VP, McKinsey Relations", None)


def test_a_signature_line_the_pages_ocr_missed_is_read(tmp_path):
    """Filing 13034 of the fax profile: the page's OCR drops the first, underlined line of the
    signature ("/s/ Christopher L. Parker, as"), which cut the name and the top of the date
    away. The ink above the first line read brings it back."""
    from ocr.corpus.build import build_one, plan
    from ocr.pipeline import read_document

    task = plan(35, 13000, ["clean", "office", "rough", "flipped", "fax"], 0.3)[34]
    entry = build_one(task, tmp_path)
    signature = read_document(tmp_path / entry["file"]).document["ownerSignature"][0]
    assert signature["signatureDate"] == "2009-09-23"
    assert signature["signatureName"].startswith("/s/ Christopher")


def test_a_signature_word_tesseract_reads_at_confidence_0_is_kept(tmp_path):
    """Clean filing 9000: Tesseract reads "Gomez," (its comma kept a piece of the underline)
    at confidence 0, and the name lost it when such words were dropped."""
    from ocr.corpus.build import build_one, plan
    from ocr.pipeline import read_document

    entry = build_one(plan(1, 9000, ["clean", "office", "rough", "flipped", "fax"], 0.3)[0], tmp_path)
    signature = read_document(tmp_path / entry["file"]).document["ownerSignature"][0]
    assert signature["signatureName"].startswith("/s/ Michelle T. Gomez, ")


def test_the_right_half_of_a_footnote_line_is_no_signature_row(tmp_path):
    """Rough filing 11002: Tesseract gave the right halves of the footnote lines as lines of
    their own after the left column, and they were read into the signature."""
    from ocr.corpus.build import build_one, plan
    from ocr.pipeline import read_document

    entry = build_one(plan(3, 11000, ["clean", "office", "rough", "flipped", "fax"], 0.3)[2], tmp_path)
    signature = read_document(tmp_path / entry["file"]).document["ownerSignature"][0]
    assert signature["signatureName"].startswith("/s/ Samuel M. Peterson, Attorney-in-Fact")
    assert signature["signatureDate"] == "2015-06-12"


def test_the_lines_right_above_the_signature():
    mask = np.zeros((120, 400), np.uint8)
    assert _lines_above(mask, 30) == 120  # nothing above
    mask[100:104, 50:60] = 255  # a speck
    assert _lines_above(mask, 30) == 120
    mask[70:98, 20:300] = 255  # a line of text over it
    assert _lines_above(mask, 30) == 70
    mask[5:33, 20:300] = 255  # text a blank wider than a line higher up is not the signature's
    assert _lines_above(mask, 30) == 70


@pytest.mark.parametrize("text", [
    "https://www.sec.gov/Archives/edgar/data/2001536/000156014723006059/xslF345X05/form4.xml",
    "Létne-shaww.sec.gov/Archives/edgar/data/2001536/000156014723006059/xsIF345x05/form4.xm!",  # rough fax, its start lost
    "11/17/23, 3:04 PM",
])
def test_the_browsers_lines_are_told_by_the_box_map(text):
    from ocr.template import load_templates

    for template in load_templates():
        assert any(re.search(p, text) for p in template.boxes["trailer"]["browser_lines"])


def test_footnotes_that_run_past_the_scanned_sheets_edge_are_read(tmp_path):
    """Office filing 15041: the region below the tables ran past the gray sheet's edge onto
    white canvas, Tesseract's threshold parted paper from canvas, and all four footnotes
    (two on each page) were lost."""
    from ocr.corpus.build import build_one, plan
    from ocr.pipeline import read_document

    entry = build_one(plan(42, 15000, ["clean", "office", "rough", "flipped", "fax"], 0.3)[41], tmp_path)
    notes = read_document(tmp_path / entry["file"]).document["footnotes"]["footnote"]
    assert [n["id"] for n in notes] == ["F1", "F2", "F3", "F4"]
    assert notes[0]["text"].startswith("The shares were acquired pursuant to the Issuer's Employee Stock Purchase Plan")
    assert notes[3]["text"].startswith("Shares held in the Issuer's 401(k) Plan")


def test_a_signature_name_that_runs_on_to_the_next_page(tmp_path):
    """Flipped filing 17008: the name's last lines ("Summit Growth Equity Fund / IV, L.P.") are
    on the page after the date, where the widest blank near the date's column was the one
    before "Fund", which was read as the date."""
    from ocr.corpus.build import build_one, plan
    from ocr.pipeline import read_document

    entry = build_one(plan(9, 17000, ["clean", "office", "rough", "flipped", "fax"], 0.3)[8], tmp_path)
    signature = read_document(tmp_path / entry["file"]).document["ownerSignature"][0]
    assert signature["signatureName"].endswith("for Summit Growth Equity Fund IV, L.P.")
    assert signature["signatureDate"] == "2013-10-11"


def test_a_short_last_line_of_the_name_on_gray_paper_is_read(tmp_path):
    """Office filing 9006: the name's last line "Kim, Jr." is short and underlined; erased to
    white on gray paper, the underline left Tesseract's block reading without the line."""
    from ocr.corpus.build import build_one, plan
    from ocr.pipeline import read_document

    entry = build_one(plan(7, 9000, ["clean", "office", "rough", "flipped", "fax"], 0.3)[6], tmp_path)
    signature = read_document(tmp_path / entry["file"]).document["ownerSignature"][0]
    assert signature["signatureName"].endswith("for Debra Ramaswamy Kim, Jr.")
