"""Scorer: perfect, empty, one error, extra field, and each normalization rule."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from ocr import ownership
from ocr.corpus import score

SHARED_SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"


def filing() -> ownership.Doc:
    """A small filing with both tables, footnote marks, footnotes, remarks and a signature."""
    return {
        "schemaVersion": "X0508",
        "documentType": "4",
        "periodOfReport": "2024-03-15",
        "issuer": {"issuerCik": "0000012345", "issuerName": "Acme Widgets, Inc.", "issuerTradingSymbol": "ACME"},
        "reportingOwner": [{
            "reportingOwnerId": {"rptOwnerCik": "0001234567", "rptOwnerName": "Doe Jane Q"},
            "reportingOwnerAddress": {"rptOwnerStreet1": "1 Main Street", "rptOwnerCity": "Springfield",
                                      "rptOwnerState": "IL", "rptOwnerZipCode": "62701"},
            "reportingOwnerRelationship": {"isDirector": "1", "isOfficer": "true", "officerTitle": "Chief Executive Officer"},
        }],
        "aff10b5One": "false",
        "nonDerivativeTable": {
            "nonDerivativeTransaction": [
                {
                    "securityTitle": {"value": "Common Stock"},
                    "transactionDate": {"value": "2024-03-15"},
                    "transactionCoding": {"transactionFormType": "4", "transactionCode": "S", "equitySwapInvolved": "0"},
                    "transactionAmounts": {
                        "transactionShares": {"value": "1000.5", "footnoteId": ["F1"]},
                        "transactionPricePerShare": {"value": "12.3400"},
                        "transactionAcquiredDisposedCode": {"value": "D"},
                    },
                    "postTransactionAmounts": {"sharesOwnedFollowingTransaction": {"value": "25000"}},
                    "ownershipNature": {"directOrIndirectOwnership": {"value": "D"}},
                },
                {
                    "securityTitle": {"value": "Common Stock"},
                    "transactionDate": {"value": "2024-03-15"},
                    "transactionCoding": {"transactionFormType": "4", "transactionCode": "P", "equitySwapInvolved": "false"},
                    "transactionAmounts": {
                        "transactionShares": {"value": "200"},
                        "transactionPricePerShare": {"value": "0"},
                        "transactionAcquiredDisposedCode": {"value": "A"},
                    },
                    "postTransactionAmounts": {"sharesOwnedFollowingTransaction": {"value": "25200"}},
                    "ownershipNature": {"directOrIndirectOwnership": {"value": "I"},
                                        "natureOfOwnership": {"value": "By Trust", "footnoteId": ["F2", "F1"]}},
                },
            ],
        },
        "derivativeTable": {
            "derivativeTransaction": [{
                "securityTitle": {"value": "Stock Option (right to buy)"},
                "conversionOrExercisePrice": {"value": "10.00"},
                "transactionDate": {"value": "2024-03-15"},
                "transactionCoding": {"transactionFormType": "4", "transactionCode": "M", "equitySwapInvolved": "false"},
                "transactionAmounts": {"transactionShares": {"value": "500"}, "transactionPricePerShare": {"value": "0"},
                                       "transactionAcquiredDisposedCode": {"value": "D"}},
                "exerciseDate": {"footnoteId": ["F2"]},
                "expirationDate": {"value": "2030-01-31"},
                "underlyingSecurity": {"underlyingSecurityTitle": {"value": "Common Stock"},
                                       "underlyingSecurityShares": {"value": "500"}},
                "postTransactionAmounts": {"sharesOwnedFollowingTransaction": {"value": "1500"}},
                "ownershipNature": {"directOrIndirectOwnership": {"value": "D"}},
            }],
        },
        "footnotes": {"footnote": [
            {"id": "F1", "text": "Weighted average price; prices ranged from $12.30 to $12.40."},
            {"id": "F2", "text": "The option vests in four equal annual installments."},
        ]},
        "remarks": "Exhibit 24 - Power of Attorney",
        "ownerSignature": [{"signatureName": "/s/ John Roe, Attorney-in-Fact for Jane Q. Doe", "signatureDate": "2024-03-18"}],
    }


def run_score(tmp_path: Path, truth: ownership.Doc, pred: ownership.Doc | None, manifest: Path | None = None) -> dict:
    (tmp_path / "truth").mkdir(exist_ok=True)
    (tmp_path / "pred").mkdir(exist_ok=True)
    (tmp_path / "truth" / "doc.xml").write_bytes(ownership.to_xml(truth))
    if pred is not None:
        (tmp_path / "pred" / "doc.xml").write_bytes(ownership.to_xml(pred))
    return score.score(tmp_path / "truth", tmp_path / "pred", manifest)


def scored_filled_fields(doc: ownership.Doc) -> int:
    """Fields the scorer must count for this truth: printed, and not empty after normalization."""
    return sum(1 for path, value in ownership.flatten(doc).items()
               if score.is_scored(path) and score.normalize(path, value))


def test_truth_against_itself_is_perfect(tmp_path: Path) -> None:
    overall = run_score(tmp_path, filing(), filing())["overall"]
    assert overall["fields"] == scored_filled_fields(filing())
    assert overall["field_accuracy"] == 1.0
    assert overall["row_accuracy"] == 1.0 and overall["rows"] == 3
    assert overall["document_accuracy"] == 1.0
    assert overall["footnote_cer"] == 0.0
    assert all(g["accuracy"] == 1.0 for g in overall["groups"].values())
    assert set(overall["groups"]) == {"header boxes", "checkboxes", "table I", "table II", "footnote marks",
                                      "signature", "remarks"}


@pytest.mark.skipif(not SHARED_SAMPLES.is_dir(), reason="../shared not present")
def test_real_samples_against_themselves_are_perfect() -> None:
    truth_dir = SHARED_SAMPLES
    report = score.score(truth_dir, truth_dir)
    assert report["overall"]["documents"] == len(list(truth_dir.glob("*.xml")))
    assert report["overall"]["field_accuracy"] == 1.0
    assert report["overall"]["document_accuracy"] == 1.0
    assert report["top_errors"] == []


def test_missing_prediction_scores_zero_on_filled_fields(tmp_path: Path) -> None:
    report = run_score(tmp_path, filing(), None)
    overall = report["overall"]
    assert overall["fields"] == scored_filled_fields(filing())
    assert overall["correct"] == 0
    assert overall["rows_correct"] == 0
    assert overall["footnote_cer"] == 1.0
    assert report["documents"][0]["prediction"] is False


def test_unreadable_prediction_counts_as_empty(tmp_path: Path) -> None:
    (tmp_path / "pred").mkdir()
    (tmp_path / "pred" / "doc.xml").write_text("<html>not a filing</html>")
    overall = run_score(tmp_path, filing(), None)["overall"]
    assert overall["correct"] == 0 and overall["fields"] == scored_filled_fields(filing())


def test_one_changed_value_is_exactly_one_error(tmp_path: Path) -> None:
    pred = filing()
    pred["nonDerivativeTable"]["nonDerivativeTransaction"][1]["transactionAmounts"]["transactionShares"]["value"] = "201"
    report = run_score(tmp_path, filing(), pred)
    overall = report["overall"]
    assert overall["fields"] - overall["correct"] == 1
    assert overall["groups"]["table I"]["fields"] - overall["groups"]["table I"]["correct"] == 1
    assert overall["rows_correct"] == overall["rows"] - 1
    assert overall["document_accuracy"] == 0.0
    assert report["top_errors"] == [{
        "field": "nonDerivativeTable/nonDerivativeTransaction/transactionAmounts/transactionShares/value",
        "truth": "200", "predicted": "201", "count": 1}]


def test_field_filled_only_in_prediction_is_an_error(tmp_path: Path) -> None:
    pred = filing()
    pred["reportingOwner"][0]["reportingOwnerRelationship"]["isTenPercentOwner"] = "true"
    pred["dateOfOriginalSubmission"] = "2024-03-01"
    overall = run_score(tmp_path, filing(), pred)["overall"]
    assert overall["fields"] == scored_filled_fields(filing()) + 2
    assert overall["correct"] == scored_filled_fields(filing())
    assert overall["groups"]["checkboxes"]["correct"] == overall["groups"]["checkboxes"]["fields"] - 1


def test_numbers_compare_as_numbers(tmp_path: Path) -> None:
    pred = filing()
    amounts = pred["nonDerivativeTable"]["nonDerivativeTransaction"][0]["transactionAmounts"]
    amounts["transactionShares"]["value"] = "1,000.50"
    amounts["transactionPricePerShare"]["value"] = "$12.34"
    pred["derivativeTable"]["derivativeTransaction"][0]["conversionOrExercisePrice"]["value"] = "10"
    pred["nonDerivativeTable"]["nonDerivativeTransaction"][1]["transactionAmounts"]["transactionPricePerShare"]["value"] = "0.00"
    assert run_score(tmp_path, filing(), pred)["overall"]["field_accuracy"] == 1.0
    assert score.normalize("x/transactionShares/value", "1,000.50") == score.normalize("x/transactionShares/value", "1000.5")
    assert score.normalize("x/transactionShares/value", "1000.51") != score.normalize("x/transactionShares/value", "1000.5")


def test_dates_compare_in_iso_form(tmp_path: Path) -> None:
    pred = filing()
    pred["periodOfReport"] = "03/15/2024"
    pred["ownerSignature"][0]["signatureDate"] = "2024-03-18-05:00"
    pred["derivativeTable"]["derivativeTransaction"][0]["expirationDate"]["value"] = "1/31/2030"
    assert run_score(tmp_path, filing(), pred)["overall"]["field_accuracy"] == 1.0
    assert score.normalize("periodOfReport", "03/16/2024") != score.normalize("periodOfReport", "2024-03-15")


def test_text_whitespace_and_case_and_booleans(tmp_path: Path) -> None:
    pred = filing()
    pred["issuer"]["issuerName"] = "  ACME   widgets,  inc. "
    relationship = pred["reportingOwner"][0]["reportingOwnerRelationship"]
    relationship["isDirector"] = "true"
    relationship["isOfficer"] = "1"
    relationship["isOther"] = "0"  # absent in truth: false both ways, not counted
    pred["nonDerivativeTable"]["nonDerivativeTransaction"][0]["transactionCoding"].pop("equitySwapInvolved")
    pred["nonDerivativeTable"]["nonDerivativeTransaction"][1]["ownershipNature"]["natureOfOwnership"]["footnoteId"] = ["F1", "F2"]
    report = run_score(tmp_path, filing(), pred)
    assert report["overall"]["field_accuracy"] == 1.0
    assert report["overall"]["fields"] == scored_filled_fields(filing())


def test_unprinted_fields_are_not_scored(tmp_path: Path) -> None:
    pred = filing()
    pred["issuer"]["issuerCik"] = "0000099999"
    pred["reportingOwner"][0]["reportingOwnerId"]["rptOwnerCik"] = "0000000001"
    pred["schemaVersion"] = "X0306"
    pred["nonDerivativeTable"]["nonDerivativeTransaction"][0]["transactionCoding"]["transactionFormType"] = "5"
    overall = run_score(tmp_path, filing(), pred)["overall"]
    assert overall["field_accuracy"] == 1.0 and overall["fields"] == scored_filled_fields(filing())


def test_footnote_text_character_error_rate(tmp_path: Path) -> None:
    pred = filing()
    note = pred["footnotes"]["footnote"][1]
    note["text"] = note["text"].replace("four", "fuor")
    overall = run_score(tmp_path, filing(), pred)["overall"]
    chars = sum(len(n["text"]) for n in filing()["footnotes"]["footnote"])
    assert overall["footnote_chars"] == chars
    assert overall["footnote_edits"] == 2
    assert overall["footnote_cer"] == pytest.approx(2 / chars)
    assert overall["field_accuracy"] == 1.0
    assert overall["document_accuracy"] == 0.0


def test_report_splits_by_profile_from_manifest(tmp_path: Path) -> None:
    (tmp_path / "truth").mkdir()
    (tmp_path / "pred").mkdir()
    for stem in ("a", "b"):
        (tmp_path / "truth" / f"{stem}.xml").write_bytes(ownership.to_xml(filing()))
    (tmp_path / "pred" / "a.xml").write_bytes(ownership.to_xml(filing()))
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"documents": [{"stem": "a", "profile": "clean"}, {"stem": "b", "profile": "fax"}]}))
    report = score.score(tmp_path / "truth", tmp_path / "pred", manifest)
    assert report["profiles"]["clean"]["field_accuracy"] == 1.0
    assert report["profiles"]["fax"]["field_accuracy"] == 0.0
    assert report["overall"]["document_accuracy"] == 0.5
    assert "clean" in score.format_table(report)


def test_cli_writes_json_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    run_score(tmp_path, filing(), copy.deepcopy(filing()))
    parser = argparse.ArgumentParser()
    score.add_arguments(parser)
    out = tmp_path / "report.json"
    args = parser.parse_args([str(tmp_path / "truth"), str(tmp_path / "pred"), "--json", str(out)])
    assert score.run(args) == 0
    assert json.loads(out.read_text())["overall"]["field_accuracy"] == 1.0
    assert "overall" in capsys.readouterr().out
    assert score.run(parser.parse_args([str(tmp_path / "pred" / "missing"), str(tmp_path / "pred")])) == 2
