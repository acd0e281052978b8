"""Assembly of box readings into ownershipDocument data: rules that no end-to-end test isolates."""
from __future__ import annotations

import pytest

from ocr import assemble
from ocr.assemble import finish
from ocr.layout import FieldBox
from ocr.result import FieldResult
from ocr.template import load_templates
from ocr.trailer import Trailer, TrailerLine


def _table2_spec() -> dict:
    return next(t for t in load_templates()[0].boxes["tables"] if t["element"] == "derivativeTable")


def _row(texts: dict[int, str]) -> list[assemble.Reading]:
    spec = _table2_spec()
    readings = []
    for column, column_spec in enumerate(spec["columns"]):
        text = texts.get(column, "")
        field = FieldBox(f"derivativeTable/0/{column}", column_spec["kind"], (0, 0, 10, 10), 0, {}, "derivativeTable", 0, column)
        readings.append(assemble.Reading(field, text, 0.95, not text))
    return readings


def test_marks_alone_in_date_and_code_make_a_holding():
    doc: dict = {}
    assemble.tables(doc, _row({0: "Stock Option", 4: "(1)", 13: "5,000", 14: "D"}), [_table2_spec()])
    table = doc["derivativeTable"]
    assert "derivativeTransaction" not in table and len(table["derivativeHolding"]) == 1
    assert table["derivativeHolding"][0]["transactionCoding"]["footnoteId"] == ["F1"]


def test_a_code_makes_a_transaction_and_the_d_column_sets_disposed():
    doc: dict = {}
    assemble.tables(doc, _row({0: "Stock Option", 2: "02/07/2005", 4: "M", 7: "2,615", 13: "0", 14: "D"}), [_table2_spec()])
    row = doc["derivativeTable"]["derivativeTransaction"][0]
    assert row["transactionCoding"]["transactionCode"] == "M"
    assert row["transactionAmounts"]["transactionShares"]["value"] == "2615"
    assert row["transactionAmounts"]["transactionAcquiredDisposedCode"]["value"] == "D"


def test_run_together_marks_split_only_into_footnotes_the_filing_has():
    doc = {
        "footnotes": {"footnote": [{"id": f"F{i}", "text": "x"} for i in (1, 2, 3, 4)]},
        "nonDerivativeTable": {"nonDerivativeTransaction": [
            {"securityTitle": {"value": "Common Stock", "footnoteId": ["F24"]}},
            {"securityTitle": {"value": "Common Stock", "footnoteId": ["F3"]}},
        ]},
    }
    assemble.finish(doc, {}, [])
    rows = doc["nonDerivativeTable"]["nonDerivativeTransaction"]
    assert rows[0]["securityTitle"]["footnoteId"] == ["F2", "F4"]
    assert rows[1]["securityTitle"]["footnoteId"] == ["F3"]


def test_a_real_two_digit_footnote_stays():
    notes = [{"id": f"F{i}", "text": "x"} for i in range(1, 13)]
    doc = {"footnotes": {"footnote": notes}, "remarks": "r",
           "nonDerivativeTable": {"nonDerivativeHolding": [{"securityTitle": {"value": "A", "footnoteId": ["F12"]}}]}}
    assemble.finish(doc, {}, [])
    assert doc["nonDerivativeTable"]["nonDerivativeHolding"][0]["securityTitle"]["footnoteId"] == ["F12"]


def test_a_row_split_by_a_page_break_is_one_row():
    spec = _table2_spec()
    head = _row({0: "Cash-Settled", 1: "$5.571", 2: "02/07/2005", 4: "X", 6: "2,615", 13: "0", 14: "D"})
    for r in head:
        r.field.settings["continues"] = True
    tail = _row({0: "Equity Swap", 10: "Stock"})
    for r in tail:
        r.field.row = 1
    doc: dict = {}
    assemble.tables(doc, head + tail, [spec])
    rows = doc["derivativeTable"]["derivativeTransaction"]
    assert len(rows) == 1 and "derivativeHolding" not in doc["derivativeTable"]
    assert rows[0]["securityTitle"]["value"] == "Cash-Settled Equity Swap"
    assert rows[0]["underlyingSecurity"]["underlyingSecurityTitle"]["value"] == "Stock"


