"""Batch state: one SQLite row per input, kept in the output directory.

SQLite is embedded (nothing to start) and commits atomically, so a run killed at any
instant leaves every row either as it was or fully updated; the next run reads it to skip
what is done. Only the batch's main process writes here; workers return plain results.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DB_NAME = "state.sqlite"
PENDING, OK, FAILED = "pending", "ok", "failed"

SCHEMA = """
CREATE TABLE IF NOT EXISTS inputs (
    path BLOB PRIMARY KEY,             -- absolute path as bytes: file names need not be UTF-8
    name TEXT NOT NULL,                -- the same path as printable text
    sha256 TEXT,
    size INTEGER,
    status TEXT NOT NULL,              -- pending, ok or failed
    pages INTEGER,
    template TEXT,
    seconds REAL,
    error TEXT,
    review TEXT NOT NULL DEFAULT '[]',        -- JSON list of field paths needing review
    outputs TEXT NOT NULL DEFAULT '[]',       -- JSON list of files written for this input
    transactions TEXT NOT NULL DEFAULT '[]',  -- JSON rows of transactions.csv
    stem TEXT UNIQUE,                  -- output file stem, unique in the output directory
    updated REAL
)
"""


@dataclass
class Outcome:
    """What processing one input produced, as stored in its row."""

    status: str
    pages: int = 0
    template: str | None = None
    seconds: float = 0.0
    error: str | None = None
    review: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    transactions: list[dict[str, Any]] = field(default_factory=list)


def file_digest(path: Path) -> tuple[str, int]:
    """sha256 and size of a file, read in chunks so a large PDF is never held in memory."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def input_key(path: Path) -> bytes:
    """The row key of an input: its absolute path, as the bytes the file system uses."""
    return os.fsencode(os.path.abspath(path))


class BatchState:
    """The state database of one output directory."""

    def __init__(self, out_dir: Path):
        self.path = Path(out_dir) / DB_NAME
        # autocommit off by default; WAL lets a progress watcher read while the batch writes
        self.db = sqlite3.connect(self.path)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(SCHEMA)
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    def row(self, key: bytes) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM inputs WHERE path = ?", (key,)).fetchone()

    def is_done(self, key: bytes, sha256: str) -> bool:
        """True when this input was read successfully before and its bytes have not changed."""
        row = self.row(key)
        return row is not None and row["status"] == OK and row["sha256"] == sha256

    def begin(self, key: bytes, name: str, sha256: str | None, size: int | None, stem: str) -> str:
        """Record an input as pending and return its output stem (kept from an earlier run)."""
        row = self.row(key)
        if row is not None and row["stem"]:
            stem = row["stem"]
        elif self.db.execute("SELECT 1 FROM inputs WHERE stem = ?", (stem,)).fetchone():
            stem = f"{stem}-{hashlib.sha256(key).hexdigest()[:8]}"  # same file name, another folder
        self.db.execute(
            "INSERT INTO inputs (path, name, sha256, size, status, stem, updated)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET name = excluded.name,"
            " sha256 = excluded.sha256, size = excluded.size, status = excluded.status,"
            " stem = excluded.stem, updated = excluded.updated",
            (key, name, sha256, size, PENDING, stem, time.time()))
        self.db.commit()
        return stem

    def finish(self, key: bytes, outcome: Outcome) -> None:
        """Store the outcome of one input; committed before the next input is recorded."""
        self.db.execute(
            "UPDATE inputs SET status = ?, pages = ?, template = ?, seconds = ?, error = ?,"
            " review = ?, outputs = ?, transactions = ?, updated = ? WHERE path = ?",
            (outcome.status, outcome.pages, outcome.template, outcome.seconds, outcome.error,
             json.dumps(outcome.review), json.dumps(outcome.outputs),
             json.dumps(outcome.transactions), time.time(), key))
        self.db.commit()

    def rows(self) -> list[sqlite3.Row]:
        """Every input ever recorded in this output directory, by name."""
        return self.db.execute("SELECT * FROM inputs ORDER BY name").fetchall()
