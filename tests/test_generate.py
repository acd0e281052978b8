"""The ground-truth generator: deterministic, schema-valid plain data, every box exercised."""
from __future__ import annotations

import json
from importlib import resources

import pytest

from ocr import ownership
from ocr.corpus.generate import LAYOUTS, MAX_FOOTNOTES, generate_filing

SEEDS = range(120)


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return [generate_filing(seed) for seed in SEEDS]


def _footnote_refs(node, out: list[str]) -> list[str]:
    if isinstance(node, dict):
        for key, item in node.items():
            if key == "footnoteId":
                out.extend(item)
            elif key != "footnotes":
                _footnote_refs(item, out)
    elif isinstance(node, list):
        for item in node:
            _footnote_refs(item, out)
    return out


def test_same_seed_same_bytes_and_different_seeds_differ():
    assert ownership.to_xml(generate_filing(11)) == ownership.to_xml(generate_filing(11))
    assert ownership.to_xml(generate_filing(11)) != ownership.to_xml(generate_filing(12))


def test_explicit_layout_matches_the_seeds_own_pick():
    doc = generate_filing(5)
    layout = "2023" if "aff10b5One" in doc else "pre2023"
    assert generate_filing(5, layout) == doc


def test_round_trip_through_ownership_xml(docs):
    for doc in docs:
        assert ownership.parse(ownership.to_xml(doc)) == doc


def test_every_footnote_reference_exists(docs):
    for doc in docs:
        notes = [n["id"] for n in doc.get("footnotes", {}).get("footnote", [])]
        assert len(notes) <= MAX_FOOTNOTES
        assert set(_footnote_refs(doc, [])) <= set(notes)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layouts_and_their_dates(layout):
    for seed in range(30):
        doc = generate_filing(seed, layout)
        assert ("aff10b5One" in doc) == (layout == "2023")
        period = doc["periodOfReport"]
        assert period >= "2023-04-01" if layout == "2023" else "2005-01-01" <= period < "2023-04-01"
        assert doc["ownerSignature"][0]["signatureDate"] >= period


def test_period_of_report_is_the_earliest_transaction(docs):
    for doc in docs:
        rows = doc.get("nonDerivativeTable", {}).get("nonDerivativeTransaction", []) + \
            doc.get("derivativeTable", {}).get("derivativeTransaction", [])
        if rows:
            assert doc["periodOfReport"] == min(r["transactionDate"]["value"] for r in rows)


def test_corpus_covers_the_variety_the_reader_must_handle(docs):
    flat = [ownership.flatten(doc) for doc in docs]
    values = [(path, text) for f in flat for path, text in f.items()]
    codes = json.loads(resources.files("ocr").joinpath("data/transaction_codes.json").read_text())["transactionCode"]
    seen_codes = {t for p, t in values if p.endswith("transactionCode")}
    assert len(seen_codes) >= len(codes) - 3
    assert any(p.endswith("equitySwapInvolved") and t == "true" for p, t in values)
    assert any(doc["documentType"] == "4/A" and "dateOfOriginalSubmission" in doc for doc in docs)
    assert any(doc.get("notSubjectToSection16") == "true" for doc in docs)
    assert any("nonDerivativeHolding" in doc.get("nonDerivativeTable", {}) for doc in docs)
    assert any("derivativeHolding" in doc.get("derivativeTable", {}) for doc in docs)
    assert any(p.endswith("sharesOwnedFollowingTransaction/value") and "." in t for p, t in values)
    assert any(p.endswith("transactionPricePerShare/value") and t == "0" for p, t in values)
    assert any(p.endswith("natureOfOwnership/value") for p, _ in values)
    assert any(p.endswith("exerciseDate/footnoteId") and not f.get(p[:-len("footnoteId")] + "value")
               for f in flat for p in f)
    assert any(len(doc.get("footnotes", {}).get("footnote", [])) >= 5 for doc in docs)
    assert any(len(t.split()) > 1 for p, t in values if p.endswith("footnoteId"))
    assert any("Attorney" in doc["ownerSignature"][0]["signatureName"] for doc in docs)
    assert any("remarks" in doc for doc in docs)
    rel = [doc["reportingOwner"][0]["reportingOwnerRelationship"] for doc in docs]
    assert any(len(r.get("officerTitle", "")) > 30 for r in rel)
    assert any(r.get("isOther") == "true" and r.get("otherText") for r in rel)
    zips = [doc["reportingOwner"][0]["reportingOwnerAddress"]["rptOwnerZipCode"] for doc in docs]
    assert any(len(z) == 5 for z in zips) and any(len(z) == 10 for z in zips)
    streets = [doc["reportingOwner"][0]["reportingOwnerAddress"]["rptOwnerStreet1"] for doc in docs]
    assert any(s.upper().startswith("C/O ") for s in streets)
    table1 = [len(doc.get("nonDerivativeTable", {}).get("nonDerivativeTransaction", [])) +
              len(doc.get("nonDerivativeTable", {}).get("nonDerivativeHolding", [])) for doc in docs]
    assert min(table1) == 0 and max(table1) >= 8 and max(table1) <= 12


def test_lengths_within_what_edgar_accepts(docs):
    for doc in docs:
        addr = doc["reportingOwner"][0]["reportingOwnerAddress"]
        assert len(addr["rptOwnerStreet1"]) <= 40 and len(addr.get("rptOwnerStreet2", "")) <= 40
        assert len(addr["rptOwnerZipCode"]) <= 10
        assert len(doc["issuer"]["issuerTradingSymbol"]) <= 10
        assert len(doc["ownerSignature"][0]["signatureName"]) <= 255