def test_a_whole_row_after_a_foot_a_fax_left_open_stays_a_row():
    spec = _table2_spec()
    head = _row({0: "Restricted Stock Units", 1: "(2)", 2: "12/01/2025", 4: "F", 7: "11,346", 13: "0", 14: "D"})
    for r in head:
        r.field.settings["continues"] = True
    tail = _row({0: "Option to Purchase Common Stock", 1: "$7.17", 2: "12/01/2025", 4: "D", 7: "111,145", 13: "0", 14: "I"})
    for r in tail:
        r.field.row = 1
    doc: dict = {}
    assemble.tables(doc, head + tail, [spec])
    rows = doc["derivativeTable"]["derivativeTransaction"]
    assert [r["securityTitle"]["value"] for r in rows] == ["Restricted Stock Units", "Option to Purchase Common Stock"]
    assert [r["transactionCoding"]["transactionCode"] for r in rows] == ["F", "D"]


def test_an_ambiguous_mark_naming_no_footnote_is_its_runner_up():
    def reading(text: str, ranks: tuple[str, ...]) -> assemble.Reading:
        field = FieldBox("x", "number", (0, 0, 10, 10), 0, {})
        return assemble.Reading(field, text, 0.9, False, mark_ranks=ranks)

    ambiguous = reading("5,000(1)(4)", ("1", "4312567890"))  # "(3)" matched as "(4)", by little
    sure = reading("7,000(4)", ("4",))  # no footnote 4 read, but a clear mark names it
    far = reading("9,000(7)", ("7812345690",))  # its runner-up 8 names no footnote either
    assemble.settle_marks([ambiguous, far], footnotes=3)
    assert ambiguous.text == "5,000(1)(3)" and ambiguous.confidence <= assemble.SETTLED_MARK_CONFIDENCE
    assert far.text == "9,000(7)" and far.confidence == 0.9
    ambiguous = reading("5,000(1)(4)", ("1", "4312567890"))
    assemble.settle_marks([ambiguous, sure], footnotes=3)  # footnote 4 was lost, not misread
    assert ambiguous.text == "5,000(1)(4)" and sure.text == "7,000(4)"
    ambiguous = reading("5,000(4)", ("4312567890",))
    assemble.settle_marks([ambiguous], footnotes=0)  # no footnote read: nothing to go by
    assert ambiguous.text == "5,000(4)"


def _field(path: str, value: str, confidence: float) -> FieldResult:
    return FieldResult(path, value, value, confidence, 0, (0, 0, 1, 1), False, [])


@pytest.mark.parametrize("name, read, signature", [
    ("COOPER KIMBERLY ALAN", "/s/ Kimberly Alan Couper", "/s/ Kimberly Alan Cooper"),
    ("Gray Emily", "/s/ Priya A. Sanchez, Attorney-in-Fact for Emj}y, Gray",
     "/s/ Priya A. Sanchez, Attorney-in-Fact for Emily Gray"),
    ("Smith Michelle K", "/s/Michele K. Smith", "/s/Michelle K. Smith"),  # the name after the slash
    # what stays: short words, other names, a comma the name has or before an abbreviation
    ("Smith Mary", "/s/ Mark Smith, Attorney-in-Fact for Mary Smith", "/s/ Mark Smith, Attorney-in-Fact for Mary Smith"),
    ("Smith John Jr", "/s/ John Smith, Jr.", "/s/ John Smith, Jr."),
    ("BENNETT MARIA MARIE", "/s/ Maria Marie Bennett", "/s/ Maria Marie Bennett"),  # a word the name has stays
    ("Cedar Fund III, L.P.", "/s/ Brian Kelly, Authorized Signatory for Cedar Fund III, L.P.",
     "/s/ Brian Kelly, Authorized Signatory for Cedar Fund III, L.P."),
])
def test_a_signature_spells_the_reporting_persons_name_as_box_1_does(name, read, signature):
    doc: dict = {}
    source = _field("reportingOwner[0]/reportingOwnerId/rptOwnerName", name, 0.9)
    target = _field("ownerSignature[0]/signatureName", read, 0.6)
    finish(doc, {"same_words": [[source.path, target.path]]}, [source, target])
    assert target.value == signature
    if read != signature:
        assert doc["ownerSignature"][0]["signatureName"] == signature


