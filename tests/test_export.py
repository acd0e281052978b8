"""Exporters: XML round trip, JSON keys, atomic writes, transactions rows, overlay pictures."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from ocr import atomic, export, ownership
from ocr.result import DocumentResult, FieldResult, PageResult

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
SAMPLE_XML = ["374WaterForm4.xml", "form4.Evans.xml", "alto-ingredients-form4-seed.xml"]


def result_for(doc: dict, source: str = "scan.pdf") -> DocumentResult:
    """A DocumentResult as the reader returns it: one field per leaf, laid down page 0."""
    fields = [
        FieldResult(path, value or None, value, confidence=0.5 + (i % 6) / 10, page=0,
                    box=(100 + 300 * (i % 7), 150 + 60 * (i // 7), 260, 40),
                    needs_review=i % 9 == 4, warnings=["dot at a thousands position"] if i % 9 == 4 else [])
        for i, (path, value) in enumerate(ownership.flatten(doc).items())
    ]
    pages = [PageResult(0, "first", rotation=180, skew=0.7, template="edgar-2023",
                        alignment={"inliers": 812, "reprojection_px": 1.3, "scale": 0.998})]
    return DocumentResult(source, doc, fields, pages, template="edgar-2023", warnings=["page 2 is not a Form 4"])


def valued(value: str, *notes: str) -> dict:
    return {"value": value, "footnoteId": list(notes)} if notes else {"value": value}


def plain_doc() -> dict:
    """Two Table I rows (a sale with footnotes, a holding) and one Table II option grant."""
    return {
        "schemaVersion": "X0508",
        "documentType": "4",
        "periodOfReport": "2024-04-01",
        "issuer": {"issuerName": "Alto Ingredients, Inc.", "issuerTradingSymbol": "ALTO"},
        "reportingOwner": [{
            "reportingOwnerId": {"rptOwnerName": "Kandris Michael D"},
            "reportingOwnerAddress": {"rptOwnerStreet1": "1300 SOUTH SECOND STREET", "rptOwnerCity": "PEKIN",
                                      "rptOwnerState": "IL", "rptOwnerZipCode": "61554"},
            "reportingOwnerRelationship": {"isDirector": "true"},
        }],
        "aff10b5One": "false",
        "nonDerivativeTable": {
            "nonDerivativeTransaction": [{
                "securityTitle": valued("Common Stock"),
                "transactionDate": valued("2024-04-01"),
                "transactionCoding": {"transactionFormType": "4", "transactionCode": "F", "equitySwapInvolved": "false",
                                      "footnoteId": ["F2"]},
                "transactionAmounts": {
                    "transactionShares": valued("97183", "F1"),
                    "transactionPricePerShare": valued("2.29"),
                    "transactionAcquiredDisposedCode": valued("D"),
                },
                "postTransactionAmounts": {"sharesOwnedFollowingTransaction": valued("801601.5")},
                "ownershipNature": {"directOrIndirectOwnership": valued("D")},
            }],
            "nonDerivativeHolding": [{
                "securityTitle": valued("Common Stock"),
                "postTransactionAmounts": {"sharesOwnedFollowingTransaction": valued("12000")},
                "ownershipNature": {"directOrIndirectOwnership": valued("I"), "natureOfOwnership": valued("By Trust", "F2")},
            }],
        },
        "derivativeTable": {
            "derivativeTransaction": [{
                "securityTitle": valued("Stock options (right to buy)"),
                "conversionOrExercisePrice": valued("0.33"),
                "transactionDate": valued("2024-04-01"),
                "transactionCoding": {"transactionFormType": "4", "transactionCode": "A", "equitySwapInvolved": "false"},
                "transactionAmounts": {
                    "transactionShares": valued("757576", "F1"),
                    "transactionPricePerShare": valued("0"),
                    "transactionAcquiredDisposedCode": valued("A"),
                },
                "exerciseDate": {"footnoteId": ["F1"]},
                "expirationDate": valued("2034-03-31"),
                "underlyingSecurity": {"underlyingSecurityTitle": valued("Common Stock"),
                                       "underlyingSecurityShares": valued("757576")},
                "postTransactionAmounts": {"sharesOwnedFollowingTransaction": valued("757576")},
                "ownershipNature": {"directOrIndirectOwnership": valued("D")},
            }],
        },
        "footnotes": {"footnote": [{"id": "F1", "text": "Vesting in 48 monthly installments."},
                                   {"id": "F2", "text": "Shares withheld for taxes; held by the Kandris Trust."}]},
        "remarks": "Exhibit 24 - Power of Attorney",
        "ownerSignature": [{"signatureName": "/s/ Michael D. Kandris", "signatureDate": "2024-04-02"}],
    }


def sample_docs() -> list[dict]:
    docs = [plain_doc()]
    if SAMPLES.is_dir():
        docs += [ownership.parse((SAMPLES / name).read_bytes()) for name in SAMPLE_XML]
    return docs


# --- XML and JSON -------------------------------------------------------------------------------

@pytest.mark.parametrize("doc", sample_docs(), ids=lambda d: d["issuer"]["issuerTradingSymbol"])
def test_xml_round_trip(tmp_path, doc):
    xml_path, json_path = export.write_document(result_for(doc), tmp_path, "filing")
    assert (xml_path.name, json_path.name) == ("filing.xml", "filing.json")
    assert ownership.parse(xml_path.read_bytes()) == doc
    assert ownership.flatten(ownership.parse(xml_path.read_bytes())) == ownership.flatten(doc)


def test_xml_follows_specification_order(tmp_path):
    xml_path, _ = export.write_document(result_for(plain_doc()), tmp_path, "filing")
    text = xml_path.read_text()
    order = ["<schemaVersion>", "<periodOfReport>", "<issuer>", "<reportingOwner>", "<aff10b5One>",
             "<nonDerivativeTable>", "<derivativeTable>", "<footnotes>", "<remarks>", "<ownerSignature>"]
    positions = [text.index(tag) for tag in order]
    assert positions == sorted(positions)
    assert '<footnoteId id="F1" />' in text or '<footnoteId id="F1"/>' in text


def test_json_has_every_field_and_the_run_facts(tmp_path):
    result = result_for(plain_doc())
    _, json_path = export.write_document(result, tmp_path, "filing")
    data = json.loads(json_path.read_text())
    assert list(data) == ["source", "template", "needs_review", "warnings", "pages", "fields", "document"]
    assert data["source"] == "scan.pdf" and data["template"] == "edgar-2023"
    assert data["warnings"] == ["page 2 is not a Form 4"]
    assert data["needs_review"] == result.needs_review > 0
    assert data["pages"][0]["alignment"]["inliers"] == 812
    assert {"index", "role", "rotation", "skew", "template", "alignment", "warnings"} <= set(data["pages"][0])
    assert len(data["fields"]) == len(result.fields)
    for field, want in zip(data["fields"], result.fields):
        assert {"path", "value", "confidence", "page", "box", "needs_review", "warnings"} <= set(field)
        assert (field["path"], field["value"], field["box"]) == (want.path, want.value, list(want.box))
    assert data["document"] == plain_doc()


def test_unicode_survives(tmp_path):
    doc = plain_doc()
    doc["reportingOwner"][0]["reportingOwnerId"]["rptOwnerName"] = "Müller José"
    xml_path, json_path = export.write_document(result_for(doc), tmp_path, "filing")
    assert ownership.parse(xml_path.read_bytes()) == doc
    assert "Müller José" in json_path.read_text(encoding="utf-8")


# --- atomic writes ------------------------------------------------------------------------------

def test_success_leaves_no_temporary(tmp_path):
    export.write_document(result_for(plain_doc()), tmp_path, "filing")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["filing.json", "filing.xml"]


def test_failed_rename_leaves_neither_target_nor_temporary(tmp_path, monkeypatch):
    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", fail)
    with pytest.raises(OSError):
        export.write_document(result_for(plain_doc()), tmp_path, "filing")
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    export.write_document(result_for(plain_doc()), tmp_path, "filing")
    before = (tmp_path / "filing.xml").read_bytes()
    real_fdopen = atomic.os.fdopen

    class Broken:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, data):
            self.fh.write(data[: len(data) // 2])
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(atomic.os, "fdopen", lambda fd, mode: Broken(real_fdopen(fd, mode)))
    doc = plain_doc()
    doc["remarks"] = "changed"
    with pytest.raises(OSError):
        export.write_document(result_for(doc), tmp_path, "filing")
    assert (tmp_path / "filing.xml").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["filing.json", "filing.xml"]


def test_document_that_cannot_be_written_writes_nothing(tmp_path):
    doc = plain_doc()
    doc["issuer"]["issuerColour"] = "blue"  # not an ownershipDocument element
    with pytest.raises(ValueError):
        export.write_document(result_for(doc), tmp_path, "filing")
    assert list(tmp_path.iterdir()) == []


# --- transactions.csv ---------------------------------------------------------------------------

def test_transaction_rows_for_two_table_i_rows_and_one_table_ii_row():
    result = result_for(plain_doc())
    rows = export.transaction_rows(result)
    assert [(r["table"], r["kind"], r["row"]) for r in rows] == [
        ("nonDerivativeTable", "transaction", "0"),
        ("nonDerivativeTable", "holding", "0"),
        ("derivativeTable", "transaction", "0"),
    ]
    for r in rows:
        assert tuple(r) == export.row_columns()
        assert (r["source"], r["documentType"], r["periodOfReport"]) == ("scan.pdf", "4", "2024-04-01")
        assert (r["issuerName"], r["issuerTradingSymbol"], r["rptOwnerName"]) == ("Alto Ingredients, Inc.", "ALTO", "Kandris Michael D")
    sale, holding, option = rows
    assert (sale["transactionShares"], sale["transactionSharesFootnotes"]) == ("97183", "F1")
    assert (sale["transactionCode"], sale["transactionCodingFootnotes"]) == ("F", "F2")
    assert (sale["transactionPricePerShare"], sale["sharesOwnedFollowingTransaction"]) == ("2.29", "801601.5")
    assert sale["conversionOrExercisePrice"] == "" and sale["exerciseDate"] == ""
    assert (holding["transactionDate"], holding["sharesOwnedFollowingTransaction"]) == ("", "12000")
    assert (holding["natureOfOwnership"], holding["natureOfOwnershipFootnotes"]) == ("By Trust", "F2")
    assert (option["conversionOrExercisePrice"], option["exerciseDate"], option["exerciseDateFootnotes"]) == ("0.33", "", "F1")
    assert (option["underlyingSecurityTitle"], option["underlyingSecurityShares"]) == ("Common Stock", "757576")
    for r, prefix in zip(rows, ["nonDerivativeTable/nonDerivativeTransaction[0]/", "nonDerivativeTable/nonDerivativeHolding[0]/",
                                "derivativeTable/derivativeTransaction[0]/"]):
        assert r["needsReview"] == str(sum(f.needs_review for f in result.fields if f.path.startswith(prefix)))
    assert sum(int(r["needsReview"]) for r in rows) > 0


def test_several_owners_and_no_tables():
    doc = plain_doc()
    doc["reportingOwner"].append({"reportingOwnerId": {"rptOwnerName": "Kandris Trust"}})
    assert export.transaction_rows(result_for(doc))[0]["rptOwnerName"] == "Kandris Michael D; Kandris Trust"
    del doc["nonDerivativeTable"], doc["derivativeTable"]
    assert export.transaction_rows(result_for(doc)) == []


def test_csv_round_trip(tmp_path):
    rows = export.transaction_rows(result_for(plain_doc()))
    path = export.write_csv(rows, tmp_path / "transactions.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames) == export.row_columns()
        assert list(reader) == rows
    assert [p.name for p in tmp_path.iterdir()] == ["transactions.csv"]


def test_csv_refuses_unknown_columns(tmp_path):
    rows = export.transaction_rows(result_for(plain_doc()))
    rows[0]["colour"] = "blue"
    with pytest.raises(ValueError):
        export.write_csv(rows, tmp_path / "transactions.csv")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared samples absent")
def test_real_filing_rows():
    rows = export.transaction_rows(result_for(ownership.parse((SAMPLES / "374WaterForm4.xml").read_bytes())))
    assert [(r["table"], r["transactionShares"], r["transactionSharesFootnotes"]) for r in rows] == [
        ("nonDerivativeTable", "757756", "F1"), ("derivativeTable", "757576", "F1")]
    assert rows[1]["exerciseDateFootnotes"] == "F1" and rows[1]["expirationDate"] == "2035-04-29"


# --- overlays -----------------------------------------------------------------------------------

def overlay_fields() -> list[FieldResult]:
    return [
        FieldResult("periodOfReport", "2025-04-30", "04/30/2025", 0.97, 0, (300, 200, 250, 50)),
        FieldResult("issuer/issuerTradingSymbol", "SCWO", "SCWO", 0.75, 0, (300, 400, 250, 50)),
        FieldResult("remarks", None, "", 0.97, 0, (300, 600, 250, 50), needs_review=True),
        FieldResult("footnotes/footnote[F1]", "x" * 200, "x", 0.3, 0, (300, 800, 900, 50)),
        FieldResult("ownerSignature[0]/signatureName", "/s/ Name", "/s/ Name", 0.99, 1, (300, 200, 250, 50)),
        FieldResult("issuer/issuerName", "Top Inc.", "Top Inc.", 0.95, 0, (300, 0, 250, 40)),
    ]


def color_at(img: np.ndarray, x: int, y: int) -> tuple[int, int, int]:
    b, g, r = img[y, x]
    return int(r), int(g), int(b)


def test_overlay_boxes_colored_by_confidence():
    page = np.full((1100, 850), 255, np.uint8)
    fields = overlay_fields()
    before = page.copy()
    img = export.draw_overlay(page, fields, 0)
    assert img.shape == (1100, 850, 3) and img.dtype == np.uint8
    assert np.array_equal(page, before)  # the page itself is not drawn on
    style = export.overlay_style()
    for field, band in zip(fields[:4], ["high", "mid", "low", "low"]):
        x, y, w, h = field.box
        assert export.field_color(field) == tuple(style["colors"][band])
        assert color_at(img, x + w // 2, y + h) == tuple(style["colors"][band])  # bottom edge of the box
        assert color_at(img, x + w // 2, y + h // 2) == (255, 255, 255)  # the box's inside stays as scanned
        label = img[y - 20 : y - 2, x : x + 100]
        assert (label != 255).any()  # a label band sits above the box


def test_overlay_draws_only_its_page():
    page = np.full((1100, 850), 255, np.uint8)
    fields = [f for f in overlay_fields() if f.page == 1]
    assert (export.draw_overlay(page, fields, 0) == 255).all()
    assert (export.draw_overlay(page, fields, 1) != 255).any()


def test_overlay_label_at_page_top_goes_inside_and_long_values_are_cut():
    assert export._label(overlay_fields()[3]).endswith("...  0.30")
    assert len(export._label(overlay_fields()[3])) < 60
    assert export._label(overlay_fields()[2]) == "(empty)  0.97"
    img = export.draw_overlay(np.full((1100, 850), 255, np.uint8), overlay_fields()[5:], 0)
    assert (img[5:30, 305:400] != 255).any()  # the label went inside the box


def test_write_overlays_per_page(tmp_path):
    pages = [np.full((1100, 850), 255, np.uint8), np.full((1100, 850, 3), 200, np.uint8)]
    result = DocumentResult("scan.pdf", plain_doc(), overlay_fields(), [PageResult(0, "first"), PageResult(1, "continuation")])
    paths = export.write_overlays(pages, result, tmp_path, "filing")
    assert [p.name for p in paths] == ["filing-p1.png", "filing-p2.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["filing-p1.png", "filing-p2.png"]
    second = cv2.imread(str(paths[1]))
    assert second.shape == (1100, 850, 3)
    assert (second != 200).any()


@pytest.mark.skipif(not (SAMPLES / "374WaterForm4-print-300dpi-1.png").is_file(), reason="../shared samples absent")
def test_overlay_on_real_print(tmp_path):
    page = cv2.imread(str(SAMPLES / "374WaterForm4-print-300dpi-1.png"), cv2.IMREAD_GRAYSCALE)
    fields = [
        FieldResult("periodOfReport", "2025-04-30", "04/30/2025", 0.96, 0, (945, 943, 170, 38)),
        FieldResult("nonDerivativeTable/nonDerivativeTransaction[0]/transactionAmounts/transactionShares/value",
                    "757756", "757,756", 0.81, 0, (1438, 1575, 175, 50)),
        FieldResult("nonDerivativeTable/nonDerivativeTransaction[0]/transactionAmounts/transactionShares/footnoteId",
                    None, "", 0.2, 0, (1580, 1575, 35, 25), needs_review=True),
    ]
    result = DocumentResult("374.png", {}, fields, [PageResult(0, "first")])
    (path,) = export.write_overlays([page], result, tmp_path, "374")
    img = cv2.imread(str(path))
    assert img.shape == (*page.shape, 3)
    style = export.overlay_style()
    assert color_at(img, 945 + 85, 943 + 38) == tuple(style["colors"]["high"])
    assert color_at(img, 1438 + 60, 1575 + 50) == tuple(style["colors"]["mid"])
