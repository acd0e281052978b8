"""A stand-in reader for the batch tests.

The batch's kill, resume and bad-input mechanics are tested apart from OCR: this reader
loads pages through the real load stage (so every bad input fails exactly as it will in
the real reader) and returns a fixed filing named after the file, taking
``FAKE_READER_SECONDS`` per page so a run can be killed in the middle.
"""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from ocr.errors import NotForm4Error
from ocr.load import display_name, iter_pages
from ocr.result import DocumentResult, FieldResult, PageResult

SHARES = "nonDerivativeTable/nonDerivativeTransaction[0]/transactionAmounts/transactionShares/value"


def filing(issuer: str) -> dict:
    """An ownershipDocument (plain data) with one Table I purchase carrying footnote F1."""
    return {
        "schemaVersion": "X0508", "documentType": "4", "periodOfReport": "2025-04-30",
        "issuer": {"issuerCik": "0000933972", "issuerName": issuer, "issuerTradingSymbol": "SCWO"},
        "reportingOwner": [{"reportingOwnerId": {"rptOwnerCik": "0002064133", "rptOwnerName": "Doe Jane"},
                            "reportingOwnerRelationship": {"isDirector": "true"}}],
        "nonDerivativeTable": {"nonDerivativeTransaction": [{
            "securityTitle": {"value": "Common Stock"},
            "transactionDate": {"value": "2025-04-30"},
            "transactionCoding": {"transactionFormType": "4", "transactionCode": "P",
                                  "equitySwapInvolved": "false"},
            "transactionAmounts": {"transactionShares": {"value": "100", "footnoteId": ["F1"]},
                                   "transactionPricePerShare": {"value": "2.29"},
                                   "transactionAcquiredDisposedCode": {"value": "A"}},
            "postTransactionAmounts": {"sharesOwnedFollowingTransaction": {"value": "1100"}},
            "ownershipNature": {"directOrIndirectOwnership": {"value": "D"}},
        }]},
        "footnotes": {"footnote": [{"id": "F1", "text": "Bought on the open market."}]},
        "ownerSignature": [{"signatureName": "/s/ Jane Doe", "signatureDate": "2025-05-01"}],
    }


def read_document(path: Path, *, overlay_dir: Path | None = None, max_pages: int = 1000) -> DocumentResult:
    """Load every page for real; a blank document is not a Form 4; a name with 'crash' kills its worker."""
    name = display_name(path)
    pages, ink = [], 0
    for index, page in enumerate(iter_pages(path, dpi=100, max_pages=max_pages)):
        time.sleep(float(os.environ.get("FAKE_READER_SECONDS", "0")))
        pages.append(PageResult(index=index, role="first" if index == 0 else "continuation"))
        ink += int((page < 128).sum())
    if "crash" in Path(name).name:
        os.kill(os.getpid(), signal.SIGKILL)  # as a segfault inside Tesseract would
    if ink == 0:
        raise NotForm4Error(f"{name}: no page matches a Form 4 template")
    if "FAKE_READER_LOG" in os.environ:
        with open(os.environ["FAKE_READER_LOG"], "a", encoding="utf-8") as log:
            log.write(name + "\n")
    issuer = Path(name).stem
    fields = [FieldResult("issuer/issuerName", issuer, issuer, 0.97, 0, (100, 200, 400, 30)),
              FieldResult(SHARES, "100", "1OO", 0.41, 0, (900, 1500, 120, 30), needs_review=True)]
    return DocumentResult(source=str(path), document=filing(issuer), fields=fields, pages=pages,
                          template="edgar-2023")


def thread_settings() -> tuple[str | None, int]:
    """OMP_THREAD_LIMIT and OpenCV's thread count as a worker sees them."""
    import cv2
    return os.environ.get("OMP_THREAD_LIMIT"), cv2.getNumThreads()