def test_a_less_confident_name_does_not_respell_the_signature():
    source = _field("reportingOwner[0]/reportingOwnerId/rptOwnerName", "COUPER KIMBERLY", 0.5)
    target = _field("ownerSignature[0]/signatureName", "/s/ Kimberly Cooper", 0.6)
    finish({}, {"same_words": [[source.path, target.path]]}, [source, target])
    assert target.value == "/s/ Kimberly Cooper"


def test_an_impossible_signature_date_is_repaired_near_the_period_and_reviewed():
    boxes = {"repair_dates": {"reference": "periodOfReport", "elements": ["signatureDate"], "within_days": 366}}
    doc = {"periodOfReport": "2024-01-29", "ownerSignature": [{"signatureDate": "04/31/2024"}]}
    when = _field("ownerSignature[0]/signatureDate", "04/31/2024", 0.9)
    finish(doc, boxes, [when])
    assert when.value == doc["ownerSignature"][0]["signatureDate"] == "2024-01-31"
    assert when.needs_review and "04/31/2024" in when.warnings[0]


def test_remarks_lose_a_speck_before_their_first_word():
    found = Trailer()
    found.remarks = [TrailerLine("‘The reporting person is a director", 0.9, (0, 0, 10, 10), 0),
                     TrailerLine("of the issuer by deputization.", 0.9, (0, 12, 10, 10), 0)]
    doc: dict = {}
    assemble.trailer(doc, found)
    assert doc["remarks"] == "The reporting person is a director of the issuer by deputization."


def test_a_mark_read_on_a_street_is_left_out_of_the_xml_and_reviewed():
    """A speck read as "(1)" after a street: the schema has no footnoteId on an address, and
    writing one made the whole filing fail (fax filing 07044)."""
    from ocr import ownership

    field = FieldBox("reportingOwner[0]/reportingOwnerAddress/rptOwnerStreet1|reportingOwner[0]/reportingOwnerAddress/rptOwnerStreet2",
                     "street", (0, 0, 10, 10), 0, {})
    doc: dict = {}
    results = assemble.header(doc, [assemble.Reading(field, "3035 S. Peachtree Ct(1)", 0.95, False)])
    assert doc["reportingOwner"][0]["reportingOwnerAddress"] == {"rptOwnerStreet1": "3035 S. Peachtree Ct"}
    assert results[0].needs_review and "no place in the schema" in results[0].warnings[-1]
    doc.update({"schemaVersion": "X0508", "documentType": "4"})
    ownership.to_xml(doc)  # writes


def test_a_dot_at_a_thousands_place_is_the_comma_when_another_amount_of_the_row_says_so():
    """Fax 15049: "2,565" shares read "2.565" (a blurred comma), the underlying shares beside
    them "2,565"; a holding after them of "63.775" shares is a fraction and stays."""
    doc: dict = {}
    boxes = load_templates()[0].boxes
    results = assemble.tables(doc, _row({0: "Stock Option", 2: "02/07/2005", 4: "M", 7: "2.565", 11: "2,565",
                                         13: "63.775", 14: "D"}), [_table2_spec()])
    finish(doc, boxes, results)
    row = doc["derivativeTable"]["derivativeTransaction"][0]
    assert row["transactionAmounts"]["transactionShares"]["value"] == "2565"
    assert row["postTransactionAmounts"]["sharesOwnedFollowingTransaction"]["value"] == "63.775"
    shares = next(r for r in results if r.path.endswith("transactionShares/value"))
    assert shares.needs_review and any("taken as 2565" in w for w in shares.warnings)
