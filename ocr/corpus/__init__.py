"""Synthetic Form 4 corpus: ground-truth filings, their EDGAR-look rendering, scans and scoring."""
