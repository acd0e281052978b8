"""Underlined header values (the reporting person's name and the issuer's, printed as links)
read whole on fax scans, where Tesseract drops words of underlined text."""
from __future__ import annotations

import numpy as np
import pytest
from scan_files import printed_pages, scan_and_read

from ocr import ownership
from ocr.corpus import score
from ocr.corpus.generate import generate_filing
from ocr.read import _fuller

NAMES = [("Ruiz Nancy Ann", "Sierra Motors, Inc."), ("O'Brien Kevin F", "374Water Pharmaceuticals Inc"),
         ("Pinnacle GP, LLC", "Acme Group Inc"), ("Myers Mark K", "Juniper Bancorp Inc")]


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> list[tuple[ownership.Doc, list[np.ndarray]]]:
    out = []
    for i, (owner, issuer) in enumerate(NAMES):
        doc = generate_filing(20 + i, "2023")
        doc["reportingOwner"][0]["reportingOwnerId"]["rptOwnerName"] = owner
        doc["issuer"]["issuerName"] = issuer
        out.append((doc, printed_pages(doc, tmp_path_factory.mktemp("underlined") / f"{i}.pdf")[:1]))
    return out


def test_underlined_names_on_a_fax(printed, tmp_path):
    right = 0
    for seed in (0, 6, 7, 9):  # of 12 seeds, those where the underline cost words most often
        for doc, pages in printed:
            got = scan_and_read(pages, "fax", seed, tmp_path).document
            pairs = [(doc["reportingOwner"][0]["reportingOwnerId"]["rptOwnerName"],
                      got["reportingOwner"][0]["reportingOwnerId"].get("rptOwnerName")),
                     (doc["issuer"]["issuerName"], got["issuer"].get("issuerName"))]
            right += sum(score.normalize("issuerName", w) == score.normalize("issuerName", r or "") for w, r in pairs)
    # measured: 28 of the 32 names read whole; reading with the underline only, 22
    # (over all 12 seeds: 80 and 75 of 96)
    assert right >= 26


@pytest.mark.parametrize("first,second,fuller", [
    (("Ruiz", 0.95), ("Ruiz Nancy Ann", 0.90), "Ruiz Nancy Ann"),  # words lost under the underline
    (("HERNANDEZ LINDA R", 0.87), ("HERNANDEZ LINDAR", 0.92), "HERNANDEZ LINDA R"),  # a space lost
    (("RAMIREZ PRIYAH", 0.91), ("RAMIREZ PRIYA H", 0.93), "RAMIREZ PRIYA H"),
    (("Fund IV, L.P.", 0.76), ("Fund IV, L,P.", 0.91), "Fund IV, L.P."),  # the same words: the first
    (("[vanov Christine", 0.88), ("Ivanov Christine", 0.93), "Ivanov Christine"),  # else the more confident
])
def test_the_fuller_reading_wins(first, second, fuller):
    assert _fuller(first, second)[0] == fuller
